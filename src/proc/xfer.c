/*
 * xfer.c - handles that cross process boundaries: inheritance by a child,
 * and DuplicateHandle into, out of and between other processes.
 *
 * What crosses is always an open file description of the object's file
 * (our own: reopened through /proc/self/fd, and locked shared if the object
 * is named, so it keeps the object alive on its own) plus a fixed-width
 * description (struct shmap_xfer).  The receiver builds a record from them
 * exactly as an Open* would (shmap__xfer_adopt).
 *
 * - Into a child: the descriptors are passed at the same numbers and a
 *   memfd ("blob") lists them; the child's library installs them at start.
 * - Into another process (a put): the value is taken from a counter in the
 *   target's state page (indices from SHMAP_REMOTE_BASE, which the target
 *   never gives out itself), and the description with its descriptors is
 *   sent to the target's listening socket.  It waits in the kernel, held by
 *   the target's socket (so it dies with the target), until the target's
 *   next handle lookup or wait sees inbox_gen moved and takes it in.  The
 *   target need not be running shmap code when the put happens.
 * - Out of another process (a get): every process publishes its table in
 *   its state memfd (one struct shmap_xfer per index); the getter reads the
 *   entry and reopens the descriptor through /proc/PID/fd/N, then checks
 *   the entry did not change meanwhile.
 * - A close in another process (DUPLICATE_CLOSE_SOURCE): a message like a
 *   put, carrying the entry's generation.
 */
#include "proc.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define WIN_ENTRIES 4096u /* entries per published window: one handle table chunk */
#define WIN_BYTES ((size_t)WIN_ENTRIES * sizeof(struct shmap_xfer))
#define MAX_WINDOWS 4096u

/* ---- publishing our table ------------------------------------------------- */

static struct shmap_xfer *windows[MAX_WINDOWS]; /* handle.c's table lock */
static int windows_fd = -1;                     /* the memfd they map */

static struct shmap_xfer *entry_of(uint32_t idx)
{
    uint32_t w = idx / WIN_ENTRIES;
    if (w >= MAX_WINDOWS || shmap__self_memfd < 0)
        return NULL;
    if (windows_fd != shmap__self_memfd) { /* a fork child's new state: not the parent's */
        for (uint32_t i = 0; i < MAX_WINDOWS; i++) {
            if (windows[i])
                SYS(munmap)(windows[i], WIN_BYTES);
            windows[i] = NULL;
        }
        windows_fd = shmap__self_memfd;
    }
    if (!windows[w]) {
        off_t off = (off_t)SHMAP_PROC_TABLE_OFF + (off_t)w * (off_t)WIN_BYTES;
        struct stat sb;
        if (SYS(fstat)(windows_fd, &sb) != 0)
            return NULL;
        if (sb.st_size < off + (off_t)WIN_BYTES &&
            SYS(ftruncate)(windows_fd, off + (off_t)WIN_BYTES))
            return NULL;
        void *p = SYS(mmap)(NULL, WIN_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, windows_fd, off);
        if (p == MAP_FAILED)
            return NULL;
        windows[w] = p;
    }
    return &windows[w][idx % WIN_ENTRIES];
}

/* ---- inherited handles not taken in yet ------------------------------------------ */

/* What the parent described, and its descriptors, never change: the record
 * can be described (published again in a fork child, copied out by another
 * process, passed on to a grandchild) without a lock, at any instant.  The
 * taking in works on duplicates of the descriptors and publishes the real
 * record in `real` when it is complete.  Takings in are serialised by one
 * global lock, which fork takes (lifecycle.c): a fork child never finds one
 * half done. */
struct shmap_pending {
    struct shmap_obj obj; /* obj.fd: the inherited descriptor, kept until destroyed */
    struct shmap_xfer x;  /* as the parent described it */
    int data_fd;
    struct shmap_obj *_Atomic real; /* once resolved: one handle count and one reference */
    int err;                        /* shmap__resolve_lock */
};

/* lifecycle.c: across fork */
pthread_mutex_t shmap__resolve_lock = PTHREAD_MUTEX_INITIALIZER;

static void pending_destroy(struct shmap_obj *o)
{
    struct shmap_pending *p = (struct shmap_pending *)o;
    struct shmap_obj *real = atomic_load(&p->real);
    if (real)
        shmap__obj_handle_put(real);
    if (p->data_fd >= 0)
        shmap__close_fd(p->data_fd);
    shmap__obj_fini(o);
    shmap__obj_free(p);
}

static int pending_resolve(struct shmap_obj *o, struct shmap_obj **real);
static void pending_settle(struct shmap_obj *o);

/* A stand-in: the handle table takes it in at its first use (resolve),
 * and settles a named one at its close and at exit. */
