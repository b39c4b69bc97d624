/*
 * faultloop.h - the anomaly loop of test-faultloop*.c (SQLite style, STYLE
 * 13), included by each of them: system call N of a public call (through
 * sys.c's table) fails with ENOMEM, EMFILE or ENOSPC, once and from then
 * on, and with one EINTR, for N = 1, 2, ... until the call runs untouched.
 * After each round:
 *   - the call succeeded completely (each op checks its result), or failed
 *     with the error of the fault, GetLastError set;
 *   - no descriptor, mapping, namespace file or child process is left over
 *     (nor a descriptor in the helper a handle was put into);
 *   - the same call made again without faults succeeds, afresh: nothing
 *     half-made is found, no lock is left held (the harness's timeout
 *     bounds it).
 * The objects that are opened, duplicated out of and put into live in a
 * helper process (holder).  Each loop prints its number of fault points
 * (system calls of one untouched run) and may require a minimum: process,
 * handle and job calls did not reach one while process.c, spawn.c, job.c
 * and xfer.c called the kernel directly.  docs/DESIGN.md §12.
 *
 * FAULTLOOP_TRACE=1 names each round on stderr (to find which one an
 * ASSERT_* failed in); FAULTLOOP_POINTS_ONLY=1 runs no faults, only counts.
 */
#ifndef SHMAP_TEST_FAULTLOOP_H
#define SHMAP_TEST_FAULTLOOP_H

#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <windows.h>

#include "shmap.h"

/* sys.c's fault injection and win32/error.c's table (hidden; linked
 * statically). */
void shmap__fault_arm(unsigned long nth, int err, int persistent);
unsigned long shmap__fault_calls(void);
int shmap__fault_fired(void);
DWORD shmap_w32__code(int err);

#define POISON_ERR 0xdeadbeefu
#define NO_ERROR_SET 0xe0000001u /* a failed call left GetLastError at 0 */

/* What the ops share. */
static struct {
    HANDLE h, h2, job, file, out;
    void *view, *p;
    PROCESS_INFORMATION pi;
    char path[4200];
    int ns; /* entries before the call */
} C;

/* ---- the loop --------------------------------------------------------------------- */

enum phase { SETUP, RUN, OK, FAILED, TEARDOWN };
typedef DWORD (*op_fn)(enum phase ph);

static const struct {
    int err, persistent;
} modes[] = {{ENOMEM, 0}, {ENOMEM, 1}, {EMFILE, 0}, {EMFILE, 1}, {ENOSPC, 0}, {EINTR, 0}};

/* A failed Win32 call's error (0 for success). */
static DWORD le(BOOL ok)
{
    if (ok)
        return 0;
    DWORD e = GetLastError();
    return e ? e : NO_ERROR_SET;
}
static DWORD leh(HANDLE h)
{
    return le(h != NULL);
}
/* What a call may report when err was injected: err's own code, or lack of
 * memory (what a failed anonymous mapping or allocation says). */
static bool allowed(DWORD e, int err)
{
    if (e == ERROR_NOT_ENOUGH_MEMORY)
        return true;
    if (err == EMFILE)
        return e == ERROR_TOO_MANY_OPEN_FILES;
    if (err == ENOSPC)
        return e == ERROR_DISK_FULL || e == ERROR_COMMITMENT_LIMIT;
    return false;
}

static int cur_persistent; /* the round's faults go on: cleanup inside the call fails too */
static bool cur_round;     /* checking a faulted call (not a clean run) */

static proc_t holder = {-1, -1, -1};
static int holder_base_fds = -1;

static int holder_fds(void)
{
    if (holder.pid < 0)
        return -1;
    char line[64];
    ASSERT_EQ(write(holder.in, "f\n", 2), 2);
    proc_line(&holder, line, sizeof line, 10);
    return atoi(line);
}

static int count_children(void)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    FILE *f = fopen(path, "re");
    ASSERT_NOT_NULL(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    int k = 0;
    for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
        k++;
    return k;
}

struct snap {
    int fds, maps, ns, kids, holder;
};

