/*
 * wait.c - WaitForSingleObject/WaitForMultipleObjects, SignalObjectAndWait
 * and SleepEx over futexes.
 *
 * A wait is a loop of passes.  A pass looks at the objects (wait-any: events
 * and semaphores by their count, taken with one compare-and-swap, the lock
 * only for pulses, repairs and held counts; timers under their lock;
 * mutexes by their owner word), and either acquires (wait-any: the lowest
 * ready index, and only it; wait-all: everything, all objects locked in
 * (dev, ino) order and their counts held, or nothing) or records for every
 * object the value of the word that will change when it may become ready:
 * the `seq` word of events, semaphores and timers, the owner word of
 * mutexes (with WAITERS set, so that a release, or the kernel at the
 * owner's death, wakes us).  Then one futex_waitv sleeps on all those words (at most 64) until
 * one changes, the deadline, the next timer expiry, or a safety slice
 * (SLICE_NS) after which dead holders the kernel did not report are looked
 * for.  docs/DESIGN.md §15 gives the reasoning; docs/sync.md the rules.
 */
#include "sync.h"

#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#define SLICE_NS 200000000ull                /* 200 ms */
static _Atomic uint64_t slice_ns = SLICE_NS; /* tests lengthen it (shmap__wait_slice) */
#define NOT_YET (-1000000)
#define SPIN_NS 0                    /* default poll before a sleep: none (SHMAP_SPIN_NS) */
static _Atomic int64_t spin_ns = -1; /* -1: not decided yet */
#define POLL_NS 1000000ull           /* processes whose end no futex word shows: 1 ms */

/* The kinds of object a wait knows (the type's ops say which it is). */
#define WK_SYNC SHMAP_WK_SYNC     /* event, semaphore, timer: count (and the internal lock) */
#define WK_MUTEX SHMAP_WK_MUTEX   /* owner word */
#define WK_NEVER SHMAP_WK_NEVER   /* never signalled while we wait: pseudo handles */
#define WK_ALWAYS SHMAP_WK_ALWAYS /* always signalled: files */
#define WK_END SHMAP_WK_END       /* threads, processes: signalled once ended */

struct wslot {
    struct shmap_obj *o; /* one reference, NULL for pseudo handles */
    struct shmap_sync *s;
    const struct shmap_wait_ops *wo; /* the type's, NULL for pseudo handles */
    enum shmap_wait_kind kind;
    bool registered; /* counted in s->nwait */
    bool held;       /* wait-all: SHMAP_COUNT_HOLD set in s->count by us */
    bool have_pulse; /* snap_pulse is valid */
    uint32_t snap_seq, snap_pulse;
    uint32_t owner_val; /* mutex busy: the value to sleep on (0: none) */
    int taken;          /* wait-all commit: SHMAP_MTX_* */
};

struct wctx {
    unsigned n;
    bool all, check_dead, retry;
    uint64_t next_due; /* earliest timer expiry seen in the last pass */
    uint64_t now;      /* CLOCK_MONOTONIC, read when first needed (0: not yet) */
    struct wslot slot[SHMAP_MAX_WAIT_OBJECTS];
    uint8_t order[SHMAP_MAX_WAIT_OBJECTS]; /* wait-all: lock order */
};

static int slot_init(struct wslot *w, shmap_handle_t h, bool single)
{
    *w = (struct wslot){0};
    if (h == SHMAP_CURRENT_PROCESS || h == SHMAP_CURRENT_THREAD) {
        if (!single)
            return -EBADF;  /* Windows refuses pseudo handles in multiple waits */
        w->kind = WK_NEVER; /* the caller's own process or thread never ends during its wait */
        return 0;
    }
    uint32_t access;
    int r = shmap__handle_get(h, &w->o, &access);
    if (r)
        return -EBADF;
    w->wo = w->o->wait;
    w->kind = w->wo->kind;
    if (w->kind == SHMAP_WK_NONE) {
        r = (access & SHMAP_SYNCHRONIZE) ? -EBADF : -EACCES;
        shmap__obj_put(w->o);
        w->o = NULL;
        return r;
    }
    if (w->kind == WK_ALWAYS)
        return 0; /* a file needs no SYNCHRONIZE: Windows waits on it regardless */
    if (!(access & SHMAP_SYNCHRONIZE)) {
        shmap__obj_put(w->o);
        w->o = NULL;
        return -EACCES;
    }
    if (w->kind == WK_SYNC || w->kind == WK_MUTEX)
        w->s = shmap__named_state(w->o);
    return 0;
}

