/*
 * iocp.c - I/O completion ports: argument and error conversion over the
 * native API (shmap_iocp_*).
 */
#include "w32.h"

WINBASEAPI HANDLE WINAPI CreateIoCompletionPort(HANDLE file, HANDLE existing, ULONG_PTR key,
                                                DWORD threads)
{
    shmap_handle_t port = NATIVE(existing);
    int r = 0;
    if (file == INVALID_HANDLE_VALUE) {
        if (existing) /* nothing to associate with an existing port */
            r = -EINVAL;
        else
            r = shmap_iocp_create(threads, &port);
        if (r < 0) {
            shmap_w32__fail(r);
            return NULL;
        }
        return WIN(port);
    }
    if (!existing && (r = shmap_iocp_create(threads, &port)) < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    r = shmap_iocp_associate(port, NATIVE(file), key);
    if (r < 0) {
        if (!existing)
            shmap_close(port);
        shmap_w32__fail(r);
        return NULL;
    }
    return WIN(port);
}

/* The last error of a dequeue that got nothing. */
static BOOL none(int r)
{
    if (r == SHMAP_WAIT_TIMEOUT)
        SetLastError(WAIT_TIMEOUT);
    else if (r == SHMAP_WAIT_IO_COMPLETION)
        SetLastError(WAIT_IO_COMPLETION);
    else
        shmap_w32__fail(r);
    return FALSE;
}

/* *ov = v (an OVERLAPPED pointer's bits: stored byte-wise, as W32_PUT). */
static void put_ov(LPOVERLAPPED *ov, ULONG_PTR v)
{
    memcpy(ov, &v, sizeof v);
}

WINBASEAPI BOOL WINAPI GetQueuedCompletionStatus(HANDLE port, LPDWORD bytes, PULONG_PTR key,
                                                 LPOVERLAPPED *ov, DWORD ms)
{
    /* kernelbase stores all three after the system call: a bad one is a
     * fault on Windows, ERROR_NOACCESS here */
    if (W32_BAD_OUT(bytes) || W32_BAD_OUT(key) || shmap__probe_out(ov, sizeof(ULONG_PTR), 1))
        return shmap_w32__ok(-EFAULT);
    shmap_iocp_packet_t p;
    size_t got = 0;
    int r = shmap_iocp_get(NATIVE(port), &p, 1, &got, ms, 0);
    if (r != 0) {
        put_ov(ov, 0);
        return none(r);
    }
    W32_PUT(bytes, (DWORD)p.bytes);
    W32_PUT(key, (ULONG_PTR)p.key);
    put_ov(ov, (ULONG_PTR)p.overlapped);
    return TRUE;
}

WINBASEAPI BOOL WINAPI GetQueuedCompletionStatusEx(HANDLE port, LPOVERLAPPED_ENTRY entries,
                                                   ULONG count, PULONG removed, DWORD ms,
                                                   BOOL alertable)
{
    if (W32_BAD_OUT(removed))
        return shmap_w32__ok(-EFAULT);
    W32_PUT(removed, (ULONG)0);
    if (count == 0)
        return shmap_w32__ok(-EINVAL);
    if (shmap__probe_out(entries, (size_t)count * sizeof *entries, 1))
        return shmap_w32__ok(-EFAULT);
    shmap_iocp_packet_t *p = malloc((size_t)count * sizeof *p);
    if (!p)
        return shmap_w32__ok(-ENOMEM);
    size_t got = 0;
    int r = shmap_iocp_get(NATIVE(port), p, count, &got, ms, alertable);
    for (size_t i = 0; r == 0 && i < got; i++) {
        OVERLAPPED_ENTRY e = {(ULONG_PTR)p[i].key, (LPOVERLAPPED)(ULONG_PTR)p[i].overlapped, 0,
                              (DWORD)p[i].bytes};
        W32_PUT(&entries[i], e);
    }
    free(p);
    if (r != 0)
        return none(r);
    W32_PUT(removed, (ULONG)got);
    return TRUE;
}

WINBASEAPI BOOL WINAPI PostQueuedCompletionStatus(HANDLE port, DWORD bytes, ULONG_PTR key,
                                                  LPOVERLAPPED ov)
{
    return shmap_w32__ok(shmap_iocp_post(NATIVE(port), bytes, key, (uint64_t)(ULONG_PTR)ov));
}
