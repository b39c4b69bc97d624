/*
 * bench_wine.c - the Wine bridge's event relay against native events.
 *
 *   wine_event_relay  round trip between shmap-wine-pingpong.exe driving
 *                     under `shmap wine` (both events relayed) and a native
 *                     process serving on the same two named auto-reset
 *                     events, vs the same round trip between two native
 *                     processes; skipped (a note on stderr, no line) where
 *                     wine or the bridge is missing.  WINEPREFIX is the
 *                     user's: its first use makes the prefix (seconds).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"

#define ROUND_TRIPS 300 /* per round */

static shmap_handle_t ev(const char *prefix, const char *what)
{
    char name[128];
    snprintf(name, sizeof name, "Local\\%s.%s", prefix, what);
    shmap_handle_t h;
    int r = shmap_event_create(name, 0, SHMAP_EVENT_ALL_ACCESS, 0, &h);
    if (r < 0)
        bench_die(name, r);
    return h;
}

/* The native side: serve until nothing comes for 10 s (or a kill). */
static _Noreturn void serve(shmap_handle_t ping, shmap_handle_t pong)
{
    while (shmap_wait(1, &ping, 0, 10000) == SHMAP_WAIT_OBJECT_0)
        shmap_event_set(pong, NULL);
    _exit(0);
}

void bench_wine_event_relay(void)
{
    char wine[PATH_MAX], bridge[PATH_MAX], pingpong[PATH_MAX + 32];
    if (cli_wine_find(wine, sizeof wine, bridge, sizeof bridge) != 0) {
        fprintf(stderr, "wine_event_relay: skipped: wine or shmap-wine-bridge.exe not found\n");
        return;
    }
    snprintf(pingpong, sizeof pingpong, "%s", bridge);
    char *slash = strrchr(pingpong, '/');
    size_t dir = slash ? (size_t)(slash + 1 - pingpong) : 0;
    snprintf(pingpong + dir, sizeof pingpong - dir, "shmap-wine-pingpong.exe");
    if (access(pingpong, R_OK) != 0) {
        fprintf(stderr, "wine_event_relay: skipped: %s not found\n", pingpong);
        return;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "bench-wine-%d", (int)getpid());
    shmap_handle_t ping = ev(prefix, "ping"), pong = ev(prefix, "pong");
    pid_t server = fork();
    if (server < 0)
        bench_die("fork", -errno);
    if (server == 0)
        serve(ping, pong);
    int n = bench_runs;
    double *native = calloc((size_t)n, sizeof *native), *relay = calloc((size_t)n, sizeof *relay);
    if (!native || !relay)
        bench_die("calloc", -ENOMEM);

    /* native <-> native */
    for (int r = 0; r < n; r++) {
        double t0 = bench_now_ns();
        for (int i = 0; i < ROUND_TRIPS; i++) {
            shmap_event_set(ping, NULL);
            int w = shmap_wait(1, &pong, 0, 10000);
            if (w != SHMAP_WAIT_OBJECT_0)
                bench_die("native round trip", w);
        }
        native[r] = (bench_now_ns() - t0) / ROUND_TRIPS;
    }

    /* Wine <-> native: the program prints one line per round */
    char cnt[16], rounds[16], pingn[128], pongn[128];
    snprintf(cnt, sizeof cnt, "%d", ROUND_TRIPS);
    snprintf(rounds, sizeof rounds, "%d", n);
    snprintf(pingn, sizeof pingn, "Local\\%s.ping", prefix);
    snprintf(pongn, sizeof pongn, "Local\\%s.pong", prefix);
    int out[2];
    if (pipe(out) != 0)
        bench_die("pipe", -errno);
    pid_t w = fork();
    if (w == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execl("/proc/self/exe", "shmap", "wine", "--event", pingn, "--event", pongn, "--", pingpong,
              "drive", cnt, prefix, rounds, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[256];
    int got = 0;
    while (f && fgets(line, sizeof line, f))
        if (got < n && sscanf(line, "pingpong: %*d round trips, %lf us each", &relay[got]) == 1)
            relay[got] *= 1000.0, got++;
    if (f)
        fclose(f);
    int status = 0;
    waitpid(w, &status, 0);
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
    shmap_close(ping);
    shmap_close(pong);
    if (got != n || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        bench_die("shmap wine (status)", got != n ? got : status);
    bench_report("wine_event_relay", bench_median(relay, n), bench_median(native, n),
                 "(informational: relay vs native round trip)");
    free(native);
    free(relay);
}
