/*
 * shmap/locks.h - synchronisation within one process, the model of Win32's
 * critical sections, slim reader/writer locks, condition variables,
 * one-time initialisation and WaitOnAddress.  No handles, no system
 * resources: each object is the caller's memory, with Win32's layout (a
 * CRITICAL_SECTION is a shmap_cs_t; the others are one pointer, zero when
 * free).  Timeouts are milliseconds; SHMAP_LOCK_INFINITE waits for ever.
 *
 * Fork: a lock held at fork() stays held in the child, by a thread that
 * does not exist there (even the forking thread has another id in the
 * child): the child cannot enter it, as a Windows process could not enter
 * a lock whose owner is gone.  A lock free at the fork is free in the child.
 */
#ifndef SHMAP_LOCKS_H
#define SHMAP_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "shmap/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHMAP_LOCK_INFINITE 0xFFFFFFFFu

/* A critical section: RTL_CRITICAL_SECTION's layout (24 bytes on ILP32, 40
 * on LP64).  lock: -1 free, 0 held, 1 held with waiters (a futex word);
 * owner: the owning thread's id; spin: the spin count. */
typedef struct shmap_cs {
    void *debug_info;
    int32_t lock;
    int32_t recursion;
    void *owner;
    void *semaphore;
    uintptr_t spin;
} shmap_cs_t;

/* Slim reader/writer lock, condition variable, one-time initialisation:
 * one pointer each, zero = free / initial. */
typedef struct shmap_srw {
    void *ptr;
} shmap_srw_t;
typedef struct shmap_cond {
    void *ptr;
} shmap_cond_t;
typedef struct shmap_once {
    void *ptr;
} shmap_once_t;

/* ---- critical sections (recursive; the owner leaves as often as it
 * entered) ---- */
SHMAP_EXTERN void shmap_cs_init(shmap_cs_t *cs, uint32_t spin);
SHMAP_EXTERN void shmap_cs_delete(shmap_cs_t *cs);
SHMAP_EXTERN void shmap_cs_enter(shmap_cs_t *cs);
/* 1 entered, 0 held by another thread. */
SHMAP_EXTERN int shmap_cs_try_enter(shmap_cs_t *cs);
SHMAP_EXTERN void shmap_cs_leave(shmap_cs_t *cs);
/* Set the spin count; returns the previous one. */
SHMAP_EXTERN uint32_t shmap_cs_set_spin(shmap_cs_t *cs, uint32_t spin);

/* ---- slim reader/writer locks (not recursive) ---- */
SHMAP_EXTERN void shmap_srw_init(shmap_srw_t *l);
SHMAP_EXTERN void shmap_srw_lock_exclusive(shmap_srw_t *l);
SHMAP_EXTERN void shmap_srw_lock_shared(shmap_srw_t *l);
SHMAP_EXTERN void shmap_srw_unlock_exclusive(shmap_srw_t *l);
SHMAP_EXTERN void shmap_srw_unlock_shared(shmap_srw_t *l);
/* 1 acquired, 0 not. */
SHMAP_EXTERN int shmap_srw_try_exclusive(shmap_srw_t *l);
SHMAP_EXTERN int shmap_srw_try_shared(shmap_srw_t *l);

/* ---- condition variables (spurious wake-ups possible, none lost) ---- */
SHMAP_EXTERN void shmap_cond_init(shmap_cond_t *c);
/* Release the lock (all recursion levels of a critical section), sleep
 * until woken or ms pass, take the lock back.  0 or -ETIMEDOUT. */
SHMAP_EXTERN int shmap_cond_sleep_cs(shmap_cond_t *c, shmap_cs_t *cs, uint32_t ms);
SHMAP_EXTERN int shmap_cond_sleep_srw(shmap_cond_t *c, shmap_srw_t *l, uint32_t ms, int shared);
SHMAP_EXTERN void shmap_cond_wake(shmap_cond_t *c);
SHMAP_EXTERN void shmap_cond_wake_all(shmap_cond_t *c);

/* ---- one-time initialisation ---- */
#define SHMAP_ONCE_CHECK_ONLY 0x1u /* begin: only ask */
#define SHMAP_ONCE_ASYNC 0x2u      /* begin/complete: several may run it */
#define SHMAP_ONCE_FAILED 0x4u     /* complete: it failed; back to initial */
SHMAP_EXTERN void shmap_once_init(shmap_once_t *o);
/* 0 with *pending 1 (the caller initialises, then completes) or 0 (done:
 * *context is the completed context, may be NULL).  Errors: -EINVAL (bad
 * flags, or a synchronous begin meets an asynchronous one or the reverse),
 * -EAGAIN (CHECK_ONLY and not done). */
SHMAP_EXTERN int shmap_once_begin(shmap_once_t *o, unsigned flags, int *pending, void **context);
/* 0; -EINVAL (bad flags; a context with its two low bits set; FAILED with
 * a context), -EEXIST (ASYNC, and another completed it first), -EAGAIN
 * (nothing pending in that mode). */
SHMAP_EXTERN int shmap_once_complete(shmap_once_t *o, unsigned flags, void *context);
/* Run fn once: 0 (done, *context set if context), or what a failing fn
 * returned (negative; the object stays initial so a later call retries). */
typedef int (*shmap_once_fn)(shmap_once_t *o, void *param, void **context);
SHMAP_EXTERN int shmap_once_execute(shmap_once_t *o, shmap_once_fn fn, void *param, void **context);

/* ---- waiting on an address (within the process) ---- */
/* If the size (1, 2, 4 or 8) bytes at addr equal those at compare, sleep
 * until a wake of addr or ms pass: 0 (woken, changed, or spuriously),
 * -ETIMEDOUT, -EINVAL (bad size). */
SHMAP_EXTERN int shmap_wait_address(const volatile void *addr, const void *compare, size_t size,
                                    uint32_t ms);
SHMAP_EXTERN void shmap_wait_address_wake(const void *addr);     /* at least one */
SHMAP_EXTERN void shmap_wait_address_wake_all(const void *addr); /* every waiter */

#ifdef __cplusplus
}
#endif

#endif
