/*
 * test-churn.c - no starvation when processes and threads create, open,
 * wait on and close the same names as fast as they can.
 *
 * For each named type, P processes of T threads each loop over one name:
 * create, use (signal and wait, own and release, map and write, query),
 * open a second handle, close both.  Every worker must make progress every
 * second (watchdog.h); a worker stuck for longer fails the test with where
 * it was and its kernel wait channel.  The loop counts per worker are
 * printed: they are the figures the issue asks for, not pass/fail criteria.
 */
#include "harness.h"
#include "watchdog.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <windows.h>

#define PROCS 2
#define THREADS 2

enum kind { K_EVENT, K_MUTEX, K_SEMAPHORE, K_TIMER, K_MAPPING, K_JOB, K_COUNT };
static const char *const kind_name[K_COUNT] = {"event", "mutex",   "semaphore",
                                               "timer", "mapping", "job"};

struct worker {
    struct watchdog *wd;
    enum kind kind;
    int slot;
    double end_ms;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define CHECK(c, what)                                                                             \
    do {                                                                                           \
        if (!(c))                                                                                  \
            harness_fail(__FILE__, __LINE__, "%s %s: %s failed, error %lu", kind_name[w->kind],    \
                         wd_label(w->wd, w->slot), what, (unsigned long)GetLastError());           \
    } while (0)

/* One create / use / open / close round on the name of w's type. */
static void round_once(struct worker *w, const char *name)
{
    HANDLE h = NULL, h2 = NULL;
    DWORD r;
    wd_tick(w->wd, w->slot, "create");
    switch (w->kind) {
    case K_EVENT:
        CHECK((h = CreateEventA(NULL, FALSE, FALSE, name)) != NULL, "CreateEvent");
        CHECK(SetEvent(h), "SetEvent");
        wd_tick(w->wd, w->slot, "open");
        CHECK((h2 = OpenEventA(EVENT_ALL_ACCESS, FALSE, name)) != NULL, "OpenEvent");
        r = WaitForSingleObject(h2, 0);
        CHECK(r == WAIT_OBJECT_0 || r == WAIT_TIMEOUT, "WaitForSingleObject");
        break;
    case K_MUTEX: {
        CHECK((h = CreateMutexA(NULL, TRUE, name)) != NULL, "CreateMutex");
        if (GetLastError() == ERROR_ALREADY_EXISTS) { /* existing: not owned yet */
            wd_tick(w->wd, w->slot, "wait mutex");
            r = WaitForSingleObject(h, INFINITE);
            CHECK(r == WAIT_OBJECT_0, "WaitForSingleObject(mutex)");
        }
        wd_tick(w->wd, w->slot, "open");
        CHECK((h2 = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, name)) != NULL, "OpenMutex");
        CHECK(ReleaseMutex(h2), "ReleaseMutex");
        break;
    }
    case K_SEMAPHORE:
        CHECK((h = CreateSemaphoreA(NULL, 0, 100, name)) != NULL, "CreateSemaphore");
        CHECK(ReleaseSemaphore(h, 1, NULL), "ReleaseSemaphore");
        wd_tick(w->wd, w->slot, "open");
        CHECK((h2 = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, name)) != NULL, "OpenSemaphore");
        r = WaitForSingleObject(h2, 0);
        CHECK(r == WAIT_OBJECT_0 || r == WAIT_TIMEOUT, "WaitForSingleObject");
        break;
    case K_TIMER: {
        CHECK((h = CreateWaitableTimerA(NULL, TRUE, name)) != NULL, "CreateWaitableTimer");
        LARGE_INTEGER due = {.QuadPart = -1};
        CHECK(SetWaitableTimer(h, &due, 0, NULL, NULL, FALSE), "SetWaitableTimer");
        wd_tick(w->wd, w->slot, "open");
        CHECK((h2 = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, name)) != NULL,
              "OpenWaitableTimer");
        r = WaitForSingleObject(h2, 0);
        CHECK(r == WAIT_OBJECT_0 || r == WAIT_TIMEOUT, "WaitForSingleObject");
        break;
    }
    case K_MAPPING: {
        CHECK((h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536,
                                      name)) != NULL,
              "CreateFileMapping");
        wd_tick(w->wd, w->slot, "open");
        CHECK((h2 = OpenFileMappingA(FILE_MAP_WRITE, FALSE, name)) != NULL, "OpenFileMapping");
        volatile LONG *p = MapViewOfFile(h2, FILE_MAP_WRITE, 0, 0, 4096);
        CHECK(p != NULL, "MapViewOfFile");
        InterlockedIncrement(p);
        CHECK(UnmapViewOfFile((void *)p), "UnmapViewOfFile");
        break;
    }
    case K_JOB: {
        CHECK((h = CreateJobObjectA(NULL, name)) != NULL, "CreateJobObject");
        wd_tick(w->wd, w->slot, "open");
        CHECK((h2 = OpenJobObjectA(JOB_OBJECT_ALL_ACCESS, FALSE, name)) != NULL, "OpenJobObject");
        JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
        CHECK(QueryInformationJobObject(h2, JobObjectBasicAccountingInformation, &info, sizeof info,
                                        NULL),
              "QueryInformationJobObject");
        break;
    }
    default:
        break;
    }
    wd_tick(w->wd, w->slot, "close");
    CHECK(CloseHandle(h2), "CloseHandle");
    CHECK(CloseHandle(h), "CloseHandle");
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char name[64];
    snprintf(name, sizeof name, "Local\\churn-%s", kind_name[w->kind]);
    while (now_ms() < w->end_ms) {
        round_once(w, name);
        wd_round(w->wd, w->slot);
    }
    wd_leave(w->wd, w->slot);
    return NULL;
}

