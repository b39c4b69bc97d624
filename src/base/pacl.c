/*
 * pacl.c - POSIX access ACLs on an object's file, without libacl.
 *
 * The kernel enforces an access ACL it finds in the xattr
 * system.posix_acl_access of a file (tmpfs has them; so do ext4, xfs,
 * btrfs).  Its value is the kernel's binary format (linux/posix_acl_xattr.h,
 * little-endian whatever the CPU):
 *
 *     u32 a_version = 2
 *     { u16 e_tag; u16 e_perm; u32 e_id; } x count
 *
 * tags in this order: USER_OBJ, USER (named users), GROUP_OBJ, GROUP (named
 * groups), MASK (required when there are named entries), OTHER; the id of a
 * tag that is not named is -1.  A named entry and the owning group grant
 * their perm AND the mask; the kernel keeps the mode's group bits equal to
 * the mask, and setting an ACL sets the mode's owner, group and other bits
 * with it, in one step.  We write named entries sorted by id, duplicates
 * merged, and the mask as the union of what they and the owning group are
 * given, so that each gets exactly what it was given.
 *
 * Setting an ACL that has no named entries and no mask (3 entries) makes
 * the kernel set the mode from it and drop the ACL (posix_acl_update_mode):
 * that is how n == 0 goes from any ACL to the mode alone in one step,
 * without the moment in between that a removal followed by fchmod has
 * (after the removal, the owning group would get the old mask).
 *
 * Where there are no ACLs (-EOPNOTSUPP), the named entries cannot simply
 * be dropped: an entry that grants less than its user's class denies
 * (shmap__pacl_narrow), so the mode left narrows the group and other bits.
 */
#include "base.h"

#include <string.h>
#include <sys/stat.h>

#define PACL_XATTR "system.posix_acl_access"
#define PACL_VERSION 2u
#define PACL_HDR 4u /* a_version */
#define PACL_ENT 8u /* e_tag, e_perm, e_id */
#define PACL_NOID 0xffffffffu

/* e_tag values (linux/posix_acl.h) */
#define TAG_USER_OBJ 0x01u
#define TAG_USER 0x02u
#define TAG_GROUP_OBJ 0x04u
#define TAG_GROUP 0x08u
#define TAG_MASK 0x10u
#define TAG_OTHER 0x20u

/* Room for SHMAP_PACL_MAX named entries and the four others. */
#define PACL_BUF (PACL_HDR + PACL_ENT * (SHMAP_PACL_MAX + 4u))

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v & 0xffu);
    p[1] = (uint8_t)((v >> 8) & 0xffu);
}
static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffffu);
    put16(p + 2, v >> 16);
}
static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] | ((unsigned)p[1] << 8);
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

static bool entry_before(const struct shmap_pacl_entry *a, const struct shmap_pacl_entry *b)
{
    return a->kind != b->kind ? a->kind < b->kind : a->id < b->id;
}

/* Sort v[0..n) (users, then groups, ids ascending) and merge the entries of
 * one user or group into one with the union of their perms; returns how
 * many are left.  An insertion sort: n <= SHMAP_PACL_MAX, and a DACL has a
 * handful. */
static size_t normalize(struct shmap_pacl_entry *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct shmap_pacl_entry x = v[i];
        size_t j = i;
        for (; j > 0 && entry_before(&x, &v[j - 1]); j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && v[m - 1].kind == v[i].kind && v[m - 1].id == v[i].id)
            v[m - 1].perm |= v[i].perm;
        else
            v[m++] = v[i];
    }
    return m;
}

static uint8_t *put_entry(uint8_t *p, unsigned tag, unsigned perm, uint32_t id)
{
    put16(p, tag);
    put16(p + 2, perm);
    put32(p + 4, id);
    return p + PACL_ENT;
}

/* The xattr value for the sorted, merged v[0..n) into buf (PACL_BUF bytes);
 * returns its length.  No mask when n == 0 (the 3-entry ACL that the
 * kernel turns into the mode alone). */
