/*
 * nslist.c - listing the namespace (shmap ls) and reclaiming orphans.
 *
 * Holders are read from the kernel's lock table (/proc/locks): every
 * process holding a handle to an object holds a flock() on its file.  The
 * kernel gives that table a page per read(), and the list may change
 * between two reads (locks taken and dropped by any process of the
 * machine), so one pass can miss an entry or show it twice: the table is
 * read twice and the union kept, each (file, pid) once.  A holder is
 * missed only if both passes miss it.
 */
#include "ns.h"
#include "base/procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct lockent {
    uint64_t ino;
    unsigned maj, min;
    int pid;
};

struct locktab {
    struct lockent *v;
    size_t n, cap;
};

static int cmp_lock(const void *a, const void *b)
{
    const struct lockent *x = a, *y = b;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    if (x->maj != y->maj || x->min != y->min)
        return x->maj != y->maj ? (x->maj < y->maj ? -1 : 1) : (x->min < y->min ? -1 : 1);
    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int locks_pass(struct locktab *t);

static int locks_read(struct locktab *t)
{
    int r = locks_pass(t);
    if (r == 0)
        r = locks_pass(t);
    if (t->n)
        qsort(t->v, t->n, sizeof *t->v, cmp_lock);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (k == 0 || cmp_lock(&t->v[k - 1], &t->v[i]) != 0)
            t->v[k++] = t->v[i];
    t->n = k;
    return r;
}

static int locks_pass(struct locktab *t)
{
    struct shmap_procfs_lines l;
    int r = shmap__procfs_lines_open(&l, "locks");
    if (r)
        return r; /* the holders could not be told */
    for (char *line; (line = shmap__procfs_lines_next(&l)) != NULL;) {
        char kind[16], rw[16];
        int pid;
        unsigned maj, min;
        unsigned long long ino;
        char *p = strchr(line, ':');
        if (!p || strstr(line, "->"))
            continue; /* blocked requests are not holders */
        if (sscanf(p + 1, " %15s %*s %15s %d %x:%x:%llu", kind, rw, &pid, &maj, &min, &ino) != 6 ||
            strcmp(kind, "FLOCK") != 0)
            continue;
        if (t->n == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 256;
            struct lockent *v = realloc(t->v, cap * sizeof *v);
            if (!v)
                break;
            t->v = v;
            t->cap = cap;
        }
        t->v[t->n++] = (struct lockent){ino, maj, min, pid};
    }
    shmap__procfs_lines_close(&l);
    return 0;
}

/* Collect the holders of (dev, ino) into pids (at most max). */
static int locks_holders(const struct locktab *t, const struct stat *st, int *pids, int max)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->v[mid].ino < (uint64_t)st->st_ino)
            lo = mid + 1;
        else
            hi = mid;
    }
    int n = 0;
    for (size_t i = lo; i < t->n && t->v[i].ino == (uint64_t)st->st_ino; i++)
        if (t->v[i].maj == major(st->st_dev) && t->v[i].min == minor(st->st_dev) && n < max)
            pids[n++] = t->v[i].pid;
    return n;
}

struct walk {
    int (*fn)(const shmap_object_info_t *info, void *arg);
    void *arg;
    struct locktab locks;
    int reclaimed;
    bool stop;
};

static int report(struct walk *w, const struct shmap_ns_file *f, int global, const char *dir)
{
    const struct shmap_objhdr *h = &f->hdr;
    char *name = malloc((size_t)h->name_len + 1);
    if (!name)
        return -ENOMEM;
    ssize_t r = SYS(pread)(f->fd, name, h->name_len, h->name_off);
    if (r < 0) {
        free(name);
        return -errno;
    }
    name[r] = 0;
    char dname[SHMAP_DNAME_LEN + 1], *data_file = NULL;
    if (dir && shmap__hdr_data_name(h, dname)) { /* a section's data file (datafile.c) */
        size_t n = strlen(dir) + sizeof dname + 1;
        if ((data_file = malloc(n)) != NULL)
            snprintf(data_file, n, "%s/%s", dir, dname);
    }
    int pids[64];
    shmap_object_info_t info = {.type = (shmap_type_t)h->type,
                                .global = global,
                                .name = name,
                                .size = h->size,
                                .protect = h->protect,
                                .attributes = h->attributes,
                                .owner_uid = h->owner_uid,
                                .holders = pids,
                                .nholders = locks_holders(&w->locks, &f->st, pids, 64),
                                .data_file = data_file};
    if (w->fn && w->fn(&info, w->arg))
        w->stop = true;
    free(name);
    free(data_file);
    return 0;
}

/* A probe's failure that leaves the entry out of a listing: gone, foreign
 * (SHMAP_E*), or not ours to read.  Anything else (no memory, no
 * descriptor) means we could not look: the listing would be incomplete. */
static bool left_out(int r)
{
    return r == -ENOENT || r == -EACCES || r == -EPERM || r <= SHMAP_ETYPE;
}

static int walk_dir(struct walk *w, enum shmap_scope scope)
{
    int dirfd, owned;
    int r = shmap__ns_dirfd(scope, 0, &dirfd, &owned);
    if (r)
        return r;
    /* A new open file description: readdir must not move the cached fd's offset. */
    int dfd = SYS(openat)(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        shmap__close_fd(dfd);
        return -errno;
    }
    char *dir = NULL; /* for the data files' paths; without it they are not shown */
    if (w->fn)
        shmap__ns_dir_path(dirfd, &dir);
    struct dirent *e;
    while (!w->stop && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            shmap__ns_is_data_name(e->d_name))
            continue; /* a section's data file is not an object (datafile.c) */
        struct shmap_ns_file f = {.fd = -1};
        r = shmap__ns_probe(dirfd, e->d_name, &f);
        if (r == 1)
            w->reclaimed++;
        if (r < 0 && !left_out(r))
            break;
        if (r != 0)
            continue; /* reclaimed, foreign, or not ours to read */
        r = report(w, &f, scope == SHMAP_SCOPE_GLOBAL, dir);
        shmap__close_fd(f.fd);
        if (r)
            break;
    }
    closedir(d);
    free(dir);
    /* after the orphans went (with their data files): what is left behind
     * by a process killed between two links or two unlinks */
    if (!w->stop)
        shmap__ns_data_sweep(dirfd);
    return r < 0 && !left_out(r) ? r : 0;
}

static int walk_all(struct walk *w)
{
    int r = w->fn ? locks_read(&w->locks) : 0;
    if (r == 0)
        r = walk_dir(w, SHMAP_SCOPE_LOCAL);
    if (r == 0 && !w->stop)
        r = walk_dir(w, SHMAP_SCOPE_GLOBAL);
    free(w->locks.v);
    return r;
}

SHMAP_EXTERN int shmap_ns_list(int (*fn)(const shmap_object_info_t *info, void *arg), void *arg)
{
    struct walk w = {.fn = fn, .arg = arg};
    return walk_all(&w);
}

SHMAP_EXTERN int shmap_ns_reclaim(void)
{
    struct walk w = {0};
    int r = walk_all(&w);
    return r ? r : w.reclaimed;
}
