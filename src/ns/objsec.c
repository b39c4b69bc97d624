/*
 * objsec.c - an object's security: the descriptor a new object gets, the
 * access check against the descriptor stored in its file, and the file
 * permissions that carry the DACL to the kernel (docs/security.md, "What
 * is enforced where").
 *
 * The descriptor is Windows' self-relative format (sd.c), kept in the
 * object file (namespace.c, two slots).  Every Open*, every Create* that
 * finds the object, and every DuplicateHandle that asks for more than its
 * source had are checked against it with the caller's token (its euid,
 * egid and groups).  The creating handle gets what it asked for, as on
 * Windows.
 *
 * Kernel enforcement: the owner of the file can always do everything to
 * it (chmod), so the file is the creator's with read and write; for every
 * other principal the DACL names (a user, a group, everyone) the file
 * grants at most what the DACL grants (pacl.c: mode and POSIX ACL).  The
 * computed permissions are conservative: a right that depends on which
 * groups a user is in is withheld from everyone who might be denied it.
 */
#include "ns.h"
#include "base/probe.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the descriptor the next Create* of this thread gives its object ---- */

static __thread struct {
    void *sd;
    size_t len;
} next_sd;

SHMAP_EXTERN int shmap_security_next(const void *sd, size_t len)
{
    free(next_sd.sd);
    next_sd.sd = NULL;
    next_sd.len = 0;
    if (!sd)
        return 0;
    if (shmap__probe_read(sd, len ? len : 1))
        return -EFAULT;
    struct shmap_sd_view v;
    int r = shmap__sd_parse(sd, len, &v);
    if (r)
        return r;
    void *copy = malloc(len);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, sd, len);
    next_sd.sd = copy;
    next_sd.len = len;
    return 0;
}

static int generic_map(shmap_type_t type, uint32_t map[4])
{
    return shmap__access_generic_map(type, map); /* files' (FILE_GENERIC_*) too */
}

int shmap__objsec_create(shmap_type_t type, void **sd, size_t *len)
{
    uint32_t map[4];
    int r = generic_map(type, map);
    void *given = next_sd.sd;
    size_t glen = next_sd.len;
    next_sd.sd = NULL; /* consumed by this call, whatever happens */
    next_sd.len = 0;
    uint32_t uid = shmap__uid(), gid = shmap__gid();
    if (r == 0 && given) {
        r = shmap__sd_normalize(given, glen, uid, gid, map, sd, len);
        free(given);
    } else if (r == 0) {
        r = shmap__sd_default(uid, gid, map, sd, len);
    } else {
        free(given);
    }
    if (r == 0 && *len > SHMAP_SD_SLOT) { /* no room in the object file */
        free(*sd);
        r = -ENOMEM;
    }
    return r;
}

static void file_rights(shmap_type_t type, uint32_t *rbits, uint32_t *wbits);

/* ---- the access check ---------------------------------------------------- */

#define NGROUPS_CAP 256

static int token_self(struct shmap_token *t, uint32_t *groups)
{
    gid_t g[NGROUPS_CAP];
    int n = getgroups(NGROUPS_CAP, g);
    if (n < 0)
        n = 0;
    for (int i = 0; i < n; i++)
        groups[i] = (uint32_t)g[i];
    t->uid = shmap__uid();
    t->gid = shmap__gid();
    t->groups = groups;
    t->ngroups = (size_t)n;
    return 0;
}

