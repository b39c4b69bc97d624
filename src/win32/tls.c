/*
 * tls.c - TlsAlloc, FlsAlloc and kin over shmap_tls_* / shmap_fls_*
 * (src/proc/tls.c): error codes only.
 */
#include "w32.h"

WINBASEAPI DWORD WINAPI TlsAlloc(void)
{
    uint32_t i;
    if (shmap_tls_alloc(&i)) {
        SetLastError(ERROR_NO_MORE_ITEMS);
        return TLS_OUT_OF_INDEXES;
    }
    return i;
}

WINBASEAPI BOOL WINAPI TlsFree(DWORD index)
{
    return shmap_w32__ok(shmap_tls_free(index));
}

/* Windows sets the last error to 0 on success: a caller tells a stored
 * NULL from a failure that way. */
WINBASEAPI LPVOID WINAPI TlsGetValue(DWORD index)
{
    void *v = NULL;
    if (shmap_w32__ok(shmap_tls_get(index, &v)))
        SetLastError(ERROR_SUCCESS);
    return v;
}

WINBASEAPI BOOL WINAPI TlsSetValue(DWORD index, LPVOID value)
{
    return shmap_w32__ok(shmap_tls_set(index, value));
}

WINBASEAPI DWORD WINAPI FlsAlloc(PFLS_CALLBACK_FUNCTION cb)
{
    uint32_t i;
    if (shmap_fls_alloc(cb, &i)) {
        SetLastError(ERROR_NO_MORE_ITEMS);
        return FLS_OUT_OF_INDEXES;
    }
    return i;
}

WINBASEAPI BOOL WINAPI FlsFree(DWORD index)
{
    return shmap_w32__ok(shmap_fls_free(index));
}

WINBASEAPI PVOID WINAPI FlsGetValue(DWORD index)
{
    void *v = NULL;
    if (shmap_w32__ok(shmap_fls_get(index, &v)))
        SetLastError(ERROR_SUCCESS);
    return v;
}

WINBASEAPI BOOL WINAPI FlsSetValue(DWORD index, PVOID value)
{
    return shmap_w32__ok(shmap_fls_set(index, value));
}
