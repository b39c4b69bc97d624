/*
 * threadpoollegacyapiset.h - part of the Win32 face of shmap: wait
 * registrations (RegisterWaitForSingleObject), timer queues and
 * QueueUserWorkItem, over the pool of shmap/thread.h.  Included by
 * windows.h.  Values and errors as Windows; docs/win32-coverage.md.
 */
#ifndef SHMAP_THREADPOOLLEGACYAPISET_H
#define SHMAP_THREADPOOLLEGACYAPISET_H
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef DWORD(WINAPI *PTHREAD_START_ROUTINE)(LPVOID lpThreadParameter); /* as windows.h's */
typedef PTHREAD_START_ROUTINE LPTHREAD_START_ROUTINE;
typedef VOID(CALLBACK *WAITORTIMERCALLBACK)(PVOID lpParameter, BOOLEAN TimerOrWaitFired);
typedef WAITORTIMERCALLBACK WAITORTIMERCALLBACKFUNC;

#define WT_EXECUTEDEFAULT 0x00000000
#define WT_EXECUTEINIOTHREAD 0x00000001
#define WT_EXECUTEINUITHREAD 0x00000002
#define WT_EXECUTEINWAITTHREAD 0x00000004
#define WT_EXECUTEONLYONCE 0x00000008
#define WT_EXECUTELONGFUNCTION 0x00000010
#define WT_EXECUTEINTIMERTHREAD 0x00000020
#define WT_EXECUTEINPERSISTENTIOTHREAD 0x00000040
#define WT_EXECUTEINPERSISTENTTHREAD 0x00000080
#define WT_TRANSFER_IMPERSONATION 0x00000100

WINBASEAPI BOOL WINAPI RegisterWaitForSingleObject(PHANDLE phNewWaitObject, HANDLE hObject,
                                                   WAITORTIMERCALLBACK Callback, PVOID Context,
                                                   ULONG dwMilliseconds, ULONG dwFlags);
WINBASEAPI BOOL WINAPI UnregisterWait(HANDLE WaitHandle);
WINBASEAPI BOOL WINAPI UnregisterWaitEx(HANDLE WaitHandle, HANDLE CompletionEvent);

WINBASEAPI HANDLE WINAPI CreateTimerQueue(void);
WINBASEAPI BOOL WINAPI CreateTimerQueueTimer(PHANDLE phNewTimer, HANDLE TimerQueue,
                                             WAITORTIMERCALLBACK Callback, PVOID Parameter,
                                             DWORD DueTime, DWORD Period, ULONG Flags);
WINBASEAPI BOOL WINAPI ChangeTimerQueueTimer(HANDLE TimerQueue, HANDLE Timer, ULONG DueTime,
                                             ULONG Period);
WINBASEAPI BOOL WINAPI DeleteTimerQueueTimer(HANDLE TimerQueue, HANDLE Timer,
                                             HANDLE CompletionEvent);
WINBASEAPI BOOL WINAPI DeleteTimerQueue(HANDLE TimerQueue);
WINBASEAPI BOOL WINAPI DeleteTimerQueueEx(HANDLE TimerQueue, HANDLE CompletionEvent);

WINBASEAPI BOOL WINAPI QueueUserWorkItem(LPTHREAD_START_ROUTINE Function, PVOID Context,
                                         ULONG Flags);

#ifdef __cplusplus
}
#endif

#endif