static const struct shmap_obj_ops pending_ops = {
    .type = SHMAP_TYPE_PENDING,
    .destroy = pending_destroy,
    .resolve = pending_resolve,
    .closing = pending_settle,
    .settle = pending_settle,
};

static struct shmap_obj *pending_new(const struct shmap_xfer *x)
{
    struct shmap_pending *p = shmap__obj_alloc(sizeof *p);
    if (!p)
        return NULL;
    shmap__obj_init(&p->obj, &pending_ops, x->fd, NULL);
    atomic_init(&p->real, NULL);
    p->err = 0;
    p->x = *x;
    p->data_fd = x->data_fd;
    atomic_store(&p->obj.handles, 1);
    return &p->obj;
}

/* Duplicates of a pending record's descriptors, for the real record. */
static int dup_fds(const struct shmap_pending *p, int *fd, int *data_fd)
{
    *fd = *data_fd = -1;
    if (p->obj.fd >= 0 && (*fd = SYS(fcntl_int)(p->obj.fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return -errno;
    if (p->data_fd >= 0 && (*data_fd = SYS(fcntl_int)(p->data_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        int e = -errno;
        shmap__close_fd(*fd);
        *fd = -1;
        return e;
    }
    return 0;
}

static int pending_resolve(struct shmap_obj *o, struct shmap_obj **real)
{
    struct shmap_pending *p = (struct shmap_pending *)o;
    struct shmap_obj *got = atomic_load(&p->real);
    if (got) {
        *real = got;
        return 0;
    }
    pthread_mutex_lock(&shmap__resolve_lock);
    got = atomic_load(&p->real);
    if (!got && !p->err) {
        int fd, data_fd;
        /* the record takes the duplicates over, or closes them */
        p->err = dup_fds(p, &fd, &data_fd);
        if (p->err == 0)
            p->err = shmap__xfer_adopt(&p->x, fd, data_fd, &got);
        if (p->err == 0 && !got)
            p->err = -EBADF;
        if (p->err == 0)
            atomic_store(&p->real, got);
    }
    int r = got ? 0 : p->err;
    pthread_mutex_unlock(&shmap__resolve_lock);
    *real = got;
    return r;
}

/* A named object's last handle may be this one: its release protocol (the
 * name's file removed) runs only through a real record, so one that was
 * never used is taken in before it goes (close, exit). */
static void pending_settle(struct shmap_obj *o)
{
    struct shmap_pending *p = (struct shmap_pending *)o;
    const struct shmap_obj_ops *ops = shmap__ops_of(p->x.type);
    struct shmap_obj *real;
    if (p->x.scope != 0 && ops && ops->adopt_file)
        (void)pending_resolve(o, &real); /* unnamed ones live by references only */
}

static void describe(struct shmap_obj *o, uint32_t access, uint32_t hflags, struct shmap_xfer *x,
                     bool export);

/* A pending record described as its parent did; false if resolved (then
 * *real is the record to use). */
static bool pending_describe(struct shmap_obj *o, uint32_t access, uint32_t hflags,
                             struct shmap_xfer *x, struct shmap_obj **real)
{
    struct shmap_pending *p = (struct shmap_pending *)o;
    *real = atomic_load(&p->real);
    if (!*real) {
        *x = p->x;
        atomic_init(&x->gen, 0);
        x->hflags = (uint16_t)hflags;
        x->access = access;
        x->fd = o->fd;
        x->data_fd = p->data_fd;
        x->op = 0;
        x->src_pid = 0;
    }
    return *real == NULL;
}

static void describe(struct shmap_obj *o, uint32_t access, uint32_t hflags, struct shmap_xfer *x,
                     bool export)
{
    if (o->ops == &pending_ops) {
        struct shmap_obj *real;
        if (pending_describe(o, access, hflags, x, &real))
            return;
        o = real;
    }
    memset(x, 0, sizeof *x);
    x->type = (uint16_t)o->type;
    x->hflags = (uint16_t)hflags;
    x->access = access;
    x->fd = o->fd;
    x->data_fd = -1;
    if (o->named) {
        x->scope = (uint16_t)(o->scope + 1);
        /* Local\: whose, for a taker that is another user (read_name) */
        x->uid = o->scope == SHMAP_SCOPE_LOCAL ? o->local_uid : o->uid;
    }
    x->dev = o->dev; /* 0 for a record made by a create: not needed, not looked up */
    x->ino = o->ino;
    if (o->ops->describe)
        o->ops->describe(o, x, export); /* the type's part: data_fd, uid, pos */
}

static void publish(uint32_t idx, uint32_t gen, struct shmap_obj *o, uint32_t access,
                    uint32_t hflags)
{
    struct shmap_xfer *e = entry_of(idx);
    if (!e)
        return;
    struct shmap_xfer x;
    describe(o, access, hflags, &x, false);
    x.value = (idx + 1u) << 2;
    atomic_store(&e->gen, gen << 1); /* readers see it change while we write */
    memcpy((char *)e + 4, (char *)&x + 4, sizeof x - 4);
    atomic_store(&e->gen, gen << 1 | 1u);
}

static void unpublish(uint32_t idx, uint32_t gen)
{
    struct shmap_xfer *e = entry_of(idx);
    if (e)
        atomic_store(&e->gen, gen << 1);
}

/* ---- export and adopt ------------------------------------------------------- */

/* Descriptors of our own for what x describes (x->fd, x->data_fd are ours):
 * a named object needs an open file description of its own (its shared
 * lock is what keeps the name), and so does a process (its state memfd is
 * read at an offset of its own); an unnamed object or a file lives by its
 * references only, so the same description can go. */
static int copy_fds(const struct shmap_xfer *x, int *fd, int *data_fd)
{
    *fd = *data_fd = -1;
    if (x->fd < 0)
        return 0; /* not a shmap process: pid and start time are all we have */
    const struct shmap_obj_ops *ops = shmap__ops_of(x->type);
    bool own = x->scope != 0 || (ops && (ops->flags & SHMAP_OPS_OWN_DESC));
    *fd = own ? shmap__reopen_self(x->fd, O_RDWR) : SYS(fcntl_int)(x->fd, F_DUPFD_CLOEXEC, 0);
    if (*fd < 0)
        return own ? *fd : -errno;
    int r = x->scope != 0 ? shmap__lock_shared(*fd) : 0;
    if (r == 0 && x->data_fd >= 0 &&
        (*data_fd = SYS(fcntl_int)(x->data_fd, F_DUPFD_CLOEXEC, 0)) < 0)
        r = -errno;
    if (r) {
        shmap__close_fd(*fd);
        *fd = -1;
    }
    return r;
}

int shmap__xfer_export(struct shmap_obj *o, uint32_t access, uint32_t hflags, struct shmap_xfer *x,
                       int *fd, int *data_fd)
{
    if (o->ops == &pending_ops) {
        struct shmap_obj *real; /* its descriptors live as long as our reference */
        if (pending_describe(o, access, hflags, x, &real))
            return copy_fds(x, fd, data_fd);
        o = real;
    }
    *fd = *data_fd = -1;
    if (o->ops->flags & SHMAP_OPS_LOCAL)
        return SHMAP_ENOTSUP; /* a thread lives in its process only (docs/processes.md) */
    describe(o, access, hflags, x, true);
    return copy_fds(x, fd, data_fd);
}

static void close_pair(int fd, int data_fd)
{
    if (fd >= 0)
        shmap__close_fd(fd);
    if (data_fd >= 0)
        shmap__close_fd(data_fd);
}

/* An object file's header and state area, read in one go (named.c checks
 * the state on this copy). */
union adopt_head {
    struct shmap_objhdr hdr;
    unsigned char b[SHMAP_STATE_OFF + SHMAP_STATE_SIZE];
};

/* f from the object file fd that x describes: its header, validated and of
 * x's type, and its state when the file has one. */
static int read_head(const struct shmap_xfer *x, int fd, union adopt_head *head,
                     struct shmap_ns_file *f)
{
    if (SYS(fstat)(fd, &f->st) != 0)
        return -errno;
    ssize_t got = SYS(pread)(fd, head, sizeof *head, 0);
    if (got < (ssize_t)sizeof f->hdr)
        return got < 0 ? -errno : SHMAP_EBADOBJ;
    memcpy(&f->hdr, &head->hdr, sizeof f->hdr);
    f->state = got == (ssize_t)sizeof *head ? head->b + SHMAP_STATE_OFF : NULL;
    if (shmap__hdr_validate(&f->hdr, (uint64_t)f->st.st_size) || f->hdr.type != x->type)
        return SHMAP_EBADOBJ;
    return 0;
}

/* The name of a named object file (*name: the bytes, malloc'd; n parsed). */
static int read_name(const struct shmap_xfer *x, const struct shmap_ns_file *f, char **name,
                     struct shmap_name *n)
{
    *name = malloc(f->hdr.name_len + 1u);
    if (!*name)
        return -ENOMEM;
    ssize_t got = SYS(pread)(f->fd, *name, f->hdr.name_len, f->hdr.name_off);
    if (got != (ssize_t)f->hdr.name_len)
        return got < 0 ? -errno : SHMAP_EBADOBJ;
    /* the sender's Local\ is ours only if we are its user */
    enum shmap_scope scope = (enum shmap_scope)(x->scope - 1);
    if (scope == SHMAP_SCOPE_LOCAL && x->uid != (uint32_t)geteuid())
        scope = SHMAP_SCOPE_USER;
    return shmap__name_make(scope, x->uid, *name, f->hdr.name_len, n);
}

int shmap__xfer_adopt(const struct shmap_xfer *x, int fd, int data_fd, struct shmap_obj **out)
{
    const struct shmap_obj_ops *ops = shmap__ops_of(x->type);
    if (ops && ops->adopt) /* processes, files: made from x and the descriptors */
        return ops->adopt(x, fd, data_fd, out);
    if (fd < 0 || !ops || !ops->adopt_file) {
        close_pair(fd, data_fd);
        return -EBADF;
    }
    /* the others from their object file, validated as an Open* does */
    struct shmap_ns_file f = {.fd = fd};
    union adopt_head head;
    char *name = NULL;
    struct shmap_name n;
    bool named = x->scope != 0;
    int r = read_head(x, fd, &head, &f);
    if (r == 0 && named)
        r = read_name(x, &f, &name, &n);
    if (r == 0 && named && (*out = shmap__cache_lookup(&n)) != NULL) {
        /* we hold it already (the name is held throughout, so it is this object) */
        close_pair(fd, data_fd);
        free(name);
        if ((*out)->type == x->type)
            return 0;
        shmap__obj_handle_put(*out);
        return SHMAP_EBADOBJ;
    }
    if (r == 0 && named)
        r = shmap__lock_shared(fd);
    if (r) {
        close_pair(fd, data_fd);
        free(name);
        return r;
    }
    r = ops->adopt_file(ops, &f, named ? &n : NULL, data_fd, out);
    free(name);
    return r;
}

/* ---- the inbox: what other processes put into our table --------------------- */

/* lifecycle.c: across fork */
pthread_mutex_t shmap__inbox_lock = PTHREAD_MUTEX_INITIALIZER;
static int *conns; /* accepted connections; inbox_lock */
static size_t nconns, conns_cap;
static uint32_t conns_seen; /* conn_gen when we last accepted */
static __thread SHMAP_TLS bool t_draining;

static void take_message(const struct shmap_xfer *x, const int *fds, int nfds)
{
    int fd = nfds > 0 ? fds[0] : -1, data_fd = nfds > 1 ? fds[1] : -1;
    for (int i = 2; i < nfds; i++)
        shmap__close_fd(fds[i]);
    uintptr_t v = x->value >> 2;
    if (x->op == SHMAP_XOP_CLOSE) {
        if (fd >= 0)
            shmap__close_fd(fd);
        if (data_fd >= 0)
            shmap__close_fd(data_fd);
        shmap__handle_close_gen((shmap_handle_t)(uintptr_t)x->value, x->gen >> 1);
        return;
    }
    if (x->op == SHMAP_XOP_JOIN) {
        shmap__job_joined(fd, data_fd);
        return;
    }
    if (x->op != SHMAP_XOP_PUT || v <= SHMAP_REMOTE_BASE || (x->value & 3u)) {
        if (fd >= 0)
            shmap__close_fd(fd);
        if (data_fd >= 0)
            shmap__close_fd(data_fd);
        return;
    }
    struct shmap_obj *o;
    if (shmap__xfer_adopt(x, fd, data_fd, &o) != 0)
        return;
    if (shmap__handle_alloc_at((shmap_handle_t)(uintptr_t)x->value, o, x->access,
                               x->hflags & SHMAP_HANDLE_INHERIT) != 0)
        shmap__obj_handle_put(o);
}

/* Read what one connection holds (up to want messages in all, counted in
 * *got); false once the peer is gone. */
static bool drain_conn(int c, uint32_t want, uint32_t *got)
{
    while (*got < want) {
        struct shmap_xfer x;
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int) * 4)];
        } cbuf;
        struct iovec iov = {&x, sizeof x};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = cbuf.buf,
                           .msg_controllen = sizeof cbuf.buf};
        ssize_t n = SYS(recvmsg)(c, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR;
        int fds[4], nfds = 0;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
            if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
                size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                    int fd;
                    memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
                    if (nfds < 4)
                        fds[nfds++] = fd;
                    else
                        shmap__close_fd(fd);
                }
            }
        if (n != (ssize_t)sizeof x) { /* not ours, or the peer died mid-way */
            for (int i = 0; i < nfds; i++)
                shmap__close_fd(fds[i]);
            return false;
        }
        take_message(&x, fds, nfds);
        (*got)++;
    }
    return true;
}

