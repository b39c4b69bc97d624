/*
 * error.c - the per-thread last error; the native-to-Win32 table is the
 * native library's (shmap_win32_error, src/base/error.c).
 */
#include <errno.h>

#include "w32.h"

static __thread DWORD last_error;

DWORD shmap_w32__code(int err)
{
    return shmap_win32_error(err);
}

int shmap_w32__fail(int err)
{
    last_error = shmap_w32__code(err);
    return err;
}

BOOL shmap_w32__ok(int r)
{
    if (r < 0) {
        shmap_w32__fail(r);
        return FALSE;
    }
    return TRUE;
}

void shmap_w32__created(int r)
{
    last_error = r == SHMAP_EXISTED ? ERROR_ALREADY_EXISTS : 0;
}

WINBASEAPI DWORD WINAPI GetLastError(void)
{
    return last_error;
}
WINBASEAPI VOID WINAPI SetLastError(DWORD code)
{
    last_error = code;
}
