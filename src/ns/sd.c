/*
 * sd.c - ACLs and self-relative security descriptors (MS-DTYP 2.4.4-2.4.6):
 * validation of hostile bytes, building, the access check, the default
 * descriptor of a new object and what creation does with a given one.
 *
 * Every field is read with byte loads within the length the caller gave:
 * a stored descriptor comes from a file another user may have written.
 */
#include <string.h>
#include <unistd.h>

#include "base/probe.h"
#include "ns.h"

#define OWN_RIGHTS (SHMAP_READ_CONTROL | SHMAP_WRITE_DAC) /* the owner's implicit rights */
#define GENERIC_BITS                                                                               \
    (SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE | SHMAP_GENERIC_EXECUTE | SHMAP_GENERIC_ALL)
#define ACL_MAX 0xFFFCu

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ACE types whose body is a mask and a SID. */
static bool known_type(uint8_t t)
{
    return t <= SHMAP_ACE_ALARM || t == SHMAP_ACE_MANDATORY_LABEL;
}

/* ---- validation ------------------------------------------------------------- */

int shmap__acl_check(const void *p, size_t avail)
{
    const uint8_t *a = p;
    if (avail < SHMAP_ACL_HDR || a[0] < 2 || a[0] > 4)
        return SHMAP_EBADACL;
    size_t size = get16(a + 2), count = get16(a + 4), off = SHMAP_ACL_HDR;
    if (size < SHMAP_ACL_HDR || size > avail)
        return SHMAP_EBADACL;
    for (size_t i = 0; i < count; i++) {
        if (size - off < 4)
            return SHMAP_EBADACL;
        const uint8_t *e = a + off;
        size_t esz = get16(e + 2);
        if (esz < 8 || esz > size - off || (esz & 3) || !known_type(e[0]) ||
            shmap__sid_len(e + 8, esz - 8) == 0)
            return SHMAP_EBADACL;
        off += esz;
    }
    return 0;
}

/* The part at offset off of a descriptor of len bytes: a SID (acl false)
 * or an ACL; NULL for offset 0.  err set when it is not valid. */
static const uint8_t *part(const uint8_t *sd, size_t len, uint32_t off, bool acl, int *err)
{
    if (off == 0)
        return NULL;
    if (off < SHMAP_SD_HDR || off >= len) {
        *err = SHMAP_EBADSD;
        return NULL;
    }
    if (acl ? shmap__acl_check(sd + off, len - off) != 0 : shmap__sid_len(sd + off, len - off) == 0)
        *err = acl ? SHMAP_EBADACL : SHMAP_EBADSID;
    return sd + off;
}

int shmap__sd_parse(const void *sd, size_t len, struct shmap_sd_view *v)
{
    const uint8_t *s = sd;
    if (len < SHMAP_SD_HDR)
        return SHMAP_EBADSD;
    if (s[0] != 1)
        return SHMAP_EREVISION;
    uint16_t c = get16(s + 2);
    if (!(c & SHMAP_SE_SELF_RELATIVE))
        return SHMAP_EBADSD;
    int err = 0;
    v->control = c;
    v->owner = part(s, len, get32(s + 4), false, &err);
    v->group = part(s, len, get32(s + 8), false, &err);
    v->sacl = (c & SHMAP_SE_SACL_PRESENT) ? part(s, len, get32(s + 12), true, &err) : NULL;
    v->dacl = (c & SHMAP_SE_DACL_PRESENT) ? part(s, len, get32(s + 16), true, &err) : NULL;
    return err;
}

/* ---- building ------------------------------------------------------------------ */

static size_t sid_size(const uint8_t *sid)
{
    return sid ? 8u + 4u * sid[1] : 0;
}
static size_t acl_size(const uint8_t *acl)
{
    return acl ? get16(acl + 2) : 0;
}

