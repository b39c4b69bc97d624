/*
 * handle.c - the one per-process handle table.
 *
 * Handle value = (index + 1) * 4: never 0, never -1/-2 (the pseudo handles),
 * and the low two bits are ignored on lookup as Windows does.  Entries live
 * in chunks that are never freed, so a lookup may read an entry while
 * another thread closes it.
 *
 * Lookups take no lock and closers never wait.  Object records live in
 * type-stable memory (object.c never gives a record's memory back to the
 * system), so a reader may read the pointer of an entry being closed: it
 * takes a reference only if the record's count is not zero, then checks
 * that the entry still points to it.  A record freed and reused meanwhile
 * is caught by the count (zero) or by the recheck.  Allocation and close
 * serialise on shmap__table_lock.
 */
#include "obj.h"

#include <sys/mman.h>

#define CHUNK_BITS 12u
#define CHUNK_SIZE (1u << CHUNK_BITS)
/* 16 Mi values (Windows' per-process limit): this process makes indices
 * [0, SHMAP_REMOTE_BASE), other processes put the rest (xfer.c) */
#define MAX_CHUNKS 4096u
#define NO_ENTRY UINT32_MAX

struct hentry {
    _Atomic(struct shmap_obj *) obj; /* NULL: free */
    _Atomic uint32_t gen;            /* bumped by every close (borrow cache, below) */
    _Atomic uint32_t access;         /* written before obj is published */
    _Atomic uint32_t flags;          /* SHMAP_HANDLE_* */
    uint32_t next_free;              /* protected by shmap__table_lock */
};

static _Atomic(struct hentry *) chunks[MAX_CHUNKS];
/* lifecycle.c: across fork */
pthread_mutex_t shmap__table_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t free_head = NO_ENTRY; /* protected by shmap__table_lock */
static uint32_t nused;                /* entries ever handed out; shmap__table_lock */
static uint32_t remote_end;           /* past the highest remote index filled; the same */
static _Atomic unsigned long nlive;

/* What the layer above asks to hear of (xfer.c's publishing and inbox):
 * set once at start-up by lifecycle.c, before any handle exists. */
static struct shmap_table_hooks hooks;
static _Atomic uint32_t *inbox_word; /* our state's inbox_gen, or NULL */
uint32_t shmap__inbox_seen;

void shmap__handle_set_hooks(const struct shmap_table_hooks *h)
{
    hooks = *h;
}

void shmap__handle_set_inbox(_Atomic uint32_t *word, uint32_t seen)
{
    inbox_word = word;
    shmap__inbox_seen = seen;
}

/* Take in what other processes put into or closed in our table, if our
 * inbox generation moved (one load in the common case). */
static inline void inbox_poll(void)
{
    _Atomic uint32_t *w = inbox_word;
    if (NEVER(w != NULL && atomic_load_explicit(w, memory_order_relaxed) != shmap__inbox_seen) &&
        hooks.drain)
        hooks.drain();
}

static void publish(uint32_t idx, uint32_t gen, struct shmap_obj *o, uint32_t access,
                    uint32_t hflags)
{
    if (hooks.publish)
        hooks.publish(idx, gen, o, access, hflags);
}

static struct hentry *entry_at(uint32_t idx)
{
    struct hentry *c = atomic_load(&chunks[idx >> CHUNK_BITS]);
    return c ? &c[idx & (CHUNK_SIZE - 1)] : NULL;
}

static int index_of(shmap_handle_t h, uint32_t *idx)
{
    uintptr_t v = (uintptr_t)h >> 2;
    if (v == 0 || v > (uintptr_t)MAX_CHUNKS * CHUNK_SIZE)
        return -EBADF; /* NULL, pseudo handles (-1, -2) and garbage */
    *idx = (uint32_t)(v - 1);
    return 0;
}

