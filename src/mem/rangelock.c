/*
 * rangelock.c - byte-range locks of a file object (LockFile, LockFileEx,
 * UnlockFile, UnlockFileEx), and the check that makes them mandatory for
 * ReadFile and WriteFile.
 *
 * Windows' locks belong to the file object: other file objects of the
 * file (other CreateFile calls, in any process) meet them; the object's
 * own handles meet them only as its rules say.  An OFD lock belongs to an
 * open file description, which is our file object, so the kernel keeps
 * what other descriptions must see: each byte is write-locked where the
 * object holds an exclusive lock, read-locked where it holds only shared
 * ones.  What OFD locks cannot say is kept in the list of the record
 * (struct shmap_rangelocks, under the record's lock):
 *  - locks do not merge: each is unlocked by its exact offset and length,
 *    an exclusive one first when both kinds have that range;
 *  - an exclusive lock conflicts with every lock of the same object, a
 *    shared one with none of them;
 *  - a shared lock keeps out writes even through its own object's handles;
 *  - zero-length locks conflict with the locks that contain their offset;
 *    they are kept in the list only (an OFD lock of length 0 runs to the
 *    end of the file), so other objects do not meet them.
 * The kernel's state of a range is rebuilt from the list after every
 * change (refresh()); only new locks can meet a conflict there, so a
 * failed lock is undone by refreshing again.
 *
 * Offsets from SHMAP_SHARE_BASE (2^61 - 16) up are share.c's and
 * mapping.c's: a lock is applied to the kernel only below that, so beyond
 * it it binds the object's own handles only.  An OFD write lock needs a
 * descriptor open for writing: an object opened for reading only takes its
 * locks through a read-write reopen of its file (the record's lock fd), and
 * where the file may not be opened for writing its exclusive locks are
 * read locks for the kernel (they keep out other objects' writes and
 * exclusive locks, not their reads and shared locks).
 */
#include "mem.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <stdlib.h>

struct shmap_rangelock {
    uint64_t off, len;
    bool excl;
};

#define LIMIT ((uint64_t)SHMAP_SHARE_BASE)

static bool overlaps(uint64_t o1, uint64_t l1, uint64_t o2, uint64_t l2)
{
    if (!l1 && !l2)
        return false;
    if (!l1)
        return o1 >= o2 && o1 - o2 < l2;
    if (!l2)
        return o2 >= o1 && o2 - o1 < l1;
    return o1 - o2 < l2 || o2 - o1 < l1; /* unsigned: one start inside the other range */
}

static int setlk(int fd, int cmd, short type, uint64_t a, uint64_t b)
{
    struct flock fl = {
        .l_type = type, .l_whence = SEEK_SET, .l_start = (off_t)a, .l_len = (off_t)(b - a)};
    while (SYS(fcntl_lock)(fd, cmd, &fl) != 0)
        if (errno != EINTR)
            return errno == EAGAIN || errno == EACCES ? SHMAP_ELOCKED : -errno;
    return cmd == F_OFD_GETLK && fl.l_type != F_UNLCK ? SHMAP_ELOCKED : 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The kernel's type for [a, b): the strongest lock of the list over it. */
static short type_over(const struct shmap_rangelocks *l, uint64_t a, uint64_t b)
{
    short t = F_UNLCK;
    for (size_t i = 0; i < l->n; i++) {
        const struct shmap_rangelock *e = &l->v[i];
        if (!e->len || !overlaps(e->off, e->len, a, b - a))
            continue;
        if (e->excl && !l->downgrade)
            return F_WRLCK;
        t = F_RDLCK;
    }
    return t;
}

/* Make the kernel's locks of [off, off+len) (clamped below LIMIT) those of
 * the list, interval by interval. */
static int refresh(struct shmap_rangelocks *l, int cmd, uint64_t off, uint64_t len)
{
    if (!len || off >= LIMIT)
        return 0;
    uint64_t a = off, b = len > LIMIT - off ? LIMIT : off + len;
    uint64_t *cut = malloc((2 * l->n + 2) * sizeof *cut);
    if (!cut)
        return -ENOMEM;
    size_t n = 0;
    cut[n++] = a;
    cut[n++] = b;
    for (size_t i = 0; i < l->n; i++) {
        uint64_t s = l->v[i].off, e = l->v[i].len > UINT64_MAX - s ? UINT64_MAX : s + l->v[i].len;
        if (s > a && s < b)
            cut[n++] = s;
        if (e > a && e < b)
            cut[n++] = e;
    }
    qsort(cut, n, sizeof *cut, cmp_u64);
    int r = 0;
    for (size_t i = 0; i + 1 < n && !r; i++)
        if (cut[i] < cut[i + 1])
            r = setlk(l->fd, cmd, type_over(l, cut[i], cut[i + 1]), cut[i], cut[i + 1]);
    free(cut);
    return r;
}

/* The descriptor that holds the object's locks, chosen at its first lock. */
static void choose_fd(struct shmap_rangelocks *l, int objfd)
{
    if (l->fd >= 0)
        return;
    l->fd = objfd;
    int fl = SYS(fcntl_int)(objfd, F_GETFL, 0);
    if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY)
        return;
    int w = shmap__reopen_self(objfd, O_RDWR | O_CLOEXEC);
    if (w >= 0)
        l->fd = w;
    else
        l->downgrade = true;
}

