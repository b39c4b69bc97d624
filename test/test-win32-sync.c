/*
 * test-win32-sync.c - the reference's §18 items 92-122 (events, mutexes,
 * semaphores, timers, waits) through the Win32 face, with the last error
 * poisoned before each call; plus the Create/Open rules of §2 for the four
 * types.
 */
#include "harness.h"

#include <pthread.h>
#include <windows.h>

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()

static HANDLE ev(BOOL manual, BOOL initial)
{
    HANDLE h = CreateEventA(NULL, manual, initial, NULL);
    ASSERT_NOT_NULL(h);
    return h;
}

static void expect_wait(DWORD got, DWORD want)
{
    ASSERT_EQ_U(got, want);
}

static void expect_failed(DWORD got, DWORD err)
{
    ASSERT_EQ_U(got, WAIT_FAILED);
    ASSERT_EQ_U(LE(), err);
}

/* A thread that waits on h and reports the result. */
struct waiter {
    pthread_t t;
    HANDLE h;
    DWORD ms;
    volatile DWORD result;
    volatile int done;
};
static void *waiter_main(void *p)
{
    struct waiter *w = p;
    w->result = WaitForSingleObject(w->h, w->ms);
    __atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}
static void waiter_start(struct waiter *w, HANDLE h, DWORD ms)
{
    w->h = h;
    w->ms = ms;
    w->done = 0;
    ASSERT_EQ(pthread_create(&w->t, NULL, waiter_main, w), 0);
}
static int waiter_done(struct waiter *w)
{
    return __atomic_load_n(&w->done, __ATOMIC_SEQ_CST);
}

/* Let the waiters get to sleep (not a timing assertion: a late waiter is
 * still a waiter; the test only asserts what must hold either way). */
static void settle(void)
{
    Sleep(50);
}