static void unregister(struct wctx *c)
{
    for (unsigned i = 0; i < c->n; i++)
        if (c->slot[i].registered) {
            atomic_fetch_sub(&c->slot[i].s->nwait, 1);
            c->slot[i].registered = false;
        }
}

static void ctx_fini(struct wctx *c)
{
    unregister(c);
    for (unsigned i = 0; i < c->n; i++)
        if (c->slot[i].o)
            shmap__obj_put(c->slot[i].o);
    c->n = 0;
}

#define CMP(x, y)                                                                                  \
    do {                                                                                           \
        if ((x) != (y))                                                                            \
            return (x) < (y) ? -1 : 1;                                                             \
    } while (0)

/* The identity of a slot's object, the same in every process: a process
 * (or another process's main thread) by pid and start time - a record may
 * or may not have found its state file -, anything else by its file, a
 * thread of ours by its record.  0: the same object. */
static bool slot_id(const struct wslot *w, uint64_t id[2])
{
    return w->kind == WK_END && w->wo->end_id && w->wo->end_id(w->o, id);
}

static int cmp_slot_id(const struct wslot *a, const struct wslot *b)
{
    uint64_t ia[2], ib[2];
    bool pa = slot_id(a, ia), pb = slot_id(b, ib);
    CMP(pa, pb);
    if (pa) {
        CMP(a->o->type, b->o->type);
        CMP(ia[0], ib[0]);
        CMP(ia[1], ib[1]);
        return 0;
    }
    CMP(a->o->dev, b->o->dev);
    CMP(a->o->ino, b->o->ino);
    if (!a->o->ino) /* no file: our thread records */
        CMP((uintptr_t)a->o, (uintptr_t)b->o);
    return 0;
}

static int ctx_init(struct wctx *c, uint32_t n, const shmap_handle_t *h, bool all, bool multiple)
{
    c->n = 0;
    c->all = all;
    c->check_dead = false;
    if (n == 0 || n > SHMAP_MAX_WAIT_OBJECTS)
        return -EINVAL;
    if (!h)
        return SHMAP_ENOACCESS;
    for (uint32_t i = 0; i < n; i++) {
        int r = slot_init(&c->slot[i], h[i], n == 1 && !multiple);
        if (r) {
            ctx_fini(c);
            return r;
        }
        c->n++;
    }
    if (!all)
        return 0;
    /* lock order (the object file's identity, the same in every process);
     * records made by a create do not know it yet */
    for (unsigned i = 0; i < n; i++) {
        struct shmap_obj *o = c->slot[i].o;
        struct stat st;
        if (o && o->ino == 0 && o->fd >= 0 && SYS(fstat)(o->fd, &st) == 0) {
            o->dev = (uint64_t)st.st_dev; /* racing writers store the same values */
            o->ino = (uint64_t)st.st_ino;
        }
    }
    /* the same object twice cannot be waited for "all" */
    for (unsigned i = 0; i < n; i++) {
        unsigned j = i;
        uint8_t id = (uint8_t)i;
        if (c->slot[i].o)
            while (j > 0 && c->slot[c->order[j - 1]].o &&
                   cmp_slot_id(&c->slot[c->order[j - 1]], &c->slot[i]) > 0) {
                c->order[j] = c->order[j - 1];
                j--;
            }
        c->order[j] = id;
    }
    for (unsigned i = 1; i < n; i++) {
        struct wslot *a = &c->slot[c->order[i - 1]], *b = &c->slot[c->order[i]];
        if (a->o && b->o && cmp_slot_id(a, b) == 0) {
            ctx_fini(c);
            return -EINVAL; /* STATUS_INVALID_PARAMETER_MIX */
        }
    }
    return 0;
}

/* The clock, read once per pass at most and only when something needs it:
 * a wait on events, semaphores and mutexes with no timeout reads it only
 * before it sleeps, never between a wake-up and its return. */
static uint64_t ctx_now(struct wctx *c)
{
    if (!c->now)
        c->now = shmap__mono_ns();
    return c->now;
}

