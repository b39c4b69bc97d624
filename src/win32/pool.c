/*
 * pool.c - the thread pool (TP_WORK, TP_WAIT, TP_TIMER, instances), wait
 * registrations and timer queues: argument conversion over the pool of
 * shmap/thread.h.  Each native item keeps the caller's callback (its
 * `user` function); the adapters below call it with Windows' arguments.
 * Wait handles, timer handles and queue handles are the native items'
 * pointers, as Windows' are not kernel handles either.
 */
#include <stdbool.h>

#include "w32.h"

/* A FILETIME due time (NULL: none) as the native int64_t. */
static const int64_t *due_of(const FILETIME *ft, int64_t *v)
{
    if (!ft)
        return NULL;
    *v = (int64_t)(((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime);
    return v;
}

/* A time in ms from now as a native due time (0: at once). */
static int64_t due_ms(DWORD ms)
{
    return ms ? -(int64_t)ms * 10000 : -1;
}

/* ---- the legacy calls: wait registrations, timer queues, work items ---- */

static void wot(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)in;
    ((WAITORTIMERCALLBACK)shmap_tp_user(it))(ctx, result == WAIT_TIMEOUT);
}

static unsigned legacy_flags(ULONG f, bool wait)
{
    unsigned n = (f & (WT_EXECUTEINWAITTHREAD | WT_EXECUTEINTIMERTHREAD)) ? SHMAP_TP_INLINE : 0;
    if (wait && !(f & WT_EXECUTEONLYONCE))
        n |= SHMAP_TP_REPEAT;
    return n;
}

WINBASEAPI BOOL WINAPI RegisterWaitForSingleObject(PHANDLE phNewWaitObject, HANDLE hObject,
                                                   WAITORTIMERCALLBACK Callback, PVOID Context,
                                                   ULONG dwMilliseconds, ULONG dwFlags)
{
    if (W32_BAD_OUT(phNewWaitObject))
        return shmap_w32__ok(-EFAULT);
    if (!Callback)
        return shmap_w32__ok(-EINVAL);
    shmap_tp_item_t *it;
    int r = shmap_tp_create(SHMAP_TP_WAIT, wot, Context, (shmap_tp_user_t)Callback,
                            legacy_flags(dwFlags, true), NULL, &it);
    if (r)
        return shmap_w32__ok(r);
    int64_t due = due_ms(dwMilliseconds);
    r = shmap_tp_set_wait(it, NATIVE(hObject), dwMilliseconds == INFINITE ? NULL : &due);
    if (r) {
        shmap_tp_close(it, 0, 0);
        return shmap_w32__ok(r == -EINVAL ? -EBADF : r);
    }
    W32_PUT(phNewWaitObject, (HANDLE)it);
    return TRUE;
}

WINBASEAPI BOOL WINAPI UnregisterWaitEx(HANDLE WaitHandle, HANDLE CompletionEvent)
{
    bool block = CompletionEvent == INVALID_HANDLE_VALUE;
    return shmap_w32__ok(
        shmap_tp_close((shmap_tp_item_t *)WaitHandle, block, block ? 0 : NATIVE(CompletionEvent)));
}

WINBASEAPI BOOL WINAPI UnregisterWait(HANDLE WaitHandle)
{
    return UnregisterWaitEx(WaitHandle, NULL);
}

WINBASEAPI HANDLE WINAPI CreateTimerQueue(void)
{
    shmap_tp_queue_t *q;
    int r = shmap_tp_queue_create(&q);
    if (r) {
        shmap_w32__fail(r);
        return NULL;
    }
    return (HANDLE)q;
}

WINBASEAPI BOOL WINAPI CreateTimerQueueTimer(PHANDLE phNewTimer, HANDLE TimerQueue,
                                             WAITORTIMERCALLBACK Callback, PVOID Parameter,
                                             DWORD DueTime, DWORD Period, ULONG Flags)
{
    if (W32_BAD_OUT(phNewTimer))
        return shmap_w32__ok(-EFAULT);
    if (!Callback)
        return shmap_w32__ok(-EINVAL);
    shmap_tp_item_t *it;
    int r = shmap_tp_create(SHMAP_TP_TIMER, wot, Parameter, (shmap_tp_user_t)Callback,
                            legacy_flags(Flags, false), (shmap_tp_queue_t *)TimerQueue, &it);
    if (r)
        return shmap_w32__ok(r);
    int64_t due = due_ms(DueTime);
    r = shmap_tp_set_timer(it, &due, (Flags & WT_EXECUTEONLYONCE) ? 0 : Period, 0);
    if (r) {
        shmap_tp_close(it, 0, 0);
        return shmap_w32__ok(r);
    }
    W32_PUT(phNewTimer, (HANDLE)it);
    return TRUE;
}

WINBASEAPI BOOL WINAPI ChangeTimerQueueTimer(HANDLE TimerQueue, HANDLE Timer, ULONG DueTime,
                                             ULONG Period)
{
    (void)TimerQueue;
    return shmap_w32__ok(shmap_tp_change_timer((shmap_tp_item_t *)Timer, due_ms(DueTime), Period));
}

WINBASEAPI BOOL WINAPI DeleteTimerQueueTimer(HANDLE TimerQueue, HANDLE Timer,
                                             HANDLE CompletionEvent)
{
    (void)TimerQueue;
    bool block = CompletionEvent == INVALID_HANDLE_VALUE;
    return shmap_w32__ok(
        shmap_tp_close((shmap_tp_item_t *)Timer, block, block ? 0 : NATIVE(CompletionEvent)));
}

WINBASEAPI BOOL WINAPI DeleteTimerQueueEx(HANDLE TimerQueue, HANDLE CompletionEvent)
{
    bool block = CompletionEvent == INVALID_HANDLE_VALUE;
    return shmap_w32__ok(shmap_tp_queue_delete((shmap_tp_queue_t *)TimerQueue, block,
                                               block ? 0 : NATIVE(CompletionEvent)));
}

WINBASEAPI BOOL WINAPI DeleteTimerQueue(HANDLE TimerQueue)
{
    return DeleteTimerQueueEx(TimerQueue, NULL);
}

static void work_item(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)in;
    (void)result;
    ((LPTHREAD_START_ROUTINE)shmap_tp_user(it))(ctx);
}

