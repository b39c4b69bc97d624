/*
 * threadpoolapiset.h - part of the Win32 face of shmap: the thread pool
 * (work, waits, timers, callback instances) and, as Windows' winnt.h has
 * them, the callback environment's inline functions.  Only the default
 * pool exists: an environment's Pool must be NULL; cleanup groups are not
 * supported (ERROR_NOT_SUPPORTED).  Included by windows.h;
 * docs/win32-coverage.md.
 */
#ifndef SHMAP_THREADPOOLAPISET_H
#define SHMAP_THREADPOOLAPISET_H
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _TP_CALLBACK_INSTANCE TP_CALLBACK_INSTANCE, *PTP_CALLBACK_INSTANCE;
typedef struct _TP_POOL TP_POOL, *PTP_POOL;
typedef struct _TP_CLEANUP_GROUP TP_CLEANUP_GROUP, *PTP_CLEANUP_GROUP;
typedef struct _TP_WORK TP_WORK, *PTP_WORK;
typedef struct _TP_WAIT TP_WAIT, *PTP_WAIT;
typedef struct _TP_TIMER TP_TIMER, *PTP_TIMER;
typedef DWORD TP_VERSION, *PTP_VERSION;
typedef DWORD TP_WAIT_RESULT;
typedef VOID(CALLBACK *PTP_SIMPLE_CALLBACK)(PTP_CALLBACK_INSTANCE Instance, PVOID Context);
typedef VOID(CALLBACK *PTP_WORK_CALLBACK)(PTP_CALLBACK_INSTANCE Instance, PVOID Context,
                                          PTP_WORK Work);
typedef VOID(CALLBACK *PTP_WAIT_CALLBACK)(PTP_CALLBACK_INSTANCE Instance, PVOID Context,
                                          PTP_WAIT Wait, TP_WAIT_RESULT WaitResult);
typedef VOID(CALLBACK *PTP_TIMER_CALLBACK)(PTP_CALLBACK_INSTANCE Instance, PVOID Context,
                                           PTP_TIMER Timer);
typedef VOID(CALLBACK *PTP_CLEANUP_GROUP_CANCEL_CALLBACK)(PVOID ObjectContext,
                                                          PVOID CleanupContext);

typedef enum _TP_CALLBACK_PRIORITY {
    TP_CALLBACK_PRIORITY_HIGH,
    TP_CALLBACK_PRIORITY_NORMAL,
    TP_CALLBACK_PRIORITY_LOW,
    TP_CALLBACK_PRIORITY_INVALID,
    TP_CALLBACK_PRIORITY_COUNT = TP_CALLBACK_PRIORITY_INVALID
} TP_CALLBACK_PRIORITY;

typedef struct _TP_CALLBACK_ENVIRON_V3 {
    TP_VERSION Version;
    PTP_POOL Pool;
    PTP_CLEANUP_GROUP CleanupGroup;
    PTP_CLEANUP_GROUP_CANCEL_CALLBACK CleanupGroupCancelCallback;
    PVOID RaceDll;
    struct _ACTIVATION_CONTEXT *ActivationContext;
    PTP_SIMPLE_CALLBACK FinalizationCallback;
    union {
        DWORD Flags;
        struct {
            DWORD LongFunction : 1;
            DWORD Persistent : 1;
            DWORD Private : 30;
        } s;
    } u;
    TP_CALLBACK_PRIORITY CallbackPriority;
    DWORD Size;
} TP_CALLBACK_ENVIRON_V3;
typedef TP_CALLBACK_ENVIRON_V3 TP_CALLBACK_ENVIRON, *PTP_CALLBACK_ENVIRON;

