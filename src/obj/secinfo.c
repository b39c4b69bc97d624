/*
 * secinfo.c - reading and changing the security descriptor of an object
 * through a handle (GetSecurityInfo, SetKernelObjectSecurity and their
 * kin): the parts asked for, the rights each needs (READ_CONTROL to read
 * owner, group and DACL; WRITE_DAC to change the DACL; WRITE_OWNER the
 * owner and group; the SACL needs a privilege nobody holds here), and a
 * change carried to the object file's permissions before it is stored.
 */
#include "obj.h"
#include "base/probe.h"

#include <string.h>

#define INFO_OWNER SHMAP_OWNER_SECURITY_INFORMATION
#define INFO_GROUP SHMAP_GROUP_SECURITY_INFORMATION
#define INFO_DACL SHMAP_DACL_SECURITY_INFORMATION
#define INFO_SACL SHMAP_SACL_SECURITY_INFORMATION
#define INFO_ALL (INFO_OWNER | INFO_GROUP | INFO_DACL | INFO_SACL)

/* The object of h, if it is of a type with a descriptor (a named type). */
static int sec_obj(shmap_handle_t h, struct shmap_obj **o, uint32_t *access)
{
    int r = shmap__handle_get(h, o, access);
    if (r)
        return r;
    if ((*o)->type < SHMAP_TYPE_MAPPING || (*o)->type > SHMAP_TYPE_NAMED_MAX || (*o)->fd < 0) {
        shmap__obj_put(*o);
        return SHMAP_ENOTSUP; /* files, processes, threads: not kept yet */
    }
    return 0;
}

/* The stored descriptor (or, for an object made without one, the default
 * it stands for) as a malloc'd copy. */
static int stored(struct shmap_obj *o, void **sd, size_t *len)
{
    uint8_t buf[SHMAP_SD_SLOT];
    uint32_t n, owner;
    int r = shmap__ns_sd_read(o->fd, buf, &n, &owner);
    if (r)
        return r;
    if (n == 0) {
        uint32_t map[4];
        shmap__access_generic_map(o->type, map);
        return shmap__sd_default(owner, owner, map, sd, len);
    }
    if (!(*sd = malloc(n)))
        return -ENOMEM;
    memcpy(*sd, buf, n);
    *len = n;
    return 0;
}

SHMAP_EXTERN int shmap_security_get(shmap_handle_t h, uint32_t info, void **sd, size_t *len)
{
    if (SHMAP_PROBE_OUT(sd) || SHMAP_PROBE_OUT(len))
        return -EFAULT;
    struct shmap_obj *o;
    uint32_t access;
    int r = sec_obj(h, &o, &access);
    if (r)
        return r;
    if (info & INFO_SACL)
        r = SHMAP_EPRIV; /* ACCESS_SYSTEM_SECURITY: SeSecurityPrivilege */
    else if ((info & (INFO_OWNER | INFO_GROUP | INFO_DACL)) && !(access & SHMAP_READ_CONTROL))
        r = -EACCES;
    void *all = NULL;
    size_t alen = 0;
    struct shmap_sd_view v;
    if (r == 0 && (r = stored(o, &all, &alen)) == 0 && (r = shmap__sd_parse(all, alen, &v)) == 0) {
        struct shmap_sd_view part = {.control = 0};
        part.owner = (info & INFO_OWNER) ? v.owner : NULL;
        part.group = (info & INFO_GROUP) ? v.group : NULL;
        if (info & INFO_DACL) {
            part.dacl = v.dacl;
            part.control = v.control & (SHMAP_SE_DACL_PRESENT | SHMAP_SE_DACL_DEFAULTED |
                                        SHMAP_SE_DACL_PROTECTED | SHMAP_SE_DACL_AUTO_INHERITED |
                                        SHMAP_SE_DACL_AUTO_INHERIT_REQ);
        }
        r = shmap__sd_build(&part, sd, len);
    }
    free(all);
    shmap__obj_put(o);
    return r;
}

