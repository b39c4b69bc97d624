/*
 * test-security.c - the holes of issue 13 part 1, played by real users
 * (.ci/users.sh): A (shmapa) is a member of shmap-global, B (shmapb) is
 * not.  Each test plays the attack and checks that it is refused, and that
 * the victim goes on working.  Without the users (a developer machine, not
 * root) the tests skip; with CI=true they fail instead.
 */
#include "harness.h"
#include "internal.h"
#include "users.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE

static char nsroot[4200], parent[4200];

/* The namespace root of the test: a path below the test's directory that
 * nobody has made yet (the first process to use it makes it). */
static const char *fresh_root(void)
{
    tu_require();
    ASSERT_EQ(chmod(test_root(), 0755), 0);
    snprintf(parent, sizeof parent, "%s", test_root());
    snprintf(nsroot, sizeof nsroot, "%.4100s/ns", parent);
    setenv("SHMAP_ROOT", nsroot, 1);
    return nsroot;
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
    struct shmap_name nm;
    ASSERT_EQ(shmap__name_parse(name, 0, &nm), 0);
    int w = snprintf(out, n, "%.4000s/%.32s/%.255s", nsroot, dir, nm.fname);
    ASSERT_LT(w, (int)n);
}

/* ---- hole 1: a section planted in global/ ------------------------------- */

static int b_plants(void *arg)
{
    (void)arg;
    shmap_handle_t h;
    if (shmap_mapping_create(PF, "Local\\y", RW, 4096, 0, &h) != 0)
        return 2;
    char dst[4400];
    path_in(dst, sizeof dst, "global", "y");
    /* the kernel refuses B any entry in global/ */
    int fd = open(dst, O_CREAT | O_EXCL | O_WRONLY, 0666);
    if (fd >= 0 || errno != EACCES)
        return 3;
    char g[4400];
    snprintf(g, sizeof g, "%s/global", nsroot);
    if (mkdir(strcat(g, "/junk"), 0777) == 0 || errno != EACCES)
        return 4;
    /* and so does the library, for every type */
    if (shmap_mapping_create(PF, "Global\\y", RW, 4096, 0, &h) != -EACCES)
        return 5;
    if (shmap_event_create("Global\\y", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h) != -EACCES)
        return 6;
    return 0;
}

static int a_creates_global(void *arg)
{
    (void)arg;
    shmap_handle_t h;
    if (shmap_mapping_create(PF, "Global\\a", RW, 4096, 0, &h) != 0)
        return 2;
    if (shmap_close(h) != 0)
        return 3;
    return 0;
}

TEST(hole1_another_user_cannot_plant_a_section_in_global)
{
    fresh_root();
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "Global\\probe", RW, 4096, 0, &h),
              0); /* root makes the tree */
    ASSERT_EQ(shmap_close(h), 0);
    struct tu_user a = tu_get("shmapa"), b = tu_get("shmapb");
    ASSERT_EQ(tu_run_as(&b, b_plants, NULL), 0);
    ASSERT_EQ(tu_run_as(&a, a_creates_global, NULL), 0);
}

/* A copy made by a member (or root) of someone else's object file is not
 * the object: its owner is not the uid in its header. */
static int b_holds_local(void *arg)
{
    int *pipefd = arg;
    shmap_handle_t h;
    if (shmap_mapping_create(PF, "Local\\y", RW, 4096, 0, &h) != 0)
        return 2;
    if (write(pipefd[1], "x", 1) != 1)
        return 3;
    char c;
    return read(pipefd[0], &c, 1) == 1 ? 0 : 4; /* hold until told */
}

struct bg {
    struct tu_user u;
    int (*fn)(void *);
    void *arg;
    int result;
};
static void *bg_run(void *p)
{
    struct bg *b = p;
    b->result = tu_run_as(&b->u, b->fn, b->arg);
    return NULL;
}