WINBASEAPI BOOL WINAPI QueueUserWorkItem(LPTHREAD_START_ROUTINE Function, PVOID Context,
                                         ULONG Flags)
{
    (void)Flags;
    if (!Function)
        return shmap_w32__ok(-EINVAL);
    shmap_tp_item_t *it;
    int r =
        shmap_tp_create(SHMAP_TP_WORK, work_item, Context, (shmap_tp_user_t)Function, 0, NULL, &it);
    if (r == 0 && (r = shmap_tp_submit(it, 1)) != 0)
        shmap_tp_close(it, 0, 0);
    return shmap_w32__ok(r);
}

/* ---- the thread pool ---------------------------------------------------- */

/* An environment the pool can serve: the default pool, no cleanup group. */
static int env_ok(PTP_CALLBACK_ENVIRON pcbe)
{
    if (!pcbe)
        return 0;
    if (shmap__probe_read(pcbe, sizeof *pcbe))
        return -EFAULT;
    return pcbe->CleanupGroup || pcbe->Pool ? SHMAP_ENOTSUP : 0;
}

static void *create(int kind, shmap_tp_fn_t fn, PVOID pv, shmap_tp_user_t user,
                    PTP_CALLBACK_ENVIRON pcbe)
{
    shmap_tp_item_t *it = NULL;
    int r = user ? env_ok(pcbe) : -EINVAL;
    if (r == 0)
        r = shmap_tp_create(kind, fn, pv, user, 0, NULL, &it);
    if (r) {
        shmap_w32__fail(r);
        return NULL;
    }
    return it;
}

static void simple(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)result;
    ((PTP_SIMPLE_CALLBACK)shmap_tp_user(it))((PTP_CALLBACK_INSTANCE)in, ctx);
}

WINBASEAPI BOOL WINAPI TrySubmitThreadpoolCallback(PTP_SIMPLE_CALLBACK pfns, PVOID pv,
                                                   PTP_CALLBACK_ENVIRON pcbe)
{
    shmap_tp_item_t *it = create(SHMAP_TP_WORK, simple, pv, (shmap_tp_user_t)pfns, pcbe);
    if (!it)
        return FALSE;
    int r = shmap_tp_submit(it, 1);
    if (r)
        shmap_tp_close(it, 0, 0);
    return shmap_w32__ok(r);
}

static void work(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)result;
    ((PTP_WORK_CALLBACK)shmap_tp_user(it))((PTP_CALLBACK_INSTANCE)in, ctx, (PTP_WORK)it);
}

WINBASEAPI PTP_WORK WINAPI CreateThreadpoolWork(PTP_WORK_CALLBACK pfnwk, PVOID pv,
                                                PTP_CALLBACK_ENVIRON pcbe)
{
    return create(SHMAP_TP_WORK, work, pv, (shmap_tp_user_t)pfnwk, pcbe);
}

WINBASEAPI VOID WINAPI SubmitThreadpoolWork(PTP_WORK pwk)
{
    shmap_tp_submit((shmap_tp_item_t *)pwk, 0);
}

WINBASEAPI VOID WINAPI WaitForThreadpoolWorkCallbacks(PTP_WORK pwk, BOOL fCancelPendingCallbacks)
{
    shmap_tp_wait_callbacks((shmap_tp_item_t *)pwk, fCancelPendingCallbacks);
}

