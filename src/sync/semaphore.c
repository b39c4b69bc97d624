/*
 * semaphore.c - semaphores: {count, max}.  A release and a waiter's take
 * are each a compare-and-swap of count; a wait-all takes one under the
 * object's internal lock (holding count with SHMAP_COUNT_HOLD meanwhile).
 */
#include "sync.h"
#include "base/probe.h"

SHMAP_EXTERN int shmap_semaphore_create(const char *name, int32_t initial, int32_t max,
                                        uint32_t access, unsigned flags, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    if (max <= 0 || initial < 0 || initial > max)
        return -EINVAL; /* before the name lookup, as Windows */
    struct shmap_sync init = {.tag = SHMAP_SYNC_TAG, .type = SHMAP_TYPE_SEMAPHORE};
    init.max = (uint32_t)max;
    atomic_init(&init.count, (uint32_t)initial);
    return shmap__sync_create(&shmap__semaphore_ops, name, &init, access, flags, out, NULL);
}

SHMAP_EXTERN int shmap_semaphore_open(const char *name, uint32_t access, unsigned flags,
                                      shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    return shmap__sync_open(&shmap__semaphore_ops, name, access, flags, out);
}

SHMAP_EXTERN int shmap_semaphore_release(shmap_handle_t h, int32_t n, int32_t *prev)
{
    if (prev && SHMAP_PROBE_OUT(prev))
        return -EFAULT;
    if (n <= 0)
        return -EINVAL; /* NT checks this first: STATUS_INVALID_PARAMETER */
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_SEMAPHORE, SHMAP_SEMAPHORE_MODIFY_STATE, &o, &s);
    if (r)
        return r;
    /* No lock: a release only makes the semaphore more ready (see
     * shmap_event_set); takers subtract by compare-and-swap too. */
    uint32_t c = atomic_load(&s->count), was;
    do {
        was = c & ~SHMAP_COUNT_HOLD; /* a wait-all's hold stays */
        if ((uint64_t)was + (uint64_t)n > s->max) {
            shmap__obj_put(o);
            return SHMAP_ETOOMANYPOSTS;
        }
    } while (!atomic_compare_exchange_weak(&s->count, &c, c + (uint32_t)n));
    if (shmap__sync_changed(s))
        shmap__sync_wake(s);
    shmap__obj_put(o);
    if (prev)
        *prev = (int32_t)was;
    return 0;
}

SHMAP_EXTERN int shmap_semaphore_query(shmap_handle_t h, int32_t *count, int32_t *max)
{
    if ((count && SHMAP_PROBE_OUT(count)) || (max && SHMAP_PROBE_OUT(max)))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_SEMAPHORE, SHMAP_SEMAPHORE_QUERY_STATE, &o, &s);
    if (r)
        return r;
    if (count)
        *count = (int32_t)shmap__count(s);
    if (max)
        *max = (int32_t)s->max;
    shmap__obj_put(o);
    return 0;
}

static bool semaphore_ready(struct shmap_sync *s, uint32_t snap_pulse, uint64_t now, bool *by_pulse,
                            uint64_t *due)
{
    (void)snap_pulse;
    (void)now;
    (void)due;
    *by_pulse = false;
    return shmap__count(s) > 0;
}

static void semaphore_take(struct shmap_sync *s, bool by_pulse)
{
    (void)by_pulse;
    /* releasers add meanwhile, without the lock; a wait-all's hold goes */
    uint32_t c = atomic_load(&s->count);
    while (!atomic_compare_exchange_weak(&s->count, &c, (c & ~SHMAP_COUNT_HOLD) - 1))
        ;
}

static bool semaphore_try(struct shmap_sync *s)
{
    uint32_t c = atomic_load(&s->count);
    while (c != 0 && !(c & SHMAP_COUNT_HOLD))
        if (atomic_compare_exchange_weak(&s->count, &c, c - 1))
            return true;
    return false;
}

static bool semaphore_needs_hold(const struct shmap_sync *s)
{
    (void)s;
    return true;
}

static int semaphore_signal(shmap_handle_t h)
{
    return shmap_semaphore_release(h, 1, NULL);
}

static const struct shmap_wait_ops semaphore_wait = {
    .kind = SHMAP_WK_SYNC,
    .ready = semaphore_ready,
    .take = semaphore_take,
    .try_take = semaphore_try,
    .needs_hold = semaphore_needs_hold,
    .signal = semaphore_signal,
};

const struct shmap_obj_ops shmap__semaphore_ops = {
    .type = SHMAP_TYPE_SEMAPHORE,
    .destroy = shmap__named_destroy,
    .state_ok = shmap__sync_state_ok,
    .adopt_file = shmap__named_adopt,
    .wait = &semaphore_wait,
};