int shmap__sd_build(const struct shmap_sd_view *v, void **out, size_t *len)
{
    const uint8_t *parts[4] = {v->sacl, v->dacl, v->owner, v->group}; /* Windows' order */
    size_t sizes[4] = {acl_size(v->sacl), acl_size(v->dacl), sid_size(v->owner),
                       sid_size(v->group)};
    static const unsigned field[4] = {12, 16, 4, 8};
    size_t total = SHMAP_SD_HDR;
    for (int i = 0; i < 4; i++)
        total += sizes[i];
    uint8_t *s = calloc(1, total);
    if (!s)
        return -ENOMEM;
    uint32_t c = (v->control | SHMAP_SE_SELF_RELATIVE) & ~(uint32_t)SHMAP_SE_RM_CONTROL_VALID;
    if (v->dacl)
        c |= SHMAP_SE_DACL_PRESENT;
    if (v->sacl)
        c |= SHMAP_SE_SACL_PRESENT;
    s[0] = 1;
    put16(s + 2, c);
    size_t off = SHMAP_SD_HDR;
    for (int i = 0; i < 4; i++) {
        if (!parts[i])
            continue;
        memcpy(s + off, parts[i], sizes[i]);
        put32(s + field[i], (uint32_t)off);
        off += sizes[i];
    }
    *out = s;
    *len = total;
    return 0;
}

void shmap__aclbuf_init(struct shmap_aclbuf *b)
{
    memset(b, 0, sizeof *b);
    b->len = SHMAP_ACL_HDR;
}

void shmap__aclbuf_add(struct shmap_aclbuf *b, uint8_t type, uint8_t flags, uint32_t mask,
                       const void *sid)
{
    size_t sl = sid_size(sid), need = b->len + 8 + sl;
    if (b->err)
        return;
    if (need > ACL_MAX || b->count == 0xFFFFu) {
        b->err = SHMAP_EBADACL;
        return;
    }
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        uint8_t *p = realloc(b->p, cap < need ? need : cap);
        if (!p) {
            b->err = -ENOMEM;
            return;
        }
        b->p = p;
        b->cap = cap < need ? need : cap;
    }
    uint8_t *e = b->p + b->len;
    e[0] = type;
    e[1] = flags;
    put16(e + 2, (uint32_t)(8 + sl));
    put32(e + 4, mask);
    memcpy(e + 8, sid, sl);
    b->len = need;
    b->count++;
}

int shmap__aclbuf_end(struct shmap_aclbuf *b)
{
    if (b->err)
        return b->err;
    if (!b->p && !(b->p = malloc(SHMAP_ACL_HDR)))
        return -ENOMEM;
    memset(b->p, 0, SHMAP_ACL_HDR);
    b->p[0] = SHMAP_ACL_REVISION;
    put16(b->p + 2, (uint32_t)b->len);
    put16(b->p + 4, b->count);
    return 0;
}

/* ---- tokens and the access check ------------------------------------------------ */

static bool in_groups(const struct shmap_token *t, uint32_t gid)
{
    if (t->gid == gid)
        return true;
    for (size_t i = 0; i < t->ngroups; i++)
        if (t->groups[i] == gid)
            return true;
    return false;
}

/* Does the token hold sid?  (struct shmap_token says which SIDs it holds.) */
static bool token_has(const struct shmap_token *t, const void *sid)
{
    uint32_t id;
    switch (shmap__sid_classify(sid, &id)) {
    case SHMAP_SIDC_USER:
        return id == t->uid;
    case SHMAP_SIDC_GROUP:
        return in_groups(t, id);
    case SHMAP_SIDC_EVERYONE:
    case SHMAP_SIDC_AUTHENTICATED:
        return true;
    case SHMAP_SIDC_ROOT:
        return t->uid == 0;
    default:
        return false;
    }
}

static uint32_t map_generic(uint32_t m, const uint32_t map[4])
{
    uint32_t out = m & ~(uint32_t)GENERIC_BITS;
    if (m & SHMAP_GENERIC_READ)
        out |= map[0];
    if (m & SHMAP_GENERIC_WRITE)
        out |= map[1];
    if (m & SHMAP_GENERIC_EXECUTE)
        out |= map[2];
    if (m & SHMAP_GENERIC_ALL)
        out |= map[3];
    return out;
}

/* Does the DACL hold an OWNER RIGHTS ACE that applies to the object? */
static bool has_owner_rights(const uint8_t *acl)
{
    size_t off = SHMAP_ACL_HDR, count = get16(acl + 4);
    uint32_t id;
    for (size_t i = 0; i < count; off += get16(acl + off + 2), i++)
        if (!(acl[off + 1] & SHMAP_ACE_INHERIT_ONLY) &&
            shmap__sid_classify(acl + off + 8, &id) == SHMAP_SIDC_OWNER_RIGHTS)
            return true;
    return false;
}

/* Walk the DACL in order; the first ACE that decides a bit decides it.
 * want: the bits asked (all bits for MAXIMUM_ALLOWED).  Returns the bits
 * granted; *denied: a bit of want was denied first. */
