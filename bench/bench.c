/*
 * bench.c - shmap bench: each workload runs our operation and its raw
 * kernel baseline side by side, interleaved in rounds, in one run, and
 * reports medians (ns per iteration) and their ratio.
 *
 *   create_cycle       named 64 KiB CreateFileMapping + MapViewOfFile + touch
 *                      every page + UnmapViewOfFile + CloseHandle, vs shm_open
 *                      + ftruncate + mmap + touch + munmap + close + shm_unlink
 *   open_existing      OpenFileMapping + MapViewOfFile + read every page + Unmap
 *                      + CloseHandle of an object held by another process, vs
 *                      shm_open + mmap + read + munmap + close
 *   open_existing_local  the same, the object held by this process
 *   create_cycle_100k  create_cycle while 100 000 other named objects are alive
 *                      (held by helper processes), vs create_cycle with none
 *   event_pingpong, mutex_uncontended, wait_any_64, abandon_latency: the
 *                      synchronization objects (bench_sync.c)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define SIZE 65536
#define PAGE 4096

int bench_runs = 7;
int bench_json;
static char shm_name[64];

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void touch(volatile char *p)
{
    for (int i = 0; i < SIZE; i += PAGE)
        p[i] = (char)i;
}

static int sink;
static void readall(volatile const char *p)
{
    for (int i = 0; i < SIZE; i += PAGE)
        sink += p[i];
}

/* ---- the operations ------------------------------------------------------- */

static int op_create_cycle(void)
{
    HANDLE h =
        CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, SIZE, "bench-cycle");
    char *p = h ? MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, SIZE) : NULL;
    if (!p)
        return -1;
    touch(p);
    UnmapViewOfFile(p);
    CloseHandle(h);
    return 0;
}

static int base_create_cycle(void)
{
    int fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ftruncate(fd, SIZE) != 0)
        return -1;
    char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    touch(p);
    munmap(p, SIZE);
    close(fd);
    shm_unlink(shm_name);
    return 0;
}

static int op_open_existing(void)
{
    HANDLE h = OpenFileMappingA(FILE_MAP_READ, FALSE, "bench-held");
    const char *p = h ? MapViewOfFile(h, FILE_MAP_READ, 0, 0, SIZE) : NULL;
    if (!p)
        return -1;
    readall(p);
    UnmapViewOfFile(p);
    CloseHandle(h);
    return 0;
}

static int base_open_existing(void)
{
    int fd = shm_open(shm_name, O_RDONLY, 0);
    if (fd < 0)
        return -1;
    const char *p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    readall(p);
    munmap((void *)p, SIZE);
    close(fd);
    return 0;
}

/* ns per iteration of iters calls of fn. */
static double time_op(int (*fn)(void), int iters)
{
    double t0 = bench_now_ns();
    for (int i = 0; i < iters; i++)
        if (fn() != 0) {
            fprintf(stderr, "shmap bench: operation failed (error %lu)\n",
                    (unsigned long)GetLastError());
            exit(1);
        }
    return (bench_now_ns() - t0) / iters;
}

/* Interleaved rounds of a and b; medians in *ma, *mb. */
void bench_compare(int (*a)(void), int (*b)(void), int iters, double *ma, double *mb)
{
    double va[64], vb[64];
    int n = bench_runs < 64 ? bench_runs : 64;
    time_op(a, iters / 4 + 1); /* warm up */
    time_op(b, iters / 4 + 1);
    for (int r = 0; r < n; r++) {
        va[r] = time_op(a, iters);
        vb[r] = time_op(b, iters);
    }
    *ma = bench_median(va, n);
    *mb = bench_median(vb, n);
}

void bench_die(const char *what, long got)
{
    fprintf(stderr, "shmap bench: %s: unexpected result %ld\n", what, got);
    exit(1);
}

