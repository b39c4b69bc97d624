/*
 * sddl.c - the Security Descriptor Definition Language both ways:
 * "O:<sid>G:<sid>D:<flags>(<ace>)...S:<flags>(<ace>)...", an ACE being
 * "(type;flags;rights;object_guid;inherit_object_guid;sid)".
 *
 * What Windows accepts and the error it gives (docs/security.md): white
 * space may come before every component and every ACE field, and after the
 * SID of an ACE, nowhere else (after the type or the rights it is
 * ERROR_INVALID_ACL); codes are case-sensitive; anything wrong inside D: or
 * S: is ERROR_INVALID_ACL (an unknown SID alias included), an unknown
 * component ERROR_INVALID_PARAMETER.  Writing follows Windows: aliases for
 * well-known SIDs, rights as codes when every bit has one (a few masks
 * have a code of their own: FA, KR...), else "0x" and lower-case hex.
 */
#include <ctype.h>
#include <string.h>

#include "base/probe.h"
#include "ns.h"

struct code {
    char name[3];
    uint32_t value;
};

static const struct code ace_types[] = {
    {"A", SHMAP_ACE_ALLOWED}, {"D", SHMAP_ACE_DENIED},           {"AU", SHMAP_ACE_AUDIT},
    {"AL", SHMAP_ACE_ALARM},  {"ML", SHMAP_ACE_MANDATORY_LABEL},
};

/* In bit order: the order Windows writes them. */
static const struct code ace_flags[] = {
    {"OI", 0x01}, {"CI", 0x02}, {"NP", 0x04}, {"IO", 0x08},
    {"ID", 0x10}, {"SA", 0x40}, {"FA", 0x80},
};

/* Masks that have a code of their own (written only for exactly that mask). */
static const struct code whole_rights[] = {
    {"FA", 0x001F01FF}, {"FR", 0x00120089}, {"FW", 0x00120116}, {"FX", 0x001200A0},
    {"KA", 0x000F003F}, {"KR", 0x00020019}, {"KW", 0x00020006}, {"KX", 0x00020019},
};

/* One bit each, in bit order. */
static const struct code bit_rights[] = {
    {"CC", 0x00000001}, {"DC", 0x00000002}, {"LC", 0x00000004}, {"SW", 0x00000008},
    {"RP", 0x00000010}, {"WP", 0x00000020}, {"DT", 0x00000040}, {"LO", 0x00000080},
    {"CR", 0x00000100}, {"SD", 0x00010000}, {"RC", 0x00020000}, {"WD", 0x00040000},
    {"WO", 0x00080000}, {"GA", 0x10000000}, {"GX", 0x20000000}, {"GW", 0x40000000},
    {"GR", 0x80000000},
};

/* The mandatory label's bits (ML ACEs). */
static const struct code label_rights[] = {{"NW", 0x1}, {"NR", 0x2}, {"NX", 0x4}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- parsing ----------------------------------------------------------------- */

struct parse {
    const char *p;
    uint8_t owner[SHMAP_SID_MAX], group[SHMAP_SID_MAX];
    bool has_owner, has_group;
    uint16_t control;
    struct shmap_aclbuf acl[2]; /* 0 DACL, 1 SACL */
    bool present[2], null_acl[2];
};

static void skip_space(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
}

/* Consume c at *p, if it is there (never steps over the terminating NUL). */
static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

/* A code of table t at *p (names of 1 or 2 letters, the longest match). */
static const struct code *match(const struct code *t, size_t n, const char **p)
{
    const struct code *best = NULL;
    size_t bl = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(t[i].name);
        if (l > bl && !strncmp(*p, t[i].name, l)) {
            best = &t[i];
            bl = l;
        }
    }
    *p += bl;
    return best;
}

/* A number as strtoul(…, 0) reads it: 0x hex, 0 octal, else decimal. */
static int number(const char **p, uint32_t *out)
{
    const char *s = *p;
    unsigned base = 10;
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
        base = 16;
        s += 2;
    } else if (s[0] == '0') {
        base = 8;
    }
    for (;; s++) {
        int c = (unsigned char)*s, d = isdigit(c)    ? c - '0'
                                       : isxdigit(c) ? (c | 0x20) - 'a' + 10
                                                     : 99;
        if (d >= (int)base)
            break;
        v = v * base + (uint64_t)d;
        if (v > 0xFFFFFFFFu)
            return SHMAP_EBADACL;
    }
    *p = s;
    *out = (uint32_t)v;
    return 0;
}

static int parse_rights(const char **p, uint32_t *mask)
{
    skip_space(p);
    *mask = 0;
    if (isdigit((unsigned char)**p))
        return number(p, mask);
    while (**p != ';') {
        const struct code *c = match(whole_rights, N(whole_rights), p);
        if (!c)
            c = match(bit_rights, N(bit_rights), p);
        if (!c)
            c = match(label_rights, N(label_rights), p);
        if (!c)
            return SHMAP_EBADACL;
        *mask |= c->value;
    }
    return 0;
}

