/*
 * probe.c - is a caller's pointer there?  (probe.h says what is asked.)
 *
 * The kernel answers, without a signal handler and so without racing other
 * threads' signals: for writing, FUTEX_WAKE_OP adds 0 atomically to a word
 * of each page, which needs write access, so unmapped, read-only and
 * PROT_NONE pages fail with EFAULT, and no store of another thread (or
 * process, in a shared view) can be lost as it could if a byte were written
 * back; for reading, process_vm_readv() reads one byte of each page into a
 * scratch buffer.  One word per page is enough: protection is a property of
 * pages.
 *
 * Two answers need no system call.  NULL and the first 64 KiB are never
 * there (Windows never maps them; Linux refuses below vm.mmap_min_addr).  A
 * range inside the live part of the calling thread's stack, between this
 * function's frame and the top, is always there: the usual out-parameter is
 * a local variable, and the calls that take one on hot paths
 * (ReleaseSemaphore's previous count, QueryPerformanceCounter) then cost
 * two comparisons.  The stack's bounds come from pthread_getattr_np once per
 * thread; a frame outside them (a signal stack, a coroutine) takes the slow
 * path.  Costs on the 2-core CI VM, whose system calls are slow (getppid
 * 1.1-1.9 us): NULL or a stack variable ~2 ns; heap or global memory one
 * process_vm_* call per 64 pages, 1.7-3.8 us for a small object, ~60 us
 * for 1 MiB (the kernel looks up every page).
 *
 * process_vm_* name the process by pid.  A forked child must not probe its
 * parent, so the pid is kept in a page marked MADV_WIPEONFORK, which a
 * child sees zeroed (no atfork handler needed); without it, getpid() each
 * time.  Where process_vm_* is refused (seccomp, a kernel without
 * CROSS_MEMORY_ATTACH: ENOSYS, EPERM), a pipe made for the probe does the
 * same work: write() from each byte, read() back into it.  If even that
 * cannot be had (no descriptor left), the probe cannot tell and says yes.
 *
 * The probes do not go through the system-call table (sys.c): they ask a
 * question about memory and allocate nothing, and an injected failure could
 * only turn into a false 998.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "base/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif

#define PROBE_PAGE 4096u           /* the smallest page: touching each is enough */
#define LOW_END ((uintptr_t)65536) /* never mapped on Windows */
#define BATCH 64                   /* pages per process_vm_* call */

/* ---- shortcuts ----------------------------------------------------------- */

static __thread uintptr_t stack_lo, stack_hi; /* this thread's stack; hi 0: not looked up */

static void find_stack(void)
{
    pthread_attr_t at;
    void *addr;
    size_t size;
    uintptr_t lo = 1, hi = 1; /* empty: every frame is outside */
    if (pthread_getattr_np(pthread_self(), &at) == 0) {
        if (pthread_attr_getstack(&at, &addr, &size) == 0) {
            lo = (uintptr_t)addr;
            hi = lo + size;
        }
        pthread_attr_destroy(&at);
    }
    stack_lo = lo;
    stack_hi = hi;
}

/* Is [a, a + len) in the live part of this thread's stack? */
static bool on_stack(uintptr_t a, size_t len)
{
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    if (!stack_hi)
        find_stack();
    return fp >= stack_lo && fp < stack_hi && a >= fp && a < stack_hi && len <= stack_hi - a;
}

/* ---- the kernel's answer ------------------------------------------------- */

static _Atomic(_Atomic pid_t *) pid_slot; /* in a MADV_WIPEONFORK page */
static _Atomic int no_wipe;               /* that page could not be had */

static pid_t self_pid(void)
{
    _Atomic pid_t *slot = atomic_load(&pid_slot);
    if (!slot && !atomic_load(&no_wipe)) {
        void *pg =
            mmap(NULL, PROBE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pg != MAP_FAILED && madvise(pg, PROBE_PAGE, MADV_WIPEONFORK) != 0) {
            munmap(pg, PROBE_PAGE);
            pg = MAP_FAILED;
        }
        _Atomic pid_t *none = NULL;
        if (pg == MAP_FAILED)
            atomic_store(&no_wipe, 1);
        else if (atomic_compare_exchange_strong(&pid_slot, &none, (_Atomic pid_t *)pg))
            slot = pg;
        else { /* another thread was first */
            munmap(pg, PROBE_PAGE);
            slot = none;
        }
    }
    if (!slot)
        return getpid();
    pid_t pid = atomic_load_explicit(slot, memory_order_relaxed);
    if (!pid) { /* first use, or a child after fork (the page reads zero) */
        pid = getpid();
        atomic_store_explicit(slot, pid, memory_order_relaxed);
    }
    return pid;
}

