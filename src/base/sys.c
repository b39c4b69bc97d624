/*
 * sys.c - the system call table.
 *
 * Every system call of the library goes through shmap__sys (SYS(fn)), in
 * the manner of SQLite's aSyscall: tests arm a fault that fails the Nth call
 * from now (once, or from then on) with a chosen errno, then check that the
 * operation failed cleanly.  When no fault is armed the cost is one relaxed
 * atomic load per call.  EINTR is retried here, once for all callers.
 * close and munmap are entries but not fault points (below).
 *
 * Left out on purpose (docs/DESIGN.md §12):
 * - calls that cannot fail on valid arguments and hold nothing: getpid,
 *   gettid, geteuid, getegid, clock_gettime, clock_nanosleep (Sleep),
 *   sysconf, getrusage, get_robust_list;
 * - futexes (robust.c): a wake cannot fail, and a wait's only outcomes
 *   besides waking (EAGAIN, ETIMEDOUT, EINTR) are the wait core's business;
 *   the hot path stays one system call;
 * - the child of a suspended start between _Fork and execve (spawn.c): a
 *   fault there could not reach the caller, and only async-signal-safe
 *   code may run there;
 * - the SIGSEGV handler's mprotect (view.c): a fault would turn a commit
 *   into a crash; and sigaction, sigprocmask (settings, not resources);
 * - reads of a directory or a /proc file opened here (readdir, fgets,
 *   fread, closedir, fclose): the open is the fault point;
 * - the Win32 face (src/win32/), which touches no library state: console
 *   input (_getch), clocks, sysconf.
 */
#include "base.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static _Atomic unsigned long fault_nth;   /* 0: disarmed */
static _Atomic unsigned long fault_count; /* calls since arming */
static _Atomic int fault_err;
static _Atomic int fault_persistent;
static _Atomic int fault_fired;

void shmap__fault_arm(unsigned long nth, int err, int persistent)
{
    atomic_store(&fault_count, 0);
    atomic_store(&fault_err, err);
    atomic_store(&fault_persistent, persistent);
    atomic_store(&fault_fired, 0);
    atomic_store(&fault_nth, nth);
}

unsigned long shmap__fault_calls(void)
{
    return atomic_load(&fault_count);
}
int shmap__fault_fired(void)
{
    return atomic_load(&fault_fired);
}

/* True if this call must fail; errno is then set. */
static bool fault_hit(void)
{
    unsigned long nth = atomic_load_explicit(&fault_nth, memory_order_relaxed);
    if (ALWAYS(nth == 0))
        return false;
    unsigned long c = atomic_fetch_add(&fault_count, 1) + 1;
    if (c == nth || (c > nth && atomic_load(&fault_persistent))) {
        atomic_store(&fault_fired, 1);
        errno = atomic_load(&fault_err);
        return true;
    }
    return false;
}

/* Every call is retried on EINTR (a signal arrived), up to EINTR_RETRIES
 * times, so that no caller ever sees it; injected EINTRs take the same path. */
#define EINTR_RETRIES 100
#define FAULT_INT(expr)                                                                            \
    for (int try_ = 0;; try_++) {                                                                  \
        __typeof__(expr) r_ = fault_hit() ? -1 : (expr);                                           \
        if (r_ == -1 && errno == EINTR && try_ < EINTR_RETRIES)                                    \
            continue;                                                                              \
        return r_;                                                                                 \
    }

static int w_openat(int d, const char *p, int f, mode_t m)
{
    FAULT_INT(openat(d, p, f, m));
}
/* Not a fault point, and not retried: Linux has closed the descriptor
 * whatever close returns (a retry could close someone else's), and a
 * descriptor left open would leak (and keep a lock). */
static int w_close(int fd)
{
    return close(fd);
}
static int w_fstat(int fd, struct stat *st)
{
    FAULT_INT(fstat(fd, st));
}
static int w_fstatat(int d, const char *p, struct stat *st, int f)
{
    FAULT_INT(fstatat(d, p, st, f));
}
static int w_ftruncate(int fd, off_t n)
{
    FAULT_INT(ftruncate(fd, n));
}
static int w_fallocate(int fd, int m, off_t o, off_t n)
{
    FAULT_INT(fallocate(fd, m, o, n));
}
static ssize_t w_pread(int fd, void *b, size_t n, off_t o)
{
    FAULT_INT(pread(fd, b, n, o));
}
static ssize_t w_pwrite(int fd, const void *b, size_t n, off_t o)
{
    FAULT_INT(pwrite(fd, b, n, o));
}
static ssize_t w_read(int fd, void *b, size_t n)
{
    FAULT_INT(read(fd, b, n));
}
static ssize_t w_write(int fd, const void *b, size_t n)
{
    FAULT_INT(write(fd, b, n));
}
static off_t w_lseek(int fd, off_t o, int wh)
{
    FAULT_INT(lseek(fd, o, wh));
}
static void *w_mmap(void *a, size_t n, int p, int f, int fd, off_t o)
{
    for (int try_ = 0;; try_++) {
        void *r = fault_hit() ? MAP_FAILED : mmap(a, n, p, f, fd, o);
        if (r == MAP_FAILED && errno == EINTR && try_ < EINTR_RETRIES)
            continue;
        return r;
    }
}
/* Not a fault point: unmapping a range we mapped cannot fail, and a mapping
 * left behind would keep its file description (and flock) alive. */
