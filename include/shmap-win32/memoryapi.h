/* memoryapi.h - part of the Win32 face of shmap: another process's memory
 * (ReadProcessMemory, WriteProcessMemory, VirtualQueryEx) and
 * FlushInstructionCache; views and VirtualQuery/Alloc/Protect/Free are
 * declared in windows.h, which includes this header. */
#ifndef SHMAP_MEMORYAPI_H
#define SHMAP_MEMORYAPI_H
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

WINBASEAPI BOOL WINAPI ReadProcessMemory(HANDLE hProcess, LPCVOID lpBaseAddress, LPVOID lpBuffer,
                                         SIZE_T nSize, SIZE_T *lpNumberOfBytesRead);
WINBASEAPI BOOL WINAPI WriteProcessMemory(HANDLE hProcess, LPVOID lpBaseAddress, LPCVOID lpBuffer,
                                          SIZE_T nSize, SIZE_T *lpNumberOfBytesWritten);
WINBASEAPI SIZE_T WINAPI VirtualQueryEx(HANDLE hProcess, LPCVOID lpAddress,
                                        PMEMORY_BASIC_INFORMATION lpBuffer, SIZE_T dwLength);
/* processthreadsapi.h in the SDK; TRUE (x86 keeps its caches coherent) */
WINBASEAPI BOOL WINAPI FlushInstructionCache(HANDLE hProcess, LPCVOID lpBaseAddress, SIZE_T dwSize);

#ifdef __cplusplus
}
#endif

#endif
