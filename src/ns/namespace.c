/*
 * namespace.c - the namespace directories and the lifetime protocol.
 *
 * Layout: $SHMAP_ROOT (default /dev/shm/shmap, root's, mode 1777) holds
 * "global" (Global\ of every user: root:shmap-global, mode 2775) and
 * "u<uid>" (0700: that user's Local\).  Which of them we trust, and what
 * a squatted u<uid> becomes: "which directories we trust" below and
 * docs/security.md.  An object is one file there, named by name.c.
 *
 * Protocol (see docs/DESIGN.md for the race analysis):
 *  - hold:    every process with a handle holds flock(LOCK_SH) on its own
 *             open file description of the object file.  The kernel drops
 *             it when the process dies, however it dies.
 *  - publish: a creator writes the whole object into an O_TMPFILE, takes
 *             LOCK_SH on it, then linkat()s it to the name.  Nobody can
 *             see a half-made object; of two racing creators one linkat()
 *             fails with EEXIST and that one opens the winner's object.
 *  - release: the process giving up its last handle tries LOCK_EX|LOCK_NB.
 *             Success means no other holder exists: it unlinks the name.
 *  - reclaim: an opener first tries LOCK_EX|LOCK_NB.  Success on a linked,
 *             valid object means every holder died without releasing (an
 *             orphan): it unlinks it and looks again.  Files that are not
 *             valid objects are never touched.
 */
#include "ns.h"
#include "base/procfs.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/random.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROOT "/dev/shm/shmap"

/* ns; lifecycle.c: across fork */
pthread_mutex_t shmap__ns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    _Atomic bool ready;
    int err;
    char root[PATH_MAX];
    uid_t owner; /* the root's owner: 0, or we in a private namespace */
    int rootfd;
    _Atomic int localfd, globalfd; /* -1 until first used */
    _Atomic uid_t local_uid;       /* whose Local\ localfd is */
} ns = {false, 0, "", 0, -1, -1, -1, 0};

static void data_unlink(int dirfd, const struct shmap_objhdr *h);
static void data_unlink_of(int fd, int dirfd);

static _Atomic int link_mode; /* 0: try AT_EMPTY_PATH, 1: use /proc/self/fd */

/* ---- which directories we trust (docs/security.md) -------------------------
 *
 * The kernel decides who may create what where, by the owners and modes of
 * the directories; the library only refuses a directory that would let
 * someone else do what the design does not allow:
 *   root    owned by root (or by us: a private namespace); if the group or
 *           others may write it, it must be sticky (nobody removes the
 *           entries of others).
 *   global  owned like the root; others may not write it (they could plant
 *           or squat names).  Its group may write it without the sticky
 *           bit: the members are trusted as holders of Windows'
 *           SeCreateGlobalPrivilege are, and the last holder of an object
 *           (a member) must be able to remove another member's name.
 *           Set up with group shmap-global, mode 2775: members and root
 *           create, everyone may open what the objects' modes allow.
 *   u<uid>  that user's Local\: owned by the user, nothing for group or
 *           others.  Squatted (someone else's, a file, a symlink): the user
 *           gets a directory of an unpredictable name, u<uid>.XXXXXX, found
 *           again by its owner and mode (see local_fallback).
 * An untrusted directory is refused with SHMAP_EUNSAFE, never used. */
static int check_dir(int fd, uid_t owner, mode_t forbid, mode_t sticky_if, struct stat *st)
{
    if (SYS(fstat)(fd, st) != 0)
        return -errno;
    if (!S_ISDIR(st->st_mode) || st->st_uid != owner || (st->st_mode & forbid))
        return SHMAP_EUNSAFE;
    if ((st->st_mode & sticky_if) && !(st->st_mode & S_ISVTX))
        return SHMAP_EUNSAFE;
    return 0;
}
static int open_dirat(int parent, const char *name)
{
    int fd = SYS(openat)(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd >= 0)
        return fd;
    return errno == ELOOP || errno == ENOTDIR ? SHMAP_EUNSAFE : -errno;
}

/* mkdir name in parent with exactly mode (the umask narrows mkdir) and,
 * if gid is not -1, that group. */
static int make_dir(int parent, const char *name, mode_t mode, gid_t gid)
{
    if (SYS(mkdirat)(parent, name, 0700) != 0)
        return -errno;
    int fd = open_dirat(parent, name);
    if (fd >= 0 &&
        ((gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) != 0) || SYS(fchmod)(fd, mode) != 0)) {
        int e = -errno;
        shmap__close_fd(fd);
        SYS(unlinkat)(parent, name, AT_REMOVEDIR);
        return e;
    }
    return fd;
}

/* The group that may create in Global\: $SHMAP_GLOBAL_GROUP, default
 * shmap-global; -1 if there is none. */
static gid_t global_group(void)
{
    const char *gname = getenv("SHMAP_GLOBAL_GROUP");
    struct group gr, *res = NULL;
    char buf[4096];
    if (getgrnam_r(gname && *gname ? gname : "shmap-global", &gr, buf, sizeof buf, &res) || !res)
        return (gid_t)-1;
    return res->gr_gid;
}

