/*
 * event.c - events: a signalled bit (count 0/1) and, for PulseEvent, a
 * pulse generation that waiters compare with the one they went to sleep
 * with.  Set and a waiter's take are each one compare-and-swap of count;
 * reset and pulse are made under the object's internal lock, and so is a
 * take by a wait-all (which holds count with SHMAP_COUNT_HOLD meanwhile).
 */
#include "sync.h"
#include "base/probe.h"

static int init_event(struct shmap_sync *s, uint32_t evflags)
{
    *s = (struct shmap_sync){.tag = SHMAP_SYNC_TAG, .type = SHMAP_TYPE_EVENT};
    s->flags = (evflags & SHMAP_EVENT_MANUAL_RESET) ? SHMAP_SYNC_MANUAL : 0;
    atomic_init(&s->count, (evflags & SHMAP_EVENT_INITIAL_SET) ? 1u : 0u);
    return 0;
}

SHMAP_EXTERN int shmap_event_create(const char *name, uint32_t evflags, uint32_t access,
                                    unsigned flags, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct shmap_sync init;
    init_event(&init, evflags); /* unknown flag bits are ignored, as Windows does */
    return shmap__sync_create(&shmap__event_ops, name, &init, access, flags, out, NULL);
}

SHMAP_EXTERN int shmap_event_open(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    return shmap__sync_open(&shmap__event_ops, name, access, flags, out);
}

enum ev_op { EV_RESET, EV_PULSE };

/* Reset and pulse make the event less ready: under the lock, so that a
 * wait-all that holds it sees no change between its look and its take. */
static int event_op(shmap_handle_t h, enum ev_op op, int *prev)
{
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_EVENT, SHMAP_EVENT_MODIFY_STATE, &o, &s);
    if (r)
        return r;
    if (shmap__slock(s))
        shmap__sync_repair(s);
    uint32_t was = shmap__count(s); /* no hold bit under the lock but a dead one's */
    bool wake = false;
    /* PulseEvent: threads asleep now took their snapshot of pulse_gen
     * under this lock; each sees the new generation when it wakes.  An
     * auto event lets one of them claim the pulse (pulse_left). */
    atomic_store(&s->count, 0);
    if (op == EV_PULSE && atomic_load(&s->nwait)) {
        if (!(s->flags & SHMAP_SYNC_MANUAL))
            atomic_store(&s->pulse_left, 1);
        atomic_fetch_add(&s->pulse_gen, 1);
        wake = true;
    }
    shmap__sunlock(s);
    if (wake)
        shmap__sync_wake(s);
    shmap__obj_put(o);
    if (prev)
        *prev = was ? 1 : 0;
    return 0;
}

/* SetEvent takes no lock: it only makes the event more ready, so a
 * wait-all holding the lock loses nothing, and one compare-and-swap of
 * count is the whole change.  Waiters count themselves in nwait before
 * they look at count (wait.c), so either they see the 1 or we see them. */
SHMAP_EXTERN int shmap_event_set(shmap_handle_t h, int *prev)
{
    if (prev && SHMAP_PROBE_OUT(prev))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_EVENT, SHMAP_EVENT_MODIFY_STATE, &o, &s);
    if (r)
        return r;
    uint32_t c = atomic_load(&s->count), was;
    while (!(was = c & ~SHMAP_COUNT_HOLD) && !atomic_compare_exchange_weak(&s->count, &c, c | 1u))
        ;
    if (!was && shmap__sync_changed(s))
        shmap__sync_wake(s);
    shmap__obj_put(o);
    if (prev)
        *prev = was ? 1 : 0;
    return 0;
}

SHMAP_EXTERN int shmap_event_reset(shmap_handle_t h, int *prev)
{
    if (prev && SHMAP_PROBE_OUT(prev))
        return -EFAULT;
    return event_op(h, EV_RESET, prev);
}

SHMAP_EXTERN int shmap_event_pulse(shmap_handle_t h, int *prev)
{
    if (prev && SHMAP_PROBE_OUT(prev))
        return -EFAULT;
    return event_op(h, EV_PULSE, prev);
}

SHMAP_EXTERN int shmap_event_query(shmap_handle_t h, int *manual, int *signaled)
{
    if ((manual && SHMAP_PROBE_OUT(manual)) || (signaled && SHMAP_PROBE_OUT(signaled)))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_sync *s;
    int r = shmap__sync_get(h, SHMAP_TYPE_EVENT, SHMAP_EVENT_QUERY_STATE, &o, &s);
    if (r)
        return r;
    if (manual)
        *manual = (s->flags & SHMAP_SYNC_MANUAL) ? 1 : 0;
    if (signaled)
        *signaled = shmap__count(s) ? 1 : 0;
    shmap__obj_put(o);
    return 0;
}

static bool event_ready(struct shmap_sync *s, uint32_t snap_pulse, uint64_t now, bool *by_pulse,
                        uint64_t *due)
{
    (void)now;
    (void)due;
    *by_pulse = false;
    if (shmap__count(s))
        return true;
    if (atomic_load(&s->pulse_gen) == snap_pulse)
        return false;
    /* pulsed since this waiter went to sleep */
    if (s->flags & SHMAP_SYNC_MANUAL)
        return *by_pulse = true;
    return *by_pulse = atomic_load(&s->pulse_left) != 0;
}

static void event_take(struct shmap_sync *s, bool by_pulse)
{
    if (by_pulse) {
        if (!(s->flags & SHMAP_SYNC_MANUAL))
            atomic_store(&s->pulse_left, 0);
    } else if (!(s->flags & SHMAP_SYNC_MANUAL))
        atomic_store(&s->count, 0); /* a set meanwhile found it set; the hold goes too */
}

static bool event_try(struct shmap_sync *s)
{
    uint32_t one = 1;
    if (s->flags & SHMAP_SYNC_MANUAL)
        return shmap__count(s) != 0; /* only a reset (locked) undoes it */
    return atomic_compare_exchange_strong(&s->count, &one, 0);
}

/* Only an auto event is taken without the lock: a wait-all holds it. */
static bool event_needs_hold(const struct shmap_sync *s)
{
    return !(s->flags & SHMAP_SYNC_MANUAL);
}

static int event_signal(shmap_handle_t h)
{
    return shmap_event_set(h, NULL);
}

static const struct shmap_wait_ops event_wait = {
    .kind = SHMAP_WK_SYNC,
    .ready = event_ready,
    .take = event_take,
    .try_take = event_try,
    .needs_hold = event_needs_hold,
    .signal = event_signal,
};

const struct shmap_obj_ops shmap__event_ops = {
    .type = SHMAP_TYPE_EVENT,
    .destroy = shmap__named_destroy,
    .state_ok = shmap__sync_state_ok,
    .adopt_file = shmap__named_adopt,
    .wait = &event_wait,
};
