/*
 * waitaddr.c - WaitOnAddress within a process.  Waiters of an address
 * sleep on the sequence word of its bucket in a fixed hashed table; a wake
 * moves the word and wakes the bucket's sleepers (all of them: a bucket is
 * shared by the addresses that hash to it, so a single wake may not pick
 * one; waking more is a spurious wake-up, which callers allow as on
 * Windows).  The table is static: nothing to create, nothing to undo at
 * fork.
 */
#include <errno.h>
#include <string.h>

#include "shmap.h"
#include "sync.h"

#define BUCKETS 256

static _Atomic uint32_t buckets[BUCKETS][16]; /* one word used a cache line */

static _Atomic uint32_t *bucket_of(const volatile void *addr)
{
    uintptr_t a = (uintptr_t)addr >> 2; /* the sizes 1-8 of one word share a bucket */
    a ^= a >> 17;
    a *= (uintptr_t)0x9E3779B97F4A7C15ull;
    return &buckets[(a >> (sizeof a * 8 - 8)) % BUCKETS][0];
}

static bool same(const volatile void *addr, const void *compare, size_t size)
{
    uint64_t a = 0, b = 0;
    switch (size) {
    case 1:
        a = __atomic_load_n((const volatile uint8_t *)addr, __ATOMIC_SEQ_CST);
        break;
    case 2:
        a = __atomic_load_n((const volatile uint16_t *)addr, __ATOMIC_SEQ_CST);
        break;
    case 4:
        a = __atomic_load_n((const volatile uint32_t *)addr, __ATOMIC_SEQ_CST);
        break;
    default:
        a = __atomic_load_n((const volatile uint64_t *)addr, __ATOMIC_SEQ_CST);
        break;
    }
    memcpy(&b, compare, size);
    uint64_t mask = size == 8 ? UINT64_MAX : ((uint64_t)1 << (size * 8)) - 1;
    return (a & mask) == (b & mask);
}

int shmap_wait_address(const volatile void *addr, const void *compare, size_t size, uint32_t ms)
{
    if (size != 1 && size != 2 && size != 4 && size != 8)
        return -EINVAL;
    uint64_t deadline = shmap__lock_deadline(ms);
    _Atomic uint32_t *w = bucket_of(addr);
    uint32_t seq = atomic_load(w); /* before the value: a wake after this moves it */
    if (!same(addr, compare, size))
        return 0;
    return shmap__lock_wait(w, seq, deadline);
}

void shmap_wait_address_wake(const void *addr)
{
    shmap__futex_inc_wake(bucket_of(addr));
}

void shmap_wait_address_wake_all(const void *addr)
{
    shmap__futex_inc_wake(bucket_of(addr));
}