static uint32_t walk(const struct shmap_sd_view *v, const struct shmap_token *t, uint32_t want,
                     bool all, const uint32_t map[4], bool *denied)
{
    const uint8_t *acl = v->dacl;
    bool owner = v->owner && token_has(t, v->owner), ow = has_owner_rights(acl);
    uint32_t granted = (owner && !ow) ? OWN_RIGHTS : 0, refused = 0, id;
    size_t off = SHMAP_ACL_HDR, count = get16(acl + 4);
    *denied = false;
    for (size_t i = 0; i < count; off += get16(acl + off + 2), i++) {
        const uint8_t *e = acl + off;
        if ((e[1] & SHMAP_ACE_INHERIT_ONLY) || e[0] > SHMAP_ACE_DENIED)
            continue;
        bool match = shmap__sid_classify(e + 8, &id) == SHMAP_SIDC_OWNER_RIGHTS
                         ? owner
                         : token_has(t, e + 8);
        if (!match)
            continue;
        uint32_t m = map_generic(get32(e + 4), map) & want;
        if (e[0] == SHMAP_ACE_ALLOWED) {
            granted |= m & ~refused;
        } else {
            refused |= m & ~granted;
            if (m & ~granted && !all)
                *denied = true;
        }
        if (*denied || (!all && (want & ~granted) == 0))
            break;
    }
    return granted;
}

int shmap__sd_access_check(const void *sd, size_t len, const struct shmap_token *tok,
                           uint32_t desired, const uint32_t map[4], uint32_t *granted)
{
    struct shmap_sd_view v;
    int r = shmap__sd_parse(sd, len, &v);
    if (r)
        return r;
    uint32_t want = map_generic(desired, map);
    if (want & SHMAP_ACCESS_SYSTEM_SECURITY)
        return SHMAP_EPRIV;
    bool max = want & SHMAP_MAXIMUM_ALLOWED;
    want &= ~SHMAP_MAXIMUM_ALLOWED;
    if (!max && want == 0)
        return -EACCES;
    if (!v.dacl) { /* no DACL, or a NULL DACL: everything */
        *granted = want | (max ? map[3] : 0);
        return 0;
    }
    bool denied;
    uint32_t all = ~(uint32_t)(SHMAP_MAXIMUM_ALLOWED | SHMAP_ACCESS_SYSTEM_SECURITY);
    uint32_t g = walk(&v, tok, max ? all : want, max, map, &denied);
    if (denied || (want & ~g) || (max && g == 0))
        return -EACCES;
    *granted = max ? g : want;
    return 0;
}

int shmap__token_current(struct shmap_token *t)
{
    int n = getgroups(0, NULL);
    if (n < 0)
        return -errno;
    gid_t *groups = malloc(((size_t)n + 1) * sizeof *groups);
    if (!groups)
        return -ENOMEM;
    n = getgroups(n, groups);
    if (n < 0) {
        int e = -errno;
        free(groups);
        return e;
    }
    _Static_assert(sizeof(gid_t) == sizeof(uint32_t), "a gid is 32 bits");
    *t = (struct shmap_token){shmap__uid(), shmap__gid(), (const uint32_t *)groups, (size_t)n};
    return 0;
}

size_t shmap__token_sids(const struct shmap_token *tok, uint8_t *out, size_t cap, size_t *count)
{
    uint8_t sid[SHMAP_SID_MAX];
    size_t need = 0, n = 0;
    for (size_t i = 0; i < tok->ngroups + 6; i++) {
        size_t l;
        static const uint32_t ba[2] = {32, 544}, one[1] = {0}, au[1] = {11}, sy[1] = {18};
        if (i == 0)
            l = shmap__sid_unix(false, tok->uid, sid);
        else if (i == 1)
            l = shmap__sid_unix(true, tok->gid, sid);
        else if (i < tok->ngroups + 2)
            l = shmap__sid_unix(true, tok->groups[i - 2], sid);
        else if (i == tok->ngroups + 2)
            l = shmap__sid_make(1, 1, one, sid); /* Everyone */
        else if (i == tok->ngroups + 3)
            l = shmap__sid_make(5, 1, au, sid); /* Authenticated Users */
        else if (tok->uid != 0)
            break;
        else
            l = i == tok->ngroups + 4 ? shmap__sid_make(5, 1, sy, sid)
                                      : shmap__sid_make(5, 2, ba, sid);
        if (need + l <= cap)
            memcpy(out + need, sid, l);
        need += l;
        n++;
    }
    *count = n;
    return need;
}