/* The stored descriptor with the parts of info taken from given. */
static int merged(const void *old, size_t olen, const void *given, size_t glen, uint32_t info,
                  void **out, size_t *len)
{
    struct shmap_sd_view a, b;
    int r = shmap__sd_parse(old, olen, &a);
    if (r == 0)
        r = shmap__sd_parse(given, glen, &b);
    if (r)
        return r;
    if (info & INFO_OWNER) {
        if (!b.owner)
            return SHMAP_EBADSD; /* no owner given: STATUS_INVALID_OWNER */
        a.owner = b.owner;
    }
    if (info & INFO_GROUP) {
        if (!b.group)
            return SHMAP_EBADSD;
        a.group = b.group;
    }
    if (info & INFO_DACL) {
        a.dacl = b.dacl;
        a.control = (a.control & ~(uint16_t)(SHMAP_SE_DACL_PRESENT | SHMAP_SE_DACL_DEFAULTED |
                                             SHMAP_SE_DACL_PROTECTED)) |
                    (b.control &
                     (SHMAP_SE_DACL_PRESENT | SHMAP_SE_DACL_DEFAULTED | SHMAP_SE_DACL_PROTECTED));
        if (!(b.control & SHMAP_SE_DACL_PRESENT)) /* no DACL given: a NULL DACL */
            a.control |= SHMAP_SE_DACL_PRESENT;
    }
    return shmap__sd_build(&a, out, len);
}

SHMAP_EXTERN int shmap_security_set(shmap_handle_t h, uint32_t info, const void *sd, size_t len)
{
    if (!sd || shmap__probe_read(sd, len ? len : 1))
        return -EFAULT;
    if (info & ~INFO_ALL & 0xFFFFu)
        return -EINVAL;
    struct shmap_obj *o;
    uint32_t access;
    int r = sec_obj(h, &o, &access);
    if (r)
        return r;
    if (info & INFO_SACL)
        r = SHMAP_EPRIV;
    else if (((info & INFO_DACL) && !(access & SHMAP_WRITE_DAC)) ||
             ((info & (INFO_OWNER | INFO_GROUP)) && !(access & SHMAP_WRITE_OWNER)))
        r = -EACCES;
    void *old = NULL, *mix = NULL, *fin = NULL;
    size_t olen = 0, mlen = 0, flen = 0;
    uint32_t map[4];
    if (r == 0 && (r = stored(o, &old, &olen)) == 0 &&
        (r = merged(old, olen, sd, len, info, &mix, &mlen)) == 0 &&
        (r = shmap__access_generic_map(o->type, map)) == 0)
        r = shmap__sd_normalize(mix, mlen, shmap__uid(), shmap__gid(), map, &fin, &flen);
    if (r == 0 && flen > SHMAP_SD_SLOT)
        r = -ENOMEM;
    /* the kernel first: a file we may not chmod (we are not its owner)
     * keeps its old descriptor too */
    if (r == 0 && (r = shmap__objsec_apply_file(o->fd, o->type, fin, flen, false)) == -EPERM)
        r = -EACCES;
    /* a named section's data file grants what its object file grants */
    bool data = r == 0 && o->named && o->type == SHMAP_TYPE_MAPPING;
    enum shmap_scope scope;
    uint32_t uid;
    shmap__obj_where(o, &scope, &uid);
    if (data && (r = shmap__ns_data_apply(o->fd, scope, uid, o->type, fin, flen)) != 0) {
        shmap__objsec_apply_file(o->fd, o->type, old, olen, false);
        r = r == -EPERM ? -EACCES : r;
    }
    if (r == 0 && (r = shmap__ns_sd_write(o->fd, fin, flen)) != 0) {
        shmap__objsec_apply_file(o->fd, o->type, old, olen, false);
        if (data)
            shmap__ns_data_apply(o->fd, scope, uid, o->type, old, olen);
    }
    free(old);
    free(mix);
    free(fin);
    shmap__obj_put(o);
    return r;
}
