/*
 * test-pacl-users.c - the kernel enforces what shmap__pacl_set writes,
 * checked with real users (test/users.h; .ci/users.sh makes them): a user
 * given r opens for reading only, a user not listed is refused, a group's
 * grant reaches its members, a user's own entry wins over its groups', and
 * going back to the mode alone takes the grants away.  Also the users
 * helper itself: the child is the user and nothing of root; crashes and
 * hangs come back as -1.
 *
 * Without the users (or not root) every test skips, so that ctest shows
 * this program as skipped; with CI=true they fail instead.
 */
#include "harness.h"
#include "internal.h"
#include "users.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define R SHMAP_PACL_R
#define W SHMAP_PACL_W
#define RW (SHMAP_PACL_R | SHMAP_PACL_W)
#define U SHMAP_PACL_USER
#define G SHMAP_PACL_GROUP

static char pathbuf[4200];

/* A root-owned 0600 file in the test's namespace root, which every user
 * can now search; its descriptor. */
static int new_file(void)
{
    tu_require();
    ASSERT_EQ(tu_shared_dir(test_root(), 0711), 0);
    snprintf(pathbuf, sizeof pathbuf, "%s/f", test_root());
    int fd = open(pathbuf, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    return fd;
}

static void drop_file(int fd)
{
    close(fd);
    ASSERT_EQ(unlink(pathbuf), 0);
}

/* In the child: open pathbuf with these flags; 0 or the errno. */
static int try_open(void *arg)
{
    int fd = open(pathbuf, *(int *)arg | O_CLOEXEC);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

static int open_as(const char *user, int flags)
{
    struct tu_user u = tu_get(user);
    return tu_run_as(&u, try_open, &flags);
}

static gid_t group_id(const char *name)
{
    gid_t g = 0;
    ASSERT_EQ(tu_group(name, &g), 0);
    return g;
}

TEST(read_grant_is_read_only)
{
    int fd = new_file();
    struct tu_user a = tu_get(TU_USER_A);
    struct shmap_pacl_entry e[] = {{U, R, a.uid}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 1), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDONLY), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDWR), EACCES);
    ASSERT_EQ(open_as(TU_USER_A, O_WRONLY), EACCES);
    /* not listed */
    ASSERT_EQ(open_as(TU_USER_B, O_RDONLY), EACCES);
    ASSERT_EQ(open_as(TU_USER_C, O_RDONLY), EACCES);
    /* rw for a */
    e[0].perm = RW;
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 1), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDWR), 0);
    ASSERT_EQ(open_as(TU_USER_B, O_RDWR), EACCES);
    drop_file(fd);
}

TEST(group_grant_reaches_members)
{
    int fd = new_file();
    struct shmap_pacl_entry e[] = {{G, R, group_id(TU_GROUP_GLOBAL)},
                                   {G, RW, group_id(TU_GROUP_C)}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 2), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDONLY), 0); /* shmap-global: r */
    ASSERT_EQ(open_as(TU_USER_A, O_RDWR), EACCES);
    ASSERT_EQ(open_as(TU_USER_C, O_RDWR), 0); /* shmap-c: rw */
    ASSERT_EQ(open_as(TU_USER_B, O_RDONLY), EACCES);
    drop_file(fd);
}

/* A user's own entry is what applies to it, not its groups' (POSIX.1e):
 * named with nothing, a member of a group given rw is refused. */
TEST(user_entry_wins_over_group)
{
    int fd = new_file();
    struct tu_user a = tu_get(TU_USER_A);
    struct shmap_pacl_entry e[] = {{U, 0, a.uid}, {G, RW, group_id(TU_GROUP_GLOBAL)}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 2), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDONLY), EACCES);
    drop_file(fd);
}

