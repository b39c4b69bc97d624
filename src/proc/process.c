/*
 * process.c - process objects: our own state page, process handles
 * (OpenProcess, GetCurrentProcess), their end, exit codes, TerminateProcess
 * and ExitProcess.
 *
 * Every process running libshmap makes, at start-up, a memfd named
 * "shmap-proc" whose first page is struct shmap_procst: pid, start time,
 * exit code, the counters that let other processes put handles into our
 * table (xfer.c), and `ended`, a word in our main thread's robust futex
 * list: when the main thread dies the kernel marks it OWNER_DIED and wakes
 * a waiter, so a wait on a process sleeps on a futex like every other wait.
 * Whether the process has really ended (its descriptors closed, its locks
 * dropped) is then read from its pidfd, which the kernel makes readable
 * only after that.  A process is found by others through /proc/PID/fd (the
 * memfd is one of its descriptors) and its identity is (pid, start time),
 * held through a pidfd, so a reused pid is never taken for the old process.
 * docs/DESIGN.md §16.
 */
#include "proc.h"
#include "base/probe.h"
#include "base/robust.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct shmap_procst *shmap__self_st;
int shmap__self_memfd = -1;
static struct shmap_process *self_rec;
/* lifecycle.c: across fork */
pthread_mutex_t shmap__proc_self_lock = PTHREAD_MUTEX_INITIALIZER;

struct shmap_process *shmap__process_of(struct shmap_obj *o)
{
    return o->type == SHMAP_TYPE_PROCESS ? (struct shmap_process *)o : NULL;
}

/* What shmap__proc_start's errno says when it found no process. */
static bool no_such_process(int e)
{
    return e == ENOENT || e == ESRCH;
}

uint64_t shmap__proc_start(uint32_t pid)
{
    struct shmap_procfs_stat ps;
    int r = shmap__procfs_stat(pid, &ps);
    errno = r ? -r : ESRCH; /* (a start time of 0 is taken for no process) */
    return r ? 0 : ps.start;
}

/* ---- state pages -------------------------------------------------------- */

