/*
 * test-sync.c - events, mutexes, semaphores and timers through the native
 * API: the whole state read back after every operation, every error code,
 * and the cross-process behaviours (helper processes of this binary):
 * exactly one of two waiting processes released by an auto event, both by a
 * manual one, abandonment by exit and by kill -9 while others wait in
 * wait-any and wait-all, timers set by a process that has gone.
 *
 * "Blocked" is proven, not assumed: a waiter is blocked when the kernel
 * shows it inside a futex system call (/proc/PID/syscall) - no sleeps.
 */
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "shmap.h"
#include "internal.h"

#define ALL_EV SHMAP_EVENT_ALL_ACCESS
#define INF SHMAP_INFINITE

static shmap_handle_t event(const char *name, uint32_t flags)
{
    shmap_handle_t h;
    int r = shmap_event_create(name, flags, ALL_EV, 0, &h);
    ASSERT_GE(r, 0);
    return h;
}

static shmap_handle_t mutex(const char *name, uint32_t flags)
{
    shmap_handle_t h;
    ASSERT_GE(shmap_mutex_create(name, flags, SHMAP_MUTEX_ALL_ACCESS, 0, &h), 0);
    return h;
}

static void ev_state(shmap_handle_t h, int manual, int signaled)
{
    int m = -1, s = -1;
    ASSERT_EQ(shmap_event_query(h, &m, &s), 0);
    ASSERT_EQ(m, manual);
    ASSERT_EQ(s, signaled);
}

static void mx_state(shmap_handle_t h, int count, int owned, int abandoned)
{
    shmap_mutex_info_t i;
    POISON(i);
    ASSERT_EQ(shmap_mutex_query(h, &i), 0);
    ASSERT_EQ(i.count, count);
    ASSERT_EQ(i.owned, owned);
    ASSERT_EQ(i.abandoned, abandoned);
    if (count == 1)
        ASSERT_EQ(i.owner, 0);
    else if (owned)
        ASSERT_EQ(i.owner, (uint32_t)syscall(SYS_gettid));
}

static void sem_state(shmap_handle_t h, int count, int max)
{
    int32_t c = -1, m = -1;
    ASSERT_EQ(shmap_semaphore_query(h, &c, &m), 0);
    ASSERT_EQ(c, count);
    ASSERT_EQ(m, max);
}

static int wait1(shmap_handle_t h, uint32_t ms)
{
    return shmap_wait(1, &h, 0, ms);
}

/* Is pid (its main thread) inside a futex wait?  Polls up to 10 s. */
static void wait_blocked(pid_t pid)
{
    char path[64], buf[128];
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    for (int i = 0; i < 10000; i++) {
        FILE *f = fopen(path, "re");
        if (f) {
            long nr = -1;
            if (fgets(buf, sizeof buf, f))
                nr = strtol(buf, NULL, 10);
            fclose(f);
#ifdef SYS_futex_waitv
            if (nr == SYS_futex_waitv)
                return;
#endif
            if (nr == SYS_futex || nr == 449 /* futex_waitv */ || nr == 202 /* x86-64 futex */)
                return;
        }
        usleep(1000);
    }
    harness_fail(__FILE__, __LINE__, "process %d never blocked in a futex wait", (int)pid);
}