/* The owning group and others, with and without an ACL. */
TEST(owning_group_and_other)
{
    int fd = new_file();
    ASSERT_EQ(fchown(fd, 0, group_id(TU_GROUP_C)), 0);
    struct tu_user a = tu_get(TU_USER_A);
    struct shmap_pacl_entry e[] = {{U, RW, a.uid}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, R, 0, e, 1), 0);
    ASSERT_EQ(open_as(TU_USER_C, O_RDONLY), 0); /* GROUP_OBJ r, though the mask is rw */
    ASSERT_EQ(open_as(TU_USER_C, O_RDWR), EACCES);
    ASSERT_EQ(open_as(TU_USER_B, O_RDONLY), EACCES);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, R, NULL, 0), 0);
    ASSERT_EQ(open_as(TU_USER_B, O_RDONLY), 0); /* other r */
    ASSERT_EQ(open_as(TU_USER_B, O_RDWR), EACCES);
    ASSERT_EQ(open_as(TU_USER_C, O_RDONLY), EACCES); /* the owning group: nothing */
    drop_file(fd);
}

/* n == 0 takes away what an ACL granted. */
TEST(mode_alone_removes_grants)
{
    int fd = new_file();
    struct tu_user a = tu_get(TU_USER_A);
    struct shmap_pacl_entry e[] = {{U, RW, a.uid}, {G, RW, group_id(TU_GROUP_C)}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 2), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDWR), 0);
    ASSERT_EQ(open_as(TU_USER_C, O_RDWR), 0);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, NULL, 0), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDONLY), EACCES);
    ASSERT_EQ(open_as(TU_USER_C, O_RDONLY), EACCES);
    struct stat st;
    ASSERT_EQ(fstat(fd, &st), 0);
    ASSERT_EQ_U(st.st_mode & 07777, 0600);
    drop_file(fd);
}

/* The mask limits named entries: an fchmod of the group bits after the
 * ACL narrows a's rw to r (why pacl_set makes the mask the union). */
TEST(mask_limits_named_entries)
{
    int fd = new_file();
    struct tu_user a = tu_get(TU_USER_A);
    struct shmap_pacl_entry e[] = {{U, RW, a.uid}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 1), 0);
    ASSERT_EQ(fchmod(fd, 0640), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDONLY), 0);
    ASSERT_EQ(open_as(TU_USER_A, O_RDWR), EACCES);
    struct shmap_pacl_perms pp;
    struct shmap_pacl_entry back[1];
    size_t n = 0;
    ASSERT_EQ(shmap__pacl_get(fd, &pp, back, 1, &n), 0);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(back[0].perm, RW); /* the entry, unchanged */
    ASSERT_EQ(pp.mask, R);
    drop_file(fd);
}

/* What a user may open a file for: R | W. */
static int access_of(const char *path)
{
    int bits = 0, fd;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
        bits |= R, close(fd);
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) >= 0)
        bits |= W, close(fd);
    return bits;
}

/* The files of narrowed_mode_never_grants_more: file i with the ACL, file
 * NCASES + i with the mode alone it narrows to. */
#define NCASES (6 * 3 * 4 * 4)
static void case_path(char *buf, size_t n, int i)
{
    snprintf(buf, n, "%s/n%d", test_root(), i);
}

/* In the child: the access of each file into out[] (shared memory). */
static int access_all(void *arg)
{
    int *out = arg;
    char p[4300];
    for (int i = 0; i < 2 * NCASES; i++) {
        case_path(p, sizeof p, i);
        out[i] = access_of(p);
    }
    return 0;
}

/* Where a file system has no ACLs, shmap__pacl_set leaves the mode
 * narrowed by shmap__pacl_narrow: for ACLs of every shape (users and
 * groups given more or less than the owning group and the others), that
 * mode gives none of the three users more than the ACL does, as the
 * kernel decides both. */
