/*
 * mutex.c - mutexes.  The owner word is the whole ownership state: 0 free,
 * the owning thread's id, OWNER_DIED with no id once the owner died
 * (abandoned and free), plus the WAITERS bit that sleepers set so that a
 * release - or the kernel, at the owner's death - wakes them.  The owning
 * thread enters the word in its robust list (robust.c), keeps a reference
 * on the record (so that the page stays mapped while the kernel may walk
 * it), and keeps the recursion count.  No internal lock: acquire and
 * release are one compare-and-swap each, like a robust pthread mutex.
 */
#include "sync.h"
#include "base/probe.h"
#include "base/robust.h"

#define TID SHMAP_FUTEX_TID_MASK
#define WAITERS SHMAP_FUTEX_WAITERS
#define DIED SHMAP_FUTEX_OWNER_DIED

/* The mutexes the calling thread owns, each with a reference on its record;
 * also up to LINGER it owned recently, whose reference it keeps so that
 * taking them again costs no reference counting (dropped when the thread
 * closes a handle of one, or ends). */
#define LINGER 4
struct owned_entry {
    struct shmap_obj *o;
    bool owned;
};
struct owned {
    struct owned_entry *v;
    unsigned n, cap;
};
static __thread SHMAP_TLS struct owned t_owned;
static pthread_key_t owned_key;
static pthread_once_t owned_once = PTHREAD_ONCE_INIT;

/* A thread that ends owning mutexes abandons them (the kernel would, too,
 * through the robust list; doing it here also drops our references). */
static void thread_end(void *unused)
{
    (void)unused;
    shmap__mutex_abandon_all();
}

void shmap__mutex_abandon_all(void)
{
    const uint32_t tid = shmap__tid();
    for (unsigned i = t_owned.n; i-- > 0;) {
        struct shmap_obj *o = t_owned.v[i].o;
        struct shmap_sync *s = shmap__sync_of(o);
        uint32_t v = atomic_load(&s->owner);
        if (t_owned.v[i].owned && (v & TID) == tid) {
            atomic_store_explicit(&s->recursion, 0, memory_order_relaxed);
            shmap__robust_pending(&s->owner);
            shmap__robust_unlink(&s->owner);
            shmap__futex_set_wake(&s->owner, DIED, INT32_MAX);
            shmap__robust_pending(NULL);
        }
        shmap__obj_put(o);
    }
    free(t_owned.v);
    t_owned = (struct owned){0};
}

static void make_key(void)
{
    pthread_key_create(&owned_key, thread_end);
}

/* Room for one more owned mutex, so that acquiring cannot fail after the
 * compare-and-swap. */
