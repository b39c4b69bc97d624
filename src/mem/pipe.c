/*
 * pipe.c - anonymous pipes (CreatePipe, PeekNamedPipe).
 *
 * A pipe end is a file handle (file.c) over one end of a pipe(2): ReadFile,
 * WriteFile, GetFileType, inheritance and the standard handles of a child
 * (CreateProcess with STARTF_USESTDHANDLES passes a file handle's
 * descriptor) need nothing more.  file.c reads and writes such a stream
 * without its position lock, so a reader blocked on an empty pipe holds
 * nothing up, and says SHMAP_EBROKENPIPE where Windows says
 * ERROR_BROKEN_PIPE: a read that finds the pipe empty and every write end
 * closed.  A write with every read end closed fails with -EPIPE
 * (ERROR_NO_DATA) instead of raising SIGPIPE.
 *
 * PeekNamedPipe copies without consuming by tee(2) into a pipe of its own.
 */
#include "mem.h"
#include "base/probe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>

static int pipe_end(int fd, uint32_t access, unsigned flags, shmap_handle_t *out)
{
    struct shmap_obj *o;
    int r = shmap__file_adopt(fd, 0, &o); /* takes fd, even on failure */
    if (r)
        return r;
    r = shmap__handle_alloc(o, shmap__access_map_generic(SHMAP_TYPE_FILE, access),
                            (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0, out);
    if (r)
        shmap__obj_handle_put(o);
    return r;
}

SHMAP_EXTERN int shmap_pipe_create(shmap_handle_t *rd, shmap_handle_t *wr, uint32_t size,
                                   unsigned flags)
{
    if (SHMAP_PROBE_OUT(rd) || SHMAP_PROBE_OUT(wr))
        return -EFAULT;
    int fds[2];
    if (SYS(pipe2)(fds, O_CLOEXEC) != 0)
        return -errno;
    if (size > 0) /* a hint, as Windows' nSize: the kernel rounds it, or keeps its own */
        SYS(fcntl_int)(fds[1], F_SETPIPE_SZ, (int)(size > (1u << 20) ? 1u << 20 : size));
    shmap_handle_t r_h, w_h;
    int r = pipe_end(fds[0], SHMAP_GENERIC_READ | SHMAP_FILE_WRITE_ATTRIBUTES, flags, &r_h);
    if (r) {
        shmap__close_fd(fds[1]);
        return r;
    }
    r = pipe_end(fds[1], SHMAP_GENERIC_WRITE | SHMAP_FILE_READ_ATTRIBUTES, flags, &w_h);
    if (r) {
        shmap_close(r_h);
        return r;
    }
    *rd = r_h;
    *wr = w_h;
    return 0;
}

/* Copy up to len bytes at the head of pipe fd without taking them. */
static int peek_bytes(int fd, void *buf, uint32_t len, uint32_t *got)
{
    int p[2];
    *got = 0;
    if (SYS(pipe2)(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return -errno;
    ssize_t n = tee(fd, p[1], len, SPLICE_F_NONBLOCK);
    int r = 0;
    if (n > 0) {
        ssize_t m = SYS(read)(p[0], buf, (size_t)n);
        if (m < 0)
            r = errno == EFAULT ? SHMAP_ENOACCESS : -errno;
        else
            *got = (uint32_t)m;
    } else if (n < 0 && errno != EAGAIN) {
        r = -errno;
    }
    shmap__close_fd(p[0]);
    shmap__close_fd(p[1]);
    return r;
}

SHMAP_EXTERN int shmap_pipe_peek(shmap_handle_t h, void *buf, uint32_t len, uint32_t *read,
                                 uint32_t *avail, uint32_t *left)
{
    if ((read && SHMAP_PROBE_OUT(read)) || (avail && SHMAP_PROBE_OUT(avail)) ||
        (left && SHMAP_PROBE_OUT(left)))
        return -EFAULT;
    struct shmap_obj *o;
    uint32_t access;
    int r = shmap__handle_get_type(h, SHMAP_TYPE_FILE, &o, &access);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    struct stat st;
    int n = 0;
    if (SYS(fstat)(o->fd, &st) != 0 || !S_ISFIFO(st.st_mode))
        r = -EBADF; /* not a pipe: ERROR_INVALID_HANDLE */
    else if (!(access & SHMAP_FILE_READ_DATA))
        r = -EACCES;
    else if (ioctl(o->fd, FIONREAD, &n) != 0)
        r = -errno;
    uint32_t got = 0;
    if (r == 0 && n == 0) {
        struct pollfd pfd = {.fd = o->fd, .events = POLLIN};
        if (SYS(poll)(&pfd, 1, 0) == 1 && (pfd.revents & POLLHUP))
            r = SHMAP_EBROKENPIPE; /* empty, and no writer left */
    }
    if (r == 0 && buf && len && n > 0)
        r = peek_bytes(o->fd, buf, len, &got);
    shmap__obj_put(o);
    if (r)
        return r;
    if (read)
        *read = got;
    if (avail)
        *avail = (uint32_t)n;
    if (left)
        *left = 0; /* a byte pipe has no messages */
    return 0;
}
