/*
 * telemetry-reader.c - follows a live telemetry mapping (native API): prints
 * each new sample that telemetry-writer publishes, until the writer marks
 * the record done, or N samples were printed.
 *
 *   telemetry-reader [--name NAME] [--count N]
 *
 * It waits up to 10 s for the writer to create the mapping, then polls
 * every 5 ms:
 * a follower may skip samples when the writer is faster, never shows a
 * half-written one (telemetry.h: the sequence lock).  Gives up after 30 s
 * without a new sample.  Build:
 *   cc telemetry-reader.c $(pkg-config --cflags --libs shmap)
 */
#include <errno.h>
#include <shmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry.h"

static int fail(const char *what, int err)
{
    fprintf(stderr, "telemetry-reader: %s: %s (Win32 error %u)\n", what, shmap_strerror(err),
            (unsigned)shmap_win32_error(err));
    return 1;
}

/* A consistent copy of the record. */
static struct telemetry snapshot(const struct telemetry *t)
{
    struct telemetry s;
    for (;;) {
        uint32_t before = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
        s.done = t->done;
        s.sample = t->sample;
        s.value = t->value;
        s.time_ns = t->time_ns;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (!(before & 1) && __atomic_load_n(&t->seq, __ATOMIC_RELAXED) == before) {
            s.seq = before;
            return s;
        }
    }
}

int main(int argc, char **argv)
{
    const char *name = "telemetry";
    long count = -1;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 < argc && !strcmp(argv[i], "--name"))
            name = argv[i + 1];
        else if (i + 1 < argc && !strcmp(argv[i], "--count") && atol(argv[i + 1]) > 0)
            count = atol(argv[i + 1]);
        else {
            fprintf(stderr, "usage: telemetry-reader [--name NAME] [--count N]\n");
            return 2;
        }
    }
    char att_name[300], det_name[300];
    snprintf(att_name, sizeof att_name, "%s.attached", name);
    snprintf(det_name, sizeof det_name, "%s.detached", name);
    shmap_handle_t map, attached, detached;
    const struct telemetry *t;
    int r;
    for (int tries = 0; /* the writer may not be there yet: wait up to 10 s */; tries++) {
        r = shmap_mapping_open(name, SHMAP_FILE_MAP_READ, 0, &map);
        if (r != -ENOENT || tries == 200)
            break;
        shmap_sleep(50, 0);
    }
    if (r < 0)
        return fail(name, r);
    if ((r = shmap_view_map(map, SHMAP_FILE_MAP_READ, 0, 0, NULL, (void **)&t)) < 0)
        return fail("shmap_view_map", r);
    if ((r = shmap_semaphore_open(att_name, SHMAP_SEMAPHORE_MODIFY_STATE, 0, &attached)) < 0 ||
        (r = shmap_semaphore_open(det_name, SHMAP_SEMAPHORE_MODIFY_STATE, 0, &detached)) < 0)
        return fail("shmap_semaphore_open", r);
    shmap_semaphore_release(attached, 1, NULL);
    uint64_t last = 0;
    long shown = 0, idle = 0;
    struct telemetry s = snapshot(t);
    while (count < 0 || shown < count) {
        s = snapshot(t);
        if (s.sample != last) {
            printf("sample %llu value %.3f\n", (unsigned long long)s.sample, s.value);
            last = s.sample;
            shown++;
            idle = 0;
        } else if (s.done)
            break;
        else if (++idle > 6000) {
            fprintf(stderr, "telemetry-reader: no sample for 30 s\n");
            break;
        }
        shmap_sleep(5, 0);
    }
    printf("last sample %llu%s\n", (unsigned long long)last, s.done ? " (writer done)" : "");
    fflush(stdout);
    shmap_semaphore_release(detached, 1, NULL);
    shmap_view_unmap((void *)t);
    shmap_close(attached);
    shmap_close(detached);
    shmap_close(map);
    return idle > 6000;
}