/* Has pid exited (without reaping it)? */
static int has_exited(pid_t pid)
{
    siginfo_t si = {0};
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* ---- state after every operation --------------------------------------------- */

TEST(event_state_after_every_operation)
{
    shmap_handle_t a = event(NULL, 0), m = event("m", SHMAP_EVENT_MANUAL_RESET);
    int prev = -1;
    ev_state(a, 0, 0);
    ev_state(m, 1, 0);
    ASSERT_EQ(shmap_event_set(a, &prev), 0);
    ASSERT_EQ(prev, 0);
    ev_state(a, 0, 1);
    ASSERT_EQ(shmap_event_set(a, &prev), 0);
    ASSERT_EQ(prev, 1);
    ev_state(a, 0, 1);
    ASSERT_EQ(wait1(a, 0), SHMAP_WAIT_OBJECT_0);
    ev_state(a, 0, 0);
    ASSERT_EQ(wait1(a, 0), SHMAP_WAIT_TIMEOUT);
    ev_state(a, 0, 0);
    ASSERT_EQ(shmap_event_set(m, &prev), 0);
    ASSERT_EQ(wait1(m, 0), SHMAP_WAIT_OBJECT_0);
    ev_state(m, 1, 1);
    ASSERT_EQ(shmap_event_reset(m, &prev), 0);
    ASSERT_EQ(prev, 1);
    ev_state(m, 1, 0);
    ASSERT_EQ(shmap_event_reset(m, &prev), 0);
    ASSERT_EQ(prev, 0);
    ASSERT_EQ(shmap_event_set(m, NULL), 0);
    ASSERT_EQ(shmap_event_pulse(m, &prev), 0);
    ASSERT_EQ(prev, 1);
    ev_state(m, 1, 0);
    /* initial state, and a create that opens keeps the original */
    shmap_handle_t i = event("i", SHMAP_EVENT_INITIAL_SET), i2;
    ev_state(i, 0, 1);
    ASSERT_EQ(shmap_event_create("i", SHMAP_EVENT_MANUAL_RESET, ALL_EV, 0, &i2), SHMAP_EXISTED);
    ev_state(i2, 0, 1);
    /* errors */
    shmap_handle_t q;
    ASSERT_EQ(shmap_event_open("m", SHMAP_SYNCHRONIZE, 0, &q), 0);
    ASSERT_EQ(shmap_event_set(q, NULL), -EACCES);
    ASSERT_EQ(shmap_event_query(q, NULL, NULL), -EACCES);
    ASSERT_EQ(shmap_event_set(SHMAP_NULL_HANDLE, NULL), -EBADF);
    shmap_handle_t mx = mutex(NULL, 0);
    ASSERT_EQ(shmap_event_set(mx, NULL), SHMAP_ETYPE);
    shmap_close(q);
    ASSERT_EQ(shmap_event_open("nope", ALL_EV, 0, &q), -ENOENT);
    ASSERT_EQ(shmap_event_open(NULL, ALL_EV, 0, &q), -EINVAL);
    shmap_close(mx);
    shmap_close(i2);
    shmap_close(i);
    shmap_close(m);
    shmap_close(a);
}

HELPER(hold_event)
{
    /* argv: name signaled: creates the event in that state, says "held",
     * holds it until its stdin closes */
    shmap_handle_t h;
    if (shmap_event_create(argv[0],
                           SHMAP_EVENT_MANUAL_RESET | (atoi(argv[1]) ? SHMAP_EVENT_INITIAL_SET : 0),
                           ALL_EV, 0, &h) != 0)
        return 100;
    printf("held\n");
    fflush(stdout);
    char line[16];
    while (fgets(line, sizeof line, stdin))
        ;
    return 0;
}

/* A closed object's page may stay mapped for reuse (named.c): it is only
 * ever reused for that same object, never for a new one under the name. */
TEST(event_reopened_after_last_close_is_a_new_object)
{
    for (int round = 0; round < 12; round++) {
        char line[16];
        const char *state = round % 2 ? "1" : "0";
        proc_t holder = spawn_helper_piped("hold_event", "reuse", state, NULL);
        proc_line(&holder, line, sizeof line, 10);
        ASSERT_STR_EQ(line, "held");
        for (int k = 0; k < 3; k++) { /* open and close: the page comes back from the cache */
            shmap_handle_t h;
            ASSERT_EQ(shmap_event_open("reuse", ALL_EV, 0, &h), 0);
            ev_state(h, 1, round % 2);
            ASSERT_EQ(shmap_close(h), 0);
        }
        proc_end(&holder, 0, 10); /* the object is gone: the next holder's is a new one */
    }
    shmap_handle_t h;
    ASSERT_EQ(shmap_event_open("reuse", ALL_EV, 0, &h), -ENOENT);
}

TEST(mutex_state_after_every_operation)
{
    shmap_handle_t m = mutex("mx", 0);
    mx_state(m, 1, 0, 0);
    ASSERT_EQ(wait1(m, 0), SHMAP_WAIT_OBJECT_0);
    mx_state(m, 0, 1, 0);
    ASSERT_EQ(wait1(m, INF), SHMAP_WAIT_OBJECT_0);
    mx_state(m, -1, 1, 0);
    ASSERT_EQ(shmap_mutex_release(m), 0);
    mx_state(m, 0, 1, 0);
    ASSERT_EQ(shmap_mutex_release(m), 0);
    mx_state(m, 1, 0, 0);
    ASSERT_EQ(shmap_mutex_release(m), SHMAP_ENOTOWNER);
    mx_state(m, 1, 0, 0);
    /* initial owner; ignored when the mutex exists */
    shmap_handle_t o = mutex("own", SHMAP_MUTEX_INITIAL_OWNER), o2;
    mx_state(o, 0, 1, 0);
    ASSERT_EQ(shmap_mutex_create("own", SHMAP_MUTEX_INITIAL_OWNER, SHMAP_MUTEX_ALL_ACCESS, 0, &o2),
              SHMAP_EXISTED);
    mx_state(o2, 0, 1, 0);
    shmap_close(o2);
    ASSERT_EQ(shmap_mutex_create("mx", SHMAP_MUTEX_INITIAL_OWNER, SHMAP_MUTEX_ALL_ACCESS, 0, &o2),
              SHMAP_EXISTED);
    mx_state(o2, 1, 0, 0);
    shmap_close(o2);
    ASSERT_EQ(shmap_mutex_release(o), 0);
    mx_state(o, 1, 0, 0);
    /* release needs no right; query needs MUTANT_QUERY_STATE */
    shmap_handle_t r;
    ASSERT_EQ(shmap_mutex_open("mx", SHMAP_READ_CONTROL, 0, &r), 0);
    ASSERT_EQ(wait1(r, 0), -EACCES);
    ASSERT_EQ(wait1(m, 0), SHMAP_WAIT_OBJECT_0);
    ASSERT_EQ(shmap_mutex_release(r), 0);
    shmap_mutex_info_t info;
    ASSERT_EQ(shmap_mutex_query(r, &info), -EACCES);
    shmap_close(r);
    shmap_close(o);
    shmap_close(m);
}

TEST(semaphore_state_after_every_operation)
{
    shmap_handle_t s, x;
    ASSERT_EQ(shmap_semaphore_create("s", 1, 3, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &s), 0);
    sem_state(s, 1, 3);
    int32_t prev = -1;
    ASSERT_EQ(shmap_semaphore_release(s, 2, &prev), 0);
    ASSERT_EQ(prev, 1);
    sem_state(s, 3, 3);
    prev = -7;
    ASSERT_EQ(shmap_semaphore_release(s, 1, &prev), SHMAP_ETOOMANYPOSTS);
    ASSERT_EQ(prev, -7);
    sem_state(s, 3, 3);
    ASSERT_EQ(shmap_semaphore_release(s, 0x7fffffff, &prev), SHMAP_ETOOMANYPOSTS);
    ASSERT_EQ(shmap_semaphore_release(s, 0, &prev), -EINVAL);
    ASSERT_EQ(shmap_semaphore_release(s, -1, &prev), -EINVAL);
    sem_state(s, 3, 3);
    for (int i = 2; i >= 0; i--) {
        ASSERT_EQ(wait1(s, 0), SHMAP_WAIT_OBJECT_0);
        sem_state(s, i, 3);
    }
    ASSERT_EQ(wait1(s, 0), SHMAP_WAIT_TIMEOUT);
    sem_state(s, 0, 3);
    /* parameters checked before the name, and kept by an existing object */
    ASSERT_EQ(shmap_semaphore_create("s", 4, 3, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &x), -EINVAL);
    ASSERT_EQ(shmap_semaphore_create("s", 0, 0, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &x), -EINVAL);
    ASSERT_EQ(shmap_semaphore_create("s", -1, 3, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &x), -EINVAL);
    ASSERT_EQ(shmap_semaphore_create("s", 5, 9, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &x), SHMAP_EXISTED);
    sem_state(x, 0, 3);
    shmap_close(x);
    ASSERT_EQ(
        shmap_semaphore_create(NULL, 0x7fffffff, 0x7fffffff, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &x), 0);
    sem_state(x, 0x7fffffff, 0x7fffffff);
    ASSERT_EQ(shmap_semaphore_release(x, 1, NULL), SHMAP_ETOOMANYPOSTS);
    shmap_close(x);
    shmap_close(s);
}

TEST(timer_state_after_every_operation)
{
    shmap_handle_t t;
    ASSERT_EQ(shmap_timer_create("t", 0, SHMAP_TIMER_ALL_ACCESS, 0, &t), 0);
    int sig = -1, armed = -1;
    uint64_t rem = 1;
    ASSERT_EQ(shmap_timer_query(t, &sig, &armed, &rem), 0);
    ASSERT_TRUE(sig == 0 && armed == 0 && rem == 0);
    ASSERT_EQ(shmap_timer_set(t, -10LL * 1000 * 1000 * 10, 0, NULL, NULL, 0), 0); /* 10 s */
    ASSERT_EQ(shmap_timer_query(t, &sig, &armed, &rem), 0);
    ASSERT_TRUE(sig == 0 && armed == 1);
    ASSERT_LE(rem, 10000000000ull);
    ASSERT_EQ(shmap_timer_cancel(t), 0);
    ASSERT_EQ(shmap_timer_query(t, &sig, &armed, &rem), 0);
    ASSERT_TRUE(sig == 0 && armed == 0);
    ASSERT_EQ(shmap_timer_set(t, -1, 0, NULL, NULL, 0), 0);
    ASSERT_EQ(wait1(t, INF), SHMAP_WAIT_OBJECT_0);
    ASSERT_EQ(shmap_timer_query(t, &sig, &armed, &rem), 0);
    ASSERT_TRUE(sig == 0 && armed == 0); /* synchronization timer: reset by the wait */
    ASSERT_EQ(shmap_timer_set(t, -1, 0, NULL, NULL, 1), SHMAP_RESUME_IGNORED);
    ASSERT_EQ(shmap_timer_set(t, -1, -5, NULL, NULL, 0), -EINVAL);
    shmap_close(t);
}

/* ---- across processes ----------------------------------------------------------- */

HELPER(wait_named)
{
    /* argv: type name [all-with-name2]; waits INFINITE, exits with the result */
    shmap_handle_t h[2];
    int n = 1;
    const char *type = argv[0];
    int r;
    if (!strcmp(type, "event"))
        r = shmap_event_open(argv[1], SHMAP_SYNCHRONIZE, 0, &h[0]);
    else if (!strcmp(type, "mutex"))
        r = shmap_mutex_open(argv[1], SHMAP_SYNCHRONIZE, 0, &h[0]);
    else
        r = shmap_semaphore_open(argv[1], SHMAP_SYNCHRONIZE, 0, &h[0]);
    if (r)
        return 100;
    unsigned flags = 0;
    if (argc > 2) { /* a second object: an event, for wait-any / wait-all */
        if (shmap_event_open(argv[2], SHMAP_SYNCHRONIZE, 0, &h[1]))
            return 101;
        n = 2;
        flags = argc > 3 && !strcmp(argv[3], "all") ? SHMAP_WAIT_ALL : 0;
    }
    r = shmap_wait((uint32_t)n, h, flags, INF);
    return r < 0 ? 102 : r; /* 0, 1, 0x80, 0x81 */
}

TEST(auto_event_releases_exactly_one_of_two_processes)
{
    shmap_handle_t e = event("ev", 0);
    pid_t a = spawn_helper("wait_named", "event", "ev", NULL);
    pid_t b = spawn_helper("wait_named", "event", "ev", NULL);
    wait_blocked(a);
    wait_blocked(b);
    ASSERT_EQ(shmap_event_set(e, NULL), 0);
    /* one of them returns */
    pid_t first = 0;
    while (!first) {
        if (has_exited(a))
            first = a;
        else if (has_exited(b))
            first = b;
        else
            usleep(1000);
    }
    pid_t other = first == a ? b : a;
    expect_exit(first, 0, 10);
    /* the other is still waiting (a buggy wake-all would have let it out) */
    wait_blocked(other);
    usleep(200000);
    ASSERT_TRUE(!has_exited(other));
    ev_state(e, 0, 0);
    ASSERT_EQ(shmap_event_set(e, NULL), 0);
    expect_exit(other, 0, 10);
    ev_state(e, 0, 0);
    shmap_close(e);
}

TEST(manual_event_releases_both_processes)
{
    shmap_handle_t e = event("ev", SHMAP_EVENT_MANUAL_RESET);
    pid_t a = spawn_helper("wait_named", "event", "ev", NULL);
    pid_t b = spawn_helper("wait_named", "event", "ev", NULL);
    wait_blocked(a);
    wait_blocked(b);
    ASSERT_EQ(shmap_event_pulse(e, NULL), 0);
    expect_exit(a, 0, 10);
    expect_exit(b, 0, 10);
    ev_state(e, 1, 0);
    shmap_close(e);
}

TEST(semaphore_wakes_as_many_processes_as_released)
{
    shmap_handle_t s;
    ASSERT_EQ(shmap_semaphore_create("sem", 0, 10, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &s), 0);
    pid_t p[3];
    for (int i = 0; i < 3; i++)
        p[i] = spawn_helper("wait_named", "semaphore", "sem", NULL);
    for (int i = 0; i < 3; i++)
        wait_blocked(p[i]);
    int32_t prev;
    ASSERT_EQ(shmap_semaphore_release(s, 3, &prev), 0);
    ASSERT_EQ(prev, 0);
    for (int i = 0; i < 3; i++)
        expect_exit(p[i], 0, 10);
    sem_state(s, 0, 10);
    shmap_close(s);
}

HELPER(own_mutex)
{
    /* argv: name how: owns the mutex (and a recursion), says "owned", then
     * exit (how=exit), thread (a thread owns it and ends), or waits to be
     * killed (how=hang) */
    shmap_handle_t m;
    if (shmap_mutex_open(argv[0], SHMAP_SYNCHRONIZE, 0, &m))
        return 100;
    if (shmap_wait(1, &m, 0, INF) != 0 || shmap_wait(1, &m, 0, INF) != 0)
        return 101;
    printf("owned\n");
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof line, stdin) || !strcmp(argv[1], "exit"))
        exit(0); /* owning it */
    for (;;)
        pause();
}