static int w_munmap(void *a, size_t n)
{
    return munmap(a, n);
}
static int w_mprotect(void *a, size_t n, int p)
{
    FAULT_INT(mprotect(a, n, p));
}
static int w_msync(void *a, size_t n, int f)
{
    FAULT_INT(msync(a, n, f));
}
static int w_madvise(void *a, size_t n, int adv)
{
    FAULT_INT(madvise(a, n, adv));
}
static int w_flock(int fd, int op)
{
    FAULT_INT(flock(fd, op));
}
static int w_fcntl_lock(int fd, int cmd, struct flock *fl)
{
    FAULT_INT(fcntl(fd, cmd, fl));
}
static int w_linkat(int od, const char *op, int nd, const char *np, int f)
{
    FAULT_INT(linkat(od, op, nd, np, f));
}
static int w_unlinkat(int d, const char *p, int f)
{
    FAULT_INT(unlinkat(d, p, f));
}
static int w_mkdirat(int d, const char *p, mode_t m)
{
    FAULT_INT(mkdirat(d, p, m));
}
static int w_fchmod(int fd, mode_t m)
{
    FAULT_INT(fchmod(fd, m));
}
static int w_fsync(int fd)
{
    FAULT_INT(fsync(fd));
}
static int w_fdatasync(int fd)
{
    FAULT_INT(fdatasync(fd));
}
static int w_dup3(int o, int n, int f)
{
    FAULT_INT(dup3(o, n, f));
}
static int w_fcntl_int(int fd, int cmd, int arg)
{
    FAULT_INT(fcntl(fd, cmd, arg));
}
static int w_fcntl_owner(int fd, int cmd, struct f_owner_ex *ow)
{
    FAULT_INT(fcntl(fd, cmd, ow));
}
static ssize_t w_readlinkat(int d, const char *p, char *b, size_t n)
{
    FAULT_INT(readlinkat(d, p, b, n));
}
static int w_faccessat(int d, const char *p, int m, int f)
{
    FAULT_INT(faccessat(d, p, m, f));
}
static int w_memfd_create(const char *name, unsigned f)
{
    FAULT_INT(memfd_create(name, f));
}
static int w_pipe2(int fds[2], int f)
{
    FAULT_INT(pipe2(fds, f));
}
static int w_close_range(unsigned lo, unsigned hi, unsigned f)
{
    FAULT_INT((int)syscall(SYS_close_range, lo, hi, f));
}
/* A poll interrupted is retried with its whole timeout: callers poll in
 * slices (0 to 200 ms) and look again after each. */
static int w_poll(struct pollfd *fds, nfds_t n, int ms)
{
    FAULT_INT(poll(fds, n, ms));
}
static int w_socket(int d, int t, int p)
{
    FAULT_INT(socket(d, t, p));
}
static int w_bind(int s, const struct sockaddr *a, socklen_t n)
{
    FAULT_INT(bind(s, a, n));
}
static int w_listen(int s, int backlog)
{
    FAULT_INT(listen(s, backlog));
}
/* An AF_UNIX connect interrupted while the listener's backlog is full has
 * not connected: trying again is right. */
static int w_connect(int s, const struct sockaddr *a, socklen_t n)
{
    FAULT_INT(connect(s, a, n));
}
static int w_accept4(int s, struct sockaddr *a, socklen_t *n, int f)
{
    FAULT_INT(accept4(s, a, n, f));
}
static int w_getsockopt(int s, int lv, int nm, void *v, socklen_t *n)
{
    FAULT_INT(getsockopt(s, lv, nm, v, n));
}
static ssize_t w_sendmsg(int s, const struct msghdr *m, int f)
{
    FAULT_INT(sendmsg(s, m, f));
}
static ssize_t w_recvmsg(int s, struct msghdr *m, int f)
{
    FAULT_INT(recvmsg(s, m, f));
}
static int w_kill(pid_t pid, int sig)
{
    FAULT_INT(kill(pid, sig));
}
static int w_pidfd_open(pid_t pid, unsigned f)
{
    FAULT_INT((int)syscall(SYS_pidfd_open, pid, f));
}
static int w_pidfd_send_signal(int pfd, int sig, void *info, unsigned f)
{
    FAULT_INT((int)syscall(SYS_pidfd_send_signal, pfd, sig, info, f));
}
static int w_pidfd_getfd(int pfd, int fd, unsigned f)
{
    FAULT_INT((int)syscall(SYS_pidfd_getfd, pfd, fd, f));
}
/* The system call itself: glibc's waitid knows no P_PIDFD before 2.36. */
static int w_waitid(int idtype, int id, void *si, int opts)
{
    FAULT_INT((int)syscall(SYS_waitid, idtype, id, si, opts, NULL));
}
static pid_t w_waitpid(pid_t pid, int *status, int opts)
{
    FAULT_INT(waitpid(pid, status, opts));
}
/* The fault is decided before the fork, in the caller: a child never
 * sees one here. */
