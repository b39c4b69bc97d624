/*
 * test-killstorm.c - kill -9 at random instants (§5 of the issue).
 *
 * Six workers create, open, map, check, write and close sections on a
 * small set of names while the test kills random workers and starts new
 * ones, for 12 seconds.  One survivor holds half of the names throughout.
 * Checks: a section reported created is zero-filled; a complete section's
 * contents always match its checksum; the survivor's sections keep their
 * identity and data; at the end, once every holder is gone and orphans are
 * reclaimed (the next visitor's job, by design), the namespace is empty.
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE
#define SIZE 65536
#define NAMES 8
#define WORKERS 6
#define FAILED 99

struct content {
    _Atomic uint32_t complete; /* 1 once the creator wrote everything */
    uint32_t seed;
    uint64_t sum;
    _Atomic uint32_t visits; /* bumped by every worker that opens it */
    uint8_t data[SIZE - 24];
};

static void name_of(int i, char *buf)
{
    snprintf(buf, 32, "storm-%d", i);
}

static uint64_t fill(struct content *c, uint32_t seed)
{
    uint64_t sum = 0, x = seed | 1;
    for (size_t i = 0; i < sizeof c->data; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        c->data[i] = (uint8_t)x;
        sum += c->data[i] * (i + 1);
    }
    return sum;
}

static uint64_t checksum(const struct content *c)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof c->data; i++)
        sum += c->data[i] * (i + 1);
    return sum;
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* One round of a worker on one name; false if an invariant broke. */
static bool worker_round(int idx, unsigned *rng)
{
    char name[32];
    name_of(idx, name);
    shmap_handle_t h;
    int r = shmap_mapping_create(PF, name, RW, SIZE, 0, &h);
    if (r < 0) {
        fprintf(stderr, "worker %d: create %s: %d\n", (int)getpid(), name, r);
        return false;
    }
    struct content *c;
    int e = shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&c);
    if (e != 0) {
        fprintf(stderr, "worker %d: map %s: %d\n", (int)getpid(), name, e);
        return false;
    }
    bool ok = true;
    if (r == 0) {
        /* a new object is zero-filled (others may already bump visits) */
        ok = all_zero(c, offsetof(struct content, visits)) && all_zero(c->data, sizeof c->data);
        if (!ok)
            fprintf(stderr, "worker %d: new %s not zero-filled\n", (int)getpid(), name);
        c->seed = (uint32_t)rand_r(rng);
        c->sum = fill(c, c->seed);
        atomic_store(&c->complete, 1);
    } else if (atomic_load(&c->complete)) {
        ok = checksum(c) == c->sum;
        if (!ok)
            fprintf(stderr, "worker %d: %s checksum\n", (int)getpid(), name);
    }
    atomic_fetch_add(&c->visits, 1);
    if (rand_r(rng) % 4 == 0) /* sometimes keep it a while */
        usleep((useconds_t)(rand_r(rng) % 2000));
    shmap_view_unmap(c);
    shmap_close(h);
    return ok;
}

HELPER(storm_worker)
{
    unsigned rng = (unsigned)getpid() ^ (unsigned)time(NULL);
    for (;;) {
        if (!worker_round(rand_r(&rng) % NAMES, &rng))
            return FAILED;
    }
    return 0;
}

/* The survivor: holds names 0..3 all along, checks them at the end. */
HELPER(storm_survivor)
{
    shmap_handle_t h[NAMES / 2];
    struct content *c[NAMES / 2];
    uint64_t sums[NAMES / 2];
    for (int i = 0; i < NAMES / 2; i++) {
        char name[32];
        name_of(i, name);
        if (shmap_mapping_create(PF, name, RW, SIZE, 0, &h[i]) != 0)
            return 2;
        if (shmap_view_map(h[i], SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&c[i]))
            return 3;
        c[i]->seed = (uint32_t)i;
        sums[i] = c[i]->sum = fill(c[i], (uint32_t)i);
        atomic_store(&c[i]->complete, 1);
    }
    printf("ready\n");
    fflush(stdout);
    char buf[8];
    if (!fgets(buf, sizeof buf, stdin))
        return 4;
    for (int i = 0; i < NAMES / 2; i++) {
        if (checksum(c[i]) != sums[i] || c[i]->sum != sums[i])
            return 5;
        /* the name still leads to this very object */
        char name[32];
        name_of(i, name);
        shmap_handle_t o;
        struct content *v;
        if (shmap_mapping_create(PF, name, RW, SIZE, 0, &o) != SHMAP_EXISTED)
            return 6;
        if (shmap_view_map(o, SHMAP_FILE_MAP_READ, 0, 0, NULL, (void **)&v) || v->sum != sums[i])
            return 7;
        shmap_view_unmap(v);
        shmap_close(o);
        printf("visits %u\n", atomic_load(&c[i]->visits));
    }
    fflush(stdout);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reap a worker; counts a broken invariant (it exits FAILED). */
static void reap(pid_t pid, int *failures)
{
    int st = wait_pid(pid, 10);
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        return;
    if (*failures < 3)
        fprintf(stderr, "worker %d: %s %d\n", (int)pid, WIFEXITED(st) ? "exited" : "signal",
                WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    (*failures)++;
}

TEST_T(killstorm_kill9_storm_loses_nothing_and_leaks_nothing, 120)
{
    proc_t surv = spawn_helper_piped("storm_survivor", (char *)NULL);
    char line[64];
    proc_line(&surv, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "ready");

    pid_t w[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        w[i] = spawn_helper("storm_worker", (char *)NULL);
    int failures = 0, kills = 0;
    unsigned rng = (unsigned)getpid();
    double end = now_s() + 12;
    while (now_s() < end) {
        usleep((useconds_t)(2000 + rand_r(&rng) % 30000));
        int i = rand_r(&rng) % WORKERS;
        kill(w[i], SIGKILL);
        reap(w[i], &failures);
        kills++;
        w[i] = spawn_helper("storm_worker", (char *)NULL);
    }
    for (int i = 0; i < WORKERS; i++) {
        kill(w[i], SIGKILL);
        reap(w[i], &failures);
    }
    ASSERT_EQ(failures, 0);
    ASSERT_GT(kills, 100);

    ASSERT_EQ(write(surv.in, "check\n", 6), 6);
    long visits = 0;
    for (int i = 0; i < NAMES / 2; i++) {
        proc_line(&surv, line, sizeof line, 10);
        ASSERT_EQ(strncmp(line, "visits ", 7), 0);
        visits += atol(line + 7);
    }
    ASSERT_GT(visits, 0); /* the workers did reach the survivor's objects */
    proc_end(&surv, 0, 10);
    /* The survivor released its names at exit; names whose last holder was
     * killed are orphans until a visitor comes: reclaim them, then nothing
     * may be left. */
    ASSERT_GE(shmap_ns_reclaim(), 0);
    ASSERT_EQ(count_ns_entries(), 0);
}
