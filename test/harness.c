/*
 * harness.c - runs the TEST()s of one test executable; see harness.h.
 */
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_TESTS 512

static struct {
    const char *name;
    test_fn fn;
    int timeout;
} tests[MAX_TESTS];
static int ntests;
static struct {
    const char *name;
    helper_fn fn;
} helpers[MAX_TESTS];
static int nhelpers;
static char self_path[PATH_MAX];
static char root_path[PATH_MAX];

void harness_register_test(const char *name, test_fn fn, int timeout_s)
{
    if (ntests < MAX_TESTS)
        tests[ntests++] = (typeof(tests[0])){name, fn, timeout_s};
}

void harness_register_helper(const char *name, helper_fn fn)
{
    if (nhelpers < MAX_TESTS)
        helpers[nhelpers++] = (typeof(helpers[0])){name, fn};
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (errno %d)\n", errno);
    fflush(stderr);
    _exit(1);
}

const char *test_root(void)
{
    return getenv("SHMAP_ROOT") ? getenv("SHMAP_ROOT") : root_path;
}
const char *test_self(void)
{
    return self_path;
}

const char *test_build_path(const char *rel, char *buf, size_t n)
{
    const char *bindir = getenv("SHMAP_TEST_BINDIR");
    if (bindir)
        snprintf(buf, n, "%s/%s", bindir, rel);
    else { /* self is <bindir>/test/test-x */
        char tmp[PATH_MAX];
        snprintf(tmp, sizeof tmp, "%s", self_path);
        char *s = strrchr(tmp, '/');
        if (s)
            *s = 0;
        s = strrchr(tmp, '/');
        if (s)
            *s = 0;
        snprintf(buf, n, "%s/%s", tmp, rel);
    }
    return buf;
}

pid_t spawn_prog(char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        harness_fail(__FILE__, __LINE__, "fork");
    if (pid == 0) {
        execv(argv[0], argv);
        fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* argv for "<self> --helper NAME args...", from a va_list of char *. */
static void helper_argv(char **argv, const char *name, va_list ap)
{
    int n = 0;
    argv[n++] = self_path;
    argv[n++] = "--helper";
    argv[n++] = (char *)name;
    char *a;
    while ((a = va_arg(ap, char *)) != NULL && n < 62)
        argv[n++] = a;
    argv[n] = NULL;
}

pid_t spawn_helper(const char *name, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, name);
    helper_argv(argv, name, ap);
    va_end(ap);
    return spawn_prog(argv);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int wait_pid(pid_t pid, int timeout_s)
{
    double end = now_s() + timeout_s;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (r < 0 && errno != EINTR)
            harness_fail(__FILE__, __LINE__, "waitpid(%d)", (int)pid);
        if (now_s() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            harness_fail(__FILE__, __LINE__, "process %d still running after %d s", (int)pid,
                         timeout_s);
        }
        usleep(1000);
    }
}

void expect_exit(pid_t pid, int code, int timeout_s)
{
    int st = wait_pid(pid, timeout_s);
    if (!WIFEXITED(st))
        harness_fail(__FILE__, __LINE__, "process %d died of signal %d", (int)pid,
                     WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    if (WEXITSTATUS(st) != code)
        harness_fail(__FILE__, __LINE__, "process %d exited %d, expected %d", (int)pid,
                     WEXITSTATUS(st), code);
}

int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        int fd = atoi(e->d_name);
        if (fd == dirfd(d))
            continue;
        struct stat st;
        /* Directories are the library's cached namespace directories. */
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
            continue;
        n++;
    }
    closedir(d);
    return n;
}

/* Every descriptor and what it names, on stderr. */
static void print_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
            continue;
        char path[300], target[PATH_MAX];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        fprintf(stderr, "  fd %s: %s\n", e->d_name, target);
    }
    if (d)
        closedir(d);
}

/* objects: leave out sections' data files (".d" + 32 hex: never an
 * object's file name), which live and die with their objects. */
static int count_tree(const char *path, int print, int objects)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_tree(sub, print, objects);
        else if (objects && e->d_name[0] == '.' && e->d_name[1] == 'd' && strlen(e->d_name) == 34)
            continue;
        else {
            if (print)
                fprintf(stderr, "  left in namespace: %s\n", sub);
            n++;
        }
    }
    closedir(d);
    return n;
}

int count_ns_entries(void)
{
    return count_tree(test_root(), 0, 1);
}

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[PATH_MAX];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

chan_t chan_new(void)
{
    int p[2];
    if (pipe(p) != 0)
        harness_fail(__FILE__, __LINE__, "pipe");
    return (chan_t){p[0], p[1]};
}