/* The mappings at the last snapshot, to show what changed. */
static char maps_then[1 << 18];

static void read_maps(char *buf, size_t n)
{
    FILE *f = fopen("/proc/self/maps", "re");
    ASSERT_NOT_NULL(f);
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = 0;
    fclose(f);
}

/* A mapping of the kind shmap makes: shared, or of a file (the namespace, a
 * memfd, a test's file).  Private anonymous memory is left out: malloc's,
 * and under ASan its allocator's, come and go. */
static bool ours(const char *line)
{
    char perms[8] = "";
    return (sscanf(line, "%*s %7s", perms) == 1 && perms[3] == 's') || strstr(line, "/dev/shm/") ||
           strstr(line, "memfd:") || strstr(line, "/fl-");
}

static int count_maps(void)
{
    static char now[1 << 18];
    read_maps(now, sizeof now);
    int n = 0;
    for (char *l = strtok(now, "\n"); l; l = strtok(NULL, "\n"))
        n += ours(l);
    return n;
}

static void show_new_maps(void)
{
    static char now[1 << 18];
    read_maps(now, sizeof now);
    for (char *l = strtok(now, "\n"); l; l = strtok(NULL, "\n"))
        if (ours(l) && !strstr(maps_then, l))
            fprintf(stderr, "  new mapping: %s\n", l);
}

static void take(struct snap *s)
{
    s->holder = holder_fds(); /* first: it takes in what was sent (closes too) */
    s->fds = count_fds();
    s->maps = count_maps();
    read_maps(maps_then, sizeof maps_then);
    s->ns = count_ns_entries();
    s->kids = count_children();
}

static void same(const char *op, const struct snap *b, int err, int pers, unsigned long n, DWORD e)
{
    char then[sizeof maps_then];
    memcpy(then, maps_then, sizeof then);
    struct snap a;
    take(&a);
    if (a.maps != b->maps) {
        memcpy(maps_then, then, sizeof then);
        show_new_maps();
    }
    if (a.fds != b->fds || a.maps != b->maps || a.ns != b->ns || a.kids != b->kids ||
        a.holder != b->holder)
        harness_fail(__FILE__, __LINE__,
                     "%s, err %d%s at call %lu (returned %lu): fds %d->%d, maps %d->%d, "
                     "namespace %d->%d, children %d->%d, holder's fds %d->%d",
                     op, err, pers ? " from then on" : "", n, (unsigned long)e, b->fds, a.fds,
                     b->maps, a.maps, b->ns, a.ns, b->kids, a.kids, b->holder, a.holder);
}

static void close_if(HANDLE *h)
{
    if (*h)
        ASSERT_TRUE(CloseHandle(*h));
    *h = NULL;
}

/* An op's own teardown, then the handles of C it left: an op whose
 * teardown only closes those has no TEARDOWN case. */
static void teardown(op_fn op)
{
    op(TEARDOWN);
    close_if(&C.h);
    close_if(&C.h2);
    close_if(&C.job);
    close_if(&C.file);
    close_if(&C.out);
}

/* One untouched run; returns its number of fault points.  ns: the
 * namespace entries it starts from (orphans a failed round left, which it
 * is to take over, not counted). */
static unsigned long clean_run(const char *name, op_fn op, int ns)
{
    C.ns = ns;
    op(SETUP);
    SetLastError(POISON_ERR);
    shmap__fault_arm(ULONG_MAX, EIO, 0); /* never fires: counts */
    DWORD e = op(RUN);
    unsigned long points = shmap__fault_calls();
    shmap__fault_arm(0, 0, 0);
    if (e)
        harness_fail(__FILE__, __LINE__, "%s without faults: error %lu", name, (unsigned long)e);
    op(OK);
    teardown(op);
    return points;
}

/* The checks after a round whose call returned e: nothing left over, and
 * the call works again, afresh.  Returns the orphans it found. */
