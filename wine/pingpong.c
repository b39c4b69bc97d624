/*
 * pingpong.c - one side of an event ping-pong, an ordinary Win32 program
 * built for Windows (shmap-wine-pingpong.exe, run under `shmap wine` by
 * the Wine tests and by `shmap bench wine_event_relay`) and natively (the
 * Win32 face):
 *
 *   pingpong drive N [PREFIX [ROUNDS]]  N times: SetEvent(PREFIX.ping), wait PREFIX.pong
 *   pingpong serve N [PREFIX [ROUNDS]]  N times: wait PREFIX.ping, SetEvent(PREFIX.pong)
 *
 * The events are auto-reset, named Local\PREFIX.ping and Local\PREFIX.pong.
 * A wait that takes longer than 10 s fails (exit 3).  drive prints, for
 * each of ROUNDS rounds (default 1) of N, the mean round trip:
 * "pingpong: N round trips, X us each".  Exit 0 when all went through.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "drive") != 0 && strcmp(argv[1], "serve") != 0)) {
        fprintf(stderr, "usage: pingpong drive|serve N [PREFIX]\n");
        return 2;
    }
    int drive = argv[1][0] == 'd';
    long n = atol(argv[2]);
    const char *prefix = argc > 3 ? argv[3] : "shmap-pingpong";
    long rounds = argc > 4 ? atol(argv[4]) : 1;
    char ping_name[200], pong_name[200];
    snprintf(ping_name, sizeof ping_name, "Local\\%s.ping", prefix);
    snprintf(pong_name, sizeof pong_name, "Local\\%s.pong", prefix);
    HANDLE ping = CreateEventA(NULL, FALSE, FALSE, ping_name);
    HANDLE pong = CreateEventA(NULL, FALSE, FALSE, pong_name);
    if (!ping || !pong) {
        fprintf(stderr, "pingpong: CreateEvent: %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    LARGE_INTEGER f, t0, t1;
    QueryPerformanceFrequency(&f);
    for (long round = 0; round < rounds; round++) {
        QueryPerformanceCounter(&t0);
        for (long i = 0; i < n; i++) {
            if (drive && !SetEvent(ping))
                return 1;
            DWORD w = WaitForSingleObject(drive ? pong : ping, 10000);
            if (w != WAIT_OBJECT_0) {
                fprintf(stderr, "pingpong: %s: round %ld: wait gave %lu\n", argv[1], i,
                        (unsigned long)w);
                return 3;
            }
            if (!drive && !SetEvent(pong))
                return 1;
        }
        QueryPerformanceCounter(&t1);
        if (drive)
            printf("pingpong: %ld round trips, %.1f us each\n", n,
                   n ? (double)(t1.QuadPart - t0.QuadPart) * 1e6 / (double)f.QuadPart / (double)n
                     : 0.0);
        fflush(stdout);
    }
    if (!drive)
        printf("pingpong: served %ld\n", n * rounds);
    fflush(stdout);
    CloseHandle(ping);
    CloseHandle(pong);
    return 0;
}