/* One process of the churn: THREADS workers (this thread is one). */
static void churn_process(struct watchdog *wd, enum kind k, int p, double end_ms)
{
    struct worker ws[THREADS];
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) {
        char label[48];
        snprintf(label, sizeof label, "%s process %d thread %d", kind_name[k], p, t);
        ws[t] = (struct worker){wd, k, wd_join(wd, label), end_ms};
    }
    for (int t = 1; t < THREADS; t++)
        if (pthread_create(&th[t], NULL, worker_main, &ws[t]) != 0)
            harness_fail(__FILE__, __LINE__, "pthread_create");
    worker_main(&ws[0]);
    for (int t = 1; t < THREADS; t++)
        pthread_join(th[t], NULL);
}

static int phase_ms(void)
{
    const char *s = getenv("SHMAP_CHURN_MS");
    return s && atoi(s) > 0 ? atoi(s) : 1500;
}

static void churn(enum kind k)
{
    struct watchdog *wd = wd_new(PROCS * THREADS);
    double end = now_ms() + phase_ms();
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        fflush(NULL);
        pids[p] = fork();
        ASSERT_TRUE(pids[p] >= 0);
        if (pids[p] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            churn_process(wd, k, p, end);
            exit(0); /* a normal exit: the library's exit path runs too */
        }
    }
    wd_start(wd); /* after the forks: the workers start threads (ThreadSanitizer
                   * refuses that in a child of a process with several threads) */
    for (int p = 0; p < PROCS; p++)
        expect_exit(pids[p], 0, 60);
    wd_stop(wd);
    fprintf(stderr, "%s loops:", kind_name[k]);
    for (int s = 0; s < wd_slots_used(wd); s++) {
        uint64_t c = wd_rounds(wd, s);
        fprintf(stderr, " %llu", (unsigned long long)c);
        ASSERT_GT(c, 0);
    }
    fprintf(stderr, " (per worker: %d processes x %d threads)\n", PROCS, THREADS);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(churn_event_no_starvation)
{
    churn(K_EVENT);
}
TEST(churn_mutex_no_starvation)
{
    churn(K_MUTEX);
}
TEST(churn_semaphore_no_starvation)
{
    churn(K_SEMAPHORE);
}
TEST(churn_timer_no_starvation)
{
    churn(K_TIMER);
}
TEST(churn_mapping_no_starvation)
{
    churn(K_MAPPING);
}
TEST(churn_job_no_starvation)
{
    churn(K_JOB);
}
