/*
 * test-nstrust.c - the namespace trusts a directory only when its owner
 * and mode keep other users out (docs/security.md), and a mapping survives
 * its file being cut short.  The directory tests need root (they give
 * directories to another uid with chown); tests with real users and their
 * own processes are in test-security.c.
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE
#define OTHER_UID 54321u /* nobody we know: a user who got there first */

static char rootbuf[4200];

/* A fresh SHMAP_ROOT below the test's private one (which the harness made
 * 0700: make it traversable). */
static const char *sub_root(const char *leaf)
{
    ASSERT_EQ(chmod(test_root(), 0755), 0);
    snprintf(rootbuf, sizeof rootbuf, "%s/%s", test_root(), leaf);
    return rootbuf;
}

static void need_root(void)
{
    if (geteuid() != 0)
        SKIP("needs root (chown of directories to another uid)");
}

/* Run fn in a child whose SHMAP_ROOT is root; fn's return is its exit code. */
static void in_child(const char *root, int (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        setenv("SHMAP_ROOT", root, 1);
        _exit(fn());
    }
    expect_exit(pid, 0, 20);
}

static int create_local(void)
{
    shmap_handle_t h;
    int r = shmap_mapping_create(PF, "Local\\x", RW, 4096, 0, &h);
    return r == 0 ? (shmap_close(h), 0) : 1;
}
static int refuse_all(void)
{
    shmap_handle_t h;
    if (shmap_mapping_create(PF, "Local\\x", RW, 4096, 0, &h) != SHMAP_EUNSAFE)
        return 1;
    if (shmap_event_create("Global\\e", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h) != SHMAP_EUNSAFE)
        return 2;
    return 0;
}
static int global_refused_local_works(void)
{
    shmap_handle_t h;
    if (shmap_event_create("Global\\e", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h) != SHMAP_EUNSAFE)
        return 1;
    if (shmap_event_create("Local\\e", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h) != 0)
        return 2;
    shmap_close(h);
    if (shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &h) != 0)
        return 3;
    shmap_close(h);
    return 0;
}

/* Hole 3 of issue 13: whoever creates the root first owns it.  A root
 * owned by another user is refused, never used. */
TEST(root_owned_by_another_user_is_refused)
{
    need_root();
    const char *r = sub_root("r");
    ASSERT_EQ(mkdir(r, 01777), 0);
    ASSERT_EQ(chmod(r, 01777), 0);
    ASSERT_EQ(chown(r, OTHER_UID, OTHER_UID), 0);
    in_child(r, refuse_all);
    struct stat st;
    char g[4400];
    snprintf(g, sizeof g, "%s/global", r);
    ASSERT_EQ(lstat(g, &st), -1); /* nothing was made in it */
}

TEST(root_writable_by_others_without_sticky_is_refused)
{
    need_root();
    const char *r = sub_root("r");
    ASSERT_EQ(mkdir(r, 0777), 0);
    ASSERT_EQ(chmod(r, 0777), 0);
    in_child(r, refuse_all);
}

TEST(root_that_is_a_symlink_is_refused)
{
    need_root();
    const char *r = sub_root("r");
    char target[4400];
    snprintf(target, sizeof target, "%s/elsewhere", test_root());
    ASSERT_EQ(mkdir(target, 01777), 0);
    ASSERT_EQ(symlink(target, r), 0);
    in_child(r, refuse_all);
    ASSERT_EQ(unlink(r), 0);
}

/* A root made by root appears complete: sticky 1777, and global/ in it
 * owned by root, never writable by others. */
TEST(new_root_comes_with_its_global_directory)
{
    need_root();
    const char *r = sub_root("fresh");
    in_child(r, create_local);
    struct stat st;
    ASSERT_EQ(lstat(r, &st), 0);
    ASSERT_EQ_U(st.st_mode & 07777, 01777);
    ASSERT_EQ(st.st_uid, 0);
    char g[4400];
    snprintf(g, sizeof g, "%s/global", r);
    ASSERT_EQ(lstat(g, &st), 0);
    ASSERT_TRUE(S_ISDIR(st.st_mode));
    ASSERT_EQ(st.st_uid, 0);
    ASSERT_EQ_U(st.st_mode & 0002, 0);
}