/* ---- object creation ------------------------------------------------------------ */

/* The default DACL into b: the user, SYSTEM and Administrators may do all. */
static void default_dacl(struct shmap_aclbuf *b, uint32_t uid, const uint32_t map[4])
{
    uint8_t sid[SHMAP_SID_MAX];
    static const uint32_t sy[1] = {18}, ba[2] = {32, 544};
    shmap__sid_unix(false, uid, sid);
    shmap__aclbuf_add(b, SHMAP_ACE_ALLOWED, 0, map[3], sid);
    shmap__sid_make(5, 1, sy, sid);
    shmap__aclbuf_add(b, SHMAP_ACE_ALLOWED, 0, map[3], sid);
    shmap__sid_make(5, 2, ba, sid);
    shmap__aclbuf_add(b, SHMAP_ACE_ALLOWED, 0, map[3], sid);
}

int shmap__sd_default(uint32_t uid, uint32_t gid, const uint32_t map[4], void **sd, size_t *len)
{
    uint8_t owner[SHMAP_SID_MAX], group[SHMAP_SID_MAX];
    struct shmap_aclbuf b;
    shmap__aclbuf_init(&b);
    default_dacl(&b, uid, map);
    int r = shmap__aclbuf_end(&b);
    if (r == 0) {
        shmap__sid_unix(false, uid, owner);
        shmap__sid_unix(true, gid, group);
        struct shmap_sd_view v = {SHMAP_SE_DACL_PRESENT, owner, group, NULL, b.p};
        r = shmap__sd_build(&v, sd, len);
    }
    free(b.p);
    return r;
}

/* The DACL of a new object from the given one (see ns.h). */
static void normalize_dacl(struct shmap_aclbuf *b, const uint8_t *acl,
                           const struct shmap_sd_view *v, const uint32_t map[4])
{
    size_t off = SHMAP_ACL_HDR, count = get16(acl + 4);
    uint32_t id;
    for (size_t i = 0; i < count; off += get16(acl + off + 2), i++) {
        const uint8_t *e = acl + off, *sid = e + 8;
        uint8_t flags = e[1];
        uint32_t mask = get32(e + 4);
        if (flags & SHMAP_ACE_INHERIT_ONLY) { /* a template for children: as given */
            shmap__aclbuf_add(b, e[0], flags, mask, sid);
            continue;
        }
        bool creator = shmap__sid_classify(sid, &id) == SHMAP_SIDC_CREATOR;
        const uint8_t *eff = !creator ? sid : (get32(sid + 8) == 0 ? v->owner : v->group);
        uint8_t inherit = flags & (SHMAP_ACE_OBJECT_INHERIT | SHMAP_ACE_CONTAINER_INHERIT);
        shmap__aclbuf_add(b, e[0], creator ? (uint8_t)(flags & ~0x0Fu) : flags,
                          map_generic(mask, map), eff);
        if (creator && inherit)
            shmap__aclbuf_add(b, e[0], flags | SHMAP_ACE_INHERIT_ONLY, mask, sid);
    }
}

int shmap__sd_normalize(const void *in, size_t len, uint32_t uid, uint32_t gid,
                        const uint32_t map[4], void **out, size_t *outlen)
{
    struct shmap_sd_view v;
    int r = shmap__sd_parse(in, len, &v);
    if (r)
        return r;
    uint8_t owner[SHMAP_SID_MAX], group[SHMAP_SID_MAX];
    if (!v.owner) {
        shmap__sid_unix(false, uid, owner);
        v.owner = owner;
        v.control &= ~SHMAP_SE_OWNER_DEFAULTED;
    }
    if (!v.group) {
        shmap__sid_unix(true, gid, group);
        v.group = group;
        v.control &= ~SHMAP_SE_GROUP_DEFAULTED;
    }
    struct shmap_aclbuf b;
    shmap__aclbuf_init(&b);
    bool null_dacl = (v.control & SHMAP_SE_DACL_PRESENT) && !v.dacl;
    if (!(v.control & SHMAP_SE_DACL_PRESENT))
        default_dacl(&b, uid, map);
    else if (v.dacl)
        normalize_dacl(&b, v.dacl, &v, map);
    r = null_dacl ? 0 : shmap__aclbuf_end(&b);
    if (r == 0) {
        v.dacl = null_dacl ? NULL : b.p;
        v.control |= SHMAP_SE_DACL_PRESENT;
        r = shmap__sd_build(&v, out, outlen);
    }
    free(b.p);
    return r;
}

