/*
 * shmap.h - the native API of shmap: Win32-style named shared memory for
 * Linux, without a daemon.
 *
 * Conventions (apply to every call below):
 *  - Return 0 on success, SHMAP_EXISTED (1) where documented, or a negative
 *    code: -errno or SHMAP_E* (shmap/errors.h).  errno is never set.
 *  - Output parameters are written only on success.
 *  - Names are UTF-8 with the Win32 syntax: "NAME" (= "Local\NAME"),
 *    "Local\NAME", "Global\NAME", "Session\N\NAME".  NULL or "" means
 *    unnamed on create.  Names are case-sensitive; every character but the
 *    backslash is allowed.  At most 259 characters (UTF-16 units), or 32767
 *    with SHMAP_WIDE_NAME; longer -> -ENAMETOOLONG.
 *  - Handles of every kind live in one per-process table.  Every call is
 *    thread-safe.  A handle carries its granted access, checked by each call.
 *  - Lifetime: a named object exists while some process holds a handle to
 *    it (views keep the memory, not the name).  A process that dies in any
 *    way releases its handles.
 *  - The namespace directory is $SHMAP_ROOT, default /dev/shm/shmap.
 */
#ifndef SHMAP_H
#define SHMAP_H

#include <stddef.h>
#include <stdint.h>

#include "shmap/errors.h"
#include "shmap/types.h"
#include "shmap/version.h"

#if defined(SHMAP_BUILDING)
#define SHMAP_EXTERN __attribute__((visibility("default")))
#else
#define SHMAP_EXTERN
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- library --------------------------------------------------------- */

/* The library's version string, e.g. "0.1.0". */
SHMAP_EXTERN const char *shmap_version(void);

/* A short English description of a code returned by any shmap call. */
SHMAP_EXTERN const char *shmap_strerror(int err);

/* ---- handles --------------------------------------------------------- */

/* Close a handle.  Pseudo handles succeed and do nothing.
 * Errors: -EBADF (NULL, unknown or closed handle, or the handle is
 * protected from close; a protected handle stays valid). */
SHMAP_EXTERN int shmap_close(shmap_handle_t h);

/* Read the handle's SHMAP_HANDLE_* flags.  Pseudo handles report 0.
 * Errors: -EBADF. */
SHMAP_EXTERN int shmap_handle_get_flags(shmap_handle_t h, uint32_t *flags);

/* Set the flags selected by mask to the values in flags; other bits of
 * mask and flags are ignored.  Errors: -EBADF; -EACCES for pseudo handles. */
SHMAP_EXTERN int shmap_handle_set_flags(shmap_handle_t h, uint32_t mask, uint32_t flags);

/* The type and granted access of a handle.  Either output may be NULL.
 * Errors: -EBADF. */
SHMAP_EXTERN int shmap_handle_query(shmap_handle_t h, shmap_type_t *type, uint32_t *access);

/* ---- file mappings (sections) ---------------------------------------- */

/* Create a section, or open the existing one of that name.
 *  file:    SHMAP_NULL_HANDLE or SHMAP_CURRENT_PROCESS (= INVALID_HANDLE_VALUE)
 *           for a pagefile-backed section; else a file handle.
 *  protect: one PAGE_* protection (READONLY, READWRITE, WRITECOPY,
 *           EXECUTE_READ, EXECUTE_READWRITE, EXECUTE_WRITECOPY) OR'ed with
 *           SEC_* attributes; no SEC_* means SEC_COMMIT.
 *  size:    bytes; 0 for a file means "the file's size".
 *  flags:   SHMAP_INHERIT, SHMAP_WIDE_NAME.
 * The handle's access derives from the protection (SECTION_QUERY|MAP_READ,
 * + MAP_WRITE for read-write, + MAP_EXECUTE for execute protections, plus
 * STANDARD_RIGHTS_REQUIRED).  Pagefile sections are zero-filled and their
 * memory is charged now (SEC_RESERVE: when committed), so a full tmpfs fails
 * this call and never raises SIGBUS later.
 * Returns 0 (created) or SHMAP_EXISTED (an existing section was opened; all
 * parameters but the name and flags are then ignored).
 * Errors: -EINVAL (bad protection or attributes, size 0 for pagefile),
 * -EBADF (file is not a file handle), -EACCES (file access does not allow
 * the protection; existing object denies access; Global\ without privilege),
 * SHMAP_ETYPE, SHMAP_EPATH, SHMAP_EBADPATH, SHMAP_EBADNAME, -ENAMETOOLONG,
 * SHMAP_EFILEEMPTY, SHMAP_ETOOBIG, SHMAP_EBADEXE, SHMAP_ECOMMIT (tmpfs full),
 * -ENOSPC (file cannot be extended), SHMAP_EBADOBJ (corrupt namespace entry),
 * -EMFILE, -ENOMEM. */
SHMAP_EXTERN int shmap_mapping_create(shmap_handle_t file, const char *name, uint32_t protect,
                                      uint64_t size, unsigned flags, shmap_handle_t *out);

/* Open an existing section with the given access (FILE_MAP_* / SECTION_* /
 * generic rights; FILE_MAP_COPY alone means SECTION_MAP_READ).
 * Errors: -EINVAL (name NULL), -ENOENT, SHMAP_EPATH, SHMAP_ETYPE (another
 * type, or ""), -EACCES (access 0, bits outside the section's rights, or
 * denied), SHMAP_EPRIV (ACCESS_SYSTEM_SECURITY), SHMAP_EBADPATH,
 * SHMAP_EBADNAME, -ENAMETOOLONG, SHMAP_EBADOBJ, -EMFILE, -ENOMEM. */
SHMAP_EXTERN int shmap_mapping_open(const char *name, uint32_t access, unsigned flags,
                                    shmap_handle_t *out);

