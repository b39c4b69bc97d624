/*
 * bench_sync.c - the synchronization objects against their raw baselines.
 *
 *   event_pingpong     round trip between two processes on two named
 *                      auto-reset events (SetEvent + WaitForSingleObject on
 *                      each side), vs the same on two raw shared futex words;
 *                      then again with waits that poll 2 us before they
 *                      sleep (SHMAP_SPIN_NS=2000): event_pingpong_spin
 *   mutex_uncontended  WaitForSingleObject + ReleaseMutex of a free named
 *                      mutex, vs lock + unlock of a robust process-shared
 *                      pthread mutex
 *   wait_any_64        round trip where the other process waits in
 *                      WaitForMultipleObjects over 64 events and the last one
 *                      is signalled, vs event_pingpong's one-event round trip
 *   abandon_latency    from kill -9 of a mutex owner to the return of a waiter
 *                      (blocked in WaitForSingleObject) with WAIT_ABANDONED,
 *                      vs the same for a robust pthread mutex (EOWNERDEAD);
 *                      medians of single measurements
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

/* The static library's testing hook (src/internal.h): how long a wait polls
 * before it sleeps, in ns; -1 the default. */
void shmap__wait_spin(int64_t ns);

static void *shared_page(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        bench_die("mmap", -errno);
    return p;
}

static shmap_handle_t event_named(const char *name)
{
    shmap_handle_t h;
    int r = shmap_event_create(name, 0, SHMAP_EVENT_ALL_ACCESS, 0, &h);
    if (r < 0)
        bench_die(name, r);
    return h;
}

static void wait_ok(shmap_handle_t h, int want)
{
    int r = shmap_wait(1, &h, 0, SHMAP_INFINITE);
    if (r != want)
        bench_die("wait", r);
}

/* ---- ping-pong: shmap events and raw futexes, against one child ----------------
 *
 * One child answers both protocols, switching when the parent says so, so
 * that both are measured between the same two processes: the scheduler
 * puts a pair on one CPU or on two, and a round trip costs differently in
 * each (with two children, one could be placed each way, which moved the
 * ratio between 0.75 and 1.75 from run to run).  A switch costs one extra
 * wake-up at the start of a round.
 */

enum { MODE_EVENTS, MODE_FUTEX, MODE_STOP };

static struct {
    _Atomic int *mode; /* shared with the children */
    shmap_handle_t ping, pong;
    shmap_handle_t many[64], many_pong;
    pid_t child, child64;
} pp;

static _Atomic uint32_t *fx; /* [0] ping, [1] pong, in the shared page */

static void fx_signal(_Atomic uint32_t *w)
{
    atomic_store(w, 1);
    syscall(SYS_futex, (void *)w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void fx_wait(_Atomic uint32_t *w)
{
    while (atomic_load(w) == 0)
        syscall(SYS_futex, (void *)w, FUTEX_WAIT, 0, NULL, NULL, 0);
    atomic_store(w, 0);
}

/* The child waits in the other protocol: wake it there, it switches. */
static void switch_to(int mode)
{
    if (atomic_load(pp.mode) == mode)
        return;
    atomic_store(pp.mode, mode);
    if (mode == MODE_EVENTS)
        fx_signal(&fx[0]);
    else
        shmap_event_set(pp.ping, NULL);
}

static int op_ping_events(void)
{
    switch_to(MODE_EVENTS);
    if (shmap_event_set(pp.ping, NULL))
        return -1;
    wait_ok(pp.pong, 0);
    return 0;
}

static int base_ping_futex(void)
{
    switch_to(MODE_FUTEX);
    fx_signal(&fx[0]);
    fx_wait(&fx[1]);
    return 0;
}

static int op_ping_64(void)
{
    if (shmap_event_set(pp.many[63], NULL))
        return -1;
    wait_ok(pp.many_pong, 0);
    return 0;
}

static pid_t start_pingpong_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        shmap_handle_t ping, pong;
        if (shmap_event_open("bench-ping", SHMAP_SYNCHRONIZE, 0, &ping) ||
            shmap_event_open("bench-pong", SHMAP_EVENT_MODIFY_STATE, 0, &pong))
            _exit(3);
        for (;;) {
            int m = atomic_load(pp.mode);
            if (m == MODE_EVENTS) {
                wait_ok(ping, 0);
                if (atomic_load(pp.mode) == MODE_EVENTS)
                    shmap_event_set(pong, NULL);
            } else if (m == MODE_FUTEX) {
                fx_wait(&fx[0]);
                if (atomic_load(pp.mode) == MODE_FUTEX)
                    fx_signal(&fx[1]);
            } else {
                _exit(0);
            }
        }
    }
    return pid;
}

