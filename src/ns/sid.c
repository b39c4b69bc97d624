/*
 * sid.c - security identifiers: the binary form (MS-DTYP 2.4.2), the
 * "S-1-5-32-544" strings and the two-letter SDDL aliases, and the SIDs of
 * Linux users and groups (S-1-22-1-<uid>, S-1-22-2-<gid>, as Samba maps
 * them).  A SID is read with byte loads only: it may sit at any address.
 */
#include <string.h>

#include "base/probe.h"
#include "ns.h"

/* The SDDL aliases Windows knows without a domain (sddl.h), in no order. */
struct alias {
    char name[3];
    uint8_t auth;
    uint8_t n;
    uint32_t sub[2];
};

static const struct alias aliases[] = {
    {"WD", 1, 1, {0, 0}},      {"CO", 3, 1, {0, 0}},     {"CG", 3, 1, {1, 0}},
    {"OW", 3, 1, {4, 0}},      {"NU", 5, 1, {2, 0}},     {"IU", 5, 1, {4, 0}},
    {"SU", 5, 1, {6, 0}},      {"AN", 5, 1, {7, 0}},     {"ED", 5, 1, {9, 0}},
    {"PS", 5, 1, {10, 0}},     {"AU", 5, 1, {11, 0}},    {"RC", 5, 1, {12, 0}},
    {"SY", 5, 1, {18, 0}},     {"LS", 5, 1, {19, 0}},    {"NS", 5, 1, {20, 0}},
    {"WR", 5, 1, {33, 0}},     {"BA", 5, 2, {32, 544}},  {"BU", 5, 2, {32, 545}},
    {"BG", 5, 2, {32, 546}},   {"PU", 5, 2, {32, 547}},  {"AO", 5, 2, {32, 548}},
    {"SO", 5, 2, {32, 549}},   {"PO", 5, 2, {32, 550}},  {"BO", 5, 2, {32, 551}},
    {"RE", 5, 2, {32, 552}},   {"RU", 5, 2, {32, 554}},  {"RD", 5, 2, {32, 555}},
    {"NO", 5, 2, {32, 556}},   {"MU", 5, 2, {32, 558}},  {"LU", 5, 2, {32, 559}},
    {"IS", 5, 2, {32, 568}},   {"CY", 5, 2, {32, 569}},  {"ER", 5, 2, {32, 573}},
    {"CD", 5, 2, {32, 574}},   {"RA", 5, 2, {32, 575}},  {"ES", 5, 2, {32, 576}},
    {"MS", 5, 2, {32, 577}},   {"HA", 5, 2, {32, 578}},  {"AA", 5, 2, {32, 579}},
    {"RM", 5, 2, {32, 580}},   {"AC", 15, 2, {2, 1}},    {"LW", 16, 1, {4096, 0}},
    {"ME", 16, 1, {8192, 0}},  {"MP", 16, 1, {8448, 0}}, {"HI", 16, 1, {12288, 0}},
    {"SI", 16, 1, {16384, 0}}, {"AS", 18, 1, {1, 0}},    {"SS", 18, 1, {2, 0}},
};

#define UNIX_AUTH 22u /* S-1-22: Samba's Unix users (1) and groups (2) */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t sid_auth(const uint8_t *s)
{
    uint64_t a = 0;
    for (int i = 2; i < 8; i++)
        a = a << 8 | s[i];
    return a;
}

size_t shmap__sid_len(const void *p, size_t avail)
{
    const uint8_t *s = p;
    if (avail < 8 || s[0] != 1 || s[1] > SHMAP_SID_MAX_SUB)
        return 0;
    size_t len = 8u + 4u * s[1];
    return len <= avail ? len : 0;
}

size_t shmap__sid_make(uint64_t auth, unsigned n, const uint32_t *sub, uint8_t *out)
{
    out[0] = 1;
    out[1] = (uint8_t)n;
    for (int i = 0; i < 6; i++)
        out[2 + i] = (uint8_t)(auth >> (8 * (5 - i)));
    for (unsigned i = 0; i < n; i++)
        for (int b = 0; b < 4; b++)
            out[8 + 4 * i + b] = (uint8_t)(sub[i] >> (8 * b));
    return 8u + 4u * n;
}

bool shmap__sid_equal(const void *a, const void *b)
{
    const uint8_t *x = a, *y = b;
    return x[1] == y[1] && memcmp(x, y, 8u + 4u * x[1]) == 0;
}

size_t shmap__sid_unix(bool group, uint32_t id, uint8_t *out)
{
    uint32_t sub[2] = {group ? 2u : 1u, id};
    return shmap__sid_make(UNIX_AUTH, 2, sub, out);
}

static bool is_alias(const struct alias *a, const uint8_t *s)
{
    if (s[1] != a->n || sid_auth(s) != a->auth)
        return false;
    for (unsigned i = 0; i < a->n; i++)
        if (get32(s + 8 + 4 * (size_t)i) != a->sub[i])
            return false;
    return true;
}

enum shmap_sid_class shmap__sid_classify(const void *sid, uint32_t *id)
{
    const uint8_t *s = sid;
    uint64_t auth = sid_auth(s);
    *id = 0;
    if (auth == UNIX_AUTH && s[1] == 2 && (get32(s + 8) == 1 || get32(s + 8) == 2)) {
        *id = get32(s + 12);
        return get32(s + 8) == 1 ? SHMAP_SIDC_USER : SHMAP_SIDC_GROUP;
    }
    static const struct {
        const char *name;
        enum shmap_sid_class cls;
    } known[] = {{"WD", SHMAP_SIDC_EVERYONE},     {"AU", SHMAP_SIDC_AUTHENTICATED},
                 {"SY", SHMAP_SIDC_ROOT},         {"BA", SHMAP_SIDC_ROOT},
                 {"OW", SHMAP_SIDC_OWNER_RIGHTS}, {"CO", SHMAP_SIDC_CREATOR},
                 {"CG", SHMAP_SIDC_CREATOR}};
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
            if (!strcmp(aliases[i].name, known[k].name) && is_alias(&aliases[i], s))
                return known[k].cls;
    return SHMAP_SIDC_OTHER;
}

