/*
 * telemetry-writer.c - publishes samples in a live mapping (native API),
 * for telemetry-reader (C) and telemetry_reader.py (Python) to follow.
 *
 *   telemetry-writer [--name NAME] [--count N] [--interval-ms MS] [--readers K]
 *
 * Creates NAME (default "telemetry"), waits until K readers (default 0)
 * have attached, writes N samples (default 100) MS apart (default 20), then
 * marks the record done and waits until those K readers have left, so that
 * each one sees the end.  Gives up (exit 1) after 30 s without a reader.
 * Build: cc telemetry-writer.c $(pkg-config --cflags --libs shmap)
 */
#include <math.h>
#include <shmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telemetry.h"

static int fail(const char *what, int err)
{
    fprintf(stderr, "telemetry-writer: %s: %s (Win32 error %u)\n", what, shmap_strerror(err),
            (unsigned)shmap_win32_error(err));
    return 1;
}

/* Take n units of a semaphore: each is one reader's signal. */
static int take(shmap_handle_t sem, long n, const char *what)
{
    for (long i = 0; i < n; i++)
        if (shmap_wait(1, &sem, 0, 30000) != SHMAP_WAIT_OBJECT_0) {
            fprintf(stderr, "telemetry-writer: no reader %s in 30 s\n", what);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv)
{
    const char *name = "telemetry";
    long count = 100, interval = 20, readers = 0;
    for (int i = 1; i < argc; i += 2) {
        long v = i + 1 < argc ? atol(argv[i + 1]) : -1;
        if (i + 1 < argc && !strcmp(argv[i], "--name"))
            name = argv[i + 1];
        else if (!strcmp(argv[i], "--count") && v > 0)
            count = v;
        else if (!strcmp(argv[i], "--interval-ms") && v >= 0)
            interval = v;
        else if (!strcmp(argv[i], "--readers") && v >= 0)
            readers = v;
        else {
            fprintf(stderr, "usage: telemetry-writer [--name NAME] [--count N] "
                            "[--interval-ms MS] [--readers K]\n");
            return 2;
        }
    }
    char att_name[300], det_name[300];
    snprintf(att_name, sizeof att_name, "%s.attached", name);
    snprintf(det_name, sizeof det_name, "%s.detached", name);
    shmap_handle_t map, attached, detached;
    struct telemetry *t;
    int r = shmap_mapping_create(SHMAP_NULL_HANDLE, name, SHMAP_PAGE_READWRITE, 4096, 0, &map);
    if (r < 0)
        return fail("shmap_mapping_create", r);
    if ((r = shmap_view_map(map, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&t)) < 0)
        return fail("shmap_view_map", r);
    if ((r = shmap_semaphore_create(att_name, 0, 0x7fffffff, SHMAP_SEMAPHORE_ALL_ACCESS, 0,
                                    &attached)) < 0 ||
        (r = shmap_semaphore_create(det_name, 0, 0x7fffffff, SHMAP_SEMAPHORE_ALL_ACCESS, 0,
                                    &detached)) < 0)
        return fail("shmap_semaphore_create", r);
    printf("ready %s\n", name);
    fflush(stdout);
    if (take(attached, readers, "attached"))
        return 1;
    for (long i = 1; i <= count; i++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED); /* odd: writing */
        __atomic_thread_fence(__ATOMIC_RELEASE);
        t->sample = (uint64_t)i;
        t->value = 20.0 + 5.0 * sin((double)i / 10.0);
        t->time_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
        if (i == count)
            t->done = 1;
        __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE); /* even: consistent */
        if (interval && i < count)
            shmap_sleep((uint32_t)interval, 0);
    }
    printf("wrote %ld samples\n", count);
    r = take(detached, readers, "detached");
    shmap_view_unmap(t);
    shmap_close(attached);
    shmap_close(detached);
    shmap_close(map);
    return r;
}