/* global/ that another user made first, or that everyone may write. */
TEST(global_directory_not_root_s_is_refused)
{
    need_root();
    const char *r = sub_root("r");
    ASSERT_EQ(mkdir(r, 01777), 0);
    ASSERT_EQ(chmod(r, 01777), 0);
    char g[4400];
    snprintf(g, sizeof g, "%s/global", r);
    ASSERT_EQ(mkdir(g, 0755), 0);
    ASSERT_EQ(chown(g, OTHER_UID, OTHER_UID), 0);
    in_child(r, global_refused_local_works);
    ASSERT_EQ(chown(g, 0, 0), 0);
    ASSERT_EQ(chmod(g, 0777), 0); /* world-writable, not sticky */
    in_child(r, global_refused_local_works);
}

/* global/ as shmap before 0.2 made it (root's, 1777): root closes it to
 * others and uses it; the objects in it stay. */
static int global_works(void)
{
    shmap_handle_t h;
    if (shmap_event_create("Global\\e", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h) != 0)
        return 1;
    shmap_close(h);
    return 0;
}
TEST(global_directory_of_old_versions_is_closed_by_root)
{
    need_root();
    const char *r = sub_root("r");
    ASSERT_EQ(mkdir(r, 01777), 0);
    ASSERT_EQ(chmod(r, 01777), 0);
    char g[4400];
    snprintf(g, sizeof g, "%s/global", r);
    ASSERT_EQ(mkdir(g, 01777), 0);
    ASSERT_EQ(chmod(g, 01777), 0);
    in_child(r, global_works);
    struct stat st;
    ASSERT_EQ(lstat(g, &st), 0);
    ASSERT_EQ_U(st.st_mode & 0002, 0);
    ASSERT_EQ_U(st.st_mode & 01000, 0);
}

/* Hole 4: u<uid> squatted by another user (a directory of theirs, a
 * symlink, a file).  The user's Local\ moves to u<uid>.XXXXXX, found again
 * by every process of the user; the squatted entry is left alone. */
static int squat_create(void)
{
    shmap_handle_t h, e;
    if (shmap_mapping_create(PF, "Local\\sq", RW, 4096, 0, &h) != 0)
        return 1;
    if (shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &e) != 0)
        return 2;
    shmap_close(e);
    /* a second process of ours finds the same Local\ */
    pid_t pid = fork();
    if (pid == 0) {
        shmap_handle_t o;
        _exit(shmap_mapping_open("Local\\sq", SHMAP_FILE_MAP_READ, 0, &o) == 0 ? 0 : 3);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 4;
    shmap_close(h);
    return 0;
}

static void squat_case(int kind)
{
    const char *r = sub_root("r");
    ASSERT_EQ(mkdir(r, 01777), 0);
    ASSERT_EQ(chmod(r, 01777), 0);
    char u[4400];
    snprintf(u, sizeof u, "%s/u%u", r, (unsigned)geteuid());
    if (kind == 0) {
        ASSERT_EQ(mkdir(u, 0700), 0);
        ASSERT_EQ(chown(u, OTHER_UID, OTHER_UID), 0);
    } else if (kind == 1) {
        ASSERT_EQ(symlink("/tmp", u), 0);
    } else {
        int fd = open(u, O_CREAT | O_WRONLY, 0600);
        ASSERT_GE(fd, 0);
        close(fd);
    }
    in_child(r, squat_create);
    struct stat st;
    ASSERT_EQ(lstat(u, &st), 0); /* the squatter's entry is still there */
    ASSERT_EQ(kind == 0 ? st.st_uid : 0, kind == 0 ? OTHER_UID : 0);
    ASSERT_EQ(kind == 0 ? rmdir(u) : unlink(u), 0);
}

TEST(local_directory_squatted_by_a_directory)
{
    need_root();
    squat_case(0);
}
TEST(local_directory_squatted_by_a_symlink)
{
    need_root();
    squat_case(1);
}
TEST(local_directory_squatted_by_a_file)
{
    need_root();
    squat_case(2);
}

