/*
 * pool.c - the thread pool of this process: work items, waits (Register-
 * WaitForSingleObject, SetThreadpoolWait), timers (timer queues,
 * SetThreadpoolTimer), all one kind of item with callbacks run by workers.
 *
 * One lock (`lock`) guards everything below; it is never held while a
 * callback runs.  Workers take tasks (item, result) from one FIFO; one is
 * started when a task comes and none is idle, and one idle for IDLE_NS
 * ends.  Waiters are threads that each wait (shmap_wait, wait-any,
 * alertable) on up to 64 armed waits' handles, until the nearest deadline
 * among their items; the first waiter also keeps every timer.  A change to
 * a waiter's set queues a no-op APC to it (apc.c), which ends its wait
 * with SHMAP_WAIT_IO_COMPLETION, so that it builds the set anew: no
 * descriptor of its own.  An item's `gen` changes at every arm and disarm: a result for
 * an item that was rearmed or disarmed while the waiter was asleep is
 * dropped.  `refs` counts waiters holding an item in a pass: it is freed
 * only when closed, idle (every queued callback done: nq == ndone) and
 * unheld.  docs/DESIGN.md §23.
 */
#include "proc.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define MAX_WORKERS 512
#define WAITS_PER_WAITER SHMAP_MAX_WAIT_OBJECTS
#define IDLE_NS 10000000000ull /* a worker idle for 10 s ends */

struct task {
    struct task *next;
    struct shmap_tp_item *it;
    uint32_t result;
};

struct waiter {
    struct waiter *next;
    struct shmap_apcq *q; /* its thread's APC queue: a no-op APC says its set changed */
    unsigned nh;          /* waits with a handle in its set */
    bool in_wait;         /* in shmap_wait, holding its objects */
    uint64_t pass;        /* waits done (done_cv is broadcast at each) */
};

struct shmap_tp_item {
    struct shmap_tp_item *next, *prev; /* every live item */
    int kind;
    unsigned flags;
    shmap_tp_fn_t fn;
    void *ctx;
    shmap_tp_user_t user;
    struct shmap_tp_queue *queue;
    bool armed, closed;
    bool fired;        /* timer: has fired since it was last set */
    shmap_handle_t h;  /* wait: our duplicate of the handle (0: none) */
    struct waiter *w;  /* armed: the waiter that keeps it */
    uint64_t deadline; /* CLOCK_MONOTONIC ns, UINT64_MAX: none */
    uint64_t rel_ns;   /* repeating wait: its timeout again (0: none) */
    uint64_t period_ns;
    uint32_t gen;
    unsigned refs;
    uint64_t nq, ndone;        /* callbacks queued, and returned or dropped */
    shmap_handle_t done_event; /* closed: set when nq == ndone */
};

struct shmap_tp_queue {
    struct shmap_tp_queue *next;
    unsigned items;
    bool dead;
    shmap_handle_t done_event;
};

struct shmap_tp_inst {
    struct shmap_tp_item *it;
    bool detached;
    shmap_handle_t ev, sem, mtx;
    uint32_t sem_n;
    void (*call)(void *);
    void *call_arg;
};

pthread_mutex_t shmap__tp_lock = PTHREAD_MUTEX_INITIALIZER;
#define lock shmap__tp_lock
static pthread_cond_t work_cv, done_cv;
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static struct task *thead, *ttail;
static unsigned nworkers, nidle;
static struct shmap_tp_item items = {.next = &items, .prev = &items};
static struct waiter *waiters;
static struct shmap_tp_queue *queues;
static __thread SHMAP_TLS struct shmap_tp_item *t_cur; /* the item whose callback runs here */
static __thread SHMAP_TLS struct waiter *t_waiter;     /* a waiter thread: its own */

static void cv_init(void)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&work_cv, &a);
    pthread_cond_init(&done_cv, &a);
    pthread_condattr_destroy(&a);
}

static bool live(const struct shmap_tp_item *it)
{
    for (const struct shmap_tp_item *i = items.next; i != &items; i = i->next)
        if (i == it)
            return true;
    return false;
}

