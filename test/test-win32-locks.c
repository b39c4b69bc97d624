/*
 * test-win32-locks.c - synchronisation within a process through the Win32
 * face: critical sections, SRW locks, condition variables, InitOnce and
 * WaitOnAddress.  Every test that could hang runs its threads under the
 * watchdog; pass/fail never depends on timing except "a timeout returns".
 */
#include "harness.h"
#include "watchdog.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <windows.h>

#define LE() GetLastError()
#define POISON_LE() SetLastError(0xdeadbeef)

static struct watchdog *wd;

static void wd_begin(int n)
{
    wd = wd_new(n);
    wd_start(wd);
}

/* Start n threads running fn(arg i), then join them. */
struct worker {
    pthread_t t;
    void *(*fn)(void *);
    void *arg;
    int id;
};
static void run_threads(int n, void *(*fn)(void *), struct worker *w)
{
    for (int i = 0; i < n; i++) {
        w[i].id = i;
        ASSERT_EQ(pthread_create(&w[i].t, NULL, fn, &w[i]), 0);
    }
    for (int i = 0; i < n; i++)
        ASSERT_EQ(pthread_join(w[i].t, NULL), 0);
}

/* ---- critical sections ---- */

#define CS_THREADS 4
#define CS_ROUNDS 20000
static CRITICAL_SECTION g_cs;
static volatile long g_counter;

static void *cs_worker(void *p)
{
    struct worker *w = p;
    int s = wd_join(wd, "cs worker");
    for (int i = 0; i < CS_ROUNDS; i++) {
        if (i % 256 == 0)
            wd_tick(wd, s, "enter");
        EnterCriticalSection(&g_cs);
        if (w->id == 0)
            EnterCriticalSection(&g_cs); /* recursion in the loop too */
        long v = g_counter;              /* not atomic: only the lock protects it */
        if ((i & 63) == 0)
            sched_yield();
        g_counter = v + 1;
        if (w->id == 0)
            LeaveCriticalSection(&g_cs);
        LeaveCriticalSection(&g_cs);
    }
    wd_leave(wd, s);
    return NULL;
}

TEST(cs_mutual_exclusion)
{
    struct worker w[CS_THREADS];
    InitializeCriticalSectionAndSpinCount(&g_cs, 100);
    wd_begin(CS_THREADS);
    g_counter = 0;
    run_threads(CS_THREADS, cs_worker, w);
    wd_stop(wd);
    ASSERT_EQ(g_counter, (long)CS_THREADS * CS_ROUNDS);
    ASSERT_EQ(g_cs.RecursionCount, 0);
    ASSERT_NULL(g_cs.OwningThread);
    DeleteCriticalSection(&g_cs);
}

static void *try_enter_main(void *p)
{
    CRITICAL_SECTION *cs = p;
    BOOL got = TryEnterCriticalSection(cs);
    if (got)
        LeaveCriticalSection(cs);
    return (void *)(intptr_t)got;
}
static BOOL try_from_other_thread(CRITICAL_SECTION *cs)
{
    pthread_t t;
    void *r;
    ASSERT_EQ(pthread_create(&t, NULL, try_enter_main, cs), 0);
    ASSERT_EQ(pthread_join(t, &r), 0);
    return (BOOL)(intptr_t)r;
}

TEST(cs_recursion_and_try_enter)
{
    CRITICAL_SECTION cs;
    InitializeCriticalSection(&cs);
    EnterCriticalSection(&cs);
    EnterCriticalSection(&cs);
    ASSERT_TRUE(TryEnterCriticalSection(&cs)); /* the owner re-enters */
    ASSERT_EQ(cs.RecursionCount, 3);
    ASSERT_PTR_EQ(cs.OwningThread, (HANDLE)(uintptr_t)GetCurrentThreadId());
    ASSERT_EQ(try_from_other_thread(&cs), FALSE);
    LeaveCriticalSection(&cs);
    LeaveCriticalSection(&cs);
    ASSERT_EQ(cs.RecursionCount, 1);
    ASSERT_EQ(try_from_other_thread(&cs), FALSE); /* still held once */
    LeaveCriticalSection(&cs);
    ASSERT_EQ(try_from_other_thread(&cs), TRUE);
    ASSERT_TRUE(TryEnterCriticalSection(&cs));
    LeaveCriticalSection(&cs);
    DeleteCriticalSection(&cs);
}

