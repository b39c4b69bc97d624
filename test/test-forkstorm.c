/*
 * test-forkstorm.c - fork() while other threads are anywhere inside the
 * library gives a child that can use the library at once.
 *
 * Hundreds of forks while threads map, protect, flush and unmap views,
 * create, open, wait on and close every named type, duplicate handles and
 * start processes with inherited handles; and forks in a child of
 * CreateProcess while another of its threads takes its inherited handles
 * in.  Every fork child uses the library (names, views, duplicates) and
 * exits; one that has not finished after 10 s fails the test (it is stuck
 * in a lock its parent's threads held at the fork).  The working threads
 * are watched (watchdog.h).
 */
#include "harness.h"
#include "watchdog.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <windows.h>

#define CHILD_LIMIT_S 10

/* The sanitizers' runtimes of Debian 12 do not take their allocator's locks
 * across fork: a fork child stayed for ever in the ASan allocator's mutex
 * (gdb: __sanitizer::Mutex::Lock under asan_calloc, called by glibc's
 * pthread_getattr_np in the child), another in futex_do_wait under TSan, in
 * about 1 CI run of 4, whenever another thread was allocating at the fork.
 * glibc's own malloc is fork-safe: these tests run in the ordinary build. */
static void skip_under_sanitizers(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    SKIP("the sanitizer's allocator is not fork-safe in a process with threads");
#endif
}

static _Atomic int stop;

#define WCHECK(c, what)                                                                            \
    do {                                                                                           \
        if (!(c))                                                                                  \
            harness_fail(__FILE__, __LINE__, "%s failed, error %lu", what,                         \
                         (unsigned long)GetLastError());                                           \
    } while (0)

/* What every fork child does before it exits: each part of the library. */
static int child_work(int i)
{
    char name[64];
    snprintf(name, sizeof name, "Local\\fork-child-%d-%d", (int)getpid(), i);
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, name);
    if (!e || !SetEvent(e) || WaitForSingleObject(e, 0) != WAIT_OBJECT_0)
        return 10;
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 1 << 20, NULL);
    char *p = m ? MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) : NULL;
    if (!p)
        return 11;
    p[4096] = 1;
    DWORD old;
    if (!VirtualProtect(p, 4096, PAGE_READONLY, &old) || !UnmapViewOfFile(p))
        return 12;
    HANDLE d = NULL;
    if (!DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &d, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
        return 13;
    HANDLE mx = CreateMutexA(NULL, TRUE, NULL);
    if (!mx || !ReleaseMutex(mx))
        return 14;
    if (!CloseHandle(d) || !CloseHandle(e) || !CloseHandle(m) || !CloseHandle(mx))
        return 15;
    return 0;
}

/* Wait for a fork child for CHILD_LIMIT_S at most: 0 if it exited 0. */
static int reap_child(pid_t pid, char *why, size_t n)
{
    for (int ms = 0; ms < CHILD_LIMIT_S * 1000; ms++) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 0;
            snprintf(why, n, "fork child %d ended with status 0x%x", (int)pid, st);
            return 1;
        }
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    char path[64], wchan[64] = "?";
    snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
    FILE *f = fopen(path, "r");
    if (f) {
        size_t len = fread(wchan, 1, sizeof wchan - 1, f);
        wchan[len] = 0;
        fclose(f);
    }
    char cmd[160]; /* where it is stuck, if gdb is here */
    snprintf(cmd, sizeof cmd,
             "gdb -q -batch -p %d -ex 'thread apply all bt' 2>/dev/null | grep '^#' >&2", (int)pid);
    if (system(cmd) != 0)
        fprintf(stderr, "(no stack: gdb is not here)\n");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    snprintf(why, n, "fork child %d still running after %d s (wait channel %s)", (int)pid,
             CHILD_LIMIT_S, wchan);
    return 1;
}

static pid_t fork_one(int i)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_work(i)); /* (exit() too: the storm below) */
    return pid;
}

/* ---- the threads of the storm ----------------------------------------------------- */

struct ctx {
    struct watchdog *wd;
};

static void *views_thread(void *arg)
{
    struct ctx *c = arg;
    int s = wd_join(c->wd, "views thread");
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 16 << 20, NULL);
    WCHECK(m, "CreateFileMapping 16 MiB");
    while (!atomic_load(&stop)) {
        wd_tick(c->wd, s, "MapViewOfFile");
        char *p = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
        WCHECK(p, "MapViewOfFile");
        p[0] = 1;
        DWORD old;
        wd_tick(c->wd, s, "VirtualProtect");
        WCHECK(VirtualProtect(p, 1 << 20, PAGE_READONLY, &old), "VirtualProtect");
        WCHECK(VirtualProtect(p, 1 << 20, PAGE_READWRITE, &old), "VirtualProtect");
        wd_tick(c->wd, s, "FlushViewOfFile");
        WCHECK(FlushViewOfFile(p, 4096), "FlushViewOfFile");
        wd_tick(c->wd, s, "UnmapViewOfFile");
        WCHECK(UnmapViewOfFile(p), "UnmapViewOfFile");
    }
    CloseHandle(m);
    wd_leave(c->wd, s);
    return NULL;
}

