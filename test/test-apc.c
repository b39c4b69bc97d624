/*
 * test-apc.c - user APCs (shmap_thread_queue_apc): run in order at the
 * target thread's next alertable wait, which returns
 * SHMAP_WAIT_IO_COMPLETION; never in a non-alertable one; a thread asleep
 * in an alertable wait wakes for one; rights, ended threads, bad handles.
 */
#include "harness.h"

#include <stdatomic.h>
#include <sys/wait.h>

#include "internal.h"
#include "shmap.h"
#include "watchdog.h"

static _Atomic int ran[16];
static _Atomic int nran;

static void rec(uintptr_t arg)
{
    ran[atomic_fetch_add(&nran, 1)] = (int)arg;
}

static void reset(void)
{
    atomic_store(&nran, 0);
    memset((void *)ran, 0, sizeof ran);
}

TEST(apc_runs_in_order_at_the_next_alertable_sleep)
{
    reset();
    for (int i = 1; i <= 3; i++)
        ASSERT_EQ(shmap_thread_queue_apc(SHMAP_CURRENT_THREAD, rec, (uintptr_t)i), 0);
    ASSERT_EQ(nran, 0); /* queued, not run */
    ASSERT_EQ(shmap_sleep(0, 1), SHMAP_WAIT_IO_COMPLETION);
    ASSERT_EQ(nran, 3);
    ASSERT_EQ(ran[0], 1);
    ASSERT_EQ(ran[1], 2);
    ASSERT_EQ(ran[2], 3);
    ASSERT_EQ(shmap_sleep(0, 1), 0); /* the queue is empty now */
}

TEST(apc_not_run_by_non_alertable_waits)
{
    reset();
    shmap_handle_t ev;
    ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &ev), 0);
    ASSERT_EQ(shmap_thread_queue_apc(SHMAP_CURRENT_THREAD, rec, 7), 0);
    ASSERT_EQ(shmap_sleep(0, 0), 0);
    ASSERT_EQ(shmap_wait(1, &ev, 0, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_wait(1, &ev, 0, 5), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(nran, 0);
    /* an alertable wait runs it first, even with the object signalled */
    ASSERT_EQ(shmap_event_set(ev, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &ev, SHMAP_WAIT_ALERTABLE, 0), SHMAP_WAIT_IO_COMPLETION);
    ASSERT_EQ(nran, 1);
    ASSERT_EQ(ran[0], 7);
    ASSERT_EQ(shmap_wait(1, &ev, SHMAP_WAIT_ALERTABLE, 0), SHMAP_WAIT_OBJECT_0);
    shmap_close(ev);
}

static void requeue(uintptr_t arg)
{
    rec(arg);
    if (arg < 3) /* queued by an APC: runs in the same wait */
        ASSERT_EQ(shmap_thread_queue_apc(SHMAP_CURRENT_THREAD, requeue, arg + 1), 0);
}

TEST(apc_queued_by_an_apc_runs_before_the_wait_returns)
{
    reset();
    ASSERT_EQ(shmap_thread_queue_apc(SHMAP_CURRENT_THREAD, requeue, 1), 0);
    ASSERT_EQ(shmap_sleep(SHMAP_INFINITE, 1), SHMAP_WAIT_IO_COMPLETION);
    ASSERT_EQ(nran, 3);
}

struct sleeper {
    struct watchdog *wd;
    int how; /* 0 sleep, 1 wait on an event, 2 wait on two events */
    shmap_handle_t ev[2];
    _Atomic int started;
    int result;
};

static uint32_t sleeper_main(void *p)
{
    struct sleeper *s = p;
    int slot = wd_join(s->wd, "sleeper");
    wd_tick(s->wd, slot, "alertable wait");
    atomic_store(&s->started, 1);
    if (s->how == 0)
        s->result = shmap_sleep(SHMAP_INFINITE, 1);
    else
        s->result = shmap_wait((uint32_t)s->how, s->ev, SHMAP_WAIT_ALERTABLE, SHMAP_INFINITE);
    wd_leave(s->wd, slot);
    return 0;
}

TEST(apc_wakes_a_thread_asleep_in_an_alertable_wait)
{
    shmap__wait_slice(600000000000ull); /* no safety net: a lost wake-up hangs */
    struct watchdog *wd = wd_new(4);
    wd_start(wd);
    int me = wd_join(wd, "main");
    for (int how = 0; how < 3; how++) {
        reset();
        struct sleeper s = {.wd = wd, .how = how};
        ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &s.ev[0]), 0);
        ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &s.ev[1]), 0);
        shmap_handle_t th;
        ASSERT_EQ(shmap_thread_create(sleeper_main, &s, 0, 0, &th, NULL), 0);
        while (!atomic_load(&s.started))
            shmap_sleep(1, 0);
        shmap_sleep(how * 5, 0); /* queued before or while it sleeps: woken either way */
        wd_tick(wd, me, "queue");
        ASSERT_EQ(shmap_thread_queue_apc(th, rec, 42), 0);
        wd_tick(wd, me, "join");
        ASSERT_EQ(shmap_wait(1, &th, 0, SHMAP_INFINITE), 0);
        ASSERT_EQ(s.result, SHMAP_WAIT_IO_COMPLETION);
        ASSERT_EQ(nran, 1);
        ASSERT_EQ(ran[0], 42);
        shmap_close(th);
        shmap_close(s.ev[0]);
        shmap_close(s.ev[1]);
    }
    wd_leave(wd, me);
    wd_stop(wd);
}

