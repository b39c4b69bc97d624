/*
 * robust.c - shared futexes, the kernel's robust list, and the internal
 * lock of a synchronization object.
 *
 * Every futex word here lives in a MAP_SHARED page of an object file, so
 * all futex calls are the shared (not FUTEX_PRIVATE) kind: the kernel keys
 * them by inode and offset, the same in every process.
 *
 * The robust list is glibc's own per-thread list (get_robust_list): when a
 * thread dies in any way, the kernel walks it, and for every word holding
 * the thread's id sets FUTEX_OWNER_DIED and wakes one waiter.  We enter our
 * words in that list with glibc's own protocol, including the prev links
 * that LP64 glibc keeps (see docs/DESIGN.md §14).  Where there is no list
 * (qemu-user, another libc), words are not entered and waiters find dead
 * holders by asking the kernel whether the tid still exists.
 */
#include "base.h"
#include "base/robust.h"
#include "base/procfs.h"

#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif

__thread SHMAP_TLS uint32_t shmap__t_tid; /* 0: not asked yet in this thread */

uint32_t shmap__tid_slow(void)
{
    return shmap__t_tid = (uint32_t)syscall(SYS_gettid);
}

void shmap__tid_reset(void)
{
    shmap__t_tid = 0;
}

bool shmap__tid_alive(uint32_t tid)
{
    if (tid == 0 || (SYS(kill)((pid_t)tid, 0) != 0 && errno == ESRCH))
        return false;
    /* a killed process stays a zombie until reaped: dead for us */
    struct shmap_procfs_stat st;
    if (shmap__procfs_stat(tid, &st) != 0)
        return true; /* no /proc: trust kill() */
    return st.state != 'Z' && st.state != 'X';
}

uint64_t shmap__mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- futexes ---------------------------------------------------------- */

static long futex(_Atomic uint32_t *w, int op, uint32_t val, const void *ts, _Atomic uint32_t *w2,
                  uint32_t val3)
{
    return syscall(SYS_futex, (void *)w, op, val, ts, (void *)w2, val3);
}

void shmap__futex_wake(_Atomic uint32_t *w, int n)
{
    futex(w, FUTEX_WAKE, (uint32_t)n, NULL, NULL, 0);
}

/* FUTEX_OP(op, oparg, cmp, cmparg) */
#define WAKE_OP(op, arg) (((uint32_t)(op) << 28) | (((uint32_t)(arg)&0xfffu) << 12))

void shmap__futex_set_wake(_Atomic uint32_t *w, uint32_t val, int n)
{
    shmap__tsan_release(w); /* the kernel's store releases what we wrote */
    uint32_t op;
    if (val == 0)
        op = WAKE_OP(FUTEX_OP_SET, 0);
    else
        op = WAKE_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, __builtin_ctz(val));
    /* nr_wake2 (passed in the timeout slot) is 0: only uaddr1's wake */
    if (futex(w, FUTEX_WAKE_OP, (uint32_t)n, NULL, w, op) < 0)
        atomic_store(w, val); /* cannot happen on Linux >= 2.6.14; stay correct */
}

void shmap__futex_inc_wake(_Atomic uint32_t *w)
{
    if (futex(w, FUTEX_WAKE_OP, INT32_MAX, NULL, w, WAKE_OP(FUTEX_OP_ADD, 1)) < 0) {
        atomic_fetch_add(w, 1);
        shmap__futex_wake(w, INT32_MAX);
    }
}

struct waitv_entry { /* struct futex_waitv, the same on every ABI */
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
};
struct kts64 { /* struct __kernel_timespec */
    int64_t sec, nsec;
};

static _Atomic int waitv_missing; /* kernel < 5.16 or an emulator without it */

int shmap__futex_waitv(_Atomic uint32_t *const *w, const uint32_t *val, unsigned n,
                       uint64_t deadline)
{
    struct kts64 kts = {(int64_t)(deadline / 1000000000u), (int64_t)(deadline % 1000000000u)};
    if (n > 1 && !atomic_load_explicit(&waitv_missing, memory_order_relaxed)) {
        struct waitv_entry v[128];
        if (n > 128)
            n = 128;
        for (unsigned i = 0; i < n; i++)
            v[i] = (struct waitv_entry){val[i], (uint64_t)(uintptr_t)w[i], FUTEX2_SIZE_U32, 0};
        long r = syscall(SYS_futex_waitv, v, n, 0, deadline == UINT64_MAX ? NULL : &kts,
                         CLOCK_MONOTONIC);
        if (r >= 0 || errno == EAGAIN)
            return 0;
        if (errno == ETIMEDOUT || errno == EINTR)
            return -errno;
        if (errno != ENOSYS)
            return 0; /* EFAULT and the like: let the caller look again */
        atomic_store(&waitv_missing, 1);
    }
    /* One word: FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time.
     * Several without futex_waitv: sleep on the first, look again every
     * millisecond (only on kernels older than 5.16 or under emulation). */
    uint64_t until = deadline;
    if (n > 1) {
        uint64_t soon = shmap__mono_ns() + 1000000u;
        if (soon < until)
            until = soon;
    }
    struct timespec ts = {(time_t)(until / 1000000000u), (long)(until % 1000000000u)};
    long r = futex(w[0], FUTEX_WAIT_BITSET, val[0], until == UINT64_MAX ? NULL : &ts, NULL,
                   FUTEX_BITSET_MATCH_ANY);
    if (r < 0 && (errno == ETIMEDOUT || errno == EINTR))
        return errno == ETIMEDOUT && until < deadline ? 0 : -errno;
    return 0;
}