static size_t encode(uint8_t *buf, unsigned owner, unsigned group, unsigned other,
                     const struct shmap_pacl_entry *v, size_t n)
{
    unsigned mask = group;
    uint8_t *p = buf;
    put32(p, PACL_VERSION);
    p += PACL_HDR;
    p = put_entry(p, TAG_USER_OBJ, owner, PACL_NOID);
    for (size_t i = 0; i < n; i++)
        if (v[i].kind == SHMAP_PACL_USER)
            p = put_entry(p, TAG_USER, v[i].perm, v[i].id);
    p = put_entry(p, TAG_GROUP_OBJ, group, PACL_NOID);
    for (size_t i = 0; i < n; i++) {
        mask |= v[i].perm;
        if (v[i].kind == SHMAP_PACL_GROUP)
            p = put_entry(p, TAG_GROUP, v[i].perm, v[i].id);
    }
    if (n > 0)
        p = put_entry(p, TAG_MASK, mask, PACL_NOID);
    p = put_entry(p, TAG_OTHER, other, PACL_NOID);
    return (size_t)(p - buf);
}

#define PERM_RW (SHMAP_PACL_R | SHMAP_PACL_W)

/* On sorted, merged entries. */
static void narrow_merged(unsigned *group, unsigned *other, const struct shmap_pacl_entry *v,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].kind == SHMAP_PACL_USER)
            *group &= v[i].perm;
        *other &= v[i].perm;
    }
}

void shmap__pacl_narrow(unsigned *group_perm, unsigned *other_perm,
                        const struct shmap_pacl_entry *e, size_t n)
{
    struct shmap_pacl_entry v[SHMAP_PACL_MAX];
    if (n == 0)
        return;
    if (n > SHMAP_PACL_MAX) { /* unmerged: narrower still, never wider */
        narrow_merged(group_perm, other_perm, e, n);
        return;
    }
    memcpy(v, e, n * sizeof *e);
    narrow_merged(group_perm, other_perm, v, normalize(v, n));
}

int shmap__pacl_set(int fd, unsigned owner_perm, unsigned group_perm, unsigned other_perm,
                    const struct shmap_pacl_entry *e, size_t n)
{
    if ((owner_perm | group_perm | other_perm) & ~(unsigned)PERM_RW)
        return -EINVAL;
    if (n > SHMAP_PACL_MAX)
        return -E2BIG;
    if (n > 0 && !e)
        return -EINVAL;
    struct shmap_pacl_entry v[SHMAP_PACL_MAX];
    for (size_t i = 0; i < n; i++) {
        if ((e[i].kind != SHMAP_PACL_USER && e[i].kind != SHMAP_PACL_GROUP) ||
            (e[i].perm & ~(unsigned)PERM_RW) || e[i].id == PACL_NOID)
            return -EINVAL;
        v[i] = e[i];
    }
    size_t m = normalize(v, n);
    uint8_t buf[PACL_BUF];
    size_t len = encode(buf, owner_perm, group_perm, other_perm, v, m);
    unsigned mask = group_perm;
    for (size_t i = 0; i < m; i++)
        mask |= v[i].perm;
    mode_t mode = (mode_t)((owner_perm << 6) | (mask << 3) | other_perm);

    /* One step to the permissions asked for (with m == 0, mask is group). */
    if (shmap__sys_fsetxattr(fd, PACL_XATTR, buf, len, 0) != 0) {
        int err = errno;
        if (err != EOPNOTSUPP)
            return -err;
        /* No ACLs here, so none to remove: the mode is all there is. */
        if (m > 0) {
            unsigned g = group_perm, o = other_perm;
            narrow_merged(&g, &o, v, m);
            mode = (mode_t)((owner_perm << 6) | (g << 3) | o);
            return SYS(fchmod)(fd, mode) == 0 ? -EOPNOTSUPP : -errno;
        }
    }
    /* Changes no permission: the ACL (if any) already matches it. */
    if (SYS(fchmod)(fd, mode) != 0)
        return -errno;
    /* The kernel dropped the 3-entry ACL; a file system that kept it holds
     * one equivalent to the mode, which its removal does not change. */
    if (m == 0 && shmap__sys_fremovexattr(fd, PACL_XATTR) != 0 && errno != ENODATA &&
        errno != EOPNOTSUPP)
        return -errno;
    return 0;
}

