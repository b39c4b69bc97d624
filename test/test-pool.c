/*
 * test-pool.c - the thread pool through the native API (shmap/thread.h):
 * work, waits (once and repeating, timeouts), timers (once, periodic,
 * cancelled), closing while callbacks run (block, SHMAP_EPENDING, the
 * completion event), timer queues, the instance's on-return actions,
 * bad items, and the pool in a fork child.  No timing assertions: only
 * "happened" and "happened at least n times".
 */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "shmap.h"
#include "watchdog.h"

#define INF SHMAP_INFINITE

static shmap_handle_t event(int manual)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_event_create(NULL, manual ? SHMAP_EVENT_MANUAL_RESET : 0,
                                 SHMAP_EVENT_ALL_ACCESS, 0, &h),
              0);
    return h;
}

struct rec {
    _Atomic int n;
    _Atomic uint32_t last;
    shmap_handle_t done; /* set at each callback (auto event) */
    shmap_handle_t gate; /* if set: the callback waits for it */
    shmap_handle_t sem;  /* if set: released by 1 at each callback */
};

static void cb(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)in;
    (void)it;
    struct rec *r = ctx;
    if (r->gate)
        shmap_wait(1, &r->gate, 0, INF);
    atomic_store(&r->last, result);
    atomic_fetch_add(&r->n, 1);
    if (r->done)
        shmap_event_set(r->done, NULL);
    if (r->sem)
        shmap_semaphore_release(r->sem, 1, NULL);
}

TEST(pool_work_runs_once_per_submit)
{
    struct rec r = {0};
    shmap_tp_item_t *w;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, cb, &r, NULL, 0, NULL, &w), 0);
    for (int i = 0; i < 20; i++)
        ASSERT_EQ(shmap_tp_submit(w, 0), 0);
    ASSERT_EQ(shmap_tp_wait_callbacks(w, 0), 0);
    ASSERT_EQ(r.n, 20);
    ASSERT_EQ(shmap_tp_close(w, 1, 0), 0);
    ASSERT_EQ(shmap_tp_submit(w, 0), -EINVAL); /* closed: gone */
}

TEST(pool_submit_once_closes_itself)
{
    struct rec r = {0};
    shmap_tp_item_t *w;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, cb, &r, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_submit(w, 1), 0);
    ASSERT_EQ(shmap_tp_submit(w, 0), -EINVAL); /* closed already (it goes after its callback) */
    while (atomic_load(&r.n) == 0)
        shmap_sleep(1, 0);
    while (shmap_tp_is_set(w) != -EINVAL) /* freed after it */
        shmap_sleep(1, 0);
}

TEST(pool_wait_once_fires_on_signal_then_is_unset)
{
    struct rec r = {.done = event(0)};
    shmap_handle_t ev = event(0);
    shmap_tp_item_t *w;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WAIT, cb, &r, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_is_set(w), 0);
    ASSERT_EQ(shmap_tp_set_wait(w, ev, NULL), 0);
    ASSERT_EQ(shmap_tp_is_set(w), 1);
    ASSERT_EQ(shmap_event_set(ev, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    ASSERT_EQ(r.n, 1);
    ASSERT_EQ(r.last, SHMAP_WAIT_OBJECT_0);
    ASSERT_EQ(shmap_tp_wait_callbacks(w, 0), 0);
    ASSERT_EQ(shmap_tp_is_set(w), 0);
    /* the auto event was consumed by the pool's wait */
    ASSERT_EQ(shmap_wait(1, &ev, 0, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_tp_close(w, 1, 0), 0);
    shmap_close(ev);
    shmap_close(r.done);
}

TEST(pool_wait_timeout_gives_wait_timeout)
{
    struct rec r = {.done = event(0)};
    shmap_handle_t ev = event(0);
    shmap_tp_item_t *w;
    int64_t due = -10000; /* 1 ms, relative */
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WAIT, cb, &r, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_set_wait(w, ev, &due), 0);
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    ASSERT_EQ(r.last, SHMAP_WAIT_TIMEOUT);
    due = 0; /* absolute, long past: at once */
    ASSERT_EQ(shmap_tp_set_wait(w, ev, &due), 0);
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    ASSERT_EQ(r.last, SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_tp_close(w, 1, 0), 0);
    shmap_close(ev);
    shmap_close(r.done);
}

TEST(pool_repeating_wait_fires_at_every_signal)
{
    struct rec r = {.done = event(0)};
    shmap_handle_t ev = event(0);
    shmap_tp_item_t *w;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WAIT, cb, &r, NULL, SHMAP_TP_REPEAT, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_set_wait(w, ev, NULL), 0);
    for (int i = 1; i <= 5; i++) {
        ASSERT_EQ(shmap_event_set(ev, NULL), 0);
        ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
        ASSERT_EQ(shmap_tp_wait_callbacks(w, 0), 0);
        ASSERT_EQ(r.n, i);
    }
    ASSERT_EQ(shmap_tp_is_set(w), 1);
    ASSERT_EQ(shmap_tp_close(w, 1, 0), 0);
    shmap_close(ev);
    shmap_close(r.done);
}

