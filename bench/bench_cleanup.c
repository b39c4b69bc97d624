/*
 * bench_cleanup.c - what shmap bench makes outside a namespace it was
 * given goes away however it ends: its namespace directory
 * ($SHMAP_BENCH_DIR, default /dev/shm, /shmap-bench-XXXXXX) and the
 * baseline's shm file (/dev/shm/shmap-bench-baseline-PID).  At the end, at
 * exit() (bench_die), and on SIGINT, SIGTERM, SIGHUP and SIGPIPE (a closed
 * output pipe: `shmap bench | head -1`), after which the signal is raised
 * again with its default action, so the exit status is the signal's.
 *
 * The signal path uses async-signal-safe calls only (open, read,
 * getdents64, unlinkat, kill, waitpid, sigaction): no stdio, no malloc.
 * Our children are killed (SIGKILL) and reaped first, since a helper that
 * is still creating objects would add files while the tree is removed;
 * they are found in /proc/self/task/TID/children, which lists children not
 * yet reaped only, so a pid is never one that was reused (without that
 * file, CONFIG_PROC_CHILDREN, the removal only retries).  A forked child of
 * the bench inherits the handler, and only dies of the signal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

static pid_t bench_pid; /* the process that armed the cleanup */
static char root[4096]; /* our namespace directory, once made */
static volatile sig_atomic_t root_made;
static char baseline[128]; /* the baseline's shm file */
static volatile sig_atomic_t cleaned;

/* ---- async-signal-safe pieces ------------------------------------------------ */

/* Kill and reap the children of thread tid ("children" lists pids). */
static void kill_children_of(const char *tid)
{
    char path[64] = "/proc/self/task/", buf[1024];
    strcat(path, tid);
    strcat(path, "/children");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    pid_t pids[256];
    size_t n = 0;
    unsigned long v = 0;
    bool in = false;
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                v = v * 10 + (unsigned long)(buf[i] - '0');
                in = true;
            } else if (in) {
                if (n < 256)
                    pids[n++] = (pid_t)v;
                v = 0;
                in = false;
            }
        }
    if (in && n < 256)
        pids[n++] = (pid_t)v;
    close(fd);
    for (size_t i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    for (size_t i = 0; i < n; i++)
        while (waitpid(pids[i], NULL, __WALL) < 0 && errno == EINTR)
            ;
}

static void kill_children(void)
{
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096];
    long n;
    while ((n = getdents64(fd, buf, sizeof buf)) > 0)
        for (long off = 0; off < n;) {
            struct dirent64 *e = (struct dirent64 *)(buf + off);
            off += e->d_reclen;
            if (e->d_name[0] != '.')
                kill_children_of(e->d_name);
        }
    close(fd);
}

/* Remove name in dirfd, a directory tree or a file. */
static void remove_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096];
    /* passes until one finds nothing: removing entries while reading may
     * make a pass skip some */
    for (int found = 1, pass = 0; found && pass < 64; pass++) {
        found = 0;
        lseek(fd, 0, SEEK_SET);
        long n;
        while ((n = getdents64(fd, buf, sizeof buf)) > 0)
            for (long off = 0; off < n;) {
                struct dirent64 *e = (struct dirent64 *)(buf + off);
                off += e->d_reclen;
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                found = 1;
                if (e->d_type == DT_DIR && depth < 8)
                    remove_at(fd, e->d_name, depth + 1);
                else if (unlinkat(fd, e->d_name, 0) != 0 && errno == EISDIR && depth < 8)
                    remove_at(fd, e->d_name, depth + 1);
            }
    }
    close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

void bench_cleanup(void)
{
    if (cleaned || getpid() != bench_pid)
        return;
    cleaned = 1;
    kill_children();
    if (root_made)
        remove_at(AT_FDCWD, root, 0);
    unlink(baseline);
}

static void on_signal(int sig)
{
    bench_cleanup(); /* nothing in a forked child (another pid) */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    raise(sig); /* pending while blocked in this handler: delivered below */
    sigprocmask(SIG_UNBLOCK, &s, NULL);
}

/* ---- arming -------------------------------------------------------------------- */

static void at_exit(void)
{
    sigset_t s, old;
    sigemptyset(&s);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&s, signals[i]);
    sigprocmask(SIG_BLOCK, &s, &old); /* a signal now would find it half done */
    bench_cleanup();
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void bench_cleanup_arm(const char *shm_name)
{
    bench_pid = getpid();
    snprintf(baseline, sizeof baseline, "/dev/shm%s", shm_name);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&sa.sa_mask, signals[i]); /* one cleanup at a time */
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction old;
        /* a signal ignored when we started (nohup, a shell's &) stays so */
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(signals[i], &sa, NULL);
    }
    atexit(at_exit);
}

int bench_make_root(void)
{
    const char *dir = getenv("SHMAP_BENCH_DIR");
    if (!dir || !*dir)
        dir = "/dev/shm";
    sigset_t s, old;
    sigemptyset(&s);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&s, signals[i]);
    /* made and recorded with the signals held, so none falls in between */
    sigprocmask(SIG_BLOCK, &s, &old);
    int n = snprintf(root, sizeof root, "%s/shmap-bench-XXXXXX", dir);
    int r = -ENAMETOOLONG;
    if (n > 0 && (size_t)n < sizeof root)
        r = mkdtemp(root) ? 0 : -errno;
    if (r == 0) {
        root_made = 1;
        setenv("SHMAP_ROOT", root, 1);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return r;
}
