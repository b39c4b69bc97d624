/*
 * datafile.c - the data file of an object whose data must start at offset
 * 0 of a file of its own (named pagefile sections: docs/DESIGN.md §6, so
 * that Wine, or any program, can map the data by path).
 *
 * The data file lives in the object's directory under a random name, ".d"
 * and 32 lowercase hex digits (name.c never makes a file name that starts
 * with '.', so it cannot be an object's name), recorded with its identity
 * (dev, ino) in the object's header.  Its lifetime follows the object's
 * (DESIGN.md §4):
 *  - create:  made, sized, charged and given the object's mode and ACL as
 *             an O_TMPFILE, locked LOCK_SH, linked under its random name,
 *             all before the object file that names it is linked
 *             (namespace.c, part of the publish step);
 *  - hold:    every process with a record of the object holds LOCK_SH on
 *             an open description of its own (or one it was handed);
 *  - release: whoever unlinks the object's name (last holder, orphan
 *             reclaim) unlinks the data file right after (namespace.c);
 *  - sweep:   a data file left behind by a process killed between the two
 *             links or the two unlinks is removed by a listing when nobody
 *             holds it (LOCK_EX|LOCK_NB succeeds) and, with that lock
 *             held, no object file of the directory names it.
 * Here: opening and checking it, its ACL after a change, its path, the
 * sweep.  This layer knows no section: what it reads is the generic
 * header's SHMAP_HF_DATA_FILE, data_name, file_dev/file_ino and size.
 */
#include "ns.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define SWEEP_MAX 64 /* candidates one sweep locks at once */

bool shmap__ns_is_data_name(const char *fname)
{
    return fname[0] == '.' && fname[1] == 'd' && shmap__dname_valid(fname, strlen(fname));
}

int shmap__ns_data_check(int fd, const struct shmap_objhdr *h)
{
    struct stat st;
    if (SYS(fstat)(fd, &st) != 0)
        return -errno;
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_dev != h->file_dev ||
        (uint64_t)st.st_ino != h->file_ino || (uint32_t)st.st_uid != h->owner_uid ||
        (uint64_t)st.st_size < h->size)
        return SHMAP_EBADOBJ;
    return 0;
}

int shmap__ns_data_open(enum shmap_scope scope, uint32_t uid, const struct shmap_objhdr *h,
                        int *out)
{
    *out = -1;
    char name[SHMAP_DNAME_LEN + 1];
    if (!shmap__hdr_data_name(h, name))
        return SHMAP_EBADOBJ;
    int dirfd, owned;
    int r = shmap__ns_dirfd(scope, uid, &dirfd, &owned);
    if (r)
        return r;
    int fd = shmap__ns_open_file(dirfd, name, true); /* gone: not what the header says */
    if (owned)
        shmap__close_fd(dirfd);
    if (fd < 0)
        return fd;
    r = shmap__ns_data_check(fd, h);
    if (r == 0)
        r = shmap__lock_shared(fd);
    if (r) {
        shmap__close_fd(fd);
        return r;
    }
    *out = fd;
    return 0;
}

int shmap__ns_data_apply(int objfd, enum shmap_scope scope, uint32_t uid, shmap_type_t type,
                         const void *sd, size_t len)
{
    struct shmap_objhdr h;
    struct stat st;
    if (SYS(pread)(objfd, &h, sizeof h, 0) != (ssize_t)sizeof h || SYS(fstat)(objfd, &st) != 0)
        return errno ? -errno : SHMAP_EBADOBJ;
    if (shmap__hdr_validate(&h, (uint64_t)st.st_size) != 0)
        return SHMAP_EBADOBJ;
    if (!(h.hflags & SHMAP_HF_DATA_FILE))
        return 0;
    int fd;
    int r = shmap__ns_data_open(scope, uid, &h, &fd);
    if (r == 0) {
        r = shmap__objsec_apply_file(fd, type, sd, len, false);
        shmap__close_fd(fd); /* never mapped: the lock goes with it */
    }
    return r;
}

/* ---- the sweep --------------------------------------------------------- */

struct cand {
    int fd;
    bool named; /* an object file names it */
    char name[SHMAP_DNAME_LEN + 1];
};

/* Mark the candidates that the object file fname names.  false: it could
 * not be read (another user's object that denies us): nothing is swept. */
static bool mark_named(int dirfd, const char *fname, struct cand *c, int n)
{
    int fd = SYS(openat)(dirfd, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd < 0)
        return errno != EACCES && errno != EPERM && errno != EMFILE && errno != ENFILE;
    struct shmap_objhdr h;
    struct stat st;
    char name[SHMAP_DNAME_LEN + 1];
    bool ok = SYS(fstat)(fd, &st) == 0;
    if (ok && S_ISREG(st.st_mode) && SYS(pread)(fd, &h, sizeof h, 0) == (ssize_t)sizeof h &&
        h.magic == SHMAP_MAGIC && h.format == SHMAP_FORMAT && shmap__hdr_data_name(&h, name))
        for (int i = 0; i < n; i++)
            if (strcmp(c[i].name, name) == 0)
                c[i].named = true;
    shmap__close_fd(fd);
    return ok;
}