static pid_t w_fork(void)
{
    FAULT_INT(_Fork());
}
/* posix_spawn returns its error instead of setting errno. */
static int w_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                         const posix_spawnattr_t *at, char *const argv[], char *const envp[])
{
    for (int try_ = 0;; try_++) {
        int e = fault_hit() ? errno : posix_spawn(pid, path, fa, at, argv, envp);
        if (e == EINTR && try_ < EINTR_RETRIES)
            continue;
        return e;
    }
}

struct shmap_sys shmap__sys = {
    .openat = w_openat,
    .close = w_close,
    .fstat = w_fstat,
    .fstatat = w_fstatat,
    .ftruncate = w_ftruncate,
    .fallocate = w_fallocate,
    .pread = w_pread,
    .pwrite = w_pwrite,
    .read = w_read,
    .write = w_write,
    .lseek = w_lseek,
    .mmap = w_mmap,
    .munmap = w_munmap,
    .mprotect = w_mprotect,
    .msync = w_msync,
    .madvise = w_madvise,
    .flock = w_flock,
    .fcntl_lock = w_fcntl_lock,
    .linkat = w_linkat,
    .unlinkat = w_unlinkat,
    .mkdirat = w_mkdirat,
    .fchmod = w_fchmod,
    .fsync = w_fsync,
    .fdatasync = w_fdatasync,
    .dup3 = w_dup3,
    .fcntl_int = w_fcntl_int,
    .fcntl_owner = w_fcntl_owner,
    .readlinkat = w_readlinkat,
    .faccessat = w_faccessat,
    .memfd_create = w_memfd_create,
    .pipe2 = w_pipe2,
    .close_range = w_close_range,
    .poll = w_poll,
    .socket = w_socket,
    .bind = w_bind,
    .listen = w_listen,
    .connect = w_connect,
    .accept4 = w_accept4,
    .getsockopt = w_getsockopt,
    .sendmsg = w_sendmsg,
    .recvmsg = w_recvmsg,
    .kill = w_kill,
    .pidfd_open = w_pidfd_open,
    .pidfd_send_signal = w_pidfd_send_signal,
    .pidfd_getfd = w_pidfd_getfd,
    .waitid = w_waitid,
    .waitpid = w_waitpid,
    ._Fork = w_fork,
    .posix_spawn = w_posix_spawn,
};

/* close() is not retried on EINTR: Linux has closed the fd already.  It
 * does not count as a fault point either, so that cleanup after an injected
 * fault never fails itself. */
void shmap__close_fd(int fd)
{
    int e = errno;
    if (fd >= 0)
        close(fd);
    errno = e;
}

DIR *shmap__opendir(const char *path)
{
    int fd = SYS(openat)(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        shmap__close_fd(fd);
    return d;
}

FILE *shmap__fopen_ro(const char *path)
{
    int fd = SYS(openat)(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f && fd >= 0)
        shmap__close_fd(fd);
    return f;
}

void shmap__child_kill_reap(pid_t pid)
{
    int e = errno;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    errno = e;
}

/* tmpfs gives up a large fallocate with EINTR when a signal arrives; what
 * it allocated stays allocated, so trying again (in the table) finishes. */
int shmap__fallocate(int fd, uint64_t off, uint64_t len)
{
    return SYS(fallocate)(fd, 0, (off_t)off, (off_t)len) == 0 ? 0 : -errno;
}

/* Link lifecycle.c (start-up, fork and exit) into every static program. */
extern SHMAP_HIDDEN const char shmap__lifecycle_linked;
SHMAP_HIDDEN const char *const shmap__lifecycle_pull = &shmap__lifecycle_linked;

/* The xattr calls (pacl.c), fault points like the table's entries. */
int shmap__sys_fsetxattr(int fd, const char *name, const void *v, size_t n, int flags)
{
    FAULT_INT(fsetxattr(fd, name, v, n, flags));
}
ssize_t shmap__sys_fgetxattr(int fd, const char *name, void *v, size_t n)
{
    FAULT_INT(fgetxattr(fd, name, v, n));
}
int shmap__sys_fremovexattr(int fd, const char *name)
{
    FAULT_INT(fremovexattr(fd, name));
}