static bool queue_live(const struct shmap_tp_queue *q)
{
    for (const struct shmap_tp_queue *i = queues; i; i = i->next)
        if (i == q && !q->dead)
            return true;
    return false;
}

static void queue_unlink(struct shmap_tp_queue *q)
{
    for (struct shmap_tp_queue **p = &queues; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            break;
        }
    if (q->done_event)
        shmap_event_set(q->done_event, NULL);
    free(q);
}

/* Free it if nothing refers to it any more. */
static void maybe_free(struct shmap_tp_item *it)
{
    if (!it->closed || it->armed || it->nq != it->ndone || it->refs)
        return;
    it->prev->next = it->next;
    it->next->prev = it->prev;
    struct shmap_tp_queue *q = it->queue;
    if (q && --q->items == 0 && q->dead)
        queue_unlink(q);
    free(it);
}

/* A callback of it returned (or was dropped). */
static void done_one(struct shmap_tp_item *it)
{
    it->ndone++;
    pthread_cond_broadcast(&done_cv);
    if (it->closed && it->nq == it->ndone && it->done_event) {
        shmap_event_set(it->done_event, NULL);
        it->done_event = 0;
    }
    maybe_free(it);
}

static void inst_finish(struct shmap_tp_inst *in)
{
    if (in->call)
        in->call(in->call_arg);
    if (in->mtx)
        shmap_mutex_release(in->mtx);
    if (in->sem)
        shmap_semaphore_release(in->sem, (int32_t)in->sem_n, NULL);
    if (in->ev)
        shmap_event_set(in->ev, NULL);
}

/* Run one callback of it here; the lock is held on entry and on return. */
static void run_cb(struct shmap_tp_item *it, uint32_t result)
{
    struct shmap_tp_inst in = {.it = it};
    pthread_mutex_unlock(&lock);
    struct shmap_tp_item *outer = t_cur;
    t_cur = it;
    it->fn(&in, it->ctx, it, result);
    t_cur = outer;
    inst_finish(&in);
    shmap__handle_borrow_drop(); /* a handle the callback waited on is not kept open by us */
    pthread_mutex_lock(&lock);
    if (!in.detached)
        done_one(it);
}

static void *worker(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!thead) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += (time_t)(IDLE_NS / 1000000000u);
            nidle++;
            int e = pthread_cond_timedwait(&work_cv, &lock, &ts);
            nidle--;
            if (e == ETIMEDOUT && !thead) {
                nworkers--;
                pthread_mutex_unlock(&lock);
                return NULL;
            }
        }
        struct task *t = thead;
        if (!(thead = t->next))
            ttail = NULL;
        struct shmap_tp_item *it = t->it;
        uint32_t result = t->result;
        free(t);
        run_cb(it, result);
    }
}

static int start_thread(void *(*fn)(void *), void *arg)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t pt;
    int e = pthread_create(&pt, &a, fn, arg);
    pthread_attr_destroy(&a);
    return e ? (e == EAGAIN ? -ENOMEM : -e) : 0;
}

/* Queue one callback of it (lock held). */
static int enqueue(struct shmap_tp_item *it, uint32_t result)
{
    struct task *t = malloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    *t = (struct task){.it = it, .result = result};
    if (nidle == 0 && nworkers < MAX_WORKERS) {
        int r = start_thread(worker, NULL);
        if (r && nworkers == 0) {
            free(t);
            return r;
        }
        if (!r)
            nworkers++;
    }
    if (ttail)
        ttail->next = t;
    else
        thead = t;
    ttail = t;
    it->nq++;
    pthread_cond_signal(&work_cv);
    return 0;
}

/* ---- waiters ---------------------------------------------------------------- */

static uint64_t mono_of_due(int64_t due)
{
    uint64_t now = shmap__mono_ns();
    if (due < 0)
        return now + (uint64_t)-due * 100u;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* FILETIME: 100 ns units since 1601 */
    int64_t ft_now = ((int64_t)ts.tv_sec + 11644473600LL) * 10000000LL + ts.tv_nsec / 100;
    return due <= ft_now ? now : now + (uint64_t)(due - ft_now) * 100u;
}