int shmap__ns_data_sweep(int dirfd)
{
    int dfd = SYS(openat)(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        shmap__close_fd(dfd);
        return -errno;
    }
    struct cand c[SWEEP_MAX];
    int n = 0;
    struct dirent *e;
    /* 1: data files nobody holds, locked LOCK_EX: from now on nobody can
     * take them (an opener waits in flock(LOCK_SH) until we are done) */
    while (n < SWEEP_MAX && (e = readdir(d)) != NULL) {
        if (!shmap__ns_is_data_name(e->d_name))
            continue;
        int fd = SYS(openat)(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
        struct stat st;
        if (fd < 0)
            continue;
        if (SYS(fstat)(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
            SYS(flock)(fd, LOCK_EX | LOCK_NB) != 0) {
            shmap__close_fd(fd);
            continue;
        }
        c[n].fd = fd;
        c[n].named = false;
        memcpy(c[n].name, e->d_name, sizeof c[n].name);
        n++;
    }
    /* 2: with those locks held, which does a linked object name?  An
     * object that names one was linked before its creator died (a live
     * creator holds LOCK_SH from before the data file's link), so this
     * pass, begun after our lock, sees it. */
    bool ok = true;
    if (n) {
        rewinddir(d);
        while (ok && (e = readdir(d)) != NULL)
            if (e->d_name[0] != '.') /* objects; not ., .., data files */
                ok = mark_named(dirfd, e->d_name, c, n);
    }
    closedir(d);
    int swept = 0;
    for (int i = 0; i < n; i++) {
        if (ok && !c[i].named && SYS(unlinkat)(dirfd, c[i].name, 0) == 0)
            swept++;
        SYS(flock)(c[i].fd, LOCK_UN);
        shmap__close_fd(c[i].fd);
    }
    return swept;
}

/* ---- its path ------------------------------------------------------------ */

/* The absolute path of the root (SHMAP_ROOT may be relative), malloc'd. */
static int root_abs(char **out)
{
    const char *root = shmap_ns_root();
    if (!root)
        return -ENOENT;
    char cwd[PATH_MAX] = "";
    if (root[0] != '/' && !getcwd(cwd, sizeof cwd - 1))
        return -errno;
    size_t n = strlen(cwd) + strlen(root) + 2;
    if (!(*out = malloc(n)))
        return -ENOMEM;
    snprintf(*out, n, "%s%s%s", cwd, *cwd ? "/" : "", root);
    return 0;
}

/* "<root>/<dir>/<name>" for the entry of the root's directories that is
 * (dev, ino) (dir NULL: any of them holding name; else that directory). */
static int find_in_root(const char *name, const struct stat *want, bool is_dir, char **out)
{
    const char *root = shmap_ns_root();
    if (!root)
        return -ENOENT;
    /* a scope's path is not kept (a squatted u<uid> moves), and
     * /proc/self/fd is not readable by a thread that changed its user */
    DIR *d = shmap__opendir(root);
    if (!d)
        return -errno;
    int r = -ENOENT;
    for (struct dirent *e; r == -ENOENT && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char rel[SHMAP_FNAME_MAX + SHMAP_DNAME_LEN + 2];
        snprintf(rel, sizeof rel, "%s%s%s", e->d_name, is_dir ? "" : "/", is_dir ? "" : name);
        struct stat st;
        if (SYS(fstatat)(dirfd(d), rel, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            st.st_dev != want->st_dev || st.st_ino != want->st_ino)
            continue;
        char *abs = NULL;
        if ((r = root_abs(&abs)) != 0)
            break;
        size_t n = strlen(abs) + strlen(rel) + 2;
        if ((*out = malloc(n)) != NULL)
            snprintf(*out, n, "%s/%s", abs, rel);
        r = *out ? 0 : -ENOMEM;
        free(abs);
    }
    closedir(d);
    return r;
}

int shmap__ns_dir_path(int dirfd, char **out)
{
    struct stat st;
    if (SYS(fstat)(dirfd, &st) != 0)
        return -errno;
    return find_in_root(NULL, &st, true, out);
}

int shmap__ns_data_path(int data_fd, const struct shmap_objhdr *h, char **out)
{
    char name[SHMAP_DNAME_LEN + 1];
    struct stat me;
    if (!shmap__hdr_data_name(h, name))
        return SHMAP_EBADOBJ;
    if (SYS(fstat)(data_fd, &me) != 0)
        return -errno;
    if (me.st_nlink == 0)
        return -ENOENT; /* its name is gone (released at exit) */
    return find_in_root(name, &me, false, out);
}