static void abandon_case(const char *how, int wait_all, int kill_it)
{
    shmap_handle_t m = mutex("amx", 0), e = event("aev", SHMAP_EVENT_MANUAL_RESET);
    proc_t owner = spawn_helper_piped("own_mutex", "amx", how, NULL);
    char line[32];
    proc_line(&owner, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "owned");
    mx_state(m, -1, 0, 0);
    /* a waiter in another process: wait-any {event, mutex} or wait-all */
    pid_t w = spawn_helper("wait_named", "mutex", "amx", "aev", wait_all ? "all" : "any", NULL);
    wait_blocked(w);
    if (wait_all)
        ASSERT_EQ(shmap_event_set(e, NULL), 0); /* all but the mutex are ready */
    if (kill_it) {
        kill(owner.pid, SIGKILL); /* it is reading its stdin, owning the mutex */
        int st = wait_pid(owner.pid, 10);
        ASSERT_TRUE(WIFSIGNALED(st));
        close(owner.in);
        close(owner.out);
    } else {
        chan_send((chan_t){-1, owner.in}, "exit");
        proc_end(&owner, 0, 10);
    }
    expect_exit(w, SHMAP_WAIT_ABANDONED_0, 20); /* wait-any: index 0; wait-all: exactly 0x80 */
    /* the waiter exited owning it: abandoned again, and we get it so */
    mx_state(m, 1, 0, 1);
    ASSERT_EQ(wait1(m, 0), SHMAP_WAIT_ABANDONED_0);
    mx_state(m, 0, 1, 0);
    ASSERT_EQ(wait1(m, 0), SHMAP_WAIT_OBJECT_0); /* later waits are normal */
    ASSERT_EQ(shmap_mutex_release(m), 0);
    ASSERT_EQ(shmap_mutex_release(m), 0);
    mx_state(m, 1, 0, 0);
    shmap_close(e);
    shmap_close(m);
}