static int parse_ace(struct parse *st, int which)
{
    const char **p = &st->p;
    uint32_t flags = 0, mask;
    skip_space(p);
    const struct code *type = match(ace_types, N(ace_types), p);
    if (!type || !expect(p, ';'))
        return SHMAP_EBADACL;
    skip_space(p);
    while (**p != ';') {
        const struct code *f = match(ace_flags, N(ace_flags), p);
        if (!f)
            return SHMAP_EBADACL;
        flags |= f->value;
    }
    (*p)++;
    if (parse_rights(p, &mask) || !expect(p, ';'))
        return SHMAP_EBADACL;
    for (int guid = 0; guid < 2; guid++) { /* object ACEs are not supported: empty */
        skip_space(p);
        if (!expect(p, ';'))
            return SHMAP_EBADACL;
    }
    skip_space(p);
    uint8_t sid[SHMAP_SID_MAX];
    size_t used;
    if (shmap__sid_parse(*p, true, &used, sid) < 0)
        return SHMAP_EBADACL;
    *p += used;
    skip_space(p);
    if (!expect(p, ')'))
        return SHMAP_EBADACL;
    shmap__aclbuf_add(&st->acl[which], (uint8_t)type->value, (uint8_t)flags, mask, sid);
    return 0;
}

static int parse_acl(struct parse *st, int which)
{
    static const struct code dflags[] = {{"P", 0x1000}, {"AR", 0x0100}, {"AI", 0x0400}};
    static const char nac[] = "NO_ACCESS_CONTROL";
    st->present[which] = true;
    for (;;) {
        skip_space(&st->p);
        if (!strncmp(st->p, nac, sizeof nac - 1)) {
            st->p += sizeof nac - 1;
            st->null_acl[which] = true;
            continue;
        }
        const struct code *f = match(dflags, N(dflags), &st->p);
        if (!f)
            break;
        st->control |= (uint16_t)(f->value << which); /* the SACL's bit is the next one */
    }
    while (*st->p == '(') {
        st->p++;
        if (st->null_acl[which])
            return SHMAP_EBADACL;
        int r = parse_ace(st, which);
        if (r)
            return r;
        skip_space(&st->p);
    }
    return 0;
}

static int parse_component(struct parse *st)
{
    char tag = st->p[0];
    if (!tag || st->p[1] != ':')
        return -EINVAL;
    st->p += 2;
    if (tag == 'O' || tag == 'G') {
        bool *has = tag == 'O' ? &st->has_owner : &st->has_group;
        size_t used;
        if (*has)
            return -EINVAL;
        skip_space(&st->p);
        if (shmap__sid_parse(st->p, true, &used, tag == 'O' ? st->owner : st->group) < 0)
            return SHMAP_EBADSID;
        st->p += used;
        *has = true;
        return 0;
    }
    if (tag != 'D' && tag != 'S')
        return -EINVAL;
    int which = tag == 'S';
    return st->present[which] ? -EINVAL : parse_acl(st, which);
}

int shmap__sddl_parse(const char *s, void **sd, size_t *len)
{
    struct parse st;
    memset(&st, 0, sizeof st);
    st.p = s;
    shmap__aclbuf_init(&st.acl[0]);
    shmap__aclbuf_init(&st.acl[1]);
    int r = 0;
    for (skip_space(&st.p); *st.p && r == 0;) {
        r = parse_component(&st);
        skip_space(&st.p);
    }
    for (int i = 0; i < 2 && r == 0; i++)
        if (st.present[i] && !st.null_acl[i])
            r = shmap__aclbuf_end(&st.acl[i]);
    if (r == 0) {
        struct shmap_sd_view v = {st.control, st.has_owner ? st.owner : NULL,
                                  st.has_group ? st.group : NULL, NULL, NULL};
        v.control |= (st.present[0] ? SHMAP_SE_DACL_PRESENT : 0) |
                     (st.present[1] ? SHMAP_SE_SACL_PRESENT : 0);
        v.dacl = st.present[0] && !st.null_acl[0] ? st.acl[0].p : NULL;
        v.sacl = st.present[1] && !st.null_acl[1] ? st.acl[1].p : NULL;
        r = shmap__sd_build(&v, sd, len);
    }
    free(st.acl[0].p);
    free(st.acl[1].p);
    return r;
}

/* ---- writing ----------------------------------------------------------------- */

struct out {
    char *s;
    size_t len, cap;
    int err;
};

static void put(struct out *o, const char *s)
{
    size_t l = strlen(s);
    if (o->err)
        return;
    if (o->len + l + 1 > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 128) + l;
        char *n = realloc(o->s, cap);
        if (!n) {
            o->err = -ENOMEM;
            return;
        }
        o->s = n;
        o->cap = cap;
    }
    memcpy(o->s + o->len, s, l + 1);
    o->len += l;
}