TEST(item92_auto_event_does_not_count)
{
    HANDLE e = ev(FALSE, FALSE);
    ASSERT_TRUE(SetEvent(e));
    ASSERT_TRUE(SetEvent(e));
    expect_wait(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
    CloseHandle(e);
}

TEST(item93_pulse_manual_releases_all_then_resets)
{
    HANDLE e = ev(TRUE, FALSE);
    struct waiter a, b;
    waiter_start(&a, e, INFINITE);
    waiter_start(&b, e, INFINITE);
    settle();
    ASSERT_EQ(waiter_done(&a) + waiter_done(&b), 0); /* blocked */
    ASSERT_TRUE(PulseEvent(e));
    pthread_join(a.t, NULL);
    pthread_join(b.t, NULL);
    ASSERT_EQ_U(a.result, WAIT_OBJECT_0);
    ASSERT_EQ_U(b.result, WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
    /* pulse with no waiters leaves it non-signalled, even if it was set */
    ASSERT_TRUE(SetEvent(e));
    ASSERT_TRUE(PulseEvent(e));
    expect_wait(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
    CloseHandle(e);
}

TEST(item94_pulse_auto_releases_one)
{
    HANDLE e = ev(FALSE, FALSE);
    struct waiter a, b;
    waiter_start(&a, e, 2000);
    waiter_start(&b, e, 2000);
    settle();
    ASSERT_EQ(waiter_done(&a) + waiter_done(&b), 0);
    ASSERT_TRUE(PulseEvent(e));
    pthread_join(a.t, NULL);
    pthread_join(b.t, NULL);
    ASSERT_EQ((a.result == WAIT_OBJECT_0) + (b.result == WAIT_OBJECT_0), 1);
    ASSERT_EQ((a.result == WAIT_TIMEOUT) + (b.result == WAIT_TIMEOUT), 1);
    expect_wait(WaitForSingleObject(e, 0), WAIT_TIMEOUT);
    CloseHandle(e);
}

TEST(item95_event_rights)
{
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, "ev95");
    ASSERT_NOT_NULL(e);
    HANDLE s = OpenEventA(SYNCHRONIZE, FALSE, "ev95");
    ASSERT_NOT_NULL(s);
    POISON_LE();
    ASSERT_TRUE(!SetEvent(s));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    HANDLE m = OpenEventA(EVENT_MODIFY_STATE, FALSE, "ev95");
    ASSERT_NOT_NULL(m);
    POISON_LE();
    expect_failed(WaitForSingleObject(m, 0), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(SetEvent(m));
    expect_wait(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    /* generic rights: GENERIC_WRITE can set, not wait */
    HANDLE g = OpenEventA(GENERIC_WRITE, FALSE, "ev95");
    ASSERT_NOT_NULL(g);
    ASSERT_TRUE(ResetEvent(g));
    POISON_LE();
    expect_failed(WaitForSingleObject(g, 0), ERROR_ACCESS_DENIED);
    /* CreateEventEx with access 0: a handle that can do nothing */
    HANDLE z = CreateEventExA(NULL, NULL, 0, 0);
    ASSERT_NOT_NULL(z);
    POISON_LE();
    ASSERT_TRUE(!SetEvent(z));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    expect_failed(WaitForSingleObject(z, 0), ERROR_ACCESS_DENIED);
    CloseHandle(z);
    CloseHandle(g);
    CloseHandle(m);
    CloseHandle(s);
    CloseHandle(e);
}

TEST(item96_wrong_types)
{
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    HANDLE e = ev(FALSE, FALSE);
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    HANDLE s = CreateSemaphoreA(NULL, 0, 1, NULL);
    HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    POISON_LE();
    ASSERT_TRUE(!SetEvent(m));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!ResetEvent(t));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!PulseEvent(map));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!ReleaseMutex(e));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(e, 1, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    LARGE_INTEGER due = {.QuadPart = -1};
    POISON_LE();
    ASSERT_TRUE(!SetWaitableTimer(e, &due, 0, NULL, NULL, FALSE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!SetWaitableTimer(NULL, &due, 0, NULL, NULL, FALSE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!CancelWaitableTimer(s));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!SetEvent(NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!SetEvent(INVALID_HANDLE_VALUE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    CloseHandle(map);
    CloseHandle(s);
    CloseHandle(t);
    CloseHandle(e);
    CloseHandle(m);
}

TEST(item97_mutex_generic_rights)
{
    HANDLE m = CreateMutexA(NULL, FALSE, "mx97");
    ASSERT_NOT_NULL(m);
    HANDLE rw = OpenMutexA(GENERIC_READ | GENERIC_WRITE, FALSE, "mx97");
    ASSERT_NOT_NULL(rw);
    POISON_LE();
    expect_failed(WaitForSingleObject(rw, 0), ERROR_ACCESS_DENIED);
    HANDLE x = OpenMutexA(GENERIC_EXECUTE, FALSE, "mx97");
    ASSERT_NOT_NULL(x);
    expect_wait(WaitForSingleObject(x, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(ReleaseMutex(x));
    /* open with access 0 or bits outside the valid mask: 5 (Windows) */
    POISON_LE();
    ASSERT_NULL(OpenMutexA(0, FALSE, "mx97"));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_NULL(OpenMutexA(0x8, FALSE, "mx97"));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(x);
    CloseHandle(rw);
    CloseHandle(m);
}

TEST(item98_mutex_recursion)
{
    HANDLE m = CreateMutexA(NULL, TRUE, NULL);
    ASSERT_NOT_NULL(m);
    expect_wait(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(ReleaseMutex(m));
    ASSERT_TRUE(ReleaseMutex(m));
    ASSERT_TRUE(ReleaseMutex(m));
    POISON_LE();
    ASSERT_TRUE(!ReleaseMutex(m));
    ASSERT_EQ_U(LE(), ERROR_NOT_OWNER);
    CloseHandle(m);
}

static void *release_other(void *p)
{
    POISON_LE();
    BOOL r = ReleaseMutex((HANDLE)p);
    return (void *)(uintptr_t)(r ? 0 : LE());
}

TEST(item99_release_needs_no_right_but_ownership)
{
    HANDLE m = CreateMutexA(NULL, TRUE, "mx99");
    HANDLE rc = OpenMutexA(READ_CONTROL, FALSE, "mx99");
    ASSERT_NOT_NULL(rc);
    /* another thread cannot release it */
    pthread_t t;
    void *res;
    pthread_create(&t, NULL, release_other, rc);
    pthread_join(t, &res);
    ASSERT_EQ((uintptr_t)res, ERROR_NOT_OWNER);
    ASSERT_TRUE(ReleaseMutex(rc));
    CloseHandle(rc);
    CloseHandle(m);
}

static void *own_and_exit(void *p)
{
    ASSERT_EQ_U(WaitForSingleObject((HANDLE)p, 0), WAIT_OBJECT_0);
    return NULL;
}

TEST(item100_abandoned_by_thread_exit)
{
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    pthread_t t;
    pthread_create(&t, NULL, own_and_exit, m);
    pthread_join(t, NULL);
    expect_wait(WaitForSingleObject(m, 0), WAIT_ABANDONED);
    expect_wait(WaitForSingleObject(m, 0), WAIT_OBJECT_0); /* recursion, normal */
    ASSERT_TRUE(ReleaseMutex(m));
    ASSERT_TRUE(ReleaseMutex(m));
    expect_wait(WaitForSingleObject(m, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(ReleaseMutex(m));
    CloseHandle(m);
}

TEST(item101_102_abandoned_in_multiple_waits)
{
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    HANDLE e = ev(FALSE, FALSE);
    pthread_t t;
    pthread_create(&t, NULL, own_and_exit, m);
    pthread_join(t, NULL);
    HANDLE any[3] = {e, e, m};
    expect_wait(WaitForMultipleObjects(3, any, FALSE, 0), WAIT_ABANDONED_0 + 2);
    ASSERT_TRUE(ReleaseMutex(m));

    HANDLE m2 = CreateMutexA(NULL, FALSE, NULL);
    pthread_create(&t, NULL, own_and_exit, m2);
    pthread_join(t, NULL);
    HANDLE s1 = ev(FALSE, TRUE), s2 = ev(TRUE, TRUE);
    HANDLE all[3] = {m2, s1, s2};
    expect_wait(WaitForMultipleObjects(3, all, TRUE, 0), WAIT_ABANDONED_0);
    expect_wait(WaitForSingleObject(s1, 0), WAIT_TIMEOUT); /* consumed with the rest */
    expect_wait(WaitForSingleObject(s2, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(ReleaseMutex(m2));
    /* index of the abandoned mutex does not matter in wait-all */
    pthread_create(&t, NULL, own_and_exit, m2);
    pthread_join(t, NULL);
    ASSERT_TRUE(SetEvent(s1));
    HANDLE all2[3] = {s1, s2, m2};
    expect_wait(WaitForMultipleObjects(3, all2, TRUE, 0), WAIT_ABANDONED_0);
    ASSERT_TRUE(ReleaseMutex(m2));
    CloseHandle(s2);
    CloseHandle(s1);
    CloseHandle(m2);
    CloseHandle(e);
    CloseHandle(m);
}

TEST(item103_close_does_not_abandon)
{
    HANDLE m = CreateMutexA(NULL, TRUE, "mx103");
    HANDLE m2 = OpenMutexA(SYNCHRONIZE, FALSE, "mx103");
    CloseHandle(m);
    /* still owned by us: recursion, and others cannot take it */
    expect_wait(WaitForSingleObject(m2, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(ReleaseMutex(m2));
    ASSERT_TRUE(ReleaseMutex(m2));
    POISON_LE();
    ASSERT_TRUE(!ReleaseMutex(m2));
    ASSERT_EQ_U(LE(), ERROR_NOT_OWNER);
    CloseHandle(m2);
}

TEST(item104_105_106_semaphore_rules)
{
    POISON_LE();
    ASSERT_NULL(CreateSemaphoreA(NULL, 2, 1, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_NULL(CreateSemaphoreA(NULL, 0, 0, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_NULL(CreateSemaphoreA(NULL, -1, 1, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    HANDLE big = CreateSemaphoreA(NULL, 0, 0x7fffffff, NULL);
    ASSERT_NOT_NULL(big);
    LONG prev = 1234;
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(big, 0x7fffffff, NULL) == FALSE);
    ASSERT_TRUE(!ReleaseSemaphore(big, 1, &prev));
    ASSERT_EQ_U(LE(), ERROR_TOO_MANY_POSTS);
    CloseHandle(big);

    HANDLE s = CreateSemaphoreA(NULL, 1, 2, "sem105");
    ASSERT_NOT_NULL(s);
    /* invalid counts fail even when the name exists */
    POISON_LE();
    ASSERT_NULL(CreateSemaphoreA(NULL, 3, 2, "sem105"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    prev = 1234;
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(s, 3, &prev));
    ASSERT_EQ_U(LE(), ERROR_TOO_MANY_POSTS);
    ASSERT_EQ(prev, 1234);
    ASSERT_TRUE(ReleaseSemaphore(s, 1, &prev));
    ASSERT_EQ(prev, 1);
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(s, 0, &prev)); /* 106: Windows 87 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(s, -1, &prev));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* the existing object keeps its counts: create (0, 100) opens it */
    HANDLE s2 = CreateSemaphoreA(NULL, 0, 100, "sem105");
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(s2, 1, NULL));
    ASSERT_EQ_U(LE(), ERROR_TOO_MANY_POSTS);
    expect_wait(WaitForSingleObject(s2, 0), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
    /* no SEMAPHORE_MODIFY_STATE */
    HANDLE sy = OpenSemaphoreA(SYNCHRONIZE, FALSE, "sem105");
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(sy, 1, NULL));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(sy);
    CloseHandle(s2);
    CloseHandle(s);
}

TEST(item107_manual_timer_relative)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    ASSERT_NOT_NULL(t);
    expect_wait(WaitForSingleObject(t, 0), WAIT_TIMEOUT); /* new: inactive */
    LARGE_INTEGER due = {.QuadPart = -500000};            /* 50 ms */
    ULONGLONG t0 = GetTickCount64();
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, NULL, NULL, FALSE));
    expect_wait(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    ASSERT_GE(GetTickCount64() - t0, 49);                  /* never early */
    expect_wait(WaitForSingleObject(t, 0), WAIT_OBJECT_0); /* stays signalled */
    CloseHandle(t);
}

TEST(item108_cancel_keeps_signal_set_resets)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER due = {.QuadPart = -1};
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, NULL, NULL, FALSE));
    expect_wait(WaitForSingleObject(t, 1000), WAIT_OBJECT_0);
    ASSERT_TRUE(CancelWaitableTimer(t));
    expect_wait(WaitForSingleObject(t, 0), WAIT_OBJECT_0);
    due.QuadPart = -10000000; /* 1 s */
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, NULL, NULL, FALSE));
    expect_wait(WaitForSingleObject(t, 0), WAIT_TIMEOUT);
    ASSERT_TRUE(CancelWaitableTimer(t)); /* stops it */
    expect_wait(WaitForSingleObject(t, 1200), WAIT_TIMEOUT);
    ASSERT_TRUE(CancelWaitableTimer(t)); /* inactive: fine */
    CloseHandle(t);
}

TEST(item109_absolute_past_fires_at_once)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER due = {.QuadPart = 0};
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, NULL, NULL, FALSE));
    expect_wait(WaitForSingleObject(t, 0), WAIT_OBJECT_0);
    /* absolute, 100 ms in the future */
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    due.QuadPart = (LONGLONG)(((ULONGLONG)ft.dwHighDateTime << 32) | ft.dwLowDateTime) + 1000000;
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, NULL, NULL, FALSE));
    expect_wait(WaitForSingleObject(t, 0), WAIT_TIMEOUT);
    expect_wait(WaitForSingleObject(t, 5000), WAIT_OBJECT_0);
    CloseHandle(t);
}

TEST(item110_periodic_sync_timer)
{
    HANDLE t = CreateWaitableTimerA(NULL, FALSE, NULL);
    LARGE_INTEGER due = {.QuadPart = -200000}; /* 20 ms, then every 30 ms */
    ASSERT_TRUE(SetWaitableTimer(t, &due, 30, NULL, NULL, FALSE));
    expect_wait(WaitForSingleObject(t, 2000), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(t, 0), WAIT_TIMEOUT);
    expect_wait(WaitForSingleObject(t, 2000), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(t, 2000), WAIT_OBJECT_0);
    ASSERT_TRUE(CancelWaitableTimer(t));
    CloseHandle(t);
}

TEST(item111_timer_rights_and_params)
{
    HANDLE t = CreateWaitableTimerA(NULL, FALSE, "tm111");
    HANDLE s = OpenWaitableTimerA(SYNCHRONIZE, FALSE, "tm111");
    ASSERT_NOT_NULL(s);
    LARGE_INTEGER due = {.QuadPart = -1};
    POISON_LE();
    ASSERT_TRUE(!SetWaitableTimer(s, &due, 0, NULL, NULL, FALSE));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_TRUE(!CancelWaitableTimer(s));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_TRUE(!SetWaitableTimer(t, &due, -1, NULL, NULL, FALSE)); /* Windows: 87 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, NULL, NULL, TRUE)); /* no resume support */
    ASSERT_EQ_U(LE(), ERROR_NOT_SUPPORTED);
    expect_wait(WaitForSingleObject(s, 1000), WAIT_OBJECT_0);
    CloseHandle(s);
    CloseHandle(t);
}

static volatile int apc_calls;
static volatile DWORD apc_hi;
static void CALLBACK timer_apc(LPVOID arg, DWORD lo, DWORD hi)
{
    (void)lo;
    ASSERT_PTR_EQ(arg, (void *)&apc_calls);
    apc_hi = hi;
    apc_calls++;
}

TEST(timer_completion_routine_in_alertable_waits)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    LARGE_INTEGER due = {.QuadPart = -200000};
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, timer_apc, (void *)&apc_calls, FALSE));
    /* a non-alertable wait does not run it */
    expect_wait(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    ASSERT_EQ(apc_calls, 0);
    /* an alertable one does, and reports WAIT_IO_COMPLETION */
    expect_wait(SleepEx(1000, TRUE), WAIT_IO_COMPLETION);
    ASSERT_EQ(apc_calls, 1);
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    ASSERT_LE(apc_hi, ft.dwHighDateTime); /* a FILETIME of the expiry */
    ASSERT_GE(apc_hi + 1, ft.dwHighDateTime);
    expect_wait(SleepEx(0, TRUE), 0); /* once per expiry */
    /* periodic, in WaitForSingleObjectEx on an unsignalled event */
    HANDLE e = ev(FALSE, FALSE);
    ASSERT_TRUE(SetWaitableTimer(t, &due, 20, timer_apc, (void *)&apc_calls, FALSE));
    expect_wait(WaitForSingleObjectEx(e, INFINITE, TRUE), WAIT_IO_COMPLETION);
    expect_wait(WaitForMultipleObjectsEx(1, &e, FALSE, INFINITE, TRUE), WAIT_IO_COMPLETION);
    ASSERT_EQ(apc_calls, 3);
    ASSERT_TRUE(CancelWaitableTimer(t));
    expect_wait(SleepEx(60, TRUE), 0);
    ASSERT_EQ(apc_calls, 3);
    CloseHandle(e);
    CloseHandle(t);
}

TEST(item112_count_limits)
{
    HANDLE h[65];
    for (int i = 0; i < 65; i++)
        h[i] = ev(TRUE, TRUE);
    POISON_LE();
    expect_failed(WaitForMultipleObjects(0, h, FALSE, 0), ERROR_INVALID_PARAMETER);
    POISON_LE();
    expect_failed(WaitForMultipleObjects(65, h, FALSE, 0), ERROR_INVALID_PARAMETER);
    expect_wait(WaitForMultipleObjects(64, h, TRUE, 0), WAIT_OBJECT_0);
    expect_wait(WaitForMultipleObjects(64, h, FALSE, 0), WAIT_OBJECT_0);
    for (int i = 0; i < 65; i++)
        CloseHandle(h[i]);
}

TEST(item113_lowest_index_in_order)
{
    HANDLE h[64];
    h[0] = ev(TRUE, TRUE);
    for (int i = 1; i < 64; i++)
        h[i] = ev(FALSE, TRUE);
    expect_wait(WaitForMultipleObjects(64, h, FALSE, 0), 0);
    expect_wait(WaitForMultipleObjects(64, h, FALSE, 0), 0);
    ASSERT_TRUE(ResetEvent(h[0]));
    for (DWORD i = 1; i < 64; i++)
        expect_wait(WaitForMultipleObjects(64, h, FALSE, 0), i);
    expect_wait(WaitForMultipleObjects(64, h, FALSE, 0), WAIT_TIMEOUT);
    /* [40] and [63] set: 40 */
    SetEvent(h[63]);
    SetEvent(h[40]);
    expect_wait(WaitForMultipleObjects(64, h, FALSE, 0), 40);
    expect_wait(WaitForMultipleObjects(64, h, FALSE, 0), 63);
    for (int i = 0; i < 64; i++)
        CloseHandle(h[i]);
}

TEST(item114_wait_all_takes_nothing_until_all)
{
    HANDLE a = ev(FALSE, TRUE), b = ev(FALSE, FALSE);
    HANDLE s = CreateSemaphoreA(NULL, 1, 5, NULL);
    HANDLE h[3] = {a, b, s};
    expect_wait(WaitForMultipleObjects(3, h, TRUE, 30), WAIT_TIMEOUT);
    expect_wait(WaitForSingleObject(a, 0), WAIT_OBJECT_0); /* still set */
    SetEvent(a);
    SetEvent(b);
    expect_wait(WaitForMultipleObjects(3, h, TRUE, 0), WAIT_OBJECT_0);
    expect_wait(WaitForMultipleObjects(3, h, FALSE, 0), WAIT_TIMEOUT); /* all consumed */
    LONG prev;
    ASSERT_TRUE(ReleaseSemaphore(s, 1, &prev));
    ASSERT_EQ(prev, 0);
    CloseHandle(s);
    CloseHandle(b);
    CloseHandle(a);
}

TEST(item115_invalid_handle_fails_whole_wait)
{
    HANDLE e = ev(TRUE, TRUE);
    HANDLE h[2] = {e, (HANDLE)(uintptr_t)0x7ff0};
    POISON_LE();
    expect_failed(WaitForMultipleObjects(2, h, FALSE, 0), ERROR_INVALID_HANDLE);
    HANDLE closed = ev(TRUE, TRUE);
    CloseHandle(closed);
    POISON_LE();
    expect_failed(WaitForSingleObject(closed, 0), ERROR_INVALID_HANDLE);
    POISON_LE();
    expect_failed(WaitForSingleObject(NULL, 0), ERROR_INVALID_HANDLE);
    /* a handle without SYNCHRONIZE among others: 5 */
    HANDLE m = CreateEventExA(NULL, NULL, 0, EVENT_MODIFY_STATE);
    HANDLE h2[2] = {e, m};
    POISON_LE();
    expect_failed(WaitForMultipleObjects(2, h2, FALSE, 0), ERROR_ACCESS_DENIED);
    CloseHandle(m);
    CloseHandle(e);
}

TEST(item116_wait_all_duplicate)
{
    HANDLE e = ev(TRUE, TRUE);
    HANDLE h[2] = {e, e};
    POISON_LE();
    expect_failed(WaitForMultipleObjects(2, h, TRUE, 0), ERROR_INVALID_PARAMETER);
    /* two handles to one object */
    HANDLE n1 = CreateEventA(NULL, TRUE, TRUE, "ev116");
    HANDLE n2 = OpenEventA(SYNCHRONIZE, FALSE, "ev116");
    HANDLE h2[2] = {n1, n2};
    POISON_LE();
    expect_failed(WaitForMultipleObjects(2, h2, TRUE, 0), ERROR_INVALID_PARAMETER);
    /* wait-any accepts duplicates and reports the lowest index */
    expect_wait(WaitForMultipleObjects(2, h2, FALSE, 0), 0);
    CloseHandle(n2);
    CloseHandle(n1);
    CloseHandle(e);
}

TEST(item117_118_119_handle_forms)
{
    HANDLE e = ev(TRUE, TRUE);
    for (uintptr_t bits = 1; bits <= 3; bits++)
        expect_wait(WaitForSingleObject((HANDLE)((uintptr_t)e | bits), 0), WAIT_OBJECT_0);
    ULONGLONG t0 = GetTickCount64();
    expect_wait(WaitForSingleObject(GetCurrentProcess(), 100), WAIT_TIMEOUT);
    ASSERT_GE(GetTickCount64() - t0, 99);
    HANDLE h[2] = {e, GetCurrentProcess()};
    POISON_LE();
    expect_failed(WaitForMultipleObjects(2, h, FALSE, 0), ERROR_INVALID_HANDLE);
    HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    POISON_LE();
    expect_failed(WaitForSingleObject(map, 0), ERROR_ACCESS_DENIED);
    CloseHandle(map);
    CloseHandle(e);
}

TEST(item120_signal_and_wait_errors)
{
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    HANDLE e = ev(TRUE, TRUE);
    POISON_LE();
    expect_failed(SignalObjectAndWait(m, e, 0, FALSE), ERROR_NOT_OWNER);
    HANDLE s = CreateSemaphoreA(NULL, 1, 1, NULL);
    POISON_LE();
    expect_failed(SignalObjectAndWait(s, e, 0, FALSE), ERROR_TOO_MANY_POSTS);
    HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    POISON_LE();
    expect_failed(SignalObjectAndWait(map, e, 0, FALSE), ERROR_INVALID_HANDLE);
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    POISON_LE();
    expect_failed(SignalObjectAndWait(t, e, 0, FALSE), ERROR_INVALID_HANDLE);
    POISON_LE();
    expect_failed(SignalObjectAndWait(NULL, e, 0, FALSE), ERROR_INVALID_HANDLE);
    POISON_LE();
    expect_failed(SignalObjectAndWait(e, NULL, 0, FALSE), ERROR_INVALID_HANDLE);
    CloseHandle(t);
    CloseHandle(map);
    CloseHandle(s);
    CloseHandle(e);
    CloseHandle(m);
}

TEST(item121_signal_not_undone_and_same_object)
{
    HANDLE e1 = ev(FALSE, FALSE), e2 = ev(FALSE, FALSE);
    expect_wait(SignalObjectAndWait(e2, e1, 0, FALSE), WAIT_TIMEOUT);
    expect_wait(WaitForSingleObject(e2, 0), WAIT_OBJECT_0);
    /* signal and wait on the same auto event: consumed */
    expect_wait(SignalObjectAndWait(e1, e1, 0, FALSE), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(e1, 0), WAIT_TIMEOUT);
    /* an owned mutex: released and taken again */
    HANDLE m = CreateMutexA(NULL, TRUE, NULL);
    expect_wait(SignalObjectAndWait(m, m, 0, FALSE), WAIT_OBJECT_0);
    ASSERT_TRUE(ReleaseMutex(m));
    POISON_LE();
    ASSERT_TRUE(!ReleaseMutex(m));
    ASSERT_EQ_U(LE(), ERROR_NOT_OWNER);
    /* a semaphore is released by one */
    HANDLE s = CreateSemaphoreA(NULL, 0, 3, NULL);
    expect_wait(SignalObjectAndWait(s, s, 0, FALSE), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
    CloseHandle(s);
    CloseHandle(m);
    CloseHandle(e2);
    CloseHandle(e1);
}

TEST(create_open_rules_for_the_four_types)
{
    /* §2.1: 0 then 183; §2.5: parameters of the existing object kept */
    POISON_LE();
    HANDLE a = CreateEventA(NULL, TRUE, FALSE, "obj");
    ASSERT_NOT_NULL(a);
    ASSERT_EQ_U(LE(), 0);
    POISON_LE();
    HANDLE b = CreateEventA(NULL, FALSE, TRUE, "obj");
    ASSERT_NOT_NULL(b);
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    expect_wait(WaitForSingleObject(b, 0), WAIT_TIMEOUT); /* initial state ignored */
    SetEvent(b);
    expect_wait(WaitForSingleObject(b, 0), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(a, 0), WAIT_OBJECT_0); /* still manual */
    /* §2.5: another type -> 6, for creates and opens */
    POISON_LE();
    ASSERT_NULL(CreateMutexA(NULL, FALSE, "obj"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(CreateSemaphoreA(NULL, 0, 1, "obj"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, "obj"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, "obj"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    /* §2.6 */
    POISON_LE();
    ASSERT_NULL(OpenMutexA(SYNCHRONIZE, FALSE, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_NULL(OpenSemaphoreA(SYNCHRONIZE, FALSE, "nothing"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
    POISON_LE();
    ASSERT_NULL(OpenEventA(SYNCHRONIZE, FALSE, ""));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    HANDLE c = OpenEventA(SYNCHRONIZE, TRUE, "obj");
    ASSERT_NOT_NULL(c);
    ASSERT_EQ_U(LE(), 0xdeadbeef); /* Open does not touch the last error */
    DWORD f = 0;
    ASSERT_TRUE(GetHandleInformation(c, &f));
    ASSERT_EQ_U(f, HANDLE_FLAG_INHERIT);
    /* initial owner ignored on an existing mutex */
    HANDLE m = CreateMutexA(NULL, FALSE, "mtx");
    HANDLE m2 = CreateMutexA(NULL, TRUE, "mtx");
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    POISON_LE();
    ASSERT_TRUE(!ReleaseMutex(m2));
    ASSERT_EQ_U(LE(), ERROR_NOT_OWNER);
    /* wide names */
    HANDLE w = CreateSemaphoreW(NULL, 1, 1, L"Local\\sém");
    ASSERT_NOT_NULL(w);
    HANDLE w2 = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, "sém");
    ASSERT_NOT_NULL(w2);
    expect_wait(WaitForSingleObject(w2, 0), WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(w, 0), WAIT_TIMEOUT);
    /* temporary objects: gone with the last handle */
    CloseHandle(w2);
    CloseHandle(w);
    POISON_LE();
    ASSERT_NULL(OpenSemaphoreW(SYNCHRONIZE, FALSE, L"sém"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
    CloseHandle(m2);
    CloseHandle(m);
    CloseHandle(c);
    CloseHandle(b);
    CloseHandle(a);
}

static DWORD WINAPI thread_wait_event(LPVOID p)
{
    return WaitForSingleObject((HANDLE)p, INFINITE) == WAIT_OBJECT_0 ? 42 : 1;
}

static DWORD WINAPI thread_exit_early(LPVOID p)
{
    (void)p;
    ExitThread(0xC0000005);
    return 7; /* not reached */
}

static DWORD WINAPI thread_own_mutex(LPVOID p)
{
    return WaitForSingleObject((HANDLE)p, 0); /* ends owning it */
}

TEST(threads_are_waitable_with_exit_codes)
{
    HANDLE e = ev(TRUE, FALSE);
    DWORD tid = 0;
    HANDLE t = CreateThread(NULL, 0, thread_wait_event, e, 0, &tid);
    ASSERT_NOT_NULL(t);
    ASSERT_NE(tid, 0);
    ASSERT_EQ_U(GetThreadId(t), tid);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, STILL_ACTIVE);
    expect_wait(WaitForSingleObject(t, 0), WAIT_TIMEOUT);
    /* wait-any over {thread, unset event}: the thread ends when we set e */
    HANDLE u = ev(FALSE, FALSE);
    HANDLE both[2] = {u, t};
    ASSERT_TRUE(SetEvent(e));
    expect_wait(WaitForMultipleObjects(2, both, FALSE, INFINITE), WAIT_OBJECT_0 + 1);
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, 42);
    expect_wait(WaitForSingleObject(t, 0), WAIT_OBJECT_0); /* stays signalled */
    /* wait-all with an ended thread and a set event */
    ASSERT_TRUE(SetEvent(u));
    expect_wait(WaitForMultipleObjects(2, both, TRUE, 0), WAIT_OBJECT_0);
    /* ExitThread's code */
    HANDLE x = CreateThread(NULL, 0, thread_exit_early, NULL, 0, NULL);
    expect_wait(WaitForSingleObject(x, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeThread(x, &code));
    ASSERT_EQ_U(code, 0xC0000005);
    /* CREATE_SUSPENDED: nothing runs until ResumeThread */
    ASSERT_TRUE(ResetEvent(e));
    HANDLE s = CreateThread(NULL, 0, thread_wait_event, e, CREATE_SUSPENDED, NULL);
    ASSERT_TRUE(SetEvent(e));
    expect_wait(WaitForSingleObject(s, 50), WAIT_TIMEOUT);
    ASSERT_EQ_U(ResumeThread(s), 1);
    expect_wait(WaitForSingleObject(s, INFINITE), WAIT_OBJECT_0);
    ASSERT_EQ_U(ResumeThread(s), 0);
    /* a thread that ends owning a mutex abandons it */
    HANDLE m = CreateMutexA(NULL, FALSE, NULL);
    HANDLE o = CreateThread(NULL, 0, thread_own_mutex, m, 0, NULL);
    expect_wait(WaitForSingleObject(o, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeThread(o, &code));
    ASSERT_EQ_U(code, WAIT_OBJECT_0);
    expect_wait(WaitForSingleObject(m, 0), WAIT_ABANDONED);
    ASSERT_TRUE(ReleaseMutex(m));
    /* errors */
    POISON_LE();
    ASSERT_TRUE(!GetExitCodeThread(e, &code));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    HANDLE dup[2] = {t, t};
    POISON_LE();
    expect_failed(WaitForMultipleObjects(2, dup, TRUE, 0), ERROR_INVALID_PARAMETER);
    for (HANDLE *h = (HANDLE[]){m, o, s, x, u, t, e}; *h != e; h++)
        ASSERT_TRUE(CloseHandle(*h));
    ASSERT_TRUE(CloseHandle(e));
}

/* A pthread (not made by CreateThread) hands out a real handle to itself. */
struct self_dup {
    HANDLE h, ready, go;
    DWORD tid;
    BOOL ok;
};

static void *pthread_dup_self(void *p)
{
    struct self_dup *d = p;
    d->tid = GetCurrentThreadId();
    d->ok = DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &d->h, 0,
                            FALSE, DUPLICATE_SAME_ACCESS);
    SetEvent(d->ready);
    WaitForSingleObject(d->go, INFINITE);
    return NULL;
}

TEST(current_thread_duplicates_to_a_real_handle)
{
    /* §8.5: the pseudo thread handle becomes a real handle - of this thread */
    HANDLE me = GetCurrentProcess(), h = NULL;
    ASSERT_TRUE(DuplicateHandle(me, GetCurrentThread(), me, &h, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_NOT_NULL(h);
    ASSERT_EQ_U(GetThreadId(h), GetCurrentThreadId());
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeThread(h, &code));
    ASSERT_EQ_U(code, STILL_ACTIVE);
    expect_wait(WaitForSingleObject(h, 0), WAIT_TIMEOUT); /* running */
    HANDLE h2 = NULL;                                     /* the same object again */
    ASSERT_TRUE(DuplicateHandle(me, GetCurrentThread(), me, &h2, 0, FALSE, DUPLICATE_SAME_ACCESS));
    HANDLE twice[2] = {h, h2};
    POISON_LE();
    expect_failed(WaitForMultipleObjects(2, twice, TRUE, 0), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(CloseHandle(h2));
    ASSERT_TRUE(CloseHandle(h));
    DWORD f; /* real handles: closed, they are gone (a pseudo handle never is) */
    POISON_LE();
    ASSERT_TRUE(!GetHandleInformation(h, &f));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    /* another thread's handle is signalled when that thread ends */
    struct self_dup d = {.ready = ev(TRUE, FALSE), .go = ev(TRUE, FALSE)};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, pthread_dup_self, &d), 0);
    expect_wait(WaitForSingleObject(d.ready, 5000), WAIT_OBJECT_0);
    ASSERT_TRUE(d.ok);
    ASSERT_EQ_U(GetThreadId(d.h), d.tid);
    expect_wait(WaitForSingleObject(d.h, 20), WAIT_TIMEOUT);
    ASSERT_TRUE(SetEvent(d.go));
    expect_wait(WaitForSingleObject(d.h, 5000), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeThread(d.h, &code));
    ASSERT_EQ_U(code, 0);
    pthread_join(t, NULL);
    ASSERT_TRUE(CloseHandle(d.h));
    ASSERT_TRUE(CloseHandle(d.ready));
    ASSERT_TRUE(CloseHandle(d.go));
}

TEST(interlocked_helpers)
{
    volatile LONG v = 5;
    ASSERT_EQ(InterlockedIncrement(&v), 6);
    ASSERT_EQ(InterlockedDecrement(&v), 5);
    ASSERT_EQ(InterlockedExchange(&v, 9), 5);
    ASSERT_EQ(InterlockedCompareExchange(&v, 1, 9), 9);
    ASSERT_EQ(InterlockedCompareExchange(&v, 2, 9), 1);
    ASSERT_EQ(InterlockedExchangeAdd(&v, 3), 1);
    ASSERT_EQ(v, 4);
}

TEST(duplicate_handle_within_the_process)
{
    HANDLE me = GetCurrentProcess();
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, "dup");
    HANDLE d = NULL;
    /* same access, a new value, the same object */
    ASSERT_TRUE(DuplicateHandle(me, e, me, &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_NOT_NULL(d);
    ASSERT_PTR_NE(d, e);
    ASSERT_TRUE(SetEvent(d));
    expect_wait(WaitForSingleObject(e, 0), WAIT_OBJECT_0);
    /* narrower access; generic rights mapped; inherit flag from bInheritHandle only */
    HANDLE s = NULL;
    ASSERT_TRUE(DuplicateHandle(me, e, me, &s, SYNCHRONIZE, TRUE, 0));
    POISON_LE();
    ASSERT_TRUE(!SetEvent(s));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    expect_wait(WaitForSingleObject(s, 0), WAIT_OBJECT_0);
    DWORD f = 0;
    ASSERT_TRUE(GetHandleInformation(s, &f));
    ASSERT_EQ_U(f, HANDLE_FLAG_INHERIT);
    HANDLE w = NULL; /* widening back from a SYNCHRONIZE-only handle: allowed (default DACL) */
    ASSERT_TRUE(DuplicateHandle(me, s, me, &w, GENERIC_WRITE, FALSE, 0));
    ASSERT_TRUE(ResetEvent(w));
    POISON_LE();
    expect_failed(WaitForSingleObject(w, 0), ERROR_ACCESS_DENIED);
    /* PROTECT_FROM_CLOSE is not copied */
    ASSERT_TRUE(
        SetHandleInformation(e, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    HANDLE p = NULL;
    ASSERT_TRUE(DuplicateHandle(me, e, me, &p, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(GetHandleInformation(p, &f));
    ASSERT_EQ_U(f, 0);
    /* CLOSE_SOURCE: closes the source, whose value the copy gets within the
     * process; a protected source stays open, the copy is made */
    HANDLE q = NULL;
    ASSERT_TRUE(
        DuplicateHandle(me, p, me, &q, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    ASSERT_PTR_EQ(q, p); /* one handle, closed at the end (the name goes then) */
    HANDLE r = NULL;
    ASSERT_TRUE(
        DuplicateHandle(me, e, me, &r, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    ASSERT_TRUE(SetHandleInformation(e, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    /* errors: bad source, bad processes; CLOSE_SOURCE closes even when failing */
    POISON_LE();
    ASSERT_TRUE(
        !DuplicateHandle(me, (HANDLE)(uintptr_t)0x7ff0, me, &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(NULL, e, me, &d, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    HANDLE victim = NULL;
    ASSERT_TRUE(DuplicateHandle(me, e, me, &victim, 0, FALSE, DUPLICATE_SAME_ACCESS));
    /* no target process: Windows just closes the source (§8.5; Wine: FALSE, 6) */
    HANDLE none = (HANDLE)(uintptr_t)0x5678;
    ASSERT_TRUE(DuplicateHandle(me, victim, NULL, &none, 0, FALSE, DUPLICATE_CLOSE_SOURCE));
    ASSERT_NULL(none); /* no handle was made */
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(victim)); /* closed by the call */
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    /* a bad target with CLOSE_SOURCE: 6, and the source is closed all the same */
    ASSERT_TRUE(DuplicateHandle(me, e, me, &victim, 0, FALSE, DUPLICATE_SAME_ACCESS));
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(me, victim, (HANDLE)(uintptr_t)0x7ff4, &d, 0, FALSE,
                                 DUPLICATE_CLOSE_SOURCE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(victim));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    /* rights the type does not have (access ~0): 5 on Windows (§8.5) */
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(me, e, me, &d, 0xFFFFFFFFu, FALSE, 0));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    /* MAXIMUM_ALLOWED: all the type's rights, as an open gives them */
    HANDLE mx = NULL;
    ASSERT_TRUE(DuplicateHandle(me, e, me, &mx, MAXIMUM_ALLOWED, FALSE, 0));
    ASSERT_TRUE(ResetEvent(mx));
    expect_wait(WaitForSingleObject(mx, 0), WAIT_TIMEOUT);
    ASSERT_TRUE(CloseHandle(mx));
    /* a pseudo handle in WaitForMultipleObjects, even alone: 6 (§8.1, §15.2) */
    HANDLE self[1] = {GetCurrentProcess()};
    POISON_LE();
    ASSERT_EQ_U(WaitForMultipleObjects(1, self, FALSE, 0), WAIT_FAILED);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    expect_wait(WaitForSingleObject(GetCurrentProcess(), 0), WAIT_TIMEOUT);
    /* the duplicate keeps the object (and its name) alive */
    HANDLE keep = NULL;
    ASSERT_TRUE(DuplicateHandle(me, e, me, &keep, 0, FALSE, DUPLICATE_SAME_ACCESS));
    for (HANDLE *h = (HANDLE[]){d, s, w, q, r, e, NULL}; *h; h++)
        ASSERT_TRUE(CloseHandle(*h));
    HANDLE again = OpenEventA(SYNCHRONIZE, FALSE, "dup");
    ASSERT_NOT_NULL(again);
    expect_wait(WaitForSingleObject(again, 0), WAIT_TIMEOUT); /* reset through w */
    CloseHandle(again);
    CloseHandle(keep);
    POISON_LE();
    ASSERT_NULL(OpenEventA(SYNCHRONIZE, FALSE, "dup"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
}
