/*
 * users.c - running test code as real users; see users.h.
 */
#include "users.h"
#include "harness.h"

#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

int tu_lookup(const char *name, struct tu_user *u)
{
    char buf[16384];
    struct passwd pw, *res = NULL;
    if (getpwnam_r(name, &pw, buf, sizeof buf, &res) != 0 || !res)
        return -ENOENT;
    memset(u, 0, sizeof *u);
    if (strlen(name) >= sizeof u->name)
        return -ENAMETOOLONG;
    snprintf(u->name, sizeof u->name, "%s", name);
    u->uid = pw.pw_uid;
    u->gid = pw.pw_gid;
    int n = TU_MAX_GROUPS;
    if (getgrouplist(name, pw.pw_gid, u->groups, &n) < 0)
        return -E2BIG;
    u->ngroups = n;
    return 0;
}

int tu_group(const char *name, gid_t *gid)
{
    char buf[16384];
    struct group gr, *res = NULL;
    if (getgrnam_r(name, &gr, buf, sizeof buf, &res) != 0 || !res)
        return -ENOENT;
    *gid = gr.gr_gid;
    return 0;
}

/* Why multi-user tests cannot run, or NULL if they can. */
static const char *missing(void)
{
    static char why[200];
    if (geteuid() != 0)
        return "not running as root";
    const char *users[] = {TU_USER_A, TU_USER_B, TU_USER_C};
    const char *groups[] = {TU_GROUP_GLOBAL, TU_GROUP_C};
    struct tu_user u;
    gid_t g;
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        if (tu_lookup(users[i], &u) != 0) {
            snprintf(why, sizeof why, "no user %s", users[i]);
            return why;
        }
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (tu_group(groups[i], &g) != 0) {
            snprintf(why, sizeof why, "no group %s", groups[i]);
            return why;
        }
    return NULL;
}

bool tu_available(void)
{
    return missing() == NULL;
}

void tu_require(void)
{
    const char *why = missing();
    if (!why)
        return;
    const char *ci = getenv("CI");
    if (ci && !strcmp(ci, "true"))
        harness_fail(__FILE__, __LINE__,
                     "multi-user test cannot run in CI (CI=true): %s; run .ci/users.sh as root "
                     "before the tests",
                     why);
    fprintf(stderr, "SKIP: multi-user test: %s; run .ci/users.sh as root\n", why);
    fflush(stderr);
    exit(77);
}

struct tu_user tu_get(const char *name)
{
    struct tu_user u;
    int r = tu_lookup(name, &u);
    if (r != 0)
        harness_fail(__FILE__, __LINE__, "tu_lookup(%s): %d (run .ci/users.sh as root)", name, r);
    return u;
}

/* In the child: become u entirely, or say why not. */
int tu_become(const struct tu_user *u)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (setgroups((size_t)u->ngroups, u->groups) != 0)
        return perror("tu_run_as: setgroups"), -1;
    if (setresgid(u->gid, u->gid, u->gid) != 0)
        return perror("tu_run_as: setresgid"), -1;
    if (setresuid(u->uid, u->uid, u->uid) != 0)
        return perror("tu_run_as: setresuid"), -1;
    if (getresuid(&ru, &eu, &su) != 0 || ru != u->uid || eu != u->uid || su != u->uid ||
        getresgid(&rg, &eg, &sg) != 0 || rg != u->gid || eg != u->gid || sg != u->gid) {
        fprintf(stderr, "tu_run_as: ids not all %s's after the change\n", u->name);
        return -1;
    }
    if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        fprintf(stderr, "tu_run_as: %s could become root again\n", u->name);
        return -1;
    }
    /* A change of ids makes a process undumpable: /proc/PID of it is
     * root's, and the user's other processes could not pidfd_getfd from
     * it, as they can from a process started as the user. */
    if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
        return perror("tu_run_as: PR_SET_DUMPABLE"), -1;
    setenv("USER", u->name, 1);
    setenv("LOGNAME", u->name, 1);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int tu_run_as_timeout(const struct tu_user *u, int (*fn)(void *), void *arg, int timeout_ms)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("tu_run_as: fork");
        return -1;
    }
    if (pid == 0) {
        if (tu_become(u) != 0) {
            fflush(NULL);
            _exit(126);
        }
        int r = fn(arg);
        fflush(NULL);
        exit(r);
    }
    double end = now_ms() + timeout_ms;
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            perror("tu_run_as: waitpid");
            return -1;
        }
        if (now_ms() > end) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            fprintf(stderr, "tu_run_as(%s): child %d still running after %d ms: killed\n", u->name,
                    (int)pid, timeout_ms);
            return -1;
        }
        usleep(1000);
    }
    if (WIFSIGNALED(st)) {
        fprintf(stderr, "tu_run_as(%s): child %d died of signal %d\n", u->name, (int)pid,
                WTERMSIG(st));
        return -1;
    }
    if (WEXITSTATUS(st) == 126) {
        fprintf(stderr, "tu_run_as(%s): the child could not become %s\n", u->name, u->name);
        return -1;
    }
    return WEXITSTATUS(st);
}

int tu_run_as(const struct tu_user *u, int (*fn)(void *), void *arg)
{
    return tu_run_as_timeout(u, fn, arg, 20000);
}

/* An existing directory of the way: others must be able to search it. */
static int searchable(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    mode_t x = S_IXUSR | S_IXGRP | S_IXOTH;
    if ((st.st_mode & x) == x)
        return 0;
    if (st.st_uid != 0)
        return -EACCES;
    return chmod(dir, (st.st_mode & 07777) | x) == 0 ? 0 : -errno;
}

int tu_shared_dir(const char *path, mode_t mode)
{
    char p[PATH_MAX];
    if (path[0] != '/' || strlen(path) >= sizeof p)
        return -EINVAL;
    snprintf(p, sizeof p, "%s", path);
    /* every parent, from the top */
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = 0;
        int r = 0;
        if (mkdir(p, 0755) == 0)
            r = chmod(p, 0755) == 0 && chown(p, 0, 0) == 0 ? 0 : -errno;
        else if (errno == EEXIST)
            r = searchable(p);
        else
            r = -errno;
        *s = '/';
        if (r != 0)
            return r;
    }
    if (mkdir(p, mode & 07777) != 0 && errno != EEXIST)
        return -errno;
    struct stat st;
    if (stat(p, &st) != 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    if (chown(p, 0, 0) != 0 || chmod(p, mode & 07777) != 0)
        return -errno;
    return 0;
}