int shmap__sd_walk_dacl(const void *sd, size_t len,
                        int (*fn)(const struct shmap_ace_info *ace, void *arg), void *arg)
{
    struct shmap_sd_view v;
    int r = shmap__sd_parse(sd, len, &v);
    if (r)
        return r;
    if (!v.dacl)
        return 1;
    size_t off = SHMAP_ACL_HDR, count = get16(v.dacl + 4);
    for (size_t i = 0; i < count; off += get16(v.dacl + off + 2), i++) {
        const uint8_t *e = v.dacl + off;
        struct shmap_ace_info a = {e[0], e[1], get32(e + 4), SHMAP_SIDC_OTHER, 0, e + 8};
        a.cls = shmap__sid_classify(e + 8, &a.id);
        if ((r = fn(&a, arg)) != 0)
            return r;
    }
    return 0;
}

/* ---- the public calls --------------------------------------------------------- */

SHMAP_EXTERN int shmap_acl_validate(const void *acl, size_t len)
{
    if (len && shmap__probe_read(acl, len))
        return -EFAULT;
    return acl ? shmap__acl_check(acl, len) : SHMAP_EBADACL;
}

SHMAP_EXTERN int shmap_acl_init(void *acl, size_t size, uint32_t revision)
{
    if (size < SHMAP_ACL_HDR)
        return SHMAP_ESMALL;
    if (size > 0xFFFFu || revision < 2 || revision > 4)
        return -EINVAL;
    size &= ~(size_t)3;
    if (shmap__probe_write(acl, size))
        return -EFAULT;
    uint8_t *a = acl;
    memset(a, 0, SHMAP_ACL_HDR);
    a[0] = (uint8_t)revision;
    put16(a + 2, (uint32_t)size);
    return 0;
}

/* A part given by pointer: probe and validate it. */
static int check_part(const uint8_t *p, bool acl)
{
    if (!p)
        return 0;
    if (shmap__probe_read(p, 8))
        return -EFAULT;
    size_t l = acl ? acl_size(p) : sid_size(p);
    if (shmap__probe_read(p, l))
        return -EFAULT;
    if (acl)
        return shmap__acl_check(p, l);
    return shmap__sid_len(p, l) ? 0 : SHMAP_EBADSID;
}

/* The ACL's used bytes (header and ACEs) if it is valid, else 0. */
static size_t acl_used(const uint8_t *a)
{
    if (shmap__probe_read(a, SHMAP_ACL_HDR) || shmap__probe_read(a, get16(a + 2)) ||
        shmap__acl_check(a, get16(a + 2)))
        return 0;
    size_t off = SHMAP_ACL_HDR;
    for (size_t i = 0; i < get16(a + 4); i++)
        off += get16(a + off + 2);
    return off;
}

SHMAP_EXTERN int shmap_acl_add_ace(void *acl, unsigned type, unsigned flags, uint32_t mask,
                                   const void *sid)
{
    /* in the order Windows checks: the SID, the flags, the ACL, the room */
    int r = sid ? check_part(sid, false) : SHMAP_EBADSID;
    if (r)
        return r;
    unsigned valid = SHMAP_ACE_VALID_INHERIT_FLAGS;
    if (type == SHMAP_ACE_AUDIT || type == SHMAP_ACE_ALARM)
        valid |= SHMAP_ACE_SUCCESSFUL_ACCESS | SHMAP_ACE_FAILED_ACCESS;
    if (type > SHMAP_ACE_ALARM || (flags & ~valid))
        return -EINVAL;
    uint8_t *a = acl;
    size_t used = a ? acl_used(a) : 0, sl = sid_size(sid);
    if (!used)
        return SHMAP_EBADACL;
    if (used + 8 + sl > get16(a + 2))
        return SHMAP_EACLFULL;
    uint8_t *e = a + used;
    e[0] = (uint8_t)type;
    e[1] = (uint8_t)flags;
    put16(e + 2, (uint32_t)(8 + sl));
    put32(e + 4, mask);
    memcpy(e + 8, sid, sl);
    put16(a + 4, get16(a + 4) + 1u);
    return 0;
}

