/*
 * processthreadsapi.h - part of the Win32 face of shmap: the thread calls
 * beyond CreateThread (windows.h): user APCs.  Included by windows.h;
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

typedef VOID(CALLBACK *PAPCFUNC)(ULONG_PTR Parameter);
WINBASEAPI DWORD WINAPI QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData);

#ifdef __cplusplus
}
#endif

#endif