TEST(hole1_copied_object_file_is_not_taken_for_the_object)
{
    fresh_root();
    shmap_handle_t h;
    ASSERT_EQ(shmap_event_create("Global\\probe", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h), 0);
    ASSERT_EQ(shmap_close(h), 0);
    int up[2], down[2];
    ASSERT_EQ(pipe(up), 0);
    ASSERT_EQ(pipe(down), 0);
    int ends[2] = {down[0], up[1]};
    struct bg b = {tu_get("shmapb"), b_holds_local, ends, -1};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, bg_run, &b), 0);
    char c;
    ASSERT_EQ(read(up[0], &c, 1), 1);
    /* root copies B's live object file into global/ and gives it to A */
    char src[4400], dst[4400], cmd[14000], dir[32];
    snprintf(dir, sizeof dir, "u%u", (unsigned)b.u.uid);
    path_in(src, sizeof src, dir, "y");
    path_in(dst, sizeof dst, "global", "y");
    snprintf(cmd, sizeof cmd, "cp '%.4300s' '%.4300s' && chown shmapa '%.4300s'", src, dst, dst);
    ASSERT_EQ(system(cmd), 0);
    /* the victim's create is not given B's object */
    ASSERT_EQ(shmap_mapping_create(PF, "Global\\y", RW, 4096, 0, &h), SHMAP_EBADOBJ);
    ASSERT_EQ(write(down[1], "x", 1), 1);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(b.result, 0);
    ASSERT_EQ(unlink(dst), 0);
    ASSERT_EQ(shmap_mapping_create(PF, "Global\\y", RW, 4096, 0, &h), 0);
    ASSERT_EQ(shmap_close(h), 0);
    close(up[0]), close(up[1]), close(down[0]), close(down[1]);
}

/* ---- hole 2: the creator truncates under the victim's view ------------- */

static int a_truncates(void *arg)
{
    int *ends = arg;
    shmap_handle_t h;
    if (shmap_mapping_create(PF, "Global\\sq2", RW, 65536, 0, &h) != 0)
        return 2;
    if (write(ends[1], "c", 1) != 1)
        return 3;
    char c;
    if (read(ends[0], &c, 1) != 1) /* the victim has mapped it */
        return 4;
    char p[4400];
    uint64_t off; /* the data lies in the section's data file (DESIGN.md §6) */
    if (shmap_mapping_data_file(h, p, sizeof p, &off) != 0 || truncate(p, 0) != 0)
        return 5;
    if (write(ends[1], "t", 1) != 1)
        return 6;
    if (read(ends[0], &c, 1) != 1)
        return 7;
    return shmap_close(h) == 0 ? 0 : 8;
}

TEST(hole2_truncation_by_the_creator_does_not_kill_the_reader)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user does not give a guest's SIGBUS handler the bus errors of a truncated file");
    fresh_root();
    shmap_handle_t h;
    ASSERT_EQ(shmap_event_create("Global\\probe", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h), 0);
    ASSERT_EQ(shmap_close(h), 0);
    int up[2], down[2];
    ASSERT_EQ(pipe(up), 0);
    ASSERT_EQ(pipe(down), 0);
    int ends[2] = {down[0], up[1]};
    struct bg b = {tu_get("shmapa"), a_truncates, ends, -1};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, bg_run, &b), 0);
    char c;
    ASSERT_EQ(read(up[0], &c, 1), 1);
    ASSERT_EQ(shmap_mapping_open("Global\\sq2", SHMAP_FILE_MAP_ALL_ACCESS, 0, &h), 0);
    volatile char *v;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v), 0);
    v[100] = 1;
    ASSERT_EQ(write(down[1], "m", 1), 1);
    ASSERT_EQ(read(up[0], &c, 1), 1); /* truncated */
    ASSERT_EQ(v[100], 0);             /* a SIGBUS before: now zero, private */
    v[200] = 5;
    ASSERT_EQ(v[200], 5);
    ASSERT_EQ(write(down[1], "e", 1), 1);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(b.result, 0);
    ASSERT_EQ(shmap_view_unmap((void *)v), 0);
    ASSERT_EQ(shmap_close(h), 0);
    close(up[0]), close(up[1]), close(down[0]), close(down[1]);
}

/* ---- hole 3: the root made first by another user ------------------------ */

static int b_makes_root(void *arg)
{
    (void)arg;
    shmap_handle_t h;
    /* B's own use makes a private root and works for B */
    if (shmap_mapping_create(PF, "Local\\mine", RW, 4096, 0, &h) != 0)
        return 2;
    return shmap_close(h) == 0 ? 0 : 3;
}
static int refused(void *arg)
{
    (void)arg;
    shmap_handle_t h;
    if (shmap_mapping_create(PF, "Local\\x", RW, 4096, 0, &h) != SHMAP_EUNSAFE)
        return 2;
    if (shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &h) != SHMAP_EUNSAFE)
        return 3;
    return 0;
}