int shmap__procst_new(struct shmap_procst **st)
{
    int fd = SYS(memfd_create)(SHMAP_PROC_MEMFD, MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    void *p = MAP_FAILED;
    if (SYS(ftruncate)(fd, SHMAP_PROC_TABLE_OFF) == 0)
        p = SYS(mmap)(NULL, SHMAP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        SYS(close)(fd);
        return -e;
    }
    *st = p;
    (*st)->magic = SHMAP_PROC_MAGIC;
    (*st)->version = SHMAP_PROC_VERSION;
    (*st)->uid = shmap__uid();
    atomic_store(&(*st)->remote_next, SHMAP_REMOTE_BASE);
    return fd;
}

/* NULL with errno 0 if fd is not a state, else the failed call's errno. */
static struct shmap_procst *map_state(int fd)
{
    struct stat sb;
    if (SYS(fstat)(fd, &sb) != 0)
        return NULL;
    errno = 0;
    if (sb.st_size < (off_t)SHMAP_PAGE_SIZE)
        return NULL;
    void *p = SYS(mmap)(NULL, SHMAP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return NULL;
    struct shmap_procst *st = p;
    if (st->magic != SHMAP_PROC_MAGIC || st->version != SHMAP_PROC_VERSION) {
        SYS(munmap)(p, SHMAP_PAGE_SIZE);
        errno = 0;
        return NULL;
    }
    return st;
}

/* The listening socket through which other processes put handles into the
 * table of the process whose state memfd is fd: an abstract name made of
 * the memfd's identity, so that whoever holds the state can find it, and
 * a parent can make it before its child runs. */
void shmap__inbox_name(uint64_t dev, uint64_t ino, char *buf, size_t n)
{
    snprintf(buf, n, "shmap.%llx.%llx", (unsigned long long)dev, (unsigned long long)ino);
}

int shmap__inbox_listen(int state_fd)
{
    struct stat sb;
    if (SYS(fstat)(state_fd, &sb) != 0)
        return -errno;
    int s = SYS(socket)(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        return -errno;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    shmap__inbox_name((uint64_t)sb.st_dev, (uint64_t)sb.st_ino, a.sun_path + 1,
                      sizeof a.sun_path - 1);
    socklen_t len =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
    if (SYS(bind)(s, (struct sockaddr *)&a, len) != 0 || SYS(listen)(s, 4096) != 0) {
        int e = errno;
        SYS(close)(s);
        return -e;
    }
    return s;
}

int shmap__inbox_fd = -1; /* xfer.c reads it */

/* lifecycle.c, at a normal exit: the first exit code written wins.  False
 * if this process has no state of its own (then the exit steps that
 * account for it have nothing to do). */
bool shmap__process_at_exit(int status)
{
    struct shmap_procst *st = shmap__self_st;
    uint64_t zero = 0;
    if (!st || st->pid != (uint32_t)getpid())
        return false;
    atomic_compare_exchange_strong(&st->exit, &zero, SHMAP_EXIT_SET | (uint32_t)status);
    return true;
}

/* Make (or take over: adopt_fd, prepared by the parent) our state. */
static void self_init(int adopt_fd, int adopt_listen)
{
    struct shmap_procst *st = NULL;
    int fd = adopt_fd;
    if (fd >= 0 && (st = map_state(fd)) == NULL) {
        SYS(close)(fd);
        fd = -1;
    }
    if (!st && adopt_listen >= 0) {
        SYS(close)(adopt_listen);
        adopt_listen = -1;
    }
    if (!st && (fd = shmap__procst_new(&st)) < 0)
        return;
    uint32_t pid = (uint32_t)getpid();
    st->pid = pid;
    st->start = shmap__proc_start(pid);
    st->uid = shmap__uid();
    if (atomic_load(&st->remote_next) < SHMAP_REMOTE_BASE)
        atomic_store(&st->remote_next, SHMAP_REMOTE_BASE);
    int ls = adopt_listen >= 0 ? adopt_listen : shmap__inbox_listen(fd);
    if (ls < 0)
        ls = -1;
    /* the main thread's death is the process's: enter `ended` in its list */
    if ((uint32_t)syscall(SYS_gettid) == pid && shmap__robust_ok()) {
        atomic_store(&st->ended, pid);
        shmap__robust_link(&st->ended);
        atomic_fetch_or(&st->flags, SHMAP_PS_SHMAP);
    }
    shmap__self_memfd = fd;
    shmap__inbox_fd = ls;
    shmap__self_st = st;
    /* a parent's state may already hold puts made before we ran (every bump
     * of a state made for us is a message for us, e.g. the JOINs of a job
     * and its child job): look at once, for all of them */
    shmap__handle_set_inbox(&st->inbox_gen, adopt_fd >= 0 ? 0u : atomic_load(&st->inbox_gen));
}

/* lifecycle.c, in a fork child: a new process, with its own state (its
 * table is published anew by handle.c's step, which comes next). */
void shmap__process_fork_child(void)
{
    struct shmap_procst *old = shmap__self_st;
    shmap__handle_set_inbox(NULL, 0);
    shmap__self_st = NULL;
    if (old)
        SYS(munmap)(old, SHMAP_PAGE_SIZE);
    if (shmap__self_memfd >= 0)
        SYS(close)(shmap__self_memfd);
    if (shmap__inbox_fd >= 0)
        SYS(close)(shmap__inbox_fd);
    shmap__self_memfd = shmap__inbox_fd = -1;
    self_rec = NULL; /* the parent's record: left as it is (never freed here) */
    self_init(-1, -1);
}

/* lifecycle.c, at start-up: our state.  Returns the descriptor of what our
 * parent gave us (the blob of inherited handles, for xfer.c), or -1. */
int shmap__process_start(void)
{
    const char *env = getenv("SHMAP_INHERIT");
    int blob = -1, state_fd = -1, listen_fd = -1;
    if (env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == 0 && v >= 0 && v < 1 << 30)
            blob = (int)v;
        /* the blob's first word after the header names our state memfd */
        struct shmap_blob_head h;
        if (blob >= 0 && SYS(pread)(blob, &h, sizeof h, 0) == (ssize_t)sizeof h &&
            h.magic == SHMAP_INHERIT_MAGIC && h.state_fd >= 0) {
            state_fd = h.state_fd;
            listen_fd = h.listen_fd;
        }
        unsetenv("SHMAP_INHERIT");
        if (state_fd >= 0)
            SYS(fcntl_int)(state_fd, F_SETFD, FD_CLOEXEC);
        if (listen_fd >= 0)
            SYS(fcntl_int)(listen_fd, F_SETFD, FD_CLOEXEC);
    }
    self_init(state_fd, listen_fd);
    return blob;
}

/* ---- process records ------------------------------------------------------ */

static void reap(struct shmap_process *p, bool wait_now)
{
    if (!p->child || p->reaped || p->pidfd < 0)
        return;
    siginfo_t si = {0};
    int opts = WEXITED | (wait_now ? 0 : WNOHANG);
    if (SYS(waitid)(P_PIDFD, p->pidfd, &si, opts) == 0 && si.si_pid != 0) {
        p->reaped = true;
        p->status = si.si_code << 8 | (si.si_status & 0xff);
    }
}

static void process_destroy(struct shmap_obj *o)
{
    struct shmap_process *p = (struct shmap_process *)o;
    shmap__reclock_lock(&p->lock);
    reap(p, false); /* an ended child leaves no zombie */
    shmap__reclock_unlock(&p->lock);
    if (p->st && !p->self)
        SYS(munmap)(p->st, SHMAP_PAGE_SIZE);
    if (p->pidfd >= 0)
        SYS(close)(p->pidfd);
    if (p->conn >= 0)
        SYS(close)(p->conn);
    if (p->gate_fd >= 0)
        SYS(close)(p->gate_fd);
    shmap__reclock_destroy(&p->lock);
    if (p->self)
        o->fd = -1; /* our memfd stays ours */
    shmap__obj_fini(o);
    shmap__obj_free(p);
}

/* NULL and errno if no memory, or fd (the state, whose identity names the
 * inbox) could not be looked at. */
static struct shmap_process *record_alloc(int fd)
{
    struct stat sb;
    if (fd >= 0 && SYS(fstat)(fd, &sb) != 0)
        return NULL;
    struct shmap_process *p = shmap__obj_alloc(sizeof *p);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    shmap__obj_init(&p->obj, &shmap__process_ops, fd, fd >= 0 ? &sb : NULL);
    shmap__reclock_init(&p->lock);
    p->pidfd = p->conn = p->gate_fd = -1;
    atomic_store(&p->obj.handles, 1);
    return p;
}

struct shmap_process *shmap__process_self(void)
{
    pthread_mutex_lock(&shmap__proc_self_lock);
    if (!self_rec || self_rec->pid != shmap__pid()) {
        struct shmap_process *p = record_alloc(shmap__self_memfd);
        if (p) {
            p->self = true;
            p->st = shmap__self_st;
            p->pid = shmap__pid();
            p->start = shmap__self_st ? shmap__self_st->start : shmap__proc_start(p->pid);
            atomic_store(&p->obj.handles, 0);
        }
        self_rec = p; /* the table's reference, never dropped */
    }
    struct shmap_process *p = self_rec;
    if (p)
        shmap__obj_get(&p->obj);
    pthread_mutex_unlock(&shmap__proc_self_lock);
    return p;
}

struct state_search {
    uint32_t pid;
    uint64_t start;
    int found; /* the descriptor, or -ENOENT, or the last -errno */
};

/* Is the descriptor at link (a /proc/PID/fd/N) the state we look for?
 * true when found. */
static bool state_at(void *arg, const char *link)
{
    struct state_search *s = arg;
    char target[64];
    ssize_t n = SYS(readlinkat)(AT_FDCWD, link, target, sizeof target - 1);
    if (n < 0 && errno != ENOENT) /* (a descriptor closed meanwhile: the next) */
        s->found = -errno;
    if (n <= 0)
        return false;
    target[n] = 0;
    if (strncmp(target, "/memfd:" SHMAP_PROC_MEMFD " ", sizeof "/memfd:" SHMAP_PROC_MEMFD) != 0)
        return false;
    int fd = SYS(openat)(AT_FDCWD, link, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0 && errno != ENOENT)
        s->found = -errno;
    if (fd < 0)
        return false;
    struct shmap_procst h;
    ssize_t got = SYS(pread)(fd, &h, 32, 0);
    if (got == 32 && h.magic == SHMAP_PROC_MAGIC && h.pid == s->pid && h.start == s->start)
        s->found = fd;
    else
        SYS(close)(fd);
    if (got < 0)
        s->found = -errno;
    return s->found >= 0;
}

/* The state memfd among pid's descriptors: -ENOENT if it has none, -EACCES
 * if we may not look, another -errno if we could not. */
static int find_state(uint32_t pid, uint64_t start)
{
    struct state_search s = {pid, start, -ENOENT};
    int r = shmap__procfs_each_fd(pid, state_at, &s);
    if (r)
        return r == -EACCES || r == -EPERM ? -EACCES : r;
    return s.found;
}

/* A record for the process (pid, start); state_fd (taken over): its state
 * memfd or -1.  It gets a pidfd only if pid still names that process. */
static int record_make(uint32_t pid, uint64_t start, int state_fd, struct shmap_procst *mapped,
                       bool child, struct shmap_process **out)
{
    struct shmap_procst *st = mapped ? mapped : state_fd >= 0 ? map_state(state_fd) : NULL;
    if (!st && state_fd >= 0) {
        int e = errno;
        SYS(close)(state_fd);
        if (e)
            return -e; /* a state we could not map (not: one that is not a state) */
        state_fd = -1;
    }
    struct shmap_process *p = record_alloc(state_fd);
    if (!p) {
        int e = errno;
        if (st)
            SYS(munmap)(st, SHMAP_PAGE_SIZE);
        if (state_fd >= 0)
            SYS(close)(state_fd);
        return -e;
    }
    p->st = st;
    p->pid = pid;
    p->start = start;
    p->child = child;
    /* checked after opening: the pidfd pins the process we compared (a
     * child of ours cannot have been replaced: we have not reaped it) */
    p->pidfd = SYS(pidfd_open)((pid_t)pid, 0);
    int e = p->pidfd < 0 && errno != ESRCH && errno != ENOSYS ? -errno : 0;
    uint64_t now = e == 0 && p->pidfd >= 0 && !child ? shmap__proc_start(pid) : start;
    if (now == 0 && !no_such_process(errno))
        e = -errno; /* could not look */
    else if (now != start) {
        SYS(close)(p->pidfd); /* that process has ended and its pid is someone else's */
        p->pidfd = -1;
    }
    if (e) { /* no pidfd: no end to wait for, no child to reap */
        shmap__obj_handle_put(&p->obj);
        return e;
    }
    *out = p;
    return 0;
}

int shmap__process_record(uint32_t pid, struct shmap_process **out)
{
    if (pid == 0 || pid > 0x3fffffffu)
        return -EINVAL;
    uint64_t start = shmap__proc_start(pid);
    if (start == 0 && !no_such_process(errno))
        return -errno; /* could not look */
    if (start == 0 && SYS(kill)((pid_t)pid, 0) != 0)
        return errno == ESRCH || errno == EPERM ? -EINVAL : -errno; /* no such process: 87 */
    int state_fd = start ? find_state(pid, start) : -1;
    if (state_fd < 0 && state_fd != -1 && state_fd != -ENOENT)
        return state_fd;
    return record_make(pid, start, state_fd, NULL, false, out);
}

int shmap__process_child(uint32_t pid, int state_fd, struct shmap_procst *st,
                         struct shmap_process **out)
{
    uint64_t start = shmap__proc_start(pid);
    if (start == 0) {
        int e = no_such_process(errno) ? ECHILD : errno;
        SYS(munmap)(st, SHMAP_PAGE_SIZE);
        SYS(close)(state_fd);
        return -e;
    }
    return record_make(pid, start, state_fd, st, true, out);
}

int shmap__process_adopt(int fd, uint32_t pid, uint64_t start, struct shmap_obj **out)
{
    struct shmap_procst h;
    if (fd >= 0 && (SYS(pread)(fd, &h, 32, 0) != 32 || h.magic != SHMAP_PROC_MAGIC ||
                    h.pid != pid || h.start != start)) {
        SYS(close)(fd);
        return SHMAP_EBADOBJ;
    }
    if (pid == shmap__pid() && shmap__self_st && start == shmap__self_st->start) {
        if (fd >= 0)
            SYS(close)(fd);
        struct shmap_process *p = shmap__process_self();
        if (!p)
            return -ENOMEM;
        shmap__obj_handle_get(&p->obj);
        shmap__obj_put(&p->obj);
        *out = &p->obj;
        return 0;
    }
    struct shmap_process *p;
    int r = record_make(pid, start, fd, NULL, false, &p); /* maybe of a process that has ended */
    if (r == 0)
        *out = &p->obj;
    return r;
}

int shmap__process_get(shmap_handle_t h, uint32_t right, struct shmap_process **p)
{
    if (h == SHMAP_CURRENT_PROCESS) {
        *p = shmap__process_self();
        return *p ? 0 : -ENOMEM;
    }
    struct shmap_obj *o;
    int r = shmap__handle_get_right(h, SHMAP_TYPE_PROCESS, right, &o);
    if (r == 0)
        *p = (struct shmap_process *)o;
    return r;
}

/* ---- the end of a process --------------------------------------------------- */

/* 1: ended; 0: running; -errno: could not look. */
static int end_state(struct shmap_process *p)
{
    if (p->self)
        return 0;
    if (p->st) { /* pass the kernel's one wake-up on to every waiter */
        uint32_t v = atomic_load(&p->st->ended);
        if ((v & SHMAP_FUTEX_OWNER_DIED) && (v & SHMAP_FUTEX_WAITERS) &&
            atomic_compare_exchange_strong(&p->st->ended, &v, v & ~SHMAP_FUTEX_WAITERS))
            shmap__futex_wake(&p->st->ended, INT32_MAX);
    }
    if (p->pidfd >= 0) {
        struct pollfd pf = {.fd = p->pidfd, .events = POLLIN};
        int r = SYS(poll)(&pf, 1, 0);
        return r < 0 ? -errno : r > 0;
    }
    if (p->start == 0)
        return 1;
    uint64_t now = shmap__proc_start(p->pid);
    if (now == 0 && !no_such_process(errno))
        return -errno;
    return now != p->start || !shmap__tid_alive(p->pid);
}

bool shmap__process_ended(struct shmap_process *p)
{
    return end_state(p) > 0; /* could not look: not known to have ended */
}

int shmap__process_pidfd(struct shmap_process *p)
{
    return p->self ? -1 : p->pidfd;
}

_Atomic uint32_t *shmap__process_word(struct shmap_process *p, uint32_t *val)
{
    if (p->self || !p->st || !(atomic_load(&p->st->flags) & SHMAP_PS_SHMAP))
        return NULL;
    uint32_t v = atomic_load(&p->st->ended);
    if (v & SHMAP_FUTEX_OWNER_DIED) {
        /* its main thread is gone; the rest goes in microseconds: wait for
         * the pidfd (readable once its descriptors are closed) a little */
        if (p->pidfd >= 0) {
            struct pollfd pf = {.fd = p->pidfd, .events = POLLIN};
            SYS(poll)(&pf, 1, 1);
        }
        return NULL;
    }
    if (v == 0)
        return NULL; /* not robust: the caller polls */
    if (!(v & SHMAP_FUTEX_WAITERS)) {
        uint32_t nv = v | SHMAP_FUTEX_WAITERS;
        if (!atomic_compare_exchange_strong(&p->st->ended, &v, nv))
            return NULL; /* changed: look again soon */
        v = nv;
    }
    *val = v;
    return &p->st->ended;
}

/* The exit code of an ended process; -errno if the kernel could not tell
 * (a child's status). */
static int exit_code_of(struct shmap_process *p, uint32_t *out)
{
    if (p->st) {
        uint64_t e = atomic_load(&p->st->exit);
        if (e & SHMAP_EXIT_SET) {
            *out = (uint32_t)e;
            return 0;
        }
    }
    int code = -1, sig = 0, err = 0;
    shmap__reclock_lock(&p->lock);
    if (p->child && !p->reaped && p->pidfd >= 0) {
        siginfo_t si = {0};
        int w = SYS(waitid)(P_PIDFD, p->pidfd, &si, WEXITED | WNOHANG | WNOWAIT);
        if (w == 0 && si.si_pid != 0) {
            if (si.si_code == CLD_EXITED)
                code = si.si_status & 0xff;
            else
                sig = si.si_status;
        } else if (w != 0 && errno != ECHILD) { /* (ECHILD: reaped behind our back) */
            err = errno;
        }
    } else if (p->reaped) {
        if ((p->status >> 8) == CLD_EXITED)
            code = p->status & 0xff;
        else
            sig = p->status & 0xff;
    }
    shmap__reclock_unlock(&p->lock);
    if (code >= 0)
        *out = (uint32_t)code;
    else if (sig > 0)
        *out = 128u + (uint32_t)sig; /* as a shell reports it; docs/processes.md */
    else
        *out = 1u; /* ended, how is unknown to us */
    return -err;
}

/* ---- the native API ------------------------------------------------------- */

SHMAP_EXTERN uint32_t shmap_process_current_id(void)
{
    return (uint32_t)getpid();
}

SHMAP_EXTERN int shmap_process_open(uint32_t pid, uint32_t access, unsigned flags,
                                    shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    uint32_t a = shmap__access_map_generic(SHMAP_TYPE_PROCESS, access);
    if (a & SHMAP_MAXIMUM_ALLOWED)
        a = (a & ~SHMAP_MAXIMUM_ALLOWED) | SHMAP_PROCESS_ALL_ACCESS;
    if (a & ~shmap__access_valid_mask(SHMAP_TYPE_PROCESS))
        return -EACCES;
    if (pid == 0)
        return -EINVAL;
    struct shmap_process *p;
    int r;
    if (pid == shmap__pid()) {
        p = shmap__process_self();
        if (!p)
            return -ENOMEM;
        shmap__obj_handle_get(&p->obj);
        shmap__obj_put(&p->obj);
    } else {
        struct stat sb;
        if (shmap__procfs_pid_stat(pid, &sb) == 0 && sb.st_uid != shmap__uid() && shmap__uid() != 0)
            return -EACCES; /* another user's process: its DACL does not let us in */
        if ((r = shmap__process_record(pid, &p)) != 0)
            return r;
    }
    r = shmap__handle_alloc(&p->obj, a, (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0, out);
    if (r)
        shmap__obj_handle_put(&p->obj);
    return r;
}

#define QUERY_RIGHTS (SHMAP_PROCESS_QUERY_INFORMATION | SHMAP_PROCESS_QUERY_LIMITED_INFORMATION)

SHMAP_EXTERN int shmap_process_id(shmap_handle_t h, uint32_t *pid)
{
    if (SHMAP_PROBE_OUT(pid))
        return -EFAULT;
    struct shmap_process *p;
    int r = shmap__process_get(h, QUERY_RIGHTS, &p); /* either right will do */
    if (r)
        return r;
    *pid = p->pid;
    shmap__obj_put(&p->obj);
    return 0;
}

SHMAP_EXTERN int shmap_process_exit_code(shmap_handle_t h, uint32_t *code)
{
    if (SHMAP_PROBE_OUT(code))
        return -EFAULT;
    struct shmap_process *p;
    int r = shmap__process_get(h, QUERY_RIGHTS, &p);
    if (r)
        return r;
    r = shmap__process_code(p, code);
    shmap__obj_put(&p->obj);
    return r;
}

void shmap__exit_with(uint32_t code)
{
    uint64_t zero = 0;
    if (shmap__self_st)
        atomic_compare_exchange_strong(&shmap__self_st->exit, &zero, SHMAP_EXIT_SET | code);
    _exit((int)(code & 0xff)); /* no atexit handlers, as TerminateProcess */
}

int shmap__process_kill(struct shmap_process *p, bool set_code, uint32_t code)
{
    if (p->self)
        shmap__exit_with(code);
    uint64_t zero = 0;
    if (set_code && p->st)
        atomic_compare_exchange_strong(&p->st->exit, &zero, SHMAP_EXIT_SET | code);
    /* without a pidfd: the caller found the pid still its own */
    int k = p->pidfd >= 0 ? SYS(pidfd_send_signal)(p->pidfd, SIGKILL, NULL, 0)
                          : SYS(kill)((pid_t)p->pid, SIGKILL);
    return k == 0 ? 0 : -errno;
}

SHMAP_EXTERN int shmap_process_terminate(shmap_handle_t h, uint32_t code)
{
    struct shmap_process *p;
    int r = shmap__process_get(h, SHMAP_PROCESS_TERMINATE, &p);
    if (r)
        return r;
    /* NOLINTNEXTLINE(bugprone-branch-clone): one answer for two reasons, each with its comment */
    if (!p->self && shmap__process_ended(p)) {
        r = -EACCES; /* Windows: a process that has ended cannot be terminated */
    } else if ((r = shmap__process_kill(p, true, code)) == -ESRCH) {
        r = -EACCES;
    }
    shmap__obj_put(&p->obj);
    return r;
}

SHMAP_EXTERN _Noreturn void shmap_process_exit(uint32_t code)
{
    uint64_t zero = 0;
    if (shmap__self_st)
        atomic_compare_exchange_strong(&shmap__self_st->exit, &zero, SHMAP_EXIT_SET | code);
    exit((int)code);
}

/* ---- main threads of other processes (thread.c) ---------------------------- */

int shmap__process_code(struct shmap_process *p, uint32_t *code)
{
    int ended = end_state(p);
    if (ended > 0)
        return exit_code_of(p, code);
    *code = SHMAP_STILL_ACTIVE;
    return ended;
}

/* ResumeThread on the main thread of a child made suspended. */
uint32_t shmap__process_resume(struct shmap_process *p)
{
    uint32_t s = shmap__count_down(&p->gate);
    if (s == 1) {
        shmap__reclock_lock(&p->lock);
        if (p->gate_fd >= 0) { /* the child reads EOF and goes on to exec */
            SYS(close)(p->gate_fd);
            p->gate_fd = -1;
        }
        shmap__reclock_unlock(&p->lock);
    }
    return s;
}

/* ---- the type's table ----------------------------------------------------- */

/* A process crosses as its identity (pid, start time) and its state memfd. */
static void process_describe(struct shmap_obj *o, struct shmap_xfer *x, bool export)
{
    (void)export;
    struct shmap_process *p = shmap__process_of(o);
    x->uid = p->pid;
    x->pos = p->start;
}

static int process_adopt(const struct shmap_xfer *x, int fd, int data_fd, struct shmap_obj **out)
{
    if (data_fd >= 0)
        shmap__close_fd(data_fd);
    return shmap__process_adopt(fd, x->uid, x->pos, out);
}

static bool process_ended(struct shmap_obj *o)
{
    return shmap__process_ended(shmap__process_of(o));
}

static _Atomic uint32_t *process_end_word(struct shmap_obj *o, uint32_t *val)
{
    return shmap__process_word(shmap__process_of(o), val);
}

static int process_end_fd(struct shmap_obj *o)
{
    return shmap__process_pidfd(shmap__process_of(o));
}

static bool process_end_id(struct shmap_obj *o, uint64_t id[2])
{
    struct shmap_process *p = shmap__process_of(o);
    id[0] = p->pid;
    id[1] = p->start;
    return true;
}

static const struct shmap_wait_ops process_wait = {
    .kind = SHMAP_WK_END,
    .ended = process_ended,
    .end_word = process_end_word,
    .end_fd = process_end_fd,
    .end_id = process_end_id,
};

const struct shmap_obj_ops shmap__process_ops = {
    .type = SHMAP_TYPE_PROCESS,
    .flags = SHMAP_OPS_OWN_DESC, /* its state memfd is read at an offset of its own */
    .destroy = process_destroy,
    .describe = process_describe,
    .adopt = process_adopt,
    .wait = &process_wait,
};