/* A new root appears with its global directory in it (rename of a
 * complete tree): nobody can get between the two and own global/. */
static int create_root(const char *root)
{
    char tmp[PATH_MAX];
    const char *slash = strrchr(root, '/');
    size_t dlen = slash ? (size_t)(slash - root) + 1 : 0;
    if (dlen + 16 >= sizeof tmp)
        return -ENAMETOOLONG;
    memcpy(tmp, root, dlen);
    strcpy(tmp + dlen, ".shmap-XXXXXX");
    if (!mkdtemp(tmp))
        return -errno;
    bool priv = geteuid() != 0;
    gid_t g = priv ? (gid_t)-1 : global_group();
    mode_t gmode = priv ? 0755 : g != (gid_t)-1 ? 02775 : 0755;
    int fd = open_dirat(AT_FDCWD, tmp);
    int gfd = fd < 0 ? fd : make_dir(fd, "global", gmode, g);
    int r = fd < 0 ? fd : gfd < 0 ? gfd : 0;
    if (r == 0 && SYS(fchmod)(fd, priv ? 0755 : 01777) != 0)
        r = -errno;
    if (r == 0 && renameat2(AT_FDCWD, tmp, AT_FDCWD, root, RENAME_NOREPLACE) != 0)
        r = -errno;
    if (r) {
        if (gfd >= 0)
            SYS(unlinkat)(fd, "global", AT_REMOVEDIR);
        rmdir(tmp);
    }
    shmap__close_fd(gfd);
    shmap__close_fd(fd);
    return r == -EEXIST || r == -ENOTEMPTY ? 0 : r; /* another won: use theirs */
}

static int open_root(void)
{
    int fd = open_dirat(AT_FDCWD, ns.root);
    if (fd == -ENOENT) {
        int r = create_root(ns.root);
        if (r)
            return r;
        fd = open_dirat(AT_FDCWD, ns.root);
    }
    if (fd < 0)
        return fd;
    struct stat st;
    uid_t me = geteuid();
    int r = check_dir(fd, 0, 0, 0022, &st);
    if (r == SHMAP_EUNSAFE && me != 0)
        r = check_dir(fd, me, 0, 0022, &st); /* a private namespace of ours */
    if (r) {
        shmap__close_fd(fd);
        return r;
    }
    ns.owner = st.st_uid;
    return fd;
}

static int ns_init_locked(void)
{
    const char *env = getenv("SHMAP_ROOT");
    const char *root = env && *env ? env : DEFAULT_ROOT;
    if (strlen(root) >= sizeof ns.root - 32)
        return -ENAMETOOLONG;
    strcpy(ns.root, root);
    int fd = open_root();
    if (fd < 0)
        return fd;
    ns.rootfd = fd;
    return 0;
}

static int ns_init(void)
{
    pthread_mutex_lock(&shmap__ns_lock);
    if (!atomic_load(&ns.ready)) {
        int r = ns_init_locked();
        if (r == 0)
            atomic_store(&ns.ready, true);
        ns.err = r; /* else try again next time */
    }
    int r = atomic_load(&ns.ready) ? 0 : ns.err;
    pthread_mutex_unlock(&shmap__ns_lock);
    return r;
}

SHMAP_EXTERN const char *shmap_ns_root(void)
{
    ns_init();
    return ns.root;
}

/* global/ made by shmap before 0.2 was 1777: anyone could plant there.
 * Root closes it (2775 root:shmap-global); the objects in it stay. */
static int repair_global(int fd)
{
    gid_t g = global_group();
    if (g != (gid_t)-1 && fchown(fd, (uid_t)-1, g) != 0)
        return -errno;
    return SYS(fchmod)(fd, g != (gid_t)-1 ? 02775 : 0755) == 0 ? 0 : -errno;
}

static int open_global(void)
{
    int fd = open_dirat(ns.rootfd, "global");
    if (fd == -ENOENT && ns.owner == geteuid()) /* an old root: ours to complete */
        fd = make_dir(ns.rootfd, "global", ns.owner ? 0755 : 02775,
                      ns.owner ? (gid_t)-1 : global_group());
    if (fd == -EEXIST)
        fd = open_dirat(ns.rootfd, "global");
    struct stat st;
    int r = fd < 0 ? fd : check_dir(fd, ns.owner, 0002, 0, &st);
    if (fd >= 0 && r == SHMAP_EUNSAFE && S_ISDIR(st.st_mode) && st.st_uid == 0 && geteuid() == 0 &&
        (st.st_mode & 01000))
        r = repair_global(fd); /* root's, from shmap before 0.2: 1777 */
    if (r && fd >= 0)
        shmap__close_fd(fd);
    return r ? r : fd;
}

/* Is the entry fd (already open) a Local\ directory of uid? */
static bool local_ok(int fd, uid_t uid)
{
    struct stat st;
    return check_dir(fd, uid, 0077, 0, &st) == 0;
}

