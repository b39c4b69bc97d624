/*
 * w32.h - what the files of the Win32 layer share: handle and error
 * conversion, per-thread last error, wide-string conversion.
 */
#ifndef SHMAP_W32_H
#define SHMAP_W32_H

#include <windows.h>

#include "probe.h"
#include "shmap.h"

#define W32_HIDDEN __attribute__((visibility("hidden")))

/* HANDLE <-> native handle: the same number. */
#define NATIVE(h) ((shmap_handle_t)(h))
#define WIN(h) ((HANDLE)(h))

/* The Win32 code of a native error (one table, error.c). */
W32_HIDDEN DWORD shmap_w32__code(int err);
/* SetLastError(code of err); returns err for chaining. */
W32_HIDDEN int shmap_w32__fail(int err);
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

#endif