TEST(abandoned_by_exit_wait_any)
{
    abandon_case("exit", 0, 0);
}

TEST(abandoned_by_kill9_wait_any)
{
    abandon_case("hang", 0, 1);
}

TEST(abandoned_by_kill9_wait_all)
{
    abandon_case("hang", 1, 1);
}

static void *own_then_end(void *p)
{
    shmap_handle_t m = p;
    ASSERT_EQ(wait1(m, INF), SHMAP_WAIT_OBJECT_0);
    return NULL;
}

TEST(abandoned_by_thread_exit_while_another_thread_waits)
{
    shmap_handle_t m = mutex(NULL, SHMAP_MUTEX_INITIAL_OWNER);
    pthread_t t;
    /* the thread waits while we own it; we hand over by releasing; it ends
     * owning it; then our wait gets it abandoned */
    ASSERT_EQ(pthread_create(&t, NULL, own_then_end, m), 0);
    ASSERT_EQ(shmap_mutex_release(m), 0);
    pthread_join(t, NULL);
    mx_state(m, 1, 0, 1);
    ASSERT_EQ(wait1(m, INF), SHMAP_WAIT_ABANDONED_0);
    ASSERT_EQ(shmap_mutex_release(m), 0);
    shmap_close(m);
}

HELPER(set_timer_and_exit)
{
    shmap_handle_t t;
    if (shmap_timer_open(argv[0], SHMAP_TIMER_MODIFY_STATE, 0, &t))
        return 100;
    return shmap_timer_set(t, -2000000 /* 200 ms */, 0, NULL, NULL, 0) ? 101 : 0;
}