static void *named_thread(void *arg)
{
    struct ctx *c = arg;
    int s = wd_join(c->wd, "named thread");
    for (unsigned i = 0; !atomic_load(&stop); i++) {
        HANDLE h = NULL, h2 = NULL;
        wd_tick(c->wd, s, "create");
        switch (i % 6) {
        case 0:
            h = CreateEventA(NULL, FALSE, TRUE, "Local\\storm-event");
            h2 = OpenEventA(EVENT_ALL_ACCESS, FALSE, "Local\\storm-event");
            break;
        case 1:
            h = CreateMutexA(NULL, FALSE, "Local\\storm-mutex");
            h2 = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, "Local\\storm-mutex");
            break;
        case 2:
            h = CreateSemaphoreA(NULL, 1, 1, "Local\\storm-sem");
            h2 = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, "Local\\storm-sem");
            break;
        case 3:
            h = CreateWaitableTimerA(NULL, TRUE, "Local\\storm-timer");
            h2 = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, "Local\\storm-timer");
            break;
        case 4:
            h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536,
                                   "Local\\storm-map");
            h2 = OpenFileMappingA(FILE_MAP_READ, FALSE, "Local\\storm-map");
            break;
        case 5:
            h = CreateJobObjectA(NULL, "Local\\storm-job");
            h2 = OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "Local\\storm-job");
            break;
        }
        WCHECK(h && h2, "create/open");
        wd_tick(c->wd, s, "wait");
        if (i % 6 < 3) {
            DWORD r = WaitForSingleObject(h2, 0);
            WCHECK(r == WAIT_OBJECT_0 || r == WAIT_TIMEOUT, "WaitForSingleObject");
            if (i % 6 == 1 && r == WAIT_OBJECT_0)
                WCHECK(ReleaseMutex(h2), "ReleaseMutex");
            if (i % 6 == 2 && r == WAIT_OBJECT_0)
                WCHECK(ReleaseSemaphore(h2, 1, NULL), "ReleaseSemaphore");
        }
        wd_tick(c->wd, s, "close");
        WCHECK(CloseHandle(h2) && CloseHandle(h), "CloseHandle");
    }
    wd_leave(c->wd, s);
    return NULL;
}

/* DuplicateHandle here and into a child, CreateProcess with inherited handles. */
static void *process_thread(void *arg)
{
    struct ctx *c = arg;
    int s = wd_join(c->wd, "process thread");
    HANDLE ev[8];
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    for (int i = 0; i < 8; i++) {
        char name[32];
        snprintf(name, sizeof name, "Local\\storm-inh-%d", i);
        WCHECK((ev[i] = CreateEventA(&sa, TRUE, TRUE, name)) != NULL, "CreateEvent");
    }
    for (unsigned i = 0; !atomic_load(&stop); i++) {
        HANDLE d;
        wd_tick(c->wd, s, "DuplicateHandle");
        WCHECK(DuplicateHandle(GetCurrentProcess(), ev[i % 8], GetCurrentProcess(), &d, 0, FALSE,
                               DUPLICATE_SAME_ACCESS),
               "DuplicateHandle");
        WCHECK(CloseHandle(d), "CloseHandle");
        if (i % 64)
            continue;
        char cmd[512];
        snprintf(cmd, sizeof cmd, "\"%s\" --helper use_inherited %lu", test_self(),
                 (unsigned long)(uintptr_t)ev[0]);
        STARTUPINFOA si = {.cb = sizeof si};
        PROCESS_INFORMATION pi;
        wd_tick(c->wd, s, "CreateProcess");
        WCHECK(CreateProcessA(NULL, cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi),
               "CreateProcess");
        wd_tick(c->wd, s, "DuplicateHandle into the child");
        HANDLE in_child;
        WCHECK(DuplicateHandle(GetCurrentProcess(), ev[1], pi.hProcess, &in_child, 0, FALSE,
                               DUPLICATE_SAME_ACCESS),
               "DuplicateHandle into the child");
        WCHECK(ResumeThread(pi.hThread) == 1, "ResumeThread");
        for (int w = 0; w < 100; w++) { /* the child takes 10 s at most, wd ticks */
            wd_tick(c->wd, s, "wait for the child");
            if (WaitForSingleObject(pi.hProcess, 100) == WAIT_OBJECT_0)
                break;
        }
        WCHECK(WaitForSingleObject(pi.hProcess, 0) == WAIT_OBJECT_0,
               "the child's end (still running after 10 s)");
        DWORD code = 99;
        WCHECK(GetExitCodeProcess(pi.hProcess, &code) && code == 0, "the child's exit code");
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }
    for (int i = 0; i < 8; i++)
        CloseHandle(ev[i]);
    wd_leave(c->wd, s);
    return NULL;
}