SHMAP_EXTERN int shmap_sd_validate(const void *sd, size_t len)
{
    struct shmap_sd_view v;
    if (len && shmap__probe_read(sd, len))
        return -EFAULT;
    return sd ? shmap__sd_parse(sd, len, &v) : SHMAP_EBADSD;
}

/* The end of the part at offset off (a SID or an ACL), probing what it
 * reads; 0 if it does not fit in max. */
static int part_end(const uint8_t *s, uint32_t off, bool acl, size_t max, size_t *end)
{
    if (off == 0)
        return 0;
    if (off < SHMAP_SD_HDR || max < 8 || off > max - 8)
        return SHMAP_EBADSD;
    if (shmap__probe_read(s + off, 8))
        return -EFAULT;
    size_t e = off + (acl ? acl_size(s + off) : sid_size(s + off));
    if (e > max)
        return SHMAP_EBADSD;
    if (e > *end)
        *end = e;
    return 0;
}

SHMAP_EXTERN int shmap_sd_length(const void *sd, size_t max, size_t *len)
{
    const uint8_t *s = sd;
    if (SHMAP_PROBE_OUT(len) || !s || shmap__probe_read(s, SHMAP_SD_HDR))
        return -EFAULT;
    if (max < SHMAP_SD_HDR || !(get16(s + 2) & SHMAP_SE_SELF_RELATIVE))
        return SHMAP_EBADSD;
    uint16_t c = get16(s + 2);
    size_t end = SHMAP_SD_HDR;
    int r = part_end(s, get32(s + 4), false, max, &end);
    if (!r)
        r = part_end(s, get32(s + 8), false, max, &end);
    if (!r && (c & SHMAP_SE_SACL_PRESENT))
        r = part_end(s, get32(s + 12), true, max, &end);
    if (!r && (c & SHMAP_SE_DACL_PRESENT))
        r = part_end(s, get32(s + 16), true, max, &end);
    if (!r)
        *len = end;
    return r;
}

SHMAP_EXTERN int shmap_sd_make(uint32_t control, const void *owner, const void *group,
                               const void *sacl, const void *dacl, void **sd, size_t *len)
{
    if (SHMAP_PROBE_OUT(sd) || SHMAP_PROBE_OUT(len))
        return -EFAULT;
    int r = check_part(owner, false);
    if (!r)
        r = check_part(group, false);
    if (!r)
        r = check_part(sacl, true);
    if (!r)
        r = check_part(dacl, true);
    if (r)
        return r;
    struct shmap_sd_view v = {(uint16_t)control, owner, group, sacl, dacl};
    return shmap__sd_build(&v, sd, len);
}

SHMAP_EXTERN int shmap_sd_access_check(const void *sd, size_t len, const struct shmap_token *tok,
                                       uint32_t desired, const uint32_t generic_map[4],
                                       uint32_t *granted)
{
    if (SHMAP_PROBE_OUT(granted) || shmap__probe_read(generic_map, 4 * sizeof(uint32_t)) ||
        (len && shmap__probe_read(sd, len)) || (tok && shmap__probe_read(tok, sizeof *tok)))
        return -EFAULT;
    if (!sd)
        return SHMAP_EBADSD;
    struct shmap_token self = {0, 0, NULL, 0};
    if (!tok) {
        int r = shmap__token_current(&self);
        if (r)
            return r;
        tok = &self;
    } else if (tok->ngroups && shmap__probe_read(tok->groups, tok->ngroups * sizeof(uint32_t))) {
        return -EFAULT;
    }
    int r = shmap__sd_access_check(sd, len, tok, desired, generic_map, granted);
    free((void *)self.groups);
    return r;
}

SHMAP_EXTERN int shmap_token_sids(void **sids, size_t *len, size_t *count)
{
    if (SHMAP_PROBE_OUT(sids) || SHMAP_PROBE_OUT(len) || SHMAP_PROBE_OUT(count))
        return -EFAULT;
    struct shmap_token t;
    int r = shmap__token_current(&t);
    if (r)
        return r;
    size_t c, need = shmap__token_sids(&t, NULL, 0, &c);
    uint8_t *buf = malloc(need);
    if (buf)
        shmap__token_sids(&t, buf, need, &c);
    free((void *)t.groups);
    if (!buf)
        return -ENOMEM;
    *sids = buf;
    *len = need;
    *count = c;
    return 0;
}