WINBASEAPI VOID WINAPI CloseThreadpoolWork(PTP_WORK pwk)
{
    shmap_tp_close((shmap_tp_item_t *)pwk, 0, 0);
}

static void wait_cb(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    ((PTP_WAIT_CALLBACK)shmap_tp_user(it))((PTP_CALLBACK_INSTANCE)in, ctx, (PTP_WAIT)it, result);
}

WINBASEAPI PTP_WAIT WINAPI CreateThreadpoolWait(PTP_WAIT_CALLBACK pfnwa, PVOID pv,
                                                PTP_CALLBACK_ENVIRON pcbe)
{
    return create(SHMAP_TP_WAIT, wait_cb, pv, (shmap_tp_user_t)pfnwa, pcbe);
}

WINBASEAPI VOID WINAPI SetThreadpoolWait(PTP_WAIT pwa, HANDLE h, PFILETIME pftTimeout)
{
    int64_t v;
    shmap_tp_set_wait((shmap_tp_item_t *)pwa, NATIVE(h), due_of(pftTimeout, &v));
}

WINBASEAPI VOID WINAPI WaitForThreadpoolWaitCallbacks(PTP_WAIT pwa, BOOL fCancelPendingCallbacks)
{
    shmap_tp_wait_callbacks((shmap_tp_item_t *)pwa, fCancelPendingCallbacks);
}

WINBASEAPI VOID WINAPI CloseThreadpoolWait(PTP_WAIT pwa)
{
    shmap_tp_close((shmap_tp_item_t *)pwa, 0, 0);
}

static void timer_cb(shmap_tp_inst_t *in, void *ctx, shmap_tp_item_t *it, uint32_t result)
{
    (void)result;
    ((PTP_TIMER_CALLBACK)shmap_tp_user(it))((PTP_CALLBACK_INSTANCE)in, ctx, (PTP_TIMER)it);
}

WINBASEAPI PTP_TIMER WINAPI CreateThreadpoolTimer(PTP_TIMER_CALLBACK pfnti, PVOID pv,
                                                  PTP_CALLBACK_ENVIRON pcbe)
{
    return create(SHMAP_TP_TIMER, timer_cb, pv, (shmap_tp_user_t)pfnti, pcbe);
}

WINBASEAPI VOID WINAPI SetThreadpoolTimer(PTP_TIMER pti, PFILETIME pftDueTime, DWORD msPeriod,
                                          DWORD msWindowLength)
{
    int64_t v;
    shmap_tp_set_timer((shmap_tp_item_t *)pti, due_of(pftDueTime, &v), msPeriod, msWindowLength);
}

WINBASEAPI BOOL WINAPI IsThreadpoolTimerSet(PTP_TIMER pti)
{
    return shmap_tp_is_set((shmap_tp_item_t *)pti) == 1;
}

WINBASEAPI VOID WINAPI WaitForThreadpoolTimerCallbacks(PTP_TIMER pti, BOOL fCancelPendingCallbacks)
{
    shmap_tp_wait_callbacks((shmap_tp_item_t *)pti, fCancelPendingCallbacks);
}

WINBASEAPI VOID WINAPI CloseThreadpoolTimer(PTP_TIMER pti)
{
    shmap_tp_close((shmap_tp_item_t *)pti, 0, 0);
}

/* ---- callback instances ---------------------------------------------------- */

WINBASEAPI VOID WINAPI SetEventWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci, HANDLE evt)
{
    shmap_tp_on_return((shmap_tp_inst_t *)pci, SHMAP_TP_RET_EVENT, NATIVE(evt), 0);
}

WINBASEAPI VOID WINAPI ReleaseSemaphoreWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci, HANDLE sem,
                                                           DWORD crel)
{
    shmap_tp_on_return((shmap_tp_inst_t *)pci, SHMAP_TP_RET_SEMAPHORE, NATIVE(sem), crel);
}

WINBASEAPI VOID WINAPI ReleaseMutexWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci, HANDLE mut)
{
    shmap_tp_on_return((shmap_tp_inst_t *)pci, SHMAP_TP_RET_MUTEX, NATIVE(mut), 0);
}

static void leave_cs(void *cs)
{
    LeaveCriticalSection(cs);
}

WINBASEAPI VOID WINAPI LeaveCriticalSectionWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci,
                                                               PCRITICAL_SECTION pcs)
{
    shmap_tp_on_return_call((shmap_tp_inst_t *)pci, leave_cs, pcs);
}

/* The pool starts a thread for a callback whenever none is idle (up to
 * 512): a long callback never holds others up, so it always may. */
WINBASEAPI BOOL WINAPI CallbackMayRunLong(PTP_CALLBACK_INSTANCE pci)
{
    return pci != NULL;
}

WINBASEAPI VOID WINAPI DisassociateCurrentThreadFromCallback(PTP_CALLBACK_INSTANCE pci)
{
    shmap_tp_disassociate((shmap_tp_inst_t *)pci);
}
