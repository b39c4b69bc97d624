/*
 * w32.h - what the files of the Win32 layer share: handle and error
 * conversion, per-thread last error, wide-string conversion.
 */
#ifndef SHMAP_W32_H
#define SHMAP_W32_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "base/probe.h"
#include "shmap.h"

#define W32_HIDDEN __attribute__((visibility("hidden")))

/* HANDLE <-> native handle: the same number. */
#define NATIVE(h) ((shmap_handle_t)(h))
#define WIN(h) ((HANDLE)(h))

/* Pointers the caller gives (probe.h): an output that is not there is
 * -EFAULT, ERROR_NOACCESS (998).  Where NT probes a pointer (a system-call
 * argument) the face checks it where NT would, before the handle; where
 * kernelbase stores a result after the system call, the call comes first,
 * so that a bad handle is still reported as 6.  Results are stored
 * byte-wise (W32_PUT): kernelbase's stores take any alignment. */
#define W32_BAD_OUT(p) (shmap__probe_out((p), sizeof *(p), 1) != 0) /* NULL too */
#define W32_BAD_OPT(p) ((p) && W32_BAD_OUT(p))                      /* NULL allowed */
#define W32_PUT(p, v)                                                                              \
    do {                                                                                           \
        __typeof__(*(p)) v_ = (v);                                                                 \
        memcpy((p), &v_, sizeof v_);                                                               \
    } while (0)
/* The SHMAP_INHERIT flag of a SECURITY_ATTRIBUTES the caller gave (none
 * for NULL), or -EFAULT if it is not there (kernelbase reads it first). */
static inline int shmap_w32__inherit(const SECURITY_ATTRIBUTES *sa, unsigned *flags)
{
    SECURITY_ATTRIBUTES a;
    if (!sa)
        return 0;
    if (shmap__probe_read(sa, sizeof *sa))
        return -EFAULT;
    memcpy(&a, sa, sizeof a);
    *flags |= a.bInheritHandle ? SHMAP_INHERIT : 0;
    return 0;
}

/* The Win32 code of a native error (one table, error.c). */
W32_HIDDEN DWORD shmap_w32__code(int err);
/* SetLastError(code of err); returns err for chaining. */
W32_HIDDEN int shmap_w32__fail(int err);
/* A BOOL call's answer from a native one: TRUE for r >= 0; FALSE with the
 * last error set from r for r < 0. */
W32_HIDDEN BOOL shmap_w32__ok(int r);
/* Success of a Create*: last error 0, or ERROR_ALREADY_EXISTS (§2.1). */
W32_HIDDEN void shmap_w32__created(int r);

/* A wide string as UTF-8 (malloc'd); *out NULL for NULL.  Lone surrogates
 * are kept (generalised UTF-8).  Returns 0, -ENOMEM or SHMAP_EBADNAME. */
W32_HIDDEN int shmap_w32__utf8(const wchar_t *w, char **out);
/* Open*A / Open*W over a native open (sync.c): NULL and the last error on
 * failure. */
typedef int (*shmap_w32_open_fn)(const char *name, uint32_t access, unsigned flags,
                                 shmap_handle_t *out);
W32_HIDDEN HANDLE shmap_w32__open_a(shmap_w32_open_fn fn, DWORD access, BOOL inherit, LPCSTR name);
W32_HIDDEN HANDLE shmap_w32__open_w(shmap_w32_open_fn fn, DWORD access, BOOL inherit, LPCWSTR name);

/* A UTF-8 string as wide (malloc'd). */
W32_HIDDEN wchar_t *shmap_w32__wide(const char *s);

/* VirtualQuery (ex false) and VirtualQueryEx (process) in one (mapping.c):
 * the length, then the whole buffer probed, then the handle and the
 * address, as NtQueryVirtualMemory; the size written, or 0 with the last
 * error set. */
W32_HIDDEN SIZE_T shmap_w32__vquery(BOOL ex, HANDLE process, LPCVOID p,
                                    MEMORY_BASIC_INFORMATION *mbi, SIZE_T len);
/* GetStdHandle/SetStdHandle's STD_*_HANDLE as 0, 1, 2; -1 for another value
 * (process.c). */
W32_HIDDEN int shmap_w32__std_index(DWORD which);

/* A security descriptor the caller gave (absolute or self-relative; probed,
 * validated) as a fresh self-relative one (malloc'd, *len bytes), the only
 * form the core knows: what the Create* calls and security.c pass down.
 * Returns 0, -EFAULT, -ENOMEM, SHMAP_EREVISION, or the core's validation
 * errors (SHMAP_EBADSD, SHMAP_EBADSID, SHMAP_EBADACL). */
W32_HIDDEN int shmap_w32__sd_relative(PSECURITY_DESCRIPTOR in, void **out, size_t *len);

/* A Create*'s SECURITY_ATTRIBUTES: the inherit flag, and the security
 * descriptor given to the native create that follows (shmap_security_next);
 * shmap_w32__sa_done after that call, whatever it returned, so that a
 * descriptor an early failure left unused does not reach a later create. */
static inline int shmap_w32__sa(const SECURITY_ATTRIBUTES *sa, unsigned *flags)
{
    int r = shmap_w32__inherit(sa, flags);
    if (r || !sa || !sa->lpSecurityDescriptor)
        return r;
    void *sd;
    size_t len;
    if ((r = shmap_w32__sd_relative(sa->lpSecurityDescriptor, &sd, &len)) != 0)
        return r;
    r = shmap_security_next(sd, len);
    free(sd);
    return r;
}
static inline void shmap_w32__sa_done(void)
{
    shmap_security_next(NULL, 0);
}

#endif