int shmap__objsec_check(shmap_type_t type, int fd, uint32_t requested, bool zero_ok,
                        uint32_t *granted)
{
    uint32_t map[4];
    if (shmap__access_generic_map(type, map) != 0)
        return -EINVAL;
    uint32_t req = shmap__access_map_generic(type, requested);
    if (req & SHMAP_ACCESS_SYSTEM_SECURITY)
        return SHMAP_EPRIV;
    if (req & ~(shmap__access_valid_mask(type) | SHMAP_MAXIMUM_ALLOWED))
        return -EACCES;
    if (req == 0)
        return zero_ok ? (*granted = 0, 0) : -EACCES;
    uint8_t sd[SHMAP_SD_SLOT];
    uint32_t len, owner;
    int r = shmap__ns_sd_read(fd, sd, &len, &owner);
    if (r)
        return r;
    uint32_t me = shmap__uid(); /* one system call, not one per use */
    if (len == 0) {             /* made without a descriptor: its owner and root only */
        if (owner != me && me != 0)
            return -EACCES;
        *granted = (req & SHMAP_MAXIMUM_ALLOWED) ? (req & ~SHMAP_MAXIMUM_ALLOWED) | map[3] : req;
        return 0;
    }
    struct shmap_token tok;
    uint32_t groups[NGROUPS_CAP];
    token_self(&tok, groups);
    /* FILE_MAP_EXECUTE (SECTION_MAP_EXECUTE_EXPLICIT) is granted with
     * SECTION_MAP_EXECUTE: SECTION_ALL_ACCESS does not hold it */
    uint32_t explicit_x = type == SHMAP_TYPE_MAPPING ? req & SHMAP_SECTION_MAP_EXECUTE_EXPLICIT : 0;
    uint32_t plain_x = explicit_x ? req & SHMAP_SECTION_MAP_EXECUTE : 0;
    if (explicit_x)
        req = (req & ~explicit_x) | SHMAP_SECTION_MAP_EXECUTE;
    r = shmap__sd_access_check(sd, len, &tok, req, map, granted);
    if (r == 0 && explicit_x)
        *granted = (*granted & ~SHMAP_SECTION_MAP_EXECUTE) | explicit_x | plain_x;
    if (r == -EACCES || r == SHMAP_EPRIV)
        return r;
    if (r) /* a stored descriptor that does not validate grants nothing */
        return -EACCES;
    /* The file may grant less than the DACL (apply_file is conservative
     * where a user's groups could change the answer): rights that need to
     * write the file are not given on a file opened read-only. */
    uint32_t rbits, wbits;
    file_rights(type, &rbits, &wbits);
    bool may_be_rdonly = owner != me && me != 0; /* else opened O_RDWR */
    if ((*granted & wbits) && may_be_rdonly && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY) {
        if (!(req & SHMAP_MAXIMUM_ALLOWED))
            return -EACCES;
        *granted &= ~wbits;
    }
    if (*granted == 0 && !zero_ok)
        return -EACCES;
    return 0;
}

/* ---- the DACL in the file's permissions ------------------------------------ */

/* Which rights need the file readable, and which writable (a waiter
 * writes the state page; a query reads it). */
static void file_rights(shmap_type_t type, uint32_t *rbits, uint32_t *wbits)
{
    switch (type) {
    case SHMAP_TYPE_MAPPING:
        *rbits = SHMAP_SECTION_MAP_READ | SHMAP_SECTION_MAP_EXECUTE;
        *wbits = SHMAP_SECTION_MAP_WRITE;
        break;
    case SHMAP_TYPE_FILE: /* FILE_READ_DATA, FILE_EXECUTE; FILE_WRITE_DATA, FILE_APPEND_DATA */
        *rbits = 0x1u | 0x20u;
        *wbits = 0x2u | 0x4u;
        break;
    case SHMAP_TYPE_JOB:
        *rbits = 0x4u;                                   /* JOB_OBJECT_QUERY */
        *wbits = 0x1u | 0x2u | 0x8u | SHMAP_SYNCHRONIZE; /* ASSIGN, SET_ATTRIBUTES, TERMINATE */
        break;
    case SHMAP_TYPE_MUTEX:
        *rbits = 0x1u;
        *wbits = SHMAP_SYNCHRONIZE;
        break;
    default: /* events, semaphores, timers: QUERY_STATE 1, MODIFY_STATE 2 */
        *rbits = 0x1u;
        *wbits = 0x2u | SHMAP_SYNCHRONIZE;
        break;
    }
}

struct walk {
    uint32_t deny_any; /* denied to a group or to everyone: maybe to anyone */
    struct shmap_pacl_entry e[SHMAP_PACL_MAX];
    size_t n;
    bool too_many;
};