int shmap__rangelock_add(struct shmap_rangelocks *l, int objfd, uint64_t off, uint64_t len,
                         bool excl, bool wait)
{
    if (len && off > UINT64_MAX - (len - 1))
        return -EINVAL; /* runs past 2^64 */
    for (size_t i = 0; excl && i < l->n; i++)
        if (overlaps(l->v[i].off, l->v[i].len, off, len))
            return SHMAP_ELOCKED;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 4;
        struct shmap_rangelock *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    choose_fd(l, objfd);
    l->v[l->n++] = (struct shmap_rangelock){.off = off, .len = len, .excl = excl};
    int r = refresh(l, wait ? F_OFD_SETLKW : F_OFD_SETLK, off, len);
    if (r) {
        l->n--;
        refresh(l, F_OFD_SETLK, off, len); /* only gives back what the new lock took */
    }
    return r;
}

int shmap__rangelock_remove(struct shmap_rangelocks *l, uint64_t off, uint64_t len)
{
    size_t found = l->n;
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].off == off && l->v[i].len == len &&
            (found == l->n || (l->v[i].excl && !l->v[found].excl)))
            found = i;
    if (found == l->n)
        return SHMAP_ENOTLOCKED;
    l->v[found] = l->v[--l->n];
    return refresh(l, F_OFD_SETLK, off, len);
}

int shmap__rangelock_io(const struct shmap_rangelocks *l, int objfd, uint64_t off, uint64_t len,
                        bool write)
{
    if (!len || off >= LIMIT)
        return 0;
    for (size_t i = 0; write && i < l->n; i++)
        if (!l->v[i].excl && l->v[i].len && overlaps(l->v[i].off, l->v[i].len, off, len))
            return SHMAP_ELOCKED; /* our own shared lock keeps out our writes too */
    uint64_t b = len > LIMIT - off ? LIMIT : off + len;
    int r = setlk(l->fd >= 0 ? l->fd : objfd, F_OFD_GETLK, write ? F_WRLCK : F_RDLCK, off, b);
    return r == SHMAP_ELOCKED ? r : 0; /* a file that cannot be locked has no locks */
}

void shmap__rangelock_init(struct shmap_rangelocks *l)
{
    *l = (struct shmap_rangelocks){.fd = -1};
}

void shmap__rangelock_fini(struct shmap_rangelocks *l, int objfd)
{
    if (l->fd >= 0 && l->fd != objfd)
        shmap__close_fd(l->fd);
    free(l->v);
    shmap__rangelock_init(l);
}