static unsigned after_round(const char *name, op_fn op, const struct snap *b, int err, int pers,
                            unsigned long n, DWORD e)
{
    holder_fds(); /* it takes in what was sent to it (closes) first */
    int left = pers ? count_ns_entries() - b->ns : 0;
    if (left > 0) {
        /* Under faults from then on, a release inside the call fails
         * too: what it left must be orphans, which the next create takes
         * over afresh (named_made: not "already exists") and a visitor
         * removes (not a live object). */
        clean_run(name, op, b->ns);
        ASSERT_GE(shmap_ns_reclaim(), 0);
        same(name, b, err, pers, n, e);
        return (unsigned)left;
    }
    same(name, b, err, pers, n, e);
    if (e) { /* again, untouched: it works, afresh */
        clean_run(name, op, b->ns);
        same(name, b, err, pers, n, e);
    }
    return 0;
}

/* extra: a documented code the call gives for any failure of its kind
 * (FlushViewOfFile: ERROR_IO_DEVICE), or 0. */
static void loop(const char *name, op_fn op, unsigned long min_points, DWORD extra)
{
    /* warm the caches: table windows, and the 8 state pages kept mapped
     * (DESIGN §16), which a call adopting a new object each time fills */
    for (int i = 0; i < 9; i++)
        clean_run(name, op, count_ns_entries());
    unsigned long points = clean_run(name, op, count_ns_entries());
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned rounds = 0, failures = 0, orphans = 0;
    /* FAULTLOOP_POINTS_ONLY=1: count, and check the minimum, only */
    size_t nmodes = getenv("FAULTLOOP_POINTS_ONLY") ? 0 : sizeof modes / sizeof modes[0];
    for (size_t m = 0; m < nmodes; m++) {
        int err = modes[m].err, pers = modes[m].persistent;
        for (unsigned long n = 1;; n++) {
            struct snap b;
            take(&b);
            C.ns = b.ns;
            op(SETUP);
            SetLastError(POISON_ERR);
            cur_persistent = pers;
            shmap__fault_arm(n, err, pers);
            DWORD e = op(RUN);
            int fired = shmap__fault_fired();
            shmap__fault_arm(0, 0, 0);
            rounds++;
            if (e && (err == EINTR || !(allowed(e, err) || (extra && e == extra))))
                harness_fail(__FILE__, __LINE__, "%s, err %d%s at call %lu: error %lu", name, err,
                             pers ? " from then on" : "", n, (unsigned long)e);
            if (getenv("FAULTLOOP_TRACE")) /* which round an ASSERT_* in op failed in */
                fprintf(stderr, "%s: err %d%s at call %lu: error %lu\n", name, err,
                        pers ? " from then on" : "", n, (unsigned long)e);
            cur_round = true;
            op(e ? FAILED : OK);
            cur_round = false;
            teardown(op);
            cur_persistent = 0;
            failures += e != 0;
            orphans += after_round(name, op, &b, err, pers, n, e);
            if (!fired)
                break;
            if (n > 4 * points + 64)
                harness_fail(__FILE__, __LINE__, "%s: still failing at call %lu", name, n);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# %-26s %3lu fault points, %4u rounds, %4u failed, %u orphans taken over, %ld ms\n",
           name, points, rounds, failures, orphans,
           (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
    fflush(stdout);
    if (points < min_points)
        harness_fail(__FILE__, __LINE__, "%s reaches %lu system calls through the table, not %lu",
                     name, points, min_points);
}

#define LOOP(op, min) loop(#op, op, min, 0)
#define LOOPX(op, min, extra) loop(#op, op, min, extra)

/* ---- the holder: objects held by another process --------------------------------------- */

#define N_MAP "Local\\fl_map"
#define N_EV "Local\\fl_ev"
#define N_MTX "Local\\fl_mtx"
#define N_SEM "Local\\fl_sem"
#define N_TMR "Local\\fl_tmr"
#define N_JOB "Local\\fl_job"

/* Descriptors other than sockets: a holder drops the inbox connections of
 * putters that have gone only when it next reads (so those come and go). */
static int count_object_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    ASSERT_NOT_NULL(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[300], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t k = readlink(path, target, sizeof target - 1);
        n += k > 0 && strncmp(target, "socket:", 7) != 0;
    }
    closedir(d);
    return n;
}

/* Holds one object of each named type and an unnamed event; prints
 * "pid unnamed-event named-event"; then, per line "f" read, takes in what
 * was put into it (a handle lookup) and prints its number of descriptors
 * (sockets aside). */
HELPER(holder)
{
    (void)argc;
    (void)argv;
    HANDLE h[7] = {
        CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 65536, N_MAP),
        CreateEventA(NULL, TRUE, FALSE, N_EV),
        CreateMutexA(NULL, FALSE, N_MTX),
        CreateSemaphoreA(NULL, 1, 10, N_SEM),
        CreateWaitableTimerA(NULL, TRUE, N_TMR),
        CreateJobObjectA(NULL, N_JOB),
        CreateEventA(NULL, TRUE, FALSE, NULL),
    };
    for (int i = 0; i < 7; i++)
        if (!h[i])
            return 10 + i;
    printf("%u %lu %lu\n", (unsigned)getpid(), (unsigned long)(uintptr_t)h[6],
           (unsigned long)(uintptr_t)h[1]);
    fflush(stdout);
    char line[16];
    while (fgets(line, sizeof line, stdin)) {
        DWORD f;
        GetHandleInformation(h[6], &f);
        printf("%d\n", count_object_fds());
        fflush(stdout);
    }
    for (int i = 0; i < 7; i++)
        CloseHandle(h[i]);
    return 0;
}

static struct {
    DWORD pid;
    HANDLE unnamed_ev, named_ev; /* values in the holder */
} H;

static void holder_start(void)
{
    holder = spawn_helper_piped("holder", NULL);
    char line[128];
    proc_line(&holder, line, sizeof line, 20);
    unsigned long a, b;
    ASSERT_EQ(sscanf(line, "%lu %lu %lu", (unsigned long *)&H.pid, &a, &b), 3);
    H.unnamed_ev = (HANDLE)(uintptr_t)a;
    H.named_ev = (HANDLE)(uintptr_t)b;
    holder_base_fds = holder_fds();
}

static void holder_stop(void)
{
    proc_end(&holder, 0, 20);
    holder.pid = -1;
}

/* ---- what the ops share ------------------------------------------------------------ */

static HANDLE section(const char *name, DWORD protect, DWORD size)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, protect, 0, size, name);
    ASSERT_NOT_NULL(h);
    return h;
}