/* Size, attributes and protection of a section.  Needs SECTION_QUERY.
 * Errors: -EBADF, SHMAP_ETYPE, -EACCES. */
SHMAP_EXTERN int shmap_mapping_query(shmap_handle_t h, shmap_mapping_info_t *info);

/* ---- views ----------------------------------------------------------- */

/* Map a view of a section.
 *  access: FILE_MAP_READ, _WRITE, _COPY, _EXECUTE combinations as
 *          MapViewOfFile takes them (0 maps an inaccessible view).
 *  offset: multiple of 64 KiB.  size 0: to the end of the section.
 *  base:   NULL, or a 64 KiB aligned free address.
 * Errors: -EBADF, SHMAP_ETYPE (not a section), -EACCES (handle lacks the
 * right), SHMAP_EPROTECT (section protection forbids the view),
 * SHMAP_EALIGN, -EINVAL (offset at or past the end), SHMAP_EVIEWSIZE,
 * SHMAP_EADDR (base in use), -ENOMEM. */
SHMAP_EXTERN int shmap_view_map(shmap_handle_t h, uint32_t access, uint64_t offset, size_t size,
                                void *base, void **out);

/* Unmap the view containing addr (any address inside it).
 * Errors: SHMAP_EADDR (not inside a view). */
SHMAP_EXTERN int shmap_view_unmap(void *addr);

/* Write the dirty pages of [addr, addr+size) of a file-backed view to the
 * file (size 0: to the end of the view).  Addresses outside views succeed.
 * Errors: -EINVAL (addr NULL, range past the view's end), -EIO. */
SHMAP_EXTERN int shmap_view_flush(const void *addr, size_t size);

/* ---- virtual memory (VirtualQuery/Alloc/Protect/Free) ---------------- */

/* Describe the pages at addr.  Errors: -EINVAL (address out of range). */
SHMAP_EXTERN int shmap_vm_query(const void *addr, shmap_mem_info_t *info);

/* Reserve and/or commit memory.  Inside a view of a SEC_RESERVE section,
 * MEM_COMMIT commits the pages in the section, for every view in every
 * process.  Errors: -EINVAL, SHMAP_EADDR, -EACCES (file-backed view),
 * SHMAP_ECOMMIT, -ENOMEM. */
SHMAP_EXTERN int shmap_vm_alloc(void *addr, size_t size, uint32_t type, uint32_t protect,
                                void **out);

/* Decommit or release private memory.  Views cannot be freed this way.
 * Errors: -EINVAL, SHMAP_EADDR. */
SHMAP_EXTERN int shmap_vm_free(void *addr, size_t size, uint32_t type);

/* Change the protection of committed pages (of one view only).
 * Errors: -EINVAL (protection not allowed by the view), SHMAP_EADDR. */
SHMAP_EXTERN int shmap_vm_protect(void *addr, size_t size, uint32_t protect, uint32_t *old);

/* ---- files ------------------------------------------------------------ */

/* CreateFile dispositions. */
#define SHMAP_CREATE_NEW 1
#define SHMAP_CREATE_ALWAYS 2
#define SHMAP_OPEN_EXISTING 3
#define SHMAP_OPEN_ALWAYS 4
#define SHMAP_TRUNCATE_EXISTING 5

/* Seek origins. */
#define SHMAP_FILE_BEGIN 0
#define SHMAP_FILE_CURRENT 1
#define SHMAP_FILE_END 2

/* Open or create a file (a Linux path).  access: GENERIC_* / FILE_* rights;
 * share: FILE_SHARE_* (accepted, not enforced across processes).
 * Returns 0, or SHMAP_EXISTED when CREATE_ALWAYS/OPEN_ALWAYS found the file.
 * Errors: -ENOENT, SHMAP_EPATH (-ENOTDIR), SHMAP_EFILEEXISTS, -EACCES,
 * -EINVAL, -EMFILE, -ENOSPC. */
SHMAP_EXTERN int shmap_file_open(const char *path, uint32_t access, uint32_t share,
                                 uint32_t disposition, uint32_t attributes, unsigned flags,
                                 shmap_handle_t *out);
SHMAP_EXTERN int shmap_file_read(shmap_handle_t h, void *buf, uint32_t len, uint32_t *done);
SHMAP_EXTERN int shmap_file_write(shmap_handle_t h, const void *buf, uint32_t len, uint32_t *done);
SHMAP_EXTERN int shmap_file_seek(shmap_handle_t h, int64_t distance, int origin, uint64_t *newpos);
/* Truncate or extend at the current position.  Errors: SHMAP_EMAPPED when a
 * section maps the file beyond the new end. */
SHMAP_EXTERN int shmap_file_set_end(shmap_handle_t h);
SHMAP_EXTERN int shmap_file_size(shmap_handle_t h, uint64_t *size);
SHMAP_EXTERN int shmap_file_flush(shmap_handle_t h);
SHMAP_EXTERN int shmap_file_delete(const char *path);

/* ---- the namespace ----------------------------------------------------- */

/* Call fn for every live object of Local\ (the caller's) and Global\.
 * Orphans (objects whose last holder was killed) are reclaimed on the way
 * and not reported.  fn returns nonzero to stop.
 * Errors: -errno from reading the namespace directory. */
SHMAP_EXTERN int shmap_ns_list(int (*fn)(const shmap_object_info_t *info, void *arg), void *arg);

/* Reclaim every orphan of Local\ and Global\; returns how many were removed,
 * or a negative error. */
SHMAP_EXTERN int shmap_ns_reclaim(void);

/* The namespace directory in use (no trailing slash). */
SHMAP_EXTERN const char *shmap_ns_root(void);

#ifdef __cplusplus
}
#endif

#endif