TEST(cs_layout_and_spin_count)
{
    CRITICAL_SECTION cs;
    ASSERT_EQ(sizeof(CRITICAL_SECTION), sizeof(void *) == 8 ? 40 : 24);
    ASSERT_EQ(sizeof(SRWLOCK), sizeof(void *));
    ASSERT_EQ(sizeof(CONDITION_VARIABLE), sizeof(void *));
    ASSERT_EQ(sizeof(INIT_ONCE), sizeof(void *));
    ASSERT_TRUE(InitializeCriticalSectionAndSpinCount(&cs, 4000));
    ASSERT_EQ(SetCriticalSectionSpinCount(&cs, 100), 4000);
    ASSERT_EQ(SetCriticalSectionSpinCount(&cs, 0), 100);
    ASSERT_EQ(SetCriticalSectionSpinCount(&cs, 7), 0);
    DeleteCriticalSection(&cs);
    ASSERT_TRUE(InitializeCriticalSectionEx(&cs, 10, CRITICAL_SECTION_NO_DEBUG_INFO));
    ASSERT_EQ(SetCriticalSectionSpinCount(&cs, 1), 10);
    EnterCriticalSection(&cs);
    LeaveCriticalSection(&cs);
    DeleteCriticalSection(&cs);
    POISON_LE();
    ASSERT_EQ(InitializeCriticalSectionEx(&cs, 0, 0x1), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(InitializeCriticalSectionEx(&cs, 0x01000000, 0), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
}

/* Fork: a lock held at the fork stays held in the child (its owner, even
 * the forking thread, is not a thread of the child); a free one is free. */
static int child_status(pid_t pid)
{
    int st = 0;
    ASSERT_EQ(waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st));
    return WEXITSTATUS(st);
}

TEST(cs_fork_child)
{
    CRITICAL_SECTION held, free_cs;
    SRWLOCK srw = SRWLOCK_INIT;
    InitializeCriticalSection(&held);
    InitializeCriticalSection(&free_cs);
    EnterCriticalSection(&held);
    AcquireSRWLockExclusive(&srw);
    pid_t pid = fork();
    ASSERT_NE(pid, -1);
    if (pid == 0) {
        int bad = 0;
        bad |= TryEnterCriticalSection(&held) ? 1 : 0;
        bad |= TryAcquireSRWLockShared(&srw) ? 2 : 0;
        if (TryEnterCriticalSection(&free_cs))
            LeaveCriticalSection(&free_cs);
        else
            bad |= 4;
        EnterCriticalSection(&free_cs);
        LeaveCriticalSection(&free_cs);
        _exit(bad);
    }
    ASSERT_EQ(child_status(pid), 0);
    ReleaseSRWLockExclusive(&srw);
    LeaveCriticalSection(&held);
    DeleteCriticalSection(&held);
    DeleteCriticalSection(&free_cs);
}

/* ---- SRW locks ---- */

static SRWLOCK g_srw = SRWLOCK_INIT;
static _Atomic int g_inside;

static void *srw_reader_together(void *p)
{
    (void)p;
    int s = wd_join(wd, "srw reader");
    AcquireSRWLockShared(&g_srw);
    atomic_fetch_add(&g_inside, 1);
    /* Both readers hold it at once: each waits here for the other. */
    while (atomic_load(&g_inside) < 2) {
        wd_tick(wd, s, "wait for the other reader");
        Sleep(1);
    }
    ReleaseSRWLockShared(&g_srw);
    wd_leave(wd, s);
    return NULL;
}

TEST(srw_readers_together_writer_excluded)
{
    struct worker w[2];
    InitializeSRWLock(&g_srw);
    ASSERT_NULL(g_srw.Ptr);
    wd_begin(2);
    atomic_store(&g_inside, 0);
    run_threads(2, srw_reader_together, w);
    wd_stop(wd);
    ASSERT_EQ(atomic_load(&g_inside), 2);

    AcquireSRWLockShared(&g_srw);
    ASSERT_TRUE(TryAcquireSRWLockShared(&g_srw));
    ASSERT_EQ(TryAcquireSRWLockExclusive(&g_srw), FALSE);
    ReleaseSRWLockShared(&g_srw);
    ASSERT_EQ(TryAcquireSRWLockExclusive(&g_srw), FALSE);
    ReleaseSRWLockShared(&g_srw);
    ASSERT_TRUE(TryAcquireSRWLockExclusive(&g_srw));
    ASSERT_EQ(TryAcquireSRWLockShared(&g_srw), FALSE);
    ASSERT_EQ(TryAcquireSRWLockExclusive(&g_srw), FALSE);
    ReleaseSRWLockExclusive(&g_srw);
    ASSERT_NULL(g_srw.Ptr); /* free again: zero */
}

#define SRW_ROUNDS 20000
static volatile long g_pair[2];
static _Atomic int g_torn;

static void *srw_mixed(void *p)
{
    struct worker *w = p;
    int s = wd_join(wd, w->id & 1 ? "srw reader" : "srw writer");
    for (int i = 0; i < SRW_ROUNDS; i++) {
        if (i % 256 == 0)
            wd_tick(wd, s, "acquire");
        if (w->id & 1) {
            AcquireSRWLockShared(&g_srw);
            if (g_pair[0] != g_pair[1])
                atomic_fetch_add(&g_torn, 1);
            ReleaseSRWLockShared(&g_srw);
        } else {
            AcquireSRWLockExclusive(&g_srw);
            long v = g_pair[0];
            if ((i & 63) == 0)
                sched_yield();
            g_pair[0] = v + 1;
            g_pair[1] = v + 1;
            ReleaseSRWLockExclusive(&g_srw);
        }
    }
    wd_leave(wd, s);
    return NULL;
}

TEST(srw_contention_exact)
{
    struct worker w[4];
    InitializeSRWLock(&g_srw);
    g_pair[0] = g_pair[1] = 0;
    atomic_store(&g_torn, 0);
    wd_begin(4);
    run_threads(4, srw_mixed, w);
    wd_stop(wd);
    ASSERT_EQ(g_pair[0], 2L * SRW_ROUNDS);
    ASSERT_EQ(g_pair[1], 2L * SRW_ROUNDS);
    ASSERT_EQ(atomic_load(&g_torn), 0);
    ASSERT_NULL(g_srw.Ptr);
}

/* ---- condition variables ---- */

#define QCAP 4
#define ITEMS 5000
#define PRODUCERS 2
#define CONSUMERS 2
static struct {
    int use_srw;
    CRITICAL_SECTION cs;
    SRWLOCK srw;
    CONDITION_VARIABLE not_empty, not_full;
    long q[QCAP];
    int head, count;
    long consumed, sum;
} g_q;

static void q_lock(void)
{
    if (g_q.use_srw)
        AcquireSRWLockExclusive(&g_q.srw);
    else
        EnterCriticalSection(&g_q.cs);
}
static void q_unlock(void)
{
    if (g_q.use_srw)
        ReleaseSRWLockExclusive(&g_q.srw);
    else
        LeaveCriticalSection(&g_q.cs);
}
static void q_sleep(CONDITION_VARIABLE *cv)
{
    BOOL ok = g_q.use_srw ? SleepConditionVariableSRW(cv, &g_q.srw, INFINITE, 0)
                          : SleepConditionVariableCS(cv, &g_q.cs, INFINITE);
    ASSERT_TRUE(ok);
}

static void *producer(void *p)
{
    struct worker *w = p;
    int s = wd_join(wd, "producer");
    for (long i = 1; i <= ITEMS; i++) {
        wd_tick(wd, s, "put");
        q_lock();
        while (g_q.count == QCAP)
            q_sleep(&g_q.not_full);
        g_q.q[(g_q.head + g_q.count++) % QCAP] = i + (long)w->id * ITEMS;
        q_unlock();
        WakeConditionVariable(&g_q.not_empty);
    }
    wd_leave(wd, s);
    return NULL;
}

static void *consumer(void *p)
{
    (void)p;
    int s = wd_join(wd, "consumer");
    for (;;) {
        wd_tick(wd, s, "get");
        q_lock();
        while (g_q.count == 0 && g_q.consumed < (long)PRODUCERS * ITEMS)
            q_sleep(&g_q.not_empty);
        if (g_q.count == 0) { /* all consumed */
            q_unlock();
            break;
        }
        g_q.sum += g_q.q[g_q.head];
        g_q.head = (g_q.head + 1) % QCAP;
        g_q.count--;
        int last = ++g_q.consumed == (long)PRODUCERS * ITEMS;
        q_unlock();
        WakeConditionVariable(&g_q.not_full);
        if (last)
            WakeAllConditionVariable(&g_q.not_empty);
    }
    wd_leave(wd, s);
    return NULL;
}

static void producer_consumer(int use_srw)
{
    struct worker w[PRODUCERS + CONSUMERS];
    memset(&g_q, 0, sizeof g_q);
    g_q.use_srw = use_srw;
    InitializeCriticalSection(&g_q.cs);
    InitializeSRWLock(&g_q.srw);
    InitializeConditionVariable(&g_q.not_empty);
    InitializeConditionVariable(&g_q.not_full);
    wd_begin(PRODUCERS + CONSUMERS);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
        w[i].id = i;
        ASSERT_EQ(pthread_create(&w[i].t, NULL, i < PRODUCERS ? producer : consumer, &w[i]), 0);
    }
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
        ASSERT_EQ(pthread_join(w[i].t, NULL), 0);
    wd_stop(wd);
    long n = (long)PRODUCERS * ITEMS;
    ASSERT_EQ(g_q.consumed, n);
    ASSERT_EQ(g_q.sum, n * (n + 1) / 2);
    ASSERT_EQ(g_q.count, 0);
    DeleteCriticalSection(&g_q.cs);
}

