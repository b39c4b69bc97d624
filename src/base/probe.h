/*
 * probe.h - is a caller's pointer there?  The check every call makes on the
 * pointers it writes (or reads a structure) through before it acts, as NT
 * probes its arguments (ProbeForWrite/ProbeForRead): a pointer that is not
 * there gives -EFAULT, which the Win32 face reports as ERROR_NOACCESS (998),
 * and never a fault inside the library.  The mechanism is src/base/probe.c.
 *
 * The Win32 face compiles the same probe.c into its own library (a shared
 * libshmap-win32 cannot reach hidden symbols of libshmap); there the names
 * below get a prefix of their own, so that the two static archives never
 * define one symbol twice.
 */
#ifndef SHMAP_PROBE_H
#define SHMAP_PROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef SHMAP_WIN32_BUILDING
#define shmap__probe_write shmap_w32__probe_write
#define shmap__probe_read shmap_w32__probe_read
#define shmap__probe_out shmap_w32__probe_out
#endif

#define SHMAP_PROBE_HIDDEN __attribute__((visibility("hidden")))

/* 0 if the len bytes at p can be written (read) by this process now, else
 * -EFAULT: NULL and the first 64 KiB, unmapped, read-only (for writing) or
 * PROT_NONE memory, and ranges that wrap or run into any of these.  len 0 is
 * always 0, as NT's probes.  Never raises a signal, never changes memory (a
 * write probe adds 0 atomically to a word of each page).  Memory unmapped by another thread after
 * the probe still faults when written; Windows catches that with SEH, which C cannot. */
SHMAP_PROBE_HIDDEN int shmap__probe_write(void *p, size_t len);
SHMAP_PROBE_HIDDEN int shmap__probe_read(const void *p, size_t len);

/* An out-parameter: -EFAULT also for NULL and for an address that is not a
 * multiple of align (a power of two; NT's STATUS_DATATYPE_MISALIGNMENT, also
 * 998).  SHMAP_PROBE_OUT(p) probes one object of p's type at its alignment. */
SHMAP_PROBE_HIDDEN int shmap__probe_out(void *p, size_t len, size_t align);
#define SHMAP_PROBE_OUT(p)                                                                         \
    shmap__probe_out((p), sizeof(__typeof__(*(p))), _Alignof(__typeof__(*(p))))

#endif
