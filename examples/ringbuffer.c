/*
 * ringbuffer.c - a producer/consumer ring buffer between two processes,
 * written against the Win32 face (<windows.h>) as a Windows program would
 * be: one named file mapping holds the ring, two named auto-reset events say
 * "an item was added" and "a slot was freed".
 *
 *   ringbuffer produce [--count N] [--name NAME]   put N items in the ring
 *   ringbuffer consume [--count N] [--name NAME]   take N items, check order
 *
 * Start them in either order (each creates or opens the objects); both end
 * after N items (default 1000).  The producer keeps the ring until the
 * consumer has taken everything, so a late consumer still finds it.  A side
 * that makes no progress for 10 s gives up with exit status 1.
 * Build: cc ringbuffer.c $(pkg-config --cflags --libs shmap-win32)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define SLOTS 16
#define SLOT_SIZE 64

struct ring {
    volatile LONG head; /* items added (the producer writes it) */
    volatile LONG tail; /* items taken (the consumer writes it) */
    char slot[SLOTS][SLOT_SIZE];
};

static HANDLE must(HANDLE h, const char *what)
{
    if (h == NULL) {
        fprintf(stderr, "ringbuffer: %s failed: error %lu\n", what, (unsigned long)GetLastError());
        exit(1);
    }
    return h;
}

/* Wait for an event; a 10 s silence means the other side is gone. */
static void wait_for(HANDLE ev, const char *what)
{
    if (WaitForSingleObject(ev, 10000) != WAIT_OBJECT_0) {
        fprintf(stderr, "ringbuffer: no %s for 10 s, giving up\n", what);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    const char *name = "ringbuffer-example";
    long count = 1000;
    int produce = argc > 1 && !strcmp(argv[1], "produce");
    if (argc < 2 || (!produce && strcmp(argv[1], "consume"))) {
        fprintf(stderr, "usage: ringbuffer produce|consume [--count N] [--name NAME]\n");
        return 2;
    }
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 < argc && !strcmp(argv[i], "--count") && atol(argv[i + 1]) > 0)
            count = atol(argv[i + 1]);
        else if (i + 1 < argc && !strcmp(argv[i], "--name"))
            name = argv[i + 1];
        else {
            fprintf(stderr, "ringbuffer: bad option %s\n", argv[i]);
            return 2;
        }
    }
    char added_name[300], freed_name[300];
    snprintf(added_name, sizeof added_name, "%s.added", name);
    snprintf(freed_name, sizeof freed_name, "%s.freed", name);
    HANDLE map = must(CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                         sizeof(struct ring), name),
                      "CreateFileMapping");
    struct ring *r = MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, 0);
    if (!r) {
        fprintf(stderr, "ringbuffer: MapViewOfFile failed: error %lu\n",
                (unsigned long)GetLastError());
        return 1;
    }
    HANDLE added = must(CreateEventA(NULL, FALSE, FALSE, added_name), "CreateEvent");
    HANDLE freed = must(CreateEventA(NULL, FALSE, FALSE, freed_name), "CreateEvent");

    if (produce) {
        for (long i = 0; i < count; i++) {
            while (r->head - InterlockedCompareExchange(&r->tail, 0, 0) == SLOTS)
                wait_for(freed, "free slot"); /* full */
            snprintf(r->slot[r->head % SLOTS], SLOT_SIZE, "item %ld", i);
            InterlockedIncrement(&r->head); /* publish, then tell */
            SetEvent(added);
        }
        while (InterlockedCompareExchange(&r->tail, 0, 0) != r->head)
            wait_for(freed, "consumer"); /* keep the ring until it is drained */
        printf("produced %ld items\n", count);
    } else {
        for (long i = 0; i < count; i++) {
            while (InterlockedCompareExchange(&r->head, 0, 0) == r->tail)
                wait_for(added, "item"); /* empty */
            char want[SLOT_SIZE];
            snprintf(want, sizeof want, "item %ld", i);
            if (strcmp(r->slot[r->tail % SLOTS], want)) {
                fprintf(stderr, "ringbuffer: got '%s', expected '%s'\n", r->slot[r->tail % SLOTS],
                        want);
                return 1;
            }
            InterlockedIncrement(&r->tail);
            SetEvent(freed);
        }
        printf("consumed %ld items, in order\n", count);
    }
    UnmapViewOfFile(r);
    CloseHandle(added);
    CloseHandle(freed);
    CloseHandle(map);
    return 0;
}
