/*
 * procmem.c - ReadProcessMemory, WriteProcessMemory, VirtualQueryEx,
 * FlushInstructionCache: argument conversion over shmap/procmem.h.
 */
#include <errno.h>

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

WINBASEAPI SIZE_T WINAPI VirtualQueryEx(HANDLE hProcess, LPCVOID lpAddress,
                                        PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    return shmap_w32__vquery(TRUE, hProcess, lpAddress, mbi, len);
}

WINBASEAPI BOOL WINAPI FlushInstructionCache(HANDLE hProcess, LPCVOID lpBaseAddress, SIZE_T dwSize)
{
    (void)hProcess;
    (void)lpBaseAddress;
    (void)dwSize;
    return TRUE;
}
