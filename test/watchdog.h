/*
 * watchdog.h - progress watchdog for tests that can hang.
 *
 * A test that runs workers (threads, forked processes, or both) gives each
 * one a slot in a shared page; a worker calls wd_tick() every time it makes
 * progress, naming where it is.  A thread of the test process looks at the
 * slots every 50 ms: a worker whose count has not moved for the stall time
 * (1 s unless SHMAP_WATCHDOG_MS says otherwise) fails the test with its
 * label, the step it was in, how many steps it made and the kernel's wait
 * channel of its thread (/proc/PID/task/TID/wchan), instead of hanging CI.
 *
 *     struct watchdog *wd = wd_new(8);
 *     wd_start(wd);
 *     ... workers: int s = wd_join(wd, "event p0 t1"); loop { wd_tick(wd, s, "create"); ... }
 *                  wd_leave(wd, s);
 *     wd_stop(wd);   (all workers left; the slots stay readable: wd_count)
 */
#ifndef SHMAP_TEST_WATCHDOG_H
#define SHMAP_TEST_WATCHDOG_H

#include <stdint.h>

struct watchdog;

/* A watchdog with room for nslots workers, in memory shared with children
 * forked after this call. */
struct watchdog *wd_new(int nslots);
/* Start watching (a thread of the calling process). */
void wd_start(struct watchdog *wd);
/* Stop watching; frees nothing (the test process ends soon). */
void wd_stop(struct watchdog *wd);
/* Take a slot for the calling thread (any process that shares wd). */
int wd_join(struct watchdog *wd, const char *label);
/* One step of progress; where: a short description of the next step. */
void wd_tick(struct watchdog *wd, int slot, const char *where);
/* One round of the worker's loop done (counted apart from the steps). */
void wd_round(struct watchdog *wd, int slot);
uint64_t wd_rounds(const struct watchdog *wd, int slot);
/* The worker is done: its slot is no longer watched. */
void wd_leave(struct watchdog *wd, int slot);
/* Steps a slot made, and its label. */
uint64_t wd_count(const struct watchdog *wd, int slot);
const char *wd_label(const struct watchdog *wd, int slot);
int wd_slots_used(const struct watchdog *wd);

#endif