TEST(timer_fires_for_another_process_after_its_setter_exited)
{
    shmap_handle_t t;
    ASSERT_EQ(shmap_timer_create("tm", SHMAP_TIMER_MANUAL_RESET, SHMAP_TIMER_ALL_ACCESS, 0, &t), 0);
    pid_t p = spawn_helper("set_timer_and_exit", "tm", NULL);
    expect_exit(p, 0, 10);
    ASSERT_EQ(wait1(t, 20000), SHMAP_WAIT_OBJECT_0);
    int sig;
    ASSERT_EQ(shmap_timer_query(t, &sig, NULL, NULL), 0);
    ASSERT_EQ(sig, 1);
    shmap_close(t);
}

TEST(closing_under_a_waiter_is_safe)
{
    /* another thread closes the handle we wait on: the wait keeps the
     * object, and a second handle can still wake it */
    shmap_handle_t e = event("cl", 0), e2;
    ASSERT_EQ(shmap_event_open("cl", ALL_EV, 0, &e2), 0);
    pid_t w = spawn_helper("wait_named", "event", "cl", NULL);
    wait_blocked(w);
    ASSERT_EQ(shmap_close(e), 0);
    ASSERT_EQ(shmap_event_set(e2, NULL), 0);
    expect_exit(w, 0, 10);
    ASSERT_EQ(shmap_close(e2), 0);
}