/* ---- the robust list (the inline part is in robust.h) ------------------- */

__thread SHMAP_TLS struct shmap_robust_head *shmap__t_rhead;
__thread SHMAP_TLS int shmap__t_robust;

struct shmap_robust_head *shmap__robust_head_slow(void)
{
    if (shmap__t_robust < 0)
        return NULL;
    struct shmap_robust_head *h = NULL;
    size_t len = 0;
    if (syscall(SYS_get_robust_list, 0, &h, &len) == 0 && h && len == sizeof *h &&
        h->futex_offset == SHMAP_GLIBC_FUTEX_OFFSET && h->list) {
        shmap__t_rhead = h;
        shmap__t_robust = 1;
        return h;
    }
    shmap__t_robust = -1;
    return NULL;
}

bool shmap__robust_ok(void)
{
    return shmap__robust_head() != NULL;
}

void shmap__robust_unlink_slow(struct shmap_robust_head *h, char *e)
{
    /* singly linked (ILP32 glibc): find the link that points to e */
    void **pp = &h->list;
    for (unsigned guard = 0; guard < 4096; guard++) {
        char *cur = SHMAP_UNTAG(*pp);
        if (cur == (char *)h)
            break; /* not in the list */
        if (cur == e) {
            *pp = *(void **)e;
            break;
        }
        pp = (void **)cur;
    }
}

/* ---- the internal lock ------------------------------------------------ */

#define SPINS 100
#define DEAD_CHECK_NS 100000000u /* a stuck holder's tid is checked every 100 ms */

int shmap__slock(struct shmap_sync *s)
{
    _Atomic uint32_t *w = &s->lock;
    const uint32_t tid = shmap__tid();
    uint32_t v = 0;
    int spins = 0;
    shmap__robust_pending(w);
    for (;;) {
        if ((v & SHMAP_FUTEX_TID_MASK) == 0) {
            /* free (0) or its holder died (OWNER_DIED, tid cleared) */
            if (atomic_compare_exchange_weak(w, &v, tid | (v & SHMAP_FUTEX_WAITERS))) {
                shmap__tsan_acquire(w);
                break;
            }
            continue;
        }
        SHMAP_ABORT_IF((v & SHMAP_FUTEX_TID_MASK) == tid);
        if (spins++ < SPINS) {
            shmap__cpu_relax();
            v = atomic_load_explicit(w, memory_order_relaxed);
            continue;
        }
        if (!(v & SHMAP_FUTEX_WAITERS)) {
            if (!atomic_compare_exchange_weak(w, &v, v | SHMAP_FUTEX_WAITERS))
                continue;
            v |= SHMAP_FUTEX_WAITERS;
        }
        _Atomic uint32_t *ws[1] = {w};
        int r = shmap__futex_waitv(ws, &v, 1, shmap__mono_ns() + DEAD_CHECK_NS);
        uint32_t now = atomic_load(w);
        if (r == -ETIMEDOUT && now == v && !shmap__tid_alive(v & SHMAP_FUTEX_TID_MASK)) {
            /* died without the kernel marking it (no robust list) */
            uint32_t dead = v;
            atomic_compare_exchange_strong(w, &dead, SHMAP_FUTEX_OWNER_DIED | SHMAP_FUTEX_WAITERS);
        }
        v = atomic_load(w);
    }
    shmap__robust_link(w);
    shmap__robust_pending(NULL);
    return (v & SHMAP_FUTEX_OWNER_DIED) ? 1 : 0;
}

void shmap__sunlock(struct shmap_sync *s)
{
    _Atomic uint32_t *w = &s->lock;
    uint32_t v = shmap__tid();
    shmap__robust_pending(w);
    shmap__robust_unlink(w);
    if (!atomic_compare_exchange_strong(w, &v, 0))
        shmap__futex_set_wake(w, 0, 1); /* WAITERS: release and wake one in one step */
    shmap__robust_pending(NULL);
}

bool shmap__sync_changed(struct shmap_sync *s)
{
    /* Nobody counted in nwait and nobody ever waited: nothing to do.  An
     * object that has had waiters is woken in the kernel every time, as
     * the raw futex protocol and Windows' SetEvent do (DESIGN.md §15). */
    return atomic_load(&s->nwait) != 0 || atomic_load_explicit(&s->waited, memory_order_relaxed);
}

void shmap__sync_wake(struct shmap_sync *s)
{
    /* An add and a plain FUTEX_WAKE: FUTEX_WAKE_OP(ADD) would do both in
     * one step but computes two futex keys, 2.5 us more per wake on this
     * kind of VM; a signaller killed between the two leaves sleepers to the
     * safety net (DESIGN.md §14), as one killed just before would. */
    atomic_fetch_add(&s->seq, 1);
    shmap__futex_wake(&s->seq, INT32_MAX);
}

void shmap__sync_repair(struct shmap_sync *s)
{
    shmap__futex_inc_wake(&s->seq);
    if (s->type == SHMAP_TYPE_MUTEX)
        shmap__futex_wake(&s->owner, INT32_MAX);
}
