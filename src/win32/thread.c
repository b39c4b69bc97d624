/*
 * thread.c - the thread calls beyond CreateThread: QueueUserAPC, over
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
