/* bench.h - what bench.c shares with the other workload files. */
#ifndef SHMAP_BENCH_H
#define SHMAP_BENCH_H

extern int bench_runs; /* rounds per workload (--runs) */
extern int bench_json; /* --json */

double bench_now_ns(void);
double bench_median(double *v, int n);
/* Interleaved rounds of a and b (iters calls each); medians in *ma, *mb. */
void bench_compare(int (*a)(void), int (*b)(void), int iters, double *ma, double *mb);
void bench_report(const char *name, double s, double b, const char *target);
/* A workload's step gave what it must not: say so, exit 1. */
_Noreturn void bench_die(const char *what, long got);

/* bench_cleanup.c: remove what bench made (its namespace directory, the
 * baseline's shm file) at the end, at exit() and on SIGINT, SIGTERM, SIGHUP
 * and SIGPIPE.  Arm first; bench_make_root makes the namespace directory
 * ($SHMAP_BENCH_DIR, default /dev/shm) and sets SHMAP_ROOT (0 or -errno). */
void bench_cleanup_arm(const char *shm_name);
int bench_make_root(void);
void bench_cleanup(void);

/* bench_sync.c */
void bench_event_pingpong(void);
void bench_mutex_uncontended(void);
void bench_wait_any_64(void);
void bench_abandon_latency(void);

/* bench_process.c */
void bench_spawn_inherit(void);
void bench_duplicate_remote(void);
void bench_job_close_kill(void);

/* bench_wine.c */
void bench_wine_event_relay(void);

#endif
