/*
 * shmap.h - the native API of shmap: Win32-style named shared memory for
 * Linux, without a daemon.
 *
 * Conventions (apply to every call below):
 *  - Return 0 on success, SHMAP_EXISTED (1) where documented, or a negative
 *    code: -errno or SHMAP_E* (shmap/errors.h).  errno is never set.
 *  - Output parameters are written only on success.
 *  - Pointers: an output (or a structure a call reads) that is not there -
 *    NULL unless documented "may be NULL", the first 64 KiB, unmapped,
 *    read-only or PROT_NONE memory, misaligned for its type, or running
 *    into any of these - fails the call with -EFAULT before it does
 *    anything (the Win32 face: ERROR_NOACCESS, 998); the library never
 *    faults on one.  Not probed: the buffers of shmap_file_read/write (the
 *    kernel copies what it can: EFAULT when nothing), the handle arrays of
 *    shmap_wait (NULL only: SHMAP_ENOACCESS), names (strings), and the
 *    outputs of shmap_handle_get_flags/query/duplicate (not yet).
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
#include "shmap/security.h"
#include "shmap/types.h"
#include "shmap/version.h"
#include "shmap/win32code.h"

#include "shmap/iocp.h"
#include "shmap/locks.h"
#include "shmap/procmem.h"
#include "shmap/thread.h"
#include "shmap/files.h"
#include "shmap/datafile.h"

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

/* Duplicate a handle (DuplicateHandle) from process src_process (a handle
 * with SHMAP_PROCESS_DUP_HANDLE, or SHMAP_CURRENT_PROCESS) into dst_process:
 * within this process, into another, out of another, between two others.
 * The value returned is valid in dst_process at once, whatever it is doing.
 * SHMAP_CURRENT_PROCESS as source: a real handle to src_process itself;
 * SHMAP_CURRENT_THREAD as source: SHMAP_ENOTSUP.  options:
 * SHMAP_DUPLICATE_CLOSE_SOURCE (the source is closed even if the call fails,
 * unless it is protected from close; also in another process),
 * SHMAP_DUPLICATE_SAME_ACCESS (else the new handle gets access, generic
 * rights mapped; a file handle cannot gain rights: -EACCES),
 * SHMAP_DUPLICATE_SAME_ATTRIBUTES (the new handle gets the source's
 * SHMAP_HANDLE_INHERIT and SHMAP_HANDLE_PROTECT_FROM_CLOSE, and flags'
 * SHMAP_INHERIT is ignored; else it gets SHMAP_HANDLE_INHERIT iff flags has
 * SHMAP_INHERIT, and never PROTECT_FROM_CLOSE).  Within this process with
 * SHMAP_DUPLICATE_CLOSE_SOURCE, the duplicate has the source's value (the
 * handle is moved, as on Windows) unless the source is protected from close
 * (then it stays, and the duplicate gets a new value).  out may be NULL
 * (the duplicate is made and leaks, as on Windows).  Errors: -EBADF (bad
 * source, bad process handle, dst_process NULL, source process ended),
 * -EACCES (no PROCESS_DUP_HANDLE, target process ended), SHMAP_ENOTSUP (a
 * thread handle to another process, a target process that does not run
 * shmap). */
