/*
 * heap.c - GetProcessHeap, HeapCreate and kin over shmap_heap_*
 * (src/base/heap.c).  As on Windows, HeapAlloc and HeapReAlloc do not set
 * the last error when they fail; HEAP_GENERATE_EXCEPTIONS is ignored (no
 * structured exceptions: a failure is only a NULL), as are
 * HEAP_NO_SERIALIZE (heaps always lock) and an initial size.
 */
#include "w32.h"

#define HEAP(h) ((shmap_heap_t *)(h))

WINBASEAPI HANDLE WINAPI GetProcessHeap(void)
{
    return shmap_heap_process();
}

WINBASEAPI HANDLE WINAPI HeapCreate(DWORD options, SIZE_T initial, SIZE_T maximum)
{
    (void)options;
    shmap_heap_t *h;
    if (maximum && initial > maximum) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    int r = shmap_heap_create(maximum, &h);
    if (r) {
        shmap_w32__fail(r);
        return NULL;
    }
    return h;
}

WINBASEAPI BOOL WINAPI HeapDestroy(HANDLE heap)
{
    int r = shmap_heap_destroy(HEAP(heap));
    if (r) {
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    return TRUE;
}

WINBASEAPI LPVOID WINAPI HeapAlloc(HANDLE heap, DWORD flags, SIZE_T n)
{
    return shmap_heap_alloc(HEAP(heap), n, (flags & HEAP_ZERO_MEMORY) != 0);
}

WINBASEAPI LPVOID WINAPI HeapReAlloc(HANDLE heap, DWORD flags, LPVOID p, SIZE_T n)
{
    void *out;
    unsigned f = (flags & HEAP_ZERO_MEMORY ? SHMAP_HEAP_ZERO : 0) |
                 (flags & HEAP_REALLOC_IN_PLACE_ONLY ? SHMAP_HEAP_IN_PLACE : 0);
    return shmap_heap_realloc(HEAP(heap), p, n, f, &out) ? NULL : out;
}

WINBASEAPI BOOL WINAPI HeapFree(HANDLE heap, DWORD flags, LPVOID p)
{
    (void)flags;
    if (shmap_heap_free(HEAP(heap), p)) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    return TRUE;
}

/* (SIZE_T)-1 on failure, with no last error (Windows sets none). */
WINBASEAPI SIZE_T WINAPI HeapSize(HANDLE heap, DWORD flags, LPCVOID p)
{
    (void)flags;
    size_t n;
    return shmap_heap_size(HEAP(heap), p, &n) ? (SIZE_T)-1 : n;
}
