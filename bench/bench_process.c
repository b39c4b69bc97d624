/*
 * bench_process.c - processes and handle transfer against their raw
 * baselines.
 *
 *   spawn_inherit     CreateProcess of a small shmap program (this binary,
 *                     "__bench-child exit") with 16 inheritable handles,
 *                     then a wait for its end, vs posix_spawn + waitpid of
 *                     the same program
 *   job_close_kill    from kill -9 of the only holder of a KILL_ON_JOB_CLOSE job to
 *                     the end of its member (a child started suspended, assigned,
 *                     resumed), vs from kill -9 of a parent to the end of its
 *                     child that asked for PR_SET_PDEATHSIG(SIGKILL): the
 *                     kernel's own "die with that process"; medians of single
 *                     measurements
 *   duplicate_remote  DuplicateHandle of an event into a running child, which
 *                     is woken (SetEvent on an event it waits on) and sets the
 *                     duplicate, which we wait for; vs sending an eventfd
 *                     over a Unix socket (SCM_RIGHTS), the child writing to
 *                     it and us reading it
 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <signal.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "shmap.h"

extern char **environ;

static char self_exe[4096];

static const char *self_path(void)
{
    if (!self_exe[0]) {
        ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
        if (n <= 0)
            bench_die("readlink /proc/self/exe", n);
        self_exe[n] = 0;
    }
    return self_exe;
}

/* ---- spawn_inherit ------------------------------------------------------------ */

static shmap_handle_t inherited[16];

static int op_spawn(void)
{
    char *argv[] = {(char *)self_path(), "__bench-child", "exit", NULL};
    shmap_spawn_t sp = {.path = self_path(), .argv = argv, .inherit_handles = 1};
    shmap_handle_t p, t;
    int r = shmap_process_create(&sp, 0, &p, &t, NULL);
    if (r)
        bench_die("shmap_process_create", r);
    if ((r = shmap_wait(1, &p, 0, SHMAP_INFINITE)) != 0)
        bench_die("wait for the child", r);
    uint32_t code = 1;
    shmap_process_exit_code(p, &code);
    if (code != 0)
        bench_die("child exit code", code);
    shmap_close(t);
    shmap_close(p);
    return 0;
}

static int base_spawn(void)
{
    char *argv[] = {(char *)self_path(), "__bench-child", "exit", NULL};
    pid_t pid;
    int e = posix_spawn(&pid, self_path(), NULL, NULL, argv, environ);
    if (e)
        bench_die("posix_spawn", e);
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        bench_die("waitpid", st);
    return 0;
}

void bench_spawn_inherit(void)
{
    for (int i = 0; i < 16; i++) {
        int r = i % 2 ? shmap_event_create(NULL, 0, SHMAP_GENERIC_ALL, SHMAP_INHERIT, &inherited[i])
                      : shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 65536,
                                             SHMAP_INHERIT, &inherited[i]);
        if (r)
            bench_die("inheritable handle", r);
    }
    double s, b;
    bench_compare(op_spawn, base_spawn, 20, &s, &b);
    bench_report("spawn_inherit", s, b, "target <= 1.3");
    for (int i = 0; i < 16; i++)
        shmap_close(inherited[i]);
}

/* ---- duplicate_remote ------------------------------------------------------------ */

struct dup_page {
    volatile uint32_t value;
    volatile uint32_t stop;
};

static struct {
    struct dup_page *pg;
    shmap_handle_t pgh, go, back, child, child_thread;
    int sock, efd;
    pid_t base_child;
} dr;

static int op_dup(void)
{
    shmap_handle_t v;
    int r = shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, dr.back, dr.child, 0,
                                   SHMAP_DUPLICATE_SAME_ACCESS, 0, &v);
    if (r)
        bench_die("DuplicateHandle into the child", r);
    dr.pg->value = (uint32_t)(uintptr_t)v;
    shmap_event_set(dr.go, NULL);
    if ((r = shmap_wait(1, &dr.back, 0, SHMAP_INFINITE)) != 0)
        bench_die("wait for the child's SetEvent", r);
    return 0;
}

static int base_dup(void)
{
    int fd = eventfd(0, EFD_CLOEXEC);
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } c;
    memset(&c, 0, sizeof c);
    char byte = 1;
    struct iovec iov = {&byte, 1};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof c.buf};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &fd, sizeof fd);
    if (sendmsg(dr.sock, &m, 0) != 1)
        bench_die("sendmsg", -errno);
    uint64_t v;
    if (read(fd, &v, sizeof v) != (ssize_t)sizeof v)
        bench_die("eventfd read", -errno);
    close(fd);
    return 0;
}

/* The baseline child: receive an eventfd, write to it, close it. */
static void base_child(int s)
{
    for (;;) {
        union {
            struct cmsghdr h;
            char buf[CMSG_SPACE(sizeof(int))];
        } c;
        char byte;
        struct iovec iov = {&byte, 1};
        struct msghdr m = {
            .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof c.buf};
        if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) != 1)
            _exit(0);
        int fd;
        memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof fd);
        uint64_t one = 1;
        if (write(fd, &one, sizeof one) != (ssize_t)sizeof one)
            _exit(3);
        close(fd);
    }
}