HELPER(use_inherited)
{
    HANDLE h = (HANDLE)(uintptr_t)strtoul(argv[0], NULL, 0);
    return argc == 1 && WaitForSingleObject(h, 0) == WAIT_OBJECT_0 ? 0 : 1;
}

static int forks(void)
{
    const char *s = getenv("SHMAP_FORKS");
    return s && atoi(s) > 0 ? atoi(s) : 300;
}

TEST_T(fork_storm_while_threads_use_the_library, 240)
{
    skip_under_sanitizers();
    struct ctx c = {wd_new(4)};
    wd_start(c.wd);
    pthread_t th[3];
    void *(*fn[3])(void *) = {views_thread, named_thread, process_thread};
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, fn[i], &c), 0);
    int n = forks(), bad = 0;
    char why[256] = "";
    for (int i = 0; i < n && !bad; i++) {
        pid_t pid = fork_one(i);
        ASSERT_TRUE(pid > 0);
        bad = reap_child(pid, why, sizeof why);
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    wd_stop(c.wd);
    if (bad)
        harness_fail(__FILE__, __LINE__, "%s", why);
    fprintf(stderr, "%d forks; thread loops: views %llu, named %llu, process %llu (steps)\n", n,
            (unsigned long long)wd_count(c.wd, 0), (unsigned long long)wd_count(c.wd, 1),
            (unsigned long long)wd_count(c.wd, 2));
}

/* ---- a child of CreateProcess that forks while it takes its handles in ------------ */

#define NINHERIT 96

struct take_in {
    HANDLE *h;
    _Atomic int done;
};

static void *take_in_thread(void *arg)
{
    struct take_in *t = arg;
    for (int i = 0; i < NINHERIT; i++) {
        DWORD f;
        if (!GetHandleInformation(t->h[i], &f) || WaitForSingleObject(t->h[i], 0) != WAIT_OBJECT_0)
            _exit(20);
    }
    atomic_store(&t->done, 1);
    return NULL;
}

/* argv[0]: a mapping (inherited) that lists the NINHERIT inherited events. */
HELPER(take_in_and_fork)
{
    HANDLE list = (HANDLE)(uintptr_t)strtoul(argv[0], NULL, 0);
    HANDLE *vals = MapViewOfFile(list, FILE_MAP_READ, 0, 0, 0);
    if (!vals)
        return 30;
    struct take_in t = {vals, 0};
    pthread_t th;
    if (pthread_create(&th, NULL, take_in_thread, &t) != 0)
        return 31;
    int rc = 0;
    char why[256];
    for (int i = 0; i < 12 && rc == 0; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) { /* the grandchild takes in inherited handles too, and exits */
            int r = child_work(i);
            if (r == 0 && WaitForSingleObject(vals[NINHERIT - 1 - i], 0) != WAIT_OBJECT_0)
                r = 16;
            exit(r); /* the library's exit steps run in a fork child too */
        }
        if (pid < 0 || reap_child(pid, why, sizeof why)) {
            fprintf(stderr, "%s\n", pid < 0 ? "fork failed" : why);
            rc = 32;
        }
    }
    pthread_join(th, NULL);
    return rc;
}

TEST_T(fork_in_a_child_while_it_takes_in_inherited_handles, 240)
{
    skip_under_sanitizers();
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE ev[NINHERIT];
    for (int i = 0; i < NINHERIT; i++) {
        char name[32];
        snprintf(name, sizeof name, "Local\\inh-%d", i);
        ASSERT_NOT_NULL(ev[i] = CreateEventA(&sa, TRUE, TRUE, name));
    }
    HANDLE list = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 65536, NULL);
    ASSERT_NOT_NULL(list);
    HANDLE *vals = MapViewOfFile(list, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(vals);
    memcpy(vals, ev, sizeof ev);
    for (int round = 0; round < 8; round++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "\"%s\" --helper take_in_and_fork %lu", test_self(),
                 (unsigned long)(uintptr_t)list);
        STARTUPINFOA si = {.cb = sizeof si};
        PROCESS_INFORMATION pi;
        ASSERT_TRUE(CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
        ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 12 * (CHILD_LIMIT_S + 2) * 1000),
                    WAIT_OBJECT_0);
        DWORD code = 99;
        ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
        ASSERT_EQ(code, 0);
        CloseHandle(pi.hThread);
        CloseHandle(pi.hProcess);
    }
    UnmapViewOfFile(vals);
    CloseHandle(list);
    for (int i = 0; i < NINHERIT; i++)
        CloseHandle(ev[i]);
}