/* lifecycle.c, in a fork child, before its table is published again. */
void shmap__xfer_fork_child(void)
{
    /* the parent's connections are the parent's: never read them here */
    for (size_t i = 0; i < nconns; i++)
        SYS(close)(conns[i]);
    nconns = 0;
    conns_seen = 0;
    /* the windows map the parent's table: the child's new state memfd may
     * well have the same descriptor number, so forget them by name, not by
     * number (writing there would rewrite the parent's published table) */
    for (uint32_t i = 0; i < MAX_WINDOWS; i++) {
        if (windows[i])
            SYS(munmap)(windows[i], WIN_BYTES);
        windows[i] = NULL;
    }
    windows_fd = -1;
}

void shmap__xfer_drain(void)
{
    if (t_draining || !shmap__self_st)
        return;
    t_draining = true;
    pthread_mutex_lock(&shmap__inbox_lock);
    uint32_t seen = atomic_load(&shmap__self_st->inbox_gen);
    uint32_t conns_now = atomic_load(&shmap__self_st->conn_gen);
    bool accept_new = conns_now != conns_seen;
    conns_seen = conns_now;
    for (int c;
         accept_new && shmap__inbox_fd >= 0 &&
         (c = SYS(accept4)(shmap__inbox_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;) {
        struct ucred cr;
        socklen_t len = sizeof cr;
        if (SYS(getsockopt)(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 ||
            (cr.uid != (uid_t)shmap__uid() && cr.uid != 0)) {
            SYS(close)(c); /* only our user (or root) may put handles into our table */
            continue;
        }
        if (nconns == conns_cap) {
            size_t cap = conns_cap ? conns_cap * 2 : 8;
            int *nc = realloc(conns, cap * sizeof *nc);
            if (!nc) {
                SYS(close)(c);
                break;
            }
            conns = nc;
            conns_cap = cap;
        }
        conns[nconns++] = c;
    }
    /* as many messages as bumps seen (a putter killed between its send and
     * its bump leaves one for the next time); the last look may find none */
    uint32_t want = seen - shmap__inbox_seen, got = 0;
    for (size_t i = 0; i < nconns && got < want;) {
        if (drain_conn(conns[i], want, &got)) {
            i++;
            continue;
        }
        SYS(close)(conns[i]);
        conns[i] = conns[--nconns];
    }
    shmap__inbox_seen = seen;
    pthread_mutex_unlock(&shmap__inbox_lock);
    t_draining = false;
}

/* ---- talking to another process ---------------------------------------------- */

static int connect_to(struct shmap_process *p)
{
    int s = SYS(socket)(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    shmap__inbox_name(p->obj.dev, p->obj.ino, a.sun_path + 1, sizeof a.sun_path - 1);
    size_t n = strlen(a.sun_path + 1);
    if (SYS(connect)(s, (struct sockaddr *)&a,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) != 0) {
        int e = errno;
        SYS(close)(s);
        return e == ECONNREFUSED || e == ENOENT ? -EACCES : -e;
    }
    return s;
}

/* Send x (and up to two descriptors) to p's inbox, then tell it. */
static int send_to(struct shmap_process *p, const struct shmap_xfer *x, int fd, int data_fd)
{
    int fds[2], nfds = 0;
    if (fd >= 0)
        fds[nfds++] = fd;
    if (data_fd >= 0)
        fds[nfds++] = data_fd;
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * 2)];
    } cbuf;
    memset(&cbuf, 0, sizeof cbuf);
    struct iovec iov = {(void *)x, sizeof *x};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds) {
        m.msg_control = cbuf.buf;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)nfds);
    }
    int r = 0;
    bool fresh = false;
    shmap__reclock_lock(&p->lock);
    if (p->conn >= 0 && p->conn_gen != shmap__fork_gen()) {
        SYS(close)(p->conn); /* our parent's (we are a fork child): its stream, not ours */
        p->conn = -1;
    }
    for (int tries = 0;; tries++) {
        if (p->conn < 0) {
            if ((p->conn = connect_to(p)) < 0) {
                r = p->conn;
                p->conn = -1;
                break;
            }
            p->conn_gen = shmap__fork_gen();
            fresh = true;
        }

        ssize_t n = SYS(sendmsg)(p->conn, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == (ssize_t)sizeof *x)
            break;
        int e = n < 0 ? errno : EPIPE;
        SYS(close)(p->conn); /* full (a target that does not read): a new connection */
        p->conn = -1;
        if (e != EAGAIN && e != EPIPE && e != ECONNRESET && e != ENOBUFS) {
            r = -e;
            break;
        }
        if (tries >= 64) {
            r = e == EAGAIN ? -ENOMEM : -EACCES;
            break;
        }
    }
    shmap__reclock_unlock(&p->lock);
    if (r == 0 && fresh) /* it accepts only when this moved */
        atomic_fetch_add(&p->st->conn_gen, 1);
    if (r == 0) /* its next lookup takes it in (nobody sleeps on this word) */
        atomic_fetch_add(&p->st->inbox_gen, 1);
    return r;
}