TEST(pool_waits_beyond_one_waiter)
{
    /* 100 waits: more than one waiter's 63; each fires once */
    enum { N = 100 };
    static struct rec r[N];
    shmap_handle_t ev[N], sem;
    shmap_tp_item_t *w[N];
    ASSERT_EQ(shmap_semaphore_create(NULL, 0, N, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &sem), 0);
    for (int i = 0; i < N; i++) {
        r[i] = (struct rec){.sem = sem};
        ev[i] = event(1);
        ASSERT_EQ(shmap_tp_create(SHMAP_TP_WAIT, cb, &r[i], NULL, 0, NULL, &w[i]), 0);
        ASSERT_EQ(shmap_tp_set_wait(w[i], ev[i], NULL), 0);
    }
    for (int i = N - 1; i >= 0; i--)
        ASSERT_EQ(shmap_event_set(ev[i], NULL), 0);
    for (int i = 0; i < N; i++)
        ASSERT_EQ(shmap_wait(1, &sem, 0, INF), 0);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(shmap_tp_close(w[i], 1, 0), 0);
        ASSERT_EQ(r[i].n, 1);
        shmap_close(ev[i]);
    }
    shmap_close(sem);
}

TEST(pool_timer_once_and_periodic)
{
    struct rec r = {.done = event(0)};
    shmap_tp_item_t *t;
    int64_t due = -10000;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_TIMER, cb, &r, NULL, 0, NULL, &t), 0);
    ASSERT_EQ(shmap_tp_set_timer(t, &due, 0, 0), 0);
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    ASSERT_EQ(shmap_tp_wait_callbacks(t, 0), 0);
    ASSERT_EQ(r.n, 1);
    ASSERT_EQ(r.last, SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_tp_is_set(t), 0); /* a one-shot timer is unset once it fired */
    ASSERT_EQ(shmap_tp_set_timer(t, &due, 1, 0), 0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    ASSERT_EQ(shmap_tp_is_set(t), 1);
    ASSERT_EQ(shmap_tp_set_timer(t, NULL, 0, 0), 0); /* stop */
    ASSERT_EQ(shmap_tp_is_set(t), 0);
    ASSERT_EQ(shmap_tp_wait_callbacks(t, 1), 0);
    int n = r.n;
    ASSERT_GE(n, 4);
    shmap_sleep(5, 0);
    ASSERT_EQ(r.n, n); /* stopped: no more */
    ASSERT_EQ(shmap_tp_close(t, 1, 0), 0);
    shmap_close(r.done);
}

TEST(pool_close_while_running_pending_block_and_event)
{
    struct rec r = {.done = event(0), .gate = event(1)};
    shmap_handle_t fin = event(1);
    shmap_tp_item_t *w;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, cb, &r, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_submit(w, 0), 0);
    /* not blocking, callback outstanding: pending, and the event later */
    ASSERT_EQ(shmap_tp_close(w, 0, fin), SHMAP_EPENDING);
    ASSERT_EQ(shmap_wait(1, &fin, 0, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_event_set(r.gate, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &fin, 0, INF), 0);
    ASSERT_EQ(r.n, 1);
    /* nothing outstanding: 0 and the event at once */
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, cb, &r, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_event_reset(fin, NULL), 0);
    ASSERT_EQ(shmap_tp_close(w, 0, fin), 0);
    ASSERT_EQ(shmap_wait(1, &fin, 0, 0), 0);
    shmap_close(fin);
    shmap_close(r.gate);
    shmap_close(r.done);
}

struct blocker {
    shmap_tp_item_t *w;
    _Atomic int closed;
    struct watchdog *wd;
};

static void *close_blocking(void *p)
{
    struct blocker *b = p;
    int s = wd_join(b->wd, "closer");
    wd_tick(b->wd, s, "close, blocking");
    ASSERT_EQ(shmap_tp_close(b->w, 1, 0), 0);
    atomic_store(&b->closed, 1);
    wd_leave(b->wd, s);
    return NULL;
}