void bench_report(const char *name, double s, double b, const char *target)
{
    if (bench_json)
        printf("{\"bench\": \"%s\", \"shmap_ns\": %.1f, \"baseline_ns\": %.1f, \"ratio\": %.3f}\n",
               name, s, b, s / b);
    else
        printf("%-20s %12.0f %12.0f %8.3f   %s\n", name, s, b, s / b, target);
    fflush(stdout);
}

/* ---- helper processes ------------------------------------------------------- */

/* Start "<self> __bench-hold PREFIX COUNT SIZE": creates COUNT named objects,
 * prints "ready", holds them until stdin closes. */
static pid_t start_holder(const char *prefix, int count, int size, int *in)
{
    int pin[2], pout[2];
    if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC))
        return -1;
    char c[16], s[16];
    snprintf(c, sizeof c, "%d", count);
    snprintf(s, sizeof s, "%d", size);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        execl("/proc/self/exe", "shmap", "__bench-hold", prefix, c, s, (char *)NULL);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    char buf[16] = "";
    ssize_t n = read(pout[0], buf, sizeof buf - 1);
    close(pout[0]);
    if (n <= 0 || strncmp(buf, "ready", 5)) {
        fprintf(stderr, "shmap bench: holder failed\n");
        return -1;
    }
    *in = pin[1];
    return pid;
}

static void stop_holder(pid_t pid, int in)
{
    close(in);
    waitpid(pid, NULL, 0);
}

int cmd_bench_hold(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int count = atoi(argv[1]), size = atoi(argv[2]);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    char name[128];
    for (int i = 0; i < count; i++) {
        snprintf(name, sizeof name, "%s%d", argv[0], i);
        shmap_handle_t h;
        int r = shmap_mapping_create(SHMAP_NULL_HANDLE, count == 1 ? argv[0] : name,
                                     SHMAP_PAGE_READWRITE, (uint64_t)size, 0, &h);
        if (r < 0)
            return cli_fail("holder create", r);
    }
    printf("ready\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

/* ---- workloads ---------------------------------------------------------------- */

static void bench_create_cycle(void)
{
    double s, b;
    bench_compare(op_create_cycle, base_create_cycle, 400, &s, &b);
    bench_report("create_cycle", s, b, "target <= 1.25");
}

static void bench_open_existing(void)
{
    int in;
    pid_t pid = start_holder("bench-held", 1, SIZE, &in);
    int fd = shm_open(shm_name, O_RDWR | O_CREAT, 0600);
    if (pid < 0 || fd < 0 || ftruncate(fd, SIZE) != 0)
        exit(1);
    double s, b;
    bench_compare(op_open_existing, base_open_existing, 400, &s, &b);
    bench_report("open_existing", s, b, "target <= 1.25");
    stop_holder(pid, in);
    /* held by this process: opening a name we hold costs no system call */
    HANDLE h =
        CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, SIZE, "bench-held");
    bench_compare(op_open_existing, base_open_existing, 400, &s, &b);
    bench_report("open_existing_local", s, b, "(informational)");
    CloseHandle(h);
    close(fd);
    shm_unlink(shm_name);
}

static void bench_create_cycle_100k(void)
{
    enum { TOTAL = 100000, HOLDERS = 7 };
    double without[64], with[64];
    int n = bench_runs < 32 ? bench_runs : 32;
    time_op(op_create_cycle, 100);
    for (int r = 0; r < n; r++)
        without[r] = time_op(op_create_cycle, 400);
    pid_t pids[HOLDERS];
    int ins[HOLDERS];
    double t0 = bench_now_ns();
    for (int i = 0; i < HOLDERS; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "bench-100k-%d-", i);
        if ((pids[i] =
                 start_holder(prefix, TOTAL / HOLDERS + (i < TOTAL % HOLDERS), PAGE, &ins[i])) < 0)
            exit(1);
    }
    if (!bench_json)
        fprintf(stderr, "  (%d objects created by %d holders in %.1f s)\n", TOTAL, HOLDERS,
                (bench_now_ns() - t0) / 1e9);
    for (int r = 0; r < n; r++)
        with[r] = time_op(op_create_cycle, 400);
    for (int i = 0; i < HOLDERS; i++)
        stop_holder(pids[i], ins[i]);
    shmap_ns_reclaim();
    /* "without" again, after: neither side gets the cold start */
    for (int r = 0; r < n; r++)
        without[n + r] = time_op(op_create_cycle, 400);
    bench_report("create_cycle_100k", bench_median(with, n), bench_median(without, 2 * n),
                 "target <= 1.10 (vs create_cycle)");
}