int shmap__xfer_put(struct shmap_process *p, struct shmap_obj *o, uint32_t access, uint32_t hflags,
                    shmap_handle_t *out)
{
    if (!p->st)
        return SHMAP_ENOTSUP; /* not a shmap process: nothing there can use a handle */
    /* an ended target is found by the send: its inbox refuses connections */
    struct shmap_xfer x;
    int fd, data_fd;
    int r = shmap__xfer_export(o, access, hflags, &x, &fd, &data_fd);
    if (r)
        return r;
    uint32_t idx = atomic_fetch_add(&p->st->remote_next, 1);
    if (idx < SHMAP_REMOTE_BASE || idx >= 4096u * 4096u - 1u)
        r = -EMFILE;
    x.value = (idx + 1u) << 2;
    x.op = SHMAP_XOP_PUT;
    x.src_pid = shmap__pid();
    if (r == 0)
        r = send_to(p, &x, fd, data_fd);
    if (fd >= 0)
        shmap__close_fd(fd); /* the message holds them now */
    if (data_fd >= 0)
        shmap__close_fd(data_fd);
    if (r == 0)
        *out = (shmap_handle_t)(uintptr_t)x.value;
    return r;
}

int shmap__xfer_join(struct shmap_process *p, int fd, int rfd)
{
    if (!p->st)
        return SHMAP_ENOTSUP;
    struct shmap_xfer x = {.op = SHMAP_XOP_JOIN, .fd = -1, .data_fd = -1};
    x.src_pid = shmap__pid();
    return send_to(p, &x, fd, rfd);
}