static uint32_t quick(void *p)
{
    (void)p;
    return 5;
}

TEST(apc_to_an_ended_thread_fails_gen_failure)
{
    shmap_handle_t th;
    ASSERT_EQ(shmap_thread_create(quick, NULL, 0, 0, &th, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &th, 0, SHMAP_INFINITE), 0);
    ASSERT_EQ(shmap_thread_queue_apc(th, rec, 1), SHMAP_EGENFAIL);
    shmap_close(th);
}

TEST(apc_needs_thread_set_context)
{
    shmap_handle_t th, weak, ok;
    ASSERT_EQ(shmap_thread_create(quick, NULL, SHMAP_THREAD_SUSPENDED, 0, &th, NULL), 0);
    ASSERT_EQ(shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, th, SHMAP_CURRENT_PROCESS,
                                     SHMAP_SYNCHRONIZE | SHMAP_THREAD_SUSPEND_RESUME, 0, 0, &weak),
              0);
    ASSERT_EQ(shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, th, SHMAP_CURRENT_PROCESS,
                                     SHMAP_THREAD_SET_CONTEXT, 0, 0, &ok),
              0);
    ASSERT_EQ(shmap_thread_queue_apc(weak, rec, 1), -EACCES);
    ASSERT_EQ(shmap_thread_queue_apc(ok, rec, 1), 0); /* dropped when it ends */
    ASSERT_EQ(shmap_thread_resume(th, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &th, 0, SHMAP_INFINITE), 0);
    shmap_close(weak);
    shmap_close(ok);
    shmap_close(th);
}

TEST(apc_bad_handles)
{
    shmap_handle_t ev;
    ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &ev), 0);
    ASSERT_EQ(shmap_thread_queue_apc(ev, rec, 1), -EBADF);
    ASSERT_EQ(shmap_thread_queue_apc((shmap_handle_t)(intptr_t)0x1234, rec, 1), -EBADF);
    ASSERT_EQ(shmap_thread_queue_apc((shmap_handle_t)0, rec, 1), -EBADF);
    shmap_close(ev);
}

TEST(apc_fork_child_has_its_own_queue)
{
    reset();
    ASSERT_EQ(shmap_thread_queue_apc(SHMAP_CURRENT_THREAD, rec, 1), 0);
    pid_t pid = fork();
    if (pid == 0) {
        /* the parent's queue is not the child's: nothing runs, a new one works */
        if (shmap_sleep(0, 1) != 0)
            _exit(1);
        if (shmap_thread_queue_apc(SHMAP_CURRENT_THREAD, rec, 9) != 0)
            _exit(2);
        if (shmap_sleep(0, 1) != SHMAP_WAIT_IO_COMPLETION || nran != 1 || ran[0] != 9)
            _exit(3);
        _exit(0);
    }
    int st;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_EQ(st, 0);
    ASSERT_EQ(shmap_sleep(0, 1), SHMAP_WAIT_IO_COMPLETION);
    ASSERT_EQ(ran[0], 1);
}
