/*
 * once.c - one-time initialisation within a process (InitOnce*).  The
 * object is one pointer: its two low bits the state, the rest the context
 * once done (so a context must leave those bits clear, as on Windows).
 * Waiters of a synchronous initialisation sleep on the 32-bit half that
 * holds the state bits.
 */
#include <errno.h>

#include "shmap.h"
#include "sync.h"

enum { ONCE_INITIAL = 0, ONCE_SYNC = 1, ONCE_DONE = 2, ONCE_ASYNC = 3, ONCE_BITS = 3 };

static uintptr_t *once_val(shmap_once_t *o)
{
    return (uintptr_t *)&o->ptr;
}
static _Atomic uint32_t *once_word(shmap_once_t *o)
{
    uint32_t *w = (uint32_t *)&o->ptr;
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w += sizeof(void *) / 4 - 1;
#endif
    return (_Atomic uint32_t *)w;
}
static uintptr_t once_load(shmap_once_t *o)
{
    return __atomic_load_n(once_val(o), __ATOMIC_ACQUIRE);
}
static bool once_cas(shmap_once_t *o, uintptr_t *old, uintptr_t v)
{
    return __atomic_compare_exchange_n(once_val(o), old, v, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

void shmap_once_init(shmap_once_t *o)
{
    o->ptr = NULL;
}

static void once_done(uintptr_t v, int *pending, void **context)
{
    *pending = 0;
    if (context)
        *context = (void *)(v & ~(uintptr_t)ONCE_BITS);
}

int shmap_once_begin(shmap_once_t *o, unsigned flags, int *pending, void **context)
{
    if ((flags & ~(SHMAP_ONCE_CHECK_ONLY | SHMAP_ONCE_ASYNC)) ||
        flags == (SHMAP_ONCE_CHECK_ONLY | SHMAP_ONCE_ASYNC))
        return -EINVAL;
    uintptr_t want = (flags & SHMAP_ONCE_ASYNC) ? ONCE_ASYNC : ONCE_SYNC;
    for (;;) {
        uintptr_t v = once_load(o);
        switch (v & ONCE_BITS) {
        case ONCE_DONE:
            once_done(v, pending, context);
            return 0;
        case ONCE_INITIAL:
            if (flags & SHMAP_ONCE_CHECK_ONLY)
                return -EAGAIN;
            if (!once_cas(o, &v, want))
                continue;
            *pending = 1;
            return 0;
        default:
            if (flags & SHMAP_ONCE_CHECK_ONLY)
                return -EAGAIN;
            if ((v & ONCE_BITS) != want)
                return -EINVAL; /* a synchronous begin meets an async one, or the reverse */
            if (want == ONCE_ASYNC) {
                *pending = 1;
                return 0;
            }
            shmap__lock_wait(once_word(o), (uint32_t)ONCE_SYNC, UINT64_MAX);
        }
    }
}

int shmap_once_complete(shmap_once_t *o, unsigned flags, void *context)
{
    uintptr_t ctx = (uintptr_t)context;
    if ((flags & ~(SHMAP_ONCE_ASYNC | SHMAP_ONCE_FAILED)) ||
        flags == (SHMAP_ONCE_ASYNC | SHMAP_ONCE_FAILED) || (ctx & ONCE_BITS) ||
        ((flags & SHMAP_ONCE_FAILED) && ctx))
        return -EINVAL;
    uintptr_t mode = (flags & SHMAP_ONCE_ASYNC) ? ONCE_ASYNC : ONCE_SYNC;
    uintptr_t v = once_load(o);
    uintptr_t to = (flags & SHMAP_ONCE_FAILED) ? ONCE_INITIAL : (ctx | ONCE_DONE);
    if (v != mode || !once_cas(o, &v, to)) /* the CAS: another async completion came first */
        return (mode == ONCE_ASYNC && (v & ONCE_BITS) == ONCE_DONE) ? -EEXIST : -EAGAIN;
    if (mode == ONCE_SYNC)
        shmap__futex_wake(once_word(o), INT32_MAX);
    return 0;
}

int shmap_once_execute(shmap_once_t *o, shmap_once_fn fn, void *param, void **context)
{
    int pending = 0;
    void *ctx = NULL;
    int r = shmap_once_begin(o, 0, &pending, &ctx);
    if (r < 0)
        return r;
    if (pending) {
        r = fn(o, param, &ctx);
        if (r < 0) {
            shmap_once_complete(o, SHMAP_ONCE_FAILED, NULL);
            return r;
        }
        r = shmap_once_complete(o, 0, ctx);
        if (r < 0) { /* a context with its low bits set: fail, retry later */
            shmap_once_complete(o, SHMAP_ONCE_FAILED, NULL);
            return r;
        }
    }
    if (context)
        *context = ctx;
    return 0;
}
