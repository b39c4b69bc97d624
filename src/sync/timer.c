/*
 * timer.c - waitable timers, and the completion routines that alertable
 * waits run.
 *
 * No process has to be running for a timer to fire: the shared state holds
 * the due time on CLOCK_MONOTONIC (one clock for every process of the
 * machine), and whoever looks at the timer under its lock first brings it
 * up to date (fired, next period).  Waiters sleep until the due time at
 * most, so they see it fire on time whoever set it.
 */
#include "sync.h"
#include "base/probe.h"

#include <time.h>

#define EPOCH_DIFF_100NS 116444736000000000LL /* 1601-01-01 to 1970-01-01 */

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

SHMAP_EXTERN int shmap_timer_create(const char *name, uint32_t tflags, uint32_t access,
                                    unsigned flags, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct shmap_sync init = {.tag = SHMAP_SYNC_TAG, .type = SHMAP_TYPE_TIMER};
    init.flags = (tflags & SHMAP_TIMER_MANUAL_RESET) ? SHMAP_SYNC_MANUAL : 0;
    return shmap__sync_create(&shmap__timer_ops, name, &init, access, flags, out, NULL);
}

SHMAP_EXTERN int shmap_timer_open(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    return shmap__sync_open(&shmap__timer_ops, name, access, flags, out);
}

/* Under the lock: account for expiries up to now. */
static void update(struct shmap_sync *s, uint64_t now)
{
    if (!s->armed || now < s->due_ns)
        return;
    atomic_store(&s->count, 1);
    if (s->period_ms) {
        uint64_t p = (uint64_t)s->period_ms * 1000000u;
        s->due_ns += ((now - s->due_ns) / p + 1) * p;
    } else
        s->armed = 0;
}

static bool timer_ready(struct shmap_sync *s, uint32_t snap_pulse, uint64_t now, bool *by_pulse,
                        uint64_t *due)
{
    (void)snap_pulse;
    *by_pulse = false;
    update(s, now);
    *due = s->armed ? s->due_ns : UINT64_MAX;
    return atomic_load(&s->count) != 0;
}

static void timer_take(struct shmap_sync *s, bool by_pulse)
{
    (void)by_pulse;
    if (!(s->flags & SHMAP_SYNC_MANUAL))
        atomic_store(&s->count, 0);
}

/* A timer is looked at and taken under its lock only (its count is
 * brought up to date there): no count taking without it, no hold. */
static bool timer_needs_hold(const struct shmap_sync *s)
{
    (void)s;
    return false;
}

static const struct shmap_wait_ops timer_wait = {
    .kind = SHMAP_WK_SYNC,
    .timed = true,
    .ready = timer_ready,
    .take = timer_take,
    .needs_hold = timer_needs_hold,
};

const struct shmap_obj_ops shmap__timer_ops = {
    .type = SHMAP_TYPE_TIMER,
    .destroy = shmap__named_destroy,
    .state_ok = shmap__sync_state_ok,
    .adopt_file = shmap__named_adopt,
    .wait = &timer_wait,
};

/* ---- completion routines (per thread) --------------------------------- */

struct apc {
    struct shmap_obj *o; /* holds a reference */
    uint32_t gen;        /* the Set this routine belongs to */
    shmap_timer_routine_t fn;
    void *arg;
    uint64_t next;      /* CLOCK_MONOTONIC ns of the next expiry */
    uint64_t period_ns; /* 0: once */
};
static __thread SHMAP_TLS struct apc *t_apc;
static __thread SHMAP_TLS unsigned t_napc, t_capc;

static pthread_key_t apc_key;
static pthread_once_t apc_once = PTHREAD_ONCE_INIT;

void shmap__apc_drop_all(void)
{
    for (unsigned i = 0; i < t_napc; i++)
        shmap__obj_put(t_apc[i].o);
    free(t_apc);
    t_apc = NULL;
    t_napc = t_capc = 0;
}

static void apc_key_end(void *unused)
{
    (void)unused;
    shmap__apc_drop_all();
}

static void apc_key_make(void)
{
    pthread_key_create(&apc_key, apc_key_end);
}

static void apc_remove(unsigned i)
{
    shmap__obj_put(t_apc[i].o);
    t_apc[i] = t_apc[--t_napc];
}