static int owned_reserve(void)
{
    if (t_owned.n < t_owned.cap)
        return 0;
    pthread_once(&owned_once, make_key);
    unsigned cap = t_owned.cap ? t_owned.cap * 2 : 8;
    struct owned_entry *v = realloc(t_owned.v, cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    if (!t_owned.v)
        pthread_setspecific(owned_key, (void *)1);
    t_owned.v = v;
    t_owned.cap = cap;
    return 0;
}

static struct owned_entry *owned_find(struct shmap_obj *o)
{
    for (unsigned i = 0; i < t_owned.n; i++)
        if (t_owned.v[i].o == o)
            return &t_owned.v[i];
    return NULL;
}

static void owned_push(struct shmap_obj *o)
{
    struct owned_entry *e = owned_find(o);
    if (e) /* a lingering reference: reuse it */
        e->owned = true;
    else {
        shmap__obj_get(o);
        t_owned.v[t_owned.n++] = (struct owned_entry){o, true};
    }
}

static void owned_remove(struct owned_entry *e)
{
    struct shmap_obj *o = e->o;
    *e = t_owned.v[--t_owned.n];
    shmap__obj_put(o);
}

static void owned_drop(struct shmap_obj *o)
{
    struct owned_entry *e = owned_find(o);
    if (!e)
        return;
    e->owned = false;
    unsigned lingering = 0;
    for (unsigned i = 0; i < t_owned.n; i++)
        lingering += !t_owned.v[i].owned;
    if (lingering > LINGER)
        owned_remove(e);
}

static void mutex_forget(struct shmap_obj *o)
{
    struct owned_entry *e = owned_find(o);
    if (e && !e->owned)
        owned_remove(e);
}

void shmap__mutex_fork_child(void)
{
    /* the child owns nothing (glibc empties its robust list too); the
     * references stay counted (records of a fork child are never freed) */
    t_owned = (struct owned){0};
    shmap__tid_reset();
}

SHMAP_EXTERN int shmap_mutex_create(const char *name, uint32_t mflags, uint32_t access,
                                    unsigned flags, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    bool own = (mflags & SHMAP_MUTEX_INITIAL_OWNER) != 0;
    if (own && owned_reserve())
        return -ENOMEM;
    struct shmap_sync init = {.tag = SHMAP_SYNC_TAG, .type = SHMAP_TYPE_MUTEX};
    if (own) {
        atomic_init(&init.owner, shmap__tid());
        atomic_init(&init.recursion, 1);
        atomic_init(&init.owner_flags, shmap__robust_ok() ? 0u : SHMAP_OWNER_NOROBUST);
    }
    struct shmap_obj *o = NULL;
    int r = shmap__sync_create(&shmap__mutex_ops, name, &init, access, flags, out, &o);
    if (r < 0)
        return r;
    if (r == 0 && own) { /* created, owned: enter it in our robust list */
        struct shmap_sync *s = shmap__sync_of(o);
        shmap__robust_link(&s->owner);
        owned_push(o);
    }
    shmap__obj_put(o);
    return r;
}

SHMAP_EXTERN int shmap_mutex_open(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    return shmap__sync_open(&shmap__mutex_ops, name, access, flags, out);
}

static int mutex_acquire(struct shmap_obj *o, struct shmap_sync *s, uint32_t *seen)
{
    const uint32_t tid = shmap__tid();
    _Atomic uint32_t *w = &s->owner;
    uint32_t v = atomic_load(w);
    for (;;) {
        if ((v & TID) == tid) {
            uint32_t rc = atomic_load(&s->recursion);
            if (rc >= 0x7fffffffu)
                return -EOVERFLOW; /* NT: STATUS_MUTANT_LIMIT_EXCEEDED */
            atomic_store_explicit(&s->recursion, rc + 1, memory_order_relaxed);
            return SHMAP_MTX_TAKEN;
        }
        if (v & TID) {
            /* an owner the kernel will not report (no robust list): ask */
            if ((atomic_load_explicit(&s->owner_flags, memory_order_relaxed) &
                 SHMAP_OWNER_NOROBUST) &&
                !shmap__tid_alive(v & TID)) {
                if (atomic_compare_exchange_strong(w, &v, DIED | (v & WAITERS)))
                    v = DIED | (v & WAITERS);
                continue;
            }
            *seen = v;
            return SHMAP_MTX_BUSY;
        }
        int r = owned_reserve();
        if (r)
            return r;
        shmap__robust_pending(w);
        if (atomic_compare_exchange_weak(w, &v, tid | (v & WAITERS))) {
            shmap__tsan_acquire(w);
            shmap__robust_link(w);
            shmap__robust_pending(NULL);
            atomic_store_explicit(&s->recursion, 1, memory_order_relaxed);
            uint32_t f = shmap__robust_head() ? 0 : SHMAP_OWNER_NOROBUST;
            if (atomic_load_explicit(&s->owner_flags, memory_order_relaxed) != f)
                atomic_store_explicit(&s->owner_flags, f, memory_order_relaxed);
            owned_push(o);
            return (v & DIED) ? SHMAP_MTX_ABANDONED : SHMAP_MTX_TAKEN;
        }
        shmap__robust_pending(NULL);
    }
}

static bool mutex_acquirable(struct shmap_sync *s)
{
    uint32_t v = atomic_load(&s->owner) & TID;
    return v == 0 || v == shmap__tid();
}

/* Give the mutex up, leaving the word at val (0, or DIED to stay abandoned). */
static void give_back(struct shmap_obj *o, struct shmap_sync *s, uint32_t val)
{
    _Atomic uint32_t *w = &s->owner;
    uint32_t v = shmap__tid();
    atomic_store_explicit(&s->recursion, 0, memory_order_relaxed);
    shmap__robust_pending(w);
    shmap__robust_unlink(w);
    if (!atomic_compare_exchange_strong(w, &v, val))
        shmap__futex_set_wake(w, val, INT32_MAX); /* WAITERS: release and wake in one step */
    shmap__robust_pending(NULL);
    owned_drop(o);
}

static void mutex_unacquire(struct shmap_obj *o, struct shmap_sync *s, int how)
{
    uint32_t rc = atomic_load(&s->recursion);
    if (rc > 1)
        atomic_store_explicit(&s->recursion, rc - 1, memory_order_relaxed);
    else
        give_back(o, s, how == SHMAP_MTX_ABANDONED ? DIED : 0);
}

static uint32_t mutex_prepare_sleep(struct shmap_sync *s, uint32_t seen, bool check_dead)
{
    _Atomic uint32_t *w = &s->owner;
    uint32_t v = seen;
    if (check_dead && !shmap__tid_alive(v & TID)) {
        /* died without the kernel marking it (no robust list): abandon */
        if (atomic_compare_exchange_strong(w, &v, DIED | (v & WAITERS)))
            shmap__futex_wake(w, INT32_MAX);
        return 0;
    }
    if (!(v & WAITERS)) {
        if (!atomic_compare_exchange_strong(w, &v, v | WAITERS))
            return 0;
        v |= WAITERS;
    }
    return v;
}

SHMAP_EXTERN int shmap_mutex_release(shmap_handle_t h)
{
    struct shmap_obj *o;
    uint32_t access;
    int r = shmap__handle_borrow(h, &o, &access); /* no right needed */
    if (r)
        return r;
    if (o->type != SHMAP_TYPE_MUTEX)
        return SHMAP_ETYPE;
    struct shmap_sync *s = shmap__named_state(o); /* the type is checked */
    if ((atomic_load(&s->owner) & TID) != shmap__tid())
        return SHMAP_ENOTOWNER;
    uint32_t rc = atomic_load(&s->recursion);
    if (rc > 1)
        atomic_store_explicit(&s->recursion, rc - 1, memory_order_relaxed);
    else
        give_back(o, s, 0);
    return 0;
}

SHMAP_EXTERN int shmap_mutex_query(shmap_handle_t h, shmap_mutex_info_t *info)
{
    if (SHMAP_PROBE_OUT(info))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_MUTEX, SHMAP_MUTANT_QUERY_STATE, &o, &s);
    if (r)
        return r;
    uint32_t v = atomic_load(&s->owner);
    if ((v & TID) && (v & TID) != shmap__tid() && !shmap__tid_alive(v & TID)) {
        /* its owner died and nobody noticed yet (no robust list): abandon */
        if (atomic_compare_exchange_strong(&s->owner, &v, DIED | (v & WAITERS)))
            shmap__futex_wake(&s->owner, INT32_MAX);
        v = atomic_load(&s->owner);
    }
    uint32_t owner = v & TID;
    info->owner = owner;
    info->owned = owner && owner == shmap__tid();
    info->abandoned = !owner && (v & DIED);
    info->count = owner ? 1 - (int32_t)atomic_load(&s->recursion) : 1;
    shmap__obj_put(o);
    return 0;
}

static int mutex_signal(shmap_handle_t h)
{
    return shmap_mutex_release(h);
}

static const struct shmap_wait_ops mutex_wait = {
    .kind = SHMAP_WK_MUTEX,
    .acquire = mutex_acquire,
    .acquirable = mutex_acquirable,
    .unacquire = mutex_unacquire,
    .prepare_sleep = mutex_prepare_sleep,
    .signal = mutex_signal,
};

const struct shmap_obj_ops shmap__mutex_ops = {
    .type = SHMAP_TYPE_MUTEX,
    .destroy = shmap__named_destroy,
    .state_ok = shmap__sync_state_ok,
    .closing = mutex_forget, /* the thread's lingering reference goes with its handle */
    .adopt_file = shmap__named_adopt,
    .wait = &mutex_wait,
};
