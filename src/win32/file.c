/*
 * file.c - CreateFile, ReadFile, WriteFile, SetFilePointer(Ex),
 * SetEndOfFile, GetFileSize(Ex), FlushFileBuffers, DeleteFile, and the
 * handle calls: conversion over the native API.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "w32.h"

static HANDLE create_file(const char *path, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES sa,
                          DWORD disp, DWORD attrs)
{
    shmap_handle_t h = NULL;
    unsigned flags = 0;
    int r = shmap_w32__sa(sa, &flags);
    if (r == 0)
        r = shmap_file_open(path, access, share, disp, attrs, flags, &h);
    shmap_w32__sa_done();
    if (r < 0) {
        shmap_w32__fail(r);
        return INVALID_HANDLE_VALUE;
    }
    shmap_w32__created(r);
    return WIN(h);
}

WINBASEAPI HANDLE WINAPI CreateFileA(LPCSTR path, DWORD access, DWORD share,
                                     LPSECURITY_ATTRIBUTES sa, DWORD disp, DWORD attrs, HANDLE tmpl)
{
    (void)tmpl;
    return create_file(path, access, share, sa, disp, attrs);
}

WINBASEAPI HANDLE WINAPI CreateFileW(LPCWSTR path, DWORD access, DWORD share,
                                     LPSECURITY_ATTRIBUTES sa, DWORD disp, DWORD attrs, HANDLE tmpl)
{
    char *u;
    int r = shmap_w32__utf8(path, &u);
    (void)tmpl;
    if (r) {
        shmap_w32__fail(r);
        return INVALID_HANDLE_VALUE;
    }
    HANDLE h = create_file(u, access, share, sa, disp, attrs);
    free(u);
    return h;
}

/* An OVERLAPPED on a synchronous handle gives the position to use. */
static int overlapped_seek(HANDLE h, LPOVERLAPPED ov)
{
    OVERLAPPED o;
    if (!ov)
        return 0;
    memcpy(&o, ov, sizeof o);
    int64_t off = (int64_t)((uint64_t)o.OffsetHigh << 32 | o.Offset);
    return shmap_file_seek(NATIVE(h), off, SHMAP_FILE_BEGIN, NULL);
}

static int io(HANDLE h, bool write, void *buf, DWORD n, uint32_t *did)
{
    return write ? shmap_file_write(NATIVE(h), buf, n, did)
                 : shmap_file_read(NATIVE(h), buf, n, did);
}

/* kernelbase zeroes *done and reads the OVERLAPPED before the system call;
 * NtReadFile/NtWriteFile then check the handle and probe the whole buffer
 * (a read into a buffer that runs into a hole would otherwise stop short
 * and succeed).  A zero-length call reports the handle's error first. */
