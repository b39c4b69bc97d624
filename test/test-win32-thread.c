/*
 * test-win32-thread.c - the thread calls, wait registrations, timer queues
 * and the thread pool through the Win32 face: Windows' return values and
 * last errors (poisoned before each call).  No timing assertions.
 */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <windows.h>

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()

static _Atomic int napc;
static _Atomic ULONG_PTR last_apc;

static VOID CALLBACK apc(ULONG_PTR p)
{
    atomic_store(&last_apc, p);
    atomic_fetch_add(&napc, 1);
}

static DWORD WINAPI sleeper(LPVOID p)
{
    (void)p;
    return SleepEx(INFINITE, TRUE);
}

static DWORD WINAPI quick(LPVOID p)
{
    (void)p;
    return 3;
}

TEST(win32_queue_user_apc_sleepex_returns_io_completion)
{
    atomic_store(&napc, 0);
    ASSERT_NE(QueueUserAPC(apc, GetCurrentThread(), 11), 0);
    ASSERT_EQ(napc, 0);
    ASSERT_EQ_U(SleepEx(0, FALSE), 0);
    ASSERT_EQ(napc, 0);
    ASSERT_EQ_U(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
    ASSERT_EQ(napc, 1);
    ASSERT_EQ_U(last_apc, 11);
    /* a thread asleep in SleepEx(INFINITE, TRUE) wakes for one */
    HANDLE t = CreateThread(NULL, 0, sleeper, NULL, 0, NULL);
    ASSERT_NOT_NULL(t);
    ASSERT_NE(QueueUserAPC(apc, t, 12), 0);
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    DWORD code;
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, WAIT_IO_COMPLETION);
    ASSERT_EQ_U(last_apc, 12);
    CloseHandle(t);
}

TEST(win32_queue_user_apc_errors)
{
    HANDLE t = CreateThread(NULL, 0, quick, NULL, 0, NULL), weak;
    ASSERT_NOT_NULL(t);
    ASSERT_TRUE(
        DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(), &weak, SYNCHRONIZE, FALSE, 0));
    POISON_LE();
    ASSERT_EQ(QueueUserAPC(apc, weak, 1), 0);
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    POISON_LE();
    ASSERT_EQ(QueueUserAPC(apc, t, 1), 0); /* ended */
    ASSERT_EQ_U(LE(), ERROR_GEN_FAILURE);
    POISON_LE();
    ASSERT_EQ(QueueUserAPC(apc, NULL, 1), 0);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
    POISON_LE();
    ASSERT_EQ(QueueUserAPC(apc, e, 1), 0);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    CloseHandle(e);
    CloseHandle(weak);
    CloseHandle(t);
}

struct wrec {
    _Atomic int n, fired_true, fired_false;
    HANDLE done, gate;
};

static VOID CALLBACK wcb(PVOID p, BOOLEAN fired)
{
    struct wrec *r = p;
    if (r->gate)
        WaitForSingleObject(r->gate, INFINITE);
    atomic_fetch_add(fired ? &r->fired_true : &r->fired_false, 1);
    atomic_fetch_add(&r->n, 1);
    if (r->done)
        SetEvent(r->done);
}

