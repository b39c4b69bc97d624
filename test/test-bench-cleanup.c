/*
 * test-bench-cleanup.c - `shmap bench` interrupted leaves nothing behind:
 * not its namespace directory (shmap-bench-XXXXXX, made in a private
 * $SHMAP_BENCH_DIR here), not the baseline's /dev/shm/shmap-bench-baseline-
 * PID, not a child.  Interrupted by Ctrl-C (SIGINT to its process group),
 * SIGTERM or SIGHUP to it alone, and a closed output pipe (SIGPIPE).
 *
 * No timing decides anything: the bench's output pipe is full before it
 * starts, so it blocks at its first report (open_existing's, while its
 * holder child, the held object and the baseline file all exist) and can
 * never finish; the test waits until those exist, then interrupts it.
 */
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

struct bench {
    pid_t pid;     /* also its process group */
    int out;       /* read end of its full stdout pipe */
    char dir[512]; /* its $SHMAP_BENCH_DIR */
    char baseline[128];
};

/* A pipe whose write end is full: a write to it blocks. */
static void full_pipe(int fds[2])
{
    ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    static const char junk[4096] = {0};
    while (write(fds[1], junk, sizeof junk) > 0)
        ;
    while (write(fds[1], junk, 1) > 0)
        ;
    ASSERT_EQ(errno, EAGAIN);
    ASSERT_EQ(fcntl(fds[1], F_SETFL, 0), 0);
}

static void bench_start(struct bench *b)
{
    char bin[4200];
    test_build_path("tools/shmap", bin, sizeof bin);
    snprintf(b->dir, sizeof b->dir, "%s/benchdir", test_root());
    ASSERT_EQ(mkdir(b->dir, 0700), 0);
    int fds[2];
    full_pipe(fds);
    fflush(NULL);
    b->pid = fork();
    ASSERT_GE(b->pid, 0);
    if (b->pid == 0) {
        setpgid(0, 0); /* a group of its own, as a shell's job */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL); /* whatever ctest was started with */
        dup2(fds[1], 1);
        unsetenv("SHMAP_ROOT"); /* so that it makes its own directory */
        setenv("SHMAP_BENCH_DIR", b->dir, 1);
        execl(bin, "shmap", "bench", "open_existing", "--runs", "1", (char *)NULL);
        _exit(127);
    }
    setpgid(b->pid, b->pid); /* either may run first */
    close(fds[1]);
    b->out = fds[0];
    snprintf(b->baseline, sizeof b->baseline, "/dev/shm/shmap-bench-baseline-%d", (int)b->pid);
}

/* Its namespace directory (dir/shmap-bench-*), or "" if there is none. */
static void bench_root(const struct bench *b, char *out, size_t n)
{
    *out = 0;
    DIR *d = opendir(b->dir);
    ASSERT_NOT_NULL(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, "shmap-bench-", 12))
            snprintf(out, n, "%s/%s", b->dir, e->d_name);
    closedir(d);
}

/* Wait (bounded) until the bench is in the middle of its run: the object
 * its holder child made and the baseline's file exist. */
static void bench_wait_started(const struct bench *b)
{
    char root[1024], held[1200];
    struct stat sb;
    for (int i = 0; i < 60000; i++) {
        bench_root(b, root, sizeof root);
        snprintf(held, sizeof held, "%s/u%u/bench-held", root, (unsigned)geteuid());
        if (root[0] && stat(held, &sb) == 0 && stat(b->baseline, &sb) == 0)
            return;
        usleep(1000);
    }
    harness_fail(__FILE__, __LINE__, "bench %d did not start its run in 60 s", (int)b->pid);
}

/* It died of sig, its whole process group is gone, and nothing is left. */
static void bench_check_gone(struct bench *b, int sig)
{
    int st = wait_pid(b->pid, 60);
    bool group_gone = false;
    for (int i = 0; i < 30000 && !group_gone; i++) {
        group_gone = kill(-b->pid, 0) != 0 && errno == ESRCH;
        if (!group_gone)
            usleep(1000);
    }
    if (!group_gone)
        kill(-b->pid, SIGKILL);
    if (b->out >= 0)
        close(b->out);
    char root[1024];
    bench_root(b, root, sizeof root);
    struct stat sb;
    bool baseline_left = stat(b->baseline, &sb) == 0;
    /* tidy up before judging, so a failure leaves nothing either */
    if (baseline_left)
        unlink(b->baseline);
    ASSERT_TRUE(WIFSIGNALED(st));
    ASSERT_EQ(WTERMSIG(st), sig);
    ASSERT_TRUE(group_gone);
    ASSERT_STR_EQ(root, "");
    ASSERT_TRUE(!baseline_left);
    ASSERT_EQ(rmdir(b->dir), 0); /* empty */
}

static void interrupt(int sig, bool group)
{
    struct bench b;
    bench_start(&b);
    bench_wait_started(&b);
    ASSERT_EQ(kill(group ? -b.pid : b.pid, sig), 0);
    bench_check_gone(&b, sig);
}

TEST_T(bench_ctrl_c_leaves_nothing, 120)
{
    interrupt(SIGINT, true); /* a terminal's Ctrl-C reaches the whole group */
}

TEST_T(bench_sigterm_leaves_nothing, 120)
{
    interrupt(SIGTERM, false); /* its holder child gets nothing: bench ends it */
}

TEST_T(bench_sighup_leaves_nothing, 120)
{
    interrupt(SIGHUP, false);
}

TEST_T(bench_closed_pipe_leaves_nothing, 120)
{
    struct bench b;
    bench_start(&b);
    bench_wait_started(&b);
    close(b.out); /* `shmap bench | head -1`: the reader is gone */
    b.out = -1;
    bench_check_gone(&b, SIGPIPE);
}
