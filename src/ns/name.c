/*
 * name.c - the one name parser.
 *
 * A Win32 object name is resolved like the object manager does it, with
 * the session directory's three symbolic links: "Local" (this session),
 * "Global" (machine-wide) and "Session\N" (session N; on Linux a session is
 * a user, N = uid + 1, and session 0 is the global directory).  What is
 * left after the links is the object name: any characters but '\'.
 *
 * The object name becomes a file name that cannot leave the namespace
 * directory: '/', '%', '#', control characters and a leading '.' are
 * escaped as %XX; names whose escaped form exceeds 255 bytes become '#' and
 * a 128-bit hash, and the object file stores the full name for checking.
 */
#include "ns.h"

#include <string.h>
#include <unistd.h>

/* Number of UTF-16 units, or -1 if s is not well-formed UTF-8.  Encoded
 * surrogates (ED A0..BF xx) are accepted: wide names may carry lone
 * surrogates and are stored in that generalised form. */
long shmap__utf8_units16(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    long units = 0;
    while (p < end) {
        unsigned c = *p, n;
        uint32_t cp;
        if (c < 0x80) {
            n = 0;
            cp = c;
        } else if (c >= 0xC2 && c < 0xE0) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c < 0xF0) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c < 0xF5) {
            n = 3;
            cp = c & 0x07;
        } else
            return -1;
        if ((size_t)(end - p) <= n)
            return -1;
        for (unsigned i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return -1;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return -1;
        units += cp >= 0x10000 ? 2 : 1;
        p += n + 1;
    }
    return units;
}

enum dir { D_BNO, D_SESSIONS };

static bool comp_is(const char *c, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(c, lit, n) == 0;
}

