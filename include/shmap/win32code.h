/*
 * shmap/win32code.h - the Win32 error code of a native code.
 */
#ifndef SHMAP_WIN32CODE_H
#define SHMAP_WIN32CODE_H

#include <stdint.h>

#include "shmap/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The code GetLastError() reports when a Win32 call fails with the native
 * code err (the table of the Win32 face): 0 for 0 and the positive
 * results, ERROR_INVALID_FUNCTION (1) for a negative code it does not know.
 * For bindings that speak the native API but report Win32 codes. */
SHMAP_EXTERN uint32_t shmap_win32_error(int err);

#ifdef __cplusplus
}
#endif

#endif