/* Read p's published entry for h. */
static int read_entry(struct shmap_process *p, shmap_handle_t h, struct shmap_xfer *x)
{
    uintptr_t v = (uintptr_t)h >> 2;
    if (!p->st || p->obj.fd < 0 || v == 0 || v > (uintptr_t)4096u * 4096u)
        return -EBADF;
    off_t off = (off_t)SHMAP_PROC_TABLE_OFF + (off_t)(v - 1) * (off_t)sizeof *x;
    ssize_t n = SYS(pread)(p->obj.fd, x, sizeof *x, off);
    if (n < 0)
        return -errno; /* not read: not a bad handle */
    return n == (ssize_t)sizeof *x && (x->gen & 1u) ? 0 : -EBADF;
}

static int open_theirs(struct shmap_process *p, int fd, bool rw)
{
    struct shmap_procfs_path path = shmap__procfs_fd_path(p->pid, fd);
    int r = SYS(openat)(AT_FDCWD, path.s, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY, 0);
    if (r < 0 && rw && errno == EACCES)
        r = SYS(openat)(AT_FDCWD, path.s, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
    return r < 0 ? (errno == ENOENT ? -EBADF : -errno) : r;
}

int shmap__xfer_get(struct shmap_process *p, shmap_handle_t h, struct shmap_obj **o,
                    uint32_t *access, uint32_t *hflags)
{
    if (shmap__process_ended(p))
        return -EBADF; /* its handles are gone */
    struct shmap_xfer x, again;
    int r = read_entry(p, h, &x);
    if (r)
        return r;
    const struct shmap_obj_ops *ops = shmap__ops_of(x.type);
    if (!ops || (ops->flags & SHMAP_OPS_LOCAL))
        return SHMAP_ENOTSUP; /* a thread lives in its process only */
    /* a file is reopened with its handle's access; an object file always
     * read-write (its state is written by every user) */
    bool rw = !(ops->flags & SHMAP_OPS_ACCESS_DESC) ||
              (x.access & (SHMAP_FILE_WRITE_DATA | SHMAP_FILE_APPEND_DATA));
    int fd = -1, data_fd = -1;
    if (x.fd >= 0 && (fd = open_theirs(p, x.fd, rw)) < 0)
        return fd;
    if (x.data_fd >= 0 && (data_fd = open_theirs(p, x.data_fd, true)) < 0) {
        shmap__close_fd(fd);
        return data_fd;
    }
    if (x.scope && fd >= 0)
        r = shmap__lock_shared(fd);
    /* still the same handle, in a process still there: its record held the
     * descriptor throughout, so what we opened is that object (a close and
     * a reuse of the number in between would have moved the generation) */
    if (r == 0 && (r = read_entry(p, h, &again)) == 0 &&
        (again.gen != x.gen || shmap__process_ended(p)))
        r = -EBADF;
    if (r) {
        if (fd >= 0)
            shmap__close_fd(fd);
        if (data_fd >= 0)
            shmap__close_fd(data_fd);
        return r;
    }
    r = shmap__xfer_adopt(&x, fd, data_fd, o);
    if (r == 0) {
        *access = x.access;
        *hflags = x.hflags;
    }
    return r;
}

int shmap__xfer_close(struct shmap_process *p, shmap_handle_t h)
{
    struct shmap_xfer x;
    int r = read_entry(p, h, &x);
    if (r)
        return r;
    if (x.hflags & SHMAP_HANDLE_PROTECT_FROM_CLOSE)
        return 0; /* a protected source is not closed */
    struct shmap_xfer m = {.value = x.value, .op = SHMAP_XOP_CLOSE, .fd = -1, .data_fd = -1};
    atomic_init(&m.gen, x.gen);
    m.src_pid = shmap__pid();
    return send_to(p, &m, -1, -1);
}

/* ---- inheritance ----------------------------------------------------------- */

struct pack {
    struct shmap_xfer *x;
    size_t n, cap;
    int *fds;
    size_t nfds;
    int err;
};

static void pack_one(shmap_handle_t h, struct shmap_obj *o, uint32_t access, uint32_t hflags,
                     void *arg)
{
    struct pack *pk = arg;
    if (!(hflags & SHMAP_HANDLE_INHERIT) || pk->err || (o->ops->flags & SHMAP_OPS_LOCAL))
        return;
    if (pk->n == pk->cap) {
        size_t cap = pk->cap ? pk->cap * 2 : 16;
        struct shmap_xfer *nx = realloc(pk->x, cap * sizeof *nx);
        int *nf = realloc(pk->fds, (cap * 2 + 2) * sizeof *nf);
        if (nx)
            pk->x = nx;
        if (nf)
            pk->fds = nf;
        if (!nx || !nf) {
            pk->err = -ENOMEM;
            return;
        }
        pk->cap = cap;
    }
    struct shmap_xfer *x = &pk->x[pk->n];
    int fd, data_fd;
    /* the child's handle has the same flags (§8.4), protection included */
    int r = shmap__xfer_export(o, access,
                               hflags & (SHMAP_HANDLE_INHERIT | SHMAP_HANDLE_PROTECT_FROM_CLOSE), x,
                               &fd, &data_fd);
    if (r) {
        if (r != SHMAP_ENOTSUP)
            pk->err = r;
        return;
    }
    x->value = (uint32_t)(uintptr_t)h;
    x->op = SHMAP_XOP_PUT;
    x->fd = fd;
    x->data_fd = data_fd;
    if (fd >= 0)
        pk->fds[pk->nfds++] = fd;
    if (data_fd >= 0)
        pk->fds[pk->nfds++] = data_fd;
    pk->n++;
}

/* Publish the child's table for it, in the state memfd we made for it:
 * the same entries at the same indices, generation 0.  The child then has
 * nothing to write before its handles can be taken out of it.  One write
 * for a compact run of indices (the usual case), else one per entry. */
static int publish_for_child(int state_fd, const struct shmap_xfer *xs, size_t n)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t idx = (xs[i].value >> 2) - 1u;
        lo = idx < lo ? idx : lo;
        hi = idx > hi ? idx : hi;
    }
    if (n == 0)
        return 0;
    off_t end = (off_t)SHMAP_PROC_TABLE_OFF + (off_t)(hi / WIN_ENTRIES + 1) * (off_t)WIN_BYTES;
    if (SYS(ftruncate)(state_fd, end) != 0)
        return -errno;
    struct shmap_xfer one;
    bool compact = hi - lo < WIN_ENTRIES;
    struct shmap_xfer *run = compact ? calloc(hi - lo + 1u, sizeof *run) : NULL;
    for (size_t i = 0; i < n; i++) {
        uint32_t idx = (xs[i].value >> 2) - 1u;
        struct shmap_xfer *e = run ? &run[idx - lo] : &one;
        memcpy(e, &xs[i], sizeof *e);
        atomic_init(&e->gen, 1u); /* close generation 0, live */
        e->op = 0;
        e->src_pid = 0;
        off_t off = (off_t)SHMAP_PROC_TABLE_OFF + (off_t)idx * (off_t)sizeof one;
        ssize_t w = run ? (ssize_t)sizeof one : SYS(pwrite)(state_fd, e, sizeof one, off);
        if (w != (ssize_t)sizeof one)
            return w < 0 ? -errno : -EIO;
    }
    if (run) {
        size_t len = (size_t)(hi - lo + 1u) * sizeof *run;
        off_t off = (off_t)SHMAP_PROC_TABLE_OFF + (off_t)lo * (off_t)sizeof one;
        ssize_t w = SYS(pwrite)(state_fd, run, len, off);
        int e = errno;
        free(run);
        if (w != (ssize_t)len)
            return w < 0 ? -e : -EIO;
    }
    return 0;
}