static int chunk_locked(uint32_t c)
{
    if (!atomic_load(&chunks[c])) {
        /* zero pages the kernel gives when first touched: a process with
         * few handles pays for one page, not for clearing 96 KiB (calloc
         * from the heap: a quarter of a millisecond at start-up) */
        struct hentry *chunk =
            SYS(mmap)(NULL, (size_t)CHUNK_SIZE * sizeof *chunk, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (chunk == MAP_FAILED)
            return -ENOMEM;
        atomic_store(&chunks[c], chunk);
    }
    return 0;
}

static int alloc_index_locked(uint32_t *idx)
{
    if (free_head != NO_ENTRY) {
        *idx = free_head;
        free_head = entry_at(free_head)->next_free;
        return 0;
    }
    if (nused >= SHMAP_REMOTE_BASE) /* the rest is given out by other processes */
        return -EMFILE;
    int r = chunk_locked(nused >> CHUNK_BITS);
    if (r)
        return r;
    *idx = nused++;
    return 0;
}

/* Under shmap__table_lock: make the free entry idx a handle of o, and publish it. */
static void fill_locked(uint32_t idx, struct shmap_obj *o, uint32_t access, uint32_t hflags)
{
    struct hentry *e = entry_at(idx);
    atomic_store(&e->access, access);
    atomic_store(&e->flags, hflags & (SHMAP_HANDLE_INHERIT | SHMAP_HANDLE_PROTECT_FROM_CLOSE));
    atomic_store(&e->obj, o);
    atomic_fetch_add(&nlive, 1);
    if (!(hflags & SHMAP_HANDLE_PUBLISHED_))
        publish(idx, atomic_load(&e->gen), o, access, atomic_load(&e->flags));
}

int shmap__handle_alloc(struct shmap_obj *o, uint32_t access, uint32_t hflags, shmap_handle_t *out)
{
    uint32_t idx;
    pthread_mutex_lock(&shmap__table_lock);
    int r = alloc_index_locked(&idx);
    if (r == 0)
        fill_locked(idx, o, access, hflags);
    pthread_mutex_unlock(&shmap__table_lock);
    if (r == 0)
        *out = (shmap_handle_t)(uintptr_t)((idx + 1u) << 2);
    return r;
}

int shmap__handle_alloc_at(shmap_handle_t h, struct shmap_obj *o, uint32_t access, uint32_t hflags)
{
    uint32_t idx;
    if (index_of(h, &idx) || ((uintptr_t)h & 3u))
        return -EBADF;
    pthread_mutex_lock(&shmap__table_lock);
    int r = chunk_locked(idx >> CHUNK_BITS);
    if (r == 0 && idx < SHMAP_REMOTE_BASE) {
        if (idx < nused) { /* must be free: take it out of the free list */
            uint32_t *link = &free_head;
            while (*link != NO_ENTRY && *link != idx)
                link = &entry_at(*link)->next_free;
            if (*link == idx)
                *link = entry_at(idx)->next_free;
            else
                r = -EEXIST;
        } else {
            for (uint32_t c = nused >> CHUNK_BITS; r == 0 && c <= (idx >> CHUNK_BITS); c++)
                r = chunk_locked(c);
            for (uint32_t i = nused; r == 0 && i < idx; i++) { /* the gap is free */
                entry_at(i)->next_free = free_head;
                free_head = i;
            }
            if (r == 0)
                nused = idx + 1;
        }
    }
    struct hentry *e = r == 0 ? entry_at(idx) : NULL;
    if (e && atomic_load(&e->obj))
        r = -EEXIST;
    if (r == 0)
        fill_locked(idx, o, access, hflags);
    if (r == 0 && idx >= SHMAP_REMOTE_BASE && idx >= remote_end)
        remote_end = idx + 1;
    pthread_mutex_unlock(&shmap__table_lock);
    return r;
}

/* Entry idx holds a stand-in (*o, with our reference: an inherited handle
 * not taken in yet): take it in, put the record in the entry, and give *o
 * as that record (with a reference). */
static int resolve(uint32_t idx, struct hentry *e, struct shmap_obj **o)
{
    struct shmap_obj *p = *o, *real;
    if (p->ops->resolve(p, &real) != 0) {
        shmap__obj_put(p);
        return -EBADF; /* what the parent passed is not an object any more */
    }
    shmap__obj_handle_get(real); /* the entry's, if we are the one who puts it there */
    shmap__obj_get(real);        /* the caller's */
    pthread_mutex_lock(&shmap__table_lock);
    struct shmap_obj *cur = atomic_load(&e->obj);
    bool swapped = cur == p, there = swapped || cur == real;
    if (swapped) {
        atomic_store(&e->obj, real);
        publish(idx, atomic_load(&e->gen), real, atomic_load(&e->access), atomic_load(&e->flags));
    }
    pthread_mutex_unlock(&shmap__table_lock);
    if (swapped)
        shmap__obj_handle_put(p); /* the entry's hold on the pending record */
    else
        shmap__obj_handle_put(real);
    shmap__obj_put(p);
    if (!there) { /* closed meanwhile */
        shmap__obj_put(real);
        return -EBADF;
    }
    *o = real;
    return 0;
}

int shmap__handle_get(shmap_handle_t h, struct shmap_obj **o, uint32_t *access)
{
    uint32_t idx;
    struct hentry *e;
    inbox_poll(); /* handles other processes put or closed */
    if (index_of(h, &idx) || (e = entry_at(idx)) == NULL)
        return -EBADF;
    for (;;) {
        struct shmap_obj *obj = atomic_load(&e->obj);
        if (!obj || !shmap__obj_tryget(obj))
            return -EBADF;
        uint32_t a = atomic_load(&e->access);
        if (atomic_load(&e->obj) == obj) {
            if (NEVER(obj->ops->resolve != NULL)) {
                int r = resolve(idx, e, &obj);
                if (r)
                    return r;
            }
            if (access)
                *access = a;
            *o = obj;
            return 0;
        }
        shmap__obj_put(obj); /* closed meanwhile; look again */
    }
}

int shmap__handle_get_type(shmap_handle_t h, shmap_type_t type, struct shmap_obj **o,
                           uint32_t *access)
{
    int r = shmap__handle_get(h, o, access);
    if (r == 0 && (*o)->type != type) {
        shmap__obj_put(*o);
        *o = NULL; /* released: nothing for the caller to use or put */
        return SHMAP_ETYPE;
    }
    return r;
}

int shmap__handle_get_right(shmap_handle_t h, shmap_type_t type, uint32_t right,
                            struct shmap_obj **o)
{
    uint32_t access;
    int r = shmap__handle_get_type(h, type, o, &access);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    if (right && !(access & right)) {
        shmap__obj_put(*o);
        *o = NULL;
        return -EACCES;
    }
    return 0;
}

/* Run fn on the live entry of h, holding a reference on its object. */
static int with_entry(shmap_handle_t h, int (*fn)(struct hentry *e, void *arg), void *arg)
{
    uint32_t idx = 0;
    struct shmap_obj *o;
    int r = shmap__handle_get(h, &o, NULL);
    if (r)
        return r;
    index_of(h, &idx);
    r = fn(entry_at(idx), arg);
    shmap__obj_put(o);
    return r;
}

/* Under shmap__table_lock: entry idx holds no handle any more (its close
 * generation moves on, so that borrows and closes by generation miss). */
static void empty_locked(uint32_t idx, struct hentry *e)
{
    atomic_store(&e->obj, NULL);
    uint32_t next_gen = atomic_fetch_add(&e->gen, 1) + 1;
    if (hooks.unpublish)
        hooks.unpublish(idx, next_gen);
    atomic_fetch_sub(&nlive, 1);
}

static int close_handle(shmap_handle_t h, bool check_gen, uint32_t gen)
{
    uint32_t idx;
    struct hentry *e;
    if (index_of(h, &idx) || (e = entry_at(idx)) == NULL)
        return -EBADF;
    pthread_mutex_lock(&shmap__table_lock);
    struct shmap_obj *o = atomic_load(&e->obj);
    if (!o || (atomic_load(&e->flags) & SHMAP_HANDLE_PROTECT_FROM_CLOSE) ||
        (check_gen && atomic_load(&e->gen) != gen)) {
        pthread_mutex_unlock(&shmap__table_lock);
        return -EBADF;
    }
    empty_locked(idx, e);
    if (idx < SHMAP_REMOTE_BASE) { /* remote values are never given out again */
        e->next_free = free_head;
        free_head = idx;
    }
    pthread_mutex_unlock(&shmap__table_lock);
    shmap__handle_forget(o);
    shmap__obj_handle_put(o);
    return 0;
}

int shmap__handle_reissue(shmap_handle_t h, struct shmap_obj *o, uint32_t access, uint32_t hflags,
                          shmap_handle_t *out)
{
    uint32_t idx;
    struct hentry *e;
    if (index_of(h, &idx) || (e = entry_at(idx)) == NULL)
        return -EBADF;
    pthread_mutex_lock(&shmap__table_lock);
    if (atomic_load(&e->obj) != o || (atomic_load(&e->flags) & SHMAP_HANDLE_PROTECT_FROM_CLOSE)) {
        pthread_mutex_unlock(&shmap__table_lock);
        return -EBADF;
    }
    empty_locked(idx, e); /* closed: a borrow or a close by generation of it misses */
    /* and made anew, with the closed handle's count */
    fill_locked(idx, o, access, hflags);
    pthread_mutex_unlock(&shmap__table_lock);
    *out = (shmap_handle_t)(uintptr_t)((idx + 1u) << 2);
    return 0;
}

SHMAP_EXTERN int shmap_close(shmap_handle_t h)
{
    if (h == SHMAP_CURRENT_PROCESS || h == SHMAP_CURRENT_THREAD)
        return 0;
    inbox_poll();
    return close_handle(h, false, 0);
}

int shmap__handle_close_gen(shmap_handle_t h, uint32_t gen)
{
    return close_handle(h, true, gen);
}

/*
 * Call fn on every live entry among those ever handed out: ours, [0, nused),
 * and those other processes put, [SHMAP_REMOTE_BASE, remote_end).  Only
 * those: the rest of a chunk is zero pages never touched, and chunks[]
 * itself 32 KiB of them; reading them all cost every exit (and every fork
 * child) 24 page faults per chunk in use plus 8, 0.3 to 0.6 ms on this VM.
 * The bounds are read under the table lock; with `locked` the walk holds it
 * too (fn must not call into the table), else fn may.
 */
static void walk_used(bool locked,
                      void (*fn)(uint32_t idx, struct hentry *e, struct shmap_obj *o, void *arg),
                      void *arg)
{
    pthread_mutex_lock(&shmap__table_lock);
    const uint32_t range[2][2] = {{0, nused}, {SHMAP_REMOTE_BASE, remote_end}};
    if (!locked)
        pthread_mutex_unlock(&shmap__table_lock);
    for (int r = 0; r < 2; r++)
        for (uint32_t i = range[r][0]; i < range[r][1]; i++) {
            struct hentry *e = entry_at(i);
            struct shmap_obj *o = e ? atomic_load(&e->obj) : NULL;
            if (!e) /* a chunk never allocated: none of its entries was used */
                i |= CHUNK_SIZE - 1;
            else if (o)
                fn(i, e, o, arg);
        }
    if (locked)
        pthread_mutex_unlock(&shmap__table_lock);
}

static void settle_one(uint32_t idx, struct hentry *e, struct shmap_obj *o, void *arg)
{
    (void)idx, (void)e, (void)arg;
    if (o->ops->settle && shmap__obj_tryget(o)) {
        o->ops->settle(o); /* may take the table lock: the walk does not hold it */
        shmap__obj_put(o);
    }
}

void shmap__handle_settle_all(void)
{
    walk_used(false, settle_one, NULL);
}

static void republish_one(uint32_t idx, struct hentry *e, struct shmap_obj *o, void *arg)
{
    (void)arg;
    publish(idx, atomic_load(&e->gen), o, atomic_load(&e->access), atomic_load(&e->flags));
}

void shmap__handle_republish(void)
{
    walk_used(true, republish_one, NULL);
}

static int get_flags(struct hentry *e, void *arg)
{
    *(uint32_t *)arg = atomic_load(&e->flags);
    return 0;
}

SHMAP_EXTERN int shmap_handle_get_flags(shmap_handle_t h, uint32_t *flags)
{
    if (h == SHMAP_CURRENT_PROCESS || h == SHMAP_CURRENT_THREAD) {
        *flags = 0;
        return 0;
    }
    uint32_t f;
    int r = with_entry(h, get_flags, &f);
    if (r == 0)
        *flags = f;
    return r;
}

static int set_flags(struct hentry *e, void *arg)
{
    const uint32_t *mf = arg; /* mask, flags */
    uint32_t mask = mf[0] & (SHMAP_HANDLE_INHERIT | SHMAP_HANDLE_PROTECT_FROM_CLOSE);
    uint32_t old = atomic_load(&e->flags);
    while (!atomic_compare_exchange_weak(&e->flags, &old, (old & ~mask) | (mf[1] & mask)))
        ;
    return 0;
}

SHMAP_EXTERN int shmap_handle_set_flags(shmap_handle_t h, uint32_t mask, uint32_t flags)
{
    if (h == SHMAP_CURRENT_PROCESS || h == SHMAP_CURRENT_THREAD)
        return -EACCES;
    uint32_t mf[2] = {mask, flags};
    int r = with_entry(h, set_flags, mf);
    uint32_t idx;
    struct hentry *e;
    if (r == 0 && index_of(h, &idx) == 0 && (e = entry_at(idx)) != NULL) {
        pthread_mutex_lock(&shmap__table_lock);
        struct shmap_obj *o = atomic_load(&e->obj);
        if (o)
            publish(idx, atomic_load(&e->gen), o, atomic_load(&e->access), atomic_load(&e->flags));
        pthread_mutex_unlock(&shmap__table_lock);
    }
    return r;
}

SHMAP_EXTERN int shmap_handle_query(shmap_handle_t h, shmap_type_t *type, uint32_t *access)
{
    struct shmap_obj *o;
    uint32_t a;
    int r = shmap__handle_get(h, &o, &a);
    if (r)
        return r;
    if (type)
        *type = o->type;
    if (access)
        *access = a;
    shmap__obj_put(o);
    return 0;
}

struct foreach_arg {
    void (*fn)(shmap_handle_t h, struct shmap_obj *o, uint32_t access, uint32_t hflags, void *arg);
    void *arg;
};

static void foreach_one(uint32_t idx, struct hentry *e, struct shmap_obj *o, void *arg)
{
    const struct foreach_arg *fa = arg;
    fa->fn((shmap_handle_t)(uintptr_t)((idx + 1u) << 2), o, atomic_load(&e->access),
           atomic_load(&e->flags), fa->arg);
}

/* Ours and those other processes put: an inheritable handle duplicated into
 * us is inherited like ours. */
void shmap__handle_foreach(void (*fn)(shmap_handle_t h, struct shmap_obj *o, uint32_t access,
                                      uint32_t hflags, void *arg),
                           void *arg)
{
    struct foreach_arg fa = {fn, arg};
    walk_used(true, foreach_one, &fa);
}

unsigned long shmap__handle_count(void)
{
    return atomic_load(&nlive);
}

/* ---- borrowing: lookups without reference counting ----------------------- *
 * A thread remembers the last handle it borrowed (value, the entry's close
 * generation, the record, with one reference held by the cache).  While
 * the entry is not closed, borrowing it again costs two loads and no
 * atomic read-modify-write; the record stays alive through the cache's
 * reference even if another thread closes the handle meanwhile.  The
 * reference is dropped when the thread borrows another handle, closes
 * that one, or ends. */
struct borrow {
    shmap_handle_t h;
    uint32_t gen, access;
    struct shmap_obj *o;
};
static __thread SHMAP_TLS struct borrow t_borrow;
static pthread_key_t borrow_key;
static pthread_once_t borrow_once = PTHREAD_ONCE_INIT;

void shmap__handle_borrow_drop(void)
{
    struct shmap_obj *o = t_borrow.o;
    t_borrow = (struct borrow){0};
    if (o)
        shmap__obj_put(o);
}

static void borrow_key_end(void *unused)
{
    (void)unused;
    shmap__handle_borrow_drop();
}

static void borrow_key_make(void)
{
    pthread_key_create(&borrow_key, borrow_key_end);
}

int shmap__handle_borrow(shmap_handle_t h, struct shmap_obj **o, uint32_t *access)
{
    uint32_t idx;
    struct hentry *e;
    inbox_poll();
    if (index_of(h, &idx) || (e = entry_at(idx)) == NULL)
        return -EBADF;
    h = (shmap_handle_t)(uintptr_t)((idx + 1u) << 2);
    if (t_borrow.h == h && t_borrow.o && atomic_load(&e->gen) == t_borrow.gen &&
        atomic_load(&e->obj) == t_borrow.o) {
        *o = t_borrow.o;
        *access = t_borrow.access;
        return 0;
    }
    uint32_t gen = atomic_load(&e->gen), a;
    struct shmap_obj *obj;
    int r = shmap__handle_get(h, &obj, &a);
    if (r)
        return r;
    if (!t_borrow.o) {
        pthread_once(&borrow_once, borrow_key_make);
        pthread_setspecific(borrow_key, (void *)1);
    } else
        shmap__obj_put(t_borrow.o);
    /* gen read before the lookup: a close in between makes the next hit miss */
    t_borrow = (struct borrow){h, gen, a, obj};
    *o = obj;
    *access = a;
    return 0;
}

void shmap__handle_forget(struct shmap_obj *o)
{
    if (t_borrow.o == o)
        shmap__handle_borrow_drop();
    if (o->ops->closing)
        o->ops->closing(o); /* a mutex's lingering reference, a stand-in's settling */
}