static void nothing(uintptr_t unused)
{
    (void)unused;
}

/* Make w build its set anew: an APC ends its alertable wait. */
static void kick(struct waiter *w)
{
    shmap__apcq_add(w->q, nothing, 0); /* no memory: it sees the change at its next wake-up */
}

static void disarm(struct shmap_tp_item *it)
{
    if (!it->armed)
        return;
    it->armed = false;
    it->gen++;
    if (it->h) {
        shmap_close(it->h);
        it->h = 0;
        it->w->nh--;
    }
    kick(it->w);
    it->w = NULL;
}

static void fire(struct shmap_tp_item *it, uint32_t result, uint64_t now)
{
    if (it->kind == SHMAP_TP_TIMER) {
        it->fired = true;
        if (it->period_ns) {
            it->deadline += ((now - it->deadline) / it->period_ns + 1) * it->period_ns;
        } else {
            disarm(it);
        }
    } else if (it->flags & SHMAP_TP_REPEAT) {
        it->deadline = it->rel_ns ? now + it->rel_ns : UINT64_MAX;
    } else {
        disarm(it);
    }
    if (it->flags & SHMAP_TP_INLINE) {
        it->nq++;
        it->refs++; /* run_cb lets the lock go: it must stay */
        run_cb(it, result);
        it->refs--;
        maybe_free(it);
    } else {
        enqueue(it, result); /* no memory: this one callback is lost */
    }
}

/* One pass of a waiter: its set, one wait, what came of it. */
static void waiter_pass(struct waiter *w)
{
    shmap_handle_t hs[SHMAP_MAX_WAIT_OBJECTS];
    struct shmap_tp_item *its[SHMAP_MAX_WAIT_OBJECTS];
    uint32_t gens[SHMAP_MAX_WAIT_OBJECTS];
    unsigned n = 0;
    uint64_t dl = UINT64_MAX;
    for (struct shmap_tp_item *it = items.next; it != &items; it = it->next) {
        if (!it->armed || it->w != w)
            continue;
        if (it->h && n < SHMAP_MAX_WAIT_OBJECTS) {
            hs[n] = it->h;
            its[n] = it;
            gens[n++] = it->gen;
            it->refs++;
        }
        if (it->deadline < dl)
            dl = it->deadline;
    }
    w->in_wait = true;
    pthread_mutex_unlock(&lock);
    uint64_t now = shmap__mono_ns();
    uint32_t ms = SHMAP_INFINITE;
    if (dl != UINT64_MAX) {
        uint64_t d = dl <= now ? 0 : (dl - now + 999999) / 1000000; /* rounded up */
        ms = d < SHMAP_INFINITE ? (uint32_t)d : SHMAP_INFINITE - 1;
    }
    int r = n ? shmap_wait(n, hs, SHMAP_WAIT_ALERTABLE, ms) : shmap_sleep(ms, 1);
    if (n == 0 && r == 0)
        r = SHMAP_WAIT_TIMEOUT;
    pthread_mutex_lock(&lock);
    w->in_wait = false;
    w->pass++;
    pthread_cond_broadcast(&done_cv);
    now = shmap__mono_ns();
    unsigned i = r >= SHMAP_WAIT_ABANDONED_0 && r < SHMAP_WAIT_ABANDONED_0 + (int)n
                     ? (unsigned)r - SHMAP_WAIT_ABANDONED_0
                     : (unsigned)r;
    if (r >= 0 && i < n && its[i]->armed && its[i]->gen == gens[i])
        fire(its[i], (uint32_t)r - i, now);
    for (unsigned k = 0; k < n; k++) {
        its[k]->refs--;
        maybe_free(its[k]);
    }
    for (struct shmap_tp_item *it = items.next, *nx; it != &items; it = nx) {
        it->refs++; /* fire may let the lock go: keep it and so our place */
        if (it->armed && it->w == w && it->deadline <= now)
            fire(it, SHMAP_WAIT_TIMEOUT, now);
        nx = it->next;
        it->refs--;
        maybe_free(it);
    }
}

