/*
 * procmem.c - ReadProcessMemory, WriteProcessMemory, VirtualQueryEx,
 * FlushInstructionCache: argument conversion over shmap/procmem.h.
 */
#include <errno.h>
#include <string.h>

#include "w32.h"


/* The count is stored on failure too, as kernelbase does.  A count
 * pointer that is not there is refused before anything is copied
 * (Windows would fault storing it). */
WINBASEAPI BOOL WINAPI ReadProcessMemory(HANDLE hProcess, LPCVOID lpBaseAddress, LPVOID lpBuffer,
                                         SIZE_T nSize, SIZE_T *lpNumberOfBytesRead)
{
    size_t n = 0;
    if (W32_BAD_OPT(lpNumberOfBytesRead))
        return shmap_w32__ok(-EFAULT);
    int r = shmap_process_read(NATIVE(hProcess), lpBaseAddress, lpBuffer, nSize, &n);
    if (lpNumberOfBytesRead)
        *lpNumberOfBytesRead = n;
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI WriteProcessMemory(HANDLE hProcess, LPVOID lpBaseAddress, LPCVOID lpBuffer,
                                          SIZE_T nSize, SIZE_T *lpNumberOfBytesWritten)
{
    size_t n = 0;
    if (W32_BAD_OPT(lpNumberOfBytesWritten))
        return shmap_w32__ok(-EFAULT);
    int r = shmap_process_write(NATIVE(hProcess), lpBaseAddress, lpBuffer, nSize, &n);
    if (lpNumberOfBytesWritten)
        *lpNumberOfBytesWritten = n;
    return shmap_w32__ok(r);
}

/* As VirtualQuery: the length, then the whole buffer probed, then the
 * handle and the address. */
WINBASEAPI SIZE_T WINAPI VirtualQueryEx(HANDLE hProcess, LPCVOID lpAddress,
                                        PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    shmap_mem_info_t m;
    if (len < sizeof *mbi) {
        SetLastError(ERROR_BAD_LENGTH);
        return 0;
    }
    int r = shmap__probe_out(mbi, len, sizeof(ULONG_PTR));
    if (r == 0)
        r = shmap_process_vm_query(NATIVE(hProcess), lpAddress, &m);
    if (r < 0) {
        shmap_w32__fail(r);
        return 0;
    }
    return shmap_w32__mbi(&m, mbi);
}

WINBASEAPI BOOL WINAPI FlushInstructionCache(HANDLE hProcess, LPCVOID lpBaseAddress, SIZE_T dwSize)
{
    (void)hProcess;
    (void)lpBaseAddress;
    (void)dwSize;
    return TRUE;
}
