/*
 * sync.h - the synchronisation layer (src/sync): events, mutexes,
 * semaphores, waitable timers and the wait functions.  Uses src/obj and
 * below (the futexes and the robust list are src/base's).
 */
#ifndef SHMAP_SYNC_H
#define SHMAP_SYNC_H

#include "obj/obj.h"

/* Their shared state is struct shmap_sync (format.h) at SHMAP_STATE_OFF of
 * the object file; what the wait core asks of each type is in its ops
 * (struct shmap_wait_ops, obj.h).  docs/DESIGN.md §13, §15. */

static inline bool shmap__is_sync_type(shmap_type_t type)
{
    return type >= SHMAP_TYPE_EVENT && type <= SHMAP_TYPE_TIMER;
}
/* The shared state of a sync object record, or NULL for other types. */
static inline struct shmap_sync *shmap__sync_of(struct shmap_obj *o)
{
    return shmap__is_sync_type(o->type) ? (struct shmap_sync *)((struct shmap_named *)o)->state
                                        : NULL;
}
/* Is a state read from a file one we can use?  (named.c, on open) */
SHMAP_HIDDEN bool shmap__sync_state_ok(const void *state, shmap_type_t type);

/* Create-or-open / open shared by the four types (sync.c). */
SHMAP_HIDDEN int shmap__sync_create(const struct shmap_obj_ops *ops, const char *name,
                                    const struct shmap_sync *init, uint32_t access, unsigned flags,
                                    shmap_handle_t *out, struct shmap_obj **obj);
SHMAP_HIDDEN int shmap__sync_open(const struct shmap_obj_ops *ops, const char *name,
                                  uint32_t access, unsigned flags, shmap_handle_t *out);
/* The types' tables (event.c, mutex.c, semaphore.c, timer.c). */
extern SHMAP_HIDDEN const struct shmap_obj_ops shmap__event_ops, shmap__mutex_ops,
    shmap__semaphore_ops, shmap__timer_ops;
/* Look up h as type with right (0: none needed); SHMAP_ETYPE, -EACCES. */
SHMAP_HIDDEN int shmap__sync_get(shmap_handle_t h, shmap_type_t type, uint32_t right,
                                 struct shmap_obj **o, struct shmap_sync **s);

/* The value of count without the hold bit. */
static inline uint32_t shmap__count(const struct shmap_sync *s)
{
    return atomic_load(&s->count) & ~SHMAP_COUNT_HOLD;
}

/* What a mutex's acquire (its ops' wait part) returns. */
enum { SHMAP_MTX_BUSY = 0, SHMAP_MTX_TAKEN = 1, SHMAP_MTX_ABANDONED = 2 };

/* The calling thread is ending: abandon the mutexes it owns (mutex.c). */
SHMAP_HIDDEN void shmap__mutex_abandon_all(void);

/* Alertable waits (timer.c): run the calling thread's due completion
 * routines; returns how many ran.  *next: earliest future one (or
 * UINT64_MAX). */
SHMAP_HIDDEN int shmap__apc_run(uint64_t now, uint64_t *next);
/* The calling thread ends: drop its completion routines (timer.c). */
SHMAP_HIDDEN void shmap__apc_drop_all(void);

/* User APCs (apc.c): a thread's queue, reachable from other threads
 * through its thread object (thread.c). */
struct shmap_apcq;
SHMAP_HIDDEN struct shmap_apcq *shmap__apcq_new(void); /* one reference; NULL: no memory */
SHMAP_HIDDEN void shmap__apcq_get(struct shmap_apcq *q);
SHMAP_HIDDEN void shmap__apcq_put(struct shmap_apcq *q); /* NULL allowed */
/* The calling thread's queue is q (takes a reference). */
SHMAP_HIDDEN void shmap__apcq_bind(struct shmap_apcq *q);
/* The calling thread's queue if it has one (a pool thread's), with a
 * reference; NULL if none. */
SHMAP_HIDDEN struct shmap_apcq *shmap__apcq_current(void);
/* Append; 0, -ENOMEM, SHMAP_EGENFAIL (its thread ended). */
SHMAP_HIDDEN int shmap__apcq_add(struct shmap_apcq *q, shmap_apc_fn_t fn, uintptr_t arg);
/* The calling thread's wake word and its value now (NULL: no queue). */
SHMAP_HIDDEN _Atomic uint32_t *shmap__uapc_word(uint32_t *val);
/* Run the calling thread's queued APCs, in order, until none is left;
 * returns how many ran. */
SHMAP_HIDDEN int shmap__uapc_run(void);
/* The calling thread ends: its queue is dropped and refuses appends. */
SHMAP_HIDDEN void shmap__uapc_end(void);
/* In a fork child: the thread's queue was its parent thread's. */
SHMAP_HIDDEN void shmap__uapc_forked(void);

/* lifecycle.c: in a fork child, the child owns no mutex. */
SHMAP_HIDDEN void shmap__mutex_fork_child(void);

/* ---- synchronisation within a process (locks.c, once.c, waitaddr.c) ---- */
/* A deadline (CLOCK_MONOTONIC ns, UINT64_MAX: none) ms from now. */
SHMAP_HIDDEN uint64_t shmap__lock_deadline(uint32_t ms);
/* Sleep while *w == val, until deadline: 0 (woken, changed, interrupted)
 * or -ETIMEDOUT. */
SHMAP_HIDDEN int shmap__lock_wait(_Atomic uint32_t *w, uint32_t val, uint64_t deadline);

#endif
