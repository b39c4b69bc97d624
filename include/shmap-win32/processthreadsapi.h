/*
 * processthreadsapi.h - part of the Win32 face of shmap: the thread calls
 * beyond CreateThread (windows.h): OpenThread, SuspendThread,
 * TerminateThread, user APCs.  Included by windows.h;
 * docs/win32-coverage.md ("Threads and APCs").
 */
#ifndef SHMAP_PROCESSTHREADSAPI_H
#define SHMAP_PROCESSTHREADSAPI_H
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef THREAD_SET_CONTEXT
#define THREAD_SET_CONTEXT 0x0010
#endif

#define MAXIMUM_SUSPEND_COUNT 0x7f

WINBASEAPI HANDLE WINAPI OpenThread(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwThreadId);
WINBASEAPI DWORD WINAPI SuspendThread(HANDLE hThread);
WINBASEAPI BOOL WINAPI TerminateThread(HANDLE hThread, DWORD dwExitCode);

typedef VOID(CALLBACK *PAPCFUNC)(ULONG_PTR Parameter);
WINBASEAPI DWORD WINAPI QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData);

#ifdef __cplusplus
}
#endif

#endif