static int apc_register(struct shmap_obj *o, const struct apc *a)
{
    for (unsigned i = 0; i < t_napc; i++)
        if (t_apc[i].o == o) {
            apc_remove(i);
            break;
        }
    if (t_napc == t_capc) {
        unsigned cap = t_capc ? t_capc * 2 : 4;
        struct apc *v = realloc(t_apc, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        if (!t_apc) { /* the thread's routines go when it ends */
            pthread_once(&apc_once, apc_key_make);
            pthread_setspecific(apc_key, (void *)1);
        }
        t_apc = v;
        t_capc = cap;
    }
    shmap__obj_get(o);
    t_apc[t_napc++] = *a;
    return 0;
}

int shmap__apc_run(uint64_t now, uint64_t *next)
{
    int ran = 0;
    /* Each round runs the first due routine; a routine may set timers
     * (changing the table), so the table is read again every round. */
    for (unsigned round = 0, limit = t_napc; round < limit; round++) {
        unsigned i;
        for (i = 0; i < t_napc; i++) {
            struct shmap_sync *s = shmap__sync_of(t_apc[i].o);
            if (atomic_load(&s->set_gen) != t_apc[i].gen) {
                apc_remove(i--); /* set again or cancelled since */
                continue;
            }
            if (now >= t_apc[i].next)
                break;
        }
        if (i == t_napc)
            break;
        struct apc a = t_apc[i];
        /* the expiry time as a FILETIME */
        int64_t rt = realtime_ns() - (int64_t)(shmap__mono_ns() - a.next);
        uint64_t ft = (uint64_t)(rt / 100 + EPOCH_DIFF_100NS);
        if (a.period_ns) {
            t_apc[i].next += ((now - a.next) / a.period_ns + 1) * a.period_ns;
            shmap__obj_get(a.o);
        } else
            t_apc[i] = t_apc[--t_napc]; /* a keeps the reference */
        a.fn(a.arg, (uint32_t)ft, (uint32_t)(ft >> 32));
        shmap__obj_put(a.o);
        ran++;
    }
    uint64_t first = UINT64_MAX;
    for (unsigned i = 0; i < t_napc; i++)
        if (t_apc[i].next < first)
            first = t_apc[i].next;
    *next = first;
    return ran;
}

/* ---- calls ------------------------------------------------------------- */

SHMAP_EXTERN int shmap_timer_set(shmap_handle_t h, int64_t due, int32_t period_ms,
                                 shmap_timer_routine_t routine, void *arg, int resume)
{
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_TIMER, SHMAP_TIMER_MODIFY_STATE, &o, &s);
    if (r)
        return r;
    if (period_ms < 0) {
        shmap__obj_put(o);
        return -EINVAL;
    }
    uint64_t now = shmap__mono_ns(), at;
    if (due < 0) { /* relative, 100 ns units */
        uint64_t rel = (uint64_t)0 - (uint64_t)due;
        at = rel > (UINT64_MAX / 2 - now) / 100 ? UINT64_MAX / 2 : now + rel * 100;
    } else {                                                            /* absolute UTC */
        int64_t delta = due - (realtime_ns() / 100 + EPOCH_DIFF_100NS); /* 100 ns units */
        at = delta <= 0                                       ? now
             : (uint64_t)delta > (UINT64_MAX / 2 - now) / 100 ? UINT64_MAX / 2
                                                              : now + (uint64_t)delta * 100;
    }
    if (shmap__slock(s))
        shmap__sync_repair(s);
    atomic_store(&s->count, 0);
    s->due_ns = at;
    s->period_ms = (uint32_t)period_ms;
    s->armed = 1;
    s->set_tid = shmap__tid();
    uint32_t gen = atomic_fetch_add(&s->set_gen, 1) + 1;
    bool wake = shmap__sync_changed(s); /* sleepers recompute their deadline */
    shmap__sunlock(s);
    if (wake)
        shmap__sync_wake(s);
    if (routine) {
        struct apc a = {o, gen, routine, arg, at, (uint64_t)period_ms * 1000000u};
        r = apc_register(o, &a);
    }
    shmap__obj_put(o);
    if (r == 0 && resume)
        r = SHMAP_RESUME_IGNORED;
    return r;
}

SHMAP_EXTERN int shmap_timer_cancel(shmap_handle_t h)
{
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_TIMER, SHMAP_TIMER_MODIFY_STATE, &o, &s);
    if (r)
        return r;
    if (shmap__slock(s))
        shmap__sync_repair(s);
    update(s, shmap__mono_ns()); /* an expiry already due still signals */
    s->armed = 0;
    atomic_fetch_add(&s->set_gen, 1);
    shmap__sunlock(s);
    shmap__obj_put(o);
    return 0;
}

SHMAP_EXTERN int shmap_timer_query(shmap_handle_t h, int *signaled, int *armed,
                                   uint64_t *remaining_ns)
{
    if ((signaled && SHMAP_PROBE_OUT(signaled)) || (armed && SHMAP_PROBE_OUT(armed)) ||
        (remaining_ns && SHMAP_PROBE_OUT(remaining_ns)))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_TIMER, SHMAP_TIMER_QUERY_STATE, &o, &s);
    if (r)
        return r;
    if (shmap__slock(s))
        shmap__sync_repair(s);
    uint64_t now = shmap__mono_ns();
    update(s, now);
    if (signaled)
        *signaled = atomic_load(&s->count) ? 1 : 0;
    if (armed)
        *armed = s->armed ? 1 : 0;
    if (remaining_ns)
        *remaining_ns = s->armed ? s->due_ns - now : 0;
    shmap__sunlock(s);
    shmap__obj_put(o);
    return 0;
}