/* Parse a decimal session number without sign or leading zeros. */
static bool parse_session(const char *c, size_t n, uint32_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 10 || (n > 1 && c[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (c[i] < '0' || c[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(c[i] - '0');
    }
    if (v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static void set_session(struct shmap_name *out, uint32_t session)
{
    uint32_t me = (uint32_t)geteuid();
    out->uid = 0; /* meaningful for SHMAP_SCOPE_USER only */
    if (session == 0)
        out->scope = SHMAP_SCOPE_GLOBAL;
    else if (session - 1 == me)
        out->scope = SHMAP_SCOPE_LOCAL;
    else {
        out->scope = SHMAP_SCOPE_USER;
        out->uid = session - 1;
    }
}

/* Follow one link component c (followed by '\').  Returns 0 or an error. */
static int follow(enum dir *d, const char *c, size_t n, struct shmap_name *out)
{
    uint32_t session;
    if (*d == D_SESSIONS) {
        if (!parse_session(c, n, &session))
            return SHMAP_EPATH;
        set_session(out, session);
        *d = D_BNO;
        return 0;
    }
    if (comp_is(c, n, "Local"))
        return 0; /* the current directory: Local of a session, or Global itself */
    if (comp_is(c, n, "Global")) {
        out->scope = SHMAP_SCOPE_GLOBAL; /* also from another session's directory */
        out->uid = 0;
        return 0;
    }
    if (comp_is(c, n, "Session")) {
        *d = D_SESSIONS;
        return 0;
    }
    return SHMAP_EPATH;
}

/* The last component: an object name, or a link/directory named alone. */
static int final(enum dir d, const char *c, size_t n)
{
    uint32_t session;
    if (d == D_SESSIONS)
        return parse_session(c, n, &session) ? SHMAP_ETYPE : -EACCES;
    if (comp_is(c, n, "Local") || comp_is(c, n, "Global") || comp_is(c, n, "Session"))
        return SHMAP_ETYPE;
    return 0;
}

static uint64_t fnv64(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

static const char hexdig[] = "0123456789abcdef";

static bool must_escape(unsigned char c, size_t pos)
{
    return c < 0x20 || c == 0x7F || c == '/' || c == '%' || c == '#' || (pos == 0 && c == '.');
}

static void encode(struct shmap_name *out)
{
    size_t o = 0;
    for (size_t i = 0; i < out->len; i++) {
        unsigned char c = (unsigned char)out->base[i];
        size_t need = must_escape(c, i) ? 3 : 1;
        if (o + need > SHMAP_FNAME_MAX) {
            o = SIZE_MAX;
            break;
        }
        if (need == 3) {
            out->fname[o++] = '%';
            out->fname[o++] = hexdig[c >> 4];
            out->fname[o++] = hexdig[c & 15];
        } else
            out->fname[o++] = (char)c;
    }
    if (o != SIZE_MAX) {
        out->fname[o] = 0;
        return;
    }
    uint64_t h1 = fnv64(out->base, out->len, 0xcbf29ce484222325ULL);
    uint64_t h2 = fnv64(out->base, out->len, 0x84222325cbf29ce4ULL ^ out->len);
    snprintf(out->fname, sizeof out->fname, "#%016llx%016llx", (unsigned long long)h1,
             (unsigned long long)h2);
}

void shmap__name_fname(const char *name, size_t len, char *fname)
{
    struct shmap_name n;
    n.base = name;
    n.len = len;
    encode(&n);
    memcpy(fname, n.fname, sizeof n.fname);
}

static uint32_t name_hash(const struct shmap_name *n)
{
    uint64_t h = fnv64(&n->scope, sizeof n->scope, 0xcbf29ce484222325ULL);
    h = fnv64(&n->uid, sizeof n->uid, h);
    h = fnv64(n->base, n->len, h);
    return (uint32_t)(h ^ (h >> 32));
}

int shmap__name_parse(const char *name, unsigned flags, struct shmap_name *out)
{
    if (!name || !*name)
        return 1;
    size_t len = strlen(name);
    long units = shmap__utf8_units16(name, len);
    if (units < 0)
        return SHMAP_EBADNAME;
    if ((unsigned long)units > ((flags & SHMAP_WIDE_NAME) ? SHMAP_NAME_MAX_W : SHMAP_NAME_MAX_A))
        return -ENAMETOOLONG;
    if (name[0] == '\\')
        return SHMAP_EBADPATH;
    memset(out, 0, offsetof(struct shmap_name, fname) + 1);
    out->scope = SHMAP_SCOPE_LOCAL;
    enum dir d = D_BNO;
    const char *s = name;
    const char *bs;
    while ((bs = strchr(s, '\\')) != NULL) {
        int r = follow(&d, s, (size_t)(bs - s), out);
        if (r)
            return r;
        s = bs + 1;
        if (!*s)
            return SHMAP_EBADNAME; /* "Local\", "Session\1\" */
    }
    int r = final(d, s, strlen(s));
    if (r)
        return r;
    out->base = s;
    out->len = strlen(s);
    encode(out);
    out->hash = name_hash(out);
    return 0;
}

static int unhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int shmap__name_decode(const char *fname, char *out, size_t outsz)
{
    size_t o = 0;
    if (fname[0] == '#' || fname[0] == '.' || !fname[0])
        return -1;
    for (size_t i = 0; fname[i]; i++) {
        int c = (unsigned char)fname[i];
        if (c == '%') {
            int hi = unhex(fname[i + 1]), lo = hi < 0 ? -1 : unhex(fname[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi << 4 | lo;
            i += 2;
        }
        if (o + 1 >= outsz)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = 0;
    return (int)o;
}

int shmap__name_make(enum shmap_scope scope, uint32_t uid, const char *base, size_t len,
                     struct shmap_name *out)
{
    if (scope > SHMAP_SCOPE_USER || len == 0 || memchr(base, 0, len))
        return SHMAP_EBADOBJ;
    memset(out, 0, offsetof(struct shmap_name, fname) + 1);
    out->scope = scope;
    out->uid = scope == SHMAP_SCOPE_USER ? uid : 0;
    out->base = base;
    out->len = len;
    encode(out);
    out->hash = name_hash(out);
    return 0;
}

int shmap__name_parse_open(const char *name, unsigned flags, struct shmap_name *out)
{
    if (!name)
        return -EINVAL;
    int r = shmap__name_parse(name, flags, out);
    return r == 1 ? SHMAP_ETYPE : r; /* "" names the directory itself */
}