TEST(pool_blocking_close_waits_for_the_running_callback)
{
    struct watchdog *wd = wd_new(4);
    wd_start(wd);
    struct rec r = {.done = event(0), .gate = event(1)};
    struct blocker b = {.wd = wd};
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, cb, &r, NULL, 0, NULL, &b.w), 0);
    ASSERT_EQ(shmap_tp_submit(b.w, 0), 0);
    pthread_t pt;
    ASSERT_EQ(pthread_create(&pt, NULL, close_blocking, &b), 0);
    shmap_sleep(10, 0);
    ASSERT_EQ(b.closed, 0); /* the callback is held at its gate */
    ASSERT_EQ(r.n, 0);
    ASSERT_EQ(shmap_event_set(r.gate, NULL), 0);
    pthread_join(pt, NULL);
    ASSERT_EQ(b.closed, 1);
    ASSERT_EQ(r.n, 1); /* it returned before the close did */
    wd_stop(wd);
    shmap_close(r.gate);
    shmap_close(r.done);
}

static void close_self(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)in;
    (void)result;
    /* a blocking close from its own callback does not wait for itself */
    atomic_store((_Atomic int *)ctx, shmap_tp_close(it, 1, 0));
}

TEST(pool_close_from_its_own_callback_is_pending)
{
    _Atomic int got = 1;
    shmap_tp_item_t *w;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, close_self, (void *)&got, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_submit(w, 0), 0);
    while (atomic_load(&got) == 1) /* until it closed itself */
        shmap_sleep(1, 0);
    ASSERT_EQ(got, SHMAP_EPENDING);
    ASSERT_EQ(shmap_tp_is_set(w), -EINVAL); /* closed */
}

TEST(pool_timer_queue_delete_closes_its_timers)
{
    struct rec r = {.done = event(0)};
    shmap_tp_queue_t *q;
    shmap_tp_item_t *t[3];
    int64_t due = -10000;
    ASSERT_EQ(shmap_tp_queue_create(&q), 0);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(shmap_tp_create(SHMAP_TP_TIMER, cb, &r, NULL, 0, q, &t[i]), 0);
        ASSERT_EQ(shmap_tp_set_timer(t[i], &due, 1, 0), 0);
    }
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    shmap_handle_t fin = event(1);
    ASSERT_EQ(shmap_tp_queue_delete(q, 1, fin), 0);
    ASSERT_EQ(shmap_wait(1, &fin, 0, 0), 0);
    int n = r.n;
    shmap_sleep(5, 0);
    ASSERT_EQ(r.n, n);
    ASSERT_EQ(shmap_tp_is_set(t[0]), -EINVAL); /* gone with the queue */
    ASSERT_EQ(shmap_tp_queue_delete(q, 1, 0), -EINVAL);
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_TIMER, cb, &r, NULL, 0, q, &t[0]), -EINVAL);
    shmap_close(fin);
    shmap_close(r.done);
}

static void on_ret(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)it;
    (void)result;
    shmap_handle_t *h = ctx;
    ASSERT_EQ(shmap_tp_on_return(in, SHMAP_TP_RET_EVENT, h[0], 0), 0);
    ASSERT_EQ(shmap_tp_on_return(in, SHMAP_TP_RET_SEMAPHORE, h[1], 2), 0);
    ASSERT_EQ(shmap_tp_on_return(in, 99, h[1], 2), -EINVAL);
}

TEST(pool_instance_sets_and_releases_on_return)
{
    shmap_handle_t h[2] = {event(1), 0};
    ASSERT_EQ(shmap_semaphore_create(NULL, 0, 5, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &h[1]), 0);
    shmap_tp_item_t *w;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, on_ret, h, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_submit(w, 0), 0);
    ASSERT_EQ(shmap_tp_close(w, 1, 0), 0);
    ASSERT_EQ(shmap_wait(1, &h[0], 0, 0), 0);
    int32_t count;
    ASSERT_EQ(shmap_semaphore_query(h[1], &count, NULL), 0);
    ASSERT_EQ(count, 2);
    shmap_close(h[0]);
    shmap_close(h[1]);
}

TEST(pool_bad_items_and_arguments)
{
    shmap_tp_item_t *w, *bogus = (shmap_tp_item_t *)(uintptr_t)0x1000;
    struct rec r = {0};
    ASSERT_EQ(shmap_tp_create(0, cb, &r, NULL, 0, NULL, &w), -EINVAL);
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, NULL, &r, NULL, 0, NULL, &w), -EINVAL);
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WORK, cb, &r, NULL, 0x100, NULL, &w), -EINVAL);
    ASSERT_EQ(shmap_tp_submit(bogus, 0), -EINVAL);
    ASSERT_EQ(shmap_tp_close(bogus, 1, 0), -EINVAL);
    ASSERT_EQ(shmap_tp_is_set(NULL), -EINVAL);
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WAIT, cb, &r, NULL, 0, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_submit(w, 0), -EINVAL); /* not work */
    ASSERT_EQ(shmap_tp_set_wait(w, (shmap_handle_t)(intptr_t)0x4321, NULL), -EBADF);
    shmap_handle_t fm;
    ASSERT_EQ(shmap_semaphore_create(NULL, 0, 1, SHMAP_SEMAPHORE_MODIFY_STATE, 0, &fm), 0);
    ASSERT_EQ(shmap_tp_set_wait(w, fm, NULL), -EBADF);     /* no SYNCHRONIZE */
    ASSERT_EQ(shmap_tp_set_timer(w, NULL, 0, 0), -EINVAL); /* not a timer */
    ASSERT_EQ(shmap_tp_close(w, 1, 0), 0);
    shmap_close(fm);
}