/* A decimal number of at most max at *p (digits only); -1 if none or too
 * large. */
static int64_t decimal(const char **p, uint64_t max)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max)
            return -1;
    }
    *p = s;
    return (int64_t)v;
}

/* The identifier authority (MS-DTYP 2.4.2.1): decimal below 2^32, or 0x
 * and up to 12 hex digits (Windows writes 12). */
static int64_t authority(const char **p)
{
    const char *s = *p;
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return decimal(p, 0xFFFFFFFFu);
    uint64_t v = 0;
    int n = 0;
    for (s += 2;; s++, n++) {
        int d = (*s >= '0' && *s <= '9')   ? *s - '0'
                : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
                                           : -1;
        if (d < 0)
            break;
        if (n == 12)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    if (n == 0)
        return -1;
    *p = s;
    return (int64_t)v;
}

static int parse_numeric(const char *s, size_t *used, uint8_t *out)
{
    const char *p = s + 2;
    if (*p++ != '1' || *p++ != '-')
        return SHMAP_EBADSID;
    int64_t auth = authority(&p);
    if (auth < 0)
        return SHMAP_EBADSID;
    uint32_t sub[SHMAP_SID_MAX_SUB];
    unsigned n = 0;
    while (*p == '-') {
        p++;
        int64_t v = decimal(&p, 0xFFFFFFFFu);
        if (v < 0 || n == SHMAP_SID_MAX_SUB)
            return SHMAP_EBADSID;
        sub[n++] = (uint32_t)v;
    }
    if (n == 0) /* "S-1-5": Windows refuses a SID without subauthorities */
        return SHMAP_EBADSID;
    *used = (size_t)(p - s);
    return (int)shmap__sid_make((uint64_t)auth, n, sub, out);
}

int shmap__sid_parse(const char *s, bool with_aliases, size_t *used, uint8_t *out)
{
    if ((s[0] == 'S' || s[0] == 's') && s[1] == '-')
        return parse_numeric(s, used, out);
    if (!with_aliases || !s[0] || !s[1])
        return SHMAP_EBADSID;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        const struct alias *a = &aliases[i];
        if (s[0] == a->name[0] && s[1] == a->name[1]) {
            *used = 2;
            return (int)shmap__sid_make(a->auth, a->n, a->sub, out);
        }
    }
    return SHMAP_EBADSID;
}

size_t shmap__sid_format(const void *sid, bool alias, char *out)
{
    const uint8_t *s = sid;
    if (alias)
        for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
            if (is_alias(&aliases[i], s)) {
                memcpy(out, aliases[i].name, 3);
                return 2;
            }
    uint64_t auth = sid_auth(s);
    int n = auth >> 32 ? snprintf(out, SHMAP_SID_STRMAX, "S-1-0x%012llX", (unsigned long long)auth)
                       : snprintf(out, SHMAP_SID_STRMAX, "S-1-%llu", (unsigned long long)auth);
    for (unsigned i = 0; i < s[1]; i++)
        n += snprintf(out + n, SHMAP_SID_STRMAX - (size_t)n, "-%u",
                      (unsigned)get32(s + 8 + 4 * (size_t)i));
    return (size_t)n;
}

/* ---- the public calls ------------------------------------------------------ */

SHMAP_EXTERN int shmap_sid_validate(const void *sid, size_t len, size_t *sidlen)
{
    if (len && shmap__probe_read(sid, len < 8 ? len : 8))
        return -EFAULT;
    size_t l = sid ? shmap__sid_len(sid, len) : 0;
    if (!l)
        return SHMAP_EBADSID;
    if (shmap__probe_read(sid, l) || (sidlen && SHMAP_PROBE_OUT(sidlen)))
        return -EFAULT;
    if (sidlen)
        *sidlen = l;
    return 0;
}

SHMAP_EXTERN int shmap_sid_from_string(const char *s, void **sid, size_t *len)
{
    if (SHMAP_PROBE_OUT(sid) || (len && SHMAP_PROBE_OUT(len)))
        return -EFAULT;
    if (!s)
        return -EINVAL;
    uint8_t buf[SHMAP_SID_MAX];
    size_t used = 0;
    int r = shmap__sid_parse(s, true, &used, buf);
    if (r < 0)
        return r;
    if (s[used]) /* something after the SID */
        return SHMAP_EBADSID;
    void *p = malloc((size_t)r);
    if (!p)
        return -ENOMEM;
    memcpy(p, buf, (size_t)r);
    *sid = p;
    if (len)
        *len = (size_t)r;
    return 0;
}

SHMAP_EXTERN int shmap_sid_to_string(const void *sid, size_t len, char **out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    int r = shmap_sid_validate(sid, len, NULL);
    if (r)
        return r;
    char buf[SHMAP_SID_STRMAX];
    shmap__sid_format(sid, false, buf);
    char *p = strdup(buf);
    if (!p)
        return -ENOMEM;
    *out = p;
    return 0;
}

SHMAP_EXTERN int shmap_sid_from_unix(int group, uint32_t id, void *out, size_t *len)
{
    if (shmap__probe_out(out, 16, 1) || SHMAP_PROBE_OUT(len))
        return -EFAULT;
    *len = shmap__sid_unix(group != 0, id, out);
    return 0;
}

SHMAP_EXTERN void shmap_free(void *p)
{
    free(p);
}