TEST(narrowed_mode_never_grants_more)
{
    tu_require();
    ASSERT_EQ(tu_shared_dir(test_root(), 0711), 0);
    struct tu_user a = tu_get(TU_USER_A), b = tu_get(TU_USER_B), c = tu_get(TU_USER_C);
    const struct tu_user *users[] = {&a, &b, &c};
    gid_t gg = group_id(TU_GROUP_GLOBAL), gc = group_id(TU_GROUP_C);
    struct shmap_pacl_entry cases[][3] = {
        {{U, 0, a.uid}},
        {{U, R, a.uid}, {U, W, b.uid}},
        {{G, 0, gg}},
        {{G, R, gc}, {U, 0, c.uid}},
        {{G, W, gg}, {G, R, gc}, {U, RW, b.uid}},
        {{U, RW, a.uid}, {U, RW, b.uid}, {U, RW, c.uid}},
    };
    size_t ns[] = {1, 2, 1, 2, 3, 3};
    gid_t owners[] = {0, gg, gc};
    struct {
        size_t k;
        gid_t owner;
        unsigned gp, op;
    } what[NCASES];
    char p[4300];
    int i = 0;
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        for (size_t og = 0; og < 3; og++)
            for (unsigned gp = 0; gp <= RW; gp += 2)
                for (unsigned op = 0; op <= RW; op += 2, i++) {
                    what[i].k = k, what[i].owner = owners[og], what[i].gp = gp, what[i].op = op;
                    unsigned g = gp, o = op;
                    shmap__pacl_narrow(&g, &o, cases[k], ns[k]);
                    for (int alone = 0; alone < 2; alone++) {
                        case_path(p, sizeof p, i + alone * NCASES);
                        int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
                        ASSERT_GE(fd, 0);
                        ASSERT_EQ(fchown(fd, 0, owners[og]), 0);
                        if (alone)
                            ASSERT_EQ(shmap__pacl_set(fd, RW, g, o, NULL, 0), 0);
                        else
                            ASSERT_EQ(shmap__pacl_set(fd, RW, gp, op, cases[k], ns[k]), 0);
                        close(fd);
                    }
                }
    ASSERT_EQ(i, NCASES);
    int *got = mmap(NULL, 3 * 2 * NCASES * sizeof(int), PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(got != MAP_FAILED);
    for (int u = 0; u < 3; u++)
        ASSERT_EQ(tu_run_as(users[u], access_all, got + u * 2 * NCASES), 0);
    int granted = 0;
    for (int u = 0; u < 3; u++)
        for (i = 0; i < NCASES; i++) {
            int with = got[u * 2 * NCASES + i], without = got[u * 2 * NCASES + NCASES + i];
            granted += with != 0;
            if (without & ~with)
                harness_fail(__FILE__, __LINE__,
                             "case %zu, group %u, group perm %u, other %u: %s gets %d with the "
                             "mode alone, %d with the ACL",
                             what[i].k, (unsigned)what[i].owner, what[i].gp, what[i].op,
                             users[u]->name, without, with);
        }
    ASSERT_GT(granted, NCASES / 2); /* the files were reachable at all */
    munmap(got, 3 * 2 * NCASES * sizeof(int));
    for (i = 0; i < 2 * NCASES; i++) {
        case_path(p, sizeof p, i);
        ASSERT_EQ(unlink(p), 0);
    }
}

/* ---- the helper itself ---- */

static const char *expect_root;

static int whoami(void *arg)
{
    const struct tu_user *u = arg;
    uid_t r, e, s;
    gid_t rg, eg, sg;
    ASSERT_EQ(getresuid(&r, &e, &s), 0);
    ASSERT_EQ(r, u->uid);
    ASSERT_EQ(e, u->uid);
    ASSERT_EQ(s, u->uid);
    ASSERT_EQ(getresgid(&rg, &eg, &sg), 0);
    ASSERT_EQ(rg, u->gid);
    ASSERT_EQ(eg, u->gid);
    ASSERT_EQ(sg, u->gid);
    gid_t gs[TU_MAX_GROUPS];
    int n = getgroups(TU_MAX_GROUPS, gs);
    ASSERT_EQ(n, u->ngroups);
    for (int i = 0; i < n; i++)
        ASSERT_EQ(gs[i], u->groups[i]);
    ASSERT_EQ(setuid(0), -1); /* no way back */
    ASSERT_EQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
    ASSERT_STR_EQ(getenv("SHMAP_ROOT"), expect_root);
    ASSERT_STR_EQ(getenv("USER"), u->name);
    /* root's 0600 file: refused */
    int fd = open(pathbuf, O_RDONLY);
    ASSERT_EQ(fd, -1);
    ASSERT_EQ(errno, EACCES);
    return 7;
}

TEST(run_as_is_the_user)
{
    int fd = new_file();
    expect_root = getenv("SHMAP_ROOT");
    ASSERT_NOT_NULL(expect_root);
    const char *names[] = {TU_USER_A, TU_USER_B, TU_USER_C};
    for (int i = 0; i < 3; i++) {
        struct tu_user u = tu_get(names[i]);
        ASSERT_NE(u.uid, 0);
        ASSERT_EQ(tu_run_as(&u, whoami, &u), 7);
    }
    /* memberships as .ci/users.sh makes them */
    struct tu_user a = tu_get(TU_USER_A), b = tu_get(TU_USER_B), c = tu_get(TU_USER_C);
    gid_t gg = group_id(TU_GROUP_GLOBAL), gc = group_id(TU_GROUP_C);
    bool a_in = false, b_in = false, c_in = false;
    for (int i = 0; i < a.ngroups; i++)
        a_in |= a.groups[i] == gg;
    for (int i = 0; i < b.ngroups; i++)
        b_in |= b.groups[i] == gg || b.groups[i] == gc;
    for (int i = 0; i < c.ngroups; i++)
        c_in |= c.groups[i] == gc;
    ASSERT_TRUE(a_in && !b_in && c_in);
    drop_file(fd);
}

static int crash(void *arg)
{
    struct rlimit none = {0, 0}; /* no core file */
    setrlimit(RLIMIT_CORE, &none);
    raise(SIGABRT);
    return 0;
}
static int hang(void *arg)
{
    for (;;)
        pause();
    return 0;
}
static int fails_assert(void *arg)
{
    ASSERT_EQ(1, 2);
    return 0;
}

TEST(run_as_crash_hang_assert)
{
    tu_require();
    struct tu_user b = tu_get(TU_USER_B);
    ASSERT_EQ(tu_run_as(&b, crash, NULL), -1);
    ASSERT_EQ(tu_run_as_timeout(&b, hang, NULL, 200), -1);
    ASSERT_EQ(tu_run_as(&b, fails_assert, NULL), 1);
    /* a user that cannot be: the child says so, -1 */
    struct tu_user bad = b;
    bad.ngroups = -1;
    ASSERT_EQ(tu_run_as(&bad, whoami, &bad), -1);
}

static int stat_dir(void *arg)
{
    struct stat st;
    if (stat(arg, &st) != 0)
        return errno;
    char f[4300];
    snprintf(f, sizeof f, "%s/x", (const char *)arg);
    int fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        unlink(f);
        return 100; /* could write */
    }
    return 0;
}

TEST(shared_dir)
{
    tu_require();
    char d[4200];
    snprintf(d, sizeof d, "%s/a/b", test_root());
    ASSERT_EQ(tu_shared_dir(d, 0755), 0);
    struct stat st;
    ASSERT_EQ(stat(d, &st), 0);
    ASSERT_EQ_U(st.st_mode & 07777, 0755);
    ASSERT_EQ(st.st_uid, 0);
    struct tu_user c = tu_get(TU_USER_C);
    ASSERT_EQ(tu_run_as(&c, stat_dir, d), 0);
    ASSERT_EQ(tu_shared_dir(d, 01777), 0); /* an existing one gets the mode */
    ASSERT_EQ(stat(d, &st), 0);
    ASSERT_EQ_U(st.st_mode & 07777, 01777);
    ASSERT_EQ(tu_run_as(&c, stat_dir, d), 100);
    ASSERT_EQ(tu_shared_dir("relative", 0755), -EINVAL);
}