/* The fallback Local\ of uid when u<uid> is squatted: the first entry
 * u<uid>.XXXXXX (in name order) that uid owns with mode 0700.  Creating one
 * takes the root's flock for a while so that our own processes agree on
 * which; anyone holding it longer only delays us a second. */
static int local_scan(uid_t uid)
{
    char prefix[32], best[64] = "";
    int plen = snprintf(prefix, sizeof prefix, "u%u.", (unsigned)uid);
    int dfd = SYS(openat)(ns.rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
    if (!d) {
        shmap__close_fd(dfd);
        return -errno;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, (size_t)plen) != 0 || strlen(e->d_name) >= sizeof best ||
            (*best && strcmp(e->d_name, best) >= 0))
            continue;
        int fd = open_dirat(ns.rootfd, e->d_name);
        if (fd >= 0 && local_ok(fd, uid))
            strcpy(best, e->d_name);
        shmap__close_fd(fd);
    }
    closedir(d);
    return *best ? open_dirat(ns.rootfd, best) : -ENOENT;
}

static int local_fallback(uid_t uid, bool create)
{
    int fd = local_scan(uid);
    if (fd != -ENOENT || !create)
        return fd == -ENOENT ? SHMAP_EPATH : fd;
    bool locked = false;
    for (int i = 0; i < 100 && !locked; i++) {
        locked = SYS(flock)(ns.rootfd, LOCK_EX | LOCK_NB) == 0;
        if (!locked)
            nanosleep(&(struct timespec){0, 10000000L}, NULL); /* 10 ms */
    }
    fd = local_scan(uid);
    for (int tries = 0; fd == -ENOENT && tries < 100; tries++) {
        char name[64];
        uint64_t rnd = 0;
        if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            rnd = (uint64_t)clock() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)tries;
        snprintf(name, sizeof name, "u%u.%012llx", (unsigned)uid,
                 (unsigned long long)(rnd & 0xffffffffffffull));
        fd = make_dir(ns.rootfd, name, 0700, (gid_t)-1);
        fd = fd == -EEXIST ? -ENOENT : fd;
    }
    if (locked)
        SYS(flock)(ns.rootfd, LOCK_UN);
    return fd;
}

/* uid's Local\ directory (ours: create it if missing). */
static int open_local(uid_t uid)
{
    bool mine = uid == geteuid();
    char name[32];
    snprintf(name, sizeof name, "u%u", (unsigned)uid);
    int fd = mine ? make_dir(ns.rootfd, name, 0700, (gid_t)-1) : -EEXIST;
    if (fd == -EEXIST)
        fd = open_dirat(ns.rootfd, name);
    if (fd >= 0 && local_ok(fd, uid))
        return fd;
    if (fd >= 0 || fd == SHMAP_EUNSAFE ||
        fd == -EACCES) { /* squatted: someone else's
                             (maybe closed to us), a file, a link */
        shmap__close_fd(fd);
        return local_fallback(uid, mine);
    }
    return fd == -ENOENT ? (mine ? fd : local_fallback(uid, false)) : fd;
}

/* Open a scope's directory once and keep it (other users' are not kept). */
static int cached(_Atomic int *slot, int (*open_fn)(void))
{
    int fd = atomic_load(slot);
    if (fd >= 0)
        return fd;
    pthread_mutex_lock(&shmap__ns_lock);
    fd = atomic_load(slot);
    if (fd < 0) {
        fd = open_fn();
        if (fd >= 0)
            atomic_store(slot, fd);
    }
    pthread_mutex_unlock(&shmap__ns_lock);
    return fd;
}

static int open_own_local(void)
{
    return open_local(geteuid());
}

int shmap__ns_dirfd(enum shmap_scope scope, uint32_t uid, int *dirfd, int *owned)
{
    int r = atomic_load(&ns.ready) ? 0 : ns_init();
    if (r)
        return r;
    *owned = 0;
    int fd;
    if (scope == SHMAP_SCOPE_LOCAL && atomic_load(&ns.local_uid) != geteuid()) {
        /* we changed users (a child that dropped root): the Local\ we
         * kept was the old user's.  Its descriptor is left open: another
         * thread may still be using it. */
        pthread_mutex_lock(&shmap__ns_lock);
        if (atomic_load(&ns.local_uid) != geteuid()) {
            atomic_store(&ns.localfd, -1);
            atomic_store(&ns.local_uid, geteuid());
        }
        pthread_mutex_unlock(&shmap__ns_lock);
    }
    if (scope == SHMAP_SCOPE_LOCAL)
        fd = cached(&ns.localfd, open_own_local);
    else if (scope == SHMAP_SCOPE_GLOBAL)
        fd = cached(&ns.globalfd, open_global);
    else {
        fd = open_local(uid);
        *owned = fd >= 0;
    }
    if (fd < 0)
        return fd == -ENOENT && scope == SHMAP_SCOPE_USER ? SHMAP_EPATH : fd;
    *dirfd = fd;
    return 0;
}

