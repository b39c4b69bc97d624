/*
 * test-killstorm-sync.c - kill -9 storm over the four synchronization types.
 *
 * Six worker processes open an auto event, a manual event, a mutex, a
 * semaphore and a periodic timer by name and do random waits (any and all,
 * timeouts from 0 to INFINITE), signals, pulses, releases and timer sets,
 * holding the mutex for a few milliseconds when they get it.  For 10 s the
 * test kills a worker with SIGKILL every 100 ms (every other time the one
 * that owns the mutex, if any) and starts a new one.
 * Then it sets a STOP event that every wait-any includes: every worker must
 * return from whatever it waits in and exit 0 (a lost wake-up, a lock left
 * held by a dead process or a corrupt state shows up as a hung or failed
 * worker).  The objects must then be consistent, the storm must have done
 * work and abandoned the mutex at least once, and the namespace must be
 * empty once the last handle is closed (the harness checks that).
 */
#include "harness.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>

#include "shmap.h"

#define WORKERS 6
#define DURATION_S 10
#define INF SHMAP_INFINITE

enum { E_AUTO, E_MANUAL, MTX, SEM, TMR, NOBJ };
static const char *const names[NOBJ] = {"auto", "manual", "mutex", "sem", "timer"};

struct stats {
    _Atomic uint64_t ops[WORKERS];
    _Atomic uint64_t abandoned;
    _Atomic uint64_t mutex_taken;
};

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

static int open_all(shmap_handle_t *h, shmap_handle_t *stop)
{
    uint32_t all = SHMAP_GENERIC_ALL;
    if (shmap_event_open(names[E_AUTO], all, 0, &h[E_AUTO]) ||
        shmap_event_open(names[E_MANUAL], all, 0, &h[E_MANUAL]) ||
        shmap_mutex_open(names[MTX], all, 0, &h[MTX]) ||
        shmap_semaphore_open(names[SEM], all, 0, &h[SEM]) ||
        shmap_timer_open(names[TMR], all, 0, &h[TMR]) ||
        shmap_event_open("stop", SHMAP_SYNCHRONIZE, 0, stop))
        return -1;
    return 0;
}

/* After a wait: if we got the mutex (index of MTX in the set), hold it a
 * little and give it back. */
static int got_mutex(shmap_handle_t m, struct stats *st, int abandoned, uint64_t *seed)
{
    atomic_fetch_add(&st->mutex_taken, 1);
    if (abandoned)
        atomic_fetch_add(&st->abandoned, 1);
    struct timespec ts = {0, (long)(rnd(seed) % 3000) * 1000};
    nanosleep(&ts, NULL);
    return shmap_mutex_release(m) == 0 ? 0 : -1;
}