/* Under the lock of a WK_SYNC object: ready for us?  *by_pulse for events. */
static bool sync_ready(struct wctx *c, struct wslot *w, bool *by_pulse)
{
    struct shmap_sync *s = w->s;
    *by_pulse = false;
    if (!w->have_pulse) {
        w->snap_pulse = atomic_load(&s->pulse_gen);
        w->have_pulse = true;
    }
    uint64_t due = UINT64_MAX;
    bool ready = w->wo->ready(s, w->snap_pulse, w->wo->timed ? ctx_now(c) : 0, by_pulse, &due);
    if (due < c->next_due)
        c->next_due = due;
    return ready;
}

static void sync_take(struct wslot *w, bool by_pulse)
{
    w->wo->take(w->s, by_pulse);
}

/* Without the lock: take an event or semaphore its count makes ready (one
 * compare-and-swap, as the signals; a manual event is only looked at). */
static bool count_take(struct wslot *w)
{
    return w->wo->try_take(w->s);
}

/*
 * Wait-any, under the lock, an object sync_ready found ready: take it.  A
 * count can still be taken by a taker without the lock between the look
 * and here (only a wait-all holds counts), so an event or semaphore ready
 * by its count is taken with a compare-and-swap; false: gone meanwhile.
 */
static bool sync_take_locked(struct wslot *w, bool by_pulse)
{
    if (by_pulse || !w->wo->try_take) {
        sync_take(w, by_pulse);
        return true;
    }
    return count_take(w);
}

/*
 * Wait-all, under the lock, an object ready by its count: keep it from the
 * takers that take no lock (quick_look) until we take it or let go, by
 * setting the hold bit.  A manual event needs none (only a reset, which
 * needs the lock, undoes it), nor a timer (all under the lock).  False: a
 * taker was first.
 */
static bool sync_hold(struct wslot *w)
{
    struct shmap_sync *s = w->s;
    if (!w->wo->needs_hold(s))
        return true;
    uint32_t c = atomic_load(&s->count);
    do {
        if (!(c & ~SHMAP_COUNT_HOLD))
            return false;
    } while (!atomic_compare_exchange_weak(&s->count, &c, c | SHMAP_COUNT_HOLD));
    w->held = true;
    return true;
}

static void sync_unhold(struct wslot *w)
{
    if (w->held)
        atomic_fetch_and(&w->s->count, ~SHMAP_COUNT_HOLD);
    w->held = false;
}

/*
 * Before looking at count (under the lock or not): remember seq and count
 * ourselves in nwait.  Sets and releases change count without the lock,
 * then read nwait: either we see their count or they see us and bump seq
 * after our snapshot, so the futex wait on it returns at once.
 */
static void sync_register(struct wslot *w)
{
    w->snap_seq = atomic_load(&w->s->seq);
    if (!w->registered) {
        atomic_fetch_add(&w->s->nwait, 1);
        w->registered = true;
    }
}

static void lock(struct shmap_sync *s)
{
    if (shmap__slock(s))
        shmap__sync_repair(s);
    /* Only a wait-all holding this lock may hold a count: a hold bit here
     * now was left by nobody alive (a wait-all killed, marked OWNER_DIED or
     * not, or a stranger's write); takers meeting one come here. */
    if (atomic_load_explicit(&s->count, memory_order_relaxed) & SHMAP_COUNT_HOLD)
        atomic_fetch_and(&s->count, ~SHMAP_COUNT_HOLD);
}

/*
 * Wait-any's look at an event or semaphore without the lock: 1 taken, 0
 * plainly not ready (counted in nwait, seq snapshot taken: sleep on it), -1
 * the locked way (a pulse to claim, a lock to repair, a count a wait-all
 * holds, a taker first).  A ready object is taken before we count
 * ourselves in nwait, so the common case costs no nwait traffic.  The order
 * is what makes a sleep safe against a signaller, who stores count, then
 * reads nwait:
 *   1. read seq and pulse_gen (the snapshots),
 *   2. count ourselves in nwait,
 *   3. read count and pulse_gen again.
 * A signal before 3 is seen at 3.  One after 3 finds us counted, so it
 * bumps seq after our snapshot of 1, and the futex wait returns at once.
 * A pulse between 1 and 3 moves pulse_gen: the locked path then claims it
 * against the snapshot of 1 (as a waiter that was already waiting).
 */