int shmap__xfer_inherit_pack(int state_fd, int listen_fd, int **fds, size_t *nfds)
{
    struct pack pk = {0};
    shmap__handle_foreach(pack_one, &pk);
    int blob = -1;
    if (pk.err == 0)
        pk.err = publish_for_child(state_fd, pk.x, pk.n);
    if (pk.err == 0 && (blob = SYS(memfd_create)("shmap-inherit", MFD_CLOEXEC)) < 0)
        pk.err = -errno;
    if (pk.err == 0) {
        /* version 2: the child's table is published already */
        struct shmap_blob_head bh = {SHMAP_INHERIT_MAGIC, 2, (uint32_t)pk.n, state_fd,
                                     listen_fd,           0};
        size_t len = pk.n * sizeof(struct shmap_xfer);
        errno = EIO; /* a short write (a memfd of our own: only lack of memory fails) */
        if (SYS(pwrite)(blob, &bh, sizeof bh, 0) != (ssize_t)sizeof bh ||
            (len && SYS(pwrite)(blob, pk.x, len, sizeof bh) != (ssize_t)len))
            pk.err = -errno;
    }
    free(pk.x);
    if (pk.err) {
        for (size_t i = 0; i < pk.nfds; i++)
            shmap__close_fd(pk.fds[i]);
        free(pk.fds);
        if (blob >= 0)
            shmap__close_fd(blob);
        return pk.err;
    }
    if (!pk.fds)
        pk.fds = malloc(2 * sizeof(int));
    if (!pk.fds) {
        shmap__close_fd(blob);
        return -ENOMEM;
    }
    *fds = pk.fds;
    *nfds = pk.nfds;
    return blob;
}