static void put_rights(struct out *o, uint32_t mask, bool label)
{
    for (size_t i = 0; i < N(whole_rights); i++)
        if (mask == whole_rights[i].value && !label) {
            put(o, whole_rights[i].name);
            return;
        }
    const struct code *low = label ? label_rights : bit_rights;
    size_t nlow = label ? N(label_rights) : 0;
    uint32_t rest = mask;
    for (size_t i = 0; i < nlow; i++)
        rest &= ~low[i].value;
    for (size_t i = 0; i < N(bit_rights); i++)
        if (!label || bit_rights[i].value > 0x4)
            rest &= ~bit_rights[i].value;
    if (rest) {
        char buf[16];
        snprintf(buf, sizeof buf, "0x%x", (unsigned)mask);
        put(o, buf);
        return;
    }
    for (size_t i = 0; i < nlow; i++)
        if (mask & low[i].value)
            put(o, low[i].name);
    for (size_t i = 0; i < N(bit_rights); i++)
        if ((mask & bit_rights[i].value) && (!label || bit_rights[i].value > 0x4))
            put(o, bit_rights[i].name);
}

static int put_ace(struct out *o, const uint8_t *e)
{
    const char *type = NULL;
    for (size_t i = 0; i < N(ace_types); i++)
        if (ace_types[i].value == e[0])
            type = ace_types[i].name;
    uint8_t rest = e[1];
    for (size_t i = 0; i < N(ace_flags); i++)
        rest &= (uint8_t)~ace_flags[i].value;
    if (!type || rest)
        return SHMAP_EBADACL; /* a flag SDDL cannot write */
    put(o, "(");
    put(o, type);
    put(o, ";");
    for (size_t i = 0; i < N(ace_flags); i++)
        if (e[1] & ace_flags[i].value)
            put(o, ace_flags[i].name);
    put(o, ";");
    put_rights(o,
               (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 | (uint32_t)e[7] << 24,
               e[0] == SHMAP_ACE_MANDATORY_LABEL);
    put(o, ";;;");
    char sid[SHMAP_SID_STRMAX];
    shmap__sid_format(e + 8, true, sid);
    put(o, sid);
    put(o, ")");
    return 0;
}

static int put_acl(struct out *o, char tag, const uint8_t *acl, uint16_t control, int which)
{
    char head[3] = {tag, ':', 0};
    put(o, head);
    if (control & (SHMAP_SE_DACL_PROTECTED << which))
        put(o, "P");
    if (control & (SHMAP_SE_DACL_AUTO_INHERIT_REQ << which))
        put(o, "AR");
    if (control & (SHMAP_SE_DACL_AUTO_INHERITED << which))
        put(o, "AI");
    if (!acl) {
        put(o, "NO_ACCESS_CONTROL");
        return 0;
    }
    size_t off = SHMAP_ACL_HDR, count = (size_t)(acl[4] | acl[5] << 8);
    for (size_t i = 0; i < count; i++) {
        int r = put_ace(o, acl + off);
        if (r)
            return r;
        off += (size_t)(acl[off + 2] | acl[off + 3] << 8);
    }
    return 0;
}

static void put_sid(struct out *o, const char *tag, const uint8_t *sid)
{
    char buf[SHMAP_SID_STRMAX];
    shmap__sid_format(sid, true, buf);
    put(o, tag);
    put(o, buf);
}

int shmap__sddl_format(const void *sd, size_t len, uint32_t info, char **res)
{
    struct shmap_sd_view v;
    int r = shmap__sd_parse(sd, len, &v);
    if (r)
        return r;
    struct out o = {NULL, 0, 0, 0};
    put(&o, "");
    if ((info & SHMAP_OWNER_SECURITY_INFORMATION) && v.owner)
        put_sid(&o, "O:", v.owner);
    if ((info & SHMAP_GROUP_SECURITY_INFORMATION) && v.group)
        put_sid(&o, "G:", v.group);
    if ((info & SHMAP_DACL_SECURITY_INFORMATION) && (v.control & SHMAP_SE_DACL_PRESENT))
        r = put_acl(&o, 'D', v.dacl, v.control, 0);
    if (!r && (info & SHMAP_SACL_SECURITY_INFORMATION) && (v.control & SHMAP_SE_SACL_PRESENT))
        r = put_acl(&o, 'S', v.sacl, v.control, 1);
    if (!r)
        r = o.err;
    if (r) {
        free(o.s);
        return r;
    }
    *res = o.s;
    return 0;
}

/* ---- the public calls -------------------------------------------------------- */

SHMAP_EXTERN int shmap_sd_from_sddl(const char *s, void **sd, size_t *len)
{
    if (SHMAP_PROBE_OUT(sd) || (len && SHMAP_PROBE_OUT(len)))
        return -EFAULT;
    if (!s)
        return -EINVAL;
    void *p;
    size_t l;
    int r = shmap__sddl_parse(s, &p, &l);
    if (r)
        return r;
    *sd = p;
    if (len)
        *len = l;
    return 0;
}

SHMAP_EXTERN int shmap_sd_to_sddl(const void *sd, size_t len, uint32_t info, char **out)
{
    if (SHMAP_PROBE_OUT(out) || (len && shmap__probe_read(sd, len)))
        return -EFAULT;
    if (!sd)
        return SHMAP_EBADSD;
    return shmap__sddl_format(sd, len, info, out);
}
