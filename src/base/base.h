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

#endif
