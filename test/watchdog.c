/*
 * watchdog.c - see watchdog.h.
 */
#include "watchdog.h"
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

struct wd_slot {
    _Atomic uint64_t steps;
    _Atomic uint64_t rounds;
    _Atomic int state; /* 0 free, 1 watched, 2 left */
    int pid, tid;
    char label[48];
    char where[48];
};

struct watchdog {
    _Atomic int used;
    int nslots;
    int stall_ms;
    _Atomic int stop;
    pthread_t thread;
    struct wd_slot slot[];
};

struct watchdog *wd_new(int nslots)
{
    size_t len = sizeof(struct watchdog) + (size_t)nslots * sizeof(struct wd_slot);
    struct watchdog *wd =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (wd == MAP_FAILED)
        harness_fail(__FILE__, __LINE__, "wd_new: mmap");
    wd->nslots = nslots;
    const char *ms = getenv("SHMAP_WATCHDOG_MS");
    wd->stall_ms = ms && atoi(ms) > 0 ? atoi(ms) : 1000;
    return wd;
}

int wd_join(struct watchdog *wd, const char *label)
{
    int s = atomic_fetch_add(&wd->used, 1);
    if (s >= wd->nslots)
        harness_fail(__FILE__, __LINE__, "wd_join: more than %d workers", wd->nslots);
    struct wd_slot *w = &wd->slot[s];
    w->pid = getpid();
    w->tid = (int)syscall(SYS_gettid);
    snprintf(w->label, sizeof w->label, "%s", label);
    snprintf(w->where, sizeof w->where, "start");
    atomic_store(&w->state, 1);
    return s;
}

void wd_tick(struct watchdog *wd, int slot, const char *where)
{
    struct wd_slot *w = &wd->slot[slot];
    /* the step name is a literal of the worker: copy it only when it changes */
    if (strncmp(w->where, where, sizeof w->where) != 0)
        snprintf(w->where, sizeof w->where, "%s", where);
    atomic_fetch_add_explicit(&w->steps, 1, memory_order_release);
}

void wd_round(struct watchdog *wd, int slot)
{
    atomic_fetch_add_explicit(&wd->slot[slot].rounds, 1, memory_order_relaxed);
}
uint64_t wd_rounds(const struct watchdog *wd, int slot)
{
    return atomic_load(&((struct watchdog *)wd)->slot[slot].rounds);
}

void wd_leave(struct watchdog *wd, int slot)
{
    atomic_store(&wd->slot[slot].state, 2);
}

uint64_t wd_count(const struct watchdog *wd, int slot)
{
    return atomic_load(&((struct watchdog *)wd)->slot[slot].steps);
}
const char *wd_label(const struct watchdog *wd, int slot)
{
    return wd->slot[slot].label;
}
int wd_slots_used(const struct watchdog *wd)
{
    int n = atomic_load(&((struct watchdog *)wd)->used);
    return n < wd->nslots ? n : wd->nslots;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void read_wchan(const struct wd_slot *w, char *buf, size_t n)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/wchan", w->pid, w->tid);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(buf, 1, n - 1, f) : 0;
    buf[len] = 0;
    if (f)
        fclose(f);
    if (!len)
        snprintf(buf, n, "?");
}

static void *watch(void *arg)
{
    struct watchdog *wd = arg;
    uint64_t seen[wd->nslots];
    double since[wd->nslots];
    for (int i = 0; i < wd->nslots; i++)
        seen[i] = UINT64_MAX, since[i] = now_ms();
    while (!atomic_load(&wd->stop)) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        double t = now_ms();
        for (int i = 0; i < wd_slots_used(wd); i++) {
            struct wd_slot *w = &wd->slot[i];
            uint64_t c = atomic_load_explicit(&w->steps, memory_order_acquire);
            if (atomic_load(&w->state) != 1 || c != seen[i]) {
                seen[i] = c, since[i] = t;
                continue;
            }
            if (t - since[i] < wd->stall_ms)
                continue;
            char wchan[64];
            read_wchan(w, wchan, sizeof wchan);
            harness_fail(__FILE__, __LINE__,
                         "watchdog: worker '%s' (pid %d tid %d) made no progress for %d ms "
                         "after %llu steps, stuck in '%s' (kernel wait channel: %s)",
                         w->label, w->pid, w->tid, (int)(t - since[i]), (unsigned long long)c,
                         w->where, wchan);
        }
    }
    return NULL;
}

void wd_start(struct watchdog *wd)
{
    if (pthread_create(&wd->thread, NULL, watch, wd) != 0)
        harness_fail(__FILE__, __LINE__, "wd_start: pthread_create");
}

void wd_stop(struct watchdog *wd)
{
    atomic_store(&wd->stop, 1);
    pthread_join(wd->thread, NULL);
}