static void *waiter_main(void *p)
{
    struct waiter *w = p;
    shmap__apcq_bind(w->q);
    t_waiter = w;
    pthread_mutex_lock(&lock);
    for (;;)
        waiter_pass(w);
    return NULL;
}

/* A waiter with room for one more handle (any for a timer: the first). */
static int waiter_for(bool handle, struct waiter **out)
{
    for (struct waiter *w = waiters; w; w = w->next)
        if (!handle || w->nh < WAITS_PER_WAITER) {
            *out = w;
            return 0;
        }
    struct waiter *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    int r = (w->q = shmap__apcq_new()) ? start_thread(waiter_main, w) : -ENOMEM;
    if (r) {
        shmap__apcq_put(w->q);
        free(w);
        return r;
    }
    struct waiter **pp = &waiters; /* at the end: the first keeps the timers */
    while (*pp)
        pp = &(*pp)->next;
    *pp = w;
    *out = w;
    return 0;
}

/* ---- the calls ---------------------------------------------------------------- */

#define LOCKED_ITEM(it)                                                                            \
    pthread_mutex_lock(&lock);                                                                     \
    if (!live(it) || (it)->closed) {                                                               \
        pthread_mutex_unlock(&lock);                                                               \
        return -EINVAL;                                                                            \
    }

SHMAP_EXTERN int shmap_tp_create(int kind, shmap_tp_fn_t fn, void *ctx, shmap_tp_user_t user,
                                 unsigned flags, shmap_tp_queue_t *queue, shmap_tp_item_t **out)
{
    if (!out || !fn || kind < SHMAP_TP_WORK || kind > SHMAP_TP_TIMER ||
        (flags & ~(SHMAP_TP_REPEAT | SHMAP_TP_INLINE)))
        return -EINVAL;
    pthread_once(&cv_once, cv_init);
    struct shmap_tp_item *it = calloc(1, sizeof *it);
    if (!it)
        return -ENOMEM;
    *it = (struct shmap_tp_item){
        .kind = kind, .flags = flags, .fn = fn, .ctx = ctx, .user = user, .deadline = UINT64_MAX};
    pthread_mutex_lock(&lock);
    if (queue && !queue_live(queue)) {
        pthread_mutex_unlock(&lock);
        free(it);
        return -EINVAL;
    }
    if ((it->queue = queue) != NULL)
        queue->items++;
    it->next = &items;
    it->prev = items.prev;
    items.prev->next = it;
    items.prev = it;
    pthread_mutex_unlock(&lock);
    *out = it;
    return 0;
}

SHMAP_EXTERN shmap_tp_user_t shmap_tp_user(const shmap_tp_item_t *item)
{
    return item->user;
}

SHMAP_EXTERN int shmap_tp_submit(shmap_tp_item_t *it, int once)
{
    LOCKED_ITEM(it);
    int r = it->kind == SHMAP_TP_WORK ? enqueue(it, 0) : -EINVAL;
    if (r == 0 && once)
        it->closed = true; /* goes after its callback */
    pthread_mutex_unlock(&lock);
    return r;
}

static int arm(struct shmap_tp_item *it, shmap_handle_t dup, const int64_t *due)
{
    struct waiter *w;
    int r = waiter_for(dup != 0, &w);
    if (r)
        return r;
    it->armed = true;
    it->gen++;
    it->w = w;
    it->deadline = due ? mono_of_due(*due) : UINT64_MAX;
    it->rel_ns = due && *due < 0 ? (uint64_t) - *due * 100u : 0;
    if ((it->h = dup) != 0)
        w->nh++;
    kick(w);
    return 0;
}