void bench_duplicate_remote(void)
{
    int r = shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 4096, SHMAP_INHERIT,
                                 &dr.pgh);
    if (r || (r = shmap_view_map(dr.pgh, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&dr.pg)))
        bench_die("page", r);
    if ((r = shmap_event_create(NULL, 0, SHMAP_GENERIC_ALL, SHMAP_INHERIT, &dr.go)) ||
        (r = shmap_event_create(NULL, 0, SHMAP_GENERIC_ALL, 0, &dr.back)))
        bench_die("events", r);
    char a1[24], a2[24];
    snprintf(a1, sizeof a1, "%lu", (unsigned long)(uintptr_t)dr.pgh);
    snprintf(a2, sizeof a2, "%lu", (unsigned long)(uintptr_t)dr.go);
    char *argv[] = {(char *)self_path(), "__bench-child", "dup", a1, a2, NULL};
    shmap_spawn_t sp = {.path = self_path(), .argv = argv, .inherit_handles = 1};
    if ((r = shmap_process_create(&sp, 0, &dr.child, &dr.child_thread, NULL)))
        bench_die("child", r);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
        bench_die("socketpair", -errno);
    dr.base_child = fork();
    if (dr.base_child == 0) {
        close(sv[0]);
        base_child(sv[1]);
    }
    close(sv[1]);
    dr.sock = sv[0];
    double s, b;
    bench_compare(op_dup, base_dup, 1000, &s, &b);
    bench_report("duplicate_remote", s, b, "target <= 2.0");
    dr.pg->stop = 1;
    shmap_event_set(dr.go, NULL);
    shmap_wait(1, &dr.child, 0, SHMAP_INFINITE);
    close(dr.sock);
    waitpid(dr.base_child, NULL, 0);
    shmap_close(dr.child_thread);
    shmap_close(dr.child);
    shmap_view_unmap(dr.pg);
    shmap_close(dr.pgh);
    shmap_close(dr.go);
    shmap_close(dr.back);
}

/* ---- job_close_kill ---------------------------------------------------------------- */

/* The holder: a job that kills on close, one member; the member's pid
 * goes to fd, then the holder waits to be killed. */
static _Noreturn void job_holder(int fd)
{
    shmap_handle_t job, p, t;
    shmap_job_limits_t l = {.flags = SHMAP_JOB_LIMIT_KILL_ON_JOB_CLOSE};
    char *argv[] = {(char *)self_path(), "__bench-child", "sleep", NULL};
    shmap_spawn_t sp = {.path = self_path(), .argv = argv, .sflags = SHMAP_SPAWN_SUSPENDED};
    uint32_t pid = 0;
    if (shmap_job_create(NULL, SHMAP_JOB_ALL_ACCESS, 0, &job) || shmap_job_set_limits(job, &l, 1) ||
        shmap_process_create(&sp, 0, &p, &t, &pid) || shmap_job_assign(job, p) ||
        shmap_thread_resume(t, NULL))
        _exit(3);
    if (write(fd, &pid, sizeof pid) != (ssize_t)sizeof pid)
        _exit(4);
    for (;;)
        pause();
}

static _Noreturn void pdeath_holder(int fd)
{
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(5);
        for (;;)
            pause();
    }
    uint32_t pid = (uint32_t)c;
    if (c < 0 || write(fd, &pid, sizeof pid) != (ssize_t)sizeof pid)
        _exit(4);
    for (;;)
        pause();
}

/* One measurement: ns from kill -9 of the holder to the end of its member. */
static double kill_once(bool job)
{
    int fds[2];
    if (pipe(fds))
        bench_die("pipe", -errno);
    pid_t h = fork();
    if (h == 0) {
        close(fds[0]);
        if (job)
            job_holder(fds[1]);
        pdeath_holder(fds[1]);
    }
    close(fds[1]);
    uint32_t member = 0;
    if (read(fds[0], &member, sizeof member) != (ssize_t)sizeof member)
        bench_die(job ? "job holder" : "pdeathsig holder", -1);
    close(fds[0]);
    int pfd = (int)syscall(SYS_pidfd_open, (pid_t)member, 0);
    if (pfd < 0)
        bench_die("pidfd_open", -errno);
    usleep(20000); /* the member runs (or sleeps) */
    double t0 = bench_now_ns();
    kill(h, SIGKILL);
    struct pollfd pf = {.fd = pfd, .events = POLLIN};
    if (poll(&pf, 1, 10000) != 1)
        bench_die(job ? "the member outlived its job" : "the child outlived its parent", 0);
    double t1 = bench_now_ns();
    close(pfd);
    waitpid(h, NULL, 0);
    return t1 - t0;
}

void bench_job_close_kill(void)
{
    double s[32], b[32];
    int n = bench_runs * 2 < 32 ? bench_runs * 2 : 32;
    for (int i = 0; i < n; i++) {
        s[i] = kill_once(true);
        b[i] = kill_once(false);
    }
    bench_report("job_close_kill", bench_median(s, n), bench_median(b, n),
                 "target: shmap_ns <= 100 ms");
}

/* ---- the child side ------------------------------------------------------------ */

int cmd_bench_child(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "exit"))
        return 0;
    if (argc >= 1 && !strcmp(argv[0], "sleep"))
        for (;;)
            pause();
    if (argc != 3 || strcmp(argv[0], "dup"))
        return 2;
    shmap_handle_t pgh = (shmap_handle_t)(uintptr_t)strtoul(argv[1], NULL, 0);
    shmap_handle_t go = (shmap_handle_t)(uintptr_t)strtoul(argv[2], NULL, 0);
    struct dup_page *pg;
    if (shmap_view_map(pgh, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&pg))
        return 3;
    for (;;) {
        if (shmap_wait(1, &go, 0, SHMAP_INFINITE) != 0)
            return 4;
        if (pg->stop)
            return 0;
        shmap_handle_t v = (shmap_handle_t)(uintptr_t)pg->value;
        if (shmap_event_set(v, NULL))
            return 5;
        shmap_close(v);
    }
}