int shmap__global_privileged(void)
{
    if (geteuid() == 0)
        return 1;
    gid_t g = global_group();
    if (g == (gid_t)-1)
        return 0;
    if (getegid() == g)
        return 1;
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++)
        if (groups[i] == g)
            return 1;
    return 0;
}

/* EINTR is retried inside the syscall table (sys.c). */
static int flock_retry(int fd, int op)
{
    return SYS(flock)(fd, op) == 0 ? 0 : -errno;
}

void shmap__ns_release_at(int fd, enum shmap_scope scope, uint32_t uid, const char *fname)
{
    int dirfd, owned;
    /* A conversion refused by another holder has already dropped our shared
     * lock (flock(2) converts by unlocking first): we hold nothing after. */
    if (SYS(flock)(fd, LOCK_EX | LOCK_NB) != 0) {
        /* Not a holder's answer (no memory for the lock): once more, or a
         * passing fault would leave the file (and a section's memory) to
         * the next visitor.  We may have held nothing in between, so the
         * name is ours only if our file is still linked (invariant 3). */
        struct stat st;
        if (errno == EWOULDBLOCK || SYS(flock)(fd, LOCK_EX | LOCK_NB) != 0 ||
            SYS(fstat)(fd, &st) != 0 || st.st_nlink == 0)
            return;
    }
    /* We held LOCK_SH until now, so nobody could unlink or replace the name
     * (invariant 3 of docs/DESIGN.md): it is still ours. */
    if (shmap__ns_dirfd(scope, uid, &dirfd, &owned) == 0) {
        if (SYS(unlinkat)(dirfd, fname, 0) != 0 && errno != ENOENT)
            SYS(unlinkat)(dirfd, fname, 0); /* the same: once more */
        /* then its data file (datafile.c): killed in between, it is left
         * to a sweep, as nobody holds it and no object names it */
        data_unlink_of(fd, dirfd);
        if (owned)
            shmap__close_fd(dirfd);
    }
    /* Always unlock: the description can outlive this call (a view, a state
     * page kept mapped, a thread's borrowed reference, a fork child), and
     * while it holds LOCK_EX every opener of the name that got in before the
     * unlink waits in flock(LOCK_SH) (DESIGN.md §4, "Who holds locks"). */
    SYS(flock)(fd, LOCK_UN);
}

void shmap__ns_release(int fd, const struct shmap_name *n)
{
    shmap__ns_release_at(fd, n->scope, n->uid, n->fname);
}

/* Read and validate the header, and (if n) check that the stored name is
 * n's: one pread covers the header, the state area and a short name. */
static int read_header(int fd, const struct stat *st, const struct shmap_name *n,
                       struct shmap_objhdr *h)
{
    if (!S_ISREG(st->st_mode))
        return SHMAP_EBADOBJ;
    char stackbuf[2048];
    size_t want = n ? SHMAP_NAME_OFF + n->len : sizeof *h;
    char *buf = want <= sizeof stackbuf ? stackbuf : malloc(want);
    if (!buf)
        return -ENOMEM;
    ssize_t r = SYS(pread)(fd, buf, want, 0);
    int v = r < 0 ? -errno : r < (ssize_t)sizeof *h ? SHMAP_EBADOBJ : 0;
    if (v == 0) {
        memcpy(h, buf, sizeof *h);
        v = shmap__hdr_validate(h, (uint64_t)st->st_size);
    }
    /* The creator's uid is written in the header and is the file's owner:
     * a file copied in by someone else is not the object it claims to be. */
    if (v == 0 && h->owner_uid != (uint32_t)st->st_uid)
        v = SHMAP_EBADOBJ;
    if (v == 0 && n &&
        (h->name_len != n->len || r != (ssize_t)want ||
         memcmp(buf + SHMAP_NAME_OFF, n->base, n->len) != 0))
        v = SHMAP_EBADOBJ;
    if (buf != stackbuf)
        free(buf);
    return v;
}

/* Reclaim fd's object if it is an orphan.  Returns 1 if reclaimed (caller
 * looks again), 0 if someone holds it, or an error (foreign file). */
