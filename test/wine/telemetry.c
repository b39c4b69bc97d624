/*
 * telemetry.c - a simulator's telemetry publisher, as Windows games and
 * simulators write one: a named mapping (Local\shmap-telemetry, or argv[1])
 * holding examples/telemetry.h's record, updated at 100 Hz under its
 * sequence lock; COUNT samples (argv[2], default 300), then done = 1.
 * Built for Windows (mingw) and run under `shmap wine`; a native reader
 * (examples/telemetry_reader.py's layout) follows it live.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../examples/telemetry.h"

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "Local\\shmap-telemetry";
    long count = argc > 2 ? atol(argv[2]) : 300;
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, name);
    if (!h) {
        printf("telemetry: CreateFileMapping: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    volatile struct telemetry *t = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (!t) {
        printf("telemetry: MapViewOfFile: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    for (long i = 1; i <= count; i++) {
        __atomic_fetch_add(&t->seq, 1, __ATOMIC_ACQ_REL); /* odd: writing */
        t->sample = (uint64_t)i;
        t->value = (double)i * 0.5;
        t->time_ns = (uint64_t)GetTickCount64() * 1000000u;
        t->done = i == count;
        __atomic_fetch_add(&t->seq, 1, __ATOMIC_ACQ_REL); /* even: consistent */
        Sleep(10);
    }
    printf("telemetry: wrote %ld samples\n", count);
    UnmapViewOfFile((void *)t);
    CloseHandle(h);
    return 0;
}
