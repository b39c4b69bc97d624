/*
 * locks.c - critical sections, slim reader/writer locks and condition
 * variables within one process (include/shmap/locks.h).  Each is a futex
 * word inside the caller's object, which keeps Win32's layout; no pthread
 * object, no allocation, nothing to undo at fork (a lock held at the fork
 * stays held in the child by a thread that is not there).
 */
#include <errno.h>

#include "shmap.h"
#include "sync.h"

/* ---- shared helpers -------------------------------------------------- */

uint64_t shmap__lock_deadline(uint32_t ms)
{
    if (ms == SHMAP_LOCK_INFINITE)
        return UINT64_MAX;
    return shmap__mono_ns() + (uint64_t)ms * 1000000u;
}

int shmap__lock_wait(_Atomic uint32_t *w, uint32_t val, uint64_t deadline)
{
    _Atomic uint32_t *const ws[1] = {w};
    int r = shmap__futex_waitv(ws, &val, 1, deadline);
    return r == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

/* The 32-bit futex word at the start of a pointer-sized object. */
static _Atomic uint32_t *word_of(void *p)
{
    return (_Atomic uint32_t *)p;
}

/* ---- critical sections ----------------------------------------------- */

enum { CS_FREE = UINT32_MAX, CS_HELD = 0, CS_CONTENDED = 1 };
#define CS_SPIN_MASK 0x00FFFFFFu

static _Atomic uint32_t *cs_word(shmap_cs_t *cs)
{
    return (_Atomic uint32_t *)&cs->lock;
}
static uint32_t cs_owner(const shmap_cs_t *cs)
{
    return (uint32_t)(uintptr_t)__atomic_load_n(&cs->owner, __ATOMIC_RELAXED);
}
static void cs_set_owner(shmap_cs_t *cs, uint32_t tid)
{
    __atomic_store_n(&cs->owner, (void *)(uintptr_t)tid, __ATOMIC_RELAXED);
}

void shmap_cs_init(shmap_cs_t *cs, uint32_t spin)
{
    cs->debug_info = NULL;
    cs->recursion = 0;
    cs->semaphore = NULL;
    cs->spin = spin & CS_SPIN_MASK;
    cs_set_owner(cs, 0);
    atomic_store(cs_word(cs), CS_FREE);
}

void shmap_cs_delete(shmap_cs_t *cs)
{
    cs->debug_info = NULL;
    cs->recursion = 0;
    cs_set_owner(cs, 0);
}

static bool cs_try_take(shmap_cs_t *cs)
{
    uint32_t v = CS_FREE;
    return atomic_compare_exchange_strong(cs_word(cs), &v, CS_HELD);
}

static void cs_owned(shmap_cs_t *cs, uint32_t me)
{
    cs_set_owner(cs, me);
    cs->recursion = 1;
    shmap__tsan_acquire(cs);
}

void shmap_cs_enter(shmap_cs_t *cs)
{
    uint32_t me = shmap__tid();
    if (cs_owner(cs) == me) {
        cs->recursion++;
        return;
    }
    uintptr_t spin = __atomic_load_n(&cs->spin, __ATOMIC_RELAXED) & CS_SPIN_MASK;
    for (uintptr_t i = 0; i <= spin; i++)
        if (atomic_load_explicit(cs_word(cs), memory_order_relaxed) == CS_FREE && cs_try_take(cs)) {
            cs_owned(cs, me);
            return;
        }
    /* Mark it contended; whoever finds it free by the exchange owns it. */
    while (atomic_exchange(cs_word(cs), CS_CONTENDED) != CS_FREE)
        shmap__lock_wait(cs_word(cs), CS_CONTENDED, UINT64_MAX);
    cs_owned(cs, me);
}

int shmap_cs_try_enter(shmap_cs_t *cs)
{
    uint32_t me = shmap__tid();
    if (cs_owner(cs) == me) {
        cs->recursion++;
        return 1;
    }
    if (!cs_try_take(cs))
        return 0;
    cs_owned(cs, me);
    return 1;
}

void shmap_cs_leave(shmap_cs_t *cs)
{
    if (cs->recursion > 1) {
        cs->recursion--;
        return;
    }
    cs->recursion = 0;
    cs_set_owner(cs, 0);
    shmap__tsan_release(cs);
    if (atomic_exchange(cs_word(cs), CS_FREE) == CS_CONTENDED)
        shmap__futex_wake(cs_word(cs), 1);
}

uint32_t shmap_cs_set_spin(shmap_cs_t *cs, uint32_t spin)
{
    uintptr_t old =
        __atomic_exchange_n(&cs->spin, (uintptr_t)(spin & CS_SPIN_MASK), __ATOMIC_RELAXED);
    return (uint32_t)(old & CS_SPIN_MASK);
}

/* ---- slim reader/writer locks ---------------------------------------- */
/* The word: readers in the low 30 bits, a writer bit, a waiters bit.
 * Readers enter whenever no writer holds it; a release that leaves it
 * free with waiters wakes them all, and they compete again. */

#define SRW_READERS 0x3FFFFFFFu
#define SRW_WRITER 0x40000000u
#define SRW_WAITERS 0x80000000u

void shmap_srw_init(shmap_srw_t *l)
{
    l->ptr = NULL;
}

/* Sleep until the word changes from v, with the waiters bit set, if v is
 * still held in a way that blocks the caller (busy: the bits that do);
 * otherwise return at once to try again (the lock came free: sleeping
 * then would wait for a release that is not coming). */
static void srw_sleep(_Atomic uint32_t *w, uint32_t v, uint32_t busy)
{
    if (!(v & busy))
        return;
    if (!(v & SRW_WAITERS) && !atomic_compare_exchange_strong(w, &v, v | SRW_WAITERS))
        return; /* it changed: look again */
    shmap__lock_wait(w, v | SRW_WAITERS, UINT64_MAX);
}

int shmap_srw_try_exclusive(shmap_srw_t *l)
{
    _Atomic uint32_t *w = word_of(l);
    uint32_t v = atomic_load(w);
    while (!(v & (SRW_READERS | SRW_WRITER)))
        if (atomic_compare_exchange_weak(w, &v, v | SRW_WRITER)) {
            shmap__tsan_acquire(l);
            return 1;
        }
    return 0;
}

int shmap_srw_try_shared(shmap_srw_t *l)
{
    _Atomic uint32_t *w = word_of(l);
    uint32_t v = atomic_load(w);
    while (!(v & SRW_WRITER) && (v & SRW_READERS) != SRW_READERS)
        if (atomic_compare_exchange_weak(w, &v, v + 1)) {
            shmap__tsan_acquire(l);
            return 1;
        }
    return 0;
}

void shmap_srw_lock_exclusive(shmap_srw_t *l)
{
    _Atomic uint32_t *w = word_of(l);
    while (!shmap_srw_try_exclusive(l))
        srw_sleep(w, atomic_load(w), SRW_READERS | SRW_WRITER);
}

void shmap_srw_lock_shared(shmap_srw_t *l)
{
    _Atomic uint32_t *w = word_of(l);
    while (!shmap_srw_try_shared(l))
        srw_sleep(w, atomic_load(w), SRW_WRITER);
}

void shmap_srw_unlock_exclusive(shmap_srw_t *l)
{
    _Atomic uint32_t *w = word_of(l);
    shmap__tsan_release(l);
    if (atomic_exchange(w, 0) & SRW_WAITERS)
        shmap__futex_wake(w, INT32_MAX);
}

void shmap_srw_unlock_shared(shmap_srw_t *l)
{
    _Atomic uint32_t *w = word_of(l);
    shmap__tsan_release(l);
    uint32_t v = atomic_load(w), n;
    do {
        n = v - 1;
        if (!(n & SRW_READERS))
            n = 0; /* the last reader: clear the waiters bit, wake them */
    } while (!atomic_compare_exchange_weak(w, &v, n));
    if (n == 0 && (v & SRW_WAITERS))
        shmap__futex_wake(w, INT32_MAX);
}

/* ---- condition variables --------------------------------------------- */
/* The word is a sequence number: a sleeper reads it before it releases
 * the lock and sleeps only while no wake has moved it since. */

void shmap_cond_init(shmap_cond_t *c)
{
    c->ptr = NULL;
}

int shmap_cond_sleep_cs(shmap_cond_t *c, shmap_cs_t *cs, uint32_t ms)
{
    uint64_t deadline = shmap__lock_deadline(ms);
    _Atomic uint32_t *w = word_of(c);
    uint32_t seq = atomic_load(w);
    int32_t depth = cs->recursion;
    cs->recursion = 1;
    shmap_cs_leave(cs);
    int r = shmap__lock_wait(w, seq, deadline);
    shmap_cs_enter(cs);
    cs->recursion = depth;
    return r;
}

int shmap_cond_sleep_srw(shmap_cond_t *c, shmap_srw_t *l, uint32_t ms, int shared)
{
    uint64_t deadline = shmap__lock_deadline(ms);
    _Atomic uint32_t *w = word_of(c);
    uint32_t seq = atomic_load(w);
    if (shared)
        shmap_srw_unlock_shared(l);
    else
        shmap_srw_unlock_exclusive(l);
    int r = shmap__lock_wait(w, seq, deadline);
    if (shared)
        shmap_srw_lock_shared(l);
    else
        shmap_srw_lock_exclusive(l);
    return r;
}

void shmap_cond_wake(shmap_cond_t *c)
{
    _Atomic uint32_t *w = word_of(c);
    atomic_fetch_add(w, 1);
    shmap__futex_wake(w, 1);
}

void shmap_cond_wake_all(shmap_cond_t *c)
{
    shmap__futex_inc_wake(word_of(c));
}