static BOOL file_io(HANDLE h, bool write, void *buf, DWORD n, LPDWORD done, LPOVERLAPPED ov)
{
    uint32_t did = 0;
    if (W32_BAD_OPT(done) || W32_BAD_OPT(ov))
        return shmap_w32__ok(-EFAULT);
    if (done)
        W32_PUT(done, 0);
    int r = 0;
    if (write ? shmap__probe_read(buf, n) : shmap__probe_write(buf, n)) {
        r = io(h, write, buf, 0, &did);
        if (r == 0)
            r = -EFAULT;
    }
    if (r == 0)
        r = overlapped_seek(h, ov);
    if (r == 0)
        r = io(h, write, buf, n, &did);
    if (done)
        W32_PUT(done, r == 0 ? did : 0);
    if (r == 0 && ov) {
        /* the OVERLAPPED holds the call's IO_STATUS_BLOCK: the status and
         * the bytes moved.  A read that asked for bytes and got none was at
         * or past the end (the native read returns 0 only there): NtReadFile
         * says STATUS_END_OF_FILE, which ReadFile passes on as
         * ERROR_HANDLE_EOF when it was given an OVERLAPPED (without one it
         * is success with 0 bytes) */
        bool eof = !write && n > 0 && did == 0;
        W32_PUT(&ov->Internal, (ULONG_PTR)(ULONG)(eof ? STATUS_END_OF_FILE : STATUS_SUCCESS));
        W32_PUT(&ov->InternalHigh, (ULONG_PTR)did);
        /* the I/O is complete: its event is signalled (the low bit only
         * says "no completion port") */
        HANDLE ev;
        memcpy(&ev, &ov->hEvent, sizeof ev);
        bool no_port = ((uintptr_t)ev & 1) != 0;
        ev = (HANDLE)((uintptr_t)ev & ~(uintptr_t)1);
        if (ev)
            SetEvent(ev);
        if (eof) {
            SetLastError(ERROR_HANDLE_EOF);
            return FALSE;
        }
        /* a completed call's packet goes to the file's completion port,
         * if it has one (a call that failed queues none) */
        if (!no_port)
            (void)shmap_iocp_file_done(NATIVE(h), did, (uint64_t)(uintptr_t)ov);
    }
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI ReadFile(HANDLE h, LPVOID buf, DWORD n, LPDWORD done, LPOVERLAPPED ov)
{
    return file_io(h, false, buf, n, done, ov);
}

WINBASEAPI BOOL WINAPI WriteFile(HANDLE h, LPCVOID buf, DWORD n, LPDWORD done, LPOVERLAPPED ov)
{
    return file_io(h, true, (void *)buf, n, done, ov);
}

WINBASEAPI DWORD WINAPI SetFilePointer(HANDLE h, LONG lo, PLONG hi, DWORD method)
{
    LONG high = 0; /* kernelbase reads *hi first */
    if (W32_BAD_OPT(hi)) {
        shmap_w32__fail(-EFAULT);
        return INVALID_SET_FILE_POINTER;
    }
    if (hi)
        memcpy(&high, hi, sizeof high);
    int64_t d = hi ? (int64_t)((uint64_t)(uint32_t)high << 32 | (uint32_t)lo) : (int64_t)lo;
    uint64_t pos;
    int r = shmap_file_seek(NATIVE(h), d, (int)method, &pos);
    if (r < 0) {
        shmap_w32__fail(r);
        return INVALID_SET_FILE_POINTER;
    }
    if (hi)
        W32_PUT(hi, (LONG)(pos >> 32));
    SetLastError(NO_ERROR); /* callers tell 0xFFFFFFFF from failure by this */
    return (DWORD)pos;
}

WINBASEAPI BOOL WINAPI SetFilePointerEx(HANDLE h, LARGE_INTEGER d, PLARGE_INTEGER out, DWORD method)
{
    uint64_t pos;
    /* kernelbase stores the position after the move: a bad handle is 6
     * first; a bad pointer is found before anything moves (Windows would
     * move, then fault in the caller) */
    int r = 0;
    if (W32_BAD_OPT(out)) {
        r = shmap_file_seek(NATIVE(h), 0, SHMAP_FILE_CURRENT, NULL);
        if (r == 0)
            r = -EFAULT;
    }
    if (r == 0)
        r = shmap_file_seek(NATIVE(h), d.QuadPart, (int)method, &pos);
    if (r == 0 && out)
        W32_PUT(&out->QuadPart, (LONGLONG)pos);
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI SetEndOfFile(HANDLE h)
{
    return shmap_w32__ok(shmap_file_set_end(NATIVE(h)));
}

WINBASEAPI DWORD WINAPI GetFileSize(HANDLE h, LPDWORD hi)
{
    uint64_t s;
    int r = shmap_file_size(NATIVE(h), &s);
    if (r == 0 && W32_BAD_OPT(hi)) /* stored after the query, as kernelbase */
        r = -EFAULT;
    if (r < 0) {
        shmap_w32__fail(r);
        return INVALID_FILE_SIZE;
    }
    if (hi)
        W32_PUT(hi, (DWORD)(s >> 32));
    SetLastError(NO_ERROR);
    return (DWORD)s;
}

WINBASEAPI BOOL WINAPI GetFileSizeEx(HANDLE h, PLARGE_INTEGER size)
{
    uint64_t s;
    int r = shmap_file_size(NATIVE(h), &s); /* the handle first, as kernelbase */
    if (r == 0 && W32_BAD_OUT(size))
        r = -EFAULT;
    if (r == 0)
        W32_PUT(&size->QuadPart, (LONGLONG)s);
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI FlushFileBuffers(HANDLE h)
{
    return shmap_w32__ok(shmap_file_flush(NATIVE(h)));
}

WINBASEAPI BOOL WINAPI DeleteFileA(LPCSTR path)
{
    return shmap_w32__ok(shmap_file_delete(path));
}

WINBASEAPI BOOL WINAPI DeleteFileW(LPCWSTR path)
{
    char *u;
    int r = shmap_w32__utf8(path, &u);
    if (r == 0)
        r = shmap_file_delete(u);
    free(u);
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI CloseHandle(HANDLE h)
{
    return shmap_w32__ok(shmap_close(NATIVE(h)));
}

WINBASEAPI BOOL WINAPI GetHandleInformation(HANDLE h, LPDWORD flags)
{
    uint32_t f;
    int r = shmap_handle_get_flags(NATIVE(h), &f); /* the handle first, as kernelbase */
    if (r == 0 && W32_BAD_OUT(flags))
        r = -EFAULT;
    if (r == 0)
        W32_PUT(flags, f);
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI SetHandleInformation(HANDLE h, DWORD mask, DWORD flags)
{
    return shmap_w32__ok(shmap_handle_set_flags(NATIVE(h), mask, flags));
}

WINBASEAPI BOOL WINAPI DuplicateHandle(HANDLE sproc, HANDLE src, HANDLE dproc, LPHANDLE dst,
                                       DWORD access, BOOL inherit, DWORD options)
{
    shmap_handle_t h = NULL;
    /* NtDuplicateObject probes the target first (optional): nothing is
     * closed, not even with DUPLICATE_CLOSE_SOURCE */
    if (dst && shmap__probe_out(dst, sizeof *dst, sizeof *dst))
        return shmap_w32__ok(-EFAULT);
    int r = shmap_handle_duplicate(NATIVE(sproc), NATIVE(src), NATIVE(dproc), access, options,
                                   inherit ? SHMAP_INHERIT : 0, &h);
    if (r == 0 && dst)
        *dst = WIN(h);
    return shmap_w32__ok(r);
}

/* ---- byte-range locks ------------------------------------------------------- */

static uint64_t u64(DWORD lo, DWORD hi)
{
    return (uint64_t)hi << 32 | lo;
}

WINBASEAPI BOOL WINAPI LockFile(HANDLE h, DWORD off_lo, DWORD off_hi, DWORD len_lo, DWORD len_hi)
{
    return shmap_w32__ok(shmap_file_lock(NATIVE(h), u64(off_lo, off_hi), u64(len_lo, len_hi),
                                         SHMAP_LOCK_EXCLUSIVE | SHMAP_LOCK_FAIL_IMMEDIATELY));
}

WINBASEAPI BOOL WINAPI UnlockFile(HANDLE h, DWORD off_lo, DWORD off_hi, DWORD len_lo, DWORD len_hi)
{
    return shmap_w32__ok(shmap_file_unlock(NATIVE(h), u64(off_lo, off_hi), u64(len_lo, len_hi)));
}

/* kernelbase reads the offset from the OVERLAPPED, which NtLockFile then
 * uses as its IO_STATUS_BLOCK: the status in Internal.  Other flag bits
 * are ignored, as kernelbase passes on only the two it knows. */
static int read_offset(LPOVERLAPPED ov, uint64_t *off)
{
    OVERLAPPED o;
    if (W32_BAD_OUT(ov))
        return -EFAULT;
    memcpy(&o, ov, sizeof o);
    *off = u64(o.Offset, o.OffsetHigh);
    return 0;
}

static BOOL lock_done(LPOVERLAPPED ov, int r)
{
    if (r == 0) {
        W32_PUT(&ov->Internal, (ULONG_PTR)STATUS_SUCCESS);
        W32_PUT(&ov->InternalHigh, (ULONG_PTR)0);
    }
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI LockFileEx(HANDLE h, DWORD flags, DWORD reserved, DWORD len_lo, DWORD len_hi,
                                  LPOVERLAPPED ov)
{
    uint64_t off;
    int r = reserved ? -EINVAL : read_offset(ov, &off);
    unsigned f = ((flags & LOCKFILE_EXCLUSIVE_LOCK) ? SHMAP_LOCK_EXCLUSIVE : 0) |
                 ((flags & LOCKFILE_FAIL_IMMEDIATELY) ? SHMAP_LOCK_FAIL_IMMEDIATELY : 0);
    if (r == 0)
        r = shmap_file_lock(NATIVE(h), off, u64(len_lo, len_hi), f);
    return r == 0 ? lock_done(ov, r) : shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI UnlockFileEx(HANDLE h, DWORD reserved, DWORD len_lo, DWORD len_hi,
                                    LPOVERLAPPED ov)
{
    uint64_t off;
    int r = reserved ? -EINVAL : read_offset(ov, &off);
    if (r == 0)
        r = shmap_file_unlock(NATIVE(h), off, u64(len_lo, len_hi));
    return r == 0 ? lock_done(ov, r) : shmap_w32__ok(r);
}

/* ---- attributes --------------------------------------------------------------- */

/* A missing file is ERROR_FILE_NOT_FOUND, a missing directory on the way
 * ERROR_PATH_NOT_FOUND (the native codes map so). */
static DWORD attributes_of(const char *path, shmap_file_info_t *info)
{
    int r = shmap_file_attributes(path, info);
    if (r) {
        shmap_w32__fail(r == -EINVAL ? -ENOENT : r);
        return INVALID_FILE_ATTRIBUTES;
    }
    return info->attributes;
}

WINBASEAPI DWORD WINAPI GetFileAttributesA(LPCSTR path)
{
    shmap_file_info_t info;
    return attributes_of(path, &info);
}

WINBASEAPI DWORD WINAPI GetFileAttributesW(LPCWSTR path)
{
    char *u;
    int r = shmap_w32__utf8(path, &u);
    if (r) {
        shmap_w32__fail(r);
        return INVALID_FILE_ATTRIBUTES;
    }
    shmap_file_info_t info;
    DWORD a = attributes_of(u, &info);
    free(u);
    return a;
}

WINBASEAPI BOOL WINAPI SetFileAttributesA(LPCSTR path, DWORD attributes)
{
    int r = shmap_file_set_attributes(path, attributes);
    return shmap_w32__ok(r == -EINVAL ? -ENOENT : r);
}

WINBASEAPI BOOL WINAPI SetFileAttributesW(LPCWSTR path, DWORD attributes)
{
    char *u;
    int r = shmap_w32__utf8(path, &u);
    if (r == 0)
        r = shmap_file_set_attributes(u, attributes);
    free(u);
    return shmap_w32__ok(r == -EINVAL ? -ENOENT : r);
}

/* Nanoseconds since 1970 as a FILETIME (100 ns since 1601). */
static FILETIME filetime(int64_t ns)
{
    uint64_t t = (uint64_t)(ns / 100) + 116444736000000000ULL;
    FILETIME f = {(DWORD)t, (DWORD)(t >> 32)};
    return f;
}

static BOOL attributes_ex(const char *path, GET_FILEEX_INFO_LEVELS level, LPVOID out)
{
    if (level != GetFileExInfoStandard)
        return shmap_w32__ok(-EINVAL);
    WIN32_FILE_ATTRIBUTE_DATA *d = out;
    if (W32_BAD_OUT(d))
        return shmap_w32__ok(-EFAULT);
    shmap_file_info_t info;
    if (attributes_of(path, &info) == INVALID_FILE_ATTRIBUTES)
        return FALSE;
    WIN32_FILE_ATTRIBUTE_DATA v = {.dwFileAttributes = info.attributes,
                                   .ftCreationTime = filetime(info.ctime_ns),
                                   .ftLastAccessTime = filetime(info.atime_ns),
                                   .ftLastWriteTime = filetime(info.mtime_ns),
                                   .nFileSizeHigh = (DWORD)(info.size >> 32),
                                   .nFileSizeLow = (DWORD)info.size};
    memcpy(d, &v, sizeof v);
    return TRUE;
}

WINBASEAPI BOOL WINAPI GetFileAttributesExA(LPCSTR path, GET_FILEEX_INFO_LEVELS level, LPVOID out)
{
    return attributes_ex(path, level, out);
}

WINBASEAPI BOOL WINAPI GetFileAttributesExW(LPCWSTR path, GET_FILEEX_INFO_LEVELS level, LPVOID out)
{
    char *u;
    int r = shmap_w32__utf8(path, &u);
    if (r)
        return shmap_w32__ok(r);
    BOOL ok = attributes_ex(u, level, out);
    free(u);
    return ok;
}

/* ---- overlapped results ------------------------------------------------------- */

/* shmap's file I/O completes within ReadFile/WriteFile, which leave the
 * status and the bytes in the OVERLAPPED: what kernelbase reads back.
 * Only an OVERLAPPED that the caller marked STATUS_PENDING itself is
 * waited for, on its event (or the file, always signalled). */
static BOOL overlapped_result(HANDLE h, LPOVERLAPPED ov, LPDWORD n, DWORD ms, BOOL alertable)
{
    if (W32_BAD_OUT(ov) || W32_BAD_OUT(n))
        return shmap_w32__ok(-EFAULT);
    OVERLAPPED o;
    memcpy(&o, ov, sizeof o);
    if (o.Internal == STATUS_PENDING) {
        if (ms == 0) {
            SetLastError(ERROR_IO_INCOMPLETE);
            return FALSE;
        }
        HANDLE ev = (HANDLE)((uintptr_t)o.hEvent & ~(uintptr_t)1);
        DWORD w = WaitForSingleObjectEx(ev ? ev : h, ms, alertable);
        if (w == WAIT_TIMEOUT || w == WAIT_IO_COMPLETION) {
            SetLastError(w);
            return FALSE;
        }
        if (w == WAIT_FAILED)
            return FALSE;
        memcpy(&o, ov, sizeof o);
        if (o.Internal == STATUS_PENDING) {
            SetLastError(ERROR_IO_INCOMPLETE);
            return FALSE;
        }
    }
    W32_PUT(n, (DWORD)o.InternalHigh);
    if (o.Internal == STATUS_SUCCESS)
        return TRUE;
    SetLastError((ULONG)o.Internal == (ULONG)STATUS_END_OF_FILE ? ERROR_HANDLE_EOF
                                                                : ERROR_GEN_FAILURE);
    return FALSE;
}

WINBASEAPI BOOL WINAPI GetOverlappedResult(HANDLE h, LPOVERLAPPED ov, LPDWORD n, BOOL wait)
{
    return overlapped_result(h, ov, n, wait ? INFINITE : 0, FALSE);
}

WINBASEAPI BOOL WINAPI GetOverlappedResultEx(HANDLE h, LPOVERLAPPED ov, LPDWORD n, DWORD ms,
                                             BOOL alertable)
{
    return overlapped_result(h, ov, n, ms, alertable);
}
