/*
 * file.c - file handles: as much of CreateFile and friends as file-backed
 * mappings need.
 *
 * A file handle's record holds the descriptor (obj.fd) and the file
 * position, shared by every handle of that record, as Windows shares it
 * among the handles of one file object.  Handle access is kept in FILE_*
 * rights (generic rights mapped), which CreateFileMapping checks.
 * Reads and writes are pread/pwrite at the position, so they are coherent
 * with MAP_SHARED views of the same file.
 *
 * Paths are Linux paths.  Share modes are enforced by share.c.
 * A negative seek fails with -ESPIPE (Win32 ERROR_NEGATIVE_SEEK).
 */
#include "mem.h"
#include "base/probe.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct shmap_file {
    struct shmap_obj obj;
    struct shmap_reclock lock;
    bool stream;                /* a pipe, socket or terminal: no position, no lock */
    uint64_t pos;               /* protected by lock */
    struct shmap_rangelocks rl; /* protected by lock (rangelock.c) */
    /* A completion port (iocp.c): assoc goes 0 -> 1 (claimed) -> 2 (port
     * and key written, read only after seeing 2). */
    _Atomic uint32_t assoc;
    struct shmap_obj *port; /* a reference, dropped with the record */
    uint64_t key;
};

bool shmap__file_associate(struct shmap_obj *o, struct shmap_obj *port, uint64_t key)
{
    struct shmap_file *f = (struct shmap_file *)o;
    uint32_t free_ = 0;
    if (!atomic_compare_exchange_strong(&f->assoc, &free_, 1))
        return false;
    shmap__obj_get(port);
    f->port = port;
    f->key = key;
    atomic_store_explicit(&f->assoc, 2, memory_order_release);
    return true;
}

struct shmap_obj *shmap__file_port(struct shmap_obj *o, uint64_t *key)
{
    struct shmap_file *f = (struct shmap_file *)o;
    if (atomic_load_explicit(&f->assoc, memory_order_acquire) != 2)
        return NULL;
    shmap__obj_get(f->port);
    *key = f->key;
    return f->port;
}

static void file_destroy(struct shmap_obj *o)
{
    struct shmap_file *f = (struct shmap_file *)o;
    shmap__rangelock_fini(&f->rl, o->fd);
    shmap__reclock_destroy(&f->lock);
    if (atomic_load(&f->assoc) == 2)
        shmap__obj_put(f->port);
    shmap__obj_fini(o);
    shmap__obj_free(f);
}

/* MAXIMUM_ALLOWED asks for all the file allows: every right (the owner's,
 * FILE_ALL_ACCESS), less the writing ones when the file may not be opened
 * for writing.  The bit itself stays, as the request's mark. */
#define MAX_WRITE                                                                                  \
    (SHMAP_FILE_WRITE_DATA | SHMAP_FILE_APPEND_DATA | SHMAP_FILE_WRITE_EA |                        \
     SHMAP_FILE_WRITE_ATTRIBUTES | SHMAP_DELETE)

static uint32_t map_generic(uint32_t a)
{
    uint32_t m = shmap__access_map_generic(SHMAP_TYPE_FILE, a); /* FILE_GENERIC_* (access.c) */
    return (m & SHMAP_MAXIMUM_ALLOWED) ? m | SHMAP_FILE_ALL_ACCESS : m;
}