TEST(hole3_a_root_made_by_another_user_is_refused)
{
    fresh_root();
    ASSERT_EQ(chmod(parent, 01777), 0); /* like /dev/shm: anyone may make the root */
    struct tu_user a = tu_get("shmapa"), b = tu_get("shmapb");
    ASSERT_EQ(tu_run_as(&b, b_makes_root, NULL), 0);
    struct stat st;
    ASSERT_EQ(stat(nsroot, &st), 0);
    ASSERT_EQ(st.st_uid, b.uid);
    ASSERT_EQ(tu_run_as(&a, refused, NULL), 0);
    ASSERT_EQ(refused(NULL), 0); /* root too: B could remove anything in it */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", nsroot);
    ASSERT_EQ(system(cmd), 0);
}

/* ---- hole 4: A's Local\ squatted by B ----------------------------------- */

static int b_squats(void *arg)
{
    const struct tu_user *a = arg;
    char d[4400];
    snprintf(d, sizeof d, "%s/u%u", nsroot, (unsigned)a->uid);
    return mkdir(d, 0700) == 0 ? 0 : 2;
}
static int a_works(void *arg)
{
    (void)arg;
    shmap_handle_t h, e, g;
    int r = shmap_mapping_create(PF, "Local\\l", RW, 4096, 0, &h);
    if (r != 0) {
        fprintf(stderr, "A's Local\\ create: %d\n", r);
        return 2;
    }
    if (shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &e) != 0)
        return 3;
    if (shmap_event_create("Global\\ga", 0, SHMAP_EVENT_ALL_ACCESS, 0, &g) != 0)
        return 4;
    pid_t pid = fork();
    if (pid == 0) { /* another process of A finds the same Local\ */
        shmap_handle_t o;
        _exit(shmap_mapping_open("Local\\l", SHMAP_FILE_MAP_READ, 0, &o) == 0 ? 0 : 1);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 5;
    shmap_close(h), shmap_close(e), shmap_close(g);
    return 0;
}

TEST(hole4_a_squatted_local_directory_does_not_stop_its_user)
{
    fresh_root();
    shmap_handle_t h;
    ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &h),
              0); /* root makes the tree */
    ASSERT_EQ(shmap_close(h), 0);
    struct tu_user a = tu_get("shmapa"), b = tu_get("shmapb");
    ASSERT_EQ(tu_run_as(&b, b_squats, &a), 0);
    ASSERT_EQ(tu_run_as(&a, a_works, NULL), 0);
    char d[4400];
    snprintf(d, sizeof d, "%s/u%u", nsroot, (unsigned)a.uid);
    struct stat st;
    ASSERT_EQ(stat(d, &st), 0);
    ASSERT_EQ(st.st_uid, b.uid); /* B's directory is left alone */
}

/* ---- another user's objects -------------------------------------------- */

static int b_opens(void *arg)
{
    shmap_handle_t *held = arg; /* root's handles, copied by the fork: not B's */
    shmap_close(held[0]), shmap_close(held[1]);
    shmap_handle_t h;
    /* the default security: nobody but the creator (and root) */
    if (shmap_mapping_open("Global\\priv", SHMAP_FILE_MAP_READ, 0, &h) != -EACCES)
        return 2;
    if (shmap_event_open("Global\\privev", SHMAP_SYNCHRONIZE, 0, &h) != -EACCES)
        return 3;
    return 0;
}

TEST(another_user_cannot_open_an_object_of_default_security)
{
    fresh_root();
    shmap_handle_t m, e;
    ASSERT_EQ(shmap_mapping_create(PF, "Global\\priv", RW, 4096, 0, &m), 0);
    ASSERT_EQ(shmap_event_create("Global\\privev", 0, SHMAP_EVENT_ALL_ACCESS, 0, &e), 0);
    struct tu_user b = tu_get("shmapb");
    shmap_handle_t held[2] = {m, e};
    ASSERT_EQ(tu_run_as(&b, b_opens, held), 0);
    shmap_close(m), shmap_close(e);
}