#define SHMAP_DUPLICATE_CLOSE_SOURCE 0x1u
#define SHMAP_DUPLICATE_SAME_ACCESS 0x2u
#define SHMAP_DUPLICATE_SAME_ATTRIBUTES 0x4u
SHMAP_EXTERN int shmap_handle_duplicate(shmap_handle_t src_process, shmap_handle_t src,
                                        shmap_handle_t dst_process, uint32_t access,
                                        unsigned options, unsigned flags, shmap_handle_t *out);

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
 * SHMAP_EFILEEMPTY, SHMAP_ETOOBIG (read-only section larger than its file;
 * pagefile section larger than 2^56 bytes), SHMAP_EBADEXE, SHMAP_ECOMMIT (tmpfs full),
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
 * Errors: -EFAULT (out not there, checked first), -EINVAL (base or
 * base + size past the end of user space, checked before the handle),
 * -EBADF, SHMAP_ETYPE (not a section), -EACCES (handle lacks the
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
 * Errors: -EINVAL (addr NULL, range past the view's end or past the end
 * of user space), -EIO. */
SHMAP_EXTERN int shmap_view_flush(const void *addr, size_t size);

/* ---- virtual memory (VirtualQuery/Alloc/Protect/Free) ---------------- */

/* Describe the pages at addr.  Errors: -EFAULT (info not there), -EINVAL
 * (address out of range); for memory shmap did not map, what opening
 * /proc/self/maps gave (-EMFILE, -ENOMEM...). */
SHMAP_EXTERN int shmap_vm_query(const void *addr, shmap_mem_info_t *info);

/* Reserve and/or commit memory.  Inside a view of a SEC_RESERVE section,
 * MEM_COMMIT commits the pages in the section, for every view in every
 * process.  Errors: -EFAULT (out not there), -EINVAL (also a range that
 * wraps or passes the end of user space; PAGE_WRITECOPY or
 * PAGE_EXECUTE_WRITECOPY on private memory), SHMAP_EADDR (a commit or
 * MEM_RESET past the end of its region), -EACCES (file-backed view),
 * SHMAP_ECOMMIT, -ENOMEM (no room). */
SHMAP_EXTERN int shmap_vm_alloc(void *addr, size_t size, uint32_t type, uint32_t protect,
                                void **out);

/* Decommit or release private memory.  Views cannot be freed this way.
 * Errors: -EINVAL (also a range that wraps, passes the end of user space
 * or the end of the allocation), SHMAP_EADDR (not an allocation), -ENOMEM
 * (decommit: the kernel could not replace the pages; they stay committed). */
SHMAP_EXTERN int shmap_vm_free(void *addr, size_t size, uint32_t type);

/* Change the protection of committed pages (of one view only); *old gets
 * the protection of the first page (old is required, as VirtualProtect's).
 * Errors: -EINVAL (protection invalid or not allowed by the view), then
 * -EFAULT (old not there), -EINVAL (range wraps or passes the end of user
 * space), SHMAP_EADDR (range leaves its region, or pages not committed),
 * -EINVAL (PAGE_WRITECOPY or PAGE_EXECUTE_WRITECOPY on private memory). */
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
 * share: FILE_SHARE_*, enforced across handles and processes (shmap/files.h).
 * Returns 0, or SHMAP_EXISTED when CREATE_ALWAYS/OPEN_ALWAYS found the file.
 * A descriptor given with shmap_security_next is consumed: a file this call
 * creates gets its DACL as its mode and POSIX ACL (the owner keeps read and
 * write; others get at most what the DACL gives); an existing file keeps
 * its permissions.  Without one, the mode is open(2)'s (0666 & ~umask).
 * Errors: -ENOENT, SHMAP_EPATH (-ENOTDIR), SHMAP_EFILEEXISTS, -EACCES,
 * SHMAP_ESHARING (after those: the share check comes before truncation),
 * SHMAP_EMAPPED, -EINVAL, -EMFILE, -ENOSPC. */
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

/* ---- synchronization objects ----------------------------------------- */
/*
 * Events, mutexes, semaphores and waitable timers, shared by name (or by
 * handle) between any processes of the user, 32- and 64-bit alike.  Create
 * calls return 0 or SHMAP_EXISTED (the name existed: the object is opened,
 * its type must match, its state and parameters are kept); access is the
 * handle's access mask (generic rights mapped; 0 allowed).  Open calls
 * check access as OpenFileMapping does.  Every call on a handle of another
 * type fails with SHMAP_ETYPE; a missing right gives -EACCES.  See
 * docs/sync.md for the states and every rule.
 */
#define SHMAP_EVENT_MANUAL_RESET 0x1u  /* CREATE_EVENT_MANUAL_RESET */
#define SHMAP_EVENT_INITIAL_SET 0x2u   /* CREATE_EVENT_INITIAL_SET */
#define SHMAP_MUTEX_INITIAL_OWNER 0x1u /* CREATE_MUTEX_INITIAL_OWNER */
#define SHMAP_TIMER_MANUAL_RESET 0x1u  /* CREATE_WAITABLE_TIMER_MANUAL_RESET */

/* Access rights of the four types (Win32 values). */
#define SHMAP_EVENT_QUERY_STATE 0x1u
#define SHMAP_EVENT_MODIFY_STATE 0x2u
#define SHMAP_EVENT_ALL_ACCESS 0x001F0003u
#define SHMAP_MUTANT_QUERY_STATE 0x1u
#define SHMAP_MUTEX_ALL_ACCESS 0x001F0001u
#define SHMAP_SEMAPHORE_QUERY_STATE 0x1u
#define SHMAP_SEMAPHORE_MODIFY_STATE 0x2u
#define SHMAP_SEMAPHORE_ALL_ACCESS 0x001F0003u
#define SHMAP_TIMER_QUERY_STATE 0x1u
#define SHMAP_TIMER_MODIFY_STATE 0x2u
#define SHMAP_TIMER_ALL_ACCESS 0x001F0003u

/* Events.  prev (may be NULL) receives the state before the call (0/1). */
SHMAP_EXTERN int shmap_event_create(const char *name, uint32_t evflags, uint32_t access,
                                    unsigned flags, shmap_handle_t *out);
SHMAP_EXTERN int shmap_event_open(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out);
SHMAP_EXTERN int shmap_event_set(shmap_handle_t h, int *prev);
SHMAP_EXTERN int shmap_event_reset(shmap_handle_t h, int *prev);
/* Set and reset as one step: manual events release every thread waiting at
 * that moment, auto events at most one; the event is then non-signalled. */
SHMAP_EXTERN int shmap_event_pulse(shmap_handle_t h, int *prev);
/* Needs EVENT_QUERY_STATE.  Either output may be NULL. */
SHMAP_EXTERN int shmap_event_query(shmap_handle_t h, int *manual, int *signaled);

/* Mutexes: owned by a thread, recursive.  Release needs no access right;
 * a thread that does not own the mutex gets SHMAP_ENOTOWNER. */
SHMAP_EXTERN int shmap_mutex_create(const char *name, uint32_t mflags, uint32_t access,
                                    unsigned flags, shmap_handle_t *out);
SHMAP_EXTERN int shmap_mutex_open(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out);
SHMAP_EXTERN int shmap_mutex_release(shmap_handle_t h);
typedef struct shmap_mutex_info {
    int32_t count;  /* NtQueryMutant CurrentCount: 1 free, 0 owned once, -1 twice... */
    int owned;      /* by the calling thread */
    int abandoned;  /* the owner died holding it and nobody acquired it since */
    uint32_t owner; /* owning thread id (Linux tid), 0 if free */
} shmap_mutex_info_t;
/* Needs MUTANT_QUERY_STATE. */
SHMAP_EXTERN int shmap_mutex_query(shmap_handle_t h, shmap_mutex_info_t *info);

/* Semaphores: 0 <= initial <= max, 1 <= max <= 0x7fffffff, else -EINVAL
 * (checked before the name).  Release adds n > 0 or fails with
 * SHMAP_ETOOMANYPOSTS, count unchanged and prev not written. */
SHMAP_EXTERN int shmap_semaphore_create(const char *name, int32_t initial, int32_t max,
                                        uint32_t access, unsigned flags, shmap_handle_t *out);
SHMAP_EXTERN int shmap_semaphore_open(const char *name, uint32_t access, unsigned flags,
                                      shmap_handle_t *out);
SHMAP_EXTERN int shmap_semaphore_release(shmap_handle_t h, int32_t n, int32_t *prev);
/* Needs SEMAPHORE_QUERY_STATE.  Either output may be NULL. */
SHMAP_EXTERN int shmap_semaphore_query(shmap_handle_t h, int32_t *count, int32_t *max);

/* Waitable timers.  due: 100 ns units, negative = relative to now, >= 0 =
 * absolute UTC FILETIME (the past fires at once); period in ms (0: once,
 * < 0: -EINVAL).  Setting first resets the signal.  routine (may be NULL)
 * is called with (arg, low, high of the expiry FILETIME) in the setting
 * thread, in its alertable waits, once per expiry.  resume != 0 is accepted
 * and returns SHMAP_RESUME_IGNORED after setting the timer (no support). */
typedef void (*shmap_timer_routine_t)(void *arg, uint32_t low, uint32_t high);
SHMAP_EXTERN int shmap_timer_create(const char *name, uint32_t tflags, uint32_t access,
                                    unsigned flags, shmap_handle_t *out);
SHMAP_EXTERN int shmap_timer_open(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out);
SHMAP_EXTERN int shmap_timer_set(shmap_handle_t h, int64_t due, int32_t period_ms,
                                 shmap_timer_routine_t routine, void *arg, int resume);
/* Stop a pending timer; the signalled state is kept. */
SHMAP_EXTERN int shmap_timer_cancel(shmap_handle_t h);
/* Needs TIMER_QUERY_STATE.  remaining_ns: until the next expiry (0 if not
 * armed).  Any output may be NULL. */
SHMAP_EXTERN int shmap_timer_query(shmap_handle_t h, int *signaled, int *armed,
                                   uint64_t *remaining_ns);

/* ---- threads (of this process) -------------------------------------- */
#define SHMAP_THREAD_SUSPENDED 0x4u /* CREATE_SUSPENDED: runs after shmap_thread_resume */
#define SHMAP_STILL_ACTIVE 259u
#define SHMAP_THREAD_TERMINATE 0x0001u
#define SHMAP_THREAD_SUSPEND_RESUME 0x0002u
#define SHMAP_THREAD_QUERY_LIMITED_INFORMATION 0x0800u
#define SHMAP_THREAD_ALL_ACCESS 0x001FFFFFu
typedef uint32_t (*shmap_thread_fn_t)(void *arg);
/* Start fn(arg) in a new thread; the handle is waitable (signalled when the
 * thread ends) and gives its exit code.  *tid (may be NULL): its id. */
SHMAP_EXTERN int shmap_thread_create(shmap_thread_fn_t fn, void *arg, unsigned tflags,
                                     unsigned flags, shmap_handle_t *out, uint32_t *tid);
/* Decrement the suspend count; *prev (may be NULL) gets the count before. */
SHMAP_EXTERN int shmap_thread_resume(shmap_handle_t h, uint32_t *prev);
/* SHMAP_STILL_ACTIVE while it runs, then what fn returned or exit gave. */
SHMAP_EXTERN int shmap_thread_exit_code(shmap_handle_t h, uint32_t *code);
SHMAP_EXTERN int shmap_thread_id(shmap_handle_t h, uint32_t *tid);
/* End the calling thread with code (a thread made by shmap reports it). */
SHMAP_EXTERN _Noreturn void shmap_thread_exit(uint32_t code);

/* ---- processes -------------------------------------------------------- */
#define SHMAP_PROCESS_TERMINATE 0x0001u
#define SHMAP_PROCESS_CREATE_THREAD 0x0002u
#define SHMAP_PROCESS_VM_OPERATION 0x0008u
#define SHMAP_PROCESS_VM_READ 0x0010u
#define SHMAP_PROCESS_VM_WRITE 0x0020u
#define SHMAP_PROCESS_DUP_HANDLE 0x0040u
#define SHMAP_PROCESS_CREATE_PROCESS 0x0080u
#define SHMAP_PROCESS_SET_QUOTA 0x0100u
#define SHMAP_PROCESS_SET_INFORMATION 0x0200u
#define SHMAP_PROCESS_QUERY_INFORMATION 0x0400u
#define SHMAP_PROCESS_SUSPEND_RESUME 0x0800u
#define SHMAP_PROCESS_QUERY_LIMITED_INFORMATION 0x1000u
#define SHMAP_PROCESS_ALL_ACCESS 0x001FFFFFu

/* What to start (CreateProcess).  The program is `path` if given, else the
 * first token of the command line; a name without '/' is looked for in the
 * current directory, then in PATH.  Arguments: argv (NULL-terminated) if
 * given, else cmdline split by the Windows C runtime's rules. */
typedef struct shmap_spawn {
    const char *path;        /* may be NULL */
    const char *cmdline;     /* Windows command line, used when argv is NULL */
    char *const *argv;       /* may be NULL */
    char *const *envp;       /* NULL: ours */
    const char *cwd;         /* NULL: ours */
    int inherit_handles;     /* give the child our inheritable handles */
    unsigned sflags;         /* SHMAP_SPAWN_* */
    shmap_handle_t stdio[3]; /* with SHMAP_SPAWN_STDIO: file handles for fd 0, 1, 2 (NULL: keep) */
} shmap_spawn_t;
#define SHMAP_SPAWN_SUSPENDED 0x4u /* CREATE_SUSPENDED: execs after shmap_thread_resume(thread) */
#define SHMAP_SPAWN_STDIO 0x100u   /* STARTF_USESTDHANDLES */
#define SHMAP_SPAWN_BREAKAWAY 0x01000000u /* CREATE_BREAKAWAY_FROM_JOB */

/* Start a process.  *process and *thread (may be NULL) get handles with
 * all access (the thread: its main thread); *pid its id (= main thread id).
 * Inheritable handles reach the child at the same values, if it runs shmap.
 * Errors: -ENOENT (no such program), -EACCES, SHMAP_EBADEXE, -EINVAL,
 * -ENOMEM, -EBADF (a bad stdio handle), SHMAP_EDIRECTORY (cwd is not a
 * directory). */
SHMAP_EXTERN int shmap_process_create(const shmap_spawn_t *sp, unsigned flags,
                                      shmap_handle_t *process, shmap_handle_t *thread,
                                      uint32_t *pid);
/* Split a Windows command line as the C runtime does: *argv (one malloc'd
 * block, free it) gets the arguments; returns their number or -ENOMEM. */
SHMAP_EXTERN int shmap_cmdline_split(const char *cmdline, char ***argv);
SHMAP_EXTERN uint32_t shmap_process_current_id(void);
/* A file handle for standard input (0), output (1) or error (2), made once
 * (GetStdHandle); *out NULL if that descriptor is closed. */
SHMAP_EXTERN int shmap_std_handle(int which, shmap_handle_t *out);
/* Open process pid.  Errors: -EINVAL (no such process, 0), -EACCES (access
 * unknown, another user's process). */
SHMAP_EXTERN int shmap_process_open(uint32_t pid, uint32_t access, unsigned flags,
                                    shmap_handle_t *out);
SHMAP_EXTERN int shmap_process_id(shmap_handle_t h, uint32_t *pid);
/* SHMAP_STILL_ACTIVE while it runs; then the code given to
 * shmap_process_exit/exit()/return from main/shmap_process_terminate (all
 * 32 bits), or for a Linux signal death 128 + the signal number (known to
 * the parent and to processes whose state shows it).  Errors: those of the
 * handle, and -errno when the kernel could not give a child's status. */
SHMAP_EXTERN int shmap_process_exit_code(shmap_handle_t h, uint32_t *code);
/* Kill the process; its exit code is code.  -EACCES if it has ended. */
SHMAP_EXTERN int shmap_process_terminate(shmap_handle_t h, uint32_t code);
SHMAP_EXTERN _Noreturn void shmap_process_exit(uint32_t code);

/* ---- jobs -------------------------------------------------------------- */
#define SHMAP_JOB_ASSIGN_PROCESS 0x0001u
#define SHMAP_JOB_SET_ATTRIBUTES 0x0002u
#define SHMAP_JOB_QUERY 0x0004u
#define SHMAP_JOB_TERMINATE 0x0008u
#define SHMAP_JOB_SET_SECURITY_ATTRIBUTES 0x0010u
#define SHMAP_JOB_IMPERSONATE 0x0020u
#define SHMAP_JOB_ALL_ACCESS 0x001F003Fu
/* Limit flags (JOB_OBJECT_LIMIT_*): all are stored and read back; only
 * these act (docs/processes.md). */
#define SHMAP_JOB_LIMIT_ACTIVE_PROCESS 0x0008u      /* assign / create beyond: SHMAP_EQUOTA */
#define SHMAP_JOB_LIMIT_BREAKAWAY_OK 0x0800u        /* SHMAP_SPAWN_BREAKAWAY allowed */
#define SHMAP_JOB_LIMIT_SILENT_BREAKAWAY_OK 0x1000u /* children never join */
#define SHMAP_JOB_LIMIT_KILL_ON_JOB_CLOSE 0x2000u   /* last handle gone: members killed */
typedef struct shmap_job_limits {
    uint32_t flags, active_processes;
    int64_t process_time, job_time; /* 100 ns */
    uint64_t min_working_set, max_working_set, affinity;
    uint32_t priority_class, scheduling_class;
    uint64_t process_memory, job_memory; /* extended limits only */
} shmap_job_limits_t;
typedef struct shmap_job_info {
    uint64_t user_time, kernel_time; /* 100 ns, members alive and ended */
    uint32_t page_faults, total_processes, active_processes, terminated_processes;
} shmap_job_info_t;
/* Create or open a job (same namespace and conventions as events). */
SHMAP_EXTERN int shmap_job_create(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out);
SHMAP_EXTERN int shmap_job_open(const char *name, uint32_t access, unsigned flags,
                                shmap_handle_t *out);
/* Put a process (needs SET_QUOTA and TERMINATE) into the job (ASSIGN_PROCESS).
 * Already in it: 0.  In another job, or ended: -EACCES.  Over the active
 * process limit: SHMAP_EQUOTA.  Its children join too.  All or nothing: a
 * process that could not be given what a member holds (-ENOMEM, -EMFILE...)
 * is not in the job. */
SHMAP_EXTERN int shmap_job_assign(shmap_handle_t job, shmap_handle_t process);
/* Kill every member; their exit code is code.  A caller in the job goes last.
 * A member that could not be reached (-ENOMEM, -EMFILE...): the others are
 * killed, the first such error is returned (and the caller stays). */
SHMAP_EXTERN int shmap_job_terminate(shmap_handle_t job, uint32_t code);
/* *in = whether process is in job (SHMAP_NULL_HANDLE: in any job). */
SHMAP_EXTERN int shmap_job_contains(shmap_handle_t process, shmap_handle_t job, int *in);
/* job SHMAP_NULL_HANDLE below: the caller's own job (-EACCES if none). */
SHMAP_EXTERN int shmap_job_query(shmap_handle_t job, shmap_job_info_t *info);
/* The ids of the members alive: *count of them, at most cap written;
 * SHMAP_EMOREDATA if cap < *count. */
SHMAP_EXTERN int shmap_job_pids(shmap_handle_t job, uint32_t *pids, size_t cap, size_t *count);
SHMAP_EXTERN int shmap_job_get_limits(shmap_handle_t job, shmap_job_limits_t *l);
/* extended 0: the basic limits only (flags within 0xff, memory limits
 * kept); flags outside the valid set: -EINVAL.  A member that could not be
 * armed for KILL_ON_JOB_CLOSE: the limits are set, the first error is
 * returned. */
SHMAP_EXTERN int shmap_job_set_limits(shmap_handle_t job, const shmap_job_limits_t *l,
                                      int extended);

/* ---- waiting --------------------------------------------------------- */
#define SHMAP_INFINITE 0xFFFFFFFFu
#define SHMAP_MAX_WAIT_OBJECTS 64u
#define SHMAP_WAIT_ALL 0x1u       /* all objects at once, atomically */
#define SHMAP_WAIT_ALERTABLE 0x2u /* run queued user APCs and due timer completion routines */
#define SHMAP_WAIT_MULTIPLE 0x4u  /* WaitForMultipleObjects: pseudo handles refused, even alone */
/* Results (>= 0), the Win32 values. */
#define SHMAP_WAIT_OBJECT_0 0x0
#define SHMAP_WAIT_ABANDONED_0 0x80
#define SHMAP_WAIT_IO_COMPLETION 0xC0
#define SHMAP_WAIT_TIMEOUT 0x102

/* Wait for one (wait-any: the lowest signalled index, only that one is
 * acquired) or all of n handles (1..64), up to timeout_ms (SHMAP_INFINITE:
 * no limit; never returns early).  Returns SHMAP_WAIT_OBJECT_0 + i,
 * SHMAP_WAIT_ABANDONED_0 + i (wait-all: + 0), SHMAP_WAIT_TIMEOUT,
 * SHMAP_WAIT_IO_COMPLETION, or an error: -EINVAL (n out of range, the same
 * object twice in wait-all), -EBADF (a bad handle, a non-waitable type,
 * a pseudo handle among several), -EACCES (no SYNCHRONIZE). */
SHMAP_EXTERN int shmap_wait(uint32_t n, const shmap_handle_t *handles, unsigned wflags,
                            uint32_t timeout_ms);
/* Signal one object (event: set; semaphore: release 1; mutex: release) and
 * wait for another as one step.  A failed signal fails the call with its
 * error and waits for nothing; the signal is never undone. */
SHMAP_EXTERN int shmap_signal_and_wait(shmap_handle_t signal, shmap_handle_t wait,
                                       uint32_t timeout_ms, int alertable);
/* Sleep; alertable: returns SHMAP_WAIT_IO_COMPLETION after running due
 * completion routines, else 0. */
SHMAP_EXTERN int shmap_sleep(uint32_t timeout_ms, int alertable);

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

/* ---- process-local storage, heaps and environment (docs/win32-coverage.md) ---- */

/* Thread-local storage (TlsAlloc): SHMAP_TLS_INDEXES indexes, one value per
 * thread each.  alloc: -EMFILE when none is left; free clears the index in
 * every thread (-EINVAL if not allocated); get/set: -EINVAL out of range,
 * set -ENOMEM if the thread's values cannot be made. */
#define SHMAP_TLS_INDEXES 1088u
SHMAP_EXTERN int shmap_tls_alloc(uint32_t *index);
SHMAP_EXTERN int shmap_tls_free(uint32_t index);
SHMAP_EXTERN int shmap_tls_get(uint32_t index, void **value);
SHMAP_EXTERN int shmap_tls_set(uint32_t index, void *value);
/* Fiber-local storage (FlsAlloc; one fiber per thread): as TLS, and the
 * index's callback (may be NULL) gets each non-NULL value when its thread
 * ends (threads that end through pthread, not the main thread's exit) and
 * when the index is freed (every thread's, in the freeing thread).
 * get/set/free: -EINVAL if the index is not allocated. */
#define SHMAP_FLS_INDEXES 4080u
typedef void (*shmap_fls_callback_t)(void *value);
SHMAP_EXTERN int shmap_fls_alloc(shmap_fls_callback_t cb, uint32_t *index);
SHMAP_EXTERN int shmap_fls_free(uint32_t index);
SHMAP_EXTERN int shmap_fls_get(uint32_t index, void **value);
SHMAP_EXTERN int shmap_fls_set(uint32_t index, void *value);

/* Heaps (HeapCreate): a heap keeps its blocks so that destroying it frees
 * them.  max 0: growable, else the most its blocks may hold.  alloc: NULL
 * on failure; free(NULL) is 0; -EINVAL for a block not of the heap, or a
 * bad heap (destroy: the process heap too). */
typedef struct shmap_heap shmap_heap_t;
#define SHMAP_HEAP_ZERO 0x8u      /* HEAP_ZERO_MEMORY: new bytes are zero */
#define SHMAP_HEAP_IN_PLACE 0x10u /* HEAP_REALLOC_IN_PLACE_ONLY: -ENOMEM if it would move */
SHMAP_EXTERN shmap_heap_t *shmap_heap_process(void);
SHMAP_EXTERN int shmap_heap_create(size_t max, shmap_heap_t **out);
SHMAP_EXTERN int shmap_heap_destroy(shmap_heap_t *h);
SHMAP_EXTERN void *shmap_heap_alloc(shmap_heap_t *h, size_t n, int zero);
SHMAP_EXTERN int shmap_heap_realloc(shmap_heap_t *h, void *p, size_t n, unsigned flags, void **out);
SHMAP_EXTERN int shmap_heap_free(shmap_heap_t *h, void *p);
SHMAP_EXTERN int shmap_heap_size(shmap_heap_t *h, const void *p, size_t *size);

/* GetFileType of a file handle (shmap_file_open, shmap_std_handle): DISK
 * for files and block devices, CHAR for character devices (terminals,
 * /dev/null), PIPE for FIFOs and sockets.  Errors: -EBADF (not a file
 * handle). */
#define SHMAP_FILE_TYPE_UNKNOWN 0u
#define SHMAP_FILE_TYPE_DISK 1u
#define SHMAP_FILE_TYPE_CHAR 2u
#define SHMAP_FILE_TYPE_PIPE 3u
SHMAP_EXTERN int shmap_file_type(shmap_handle_t h, uint32_t *type);

/* argv (NULL-terminated) as one Windows command line (*out malloc'd), each
 * argument quoted so that shmap_cmdline_split gives it back.  -ENOMEM. */
SHMAP_EXTERN int shmap_cmdline_join(char *const *argv, char **out);
/* This process's arguments (/proc/self/cmdline) as a command line
 * (malloc'd). */
SHMAP_EXTERN int shmap_process_cmdline(char **out);
/* This process's program (/proc/self/exe), malloc'd. */
SHMAP_EXTERN int shmap_process_image(char **out);
/* The directory for temporary files: $TMPDIR if set and not empty, else
 * /tmp; with a trailing '/' (malloc'd). */
SHMAP_EXTERN int shmap_temp_dir(char **out);
/* GetTempFileName: "<dir>/<prefix><hex of unique>.tmp" (the face cuts the prefix to 3 characters)
 * (dir's trailing '/' optional) in *out (malloc'd), and *used the number
 * used.  unique 0: a number (from the time) that names no file, the file
 * made empty.  Errors: -errno of the creation; -EEXIST when every number
 * is taken. */
SHMAP_EXTERN int shmap_temp_file(const char *dir, const char *prefix, uint32_t unique, char **out,
                                 uint32_t *used);

#ifdef __cplusplus
}
#endif

#endif
