/*
 * users.h - tests that run code as real users (docs/security.md, "Testing
 * with real users").  .ci/users.sh (as root) makes them:
 *
 *     shmapa  member of the group shmap-global
 *     shmapb  in no group of ours
 *     shmapc  member of the group shmap-c
 *
 * A multi-user test starts with tu_require(): it skips (exit 77, "SKIP: ...
 * run .ci/users.sh as root") when the users are missing or we are not root,
 * and fails instead when CI=true, so that CI cannot stop running them
 * unnoticed.  Then tu_run_as(user, fn, arg) runs fn in a forked child that
 * is that user and nothing else (no root left).
 */
#ifndef SHMAP_TEST_USERS_H
#define SHMAP_TEST_USERS_H

#include <stdbool.h>
#include <sys/types.h>

#define TU_USER_A "shmapa"
#define TU_USER_B "shmapb"
#define TU_USER_C "shmapc"
#define TU_GROUP_GLOBAL "shmap-global"
#define TU_GROUP_C "shmap-c"

#define TU_MAX_GROUPS 64

struct tu_user {
    char name[32];
    uid_t uid;
    gid_t gid;   /* primary group */
    int ngroups; /* groups[]: the primary and supplementary ones */
    gid_t groups[TU_MAX_GROUPS];
};

/* The user name from the password database, with its groups
 * (getgrouplist).  0, or -ENOENT (no such user), -E2BIG (more than
 * TU_MAX_GROUPS groups), -ENAMETOOLONG. */
int tu_lookup(const char *name, struct tu_user *u);
/* The gid of group name: 0, or -ENOENT. */
int tu_group(const char *name, gid_t *gid);
/* Can multi-user tests run: are we root (euid 0) and do the three users
 * and their two groups exist? */
bool tu_available(void);
/* At the start of a multi-user test: returns if tu_available(); else
 * fails the test when CI=true, skips it otherwise (exit 77), saying why. */
void tu_require(void);
/* tu_lookup that fails the test if the user is missing. */
struct tu_user tu_get(const char *name);

/* Run fn(arg) as u in a forked child: setgroups(u's groups), setresgid
 * and setresuid to u's (real, effective and saved: nothing of root stays;
 * checked with getresuid/getresgid, and that setuid(0) now fails),
 * dumpable again (as a process started as u: its other processes may
 * ptrace it and pidfd_getfd from it), USER and LOGNAME set, the rest of the environment
 * (SHMAP_ROOT) and the working directory kept.  The child ends with exit(fn's result), so that the
 * library's exit handling runs; fn returns 0..125.  Returns the child's exit code; -1 with a
 * message on stderr if the change of user failed (the child exits 126), if the child died of a
 * signal, or if it ran longer than timeout_ms (killed then; tu_run_as: 20 s).  An ASSERT_* failing
 * in fn ends the child with 1 and its message. */
int tu_run_as(const struct tu_user *u, int (*fn)(void *), void *arg);
/* What tu_run_as does in its child, in the calling process (a forked one:
 * there is no way back): 0, or -1 with a message on stderr. */
int tu_become(const struct tu_user *u);
int tu_run_as_timeout(const struct tu_user *u, int (*fn)(void *), void *arg, int timeout_ms);

/* Make path a directory owned by root with exactly mode (mode is not
 * subject to the umask), and make sure every user can reach it: missing
 * parents are made, owned by root, 0755; an existing parent that others
 * cannot search gets the search (x) bits added if root owns it (e.g. the
 * test's namespace root, 0700 from mkdtemp), else -EACCES.  path must be
 * absolute.  0 or -errno. */
int tu_shared_dir(const char *path, mode_t mode);

#endif