static int open_flags(uint32_t access, uint32_t disposition, int *flags)
{
    bool w = access & (SHMAP_FILE_WRITE_DATA | SHMAP_FILE_APPEND_DATA);
    *flags = (w ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY;
    switch (disposition) {
    case SHMAP_CREATE_NEW:
        *flags |= O_CREAT | O_EXCL;
        break;
    case SHMAP_CREATE_ALWAYS:
        *flags |= O_CREAT;
        break;
    case SHMAP_OPEN_EXISTING:
        break;
    case SHMAP_OPEN_ALWAYS:
        *flags |= O_CREAT;
        break;
    case SHMAP_TRUNCATE_EXISTING:
        if (!(access & SHMAP_FILE_WRITE_DATA))
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }
    return 0;
}

static int errno_of_open(int e)
{
    switch (e) {
    case EEXIST:
        return SHMAP_EFILEEXISTS;
    case ENOTDIR:
        return SHMAP_EPATH;
    case EISDIR:
        return -EACCES;
    default:
        return -e;
    }
}

/* Open, telling whether the file existed (for CREATE_ALWAYS/OPEN_ALWAYS). */
static int do_open(const char *path, int flags, uint32_t disposition, bool *existed)
{
    *existed = false;
    if (disposition == SHMAP_CREATE_ALWAYS || disposition == SHMAP_OPEN_ALWAYS) {
        int fd = SYS(openat)(AT_FDCWD, path, (flags & ~O_CREAT), 0);
        if (fd >= 0) {
            *existed = true;
            return fd;
        }
        if (errno != ENOENT)
            return errno_of_open(errno);
        flags |= O_EXCL; /* created by someone else meanwhile: report it */
    }
    int fd = SYS(openat)(AT_FDCWD, path, flags, 0666);
    if (fd < 0 && errno == EEXIST &&
        (disposition == SHMAP_CREATE_ALWAYS || disposition == SHMAP_OPEN_ALWAYS))
        return do_open(path, flags & ~O_EXCL, disposition, existed);
    if (fd < 0)
        return errno == ENOENT && (flags & O_CREAT) ? SHMAP_EPATH : errno_of_open(errno);
    return fd;
}

/* What NtCreateFile checks once the file is found, in its order: a
 * directory, then the share modes, then the truncation of CREATE_ALWAYS
 * and TRUNCATE_EXISTING (which a mapping refuses). */
static int check_regular(int fd, uint32_t acc, uint32_t share, uint32_t disposition, bool existed)
{
    struct stat st;
    if (SYS(fstat)(fd, &st) != 0)
        return -errno;
    if (S_ISDIR(st.st_mode))
        return -EACCES;
    int r = S_ISREG(st.st_mode) ? shmap__share_open(fd, acc, share) : 0; /* share.c */
    if (r)
        return r;
    bool trunc =
        disposition == SHMAP_TRUNCATE_EXISTING || (disposition == SHMAP_CREATE_ALWAYS && existed);
    if (!trunc || !S_ISREG(st.st_mode))
        return 0;
    /* a mapped file is never cut short (Windows: STATUS_USER_MAPPED_FILE) */
    if (st.st_size > 0 && shmap__file_is_mapped(fd, 0))
        return SHMAP_EMAPPED;
    if (SYS(ftruncate)(fd, 0) == 0)
        return 0;
    if (errno != EINVAL && errno != EBADF)
        return -errno;
    /* CREATE_ALWAYS with read (or no) access overwrites all the same: a
     * descriptor of our own that may write, if the file lets us */
    int w = shmap__reopen_self(fd, O_WRONLY | O_CLOEXEC);
    if (w < 0)
        return w;
    r = SYS(ftruncate)(w, 0) == 0 ? 0 : -errno;
    shmap__close_fd(w);
    return r;
}

SHMAP_EXTERN int shmap_file_open(const char *path, uint32_t access, uint32_t share,
                                 uint32_t disposition, uint32_t attributes, unsigned flags,
                                 shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    (void)attributes;
    if (!path)
        return -EINVAL;
    if (share & ~(SHMAP_FILE_SHARE_READ | SHMAP_FILE_SHARE_WRITE | SHMAP_FILE_SHARE_DELETE))
        return -EINVAL; /* IoCreateFile checks it before it looks at the path */
    if (!*path)
        return SHMAP_EPATH;
    uint32_t acc = map_generic(access);
    int oflags, r = open_flags(acc, disposition, &oflags);
    if (r)
        return r;
    bool existed;
    int fd = do_open(path, oflags, disposition, &existed);
    if ((fd == -EACCES || fd == -EROFS) && (acc & SHMAP_MAXIMUM_ALLOWED)) {
        acc &= ~MAX_WRITE; /* the most the file allows: no writing */
        open_flags(acc, disposition, &oflags);
        fd = do_open(path, oflags, disposition, &existed);
    }
    if (fd < 0)
        return fd;
    bool created = (oflags & O_CREAT) && !existed; /* ours to remove if we fail */
    struct shmap_file *f = NULL;
    if ((r = check_regular(fd, acc, share, disposition, existed)) == 0)
        r = shmap__objsec_file(fd, created); /* lpSecurityDescriptor: the new file's mode */
    if (r == 0 && (f = shmap__obj_alloc(sizeof *f)) == NULL)
        r = -ENOMEM;
    if (r) {
        shmap__close_fd(fd);
    } else {
        shmap__obj_init(&f->obj, &shmap__file_ops, fd, NULL);
        shmap__reclock_init(&f->lock);
        shmap__rangelock_init(&f->rl);
        atomic_store(&f->obj.handles, 1);
        r = shmap__handle_alloc(&f->obj, acc & ~SHMAP_MAXIMUM_ALLOWED,
                                (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0, out);
        if (r)
            shmap__obj_handle_put(&f->obj);
    }
    if (r && created)
        SYS(unlinkat)(AT_FDCWD, path, 0); /* a failed create makes no file */
    if (r)
        return r;
    return existed ? SHMAP_EXISTED : 0;
}

static int file_get(shmap_handle_t h, uint32_t need, struct shmap_file **f)
{
    struct shmap_obj *o;
    uint32_t access;
    int r = shmap__handle_get_type(h, SHMAP_TYPE_FILE, &o, &access);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    if ((access & need) != need) {
        shmap__obj_put(o);
        return -EACCES;
    }
    *f = (struct shmap_file *)o;
    return 0;
}

/* A write that would raise SIGPIPE fails with EPIPE instead: the signal
 * is blocked around it and a pending one of ours taken back. */
static ssize_t write_nosig(int fd, const void *buf, size_t len)
{
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = SYS(write)(fd, buf, len);
    int e = errno;
    if (n < 0 && e == EPIPE && !sigismember(&old, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return n;
}

/* ReadFile and WriteFile of a stream (pipe.c): no position and no lock, so
 * that a reader blocked on an empty pipe holds nothing up.  A read that
 * finds a pipe empty and without writers is Windows' broken pipe. */
static int stream_io(struct shmap_file *f, bool write, void *buf, uint32_t len, uint32_t *done)
{
    ssize_t n;
    do
        n = !len ? 0 : write ? write_nosig(f->obj.fd, buf, len) : SYS(read)(f->obj.fd, buf, len);
    while (n < 0 && errno == EINTR);
    int r = n >= 0 ? 0 : errno == EFAULT ? SHMAP_ENOACCESS : -errno;
    struct stat st;
    if (!r && !write && len && n == 0 && SYS(fstat)(f->obj.fd, &st) == 0 && S_ISFIFO(st.st_mode))
        r = SHMAP_EBROKENPIPE;
    shmap__obj_put(&f->obj);
    if (!r && done)
        *done = (uint32_t)n;
    return r;
}

/* ReadFile and WriteFile: at the shared position, which moves by what was
 * done.  A handle that may only append (FILE_APPEND_DATA without
 * FILE_WRITE_DATA) writes at the end of the file, wherever its position. */
static int file_io(shmap_handle_t h, bool write, void *buf, uint32_t len, uint32_t *done)
{
    struct shmap_file *f;
    struct shmap_obj *o;
    uint32_t access;
    int r = shmap__handle_get_type(h, SHMAP_TYPE_FILE, &o, &access);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    bool append = write && !(access & SHMAP_FILE_WRITE_DATA) && (access & SHMAP_FILE_APPEND_DATA);
    if (!(access & (write ? SHMAP_FILE_WRITE_DATA : SHMAP_FILE_READ_DATA)) && !append) {
        shmap__obj_put(o);
        return -EACCES;
    }
    f = (struct shmap_file *)o;
    if (f->stream)
        return stream_io(f, write, buf, len, done);
    shmap__reclock_lock(&f->lock);
    struct stat st;
    if (append && SYS(fstat)(f->obj.fd, &st) == 0)
        f->pos = (uint64_t)st.st_size;
    /* byte-range locks are mandatory for ReadFile and WriteFile */
    int lr = shmap__rangelock_io(&f->rl, f->obj.fd, f->pos, len, write);
    if (lr) {
        shmap__reclock_unlock(&f->lock);
        shmap__obj_put(&f->obj);
        return lr;
    }
    ssize_t n = !len    ? 0
                : write ? SYS(pwrite)(f->obj.fd, buf, len, (off_t)f->pos)
                        : SYS(pread)(f->obj.fd, buf, len, (off_t)f->pos);
    if (n < 0 && errno == ESPIPE) /* a pipe or terminal (standard handles): no position */
        n = write ? SYS(write)(f->obj.fd, buf, len) : SYS(read)(f->obj.fd, buf, len);
    if (n > 0)
        f->pos += (uint64_t)n;
    shmap__reclock_unlock(&f->lock);
    shmap__obj_put(&f->obj);
    if (n < 0)
        return errno == EFAULT ? SHMAP_ENOACCESS : -errno;
    if (done)
        *done = (uint32_t)n;
    return 0;
}

SHMAP_EXTERN int shmap_file_read(shmap_handle_t h, void *buf, uint32_t len, uint32_t *done)
{
    if (done && SHMAP_PROBE_OUT(done))
        return -EFAULT;
    return file_io(h, false, buf, len, done);
}

SHMAP_EXTERN int shmap_file_write(shmap_handle_t h, const void *buf, uint32_t len, uint32_t *done)
{
    if (done && SHMAP_PROBE_OUT(done))
        return -EFAULT;
    return file_io(h, true, (void *)buf, len, done);
}

SHMAP_EXTERN int shmap_file_seek(shmap_handle_t h, int64_t distance, int origin, uint64_t *newpos)
{
    if (newpos && SHMAP_PROBE_OUT(newpos))
        return -EFAULT;
    struct shmap_file *f;
    int r = file_get(h, 0, &f);
    if (r)
        return r;
    struct stat st;
    shmap__reclock_lock(&f->lock);
    int64_t from = 0;
    if (origin == SHMAP_FILE_CURRENT)
        from = (int64_t)f->pos;
    else if (origin == SHMAP_FILE_END)
        from = SYS(fstat)(f->obj.fd, &st) == 0 ? (int64_t)st.st_size : -1;
    else if (origin != SHMAP_FILE_BEGIN)
        r = -EINVAL;
    if (!r && from < 0)
        r = -errno;
    int64_t to = 0;
    if (!r && __builtin_add_overflow(from, distance, &to))
        r = -EINVAL;
    if (!r && to < 0)
        r = -ESPIPE;
    if (!r)
        f->pos = (uint64_t)to;
    shmap__reclock_unlock(&f->lock);
    shmap__obj_put(&f->obj);
    if (!r && newpos)
        *newpos = (uint64_t)to;
    return r;
}

SHMAP_EXTERN int shmap_file_set_end(shmap_handle_t h)
{
    struct shmap_file *f;
    int r = file_get(h, SHMAP_FILE_WRITE_DATA, &f);
    if (r)
        return r;
    struct stat st;
    shmap__reclock_lock(&f->lock);
    uint64_t end = f->pos;
    if (SYS(fstat)(f->obj.fd, &st) != 0)
        r = -errno; /* NOLINT(bugprone-branch-clone): as the last branch's, another call's */
    else if (end < (uint64_t)st.st_size && shmap__file_is_mapped(f->obj.fd, end))
        r = SHMAP_EMAPPED;
    else if (end > (uint64_t)st.st_size) {
        r = shmap__fallocate(f->obj.fd, (uint64_t)st.st_size, end - (uint64_t)st.st_size);
        if (r == -EOPNOTSUPP)
            r = SYS(ftruncate)(f->obj.fd, (off_t)end) ? -errno : 0;
    } else if (SYS(ftruncate)(f->obj.fd, (off_t)end) != 0)
        r = -errno;
    shmap__reclock_unlock(&f->lock);
    shmap__obj_put(&f->obj);
    return r == -EFBIG ? -ENOSPC : r;
}

/* The file of a handle that may lock: NtLockFile wants FILE_READ_DATA or
 * FILE_WRITE_DATA. */
static int lock_get(shmap_handle_t h, struct shmap_file **f)
{
    struct shmap_obj *o;
    uint32_t access;
    int r = shmap__handle_get_type(h, SHMAP_TYPE_FILE, &o, &access);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    if (!(access & (SHMAP_FILE_READ_DATA | SHMAP_FILE_WRITE_DATA))) {
        shmap__obj_put(o);
        return -EACCES;
    }
    *f = (struct shmap_file *)o;
    return 0;
}

SHMAP_EXTERN int shmap_file_lock(shmap_handle_t h, uint64_t offset, uint64_t length, unsigned flags)
{
    if (flags & ~(SHMAP_LOCK_FAIL_IMMEDIATELY | SHMAP_LOCK_EXCLUSIVE))
        return -EINVAL;
    struct shmap_file *f;
    int r = lock_get(h, &f);
    if (r)
        return r;
    shmap__reclock_lock(&f->lock);
    r = shmap__rangelock_add(&f->rl, f->obj.fd, offset, length, (flags & SHMAP_LOCK_EXCLUSIVE) != 0,
                             !(flags & SHMAP_LOCK_FAIL_IMMEDIATELY));
    shmap__reclock_unlock(&f->lock);
    shmap__obj_put(&f->obj);
    return r;
}

SHMAP_EXTERN int shmap_file_unlock(shmap_handle_t h, uint64_t offset, uint64_t length)
{
    struct shmap_file *f;
    int r = lock_get(h, &f);
    if (r)
        return r;
    shmap__reclock_lock(&f->lock);
    r = shmap__rangelock_remove(&f->rl, offset, length);
    shmap__reclock_unlock(&f->lock);
    shmap__obj_put(&f->obj);
    return r;
}

/* fstat of the file of handle h (any access). */
static int file_stat(shmap_handle_t h, struct stat *st)
{
    struct shmap_file *f;
    int r = file_get(h, 0, &f);
    if (r)
        return r;
    r = SYS(fstat)(f->obj.fd, st) ? -errno : 0;
    shmap__obj_put(&f->obj);
    return r;
}

SHMAP_EXTERN int shmap_file_size(shmap_handle_t h, uint64_t *size)
{
    if (SHMAP_PROBE_OUT(size))
        return -EFAULT;
    struct stat st;
    int r = file_stat(h, &st);
    if (!r)
        *size = (uint64_t)st.st_size;
    return r;
}

SHMAP_EXTERN int shmap_file_type(shmap_handle_t h, uint32_t *type)
{
    if (SHMAP_PROBE_OUT(type))
        return -EFAULT;
    struct stat st;
    int r = file_stat(h, &st);
    if (!r)
        *type = S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode)
                    ? SHMAP_FILE_TYPE_DISK
                : S_ISCHR(st.st_mode)                          ? SHMAP_FILE_TYPE_CHAR
                : S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ? SHMAP_FILE_TYPE_PIPE
                                                               : SHMAP_FILE_TYPE_UNKNOWN;
    return r;
}

SHMAP_EXTERN int shmap_file_flush(shmap_handle_t h)
{
    struct shmap_file *f;
    int r = file_get(h, SHMAP_FILE_WRITE_DATA, &f);
    if (r)
        return r;
    r = SYS(fsync)(f->obj.fd) ? -errno : 0;
    shmap__obj_put(&f->obj);
    return r;
}

/* DeleteFile opens the file for DELETE sharing everything: it fails while
 * a description denies delete (share.c), and on a read-only file, checked and unlinked under the
 * share gate so that no such open slips in between.  A file we cannot
 * open (no read permission, a symbolic link, a device) is not checked. */
static int delete_shared(const char *path)
{
    int fd =
        SYS(openat)(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
    int g = fd >= 0 ? shmap__share_gate(fd) : 1;
    int r = g == 0 ? shmap__share_check_delete(fd) : 0;
    struct stat st; /* FILE_ATTRIBUTE_READONLY (attr.c): STATUS_CANNOT_DELETE */
    if (r == 0 && SYS(fstatat)(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && !(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
        r = -EACCES;
    if (r == 0 && SYS(unlinkat)(AT_FDCWD, path, 0) != 0)
        r = -errno; /* NOLINT(bugprone-branch-clone) */
    if (g == 0)
        shmap__share_ungate(fd);
    if (fd >= 0)
        shmap__close_fd(fd);
    return r;
}

SHMAP_EXTERN int shmap_file_delete(const char *path)
{
    if (!path)
        return -EINVAL;
    int r = delete_shared(path);
    if (r == -EISDIR || r == -EPERM)
        return -EACCES;
    return r == -ENOTDIR ? SHMAP_EPATH : r;
}

int shmap__file_adopt(int fd, uint64_t pos, struct shmap_obj **out)
{
    struct stat st;
    int r = SYS(fstat)(fd, &st) != 0 ? -errno : S_ISDIR(st.st_mode) ? -EBADF : 0;
    if (r) {
        shmap__close_fd(fd);
        return r;
    }
    struct shmap_file *f = shmap__obj_alloc(sizeof *f);
    if (!f) {
        shmap__close_fd(fd);
        return -ENOMEM;
    }
    shmap__obj_init(&f->obj, &shmap__file_ops, fd, &st);
    f->stream = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode);
    shmap__reclock_init(&f->lock);
    shmap__rangelock_init(&f->rl);
    f->pos = pos;
    atomic_store(&f->obj.handles, 1);
    *out = &f->obj;
    return 0;
}

uint64_t shmap__file_pos(struct shmap_obj *o)
{
    struct shmap_file *f = (struct shmap_file *)o;
    shmap__reclock_lock(&f->lock);
    uint64_t p = f->pos;
    shmap__reclock_unlock(&f->lock);
    return p;
}

/* GetStdHandle: a file handle over a duplicate of fd 0, 1 or 2, made once. */
/* lifecycle.c takes it across fork */
pthread_mutex_t shmap__std_lock = PTHREAD_MUTEX_INITIALIZER;
static shmap_handle_t std_handles[3];
static bool std_set[3]; /* SetStdHandle gave it: returned as it is */

SHMAP_EXTERN int shmap_std_handle_set(int which, shmap_handle_t h)
{
    if (which < 0 || which > 2)
        return -EINVAL;
    pthread_mutex_lock(&shmap__std_lock);
    std_handles[which] = h;
    std_set[which] = true;
    pthread_mutex_unlock(&shmap__std_lock);
    return 0;
}

SHMAP_EXTERN int shmap_std_handle(int which, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    if (which < 0 || which > 2)
        return -EINVAL;
    pthread_mutex_lock(&shmap__std_lock);
    int r = 0;
    shmap_type_t type;
    if (!std_set[which] &&
        (!std_handles[which] || shmap_handle_query(std_handles[which], &type, NULL) != 0 ||
         type != SHMAP_TYPE_FILE)) {
        std_handles[which] = SHMAP_NULL_HANDLE;
        int fd = SYS(fcntl_int)(which, F_DUPFD_CLOEXEC, 3);
        struct shmap_obj *o;
        if (fd < 0)
            r = errno == EBADF ? 1 : -errno; /* closed: no handle, as Windows' NULL */
        else if ((r = shmap__file_adopt(fd, 0, &o)) == 0) {
            int fl = SYS(fcntl_int)(fd, F_GETFL, 0);
            uint32_t acc = map_generic((fl & O_ACCMODE) == O_RDONLY ? SHMAP_GENERIC_READ
                                       : (fl & O_ACCMODE) == O_WRONLY
                                           ? SHMAP_GENERIC_WRITE
                                           : SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE);
            r = shmap__handle_alloc(o, acc, 0, &std_handles[which]);
            if (r)
                shmap__obj_handle_put(o);
        }
    }
    *out = r == 0 ? std_handles[which] : SHMAP_NULL_HANDLE;
    pthread_mutex_unlock(&shmap__std_lock);
    return r == 1 ? 0 : r;
}

/* A copy of a file handle carries the position (read now: a copy that
 * leaves starts where ours is). */
static void file_describe(struct shmap_obj *o, struct shmap_xfer *x, bool export)
{
    if (export)
        x->pos = shmap__file_pos(o);
}

static int file_adopt(const struct shmap_xfer *x, int fd, int data_fd, struct shmap_obj **out)
{
    if (data_fd >= 0)
        shmap__close_fd(data_fd);
    if (fd < 0)
        return -EBADF;
    return shmap__file_adopt(fd, x->pos, out);
}

/* Always signalled: no I/O is ever pending on our files. */
static const struct shmap_wait_ops file_wait = {.kind = SHMAP_WK_ALWAYS};

const struct shmap_obj_ops shmap__file_ops = {
    .type = SHMAP_TYPE_FILE,
    .flags = SHMAP_OPS_ACCESS_DESC,
    .destroy = file_destroy,
    .describe = file_describe,
    .adopt = file_adopt,
    .wait = &file_wait,
};
