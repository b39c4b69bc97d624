/*
 * dup.c - DuplicateHandle: a handle of one process (ours or another's)
 * made anew in a process (ours or another's), with the access asked for or
 * the same, closing the source if asked.  Within this process it is the
 * handle table's work; across processes xfer.c's.
 */
#include "proc.h"

/* The object of src in process sp, with one handle count and reference. */
static int dup_source(struct shmap_process *sp, shmap_handle_t src, struct shmap_obj **o,
                      uint32_t *access, uint32_t *hflags)
{
    if (src == SHMAP_CURRENT_PROCESS) { /* that process itself */
        shmap__obj_handle_get(&sp->obj);
        *o = &sp->obj;
        *access = SHMAP_PROCESS_ALL_ACCESS;
        *hflags = 0;
        return 0;
    }
    if (src == SHMAP_CURRENT_THREAD) {
        if (!sp->self)
            return SHMAP_ENOTSUP; /* another process's current thread: unknowable */
        int r = shmap__thread_self(o);
        if (r)
            return r;
        shmap__obj_handle_get(*o);
        shmap__obj_put(*o);
        *access = SHMAP_THREAD_ALL_ACCESS;
        *hflags = 0;
        return 0;
    }
    if (!sp->self)
        return shmap__xfer_get(sp, src, o, access, hflags);
    int r = shmap__handle_get(src, o, access);
    if (r)
        return r;
    if (shmap_handle_get_flags(src, hflags) != 0)
        *hflags = 0;
    shmap__obj_handle_get(*o);
    shmap__obj_put(*o);
    return 0;
}

SHMAP_EXTERN int shmap_handle_duplicate(shmap_handle_t src_process, shmap_handle_t src,
                                        shmap_handle_t dst_process, uint32_t access,
                                        unsigned options, unsigned flags, shmap_handle_t *out)
{
    struct shmap_process *sp = NULL, *dp = NULL;
    int r = shmap__process_get(src_process, SHMAP_PROCESS_DUP_HANDLE, &sp);
    if (r)
        return r;
    struct shmap_obj *o = NULL;
    uint32_t src_access = 0, src_flags = 0;
    r = dup_source(sp, src, &o, &src_access, &src_flags);
    /* no target with DUPLICATE_CLOSE_SOURCE: Windows just closes the source
     * (Wine fails with 6; the reference follows Windows, §8.5) */
    bool close_only = dst_process == SHMAP_NULL_HANDLE && (options & SHMAP_DUPLICATE_CLOSE_SOURCE);
    if (r == 0 && !close_only)
        r = dst_process == SHMAP_NULL_HANDLE
                ? -EBADF
                : shmap__process_get(dst_process, SHMAP_PROCESS_DUP_HANDLE, &dp);
    uint32_t a = src_access;
    if (r == 0 && !close_only && !(options & SHMAP_DUPLICATE_SAME_ACCESS)) {
        if (o->type == SHMAP_TYPE_FILE) { /* a file's rights are fixed when it is opened */
            a = (access & SHMAP_MAXIMUM_ALLOWED) ? src_access
                                                 : shmap__access_map_generic(o->type, access);
            if (a & ~src_access)
                r = -EACCES;
        } else if (shmap__access_valid_mask(o->type)) { /* as an open would be checked */
            r = shmap__access_check_dup(o->type, access, &a);
            /* asking for more than the source had: the object's DACL
             * decides, as an open's would (§10.4) */
            if (r == 0 && (a & ~src_access) && o->fd >= 0 && o->type <= SHMAP_TYPE_NAMED_MAX)
                r = shmap__objsec_check(o->type, o->fd, a, true, &a);
        } else {
            a = shmap__access_map_generic(o->type, access);
        }
    }
    shmap_handle_t h = SHMAP_NULL_HANDLE;
    uint32_t hf = (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0;
    if (options & SHMAP_DUPLICATE_SAME_ATTRIBUTES)
        hf = src_flags & (SHMAP_HANDLE_INHERIT | SHMAP_HANDLE_PROTECT_FROM_CLOSE);
    bool real_src = src != SHMAP_CURRENT_PROCESS && src != SHMAP_CURRENT_THREAD;
    bool moved = false; /* the source's value became the duplicate */
    if (r == 0 && close_only) {
        /* nothing to make */
    } else if (r == 0 && dp->self && sp->self && real_src &&
               (options & SHMAP_DUPLICATE_CLOSE_SOURCE)) {
        /* within this process the closed source's value is given back
         * (Windows); a protected source is not closed: a new value */
        moved = shmap__handle_reissue(src, o, a, hf, &h) == 0;
        if (!moved && (r = shmap__handle_alloc(o, a, hf, &h)) == 0)
            o = NULL;
    } else if (r == 0 && dp->self) {
        r = shmap__handle_alloc(o, a, hf, &h);
        if (r == 0)
            o = NULL; /* the handle has its count */
    } else if (r == 0) {
        r = shmap__xfer_put(dp, o, a, hf, &h);
    }
    if (o) /* moved: the entry kept the source's count, this one goes */
        shmap__obj_handle_put(o);
    if ((options & SHMAP_DUPLICATE_CLOSE_SOURCE) && real_src && !moved) {
        if (sp->self) {
            uint32_t f = 0;
            if (shmap_handle_get_flags(src, &f) == 0 && !(f & SHMAP_HANDLE_PROTECT_FROM_CLOSE))
                shmap_close(src);
        } else {
            shmap__xfer_close(sp, src);
        }
    }
    if (dp)
        shmap__obj_put(&dp->obj);
    shmap__obj_put(&sp->obj);
    if (r == 0 && out)
        *out = h;
    return r;
}