static void *map(HANDLE h, DWORD access)
{
    void *p = MapViewOfFile(h, access, 0, 0, 0);
    if (!p)
        harness_fail(__FILE__, __LINE__, "MapViewOfFile: %lu", (unsigned long)GetLastError());
    return p;
}

/* A new named object is complete: its name is there, and an open of it
 * finds the same object (is_same reads it through the second handle). */
static void named_made(HANDLE h, HANDLE (*open)(DWORD, BOOL, LPCSTR), DWORD access,
                       const char *name)
{
    ASSERT_NOT_NULL(h);
    ASSERT_EQ(count_ns_entries(), C.ns + 1);
    ASSERT_EQ_U(GetLastError(), 0); /* created, not opened */
    HANDLE o = open(access, FALSE, name);
    ASSERT_NOT_NULL(o);
    ASSERT_TRUE(CloseHandle(o));
}

/* Under persistent faults the failed call's own release fails too, and
 * leaves an orphan (DESIGN §4), which the loop then checks is one. */
static void nothing_made(HANDLE h)
{
    ASSERT_NULL(h);
    if (cur_persistent)
        ASSERT_LE(count_ns_entries(), C.ns + 1);
    else
        ASSERT_EQ(count_ns_entries(), C.ns);
}

static void temp_file(void)
{
    snprintf(C.path, sizeof C.path, "%s/../fl-file-%d", test_root(), (int)getpid());
    C.file = CreateFileA(C.path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(C.file != INVALID_HANDLE_VALUE);
}

static void temp_file_gone(void)
{
    if (C.file && C.file != INVALID_HANDLE_VALUE)
        ASSERT_TRUE(CloseHandle(C.file));
    C.file = NULL;
    unlink(C.path);
}

#endif