/* Our own duplicate of h, if it is a handle one can wait on. */
static int dup_waitable(shmap_handle_t h, shmap_handle_t *out)
{
    int r = shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, h, SHMAP_CURRENT_PROCESS, 0,
                                   SHMAP_DUPLICATE_SAME_ACCESS, 0, out);
    if (r)
        return r == -EACCES ? r : -EBADF;
    struct shmap_obj *o;
    uint32_t access;
    if ((r = shmap__handle_get(*out, &o, &access)) == 0) {
        if (o->wait->kind == SHMAP_WK_NONE || !(access & SHMAP_SYNCHRONIZE))
            r = -EBADF;
        shmap__obj_put(o);
    }
    if (r)
        shmap_close(*out);
    return r;
}

SHMAP_EXTERN int shmap_tp_set_wait(shmap_tp_item_t *it, shmap_handle_t h, const int64_t *due)
{
    shmap_handle_t dup = 0;
    int r;
    if (h && (r = dup_waitable(h, &dup)) != 0)
        return r;
    pthread_mutex_lock(&lock);
    if (!live(it) || it->closed || it->kind != SHMAP_TP_WAIT) {
        r = -EINVAL;
    } else {
        disarm(it);
        r = dup ? arm(it, dup, due) : 0;
        if (r == 0)
            dup = 0; /* the item's now */
    }
    pthread_mutex_unlock(&lock);
    if (dup)
        shmap_close(dup);
    return r;
}

SHMAP_EXTERN int shmap_tp_set_timer(shmap_tp_item_t *it, const int64_t *due, uint32_t period_ms,
                                    uint32_t window_ms)
{
    (void)window_ms;
    LOCKED_ITEM(it);
    int r = 0;
    if (it->kind != SHMAP_TP_TIMER) {
        r = -EINVAL;
    } else {
        disarm(it);
        it->period_ns = (uint64_t)period_ms * 1000000u;
        it->fired = false;
        if (due)
            r = arm(it, 0, due);
    }
    pthread_mutex_unlock(&lock);
    return r;
}

SHMAP_EXTERN int shmap_tp_change_timer(shmap_tp_item_t *it, int64_t due, uint32_t period_ms)
{
    LOCKED_ITEM(it);
    bool spent = it->kind == SHMAP_TP_TIMER && it->fired && !it->period_ns && !it->armed;
    pthread_mutex_unlock(&lock);
    return spent ? 0 : shmap_tp_set_timer(it, &due, period_ms, 0);
}

SHMAP_EXTERN int shmap_tp_is_set(shmap_tp_item_t *it)
{
    LOCKED_ITEM(it);
    int r = it->armed;
    pthread_mutex_unlock(&lock);
    return r;
}

/* Drop its callbacks not started yet (lock held). */
static void cancel_pending(struct shmap_tp_item *it)
{
    for (struct task **p = &thead, *t; (t = *p) != NULL;) {
        if (t->it != it) {
            p = &t->next;
            continue;
        }
        *p = t->next;
        free(t);
        done_one(it);
    }
    ttail = NULL;
    for (struct task *t = thead; t; t = t->next)
        ttail = t;
}

/* Wait until it->ndone reaches target (less the caller's own callback). */
static void wait_done(struct shmap_tp_item *it, uint64_t target)
{
    if (t_cur == it)
        target--;
    while (it->ndone < target)
        pthread_cond_wait(&done_cv, &lock);
}

SHMAP_EXTERN int shmap_tp_wait_callbacks(shmap_tp_item_t *it, int cancel)
{
    LOCKED_ITEM(it);
    it->refs++;
    if (cancel)
        cancel_pending(it);
    wait_done(it, it->nq);
    it->refs--;
    maybe_free(it);
    pthread_mutex_unlock(&lock);
    return 0;
}

/* Close it (lock held): see shmap_tp_close. */
static int close_locked(struct shmap_tp_item *it, int block, shmap_handle_t event)
{
    struct waiter *hw = it->armed && it->h ? it->w : NULL;
    disarm(it);
    it->closed = true;
    int r = 0;
    if (block && hw && hw != t_waiter && hw->in_wait) {
        /* its waiter still holds the object in its wait: let it go first,
         * so that the object is closed when the call returns */
        uint64_t pass = hw->pass;
        it->refs++;
        while (hw->pass == pass)
            pthread_cond_wait(&done_cv, &lock);
        it->refs--;
    }
    if (it->nq != it->ndone) {
        if (block && t_cur != it) {
            it->refs++;
            wait_done(it, it->nq);
            it->refs--;
        } else {
            r = SHMAP_EPENDING;
            it->done_event = event;
            event = 0;
        }
    }
    if (event)
        shmap_event_set(event, NULL);
    maybe_free(it);
    return r;
}