TEST(win32_register_wait_signal_timeout_and_once)
{
    struct wrec r = {.done = CreateEventA(NULL, FALSE, FALSE, NULL)};
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL), w;
    ASSERT_TRUE(RegisterWaitForSingleObject(&w, ev, wcb, &r, INFINITE, WT_EXECUTEDEFAULT));
    ASSERT_TRUE(SetEvent(ev));
    ASSERT_EQ_U(WaitForSingleObject(r.done, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(SetEvent(ev)); /* registered again after each callback */
    ASSERT_EQ_U(WaitForSingleObject(r.done, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(UnregisterWaitEx(w, INVALID_HANDLE_VALUE));
    ASSERT_EQ(r.fired_false, 2);
    ASSERT_EQ(r.fired_true, 0);
    /* a timeout: TimerOrWaitFired TRUE; only once */
    ASSERT_TRUE(RegisterWaitForSingleObject(&w, ev, wcb, &r, 1,
                                            WT_EXECUTEONLYONCE | WT_EXECUTELONGFUNCTION));
    ASSERT_EQ_U(WaitForSingleObject(r.done, INFINITE), WAIT_OBJECT_0);
    ASSERT_EQ(r.fired_true, 1);
    ASSERT_TRUE(SetEvent(ev));
    Sleep(5);
    ASSERT_EQ(r.n, 3);                                      /* once: not again */
    ASSERT_EQ_U(WaitForSingleObject(ev, 0), WAIT_OBJECT_0); /* nobody took it */
    ASSERT_TRUE(UnregisterWaitEx(w, INVALID_HANDLE_VALUE));
    /* in the wait thread */
    ASSERT_TRUE(RegisterWaitForSingleObject(&w, ev, wcb, &r, INFINITE,
                                            WT_EXECUTEINWAITTHREAD | WT_EXECUTEONLYONCE));
    ASSERT_TRUE(SetEvent(ev));
    ASSERT_EQ_U(WaitForSingleObject(r.done, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(UnregisterWaitEx(w, INVALID_HANDLE_VALUE));
    CloseHandle(ev);
    CloseHandle(r.done);
}

TEST(win32_unregister_wait_while_the_callback_runs_is_io_pending)
{
    struct wrec r = {.done = CreateEventA(NULL, FALSE, FALSE, NULL),
                     .gate = CreateEventA(NULL, TRUE, FALSE, NULL)};
    HANDLE ev = CreateEventA(NULL, FALSE, TRUE, NULL), w,
           fin = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_TRUE(RegisterWaitForSingleObject(&w, ev, wcb, &r, INFINITE, WT_EXECUTEONLYONCE));
    while (atomic_load(&r.n) == 0 && WaitForSingleObject(ev, 0) == WAIT_OBJECT_0) {
        ASSERT_TRUE(SetEvent(ev)); /* until the pool took it */
        Sleep(1);
    }
    POISON_LE();
    ASSERT_EQ(UnregisterWaitEx(w, fin), FALSE);
    ASSERT_EQ_U(LE(), ERROR_IO_PENDING);
    ASSERT_EQ_U(WaitForSingleObject(fin, 0), WAIT_TIMEOUT); /* the callback still runs */
    ASSERT_TRUE(SetEvent(r.gate));
    ASSERT_EQ_U(WaitForSingleObject(fin, INFINITE), WAIT_OBJECT_0);
    ASSERT_EQ(r.n, 1);
    POISON_LE();
    ASSERT_EQ(UnregisterWait(w), FALSE); /* gone */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(RegisterWaitForSingleObject(&w, (HANDLE)(intptr_t)0x7777, wcb, &r, 0, 0), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    CloseHandle(fin);
    CloseHandle(ev);
    CloseHandle(r.gate);
    CloseHandle(r.done);
}

TEST(win32_timer_queue_timers)
{
    struct wrec r = {.done = CreateEventA(NULL, FALSE, FALSE, NULL)};
    HANDLE q = CreateTimerQueue(), t1, t2;
    ASSERT_NOT_NULL(q);
    ASSERT_TRUE(CreateTimerQueueTimer(&t1, q, wcb, &r, 1, 1, WT_EXECUTEDEFAULT));
    ASSERT_TRUE(CreateTimerQueueTimer(&t2, NULL, wcb, &r, 0, 0, WT_EXECUTEINTIMERTHREAD));
    for (int i = 0; i < 3; i++)
        ASSERT_EQ_U(WaitForSingleObject(r.done, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(ChangeTimerQueueTimer(q, t1, 0, 2));
    ASSERT_EQ_U(WaitForSingleObject(r.done, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(DeleteTimerQueueTimer(NULL, t2, INVALID_HANDLE_VALUE));
    ASSERT_TRUE(DeleteTimerQueueTimer(q, t1, INVALID_HANDLE_VALUE));
    /* a one-shot timer that has fired is not updated (it would fire at
     * once if it were) */
    ASSERT_TRUE(ResetEvent(r.done)); /* what t1 signalled before it was deleted */
    int before = r.n;
    ASSERT_TRUE(CreateTimerQueueTimer(&t1, q, wcb, &r, 0, 0, WT_EXECUTEDEFAULT));
    ASSERT_EQ_U(WaitForSingleObject(r.done, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(ChangeTimerQueueTimer(q, t1, 0, 1));
    ASSERT_EQ_U(WaitForSingleObject(r.done, 100), WAIT_TIMEOUT);
    ASSERT_EQ(r.n, before + 1);
    POISON_LE();
    ASSERT_EQ(DeleteTimerQueueTimer(NULL, t2, NULL), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(DeleteTimerQueueEx(q, INVALID_HANDLE_VALUE)); /* t1 with it */
    int n = r.n;
    Sleep(5);
    ASSERT_EQ(r.n, n);
    ASSERT_EQ(r.fired_true, n); /* timers: always TRUE */
    POISON_LE();
    ASSERT_EQ(DeleteTimerQueue(q), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    CloseHandle(r.done);
}

static _Atomic int ntp;

static VOID CALLBACK simple_cb(PTP_CALLBACK_INSTANCE in, PVOID ctx)
{
    atomic_fetch_add(&ntp, 1);
    SetEventWhenCallbackReturns(in, (HANDLE)ctx);
}

static VOID CALLBACK work_cb(PTP_CALLBACK_INSTANCE in, PVOID ctx, PTP_WORK w)
{
    (void)w;
    ASSERT_TRUE(CallbackMayRunLong(in));
    atomic_fetch_add(&ntp, 1);
    ReleaseSemaphoreWhenCallbackReturns(in, (HANDLE)ctx, 1);
}

static _Atomic DWORD wait_result;

static VOID CALLBACK wait_cb(PTP_CALLBACK_INSTANCE in, PVOID ctx, PTP_WAIT w, TP_WAIT_RESULT res)
{
    (void)w;
    atomic_store(&wait_result, res);
    SetEventWhenCallbackReturns(in, (HANDLE)ctx);
}

static VOID CALLBACK timer_cb(PTP_CALLBACK_INSTANCE in, PVOID ctx, PTP_TIMER t)
{
    (void)t;
    atomic_fetch_add(&ntp, 1);
    SetEventWhenCallbackReturns(in, (HANDLE)ctx);
}

TEST(win32_threadpool_work_wait_timer)
{
    HANDLE done = CreateEventA(NULL, FALSE, FALSE, NULL);
    HANDLE sem = CreateSemaphoreA(NULL, 0, 100, NULL);
    atomic_store(&ntp, 0);
    ASSERT_TRUE(TrySubmitThreadpoolCallback(simple_cb, done, NULL));
    ASSERT_EQ_U(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);

    TP_CALLBACK_ENVIRON env;
    InitializeThreadpoolEnvironment(&env);
    SetThreadpoolCallbackRunsLong(&env);
    PTP_WORK w = CreateThreadpoolWork(work_cb, sem, &env);
    ASSERT_NOT_NULL(w);
    for (int i = 0; i < 10; i++)
        SubmitThreadpoolWork(w);
    WaitForThreadpoolWorkCallbacks(w, FALSE);
    for (int i = 0; i < 10; i++)
        ASSERT_EQ_U(WaitForSingleObject(sem, 0), WAIT_OBJECT_0);
    CloseThreadpoolWork(w);

    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    PTP_WAIT pw = CreateThreadpoolWait(wait_cb, done, NULL);
    ASSERT_NOT_NULL(pw);
    SetThreadpoolWait(pw, ev, NULL);
    SetEvent(ev);
    ASSERT_EQ_U(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);
    ASSERT_EQ_U(wait_result, WAIT_OBJECT_0);
    FILETIME ft = {0, 0}; /* points to 0: times out at once */
    SetThreadpoolWait(pw, ev, &ft);
    ASSERT_EQ_U(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);
    ASSERT_EQ_U(wait_result, WAIT_TIMEOUT);
    WaitForThreadpoolWaitCallbacks(pw, FALSE);
    CloseThreadpoolWait(pw);

    PTP_TIMER pt = CreateThreadpoolTimer(timer_cb, done, NULL);
    ASSERT_NOT_NULL(pt);
    ASSERT_TRUE(!(IsThreadpoolTimerSet(pt)));
    LARGE_INTEGER due = {.QuadPart = -10000}; /* 1 ms from now */
    ft.dwLowDateTime = due.LowPart;
    ft.dwHighDateTime = (DWORD)due.HighPart;
    SetThreadpoolTimer(pt, &ft, 1, 0);
    ASSERT_TRUE(IsThreadpoolTimerSet(pt));
    ASSERT_EQ_U(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);
    ASSERT_EQ_U(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0);
    SetThreadpoolTimer(pt, NULL, 0, 0);
    ASSERT_TRUE(!(IsThreadpoolTimerSet(pt)));
    WaitForThreadpoolTimerCallbacks(pt, TRUE);
    CloseThreadpoolTimer(pt);
    DestroyThreadpoolEnvironment(&env);
    CloseHandle(ev);
    CloseHandle(sem);
    CloseHandle(done);
}

TEST(win32_threadpool_cleanup_groups_not_supported)
{
    TP_CALLBACK_ENVIRON env;
    InitializeThreadpoolEnvironment(&env);
    SetThreadpoolCallbackCleanupGroup(&env, (PTP_CLEANUP_GROUP)&env, NULL);
    POISON_LE();
    ASSERT_NULL(CreateThreadpoolWork(work_cb, NULL, &env));
    ASSERT_EQ_U(LE(), ERROR_NOT_SUPPORTED);
    POISON_LE();
    ASSERT_NULL(CreateThreadpoolWork(NULL, NULL, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
}

static _Atomic unsigned long spins;
static _Atomic int stop_spin;

static DWORD WINAPI spinner(LPVOID p)
{
    (void)p;
    while (!atomic_load(&stop_spin))
        atomic_fetch_add(&spins, 1);
    return 4;
}

TEST(win32_open_thread_by_id)
{
    DWORD tid;
    atomic_store(&stop_spin, 0);
    HANDLE t = CreateThread(NULL, 0, spinner, NULL, 0, &tid);
    ASSERT_NOT_NULL(t);
    HANDLE o = OpenThread(SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, FALSE, tid);
    ASSERT_NOT_NULL(o);
    ASSERT_EQ_U(GetThreadId(o), tid);
    POISON_LE();
    ASSERT_EQ_U(SuspendThread(o), (DWORD)-1); /* no THREAD_SUSPEND_RESUME */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    /* generic rights are mapped: GENERIC_ALL may suspend, resume and wait */
    HANDLE g = OpenThread(GENERIC_ALL, FALSE, tid);
    ASSERT_NOT_NULL(g);
    ASSERT_EQ_U(SuspendThread(g), 0);
    ASSERT_EQ_U(ResumeThread(g), 1);
    ASSERT_TRUE(CloseHandle(g));
    HANDLE self = OpenThread(THREAD_ALL_ACCESS, FALSE, GetCurrentThreadId());
    ASSERT_NOT_NULL(self);
    ASSERT_EQ_U(GetThreadId(self), GetCurrentThreadId());
    POISON_LE();
    ASSERT_NULL(OpenThread(THREAD_ALL_ACCESS, FALSE, 0x7ffffff0u));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    atomic_store(&stop_spin, 1);
    ASSERT_EQ_U(WaitForSingleObject(o, INFINITE), WAIT_OBJECT_0);
    DWORD code;
    ASSERT_TRUE(GetExitCodeThread(o, &code));
    ASSERT_EQ_U(code, 4);
    POISON_LE();
    ASSERT_NULL(OpenThread(THREAD_ALL_ACCESS, FALSE, tid)); /* ended */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    CloseHandle(self);
    CloseHandle(o);
    CloseHandle(t);
}

TEST(win32_suspend_resume_counts_and_stops_the_thread)
{
    atomic_store(&stop_spin, 0);
    atomic_store(&spins, 0);
    HANDLE t = CreateThread(NULL, 0, spinner, NULL, 0, NULL);
    while (atomic_load(&spins) == 0)
        Sleep(1);
    ASSERT_EQ_U(SuspendThread(t), 0);
    unsigned long a = atomic_load(&spins);
    Sleep(10);
    ASSERT_EQ(atomic_load(&spins), a); /* stopped when SuspendThread returned */
    for (DWORD i = 1; i < MAXIMUM_SUSPEND_COUNT; i++)
        ASSERT_EQ_U(SuspendThread(t), i);
    POISON_LE();
    ASSERT_EQ_U(SuspendThread(t), (DWORD)-1);
    ASSERT_EQ_U(LE(), ERROR_SIGNAL_REFUSED);
    for (DWORD i = MAXIMUM_SUSPEND_COUNT; i > 1; i--)
        ASSERT_EQ_U(ResumeThread(t), i);
    ASSERT_EQ(atomic_load(&spins), a);
    ASSERT_EQ_U(ResumeThread(t), 1);
    while (atomic_load(&spins) == a) /* runs again */
        Sleep(1);
    ASSERT_EQ_U(ResumeThread(t), 0);
    atomic_store(&stop_spin, 1);
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    POISON_LE();
    ASSERT_EQ_U(SuspendThread(t), (DWORD)-1); /* ended */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(t);
    /* created suspended: the count is 1 */
    t = CreateThread(NULL, 0, quick, NULL, CREATE_SUSPENDED, NULL);
    ASSERT_EQ_U(SuspendThread(t), 1);
    ASSERT_EQ_U(ResumeThread(t), 2);
    ASSERT_EQ_U(WaitForSingleObject(t, 0), WAIT_TIMEOUT);
    ASSERT_EQ_U(ResumeThread(t), 1);
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    CloseHandle(t);
}

static DWORD WINAPI self_suspender(LPVOID p)
{
    (void)p;
    return SuspendThread(GetCurrentThread()) + 10; /* returns once resumed */
}

TEST(win32_suspend_self_until_resumed)
{
    HANDLE t = CreateThread(NULL, 0, self_suspender, NULL, 0, NULL);
    DWORD prev;
    while ((prev = ResumeThread(t)) == 0) /* until it has suspended itself */
        Sleep(1);
    ASSERT_EQ_U(prev, 1);
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    DWORD code;
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, 10);
    CloseHandle(t);
}

static DWORD WINAPI blocker(LPVOID p)
{
    WaitForSingleObject((HANDLE)p, INFINITE);
    return 1;
}

TEST(win32_terminate_thread_signals_with_the_code)
{
#if defined(__SANITIZE_THREAD__)
    /* the thread ends from a signal handler (pthread_exit): unsafe by design,
     * as Windows' TerminateThread is (docs/DESIGN.md §23); TSan says so */
    SKIP("TerminateThread ends a thread from a signal handler");
#endif
    HANDLE never = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE t = CreateThread(NULL, 0, blocker, never, 0, NULL), weak;
    ASSERT_TRUE(
        DuplicateHandle(GetCurrentProcess(), t, GetCurrentProcess(), &weak, SYNCHRONIZE, FALSE, 0));
    POISON_LE();
    ASSERT_EQ(TerminateThread(weak, 1), FALSE);
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    Sleep(5);
    ASSERT_TRUE(TerminateThread(t, 99));
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    DWORD code;
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, 99);
    CloseHandle(weak);
    CloseHandle(t);
    /* a suspended one ends too, and so does one never started */
    atomic_store(&stop_spin, 0);
    t = CreateThread(NULL, 0, spinner, NULL, 0, NULL);
    ASSERT_EQ_U(SuspendThread(t), 0);
    ASSERT_TRUE(TerminateThread(t, 98));
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, 98);
    CloseHandle(t);
    t = CreateThread(NULL, 0, quick, NULL, CREATE_SUSPENDED, NULL);
    ASSERT_TRUE(TerminateThread(t, 97));
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, 97);
    CloseHandle(t);
    CloseHandle(never);
}

/* In a fresh process, another thread opens the main thread by its id before
 * the main thread has made any thread call: the main thread is known from
 * the start (lifecycle.c), as every thread of a Windows process is. */
static DWORD main_tid;
static void *open_main(void *p)
{
    (void)p;
    HANDLE h = OpenThread(THREAD_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, main_tid);
    if (!h)
        return (void *)(uintptr_t)(10 + (GetLastError() == ERROR_INVALID_PARAMETER));
    uintptr_t r = GetThreadId(h) == main_tid ? 0 : 3;
    CloseHandle(h);
    return (void *)r;
}

HELPER(open_main_thread)
{
    (void)argc, (void)argv;
    main_tid = (DWORD)syscall(SYS_gettid); /* not GetCurrentThreadId: no shmap thread call */
    pthread_t th;
    void *rv;
    if (pthread_create(&th, NULL, open_main, NULL) != 0)
        return 20;
    pthread_join(th, &rv);
    return (int)(uintptr_t)rv;
}

TEST(win32_open_main_thread_of_a_fresh_process)
{
    pid_t pid = spawn_helper("open_main_thread", NULL);
    int st = wait_pid(pid, 30);
    ASSERT_TRUE(WIFEXITED(st));
    ASSERT_EQ(WEXITSTATUS(st), 0);
}
