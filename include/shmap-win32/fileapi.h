/*
 * fileapi.h - part of the Win32 face of shmap (windows.h includes it):
 * byte-range locks, file attributes and overlapped results.  CreateFile,
 * ReadFile, WriteFile and the rest of the basic calls are in windows.h.
 * docs/win32-coverage.md ("Files") says what differs from Windows.
 */
#ifndef SHMAP_FILEAPI_H
#define SHMAP_FILEAPI_H
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ERROR_NOT_LOCKED
#define ERROR_NOT_LOCKED 158L
#endif

/* ---- byte-range locks ------------------------------------------------------- */
#define LOCKFILE_FAIL_IMMEDIATELY 0x00000001
#define LOCKFILE_EXCLUSIVE_LOCK 0x00000002
WINBASEAPI BOOL WINAPI LockFile(HANDLE hFile, DWORD dwFileOffsetLow, DWORD dwFileOffsetHigh,
                                DWORD nNumberOfBytesToLockLow, DWORD nNumberOfBytesToLockHigh);
WINBASEAPI BOOL WINAPI LockFileEx(HANDLE hFile, DWORD dwFlags, DWORD dwReserved,
                                  DWORD nNumberOfBytesToLockLow, DWORD nNumberOfBytesToLockHigh,
                                  LPOVERLAPPED lpOverlapped);
WINBASEAPI BOOL WINAPI UnlockFile(HANDLE hFile, DWORD dwFileOffsetLow, DWORD dwFileOffsetHigh,
                                  DWORD nNumberOfBytesToUnlockLow,
                                  DWORD nNumberOfBytesToUnlockHigh);
WINBASEAPI BOOL WINAPI UnlockFileEx(HANDLE hFile, DWORD dwReserved, DWORD nNumberOfBytesToUnlockLow,
                                    DWORD nNumberOfBytesToUnlockHigh, LPOVERLAPPED lpOverlapped);

#ifdef __cplusplus
}
#endif
#endif