/* The order of the tags, 1..6; 0 for an unknown tag. */
static int tag_rank(unsigned tag)
{
    switch (tag) {
    case TAG_USER_OBJ:
        return 1;
    case TAG_USER:
        return 2;
    case TAG_GROUP_OBJ:
        return 3;
    case TAG_GROUP:
        return 4;
    case TAG_MASK:
        return 5;
    case TAG_OTHER:
        return 6;
    default:
        return 0;
    }
}

int shmap__pacl_parse(const void *buf, size_t len, struct shmap_pacl_perms *p,
                      struct shmap_pacl_entry *e, size_t cap, size_t *n)
{
    const uint8_t *b = buf;
    if (!b || len < PACL_HDR || (len - PACL_HDR) % PACL_ENT != 0 || get32(b) != PACL_VERSION)
        return SHMAP_EBADOBJ;
    size_t count = (len - PACL_HDR) / PACL_ENT;
    struct shmap_pacl_perms r = {.acl = true};
    unsigned seen = 0; /* bit rank: the tags met */
    int rank = 0;      /* of the last entry */
    size_t named = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *q = b + PACL_HDR + i * PACL_ENT;
        unsigned tag = get16(q), perm = get16(q + 2);
        uint32_t id = get32(q + 4);
        int k = tag_rank(tag);
        bool is_named = k == 2 || k == 4;
        /* unknown tag or perm, out of order, a single tag twice */
        if (k == 0 || perm > 7u || k < rank || (k == rank && !is_named))
            return SHMAP_EBADOBJ;
        rank = k;
        seen |= 1u << k;
        if (is_named) {
            if (named < cap)
                e[named] = (struct shmap_pacl_entry){
                    .kind = k == 2 ? SHMAP_PACL_USER : SHMAP_PACL_GROUP,
                    .perm = (uint8_t)perm,
                    .id = id,
                };
            named++;
        } else if (k == 1)
            r.owner = perm;
        else if (k == 3)
            r.group = perm;
        else if (k == 5)
            r.mask = perm;
        else
            r.other = perm;
    }
    unsigned need = (1u << 1) | (1u << 3) | (1u << 6);
    if ((seen & need) != need || (named > 0 && !(seen & (1u << 5))))
        return SHMAP_EBADOBJ;
    if (!(seen & (1u << 5)))
        r.mask = r.group;
    *p = r;
    *n = named;
    return named > cap ? -ERANGE : 0;
}

/* The mode alone (no ACL, or no ACLs on this file system). */
static void perms_of_mode(mode_t mode, struct shmap_pacl_perms *p)
{
    *p = (struct shmap_pacl_perms){
        .owner = (mode >> 6) & 7u,
        .group = (mode >> 3) & 7u,
        .other = mode & 7u,
        .mask = (mode >> 3) & 7u,
        .acl = false,
    };
}

int shmap__pacl_get(int fd, struct shmap_pacl_perms *p, struct shmap_pacl_entry *e, size_t cap,
                    size_t *n)
{
    struct stat st;
    if (SYS(fstat)(fd, &st) != 0)
        return -errno;
    uint8_t small[PACL_BUF];
    uint8_t *buf = small;
    size_t size = sizeof small;
    int rc;
    /* A value larger than ours: ask its size, and again if it grew. */
    for (int tries = 0;; tries++) {
        ssize_t r = shmap__sys_fgetxattr(fd, PACL_XATTR, buf, size);
        if (r >= 0) {
            rc = shmap__pacl_parse(buf, (size_t)r, p, e, cap, n);
            break;
        }
        if (errno == ENODATA || errno == EOPNOTSUPP) {
            perms_of_mode(st.st_mode, p);
            *n = 0;
            rc = 0;
            break;
        }
        if (errno != ERANGE || tries >= 3) {
            rc = -errno;
            break;
        }
        ssize_t need = shmap__sys_fgetxattr(fd, PACL_XATTR, NULL, 0);
        if (need < 0) {
            if (errno == ENODATA)
                continue; /* removed meanwhile: the next read says so */
            rc = -errno;
            break;
        }
        if (buf != small)
            free(buf);
        size = (size_t)need + PACL_ENT;
        buf = malloc(size);
        if (!buf) {
            rc = -ENOMEM;
            break;
        }
    }
    if (buf != small)
        free(buf);
    return rc;
}