static int quick_look(struct wslot *w)
{
    struct shmap_sync *s = w->s;
    if (!w->wo->try_take)
        return -1; /* taken under the lock only (timers) */
    if (atomic_load(&s->lock) & SHMAP_FUTEX_OWNER_DIED)
        return -1; /* to repair, under the lock */
    uint32_t seq = atomic_load(&s->seq), pulse = atomic_load(&s->pulse_gen);
    if (!w->have_pulse) {
        w->snap_pulse = pulse;
        w->have_pulse = true;
    } else if (pulse != w->snap_pulse) {
        return -1; /* pulsed since we last looked */
    }
    /* a plain load first: a compare-and-swap that fails is still a locked
     * write, and a wait-any over 64 objects made 63 of them per pass */
    if (atomic_load(&s->count) != 0 && count_take(w))
        return 1;
    if (!w->registered) {
        atomic_fetch_add(&s->nwait, 1);
        w->registered = true;
    }
    if (atomic_load(&s->pulse_gen) != w->snap_pulse)
        return -1;
    if (atomic_load(&s->count) != 0)
        return count_take(w) ? 1 : -1;
    w->snap_seq = seq;
    return 0;
}

/* A busy mutex: prepare to sleep on its owner word. */
static void mutex_sleep_on(struct wctx *c, struct wslot *w, uint32_t seen)
{
    w->owner_val = w->wo->prepare_sleep(w->s, seen, c->check_dead);
    if (!w->owner_val)
        c->retry = true; /* the word changed: look again at once */
}

static int pass_any(struct wctx *c)
{
    for (unsigned i = 0; i < c->n; i++) {
        struct wslot *w = &c->slot[i];
        bool by_pulse;
        w->owner_val = 0;
        switch (w->kind) {
        case WK_ALWAYS:
            return SHMAP_WAIT_OBJECT_0 + (int)i;
        case SHMAP_WK_NONE: /* refused by slot_init */
        case WK_NEVER:
            break;
        case WK_END:
            if (w->wo->ended(w->o))
                return SHMAP_WAIT_OBJECT_0 + (int)i;
            break;
        case WK_SYNC: {
            int q = quick_look(w);
            if (q > 0)
                return SHMAP_WAIT_OBJECT_0 + (int)i;
            if (q == 0)
                break;
            lock(w->s);
            sync_register(w);
            if (sync_ready(c, w, &by_pulse) && sync_take_locked(w, by_pulse)) {
                shmap__sunlock(w->s);
                return SHMAP_WAIT_OBJECT_0 + (int)i;
            }
            w->snap_pulse = atomic_load(&w->s->pulse_gen); /* pulses after this one wake us */
            shmap__sunlock(w->s);
            break;
        }
        case WK_MUTEX: {
            uint32_t seen = 0;
            int r = w->wo->acquire(w->o, w->s, &seen);
            if (r < 0)
                return r;
            if (r == SHMAP_MTX_TAKEN)
                return SHMAP_WAIT_OBJECT_0 + (int)i;
            if (r == SHMAP_MTX_ABANDONED)
                return SHMAP_WAIT_ABANDONED_0 + (int)i;
            mutex_sleep_on(c, w, seen);
            break;
        }
        }
    }
    return NOT_YET;
}

/* Wait-all, step 1: every sync object's lock, in the lock order. */
static void all_lock(struct wctx *c)
{
    for (unsigned k = 0; k < c->n; k++) {
        struct wslot *w = &c->slot[c->order[k]];
        w->owner_val = 0;
        w->taken = SHMAP_MTX_BUSY;
        if (w->kind == WK_SYNC) {
            lock(w->s);
            sync_register(w);
        }
    }
}

/* Step 2, under the locks: is every object ready?  Holds the counts it
 * found ready (sync_hold); pulse[i]: slot i is ready by a pulse. */