/* ---- wait-all atomicity under concurrent signalling ------------------------------ */

struct race {
    shmap_handle_t a, b;
    volatile int stop;
    long taken_single;
};

static void *single_taker(void *p)
{
    struct race *r = p;
    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
        if (wait1(r->a, 0) == 0) {
            r->taken_single++;
            ASSERT_EQ(shmap_event_set(r->a, NULL), 0); /* give it back */
        }
    }
    return NULL;
}

TEST(wait_all_takes_all_or_nothing_under_contention)
{
    /* a = auto event set, b = semaphore; a thread repeatedly takes and gives
     * back a; wait-all {a, b} must consume both or neither: b's count goes
     * down exactly once per successful wait-all */
    struct race r = {0};
    ASSERT_EQ(shmap_event_create(NULL, SHMAP_EVENT_INITIAL_SET, ALL_EV, 0, &r.a), 0);
    ASSERT_EQ(shmap_semaphore_create(NULL, 0, 100000, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &r.b), 0);
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, single_taker, &r), 0);
    shmap_handle_t both[2] = {r.a, r.b};
    int got = 0;
    for (int i = 0; i < 2000; i++) {
        ASSERT_EQ(shmap_semaphore_release(r.b, 1, NULL), 0);
        int w = shmap_wait(2, both, SHMAP_WAIT_ALL, INF);
        ASSERT_EQ(w, 0);
        got++;
        int32_t c;
        ASSERT_EQ(shmap_semaphore_query(r.b, &c, NULL), 0);
        ASSERT_EQ(c, 0);
        ASSERT_EQ(shmap_event_set(r.a, NULL), 0);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    ASSERT_EQ(got, 2000);
    shmap_close(r.b);
    shmap_close(r.a);
}

/* One token (a semaphore of maximum 1) taken and given back by threads that
 * take it without the lock, and by a wait-all with an event: a token taken
 * twice shows as a release that fails (298). */
struct token_race {
    shmap_handle_t tok;
    volatile int stop;
    volatile int bad;
    long taken;
};

