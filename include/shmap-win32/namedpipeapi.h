/*
 * namedpipeapi.h - part of the Win32 face of shmap (windows.h includes it):
 * anonymous pipes, and SetStdHandle to make one a standard handle.
 * Named pipes are not implemented.  docs/win32-coverage.md ("Pipes").
 */
#ifndef SHMAP_NAMEDPIPEAPI_H
#define SHMAP_NAMEDPIPEAPI_H
#include "windows.h"

#ifdef __cplusplus
extern "C" {
#endif

WINBASEAPI BOOL WINAPI CreatePipe(PHANDLE hReadPipe, PHANDLE hWritePipe,
                                  LPSECURITY_ATTRIBUTES lpPipeAttributes, DWORD nSize);
WINBASEAPI BOOL WINAPI PeekNamedPipe(HANDLE hNamedPipe, LPVOID lpBuffer, DWORD nBufferSize,
                                     LPDWORD lpBytesRead, LPDWORD lpTotalBytesAvail,
                                     LPDWORD lpBytesLeftThisMessage);
/* processenv.h in the SDK */
WINBASEAPI BOOL WINAPI SetStdHandle(DWORD nStdHandle, HANDLE hHandle);

#ifdef __cplusplus
}
#endif
#endif
