/*
 * shmap/procmem.h - another process's memory (ReadProcessMemory,
 * WriteProcessMemory, VirtualQueryEx).  The process is a handle from
 * shmap_process_open/create, or SHMAP_CURRENT_PROCESS.
 *
 * The kernel's ptrace access check applies on top of the handle's rights:
 * the target must run as the same user (and Yama's ptrace_scope allow it)
 * or the caller have CAP_SYS_PTRACE; a refusal is -EACCES.  A process that
 * has ended has no memory left: reads and writes are SHMAP_EPARTIAL with
 * nothing copied.  Thread-safe; the target's memory may change under a
 * read, as on Windows.
 */
#ifndef SHMAP_PROCMEM_H
#define SHMAP_PROCMEM_H

#include <stddef.h>

#include "shmap/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copy size bytes at addr in process h to buf.  *done (may be NULL) gets
 * the bytes copied, on failure too: up to the first page that could not
 * be read.  size 0 succeeds at once.
 * Errors: handle errors (SHMAP_ETYPE, -EBADF); -EACCES (no
 * PROCESS_VM_READ, or the kernel's ptrace check); -EFAULT (the range
 * wraps or leaves user space); SHMAP_EPARTIAL (a page of the range, or
 * of buf, could not be reached, or the process has ended). */
SHMAP_EXTERN int shmap_process_read(shmap_handle_t h, const void *addr, void *buf, size_t size,
                                    size_t *done);

/* Copy size bytes of buf to addr in process h, as WriteProcessMemory does:
 * the first page's protection decides.  Writable (a copy-on-write page is
 * copied): written.  Execute-only or execute-read: written all the same
 * (through /proc/PID/mem, as a debugger patches code; a shared read-only
 * mapping still refuses).  Read-only or no access: -EFAULT.
 * *done (may be NULL) gets the bytes written, on failure too.
 * Errors: handle errors; -EACCES (no PROCESS_VM_WRITE and
 * PROCESS_VM_OPERATION, or the ptrace check); -EINVAL (range wraps or
 * leaves user space); SHMAP_EADDR (nothing mapped at addr); -EFAULT (the
 * first page is not writable); SHMAP_EPARTIAL (as for reads). */
SHMAP_EXTERN int shmap_process_write(shmap_handle_t h, void *addr, const void *buf, size_t size,
                                     size_t *done);

/* Describe the pages at addr in process h (VirtualQueryEx).  This
 * process: shmap_vm_query.  Another: from /proc/PID/maps, which cannot
 * tell everything (docs/DESIGN.md §7): a PROT_NONE mapping is reported
 * MEM_RESERVE (Protect 0), other mappings MEM_COMMIT with the protection
 * the kernel applies; shared mappings are MEM_MAPPED, private mappings of
 * a file MEM_IMAGE when the process maps that file executable somewhere,
 * else MEM_MAPPED, anonymous ones MEM_PRIVATE; AllocationBase is the
 * start of the run of adjacent mappings continuing one another.
 * Errors: -EFAULT (info not there); handle errors; -EACCES (no
 * PROCESS_QUERY_INFORMATION, or /proc/PID/maps refused); -EINVAL (address
 * past the end of user space); -ENOMEM. */
SHMAP_EXTERN int shmap_process_vm_query(shmap_handle_t h, const void *addr, shmap_mem_info_t *info);

#ifdef __cplusplus
}
#endif

#endif