static bool all_ready(struct wctx *c, bool *pulse)
{
    bool ready = true;
    for (unsigned k = 0; k < c->n; k++) {
        struct wslot *w = &c->slot[c->order[k]];
        pulse[c->order[k]] = false;
        w->held = false;
        if (w->kind == WK_SYNC)
            ready &= sync_ready(c, w, &pulse[c->order[k]]) && (pulse[c->order[k]] || sync_hold(w));
        else if (w->kind == WK_MUTEX)
            ready &= w->wo->acquirable(w->s);
        else if (w->kind == WK_NEVER)
            ready = false;
        else if (w->kind == WK_END)
            ready &= w->wo->ended(w->o);
    }
    return ready;
}

/* Step 3, all ready: take them.  Mutexes first: one may be taken by a
 * thread that does not use the lock between our look and our
 * compare-and-swap; then give back what we took and look again (retry). */
static int all_take(struct wctx *c, const bool *pulse)
{
    bool abandoned = false;
    unsigned k;
    for (k = 0; k < c->n; k++) {
        struct wslot *w = &c->slot[c->order[k]];
        if (w->kind != WK_MUTEX)
            continue;
        uint32_t seen;
        w->taken = w->wo->acquire(w->o, w->s, &seen);
        if (w->taken <= 0)
            break;
        abandoned |= w->taken == SHMAP_MTX_ABANDONED;
    }
    if (k < c->n) {
        int err = c->slot[c->order[k]].taken;
        while (k-- > 0) {
            struct wslot *w = &c->slot[c->order[k]];
            if (w->kind == WK_MUTEX)
                w->wo->unacquire(w->o, w->s, w->taken);
        }
        if (err < 0)
            return err;
        c->retry = true;
        return NOT_YET;
    }
    for (k = 0; k < c->n; k++) {
        struct wslot *w = &c->slot[c->order[k]];
        if (w->kind == WK_SYNC) {
            sync_take(w, pulse[c->order[k]]); /* clears the hold */
            w->held = false;
        }
    }
    return abandoned ? SHMAP_WAIT_ABANDONED_0 : SHMAP_WAIT_OBJECT_0;
}

/* Step 4: let go of the holds (nothing taken: not all ready, an error) and
 * the locks, in the reverse order. */
static void all_unlock(struct wctx *c, int result)
{
    for (unsigned k = 0; k < c->n; k++) {
        struct wslot *w = &c->slot[c->order[k]];
        if (w->kind != WK_SYNC)
            continue;
        sync_unhold(w);
        if (result == NOT_YET)
            w->snap_pulse = atomic_load(&w->s->pulse_gen);
    }
    for (unsigned k = c->n; k-- > 0;) {
        struct wslot *w = &c->slot[c->order[k]];
        if (w->kind == WK_SYNC)
            shmap__sunlock(w->s);
    }
}

/* Not all ready: the busy mutexes to sleep on. */
static void all_mutex_sleep(struct wctx *c)
{
    for (unsigned k = 0; k < c->n; k++) {
        struct wslot *w = &c->slot[c->order[k]];
        if (w->kind != WK_MUTEX)
            continue;
        uint32_t v = atomic_load(&w->s->owner);
        if (v & SHMAP_FUTEX_TID_MASK) {
            if ((v & SHMAP_FUTEX_TID_MASK) != shmap__tid())
                mutex_sleep_on(c, w, v);
        } else if (v & SHMAP_FUTEX_WAITERS)
            /* free, and others sleep on it (the kernel woke only one of
             * them at an owner's death, maybe us): pass the wake on */
            shmap__futex_wake(&w->s->owner, INT32_MAX);
    }
}

static int pass_all(struct wctx *c)
{
    bool pulse[SHMAP_MAX_WAIT_OBJECTS];
    all_lock(c);
    int result = all_ready(c, pulse) ? all_take(c, pulse) : NOT_YET;
    all_unlock(c, result);
    if (result != NOT_YET || c->retry)
        return result;
    all_mutex_sleep(c);
    return NOT_YET;
}

/* False when this process may run on one CPU only: the thread that would
 * signal us could not run while we poll. */
static bool several_cpus(void)
{
    static _Atomic int several = -1; /* -1: not looked yet */
    int v = atomic_load_explicit(&several, memory_order_relaxed);
    if (v < 0) {
        cpu_set_t set;
        v = !(sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < 2);
        atomic_store_explicit(&several, v, memory_order_relaxed);
    }
    return v != 0;
}