static const struct {
    const char *name;
    void (*fn)(void);
    const char *what;
} workloads[] = {
    {"create_cycle", bench_create_cycle,
     "create + map + touch + unmap + close a named 64 KiB mapping"},
    {"open_existing", bench_open_existing,
     "open + map + read + unmap + close a held mapping (+ _local)"},
    {"create_cycle_100k", bench_create_cycle_100k, "create_cycle with 100 000 other objects alive"},
    {"event_pingpong", bench_event_pingpong,
     "round trip on two named events between processes (+ _spin)"},
    {"mutex_uncontended", bench_mutex_uncontended, "wait + release of a free named mutex"},
    {"wait_any_64", bench_wait_any_64, "round trip where the waiter waits on 64 events"},
    {"abandon_latency", bench_abandon_latency, "from kill -9 of a mutex owner to WAIT_ABANDONED"},
    {"spawn_inherit", bench_spawn_inherit, "CreateProcess with 16 inherited handles + wait"},
    {"duplicate_remote", bench_duplicate_remote,
     "DuplicateHandle of an event into a running child"},
    {"job_close_kill", bench_job_close_kill,
     "kill -9 of a kill-on-close job's holder ends its member"},
    {"wine_event_relay", bench_wine_event_relay,
     "event round trip, Windows program under shmap wine <-> native (skipped without wine)"},
};
#define NWORKLOADS (sizeof workloads / sizeof workloads[0])

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: shmap bench [NAME] [--json] [--runs N]\n"
               "  NAME      one workload (default: all, in this order):\n");
    for (size_t i = 0; i < NWORKLOADS; i++)
        fprintf(f, "    %-20s %s\n", workloads[i].name, workloads[i].what);
    fprintf(f, "  --json    one JSON line per workload\n"
               "  --runs N  rounds per workload, 1..1000000 (default 7)\n");
}

int cmd_bench(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            bench_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json"))
            bench_json = 1;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            int64_t v = cli_size(argv[++i]);
            if (v < 1 || v > 1000000) {
                fprintf(stderr, "shmap bench: bad --runs '%s' (1..1000000)\n", argv[i]);
                return 2;
            }
            bench_runs = (int)v;
        } else if (argv[i][0] != '-' && !only)
            only = argv[i];
        else {
            bench_usage(stderr);
            return 2;
        }
    }
    int known = !only;
    for (size_t i = 0; i < NWORKLOADS && !known; i++)
        known = !strcmp(only, workloads[i].name);
    if (!known) {
        fprintf(stderr, "shmap bench: no workload named '%s' (shmap bench --help)\n", only);
        return 2;
    }
    if (bench_runs < 1)
        bench_runs = 1;
    snprintf(shm_name, sizeof shm_name, "/shmap-bench-baseline-%d", (int)getpid());
    bench_cleanup_arm(shm_name);
    int r = getenv("SHMAP_ROOT") ? 0 : bench_make_root();
    if (r)
        return cli_fail("bench: mkdtemp", r);
    if (!bench_json) {
        struct utsname u;
        uname(&u);
        printf("shmap %s, %ld cpus, Linux %s; medians of %d rounds, ns per iteration\n",
               shmap_version(), sysconf(_SC_NPROCESSORS_ONLN), u.release, bench_runs);
        printf("%-20s %12s %12s %8s\n", "bench", "shmap_ns", "baseline_ns", "ratio");
    }
    for (size_t i = 0; i < NWORKLOADS; i++)
        if (!only || !strcmp(only, workloads[i].name))
            workloads[i].fn();
    bench_cleanup();
    return 0;
}
