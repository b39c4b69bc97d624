/*
 * thread.c - the thread calls beyond CreateThread: OpenThread,
 * SuspendThread, TerminateThread, QueueUserAPC, over
 * shmap/thread.h.
 */
#include "w32.h"

WINBASEAPI DWORD WINAPI QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData)
{
    int r = shmap_thread_queue_apc(NATIVE(hThread), (shmap_apc_fn_t)pfnAPC, dwData);
    if (r < 0) {
        shmap_w32__fail(r);
        return 0;
    }
    return 1;
}

WINBASEAPI HANDLE WINAPI OpenThread(DWORD dwDesiredAccess, BOOL bInheritHandle, DWORD dwThreadId)
{
    shmap_handle_t h;
    int r = shmap_thread_open(dwThreadId, dwDesiredAccess, bInheritHandle ? SHMAP_INHERIT : 0, &h);
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    return WIN(h);
}

WINBASEAPI DWORD WINAPI SuspendThread(HANDLE hThread)
{
    uint32_t prev;
    int r = shmap_thread_suspend(NATIVE(hThread), &prev);
    if (r < 0) {
        shmap_w32__fail(r);
        return (DWORD)-1;
    }
    return prev;
}

WINBASEAPI BOOL WINAPI TerminateThread(HANDLE hThread, DWORD dwExitCode)
{
    int r = shmap_thread_terminate(NATIVE(hThread), dwExitCode);
    if (r < 0) {
        shmap_w32__fail(r);
        return FALSE;
    }
    return TRUE;
}
