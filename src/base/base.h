/*
 * base.h - the lowest layer (src/base): build macros, the system call
 * table, record locks renewed across fork, who we are, thread ids,
 * futexes and the robust list, descriptors.  Includes nothing of ours but
 * the public headers and format.h.  Internal non-static names are shmap__x
 * and hidden; errors are negative (-errno or SHMAP_E*), as in the public
 * API.  docs/DESIGN.md §0 has the layers.
 */
#ifndef SHMAP_BASE_H
#define SHMAP_BASE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "shmap.h"
#include "base/format.h"

#define SHMAP_HIDDEN __attribute__((visibility("hidden")))
/* Our thread-locals: static TLS, read with one instruction instead of a
 * __tls_get_addr call (libshmap is loaded at start-up, not dlopen'ed; a
 * dlopen still works while glibc's surplus of static TLS lasts). */
#define SHMAP_TLS __attribute__((tls_model("initial-exec")))

/* Defensive checks that stay in release builds (SQLite's ALWAYS/NEVER):
 * the condition is expected; if it does not hold we take the safe branch. */
#define ALWAYS(x) __builtin_expect(!!(x), 1)
#define NEVER(x) __builtin_expect(!!(x), 0)

/* A broken internal invariant: never caused by user input. */
#define SHMAP_ABORT_IF(cond)                                                                       \
    do {                                                                                           \
        if (NEVER(cond))                                                                           \
            shmap__abort(__FILE__, __LINE__, #cond);                                               \
    } while (0)
SHMAP_HIDDEN _Noreturn void shmap__abort(const char *file, int line, const char *what);

#define SHMAP_ROUND_UP(x, a) (((x) + ((a)-1)) & ~((uint64_t)(a)-1))
#define SHMAP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ======================================================================
 * sys.c - every system call goes through this table, so that tests can
 * fail the Nth call with a chosen errno (fault injection).  Entries follow
 * libc conventions (-1 / MAP_FAILED and errno).
 * ====================================================================== */
struct flock;
struct shmap_sys {
    int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
    int (*close)(int fd);
    int (*fstat)(int fd, struct stat *st);
    int (*fstatat)(int dirfd, const char *path, struct stat *st, int flags);
    int (*ftruncate)(int fd, off_t len);
    int (*fallocate)(int fd, int mode, off_t off, off_t len);
    ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
    ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
    ssize_t (*read)(int fd, void *buf, size_t n);
    ssize_t (*write)(int fd, const void *buf, size_t n);
    off_t (*lseek)(int fd, off_t off, int whence);
    void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off);
    int (*munmap)(void *addr, size_t len);
    int (*mprotect)(void *addr, size_t len, int prot);
    int (*msync)(void *addr, size_t len, int flags);
    int (*madvise)(void *addr, size_t len, int advice);
    int (*flock)(int fd, int op);
    int (*fcntl_lock)(int fd, int cmd, struct flock *fl); /* F_OFD_* and F_*LK only */
    int (*linkat)(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
    int (*unlinkat)(int dirfd, const char *path, int flags);
    int (*mkdirat)(int dirfd, const char *path, mode_t mode);
    int (*fchmod)(int fd, mode_t mode);
    int (*fsync)(int fd);
    int (*fdatasync)(int fd);
    int (*dup3)(int oldfd, int newfd, int flags);
    int (*fcntl_int)(int fd, int cmd, int arg); /* F_DUPFD_CLOEXEC, F_GETFL, F_SETFD... */
    int (*fcntl_owner)(int fd, int cmd, struct f_owner_ex *ow); /* F_GETOWN_EX, F_SETOWN_EX */
    ssize_t (*readlinkat)(int dirfd, const char *path, char *buf, size_t n);
    int (*faccessat)(int dirfd, const char *path, int mode, int flags);
    int (*memfd_create)(const char *name, unsigned flags);
    int (*pipe2)(int fds[2], int flags);
    int (*close_range)(unsigned first, unsigned last, unsigned flags);
    int (*poll)(struct pollfd *fds, nfds_t n, int timeout_ms);
    /* sockets (the inbox, xfer.c) */
    int (*socket)(int domain, int type, int protocol);
    int (*bind)(int s, const struct sockaddr *a, socklen_t n);
    int (*listen)(int s, int backlog);
    int (*connect)(int s, const struct sockaddr *a, socklen_t n);
    int (*accept4)(int s, struct sockaddr *a, socklen_t *n, int flags);
    int (*getsockopt)(int s, int level, int name, void *val, socklen_t *n);
    ssize_t (*sendmsg)(int s, const struct msghdr *m, int flags);
    ssize_t (*recvmsg)(int s, struct msghdr *m, int flags);
    /* processes */
    int (*kill)(pid_t pid, int sig);
    int (*pidfd_open)(pid_t pid, unsigned flags);
    int (*pidfd_send_signal)(int pidfd, int sig, void *siginfo, unsigned flags);
    int (*pidfd_getfd)(int pidfd, int fd, unsigned flags);
    int (*waitid)(int idtype, int id, void *siginfo, int options); /* P_PIDFD as well */
    pid_t (*waitpid)(pid_t pid, int *status, int options);
    pid_t (*_Fork)(void); /* no atfork handlers; the child must only exec (spawn.c) */
    /* returns the error number (0: started), as posix_spawn does */
    int (*posix_spawn)(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *at, char *const argv[], char *const envp[]);
};
extern SHMAP_HIDDEN struct shmap_sys shmap__sys;
#define SYS(fn) (shmap__sys.fn)

/* Fault injection, for tests: the nth system call made through the table
 * from now on (1 = the next one) fails with err; if persistent, every later
 * one too.  n = 0 disarms.  Returns how many calls were made since arming. */
SHMAP_HIDDEN void shmap__fault_arm(unsigned long nth, int err, int persistent);
/* Testing: the period of the waits' safety net (0: the default), so that a
 * lost wake-up hangs instead of costing 200 ms. */
SHMAP_HIDDEN void shmap__wait_slice(uint64_t ns);
/* Testing: how long a wait about to sleep polls its words first (ns; -1:
 * back to the default, SHMAP_SPIN_NS or 0). */
SHMAP_HIDDEN void shmap__wait_spin(int64_t ns);
SHMAP_HIDDEN unsigned long shmap__fault_calls(void);
SHMAP_HIDDEN int shmap__fault_fired(void);

/* fallocate(mode 0) retried on EINTR; 0 or -errno. */
SHMAP_HIDDEN int shmap__fallocate(int fd, uint64_t off, uint64_t len);

/* close() that preserves errno and ignores EINTR (Linux always closes). */
SHMAP_HIDDEN void shmap__close_fd(int fd);
/* A directory stream of path, and a stdio stream reading path (their open
 * is the fault point; NULL and errno). */
SHMAP_HIDDEN DIR *shmap__opendir(const char *path);
SHMAP_HIDDEN FILE *shmap__fopen_ro(const char *path);
/* Undo a start: SIGKILL to a child of ours and reap it.  Not a fault
 * point: a failed undo would leave the child running. */
SHMAP_HIDDEN void shmap__child_kill_reap(pid_t pid);

/* ======================================================================
 * forklock.c - a record's lock that a fork child makes anew at its first
 * use (its holder in the parent is not in the child).  Global locks are
 * taken across fork by lifecycle.c instead.
 * ====================================================================== */
struct shmap_reclock {
    pthread_mutex_t mu;
    _Atomic uint32_t gen; /* the fork generation it was made in */
};
SHMAP_HIDDEN void shmap__reclock_init(struct shmap_reclock *l);
SHMAP_HIDDEN void shmap__reclock_lock(struct shmap_reclock *l);
SHMAP_HIDDEN void shmap__reclock_unlock(struct shmap_reclock *l);
SHMAP_HIDDEN void shmap__reclock_destroy(struct shmap_reclock *l);
/* How many forks lie between the first process and this one (0 in it). */
SHMAP_HIDDEN uint32_t shmap__fork_gen(void);
/* lifecycle.c: the child's step. */
SHMAP_HIDDEN void shmap__forklock_child(void);

/* layout.c: check a header read from a file of st_size bytes (format.h);
 * 0 or SHMAP_EBADOBJ. */
/* layout.c: where the security-descriptor slots of an object begin
 * (after its name, path and bitmap, 8-aligned). */
SHMAP_HIDDEN uint64_t shmap__hdr_sd_base(const struct shmap_objhdr *h);
SHMAP_HIDDEN int shmap__hdr_validate(const struct shmap_objhdr *h, uint64_t st_size);
/* layout.c: is name (len bytes, no NUL needed) a data file's name: ".d"
 * and exactly 32 lowercase hex digits? */
SHMAP_HIDDEN bool shmap__dname_valid(const char *name, size_t len);
/* layout.c: the data file's name a header gives (SHMAP_HF_DATA_FILE and
 * a valid name), with its NUL; false if none. */
SHMAP_HIDDEN bool shmap__hdr_data_name(const struct shmap_objhdr *h,
                                       char name[SHMAP_DNAME_LEN + 1]);

/* ======================================================================
 * ident.c - who we are.
 * ====================================================================== */
/* Process identity, read once (and again in a fork child). */
SHMAP_HIDDEN uint32_t shmap__uid(void);
SHMAP_HIDDEN uint32_t shmap__gid(void);
SHMAP_HIDDEN uint32_t shmap__pid(void);
/* In a fork child, before anything asks shmap__pid or shmap__tid (the first
 * atfork handler). */
SHMAP_HIDDEN void shmap__pid_forked(void);
/* Does the umask leave mode 0600 intact (so no fchmod is needed)? */
SHMAP_HIDDEN bool shmap__umask_keeps_0600(void);

/* ======================================================================
 * robust.c - thread ids, the clock, futexes, the kernel's robust list, and
 * the internal lock of a shared state (struct shmap_sync's, which a job's
 * state shares); robust.h has the inline part.
 * ====================================================================== */
/* In a busy-wait loop: let the sibling hyperthread (or the host) run. */
static inline void shmap__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* robust.c: the calling thread's id (cached; reset in a fork child).
 * Inline: a mutex acquire and release each ask for it. */
extern SHMAP_HIDDEN __thread SHMAP_TLS uint32_t shmap__t_tid;
SHMAP_HIDDEN uint32_t shmap__tid_slow(void);
static inline uint32_t shmap__tid(void)
{
    uint32_t t = shmap__t_tid;
    return ALWAYS(t != 0) ? t : shmap__tid_slow();
}
SHMAP_HIDDEN void shmap__tid_reset(void);
/* Is the thread tid alive?  (kill(tid, 0) != ESRCH) */
SHMAP_HIDDEN bool shmap__tid_alive(uint32_t tid);
SHMAP_HIDDEN uint64_t shmap__mono_ns(void);

/* ThreadSanitizer cannot see a store made by the kernel (FUTEX_WAKE_OP):
 * tell it that such a store releases, and the CAS that reads it acquires. */
#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define shmap__tsan_acquire(p) __tsan_acquire((void *)(p))
#define shmap__tsan_release(p) __tsan_release((void *)(p))
#else
#define shmap__tsan_acquire(p) ((void)(p))
#define shmap__tsan_release(p) ((void)(p))
#endif

/* Shared futexes. */
SHMAP_HIDDEN void shmap__futex_wake(_Atomic uint32_t *w, int n);
/* *w = val and wake up to n waiters of w, as one step in the kernel
 * (val: 0 or a power of two). */
SHMAP_HIDDEN void shmap__futex_set_wake(_Atomic uint32_t *w, uint32_t val, int n);
/* *w += 1 and wake every waiter of w, as one step. */
SHMAP_HIDDEN void shmap__futex_inc_wake(_Atomic uint32_t *w);
/* Sleep while *w[i] == val[i] for all i (n <= 128), until deadline
 * (CLOCK_MONOTONIC ns; UINT64_MAX: none).  0 woken/changed, -ETIMEDOUT,
 * -EINTR. */
SHMAP_HIDDEN int shmap__futex_waitv(_Atomic uint32_t *const *w, const uint32_t *val, unsigned n,
                                    uint64_t deadline);

/* The kernel's robust list of the calling thread (glibc's).  A word is
 * entered while the thread holds it, so that the kernel marks it
 * OWNER_DIED (and wakes one waiter) when the thread dies.  Protocol as
 * glibc's: pending(w) around the acquiring CAS and the releasing store,
 * link after acquiring, unlink before releasing. */
SHMAP_HIDDEN bool shmap__robust_ok(void);
/* shmap__robust_pending(w), _link(w), _unlink(w): inline, in robust.h. */

/* The internal lock of a sync object.  Returns 1 if the previous holder
 * died holding it (the caller then calls shmap__sync_repair), else 0. */
SHMAP_HIDDEN int shmap__slock(struct shmap_sync *s);
SHMAP_HIDDEN void shmap__sunlock(struct shmap_sync *s);
/* After a dead holder: wake everybody (a change may lack its wake). */
SHMAP_HIDDEN void shmap__sync_repair(struct shmap_sync *s);
/* Under the lock: the state changed in a way that may satisfy waiters;
 * returns whether some may sleep.  If so, call shmap__sync_wake after the
 * unlock: it bumps seq and wakes them in one step (waiters snapshot seq
 * under the lock, so a bump after it still reaches them; the woken do not
 * run into our lock). */
SHMAP_HIDDEN bool shmap__sync_changed(struct shmap_sync *s);
SHMAP_HIDDEN void shmap__sync_wake(struct shmap_sync *s);

/* ======================================================================
 * descriptors
 * ====================================================================== */

/* (A new open file description of one of our descriptors, through
 * /proc/self/fd: shmap__reopen_self, procfs.h.) */
/* Process-descriptor system calls, for headers that lack them. */
#include <sys/syscall.h>
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* forklock.c: record lock renewals (a global lock, taken across fork by
 * lifecycle.c). */
extern SHMAP_HIDDEN pthread_mutex_t shmap__renew_lock;

/* guard.c: the mappings of object files that survive the file being cut
 * short (a SIGBUS there becomes a private zero page; docs/security.md).
 * add returns a slot for remove (-1: not guarded, remove scans). */
SHMAP_HIDDEN int shmap__guard_add(const void *base, size_t len, int prot);
SHMAP_HIDDEN void shmap__guard_remove(const void *base, int slot);
SHMAP_HIDDEN unsigned long shmap__guard_rescued(void);

/* ======================================================================
 * pacl.c - POSIX access ACLs on an object's file, without libacl: the
 * mode bits and the system.posix_acl_access xattr in the kernel's binary
 * format, so that the kernel enforces who may open the file.  Regular
 * files: only r and w are used.
 * ====================================================================== */
#define SHMAP_PACL_USER 1  /* a named user (ACL_USER) */
#define SHMAP_PACL_GROUP 2 /* a named group (ACL_GROUP) */
#define SHMAP_PACL_R 4
#define SHMAP_PACL_W 2
/* Most named entries shmap__pacl_set takes (before merging duplicates). */
#define SHMAP_PACL_MAX 256
struct shmap_pacl_entry {
    uint8_t kind; /* SHMAP_PACL_USER, SHMAP_PACL_GROUP */
    uint8_t perm; /* SHMAP_PACL_R | SHMAP_PACL_W */
    uint32_t id;  /* uid or gid */
};
/* What a file grants besides its named entries (rwx bits, 0..7). */
struct shmap_pacl_perms {
    unsigned owner; /* the owner (ACL_USER_OBJ) */
    unsigned group; /* the owning group (ACL_GROUP_OBJ) */
    unsigned other; /* everybody else (ACL_OTHER) */
    unsigned mask;  /* the ACL's mask (the mode's group bits); = group without ACL */
    bool acl;       /* the file has an access ACL */
};

/* Give fd's file exactly these permissions: owner_perm, group_perm,
 * other_perm (SHMAP_PACL_R | SHMAP_PACL_W each) and the n named entries
 * e[] (any order; an entry repeated for the same user or group is merged
 * into the union of its perms).  n > 0: the access ACL, whose mask is the
 * union of the named entries' and group_perm (so that each entry grants
 * exactly its perm), and the mode rw?/mask/other (the mode's group bits
 * show the mask).  n == 0: the mode alone, and no ACL.  The setuid, setgid
 * and sticky bits are cleared.  0, or:
 * -EOPNOTSUPP  the file system has no POSIX ACLs (only when n > 0: the
 *              mode alone never needs them).  The file was given the mode
 *              alone, narrowed by shmap__pacl_narrow: it grants at most
 *              what was asked, to everyone, and the named entries' users
 *              and groups maybe less (if that fchmod fails: its error, and
 *              nothing was changed).
 * -EINVAL      a perm with bits other than r and w, an unknown kind, the
 *              id -1; nothing was changed.
 * -E2BIG       n > SHMAP_PACL_MAX; nothing was changed (a fallback to
 *              the mode alone: shmap__pacl_narrow, then n = 0).
 * -EPERM etc.  from the kernel (not the file's owner...).
 * Never grants more than asked, on the way either: the ACL and the mode
 * change in one step (a set of the xattr; with n == 0, a set of the
 * 3-entry ACL equivalent to the mode, which the kernel turns into the mode
 * and no ACL), then an fchmod that changes no permission (the special
 * bits) and, with n == 0, a removal of any ACL left (ENODATA expected).  A
 * failure after the first step leaves the permissions asked for. */
SHMAP_HIDDEN int shmap__pacl_set(int fd, unsigned owner_perm, unsigned group_perm,
                                 unsigned other_perm, const struct shmap_pacl_entry *e, size_t n);
/* The mode alone that grants nobody more than owner/group/other and the
 * named entries e[0..n) would: the named entries cannot just be dropped,
 * for one that grants less than the class its user falls into without it
 * denies (user X given nothing while others get r: without the ACL, X gets
 * r).  Without its entry, a named user falls into the owning group or the
 * others, and a member of a named group (not of the owning group) into the
 * others, whichever the memberships: so *group_perm &= every named user's
 * perm, *other_perm &= every named entry's perm (entries of one user or
 * group merged first).  The owner's perm is never changed. */
SHMAP_HIDDEN void shmap__pacl_narrow(unsigned *group_perm, unsigned *other_perm,
                                     const struct shmap_pacl_entry *e, size_t n);
/* Read back fd's permissions: *p, and the named entries (users, then
 * groups; in the file's order, which is ids ascending for an ACL written by
 * shmap__pacl_set) into e[0..cap).  *n = how many the file has; if
 * more than cap, -ERANGE (e[] holds the first cap).  Without an ACL, p from
 * the mode and *n = 0.  0, -errno, or SHMAP_EBADOBJ (an ACL that is not
 * one: see shmap__pacl_parse).  The mode and the xattr are read by two
 * calls: a concurrent change can mix them. */
SHMAP_HIDDEN int shmap__pacl_get(int fd, struct shmap_pacl_perms *p, struct shmap_pacl_entry *e,
                                 size_t cap, size_t *n);
/* Parse len bytes of a system.posix_acl_access value (any bytes: never
 * reads outside buf[0..len)).  Accepts what the kernel accepts: version 2,
 * whole 8-byte entries, tags in order, one USER_OBJ, GROUP_OBJ and OTHER,
 * at most one MASK and one if there are named entries, perms 0..7 (ids in
 * any order: the kernel does not sort them).
 * Fills *p (acl = true), e[] and *n as shmap__pacl_get; SHMAP_EBADOBJ for
 * anything else, -ERANGE as above. */
SHMAP_HIDDEN int shmap__pacl_parse(const void *buf, size_t len, struct shmap_pacl_perms *p,
                                   struct shmap_pacl_entry *e, size_t cap, size_t *n);

/* sys.c: the xattr calls, fault points like the table's entries (kept out
 * of struct shmap_sys so that this section only appends). */
SHMAP_HIDDEN int shmap__sys_fsetxattr(int fd, const char *name, const void *v, size_t n, int flags);
SHMAP_HIDDEN ssize_t shmap__sys_fgetxattr(int fd, const char *name, void *v, size_t n);
SHMAP_HIDDEN int shmap__sys_fremovexattr(int fd, const char *name);

#endif