/* u<uid> of ours with a mode open to others is not used either. */
TEST(local_directory_open_to_others_is_not_used)
{
    need_root();
    const char *r = sub_root("r");
    ASSERT_EQ(mkdir(r, 01777), 0);
    ASSERT_EQ(chmod(r, 01777), 0);
    char u[4400];
    snprintf(u, sizeof u, "%s/u%u", r, (unsigned)geteuid());
    ASSERT_EQ(mkdir(u, 0777), 0);
    ASSERT_EQ(chmod(u, 0777), 0);
    in_child(r, squat_create);
    char f[4500];
    snprintf(f, sizeof f, "%s/sq", u);
    struct stat st;
    ASSERT_EQ(lstat(f, &st), -1); /* nothing went into the open directory */
}

/* ---- hole 2: the file cut short under a live view ---------------------- */

static void obj_path(const char *name, char *out, size_t n)
{
    struct shmap_name nm;
    ASSERT_EQ(shmap__name_parse(name, 0, &nm), 0);
    snprintf(out, n, "%s/u%u/%s", test_root(), (unsigned)geteuid(), nm.fname);
}

TEST(view_survives_its_file_being_truncated)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user does not give a guest's SIGBUS handler the bus errors of a truncated file");
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "cut", RW, 65536, 0, &h), 0);
    char *v;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v), 0);
    memset(v, 0x5a, 65536);
    char p[4400];
    uint64_t off; /* the data lies in the section's data file (DESIGN.md §6) */
    ASSERT_EQ(shmap_mapping_data_file(h, p, sizeof p, &off), 0);
    unsigned long before = shmap__guard_rescued();
    ASSERT_EQ(truncate(p, 0), 0); /* any writer of the file can do this */
    volatile char *vv = v;
    ASSERT_EQ(vv[0], 0); /* was a SIGBUS: now a private zero page */
    vv[40000] = 7;       /* writes land in private memory */
    ASSERT_EQ(vv[40000], 7);
    ASSERT_EQ(vv[65535], 0);
    ASSERT_GE(shmap__guard_rescued() - before, 3);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(sync_object_survives_its_file_being_truncated)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user does not give a guest's SIGBUS handler the bus errors of a truncated file");
    shmap_handle_t h;
    ASSERT_EQ(shmap_event_create("cutev", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h), 0);
    char p[4400];
    obj_path("cutev", p, sizeof p);
    unsigned long before = shmap__guard_rescued();
    ASSERT_EQ(truncate(p, 0), 0);
    (void)shmap_event_set(h, NULL); /* whatever it answers, it does not kill us */
    (void)shmap_wait(1, &h, 0, 0);
    ASSERT_GE(shmap__guard_rescued() - before, 1);
    ASSERT_EQ(shmap_close(h), 0);
}

/* A SIGBUS that is not about one of our mappings still kills as before. */
TEST(foreign_sigbus_is_not_swallowed)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user does not give a guest's SIGBUS handler the bus errors of a truncated file");
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "g", RW, 4096, 0, &h), 0); /* handler installed */
    char *v;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v), 0);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        char tmpl[] = "/dev/shm/shmap-bus-XXXXXX";
        int fd = mkstemp(tmpl);
        unlink(tmpl);
        if (fd < 0 || ftruncate(fd, 4096) != 0)
            _exit(2);
        volatile char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
        if (m == MAP_FAILED || ftruncate(fd, 0) != 0)
            _exit(3);
        (void)m[0];
        _exit(4);
    }
    int st = wait_pid(pid, 20);
    /* killed by it; or, under AddressSanitizer (whose handler was there
     * before ours), reported by it and ended with an error */
    if (WIFSIGNALED(st))
        ASSERT_EQ(WTERMSIG(st), SIGBUS);
    else
        ASSERT_TRUE(WIFEXITED(st) && (WEXITSTATUS(st) == 1 || WEXITSTATUS(st) > 4));
    shmap_view_unmap(v);
    shmap_close(h);
}