static pid_t start_64_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        shmap_handle_t h[64], pong;
        char name[32];
        for (int i = 0; i < 64; i++) {
            snprintf(name, sizeof name, "bench-64-%d", i);
            if (shmap_event_open(name, SHMAP_SYNCHRONIZE, 0, &h[i]))
                _exit(3);
        }
        if (shmap_event_open("bench-64-pong", SHMAP_EVENT_MODIFY_STATE, 0, &pong))
            _exit(3);
        for (;;) {
            int r = shmap_wait(64, h, 0, SHMAP_INFINITE);
            if (r != 63)
                bench_die("wait_any_64 child", r);
            if (atomic_load(pp.mode) == MODE_STOP)
                _exit(0);
            shmap_event_set(pong, NULL);
        }
    }
    return pid;
}

static void pingpong_setup(bool with64)
{
    pp.mode = shared_page();
    atomic_store(pp.mode, MODE_EVENTS);
    fx = (_Atomic uint32_t *)((char *)pp.mode + 64);
    pp.ping = event_named("bench-ping");
    pp.pong = event_named("bench-pong");
    pp.child = start_pingpong_child();
    if (with64) {
        char name[32];
        for (int i = 0; i < 64; i++) {
            snprintf(name, sizeof name, "bench-64-%d", i);
            pp.many[i] = event_named(name);
        }
        pp.many_pong = event_named("bench-64-pong");
        pp.child64 = start_64_child();
    }
}

static void pingpong_teardown(bool with64)
{
    atomic_store(pp.mode, MODE_STOP);
    shmap_event_set(pp.ping, NULL);
    fx_signal(&fx[0]);
    waitpid(pp.child, NULL, 0);
    shmap_close(pp.ping);
    shmap_close(pp.pong);
    if (with64) {
        shmap_event_set(pp.many[63], NULL);
        waitpid(pp.child64, NULL, 0);
        for (int i = 0; i < 64; i++)
            shmap_close(pp.many[i]);
        shmap_close(pp.many_pong);
    }
    munmap((void *)pp.mode, 4096);
}

void bench_event_pingpong(void)
{
    pingpong_setup(false);
    double s, b;
    bench_compare(op_ping_events, base_ping_futex, 3000, &s, &b);
    pingpong_teardown(false);
    bench_report("event_pingpong", s, b, "target <= 1.10");
    /* the same with waits that poll 2 us before they sleep (SHMAP_SPIN_NS) */
    shmap__wait_spin(2000);
    pingpong_setup(false);
    bench_compare(op_ping_events, base_ping_futex, 3000, &s, &b);
    pingpong_teardown(false);
    shmap__wait_spin(-1);
    bench_report("event_pingpong_spin", s, b, "(informational, SHMAP_SPIN_NS=2000)");
}

void bench_wait_any_64(void)
{
    pingpong_setup(true);
    double s, b;
    bench_compare(op_ping_64, op_ping_events, 3000, &s, &b);
    pingpong_teardown(true);
    bench_report("wait_any_64", s, b, "target <= 1.5 (vs event_pingpong)");
}

/* ---- uncontended mutex -------------------------------------------------------- */