TEST(pool_fork_child_gets_a_new_pool)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    /* as test-forkstorm: their allocators are not fork-safe with threads running */
    SKIP("the sanitizer's allocator is not fork-safe in a process with threads");
#endif
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user's fork of a process with threads running aborts in qemu itself (its "
             "plugin and RCU asserts), before the child runs");
    struct rec r = {.done = event(0)};
    shmap_tp_item_t *t;
    int64_t due = -10000;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_TIMER, cb, &r, NULL, 0, NULL, &t), 0);
    ASSERT_EQ(shmap_tp_set_timer(t, &due, 1, 0), 0);
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* the parent's timer is not ours; work and a wait run here */
        if (shmap_tp_is_set(t) != -EINVAL)
            _exit(1);
        struct rec c = {0};
        shmap_tp_item_t *w;
        if (shmap_tp_create(SHMAP_TP_WORK, cb, &c, NULL, 0, NULL, &w) || shmap_tp_submit(w, 0) ||
            shmap_tp_close(w, 1, 0) || c.n != 1)
            _exit(2);
        _exit(0);
    }
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_EQ(st, 0);
    ASSERT_EQ(shmap_tp_close(t, 1, 0), 0);
    shmap_close(r.done);
}

TEST(pool_exit_with_callbacks_running_does_not_hang)
{
    pid_t pid = fork();
    if (pid == 0) {
        static struct rec busy, tick;
        shmap_handle_t never = event(1);
        busy.gate = never; /* a callback that never returns */
        tick.done = event(0);
        shmap_tp_item_t *w, *t, *wt;
        int64_t due = -10000;
        if (shmap_tp_create(SHMAP_TP_WORK, cb, &busy, NULL, 0, NULL, &w) || shmap_tp_submit(w, 0) ||
            shmap_tp_create(SHMAP_TP_TIMER, cb, &tick, NULL, 0, NULL, &t) ||
            shmap_tp_set_timer(t, &due, 1, 0) ||
            shmap_tp_create(SHMAP_TP_WAIT, cb, &tick, NULL, SHMAP_TP_REPEAT, NULL, &wt) ||
            shmap_tp_set_wait(wt, never, NULL) || shmap_wait(1, &tick.done, 0, INF) != 0)
            _exit(1);
        exit(0); /* with a worker blocked, a waiter waiting, a timer ticking */
    }
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_EQ(st, 0);
}

static void noop_apc(uintptr_t arg)
{
    (void)arg;
}

static void adopt_cb(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    /* on the waiter's thread: it gets a thread object (and so an APC queue) here */
    ASSERT_EQ(shmap_thread_queue_apc(SHMAP_CURRENT_THREAD, noop_apc, 0), 0);
    cb(in, ctx, it, result);
}

TEST_T(pool_waiter_whose_callback_uses_its_thread_object_still_sees_changes, 30)
{
    struct rec r = {.done = event(0)};
    shmap_handle_t ev = event(0), ev2 = event(0);
    shmap_tp_item_t *w, *w2;
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WAIT, adopt_cb, &r, NULL, SHMAP_TP_INLINE, NULL, &w), 0);
    ASSERT_EQ(shmap_tp_set_wait(w, ev, NULL), 0);
    ASSERT_EQ(shmap_event_set(ev, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    /* armed after: the waiter must be woken for it (its queue is the one kicked) */
    ASSERT_EQ(shmap_tp_create(SHMAP_TP_WAIT, cb, &r, NULL, 0, NULL, &w2), 0);
    ASSERT_EQ(shmap_tp_set_wait(w2, ev2, NULL), 0);
    ASSERT_EQ(shmap_event_set(ev2, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &r.done, 0, INF), 0);
    ASSERT_EQ(r.n, 2);
    ASSERT_EQ(shmap_tp_close(w, 1, 0), 0);
    ASSERT_EQ(shmap_tp_close(w2, 1, 0), 0);
    shmap_close(ev);
    shmap_close(ev2);
    shmap_close(r.done);
}