/*
 * How long a wait polls before it sleeps: SHMAP_SPIN_NS (0 to 100000 ns),
 * by default 0, and 0 when this process may run on one CPU only.
 */
static int64_t spin_budget(void)
{
    int64_t ns = atomic_load_explicit(&spin_ns, memory_order_relaxed);
    if (ns >= 0)
        return ns;
    ns = SPIN_NS;
    const char *e = getenv("SHMAP_SPIN_NS");
    if (e && *e) {
        char *end;
        unsigned long v = strtoul(e, &end, 10);
        if (!*end)
            ns = v > 100000 ? 100000 : (int64_t)v;
    }
    if (!several_cpus())
        ns = 0;
    atomic_store_explicit(&spin_ns, ns, memory_order_relaxed);
    return ns;
}

void shmap__wait_spin(int64_t ns)
{
    atomic_store(&spin_ns, ns < 0 ? -1 : ns);
}

/*
 * A futex_waitv over n words of shared memory spends about WORD_NS per word
 * in the kernel (a futex key each: a page lookup) before it looks at any
 * value, and if one has changed meanwhile, more again to unqueue from the
 * words it had queued on, only to return EAGAIN.  Measured on this VM: 1.7
 * us for one word, 12.7 us for 64 (9.2 if the first word is the changed
 * one).  A wait-any over 64 events answered by another process (shmap bench
 * wait_any_64) nearly always had its answer arrive during that setup (4136
 * of 4272 calls EAGAIN under perf trace), which put the whole setup and
 * the unqueueing on the round trip's critical path.  So a wait on several
 * words polls them first for as long as its extra words would keep the
 * kernel busy, (n - 1) * WORD_NS: an answer within it costs no system call
 * at all, and a wait that does sleep spends at most that much more CPU
 * before it does.  One word: no poll unless SHMAP_SPIN_NS asks (waits on
 * one object stay as they were); one CPU: none.
 */
#define WORD_NS 150

/*
 * Before sleeping, poll the words for a moment (at most until `until`), if
 * the user asked for it or there are several (WORD_NS).  A sleep and its
 * wake-up cost two context switches and an interprocessor interrupt,
 * several microseconds on a VM; an answer that comes sooner (the other
 * side of a request/response) is caught here, for the CPU time of the poll.
 * The signaller does not know we poll: we stay counted in nwait, so it
 * wakes the futex, as if we were asleep.  True: one word changed, look
 * again.
 */
static bool poll_words(_Atomic uint32_t *const *w, const uint32_t *val, unsigned n, uint64_t now,
                       uint64_t until)
{
    int64_t budget = spin_budget();
    int64_t setup = n > 1 && several_cpus() ? (int64_t)(n - 1) * WORD_NS : 0;
    if (setup > budget)
        budget = setup;
    uint64_t end = now + (uint64_t)budget;
    if (end > until)
        end = until;
    for (unsigned k = 1;; k++) {
        /* at least one look, even without a poll: a signal that came since
         * the pass costs no system call that would only say EAGAIN */
        for (unsigned i = 0; i < n; i++)
            if (atomic_load_explicit(w[i], memory_order_relaxed) != val[i])
                return true;
        if (budget == 0 || (k % 8 == 0 && shmap__mono_ns() >= end))
            return false;
        shmap__cpu_relax();
    }
}

/* 0 for a zero timeout (one look); no clock read for INFINITE. */
static uint64_t deadline_of(uint32_t ms, struct wctx *c)
{
    if (ms == SHMAP_INFINITE)
        return UINT64_MAX;
    return ms ? ctx_now(c) + (uint64_t)ms * 1000000u : 0;
}