static int collect(const struct shmap_ace_info *a, void *arg)
{
    struct walk *w = arg;
    if (a->flags & 0x08u) /* INHERIT_ONLY_ACE: not about this object */
        return 0;
    if (a->type == 1u /* denied */ &&
        (a->cls == SHMAP_SIDC_GROUP || a->cls == SHMAP_SIDC_EVERYONE ||
         a->cls == SHMAP_SIDC_AUTHENTICATED))
        w->deny_any |= a->mask;
    if (a->cls != SHMAP_SIDC_USER && a->cls != SHMAP_SIDC_GROUP)
        return 0;
    uint8_t kind = a->cls == SHMAP_SIDC_USER ? SHMAP_PACL_USER : SHMAP_PACL_GROUP;
    for (size_t i = 0; i < w->n; i++)
        if (w->e[i].kind == kind && w->e[i].id == a->id)
            return 0;
    if (w->n == SHMAP_PACL_MAX) {
        w->too_many = true;
        return 0;
    }
    w->e[w->n++] = (struct shmap_pacl_entry){.kind = kind, .perm = 0, .id = a->id};
    return 0;
}

/* What the DACL grants a principal that holds only its own SID (uid or
 * gid; UINT32_MAX: none), Everyone and Authenticated Users. */
static unsigned perm_of(shmap_type_t type, const void *sd, size_t len, uint32_t uid, uint32_t gid,
                        uint32_t deny_any)
{
    uint32_t map[4], rbits, wbits, g = 0;
    generic_map(type, map);
    file_rights(type, &rbits, &wbits);
    struct shmap_token t = {uid, gid, NULL, 0};
    if (shmap__sd_access_check(sd, len, &t, SHMAP_MAXIMUM_ALLOWED, map, &g) != 0)
        g = 0;
    g &= ~deny_any;
    return (g & wbits) ? SHMAP_PACL_R | SHMAP_PACL_W : (g & rbits) ? SHMAP_PACL_R : 0;
}

#define NOBODY UINT32_MAX /* a uid and gid no DACL names (and not root's) */

int shmap__objsec_apply_file(int fd, shmap_type_t type, const void *sd, size_t len, bool fresh)
{
    struct walk *w = calloc(1, sizeof *w);
    if (!w)
        return -ENOMEM;
    int r = shmap__sd_walk_dacl(sd, len, collect, w);
    struct stat st;
    if (r >= 0 && SYS(fstat)(fd, &st) != 0)
        r = -errno;
    if (r < 0) {
        free(w);
        return r;
    }
    unsigned other, group;
    if (r == 1) { /* a NULL DACL: everyone may do everything */
        other = group = SHMAP_PACL_R | SHMAP_PACL_W;
        w->n = 0;
    } else {
        if (w->too_many) /* more principals than an ACL takes: only they and the owner */
            w->deny_any = ~0u;
        other = perm_of(type, sd, len, NOBODY - 1, NOBODY, w->deny_any);
        group = perm_of(type, sd, len, NOBODY - 1, (uint32_t)st.st_gid, w->deny_any);
        size_t k = 0;
        for (size_t i = 0; i < w->n; i++) {
            struct shmap_pacl_entry *e = &w->e[i];
            if (e->kind == SHMAP_PACL_USER && (e->id == (uint32_t)st.st_uid || e->id == 0))
                continue; /* the owner has everything; root passes anyway */
            e->perm = (uint8_t)(e->kind == SHMAP_PACL_USER
                                    ? perm_of(type, sd, len, e->id, NOBODY, w->deny_any)
                                    : perm_of(type, sd, len, NOBODY - 1, e->id, w->deny_any));
            w->e[k++] = *e;
        }
        w->n = k;
    }
    if (fresh && w->n == 0 && other == 0 && group == 0) {
        free(w); /* what O_TMPFILE made: 0600 */
        return 0;
    }
    r = shmap__pacl_set(fd, SHMAP_PACL_R | SHMAP_PACL_W, group, other, w->e, w->n);
    free(w);
    return r == -EOPNOTSUPP ? 0 : r; /* narrowed to the mode alone: never more */
}

int shmap__objsec_file(int fd, bool created)
{
    if (!next_sd.sd) /* no descriptor: the mode open(2) gave (the umask's) */
        return 0;
    if (!created) { /* an existing file keeps its permissions, as on Windows */
        shmap_security_next(NULL, 0);
        return 0;
    }
    void *sd;
    size_t len;
    int r = shmap__objsec_create(SHMAP_TYPE_FILE, &sd, &len);
    if (r == 0) {
        r = shmap__objsec_apply_file(fd, SHMAP_TYPE_FILE, sd, len, false);
        free(sd);
    }
    return r;
}
