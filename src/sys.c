/*
 * sys.c - the system call table.
 *
 * Every system call of the library goes through shmap__sys (SYS(fn)), in
 * the manner of SQLite's aSyscall: tests arm a fault that fails the Nth call
 * from now (once, or from then on) with a chosen errno, then check that the
 * operation failed cleanly.  When no fault is armed the cost is one relaxed
 * atomic load per call.  EINTR is retried here, once for all callers.
 */
#include "internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
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
static int w_close(int fd)
{
    FAULT_INT(close(fd));
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

/* tmpfs gives up a large fallocate with EINTR when a signal arrives; what
 * it allocated stays allocated, so trying again (in the table) finishes. */
int shmap__fallocate(int fd, uint64_t off, uint64_t len)
{
    return SYS(fallocate)(fd, 0, (off_t)off, (off_t)len) == 0 ? 0 : -errno;
}

/* Link lifecycle.c (start-up, fork and exit) into every static program. */
extern SHMAP_HIDDEN const char shmap__lifecycle_linked;
SHMAP_HIDDEN const char *const shmap__lifecycle_pull = &shmap__lifecycle_linked;