HELPER(storm_worker)
{
    int idx = atoi(argv[0]);
    uint64_t seed = strtoull(argv[1], NULL, 10);
    shmap_handle_t h[NOBJ], stop, map;
    if (open_all(h, &stop))
        return 20;
    struct stats *st;
    if (shmap_mapping_open("stats", SHMAP_FILE_MAP_WRITE, 0, &map) ||
        shmap_view_map(map, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&st))
        return 21;
    (void)argc;
    for (;;) {
        uint32_t op = rnd(&seed) % 12;
        /* a random set of distinct objects, in random order */
        int perm[NOBJ] = {0, 1, 2, 3, 4};
        for (int i = NOBJ - 1; i > 0; i--) {
            int j = (int)(rnd(&seed) % (uint32_t)(i + 1)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int k = 1 + (int)(rnd(&seed) % NOBJ);
        shmap_handle_t set[NOBJ + 1];
        uint32_t ms = rnd(&seed) % 4 == 0 ? INF : rnd(&seed) % 20;
        int r = 0;
        if (op < 5) { /* wait-any, STOP first */
            set[0] = stop;
            for (int i = 0; i < k; i++)
                set[i + 1] = h[perm[i]];
            r = shmap_wait((uint32_t)k + 1, set, 0, ms);
            if (r == 0)
                return 0; /* STOP */
            if (r < 0)
                return 30;
            int i = (r & 0x7f) - 1;
            if (r != SHMAP_WAIT_TIMEOUT && perm[i] == MTX &&
                got_mutex(h[MTX], st, r >= SHMAP_WAIT_ABANDONED_0, &seed))
                return 31;
        } else if (op < 7) { /* wait-all, bounded */
            for (int i = 0; i < k; i++)
                set[i] = h[perm[i]];
            r = shmap_wait((uint32_t)k, set, SHMAP_WAIT_ALL, ms == INF ? 30 : ms);
            if (r < 0)
                return 32;
            bool has_mutex = false;
            for (int i = 0; i < k; i++)
                has_mutex |= perm[i] == MTX;
            if (r != SHMAP_WAIT_TIMEOUT && has_mutex &&
                got_mutex(h[MTX], st, r == SHMAP_WAIT_ABANDONED_0, &seed))
                return 33;
        } else if (op == 7) {
            r = shmap_event_set(h[rnd(&seed) % 2 ? E_AUTO : E_MANUAL], NULL);
        } else if (op == 8) {
            r = shmap_event_reset(h[E_MANUAL], NULL);
        } else if (op == 9) {
            r = shmap_event_pulse(h[rnd(&seed) % 2 ? E_AUTO : E_MANUAL], NULL);
        } else if (op == 10) {
            r = shmap_semaphore_release(h[SEM], 1 + (int32_t)(rnd(&seed) % 3), NULL);
            if (r == SHMAP_ETOOMANYPOSTS)
                r = 0;
        } else {
            r = shmap_timer_set(h[TMR], -(int64_t)(rnd(&seed) % 100000),
                                (int32_t)(rnd(&seed) % 2) * 7, NULL, NULL, 0);
        }
        if (r < 0)
            return 40 + (int)op;
        atomic_fetch_add(&st->ops[idx], 1);
    }
}

static pid_t start_worker(int i, uint64_t *seed)
{
    char a[16], b[32];
    snprintf(a, sizeof a, "%d", i);
    snprintf(b, sizeof b, "%u", rnd(seed));
    return spawn_helper("storm_worker", a, b, NULL);
}

TEST_T(kill9_storm_over_all_four_types, 120)
{
    uint32_t all = SHMAP_GENERIC_ALL;
    shmap_handle_t h[NOBJ], stop, map;
    ASSERT_EQ(shmap_event_create(names[E_AUTO], 0, all, 0, &h[E_AUTO]), 0);
    ASSERT_EQ(shmap_event_create(names[E_MANUAL], SHMAP_EVENT_MANUAL_RESET, all, 0, &h[E_MANUAL]),
              0);
    ASSERT_EQ(shmap_mutex_create(names[MTX], 0, all, 0, &h[MTX]), 0);
    ASSERT_EQ(shmap_semaphore_create(names[SEM], 0, 10, all, 0, &h[SEM]), 0);
    ASSERT_EQ(shmap_timer_create(names[TMR], 0, all, 0, &h[TMR]), 0);
    ASSERT_EQ(shmap_event_create("stop", SHMAP_EVENT_MANUAL_RESET, all, 0, &stop), 0);
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, "stats", SHMAP_PAGE_READWRITE, 4096, 0, &map),
              0);
    struct stats *st;
    ASSERT_EQ(shmap_view_map(map, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&st), 0);

    uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
    printf("# seed %llu\n", (unsigned long long)seed);
    pid_t w[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        w[i] = start_worker(i, &seed);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int kills = 0;
    do {
        usleep(50000 + rnd(&seed) % 100000);
        int i = (int)(rnd(&seed) % WORKERS);
        /* every other kill goes to the mutex's owner, if a worker owns it */
        shmap_mutex_info_t mi;
        if (kills % 2 && shmap_mutex_query(h[MTX], &mi) == 0 && mi.owner)
            for (int j = 0; j < WORKERS; j++)
                if ((uint32_t)w[j] == mi.owner)
                    i = j;
        /* a worker that failed on its own is a failure, not a victim */
        siginfo_t si = {0};
        if (waitid(P_PID, (id_t)w[i], &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == w[i])
            expect_exit(w[i], 0, 1);
        kill(w[i], SIGKILL);
        int status = wait_pid(w[i], 10);
        ASSERT_TRUE(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
        kills++;
        w[i] = start_worker(i, &seed);
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((long long)(now.tv_sec - t0.tv_sec) * 1000000000LL + (now.tv_nsec - t0.tv_nsec) <
             DURATION_S * 1000000000LL);

    /* every worker, whatever it waits in, must see STOP and exit 0 */
    ASSERT_EQ(shmap_event_set(stop, NULL), 0);
    for (int i = 0; i < WORKERS; i++)
        expect_exit(w[i], 0, 30);

    uint64_t ops = 0;
    for (int i = 0; i < WORKERS; i++)
        ops += atomic_load(&st->ops[i]);
    printf("# %d kills, %llu operations, mutex taken %llu times, %llu abandoned\n", kills,
           (unsigned long long)ops, (unsigned long long)atomic_load(&st->mutex_taken),
           (unsigned long long)atomic_load(&st->abandoned));
    ASSERT_GT(kills, 30);
    ASSERT_GT(ops, 1000);
    ASSERT_GT(atomic_load(&st->abandoned), 2);

    /* consistent objects: nobody alive owns the mutex, counts in range,
     * every internal lock free (each call below takes it) */
    int r = shmap_wait(1, &h[MTX], 0, 0);
    ASSERT_TRUE(r == SHMAP_WAIT_OBJECT_0 || r == SHMAP_WAIT_ABANDONED_0);
    ASSERT_EQ(shmap_mutex_release(h[MTX]), 0);
    shmap_mutex_info_t mi;
    ASSERT_EQ(shmap_mutex_query(h[MTX], &mi), 0);
    ASSERT_TRUE(mi.count == 1 && mi.owner == 0 && !mi.abandoned);
    int32_t c, mx;
    ASSERT_EQ(shmap_semaphore_query(h[SEM], &c, &mx), 0);
    ASSERT_TRUE(c >= 0 && c <= 10 && mx == 10);
    ASSERT_EQ(shmap_semaphore_release(h[SEM], 10 - c + 1, NULL), SHMAP_ETOOMANYPOSTS);
    for (int i = 0; i < c; i++)
        ASSERT_EQ(shmap_wait(1, &h[SEM], 0, 0), SHMAP_WAIT_OBJECT_0);
    ASSERT_EQ(shmap_wait(1, &h[SEM], 0, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_event_set(h[E_AUTO], NULL), 0);
    ASSERT_EQ(shmap_wait(1, &h[E_AUTO], 0, 0), SHMAP_WAIT_OBJECT_0);
    ASSERT_EQ(shmap_wait(1, &h[E_AUTO], 0, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_event_reset(h[E_MANUAL], NULL), 0);
    ASSERT_EQ(shmap_wait(1, &h[E_MANUAL], 0, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_timer_cancel(h[TMR]), 0);
    ASSERT_EQ(shmap_timer_set(h[TMR], -1, 0, NULL, NULL, 0), 0);
    ASSERT_EQ(shmap_wait(1, &h[TMR], 0, INF), SHMAP_WAIT_OBJECT_0);

    ASSERT_EQ(shmap_view_unmap(st), 0);
    shmap_close(map);
    shmap_close(stop);
    for (int i = 0; i < NOBJ; i++)
        ASSERT_EQ(shmap_close(h[i]), 0);
}