static void *token_taker(void *p)
{
    struct token_race *r = p;
    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
        if (wait1(r->tok, 0) == 0) {
            __atomic_add_fetch(&r->taken, 1, __ATOMIC_RELAXED);
            if (shmap_semaphore_release(r->tok, 1, NULL) != 0)
                __atomic_store_n(&r->bad, 1, __ATOMIC_RELAXED);
        }
    return NULL;
}

TEST(wait_all_holds_what_it_found_against_lock_free_takers)
{
    struct token_race r = {0};
    ASSERT_EQ(shmap_semaphore_create(NULL, 1, 1, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &r.tok), 0);
    shmap_handle_t ev;
    ASSERT_EQ(shmap_event_create(NULL, 0, ALL_EV, 0, &ev), 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(pthread_create(&t[i], NULL, token_taker, &r), 0);
    shmap_handle_t both[2] = {r.tok, ev};
    for (int i = 0; i < 60000 && !r.bad; i++) {
        ASSERT_EQ(shmap_event_set(ev, NULL), 0);
        ASSERT_EQ(shmap_wait(2, both, SHMAP_WAIT_ALL, 20000), 0);
        int sig = -1;
        ASSERT_EQ(shmap_event_query(ev, NULL, &sig), 0);
        ASSERT_EQ(sig, 0); /* the event went with the token */
        ASSERT_EQ(shmap_semaphore_release(r.tok, 1, NULL), 0);
    }
    __atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    ASSERT_EQ(r.bad, 0);
    int32_t count = -1;
    ASSERT_EQ(shmap_semaphore_query(r.tok, &count, NULL), 0);
    ASSERT_EQ(count, 1);
    ASSERT_GT(r.taken, 0);
    shmap_close(ev);
    shmap_close(r.tok);
}

/* A hold bit nobody alive holds (a wait-all gone without the kernel's mark,
 * or a stranger's write) must not keep a signalled object from its waiters. */
static _Atomic uint32_t *count_word(shmap_handle_t h, struct shmap_obj **o)
{
    uint32_t a;
    if (shmap__handle_get(h, o, &a) != 0)
        return NULL;
    return &shmap__sync_of(*o)->count;
}

TEST(stale_hold_bit_does_not_block_waiters)
{
    shmap_handle_t ev = event("stale-auto", 0), man, sem;
    ASSERT_EQ(shmap_event_create("stale-man", SHMAP_EVENT_MANUAL_RESET, ALL_EV, 0, &man), 0);
    ASSERT_EQ(shmap_semaphore_create("stale-sem", 0, 5, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &sem), 0);
    struct shmap_obj *o1, *o2, *o3;
    _Atomic uint32_t *c1 = count_word(ev, &o1), *c2 = count_word(man, &o2),
                     *c3 = count_word(sem, &o3);
    ASSERT_TRUE(c1 && c2 && c3);
    atomic_store(c1, SHMAP_COUNT_HOLD | 1);
    atomic_store(c2, SHMAP_COUNT_HOLD | 1);
    atomic_store(c3, SHMAP_COUNT_HOLD | 2);
    ev_state(ev, 0, 1); /* queries do not see the bit */
    ASSERT_EQ(wait1(ev, 0), 0);
    ASSERT_EQ(atomic_load(c1), 0u);
    ASSERT_EQ(wait1(ev, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(wait1(man, 0), 0);
    ASSERT_EQ(wait1(man, 0), 0);
    int32_t n = -1;
    ASSERT_EQ(shmap_semaphore_query(sem, &n, NULL), 0);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(wait1(sem, 0), 0);
    ASSERT_EQ(atomic_load(c3), 1u);
    /* a release keeps a hold it finds, and counts it right */
    atomic_store(c3, SHMAP_COUNT_HOLD | 1);
    int32_t prev = -1;
    ASSERT_EQ(shmap_semaphore_release(sem, 4, &prev), 0);
    ASSERT_EQ(prev, 1);
    ASSERT_EQ(shmap_semaphore_release(sem, 1, NULL), SHMAP_ETOOMANYPOSTS);
    ASSERT_EQ(wait1(sem, 0), 0);
    ASSERT_EQ(atomic_load(c3), 4u);
    shmap__obj_put(o1);
    shmap__obj_put(o2);
    shmap__obj_put(o3);
    shmap_close(ev);
    shmap_close(man);
    shmap_close(sem);
}

/* ---- no lost wake-up: racing signals, round after round -------------------------- */

/* Round r signals object (r * 7) % 17 of any-0..any-15 (auto events) and
 * any-16 (a semaphore); in "all" rounds also the next one. */
static int pinged(int r)
{
    return (r * 7) % 17;
}

HELPER(any_pinger)
{
    /* argv: rounds, mode, spin.  Opens the 17 objects and any-back; each
     * round waits (mode "any": on all 17; "one": on the round's object
     * alone; "all": wait-all on the round's object and the next), then sets
     * back.  spin: the poll before a sleep, in ns (-1: the default). */
    int rounds = atoi(argv[0]);
    const char *mode = argv[1];
    shmap__wait_slice(600000000000ull); /* no safety net: a lost wake-up hangs */
    shmap__wait_spin(atoi(argv[2]));
    shmap_handle_t h[17], back;
    char name[32];
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof name, "any-%d", i);
        if (shmap_event_open(name, SHMAP_SYNCHRONIZE, 0, &h[i]))
            return 100;
    }
    if (shmap_semaphore_open("any-sem", SHMAP_SYNCHRONIZE, 0, &h[16]) ||
        shmap_event_open("any-back", SHMAP_EVENT_MODIFY_STATE, 0, &back))
        return 101;
    for (int r = 0; r < rounds; r++) {
        int p = pinged(r), w;
        if (!strcmp(mode, "any")) {
            w = shmap_wait(17, h, 0, INF);
            if (w < 0 || w > 16)
                return 102;
        } else if (!strcmp(mode, "one")) {
            if ((w = shmap_wait(1, &h[p], 0, INF)) != 0)
                return 102;
        } else {
            shmap_handle_t two[2] = {h[p], h[(p + 1) % 17]};
            if ((w = shmap_wait(2, two, SHMAP_WAIT_ALL, INF)) != 0)
                return 102;
        }
        if (shmap_event_set(back, NULL))
            return 103;
    }
    return 0;
}

static void no_lost_wakeup_with(const char *mode, const char *spin)
{
    /* Every signal races with the other process going to sleep (under the
     * objects' lock or not: sets and releases take none); a lost wake-up
     * leaves both waiting for ever (the test times out). */
    enum { ROUNDS = 4000 };
    const bool all = !strcmp(mode, "all");
    shmap__wait_slice(600000000000ull);
    shmap__wait_spin(atoi(spin));
    shmap_handle_t h[17], back;
    char name[32], arg[16];
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof name, "any-%d", i);
        h[i] = event(name, 0);
    }
    ASSERT_EQ(shmap_semaphore_create("any-sem", 0, 1000, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &h[16]), 0);
    back = event("any-back", 0);
    snprintf(arg, sizeof arg, "%d", ROUNDS);
    pid_t pid = spawn_helper("any_pinger", arg, mode, spin, NULL);
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k <= all; k++) {
            int which = (pinged(r) + k) % 17;
            if (which == 16)
                ASSERT_EQ(shmap_semaphore_release(h[16], 1, NULL), 0);
            else
                ASSERT_EQ(shmap_event_set(h[which], NULL), 0);
        }
        ASSERT_EQ(shmap_wait(1, &back, 0, 20000), SHMAP_WAIT_OBJECT_0);
    }
    expect_exit(pid, 0, 20);
    /* each signal was consumed by exactly one wait */
    for (int i = 0; i < 16; i++)
        ev_state(h[i], 0, 0);
    int32_t count = -1;
    ASSERT_EQ(shmap_semaphore_query(h[16], &count, NULL), 0);
    ASSERT_EQ(count, 0);
    for (int i = 0; i < 17; i++)
        ASSERT_EQ(shmap_close(h[i]), 0);
    ASSERT_EQ(shmap_close(back), 0);
    shmap__wait_slice(0);
    shmap__wait_spin(-1);
}

/* Without the poll before a sleep (every block sleeps in the kernel), and
 * with a long one (SHMAP_SPIN_NS: most rounds never sleep). */
static void no_lost_wakeup(const char *mode)
{
    no_lost_wakeup_with(mode, "0");
    no_lost_wakeup_with(mode, "20000");
}

TEST(wait_any_loses_no_wakeup)
{
    no_lost_wakeup("any");
}

TEST(wait_one_loses_no_wakeup)
{
    no_lost_wakeup("one");
}

TEST(wait_all_loses_no_wakeup)
{
    no_lost_wakeup("all");
}