static inline VOID InitializeThreadpoolEnvironment(PTP_CALLBACK_ENVIRON pcbe)
{
    memset(pcbe, 0, sizeof *pcbe);
    pcbe->Version = 3;
    pcbe->CallbackPriority = TP_CALLBACK_PRIORITY_NORMAL;
    pcbe->Size = sizeof *pcbe;
}
static inline VOID DestroyThreadpoolEnvironment(PTP_CALLBACK_ENVIRON pcbe)
{
    (void)pcbe;
}
static inline VOID SetThreadpoolCallbackPool(PTP_CALLBACK_ENVIRON pcbe, PTP_POOL ptpp)
{
    pcbe->Pool = ptpp;
}
static inline VOID SetThreadpoolCallbackCleanupGroup(PTP_CALLBACK_ENVIRON pcbe,
                                                     PTP_CLEANUP_GROUP ptpcg,
                                                     PTP_CLEANUP_GROUP_CANCEL_CALLBACK pfng)
{
    pcbe->CleanupGroup = ptpcg;
    pcbe->CleanupGroupCancelCallback = pfng;
}
static inline VOID SetThreadpoolCallbackRunsLong(PTP_CALLBACK_ENVIRON pcbe)
{
    pcbe->u.s.LongFunction = 1;
}
static inline VOID SetThreadpoolCallbackLibrary(PTP_CALLBACK_ENVIRON pcbe, PVOID mod)
{
    pcbe->RaceDll = mod;
}
static inline VOID SetThreadpoolCallbackPriority(PTP_CALLBACK_ENVIRON pcbe,
                                                 TP_CALLBACK_PRIORITY Priority)
{
    pcbe->CallbackPriority = Priority;
}
static inline VOID SetThreadpoolCallbackPersistent(PTP_CALLBACK_ENVIRON pcbe)
{
    pcbe->u.s.Persistent = 1;
}

WINBASEAPI BOOL WINAPI TrySubmitThreadpoolCallback(PTP_SIMPLE_CALLBACK pfns, PVOID pv,
                                                   PTP_CALLBACK_ENVIRON pcbe);

WINBASEAPI PTP_WORK WINAPI CreateThreadpoolWork(PTP_WORK_CALLBACK pfnwk, PVOID pv,
                                                PTP_CALLBACK_ENVIRON pcbe);
WINBASEAPI VOID WINAPI SubmitThreadpoolWork(PTP_WORK pwk);
WINBASEAPI VOID WINAPI WaitForThreadpoolWorkCallbacks(PTP_WORK pwk, BOOL fCancelPendingCallbacks);
WINBASEAPI VOID WINAPI CloseThreadpoolWork(PTP_WORK pwk);

WINBASEAPI PTP_WAIT WINAPI CreateThreadpoolWait(PTP_WAIT_CALLBACK pfnwa, PVOID pv,
                                                PTP_CALLBACK_ENVIRON pcbe);
WINBASEAPI VOID WINAPI SetThreadpoolWait(PTP_WAIT pwa, HANDLE h, PFILETIME pftTimeout);
WINBASEAPI VOID WINAPI WaitForThreadpoolWaitCallbacks(PTP_WAIT pwa, BOOL fCancelPendingCallbacks);
WINBASEAPI VOID WINAPI CloseThreadpoolWait(PTP_WAIT pwa);

WINBASEAPI PTP_TIMER WINAPI CreateThreadpoolTimer(PTP_TIMER_CALLBACK pfnti, PVOID pv,
                                                  PTP_CALLBACK_ENVIRON pcbe);
WINBASEAPI VOID WINAPI SetThreadpoolTimer(PTP_TIMER pti, PFILETIME pftDueTime, DWORD msPeriod,
                                          DWORD msWindowLength);
WINBASEAPI BOOL WINAPI IsThreadpoolTimerSet(PTP_TIMER pti);
WINBASEAPI VOID WINAPI WaitForThreadpoolTimerCallbacks(PTP_TIMER pti, BOOL fCancelPendingCallbacks);
WINBASEAPI VOID WINAPI CloseThreadpoolTimer(PTP_TIMER pti);

WINBASEAPI VOID WINAPI SetEventWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci, HANDLE evt);
WINBASEAPI VOID WINAPI ReleaseSemaphoreWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci, HANDLE sem,
                                                           DWORD crel);
WINBASEAPI VOID WINAPI ReleaseMutexWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci, HANDLE mut);
WINBASEAPI VOID WINAPI LeaveCriticalSectionWhenCallbackReturns(PTP_CALLBACK_INSTANCE pci,
                                                               PCRITICAL_SECTION pcs);
WINBASEAPI BOOL WINAPI CallbackMayRunLong(PTP_CALLBACK_INSTANCE pci);
WINBASEAPI VOID WINAPI DisassociateCurrentThreadFromCallback(PTP_CALLBACK_INSTANCE pci);

#ifdef __cplusplus
}
#endif

#endif