SHMAP_EXTERN int shmap_tp_close(shmap_tp_item_t *it, int block, shmap_handle_t event)
{
    LOCKED_ITEM(it);
    int r = close_locked(it, block, event);
    pthread_mutex_unlock(&lock);
    return r;
}

SHMAP_EXTERN int shmap_tp_queue_create(shmap_tp_queue_t **out)
{
    if (!out)
        return -EINVAL;
    struct shmap_tp_queue *q = calloc(1, sizeof *q);
    if (!q)
        return -ENOMEM;
    pthread_once(&cv_once, cv_init);
    pthread_mutex_lock(&lock);
    q->next = queues;
    queues = q;
    pthread_mutex_unlock(&lock);
    *out = q;
    return 0;
}

SHMAP_EXTERN int shmap_tp_queue_delete(shmap_tp_queue_t *q, int block, shmap_handle_t event)
{
    pthread_mutex_lock(&lock);
    if (!q || !queue_live(q)) {
        pthread_mutex_unlock(&lock);
        return -EINVAL;
    }
    q->dead = true;
    q->items++; /* the queue stays while we go through its timers */
    int r = 0;
    for (struct shmap_tp_item *it = items.next, *nx; it != &items; it = nx) {
        it->refs++;
        if (it->queue == q && !it->closed && close_locked(it, block, 0) == SHMAP_EPENDING)
            r = SHMAP_EPENDING;
        nx = it->next;
        it->refs--;
        maybe_free(it);
    }
    q->done_event = event;
    if (--q->items == 0)
        queue_unlink(q); /* sets the event */
    pthread_mutex_unlock(&lock);
    return r;
}

/* ---- callback instances ------------------------------------------------------ */

SHMAP_EXTERN int shmap_tp_on_return(shmap_tp_inst_t *in, int what, shmap_handle_t h, uint32_t n)
{
    if (!in)
        return -EINVAL;
    switch (what) {
    case SHMAP_TP_RET_EVENT:
        in->ev = h;
        return 0;
    case SHMAP_TP_RET_SEMAPHORE:
        in->sem = h;
        in->sem_n = n;
        return 0;
    case SHMAP_TP_RET_MUTEX:
        in->mtx = h;
        return 0;
    default:
        return -EINVAL;
    }
}

SHMAP_EXTERN int shmap_tp_on_return_call(shmap_tp_inst_t *in, void (*fn)(void *), void *arg)
{
    if (!in)
        return -EINVAL;
    in->call = fn;
    in->call_arg = arg;
    return 0;
}

SHMAP_EXTERN void shmap_tp_disassociate(shmap_tp_inst_t *in)
{
    if (!in || in->detached)
        return;
    in->detached = true;
    pthread_mutex_lock(&lock);
    done_one(in->it); /* it may be freed now: the callback must not use it */
    pthread_mutex_unlock(&lock);
    if (t_cur == in->it)
        t_cur = NULL;
}

/* In a fork child: the pool's threads are the parent's; start again empty
 * (the parent's items, tasks and waiters are left as they were, unreachable;
 * the handles the waiters and waits held are closed). */
void shmap__pool_fork_child(void)
{
    /* the lock was taken before the fork (lifecycle.c): the lists are whole */
    for (struct shmap_tp_item *it = items.next; it && it != &items; it = it->next)
        if (it->h)
            shmap_close(it->h);
    cv_init();
    thead = ttail = NULL;
    nworkers = nidle = 0;
    items.next = items.prev = &items;
    waiters = NULL;
    queues = NULL;
    t_cur = NULL;
}
