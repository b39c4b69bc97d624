/*
 * shmap/thread.h - threads of this process beyond CreateThread: user APCs
 * (QueueUserAPC) and the thread pool with its wait registrations and timer
 * queues.  Included by shmap.h.  Errors are negative, as everywhere
 * (shmap/errors.h); docs/win32-coverage.md says what is and is not there.
 */
#ifndef SHMAP_THREAD_H
#define SHMAP_THREAD_H

#include <stdint.h>

#include "shmap/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- user APCs ---------------------------------------------------------- */
#define SHMAP_THREAD_SET_CONTEXT 0x0010u
typedef void (*shmap_apc_fn_t)(uintptr_t arg);
/* Queue fn(arg) to the thread (a handle with SHMAP_THREAD_SET_CONTEXT, or
 * SHMAP_CURRENT_THREAD): it runs in that thread at its next alertable wait
 * (which then returns SHMAP_WAIT_IO_COMPLETION), after those queued before
 * it; a thread asleep in an alertable wait wakes for it.  Errors: -EBADF,
 * -EACCES (no SET_CONTEXT), SHMAP_EGENFAIL (the thread has ended: its queue
 * was dropped), SHMAP_ENOTSUP (the main thread of another process), -ENOMEM. */
SHMAP_EXTERN int shmap_thread_queue_apc(shmap_handle_t thread, shmap_apc_fn_t fn, uintptr_t arg);

/* ---- other threads of this process ----------------------------------------- */
#define SHMAP_MAXIMUM_SUSPEND_COUNT 127u
/* A handle to the thread of this process with id tid (access as asked).
 * Only threads shmap knows can be opened: made by shmap_thread_create, or
 * that have used their own thread object (DuplicateHandle of
 * GetCurrentThread, OpenThread of their own id, QueueUserAPC to
 * themselves).  Errors: -EINVAL (no such thread), -EFAULT, -ENOMEM. */
SHMAP_EXTERN int shmap_thread_open(uint32_t tid, uint32_t access, unsigned flags,
                                   shmap_handle_t *out);
/* Add one to the thread's suspend count (*prev: the count before); at 1 it
 * stops (a signal, SIGRTMAX - 2, whose handler sleeps until the count is
 * 0 again) before the call returns; the calling thread itself stops until
 * another resumes it.  Errors: -EBADF, -EACCES (no SUSPEND_RESUME right, or
 * the thread has ended), SHMAP_ESUSPENDMAX (already 127), SHMAP_ENOTSUP
 * (another process's thread). */
SHMAP_EXTERN int shmap_thread_suspend(shmap_handle_t h, uint32_t *prev);
/* End the thread with code at once, wherever it is (suspended too): it
 * unwinds (pthread_exit from the signal handler), its handle is signalled
 * and reports code.  Locks it holds stay held, as on Windows; the calling
 * thread itself: shmap_thread_exit.  Errors: -EBADF, -EACCES (no
 * THREAD_TERMINATE), SHMAP_ENOTSUP (another process's thread). */
SHMAP_EXTERN int shmap_thread_terminate(shmap_handle_t h, uint32_t code);

/* ---- the thread pool ------------------------------------------------------ */
/*
 * One pool per process.  An item is work (run when submitted), a wait (run
 * when a handle is signalled or a timeout passes) or a timer (run at its due
 * time, then every period).  Callbacks run on pool threads (or, with
 * SHMAP_TP_INLINE, on the thread that waits or keeps time).  Items are not
 * handles: their pointers are checked against the live ones (-EINVAL).
 * Due times are FILETIMEs: negative = relative, in 100 ns units; >= 0 =
 * absolute UTC.  After fork() the child's pool is empty and new: the
 * parent's items are not carried (their pointers are unknown in the child).
 */
typedef struct shmap_tp_item shmap_tp_item_t;
typedef struct shmap_tp_queue shmap_tp_queue_t;
typedef struct shmap_tp_inst shmap_tp_inst_t; /* the running callback (TP_CALLBACK_INSTANCE) */
typedef void (*shmap_tp_user_t)(void);        /* an opaque function the creator keeps */
/* result: SHMAP_WAIT_OBJECT_0, SHMAP_WAIT_ABANDONED_0 or SHMAP_WAIT_TIMEOUT
 * for waits; SHMAP_WAIT_TIMEOUT for timers; 0 for work. */
typedef void (*shmap_tp_fn_t)(shmap_tp_inst_t *inst, void *ctx, shmap_tp_item_t *item,
                              uint32_t result);