TEST(cond_producer_consumer_cs)
{
    producer_consumer(0);
}

TEST(cond_producer_consumer_srw)
{
    producer_consumer(1);
}

TEST(cond_timeout_keeps_the_lock)
{
    CRITICAL_SECTION cs;
    CONDITION_VARIABLE cv = CONDITION_VARIABLE_INIT;
    InitializeCriticalSection(&cs);
    EnterCriticalSection(&cs);
    EnterCriticalSection(&cs);
    POISON_LE();
    ASSERT_EQ(SleepConditionVariableCS(&cv, &cs, 30), FALSE);
    ASSERT_EQ_U(LE(), ERROR_TIMEOUT);
    ASSERT_EQ(cs.RecursionCount, 2);
    ASSERT_EQ(try_from_other_thread(&cs), FALSE);
    LeaveCriticalSection(&cs);
    LeaveCriticalSection(&cs);
    ASSERT_EQ(try_from_other_thread(&cs), TRUE);
    DeleteCriticalSection(&cs);

    SRWLOCK l = SRWLOCK_INIT;
    AcquireSRWLockShared(&l);
    POISON_LE();
    ASSERT_EQ(SleepConditionVariableSRW(&cv, &l, 30, CONDITION_VARIABLE_LOCKMODE_SHARED), FALSE);
    ASSERT_EQ_U(LE(), ERROR_TIMEOUT);
    ASSERT_EQ(TryAcquireSRWLockExclusive(&l), FALSE); /* held shared again */
    ReleaseSRWLockShared(&l);
    AcquireSRWLockExclusive(&l);
    POISON_LE();
    ASSERT_EQ(SleepConditionVariableSRW(&cv, &l, 30, 0), FALSE);
    ASSERT_EQ_U(LE(), ERROR_TIMEOUT);
    ASSERT_EQ(TryAcquireSRWLockShared(&l), FALSE); /* held exclusive again */
    POISON_LE();
    ASSERT_EQ(SleepConditionVariableSRW(&cv, &l, 30, 2), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ReleaseSRWLockExclusive(&l);
}

/* ---- one-time initialisation ---- */

#define ONCE_THREADS 8
static INIT_ONCE g_once = INIT_ONCE_STATIC_INIT;
static _Atomic int g_calls, g_ready;
static int g_ctx_target;
static void *g_ctx_seen[ONCE_THREADS];

static BOOL CALLBACK once_cb(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    ASSERT_PTR_EQ(once, &g_once);
    ASSERT_PTR_EQ(param, &g_ctx_target);
    atomic_fetch_add(&g_calls, 1);
    Sleep(20); /* let the others arrive and wait (not asserted on) */
    *ctx = &g_ctx_target;
    return TRUE;
}

static void *once_racer(void *p)
{
    struct worker *w = p;
    int s = wd_join(wd, "once racer");
    atomic_fetch_add(&g_ready, 1);
    while (atomic_load(&g_ready) < ONCE_THREADS)
        wd_tick(wd, s, "start line");
    void *ctx = NULL;
    ASSERT_TRUE(InitOnceExecuteOnce(&g_once, once_cb, &g_ctx_target, &ctx));
    g_ctx_seen[w->id] = ctx;
    wd_leave(wd, s);
    return NULL;
}

TEST(once_racing_threads_run_it_once)
{
    struct worker w[ONCE_THREADS];
    wd_begin(ONCE_THREADS);
    run_threads(ONCE_THREADS, once_racer, w);
    wd_stop(wd);
    ASSERT_EQ(atomic_load(&g_calls), 1);
    for (int i = 0; i < ONCE_THREADS; i++)
        ASSERT_PTR_EQ(g_ctx_seen[i], &g_ctx_target);
    BOOL pending = TRUE;
    void *ctx = NULL;
    ASSERT_TRUE(InitOnceBeginInitialize(&g_once, INIT_ONCE_CHECK_ONLY, &pending, &ctx));
    ASSERT_EQ(pending, FALSE);
    ASSERT_PTR_EQ(ctx, &g_ctx_target);
}

static int g_fail_first;
static BOOL CALLBACK flaky_cb(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once;
    atomic_fetch_add(&g_calls, 1);
    if (g_fail_first-- > 0) {
        SetLastError(ERROR_INVALID_DATA);
        return FALSE;
    }
    *ctx = param;
    return TRUE;
}

TEST(once_failure_then_retry)
{
    INIT_ONCE once;
    InitOnceInitialize(&once);
    atomic_store(&g_calls, 0);
    g_fail_first = 1;
    void *ctx = (void *)1;
    int param = 0;
    POISON_LE();
    ASSERT_EQ(InitOnceExecuteOnce(&once, flaky_cb, &param, &ctx), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_DATA);
    ASSERT_PTR_EQ(ctx, (void *)1); /* not written on failure */
    ASSERT_EQ(atomic_load(&g_calls), 1);
    BOOL pending;
    POISON_LE();
    ASSERT_EQ(InitOnceBeginInitialize(&once, INIT_ONCE_CHECK_ONLY, &pending, &ctx), FALSE);
    ASSERT_EQ_U(LE(), ERROR_GEN_FAILURE);
    ASSERT_TRUE(InitOnceExecuteOnce(&once, flaky_cb, &param, &ctx));
    ASSERT_PTR_EQ(ctx, &param);
    ASSERT_EQ(atomic_load(&g_calls), 2);
    ASSERT_TRUE(InitOnceExecuteOnce(&once, flaky_cb, &param, NULL));
    ASSERT_EQ(atomic_load(&g_calls), 2);
}

static INIT_ONCE g_once2;
static void *once_begin_waiter(void *p)
{
    (void)p;
    BOOL pending = TRUE;
    void *ctx = NULL;
    int s = wd_join(wd, "begin waiter");
    ASSERT_TRUE(InitOnceBeginInitialize(&g_once2, 0, &pending, &ctx)); /* waits */
    ASSERT_EQ(pending, FALSE);
    ASSERT_PTR_EQ(ctx, &g_ctx_target);
    wd_leave(wd, s);
    return NULL;
}

TEST(once_begin_complete_sync)
{
    BOOL pending = FALSE;
    void *ctx = NULL;
    InitOnceInitialize(&g_once2);
    ASSERT_TRUE(InitOnceBeginInitialize(&g_once2, 0, &pending, &ctx));
    ASSERT_EQ(pending, TRUE);
    POISON_LE();
    ASSERT_EQ(InitOnceBeginInitialize(&g_once2, INIT_ONCE_CHECK_ONLY, &pending, &ctx), FALSE);
    ASSERT_EQ_U(LE(), ERROR_GEN_FAILURE);
    POISON_LE();
    ASSERT_EQ(InitOnceBeginInitialize(&g_once2, INIT_ONCE_ASYNC, &pending, &ctx), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(InitOnceBeginInitialize(&g_once2, 0x8, &pending, &ctx), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(InitOnceComplete(&g_once2, INIT_ONCE_ASYNC, &g_ctx_target), FALSE);
    ASSERT_EQ_U(LE(), ERROR_GEN_FAILURE);
    POISON_LE();
    ASSERT_EQ(InitOnceComplete(&g_once2, 0, (char *)&g_ctx_target + 1), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(InitOnceComplete(&g_once2, INIT_ONCE_INIT_FAILED, &g_ctx_target), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);

    struct worker w[2];
    wd_begin(2);
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(pthread_create(&w[i].t, NULL, once_begin_waiter, NULL), 0);
    Sleep(20); /* the waiters may or may not sleep by now: either way they must see it done */
    ASSERT_TRUE(InitOnceComplete(&g_once2, 0, &g_ctx_target));
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(pthread_join(w[i].t, NULL), 0);
    wd_stop(wd);

    POISON_LE();
    ASSERT_EQ(InitOnceComplete(&g_once2, 0, &g_ctx_target), FALSE);
    ASSERT_EQ_U(LE(), ERROR_GEN_FAILURE);
    ASSERT_TRUE(InitOnceBeginInitialize(&g_once2, INIT_ONCE_CHECK_ONLY, &pending, &ctx));
    ASSERT_EQ(pending, FALSE);
    ASSERT_PTR_EQ(ctx, &g_ctx_target);

    /* A failed synchronous attempt returns it to the start. */
    INIT_ONCE o = INIT_ONCE_STATIC_INIT;
    ASSERT_TRUE(InitOnceBeginInitialize(&o, 0, &pending, NULL));
    ASSERT_EQ(pending, TRUE);
    ASSERT_TRUE(InitOnceComplete(&o, INIT_ONCE_INIT_FAILED, NULL));
    pending = FALSE;
    ASSERT_TRUE(InitOnceBeginInitialize(&o, 0, &pending, NULL));
    ASSERT_EQ(pending, TRUE);
    ASSERT_TRUE(InitOnceComplete(&o, 0, NULL));
    ctx = &o;
    ASSERT_TRUE(InitOnceBeginInitialize(&o, 0, &pending, &ctx));
    ASSERT_EQ(pending, FALSE);
    ASSERT_NULL(ctx);
}

TEST(once_begin_complete_async)
{
    INIT_ONCE o = INIT_ONCE_STATIC_INIT;
    BOOL p1 = FALSE, p2 = FALSE, pending;
    int a, b;
    void *ctx = NULL;
    POISON_LE();
    ASSERT_EQ(InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC | INIT_ONCE_CHECK_ONLY, &pending, &ctx),
              FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, NULL, &ctx), FALSE);
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    ASSERT_TRUE(InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, &p1, NULL));
    ASSERT_TRUE(InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, &p2, NULL));
    ASSERT_EQ(p1, TRUE);
    ASSERT_EQ(p2, TRUE);
    POISON_LE();
    ASSERT_EQ(InitOnceBeginInitialize(&o, 0, &pending, &ctx), FALSE); /* a sync begin */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(InitOnceComplete(&o, 0, &a), FALSE); /* a sync complete */
    ASSERT_EQ_U(LE(), ERROR_GEN_FAILURE);
    POISON_LE();
    ASSERT_EQ(InitOnceComplete(&o, INIT_ONCE_ASYNC | INIT_ONCE_INIT_FAILED, NULL), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(InitOnceComplete(&o, INIT_ONCE_ASYNC, &a)); /* the first one wins */
    POISON_LE();
    ASSERT_EQ(InitOnceComplete(&o, INIT_ONCE_ASYNC, &b), FALSE);
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    ASSERT_TRUE(InitOnceBeginInitialize(&o, INIT_ONCE_ASYNC, &pending, &ctx));
    ASSERT_EQ(pending, FALSE);
    ASSERT_PTR_EQ(ctx, &a);
    ctx = NULL;
    ASSERT_TRUE(InitOnceBeginInitialize(&o, 0, &pending, &ctx));
    ASSERT_EQ(pending, FALSE);
    ASSERT_PTR_EQ(ctx, &a);
}

/* ---- WaitOnAddress ---- */

TEST(wait_address_mismatch_returns_at_once)
{
    uint8_t b = 1, cb = 2;
    uint16_t h = 1, ch = 0x101;
    uint32_t w = 1, cw = 0x10001;
    uint64_t q = 1, cq = 0x100000001ull;
    /* INFINITE: a wrong comparison would hang (the test's timeout fails it). */
    ASSERT_TRUE(WaitOnAddress(&b, &cb, 1, INFINITE));
    ASSERT_TRUE(WaitOnAddress(&h, &ch, 2, INFINITE));
    ASSERT_TRUE(WaitOnAddress(&w, &cw, 4, INFINITE));
    ASSERT_TRUE(WaitOnAddress(&q, &cq, 8, INFINITE));
}

TEST(wait_address_timeout_and_bad_size)
{
    uint8_t b = 7;
    uint64_t q = 0x123456789ull;
    POISON_LE();
    ASSERT_EQ(WaitOnAddress(&b, &b, 1, 30), FALSE);
    ASSERT_EQ_U(LE(), ERROR_TIMEOUT);
    uint64_t cq = q;
    POISON_LE();
    ASSERT_EQ(WaitOnAddress(&q, &cq, 8, 0), FALSE);
    ASSERT_EQ_U(LE(), ERROR_TIMEOUT);
    POISON_LE();
    ASSERT_EQ(WaitOnAddress(&q, &cq, 3, 0), FALSE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_EQ(WaitOnAddress(NULL, &cq, 8, 0), FALSE);
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_EQ(WaitOnAddress(&q, NULL, 8, 0), FALSE);
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
}

static volatile uint64_t g_addr64;
static volatile uint16_t g_addr16;
static _Atomic int g_woken;

static void *addr_waiter64(void *p)
{
    (void)p;
    int s = wd_join(wd, "wait 64");
    uint64_t zero = 0;
    while (g_addr64 == 0) {
        wd_tick(wd, s, "WaitOnAddress 8");
        WaitOnAddress(&g_addr64, &zero, 8, INFINITE);
    }
    atomic_fetch_add(&g_woken, 1);
    wd_leave(wd, s);
    return NULL;
}

static void *addr_waiter16(void *p)
{
    (void)p;
    int s = wd_join(wd, "wait 16");
    uint16_t zero = 0;
    while (g_addr16 == 0) {
        wd_tick(wd, s, "WaitOnAddress 2");
        WaitOnAddress(&g_addr16, &zero, 2, INFINITE);
    }
    atomic_fetch_add(&g_woken, 1);
    wd_leave(wd, s);
    return NULL;
}

TEST(wait_address_wake_single)
{
    struct worker w;
    g_addr64 = 0;
    atomic_store(&g_woken, 0);
    wd_begin(1);
    ASSERT_EQ(pthread_create(&w.t, NULL, addr_waiter64, NULL), 0);
    Sleep(20);             /* asleep or not yet: either way it must end */
    g_addr64 = 1ull << 40; /* only the upper half changes */
    WakeByAddressSingle((PVOID)&g_addr64);
    ASSERT_EQ(pthread_join(w.t, NULL), 0);
    wd_stop(wd);
    ASSERT_EQ(atomic_load(&g_woken), 1);
}

TEST(wait_address_wake_all)
{
    struct worker w[4];
    g_addr16 = 0;
    atomic_store(&g_woken, 0);
    wd_begin(4);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(pthread_create(&w[i].t, NULL, addr_waiter16, NULL), 0);
    Sleep(20);
    g_addr16 = 1;
    WakeByAddressAll((PVOID)&g_addr16);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(pthread_join(w[i].t, NULL), 0);
    wd_stop(wd);
    ASSERT_EQ(atomic_load(&g_woken), 4);
}
