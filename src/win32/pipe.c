/*
 * pipe.c - CreatePipe, PeekNamedPipe, SetStdHandle: conversion over the
 * native API (src/mem/pipe.c, src/mem/file.c).
 */
#include <errno.h>

#include "w32.h"

/* The security descriptor of lpPipeAttributes is accepted and not kept:
 * an anonymous pipe has no name by which another could open it. */
WINBASEAPI BOOL WINAPI CreatePipe(PHANDLE rd, PHANDLE wr, LPSECURITY_ATTRIBUTES sa, DWORD size)
{
    unsigned flags = 0;
    shmap_handle_t r_h, w_h;
    int r = shmap_w32__inherit(sa, &flags);
    if (r == 0 && (W32_BAD_OUT(rd) || W32_BAD_OUT(wr)))
        r = -EFAULT;
    if (r == 0)
        r = shmap_pipe_create(&r_h, &w_h, size, flags);
    if (r == 0) {
        W32_PUT(rd, WIN(r_h));
        W32_PUT(wr, WIN(w_h));
    }
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI PeekNamedPipe(HANDLE h, LPVOID buf, DWORD size, LPDWORD read, LPDWORD avail,
                                     LPDWORD left)
{
    uint32_t got, n, l;
    int r = 0;
    if (W32_BAD_OPT(read) || W32_BAD_OPT(avail) || W32_BAD_OPT(left))
        r = -EFAULT;
    if (r == 0 && buf && size && shmap__probe_write(buf, size))
        r = -EFAULT;
    if (r == 0)
        r = shmap_pipe_peek(NATIVE(h), buf, size, &got, &n, &l);
    if (r == 0 && read)
        W32_PUT(read, got);
    if (r == 0 && avail)
        W32_PUT(avail, n);
    if (r == 0 && left)
        W32_PUT(left, l);
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI SetStdHandle(DWORD which, HANDLE h)
{
    int i = shmap_w32__std_index(which);
    if (i < 0) {
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    return shmap_w32__ok(shmap_std_handle_set(i, NATIVE(h)));
}