static void sleep_until(uint64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* Before a sleep: the words to sleep on (their values in vals), one per
 * slot that has one; *until comes nearer for an end no word shows. */
static unsigned gather_words(struct wctx *c, uint64_t now, _Atomic uint32_t **words, uint32_t *vals,
                             uint64_t *until)
{
    unsigned nw = 0;
    for (unsigned i = 0; i < c->n; i++) {
        struct wslot *w = &c->slot[i];
        if (w->kind == WK_SYNC) {
            words[nw] = &w->s->seq;
            vals[nw++] = w->snap_seq;
            /* a thread is going to sleep on it: from now on its signals
             * always wake the futex (shmap__sync_changed) */
            if (!atomic_load_explicit(&w->s->waited, memory_order_relaxed))
                atomic_store_explicit(&w->s->waited, 1, memory_order_relaxed);
        } else if (w->kind == WK_MUTEX && w->owner_val) {
            words[nw] = &w->s->owner;
            vals[nw++] = w->owner_val;
        } else if (w->kind == WK_END) {
            uint32_t v;
            _Atomic uint32_t *pw = w->wo->end_word(w->o, &v);
            if (pw) {
                words[nw] = pw;
                vals[nw++] = v;
            } else if (now + POLL_NS < *until) {
                *until = now + POLL_NS; /* no word the kernel changes: look again soon */
            }
        }
    }
    return nw;
}

/* Sleep until a word changes or until (CLOCK_MONOTONIC ns). */
static void sleep_on(struct wctx *c, _Atomic uint32_t *const *words, const uint32_t *vals,
                     unsigned nw, uint64_t now, uint64_t until)
{
    int pfd;
    if (nw == 0 && c->n == 1 && c->slot[0].kind == WK_END &&
        (pfd = c->slot[0].wo->end_fd(c->slot[0].o)) >= 0) {
        /* one process and no word: the kernel's readiness of its pidfd */
        uint64_t d = until == UINT64_MAX ? UINT64_MAX : until - now;
        struct pollfd pf = {.fd = pfd, .events = POLLIN};
        uint64_t ms = d == UINT64_MAX ? 200 : (d + 999999) / 1000000;
        SYS(poll)(&pf, 1, ms > 200 ? 200 : (int)ms);
    } else if (nw) {
        if (!poll_words(words, vals, nw, now, until))
            shmap__futex_waitv(words, vals, nw, until);
    } else {
        sleep_until(until);
    }
}

static int run(struct wctx *c, uint32_t ms, bool alertable)
{
    c->now = 0;
    const uint64_t deadline = deadline_of(ms, c);
    const uint64_t slice = atomic_load_explicit(&slice_ns, memory_order_relaxed);
    uint64_t dead_check = 0; /* set before the first sleep */
    _Atomic uint32_t *words[SHMAP_MAX_WAIT_OBJECTS + 1];
    uint32_t vals[SHMAP_MAX_WAIT_OBJECTS + 1];
    int r;
    for (;;) {
        uint64_t apc_next = UINT64_MAX;
        uint32_t apc_val = 0; /* read before the queue is looked at (apc.c) */
        _Atomic uint32_t *apc_word = alertable ? shmap__uapc_word(&apc_val) : NULL;
        if (alertable && (shmap__uapc_run() + shmap__apc_run(ctx_now(c), &apc_next)) > 0) {
            r = SHMAP_WAIT_IO_COMPLETION;
            break;
        }
        c->next_due = UINT64_MAX;
        c->retry = false;
        r = c->all ? pass_all(c) : pass_any(c);
        c->check_dead = false;
        if (r != NOT_YET)
            break;
        if (deadline == 0) {
            r = SHMAP_WAIT_TIMEOUT;
            break;
        }
        c->now = 0; /* fresh: the pass may have taken long */
        uint64_t now = ctx_now(c);
        if (now >= deadline) {
            r = SHMAP_WAIT_TIMEOUT;
            break;
        }
        if (!dead_check) {
            dead_check = now + slice;
        } else if (now >= dead_check) { /* safety net: holders that died unseen */
            c->check_dead = true;
            dead_check = now + slice;
            continue;
        }
        if (c->retry)
            continue;
        uint64_t until = deadline;
        unsigned nw = gather_words(c, now, words, vals, &until);
        if (apc_word) { /* an APC queued from now on ends the sleep */
            words[nw] = apc_word;
            vals[nw++] = apc_val;
        }
        if (c->next_due < until)
            until = c->next_due;
        if (apc_next < until)
            until = apc_next;
        if (dead_check < until)
            until = dead_check;
        sleep_on(c, words, vals, nw, now, until);
        /* Straight back to a look: no clock read between a wake-up and the
         * return (it is read before the next sleep, for the deadline and
         * the safety net, and by a pass that has a timer).  We stay counted
         * in nwait until the wait ends: a wait-any over 64 objects would
         * otherwise leave and join 63 of them again at every wake-up. */
        c->now = 0;
    }
    return r;
}

/* The common case first: one free (or own) mutex, not alertable. */
void shmap__wait_slice(uint64_t ns)
{
    atomic_store(&slice_ns, ns ? ns : SLICE_NS);
}

/*
 * The common case first: one handle, not alertable.  A free (or own) mutex
 * is taken at once; an event, semaphore or timer is waited for in a
 * one-slot context on the thread's borrowed reference (no second lookup,
 * no reference count of its own).  NOT_YET: the full path (errors, a busy
 * mutex, other types).
 */
static int wait_one(shmap_handle_t h, uint32_t ms)
{
    struct shmap_obj *o;
    uint32_t access;
    if (shmap__handle_borrow(h, &o, &access) || !(access & SHMAP_SYNCHRONIZE))
        return NOT_YET;
    const struct shmap_wait_ops *wo = o->wait;
    if (wo->kind == WK_MUTEX) {
        uint32_t seen;
        int t = wo->acquire(o, shmap__named_state(o), &seen);
        if (t == SHMAP_MTX_TAKEN)
            return SHMAP_WAIT_OBJECT_0;
        return t == SHMAP_MTX_ABANDONED ? SHMAP_WAIT_ABANDONED_0 : NOT_YET;
    }
    if (wo->kind != WK_SYNC)
        return NOT_YET;
    struct wctx c;
    c.n = 1;
    c.all = c.check_dead = false;
    c.slot[0] = (struct wslot){.o = o, .s = shmap__named_state(o), .wo = wo, .kind = WK_SYNC};
    int r = run(&c, ms, false);
    unregister(&c);
    return r;
}

SHMAP_EXTERN int shmap_wait(uint32_t n, const shmap_handle_t *handles, unsigned wflags,
                            uint32_t timeout_ms)
{
    if (n == 1 && handles && !(wflags & SHMAP_WAIT_ALERTABLE)) {
        int r = wait_one(handles[0], timeout_ms);
        if (r != NOT_YET)
            return r;
    }
    struct wctx c;
    int r = ctx_init(&c, n, handles, (wflags & SHMAP_WAIT_ALL) != 0,
                     (wflags & SHMAP_WAIT_MULTIPLE) != 0);
    if (r)
        return r;
    r = run(&c, timeout_ms, (wflags & SHMAP_WAIT_ALERTABLE) != 0);
    ctx_fini(&c);
    return r;
}

/* SignalObjectAndWait's signal: as the type's own call would (events,
 * semaphores, mutexes; anything else is not signallable). */
static int signal(shmap_handle_t h)
{
    struct shmap_obj *o;
    if (shmap__handle_get(h, &o, NULL))
        return -EBADF;
    int (*fn)(shmap_handle_t) = o->wait->signal;
    shmap__obj_put(o);
    return fn ? fn(h) : -EBADF;
}

SHMAP_EXTERN int shmap_signal_and_wait(shmap_handle_t hsignal, shmap_handle_t hwait,
                                       uint32_t timeout_ms, int alertable)
{
    struct wctx c;
    int r = ctx_init(&c, 1, &hwait, false, false);
    if (r)
        return r;
    r = signal(hsignal);
    if (r == 0)
        r = run(&c, timeout_ms, alertable != 0);
    ctx_fini(&c);
    return r;
}

SHMAP_EXTERN int shmap_sleep(uint32_t timeout_ms, int alertable)
{
    uint64_t now = shmap__mono_ns();
    const uint64_t deadline =
        timeout_ms == SHMAP_INFINITE ? UINT64_MAX : now + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        uint64_t next = UINT64_MAX;
        uint32_t val = 0;
        _Atomic uint32_t *word = alertable ? shmap__uapc_word(&val) : NULL;
        if (alertable && (shmap__uapc_run() + shmap__apc_run(now, &next)) > 0)
            return SHMAP_WAIT_IO_COMPLETION;
        if (now >= deadline)
            return 0;
        uint64_t until = next < deadline ? next : deadline;
        if (word) /* woken by a QueueUserAPC (apc.c) */
            shmap__futex_waitv(&word, &val, 1, until);
        else
            sleep_until(until);
        now = shmap__mono_ns();
    }
}