static int reclaim_if_orphan(int fd, int dirfd, const char *fname, const struct shmap_name *n)
{
    if (SYS(flock)(fd, LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK ? 0 : -errno;
    struct stat st;
    struct shmap_objhdr h;
    int r = SYS(fstat)(fd, &st) ? -errno : 0;
    if (r == 0 && st.st_nlink > 0) {
        r = read_header(fd, &st, n, &h);
        /* A dead object whose name we may not remove (another user's
         * Global\ object, and we may not write global/): it is gone all the
         * same; the next visitor who may write the directory removes it. */
        if (r == 0 && SYS(unlinkat)(dirfd, fname, 0) != 0) {
            if (errno == EACCES || errno == EPERM)
                r = -ENOENT;
        } else if (r == 0)
            data_unlink(dirfd, &h); /* after the name, as a release does */
    }
    SYS(flock)(fd, LOCK_UN);
    return r ? r : 1;
}

/* ns.h (object files here, data files for datafile.c) */
int shmap__ns_open_file(int dirfd, const char *name, bool missing_is_bad)
{
    int flags = O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    int fd = SYS(openat)(dirfd, name, O_RDWR | flags, 0);
    if (fd < 0 && errno == EACCES) /* its DACL lets us read it, not write (objsec.c) */
        fd = SYS(openat)(dirfd, name, O_RDONLY | flags, 0);
    if (fd >= 0)
        return fd;
    switch (errno) {
    case ENOENT:
    case ENOTDIR:
        return missing_is_bad ? SHMAP_EBADOBJ : -errno;
    case ELOOP: /* a symlink, a FIFO, a directory: not a file we made */
    case EISDIR:
    case ENXIO:
    case ENODEV:
    case EOPNOTSUPP:
    case ETXTBSY:
        return SHMAP_EBADOBJ;
    default:
        return -errno;
    }
}

/* One attempt; 1 means "look again". */
static int open_once(int dirfd, const struct shmap_name *n, shmap_type_t type,
                     struct shmap_ns_file *out)
{
    out->state = NULL;
    int fd = shmap__ns_open_file(dirfd, n->fname, false);
    if (fd < 0)
        return fd;
    int r = reclaim_if_orphan(fd, dirfd, n->fname, n);
    if (r == 0)
        r = flock_retry(fd, LOCK_SH);
    if (r) {
        shmap__close_fd(fd);
        return r;
    }
    if (SYS(fstat)(fd, &out->st) != 0) {
        r = -errno;
    } else if (out->st.st_nlink == 0) {
        r = 1; /* unlinked while we waited for the lock */
    } else if ((r = read_header(fd, &out->st, n, &out->hdr)) == 0 && out->hdr.type != type) {
        r = SHMAP_ETYPE;
    }
    if (r) {
        if (r != 1)
            shmap__ns_release(fd, n);
        shmap__close_fd(fd);
        return r;
    }
    out->fd = fd;
    return 0;
}

int shmap__ns_open(const struct shmap_name *n, shmap_type_t type, struct shmap_ns_file *out)
{
    int dirfd, owned;
    int r = shmap__ns_dirfd(n->scope, n->uid, &dirfd, &owned);
    if (r)
        return r;
    for (int tries = 0; tries < 1000; tries++) {
        r = open_once(dirfd, n, type, out);
        if (r != 1)
            break;
    }
    if (owned)
        shmap__close_fd(dirfd);
    return r == 1 ? -EAGAIN : r;
}

/* Write header, state, name and extra data into a fresh O_TMPFILE. */
/* The header as written: the name's and the security descriptor's fields
 * filled in (the descriptor in slot 0). */
static void final_header(const struct shmap_name *n, const struct shmap_ns_spec *spec,
                         struct shmap_objhdr *h)
{
    *h = *spec->hdr;
    h->name_off = SHMAP_NAME_OFF;
    h->name_len = n ? (uint32_t)n->len : 0;
    h->sd_off = spec->sd_len ? (uint32_t)shmap__hdr_sd_base(h) : 0;
    h->sd_len = (uint32_t)spec->sd_len;
}

static int fill_tmpfile(int fd, const struct shmap_name *n, const struct shmap_ns_spec *spec)
{
    size_t nlen = n ? n->len : 0;
    size_t len = SHMAP_NAME_OFF + nlen + spec->extra_len;
    struct shmap_objhdr h;
    final_header(n, spec, &h);
    /* the descriptor right after the name (no bitmap between): one write */
    bool sd_with = h.sd_len && h.sd_off >= len && h.sd_off - len < 8;
    if (sd_with)
        len = (size_t)h.sd_off + h.sd_len;
    uint64_t file_size = spec->file_size;
    if (h.type != SHMAP_TYPE_MAPPING && file_size < shmap__hdr_sd_base(&h) + SHMAP_SD_AREA)
        file_size = shmap__hdr_sd_base(&h) + SHMAP_SD_AREA; /* sparse until written */
    char stackbuf[2048];
    char *buf = len <= sizeof stackbuf ? stackbuf : calloc(1, len);
    if (!buf)
        return -ENOMEM;
    memset(buf, 0, len <= sizeof stackbuf ? len : 0);
    memcpy(buf, &h, sizeof h);
    if (spec->state)
        memcpy(buf + SHMAP_STATE_OFF, spec->state, spec->state_len);
    if (nlen)
        memcpy(buf + SHMAP_NAME_OFF, n->base, nlen);
    if (spec->extra_len)
        memcpy(buf + SHMAP_NAME_OFF + nlen, spec->extra, spec->extra_len);
    if (sd_with)
        memcpy(buf + h.sd_off, spec->sd, h.sd_len);
    int r = 0;
    /* fallocate extends the file when its range reaches the end */
    bool sized = spec->alloc_len && spec->alloc_off + spec->alloc_len == file_size;
    if (!shmap__umask_keeps_0600() && SYS(fchmod)(fd, 0600) != 0)
        r = -errno;
    if (r == 0 && !sized && file_size > len && SYS(ftruncate)(fd, (off_t)file_size))
        r = -errno;
    if (r == 0 && spec->alloc_len)
        r = shmap__fallocate(fd, spec->alloc_off, spec->alloc_len);
    if (r == 0 && SYS(pwrite)(fd, buf, len, 0) != (ssize_t)len)
        r = errno ? -errno : -EIO;
    if (r == 0 && h.sd_len && !sd_with &&
        SYS(pwrite)(fd, spec->sd, h.sd_len, (off_t)h.sd_off) != (ssize_t)h.sd_len)
        r = errno ? -errno : -EIO;
    if (buf != stackbuf)
        free(buf);
    return r == -EFBIG ? -ENOSPC : r;
}

static int make_tmpfile(int dirfd, const struct shmap_name *n, const struct shmap_ns_spec *spec)
{
    int fd = SYS(openat)(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EOPNOTSUPP || errno == EISDIR ? SHMAP_ENOTSUP : -errno;
    int r = fill_tmpfile(fd, n, spec);
    if (r == 0 && spec->sd_len) /* before anyone can see it (objsec.c) */
        r = shmap__objsec_apply_file(fd, spec->type, spec->sd, spec->sd_len, true);
    if (r) {
        shmap__close_fd(fd);
        return r;
    }
    return fd;
}

/* Give the O_TMPFILE its name.  AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH;
 * without it we go through /proc/self/fd, and remember which works. */
int shmap__ns_link_tmpfile(int fd, int dirfd, const char *fname)
{
    if (atomic_load_explicit(&link_mode, memory_order_relaxed) == 0) {
        if (SYS(linkat)(fd, "", dirfd, fname, AT_EMPTY_PATH) == 0)
            return 0;
        if (errno != ENOENT && errno != EPERM && errno != EINVAL)
            return -errno;
        atomic_store(&link_mode, 1);
    }
    struct shmap_procfs_path path = shmap__procfs_fd_path(SHMAP_PROCFS_SELF, fd);
    return SYS(linkat)(AT_FDCWD, path.s, dirfd, fname, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

/* ---- a named section's data file (datafile.c, DESIGN.md §6) -----------------
 *
 * Made here, as part of the publish step (create_new): an O_TMPFILE sized
 * and charged like the data was, given the object's mode and ACL, held
 * (LOCK_SH) and linked under a random name before the object that names it
 * is linked.  Unlinked here too, by whoever unlinks the object's name (a
 * release, an orphan's reclaim), right after that name. */
static int random_name(char name[SHMAP_DNAME_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return errno ? -errno : -EIO;
    name[0] = '.';
    name[1] = 'd';
    for (size_t i = 0; i < sizeof rnd; i++) {
        name[2 + 2 * i] = hex[rnd[i] >> 4];
        name[3 + 2 * i] = hex[rnd[i] & 15];
    }
    name[SHMAP_DNAME_LEN] = 0;
    return 0;
}

static int fill(int fd, const struct shmap_ns_spec *spec)
{
    int r = 0;
    if (!shmap__umask_keeps_0600() && SYS(fchmod)(fd, 0600) != 0)
        r = -errno;
    /* SEC_COMMIT: charged now (a full tmpfs fails the create, never a
     * later touch); SEC_RESERVE: sparse, charged page by page on commit */
    if (r == 0 && spec->data_alloc)
        r = shmap__fallocate(fd, 0, spec->data_size);
    else if (r == 0 && SYS(ftruncate)(fd, (off_t)spec->data_size) != 0)
        r = -errno;
    if (r == -EFBIG)
        r = -ENOSPC;
    /* the object file's mode and ACL, before anyone can see it (objsec.c) */
    if (r == 0 && spec->sd_len)
        r = shmap__objsec_apply_file(fd, spec->type, spec->sd, spec->sd_len, true);
    return r;
}

static int data_create(int dirfd, const struct shmap_ns_spec *spec, struct shmap_objhdr *h,
                       int *out)
{
    *out = -1;
    if (spec->data_size > (uint64_t)INT64_MAX)
        return -ENOSPC;
    int fd = SYS(openat)(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EOPNOTSUPP || errno == EISDIR ? SHMAP_ENOTSUP : -errno;
    int r = fill(fd, spec);
    /* held from before its name exists: a sweep never takes it */
    if (r == 0)
        r = flock_retry(fd, LOCK_SH);
    char name[SHMAP_DNAME_LEN + 1];
    r = r ? r : -EEXIST;
    for (int tries = 0; r == -EEXIST && tries < 8; tries++)
        if ((r = random_name(name)) == 0)
            r = shmap__ns_link_tmpfile(fd, dirfd, name);
    struct stat st;
    if (r == 0 && SYS(fstat)(fd, &st) != 0) {
        r = -errno;
        SYS(unlinkat)(dirfd, name, 0);
    }
    if (r) {
        shmap__close_fd(fd);
        return r;
    }
    memcpy(h->data_name, name, SHMAP_DNAME_LEN);
    h->file_dev = (uint64_t)st.st_dev;
    h->file_ino = (uint64_t)st.st_ino;
    h->hflags |= SHMAP_HF_DATA_FILE;
    *out = fd;
    return 0;
}

static void data_unlink(int dirfd, const struct shmap_objhdr *h)
{
    char name[SHMAP_DNAME_LEN + 1];
    if (shmap__hdr_data_name(h, name) && SYS(unlinkat)(dirfd, name, 0) != 0 && errno != ENOENT)
        SYS(unlinkat)(dirfd, name, 0); /* a passing fault: once more */
}

/* The same from the object file fd, which we held: one pread of the header
 * (a release of every type comes here); the name is checked strictly
 * before it is used (data_unlink), which is all that matters here. */
static void data_unlink_of(int fd, int dirfd)
{
    struct shmap_objhdr h;
    ssize_t n = SYS(pread)(fd, &h, sizeof h, 0);
    if (n < 0) /* a passing fault: once more, or the data file waits for a sweep */
        n = SYS(pread)(fd, &h, sizeof h, 0);
    if (n == (ssize_t)sizeof h && h.magic == SHMAP_MAGIC && h.format == SHMAP_FORMAT &&
        h.type == SHMAP_TYPE_MAPPING)
        data_unlink(dirfd, &h);
}

/* A data file we made and will not use: its name goes, then its lock. */
static void drop_data(int dirfd, const struct shmap_objhdr *h, int dfd)
{
    if (dfd < 0)
        return;
    data_unlink(dirfd, h);
    shmap__close_fd(dfd); /* never mapped: the lock goes with it */
}

static int create_new(int dirfd, const struct shmap_name *n, const struct shmap_ns_spec *spec,
                      struct shmap_ns_file *out)
{
    out->state = NULL;
    /* A data file first (datafile.c): linked and held before the object
     * that names it is linked, so a linked object's data file exists. */
    struct shmap_objhdr h = *spec->hdr;
    struct shmap_ns_spec sp = *spec;
    sp.hdr = &h;
    int dfd = -1, r = 0;
    if (n && spec->data_size && (r = data_create(dirfd, spec, &h, &dfd)) != 0)
        return r;
    int fd = make_tmpfile(dirfd, n, &sp);
    if (fd < 0) {
        drop_data(dirfd, &h, dfd);
        return fd;
    }
    bool linked = false;
    r = n ? flock_retry(fd, LOCK_SH) : 0;
    if (r == 0 && n)
        linked = (r = shmap__ns_link_tmpfile(fd, dirfd, n->fname)) == 0;
    if (r) {
        if (linked) /* give the name back, as a close would */
            shmap__ns_release(fd, n);
        shmap__close_fd(fd);
        drop_data(dirfd, &h, dfd); /* a lost race for the name: ours goes */
        return r;
    }
    memset(&out->st, 0, sizeof out->st); /* not needed: we wrote the file */
    out->st.st_nlink = n ? 1 : 0;
    out->fd = fd;
    out->data_fd = dfd;
    final_header(n, &sp, &out->hdr);
    return 0;
}

int shmap__ns_create(const struct shmap_name *n, const struct shmap_ns_spec *spec,
                     struct shmap_ns_file *out)
{
    int dirfd, owned;
    out->data_fd = -1;
    int r = shmap__ns_dirfd(n ? n->scope : SHMAP_SCOPE_LOCAL, n ? n->uid : 0, &dirfd, &owned);
    if (r)
        return r;
    if (!n)
        r = create_new(dirfd, NULL, spec, out);
    for (int tries = 0; n && tries < 1000; tries++) {
        r = shmap__ns_open(n, spec->type, out);
        if (r == 0) {
            r = SHMAP_EXISTED;
            break;
        }
        if (r != -ENOENT)
            break;
        if (spec->need_global_priv && n->scope == SHMAP_SCOPE_GLOBAL &&
            !shmap__global_privileged()) {
            r = -EACCES;
            break;
        }
        r = create_new(dirfd, n, spec, out);
        if (r != -EEXIST)
            break;
    }
    if (owned)
        shmap__close_fd(dirfd);
    return r;
}

/* Does the name stored in the object lead to fname?  (A file put under
 * another name is not ours, even with a valid header.) */
static int check_stored_name(int fd, const struct shmap_objhdr *h, const char *fname)
{
    char *name = malloc(h->name_len ? h->name_len : 1), expect[SHMAP_FNAME_MAX + 1];
    if (!name)
        return -ENOMEM;
    ssize_t r = SYS(pread)(fd, name, h->name_len, h->name_off);
    int v = r < 0 ? -errno : SHMAP_EBADOBJ; /* not read is not foreign */
    if (r == (ssize_t)h->name_len) {
        shmap__name_fname(name, h->name_len, expect);
        v = strcmp(expect, fname) == 0 ? 0 : SHMAP_EBADOBJ;
    }
    free(name);
    return v;
}

int shmap__ns_probe(int dirfd, const char *fname, struct shmap_ns_file *out)
{
    out->state = NULL;
    int fd = shmap__ns_open_file(dirfd, fname, false);
    if (fd < 0)
        return fd;
    struct stat st;
    struct shmap_objhdr h;
    /* validate first: a foreign file must not be taken for an orphan */
    int r = SYS(fstat)(fd, &st) ? -errno : read_header(fd, &st, NULL, &h);
    if (r == 0)
        r = check_stored_name(fd, &h, fname);
    if (r == 0)
        r = reclaim_if_orphan(fd, dirfd, fname, NULL);
    if (r == 0 && SYS(fstat)(fd, &out->st) != 0)
        r = -errno;
    if (r == 0)
        r = read_header(fd, &out->st, NULL, &out->hdr);
    if (r) {
        shmap__close_fd(fd);
        return r;
    }
    out->fd = fd;
    return 0;
}

/* A holder's shared lock on an object file it took in from elsewhere
 * (another process's description, reopened): the protocol's hold. */
int shmap__lock_shared(int fd)
{
    return SYS(flock)(fd, LOCK_SH) == 0 ? 0 : -errno; /* EINTR is retried in sys.c */
}

/* ---- the security descriptor in the object file ---------------------------
 *
 * Two slots (format.h): a writer puts the new descriptor in the slot not in
 * use, then switches sd_off and sd_len with one 8-byte write; writers take
 * turns with an OFD lock on a byte far past the data.  A reader reads the
 * pair, the descriptor, then the pair again, and tries again if it moved. */
#define SD_LOCK_BYTE ((off_t)1 << 62)

int shmap__ns_sd_read(int fd, void *buf, uint32_t *len, uint32_t *owner_uid)
{
    /* One read of the first page usually holds the header and the
     * descriptor (slot 0 of a short name); the pair is read again after. */
    for (int tries = 0; tries < 100; tries++) {
        union {
            struct shmap_objhdr h;
            uint8_t b[SHMAP_PAGE_SIZE];
        } page;
        ssize_t n = SYS(pread)(fd, page.b, sizeof page.b, 0);
        if (n < (ssize_t)sizeof page.h)
            return n < 0 ? -errno : SHMAP_EBADOBJ;
        const struct shmap_objhdr *h = &page.h;
        if (h->magic != SHMAP_MAGIC || h->format != SHMAP_FORMAT || h->sd_len > SHMAP_SD_SLOT ||
            (h->sd_len && h->sd_off < SHMAP_NAME_OFF))
            return SHMAP_EBADOBJ;
        *owner_uid = h->owner_uid;
        *len = h->sd_len;
        if (h->sd_len == 0)
            return 0;
        if ((uint64_t)h->sd_off + h->sd_len <= (uint64_t)n)
            memcpy(buf, page.b + h->sd_off, h->sd_len);
        else if (SYS(pread)(fd, buf, h->sd_len, h->sd_off) != (ssize_t)h->sd_len)
            return errno ? -errno : SHMAP_EBADOBJ;
        uint32_t again[2];
        if (SYS(pread)(fd, again, sizeof again, offsetof(struct shmap_objhdr, sd_off)) !=
            (ssize_t)sizeof again)
            return errno ? -errno : SHMAP_EBADOBJ;
        if (again[0] == h->sd_off && again[1] == h->sd_len)
            return 0;
    }
    return -EAGAIN;
}

int shmap__ns_sd_write(int fd, const void *sd, size_t len)
{
    if (len == 0 || len > SHMAP_SD_SLOT)
        return -EINVAL;
    struct flock fl = {
        .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SD_LOCK_BYTE, .l_len = 1};
    if (SYS(fcntl_lock)(fd, F_OFD_SETLKW, &fl) != 0)
        return -errno;
    struct shmap_objhdr h;
    struct stat st;
    int r = 0;
    if (SYS(pread)(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || SYS(fstat)(fd, &st) != 0)
        r = errno ? -errno : SHMAP_EBADOBJ;
    else if (shmap__hdr_validate(&h, (uint64_t)st.st_size) != 0)
        r = SHMAP_EBADOBJ;
    uint64_t base = r ? 0 : shmap__hdr_sd_base(&h);
    uint32_t pair[2] = {(uint32_t)(h.sd_len && h.sd_off == base ? base + SHMAP_SD_SLOT : base),
                        (uint32_t)len};
    if (r == 0 && SYS(pwrite)(fd, sd, len, pair[0]) != (ssize_t)len)
        r = errno ? -errno : -EIO;
    if (r == 0 && SYS(pwrite)(fd, pair, sizeof pair, offsetof(struct shmap_objhdr, sd_off)) !=
                      (ssize_t)sizeof pair)
        r = errno ? -errno : -EIO;
    fl.l_type = F_UNLCK;
    SYS(fcntl_lock)(fd, F_OFD_SETLK, &fl);
    return r == -EFBIG ? -ENOSPC : r;
}