/* Close-on-exec for the descriptors the parent passed us (they came
 * without it, to cross exec): one close_range per run of numbers. */
static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void set_cloexec(int *fds, size_t n)
{
    if (n == 0)
        return;
    qsort(fds, n, sizeof *fds, cmp_int);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && fds[j + 1] <= fds[j] + 1)
            j++;
        if (SYS(close_range)((unsigned)fds[i], (unsigned)fds[j], CLOSE_RANGE_CLOEXEC) != 0)
            for (size_t k = i; k <= j; k++) /* a kernel before 5.11 */
                SYS(fcntl_int)(fds[k], F_SETFD, FD_CLOEXEC);
        i = j + 1;
    }
}

void shmap__xfer_inherit_unpack(int blob)
{
    struct shmap_blob_head bh;
    if (SYS(pread)(blob, &bh, sizeof bh, 0) != (ssize_t)sizeof bh ||
        bh.magic != SHMAP_INHERIT_MAGIC || bh.count > (1u << 20)) {
        SYS(close)(blob);
        return;
    }
    /* the whole list in one read */
    struct shmap_xfer *xs = bh.count ? malloc(bh.count * sizeof *xs) : NULL;
    int *fds = bh.count ? malloc((size_t)bh.count * 2 * sizeof *fds) : NULL;
    ssize_t want = (ssize_t)(bh.count * sizeof *xs);
    uint32_t count = 0;
    if (xs && fds && SYS(pread)(blob, xs, (size_t)want, sizeof bh) == want)
        count = bh.count;
    size_t nfds = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (xs[i].fd >= 0)
            fds[nfds++] = xs[i].fd;
        if (xs[i].data_fd >= 0)
            fds[nfds++] = xs[i].data_fd;
    }
    set_cloexec(fds, nfds);
    uint32_t top = 0;
    for (uint32_t i = 0; i < count; i++) {
        const struct shmap_xfer *x = &xs[i];
        const struct shmap_obj_ops *ops = shmap__ops_of(x->type);
        bool known = ops && !(ops->flags & SHMAP_OPS_LOCAL) && (ops->adopt || ops->adopt_file);
        struct shmap_obj *o = known ? pending_new(x) : NULL; /* taken in at first use */
        if (!o) {
            if (x->fd >= 0)
                shmap__close_fd(x->fd);
            if (x->data_fd >= 0)
                shmap__close_fd(x->data_fd);
            continue;
        }
        if (shmap__handle_alloc_at(
                (shmap_handle_t)(uintptr_t)x->value, o, x->access,
                (x->hflags & (SHMAP_HANDLE_INHERIT | SHMAP_HANDLE_PROTECT_FROM_CLOSE)) |
                    (bh.version >= 2 ? SHMAP_HANDLE_PUBLISHED_ : 0)) != 0)
            shmap__obj_handle_put(o);
        else if ((x->value >> 2) > top)
            top = x->value >> 2;
    }
    free(xs);
    free(fds);
    SYS(close)(blob);
    /* values the parent had from other processes stay ours: puts go above */
    if (shmap__self_st && top >= SHMAP_REMOTE_BASE) {
        uint32_t cur = atomic_load(&shmap__self_st->remote_next);
        while (cur < top && !atomic_compare_exchange_weak(&shmap__self_st->remote_next, &cur, top))
            ;
    }
}

/* ---- start-up -------------------------------------------------------------- */

static const struct shmap_table_hooks table_hooks = {
    .publish = publish,
    .unpublish = unpublish,
    .drain = shmap__xfer_drain,
};

void shmap__xfer_start(void)
{
    shmap__handle_set_hooks(&table_hooks);
}