#define SHMAP_TP_WORK 1
#define SHMAP_TP_WAIT 2
#define SHMAP_TP_TIMER 3
#define SHMAP_TP_REPEAT 0x1u /* a wait waits again after each callback (else: once, then unset) */
#define SHMAP_TP_INLINE 0x2u /* run in the waiting/timekeeping thread (WT_EXECUTEINWAITTHREAD) */

/* A new item (unarmed).  queue (timers only, may be NULL): deleted with it.
 * user: kept for the creator (shmap_tp_user).  -EINVAL, -ENOMEM. */
SHMAP_EXTERN int shmap_tp_create(int kind, shmap_tp_fn_t fn, void *ctx, shmap_tp_user_t user,
                                 unsigned flags, shmap_tp_queue_t *queue, shmap_tp_item_t **out);
SHMAP_EXTERN shmap_tp_user_t shmap_tp_user(const shmap_tp_item_t *item);
/* Work: queue one callback.  With once, the item closes itself after it
 * (TrySubmitThreadpoolCallback). */
SHMAP_EXTERN int shmap_tp_submit(shmap_tp_item_t *item, int once);
/* Wait: wait for h (duplicated; 0 = stop waiting) until *due (NULL: no
 * timeout).  Replaces a previous setting.  -EBADF: h not waitable. */
SHMAP_EXTERN int shmap_tp_set_wait(shmap_tp_item_t *item, shmap_handle_t h, const int64_t *due);
/* Timer: first at *due, then every period_ms (0: once); NULL due stops it.
 * window_ms is accepted (callbacks are not batched). */
SHMAP_EXTERN int shmap_tp_set_timer(shmap_tp_item_t *item, const int64_t *due, uint32_t period_ms,
                                    uint32_t window_ms);
/* ChangeTimerQueueTimer: shmap_tp_set_timer(item, &due, period_ms, 0),
 * except that a one-shot timer (period 0) that has fired since it was set
 * is left as it is (Windows: "the timer is not updated"); 0 then too. */
SHMAP_EXTERN int shmap_tp_change_timer(shmap_tp_item_t *item, int64_t due, uint32_t period_ms);
/* 1 if the timer or wait is armed, 0 if not, or an error. */
SHMAP_EXTERN int shmap_tp_is_set(shmap_tp_item_t *item);
/* Wait until the callbacks queued so far have returned (not the calling
 * one's own); cancel: those not started are dropped first. */
SHMAP_EXTERN int shmap_tp_wait_callbacks(shmap_tp_item_t *item, int cancel);
/* Stop and close the item: it is freed once its callbacks (queued or
 * running) have returned.  block: wait for them first (from one of its own
 * callbacks: no wait, SHMAP_EPENDING).  event (0: none): set once they have
 * returned (at once if none).  Returns 0, or SHMAP_EPENDING if callbacks
 * were still outstanding and the call did not wait for them. */
SHMAP_EXTERN int shmap_tp_close(shmap_tp_item_t *item, int block, shmap_handle_t event);

/* Timer queues: a set of timers deleted together. */
SHMAP_EXTERN int shmap_tp_queue_create(shmap_tp_queue_t **out);
/* Close every timer of the queue and the queue (block, event and the
 * result as shmap_tp_close, over all of them). */
SHMAP_EXTERN int shmap_tp_queue_delete(shmap_tp_queue_t *q, int block, shmap_handle_t event);

/* What a callback may ask of its instance. */
#define SHMAP_TP_RET_EVENT 1     /* set event h */
#define SHMAP_TP_RET_SEMAPHORE 2 /* release semaphore h by n */
#define SHMAP_TP_RET_MUTEX 3     /* release mutex h (owned by the callback's thread) */
/* When the callback returns, do what (one of each kind, the last wins). */
SHMAP_EXTERN int shmap_tp_on_return(shmap_tp_inst_t *inst, int what, shmap_handle_t h, uint32_t n);
/* When the callback returns, call fn(arg) (LeaveCriticalSectionWhenCallbackReturns). */
SHMAP_EXTERN int shmap_tp_on_return_call(shmap_tp_inst_t *inst, void (*fn)(void *), void *arg);
/* The callback no longer counts as its item's (waits for its callbacks do
 * not wait for it). */
SHMAP_EXTERN void shmap_tp_disassociate(shmap_tp_inst_t *inst);

#ifdef __cplusplus
}
#endif

#endif