static shmap_handle_t mtx;
static pthread_mutex_t *pmtx;

static int op_mutex(void)
{
    int r = shmap_wait(1, &mtx, 0, SHMAP_INFINITE);
    if (r != 0)
        bench_die("mutex wait", r);
    return shmap_mutex_release(mtx);
}

static int base_mutex(void)
{
    if (pthread_mutex_lock(pmtx))
        return -1;
    return pthread_mutex_unlock(pmtx);
}

static pthread_mutex_t *robust_pshared(void)
{
    pthread_mutex_t *m = shared_page();
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return m;
}

void bench_mutex_uncontended(void)
{
    int r = shmap_mutex_create("bench-mutex", 0, SHMAP_MUTEX_ALL_ACCESS, 0, &mtx);
    if (r < 0)
        bench_die("mutex create", r);
    pmtx = robust_pshared();
    double s, b;
    bench_compare(op_mutex, base_mutex, 200000, &s, &b);
    shmap_close(mtx);
    pthread_mutex_destroy(pmtx);
    munmap(pmtx, 4096);
    bench_report("mutex_uncontended", s, b, "target <= 2.0");
}

/* ---- abandonment latency ------------------------------------------------------ */

struct abandon {
    bool use_pthread;
    double returned_ns;
    long result;
};

static void *abandon_waiter(void *p)
{
    struct abandon *a = p;
    if (a->use_pthread) {
        a->result = pthread_mutex_lock(pmtx);
        a->returned_ns = bench_now_ns();
        if (a->result == EOWNERDEAD)
            pthread_mutex_consistent(pmtx);
        pthread_mutex_unlock(pmtx);
    } else {
        a->result = shmap_wait(1, &mtx, 0, SHMAP_INFINITE);
        a->returned_ns = bench_now_ns();
        shmap_mutex_release(mtx);
    }
    return NULL;
}

/* One measurement: ns from kill -9 of the owner to the waiter's return. */
static double abandon_once(bool use_pthread)
{
    int fds[2];
    if (pipe(fds))
        bench_die("pipe", -errno);
    pid_t pid = fork();
    if (pid == 0) {
        if (use_pthread)
            pthread_mutex_lock(pmtx);
        else {
            shmap_handle_t m;
            if (shmap_mutex_open("bench-abandon", SHMAP_SYNCHRONIZE, 0, &m))
                _exit(3);
            wait_ok(m, 0);
        }
        if (write(fds[1], "o", 1) != 1)
            _exit(4);
        for (;;)
            pause();
    }
    char c;
    if (read(fds[0], &c, 1) != 1)
        bench_die("owner child", -1);
    close(fds[0]);
    close(fds[1]);
    struct abandon a = {use_pthread, 0, -1};
    pthread_t t;
    pthread_create(&t, NULL, abandon_waiter, &a);
    usleep(20000); /* let the waiter block */
    double t0 = bench_now_ns();
    kill(pid, SIGKILL);
    pthread_join(t, NULL);
    waitpid(pid, NULL, 0);
    if (a.result != (use_pthread ? EOWNERDEAD : SHMAP_WAIT_ABANDONED_0))
        bench_die(use_pthread ? "pthread abandon" : "shmap abandon", a.result);
    return a.returned_ns - t0;
}

void bench_abandon_latency(void)
{
    int r = shmap_mutex_create("bench-abandon", 0, SHMAP_MUTEX_ALL_ACCESS, 0, &mtx);
    if (r < 0)
        bench_die("mutex create", r);
    pmtx = robust_pshared();
    double s[32], b[32];
    int n = bench_runs * 2 < 32 ? bench_runs * 2 : 32;
    for (int i = 0; i < n; i++) {
        s[i] = abandon_once(false);
        b[i] = abandon_once(true);
    }
    shmap_close(mtx);
    munmap(pmtx, 4096);
    bench_report("abandon_latency", bench_median(s, n), bench_median(b, n),
                 "target: shmap_ns <= 10 ms");
}