static _Atomic int vm_refused; /* process_vm_* not allowed here: use pipes */

/* Can the page of a be written?  An atomic add of 0 to the aligned word
 * there, made by the kernel (FUTEX_WAKE_OP, which wakes nobody): it needs
 * write access and faults like a store, but it cannot lose another thread's
 * store to that word, as writing the byte back would.  0, -EFAULT, or 1 if
 * the call is refused. */
static int futex_probe(uintptr_t a)
{
    uint32_t *w = (uint32_t *)(a & ~(uintptr_t)3); /* same page: pages are multiples of 4 */
    long r = syscall(SYS_futex, w, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 0, NULL, w,
                     FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0));
    if (r >= 0)
        return 0;
    return errno == ENOSYS || errno == EPERM ? 1 : -EFAULT;
}

static _Atomic int futex_refused;

/* One process_vm_* call for up to BATCH pages from *a (for writing: one
 * futex call per page); 0, -EFAULT, or 1 if the call is refused. */
static int vm_batch(uintptr_t *a, uintptr_t end, bool wr)
{
    if (wr && !atomic_load_explicit(&futex_refused, memory_order_relaxed)) {
        for (int n = 0; n < BATCH && *a < end; n++) {
            int r = futex_probe(*a);
            if (r > 0)
                atomic_store(&futex_refused, 1);
            if (r)
                return r;
            *a = (*a | (PROBE_PAGE - 1)) + 1;
        }
        return 0;
    }
    struct iovec loc[BATCH], rem[BATCH];
    char scratch[BATCH];
    int n = 0;
    for (; n < BATCH && *a < end; n++) {
        rem[n] = (struct iovec){(void *)*a, 1};
        loc[n] = wr ? rem[n] : (struct iovec){&scratch[n], 1};
        *a = (*a | (PROBE_PAGE - 1)) + 1;
    }
    ssize_t k = wr ? process_vm_writev(self_pid(), loc, (unsigned long)n, rem, (unsigned long)n, 0)
                   : process_vm_readv(self_pid(), loc, (unsigned long)n, rem, (unsigned long)n, 0);
    if (k == n)
        return 0;
    return k < 0 && (errno == ENOSYS || errno == EPERM) ? 1 : -EFAULT;
}

static int pipe_probe(uintptr_t a, uintptr_t end, bool wr)
{
    int fd[2];
    char c;
    if (pipe2(fd, O_CLOEXEC | O_NONBLOCK) != 0)
        return 0; /* cannot tell: let the call go on */
    int r = 0;
    for (; r == 0 && a < end; a = (a | (PROBE_PAGE - 1)) + 1) {
        if (write(fd[1], (void *)a, 1) != 1 || read(fd[0], wr ? (void *)a : &c, 1) != 1)
            r = -EFAULT;
    }
    close(fd[0]);
    close(fd[1]);
    return r;
}

static int probe(uintptr_t a, size_t len, bool wr)
{
    if (len == 0)
        return 0;
    /* the last page must not be the top one, where a + PAGE would wrap */
    if (a < LOW_END || len > UINTPTR_MAX - PROBE_PAGE - a)
        return -EFAULT;
    if (on_stack(a, len))
        return 0;
    uintptr_t end = a + len;
    (void)self_pid(); /* its page is mapped by the first slow probe, whichever kind */
    while (a < end && !atomic_load_explicit(&vm_refused, memory_order_relaxed)) {
        uintptr_t from = a;
        int r = vm_batch(&a, end, wr);
        if (r < 0)
            return r;
        if (r > 0) {
            atomic_store(&vm_refused, 1);
            a = from;
        }
    }
    return a < end ? pipe_probe(a, end, wr) : 0;
}

int shmap__probe_write(void *p, size_t len)
{
    return probe((uintptr_t)p, len, true);
}

int shmap__probe_read(const void *p, size_t len)
{
    return probe((uintptr_t)p, len, false);
}

int shmap__probe_out(void *p, size_t len, size_t align)
{
    if (!p || ((uintptr_t)p & (align - 1)))
        return -EFAULT;
    return probe((uintptr_t)p, len, true);
}
