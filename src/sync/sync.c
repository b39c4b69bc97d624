/*
 * sync.c - what events, mutexes, semaphores and timers share: the layout
 * of their state, create/open by name, and handle lookup with rights.
 */
#include "sync.h"

bool shmap__sync_state_ok(const void *state, shmap_type_t type)
{
    const struct shmap_sync *s = state;
    if (s->tag != SHMAP_SYNC_TAG || s->type != (uint32_t)type || (s->flags & ~SHMAP_SYNC_MANUAL))
        return false;
    switch (type) {
    case SHMAP_TYPE_SEMAPHORE: /* the hold bit may be set by a wait-all this moment */
        return s->max >= 1 && s->max <= 0x7fffffffu && shmap__count(s) <= s->max;
    case SHMAP_TYPE_EVENT:
        return shmap__count(s) <= 1;
    case SHMAP_TYPE_TIMER:
        return atomic_load(&s->count) <= 1;
    case SHMAP_TYPE_MUTEX: /* an acquire never counts past it (mutex.c) */
        return atomic_load(&s->recursion) <= 0x7fffffffu;
    default:
        return true;
    }
}

static uint32_t create_access(shmap_type_t type, uint32_t access)
{
    uint32_t a = shmap__access_map_generic(type, access);
    if (a & SHMAP_MAXIMUM_ALLOWED)
        a = (a & ~SHMAP_MAXIMUM_ALLOWED) | shmap__access_map_generic(type, SHMAP_GENERIC_ALL);
    return a & shmap__access_valid_mask(type);
}

int shmap__sync_create(const struct shmap_obj_ops *ops, const char *name,
                       const struct shmap_sync *init, uint32_t access, unsigned flags,
                       shmap_handle_t *out, struct shmap_obj **obj)
{
    shmap_type_t type = ops->type;
    struct shmap_name n;
    int r = shmap__name_parse(name, flags, &n);
    if (r < 0)
        return r;
    struct shmap_obj *o;
    int created = shmap__named_create(ops, r == 1 ? NULL : &n, init, sizeof *init, -1, &o);
    if (created < 0)
        return created;
    if (obj) {
        shmap__obj_get(o);
        *obj = o;
    }
    uint32_t granted = create_access(type, access);
    /* a Create* that finds the object is checked as an open (§10.4) */
    if (created == SHMAP_EXISTED &&
        (r = shmap__objsec_check(type, o->fd, granted, false, &granted))) {
        if (obj)
            shmap__obj_put(o);
        shmap__obj_handle_put(o);
        return r;
    }
    r = shmap__named_handle(o, granted, flags, out);
    if (r) {
        if (obj)
            shmap__obj_put(o);
        return r;
    }
    return created;
}

int shmap__sync_open(const struct shmap_obj_ops *ops, const char *name, uint32_t access,
                     unsigned flags, shmap_handle_t *out)
{
    shmap_type_t type = ops->type;
    struct shmap_name n;
    int r = shmap__name_parse_open(name, flags, &n);
    if (r)
        return r;
    struct shmap_obj *o;
    if ((r = shmap__named_open(ops, &n, &o)) != 0)
        return r;
    uint32_t granted;
    r = shmap__objsec_check(type, o->fd, access, false, &granted);
    if (r) {
        shmap__obj_handle_put(o);
        return r;
    }
    return shmap__named_handle(o, granted, flags, out);
}

int shmap__sync_get(shmap_handle_t h, shmap_type_t type, uint32_t right, struct shmap_obj **o,
                    struct shmap_sync **s)
{
    uint32_t access;
    int r = shmap__handle_get_type(h, type, o, &access);
    if (r)
        return r == -EBADF ? -EBADF : r;
    if (right && !(access & right)) {
        shmap__obj_put(*o);
        return -EACCES;
    }
    *s = shmap__sync_of(*o);
    return 0;
}