void chan_send(chan_t c, const char *msg)
{
    size_t n = strlen(msg);
    char buf[512];
    snprintf(buf, sizeof buf, "%s\n", msg);
    if (write(c.wr, buf, n + 1) != (ssize_t)(n + 1))
        harness_fail(__FILE__, __LINE__, "chan_send");
}

void chan_recv(chan_t c, char *buf, size_t n, int timeout_s)
{
    size_t got = 0;
    double end = now_s() + timeout_s;
    while (got + 1 < n) {
        struct pollfd p = {c.rd, POLLIN, 0};
        int left = (int)((end - now_s()) * 1000);
        if (left <= 0 || poll(&p, 1, left) <= 0)
            harness_fail(__FILE__, __LINE__, "chan_recv: nothing after %d s", timeout_s);
        ssize_t r = read(c.rd, buf + got, 1);
        if (r <= 0)
            harness_fail(__FILE__, __LINE__, "chan_recv: closed");
        if (buf[got] == '\n')
            break;
        got++;
    }
    buf[got] = 0;
}

proc_t spawn_piped(char *const argv[], int extra_fd)
{
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
        harness_fail(__FILE__, __LINE__, "pipe2");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        harness_fail(__FILE__, __LINE__, "fork");
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (extra_fd >= 0)
            fcntl(extra_fd, F_SETFD, 0);
        execv(argv[0], argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    return (proc_t){pid, in[1], out[0]};
}

proc_t spawn_helper_piped(const char *name, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, name);
    helper_argv(argv, name, ap);
    va_end(ap);
    return spawn_piped(argv, -1);
}

void proc_line(proc_t *p, char *buf, size_t n, int timeout_s)
{
    chan_recv((chan_t){p->out, -1}, buf, n, timeout_s);
}

void proc_end(proc_t *p, int code, int timeout_s)
{
    close(p->in);
    expect_exit(p->pid, code, timeout_s);
    close(p->out);
}

static int run_one(int i)
{
    snprintf(root_path, sizeof root_path, "/dev/shm/shmap-test-XXXXXX");
    if (!mkdtemp(root_path)) {
        perror("mkdtemp");
        return 1;
    }
    setenv("SHMAP_ROOT", root_path, 1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        int before = count_fds();
        tests[i].fn();
        int after = count_fds();
        if (after != before) {
            print_fds(); /* what they are */
            harness_fail(__FILE__, __LINE__, "test leaked %d file descriptors", after - before);
        }
        fflush(NULL);
        _exit(0);
    }
    setpgid(pid, pid);
    double end = now_s() + tests[i].timeout;
    int st = 0, timed_out = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (now_s() > end) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            break;
        }
        usleep(2000);
    }
    kill(-pid, SIGKILL); /* helpers the test left behind */
    int rc;
    if (timed_out) {
        fprintf(stderr, "TIMEOUT after %d s\n", tests[i].timeout);
        rc = 1;
    } else if (WIFEXITED(st))
        rc = WEXITSTATUS(st);
    else {
        fprintf(stderr, "test died of signal %d\n", WTERMSIG(st));
        rc = 1;
    }
    if (rc == 0) {
        usleep(20000); /* helpers killed above release their locks */
        int left = count_tree(root_path, 1, 0);
        if (left) {
            fprintf(stderr, "FAIL: the test left %d entries in the namespace\n", left);
            rc = 1;
        }
    }
    rm_tree(root_path);
    return rc;
}

int main(int argc, char **argv)
{
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n > 0)
        self_path[n] = 0;
    if (argc >= 3 && !strcmp(argv[1], "--helper")) {
        for (int i = 0; i < nhelpers; i++)
            if (!strcmp(helpers[i].name, argv[2]))
                return helpers[i].fn(argc - 3, argv + 3);
        fprintf(stderr, "no helper %s\n", argv[2]);
        return 126;
    }
    if (argc >= 2 && !strcmp(argv[1], "--list")) {
        for (int i = 0; i < ntests; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    int failed = 0, skipped = 0, ran = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1) {
            int want = 0;
            for (int a = 1; a < argc; a++)
                want |= !strcmp(argv[a], tests[i].name);
            if (!want)
                continue;
        }
        ran++;
        int rc = run_one(i);
        if (rc == 77) {
            skipped++;
            printf("ok %d %s # SKIP\n", ran, tests[i].name);
        } else if (rc) {
            failed++;
            printf("not ok %d %s\n", ran, tests[i].name);
        } else
            printf("ok %d %s\n", ran, tests[i].name);
        fflush(stdout);
    }
    printf("# %d tests, %d failed, %d skipped\n", ran, failed, skipped);
    if (failed)
        return 1;
    return (ran > 0 && skipped == ran) ? 77 : 0;
}
