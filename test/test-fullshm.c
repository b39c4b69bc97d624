/*
 * test-fullshm.c - a full tmpfs fails the call with the Windows code and
 * never raises SIGBUS later (§4 of the issue: memory charged at create).
 * Runs in a child with a private mount namespace and a 2 MiB tmpfs.
 */
#include "harness.h"
#include "internal.h"

#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE

static char dir[4200];

/* In a child: a private 2 MiB tmpfs as SHMAP_ROOT; returns 0 or skips. */
static void small_tmpfs(void)
{
    if (unshare(CLONE_NEWNS) != 0)
        SKIP("cannot unshare the mount namespace");
    if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        SKIP("cannot make mounts private");
    snprintf(dir, sizeof dir, "%s/small", test_root());
    ASSERT_EQ(mkdir(dir, 0700), 0);
    if (mount("none", dir, "tmpfs", 0, "size=2m") != 0)
        SKIP("cannot mount a tmpfs");
    setenv("SHMAP_ROOT", dir, 1);
}

static void run_in_child(void (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0) {
        small_tmpfs();
        signal(SIGBUS, SIG_DFL);
        fn();
        _exit(0);
    }
    int st = wait_pid(pid, 30);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
        SKIP("no private tmpfs here");
    ASSERT_TRUE(WIFEXITED(st));
    ASSERT_EQ(WEXITSTATUS(st), 0);
    char p[4300];
    snprintf(p, sizeof p, "%s/small", test_root());
    rmdir(p);
}

static void fill_until_full(void)
{
    shmap_handle_t h[64];
    char *v[64];
    int n = 0, r = 0;
    for (; n < 64; n++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", n);
        r = shmap_mapping_create(PF, name, RW, 256 * 1024, 0, &h[n]);
        if (r < 0)
            break;
        ASSERT_EQ(shmap_view_map(h[n], SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v[n]), 0);
    }
    ASSERT_EQ(r, SHMAP_ECOMMIT); /* ERROR_COMMITMENT_LIMIT, on the call */
    ASSERT_GT(n, 2);
    shmap_handle_t x;
    char name[16];
    snprintf(name, sizeof name, "m%d", n);
    ASSERT_EQ(shmap_mapping_open(name, SHMAP_FILE_MAP_READ, 0, &x), -ENOENT); /* nothing left */
    for (int i = 0; i < n; i++) {
        memset(v[i], 0x5a, 256 * 1024); /* every page of every earlier view: no SIGBUS */
        ASSERT_EQ(shmap_view_unmap(v[i]), 0);
        ASSERT_EQ(shmap_close(h[i]), 0);
    }
    ASSERT_EQ(shmap_ns_reclaim(), 0);
}

TEST(fullshm_create_fails_with_commitment_limit_and_never_sigbus)
{
    run_in_child(fill_until_full);
}

/* A named section keeps its data in a data file (DESIGN.md §6): a create
 * that does not fit leaves neither it nor the object file; what fits is
 * charged at once. */
static void data_file_too_big(void)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "big", RW, 4u << 20, 0, &h), SHMAP_ECOMMIT);
    char udir[4400];
    snprintf(udir, sizeof udir, "%s/u%u", dir, (unsigned)geteuid());
    DIR *d = opendir(udir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.' || shmap__ns_is_data_name(e->d_name);
    if (d)
        closedir(d);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(shmap_mapping_create(PF, "fits", RW, 1u << 20, 0, &h), 0);
    char *v;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v), 0);
    memset(v, 1, 1u << 20);
    shmap_handle_t h2;
    ASSERT_EQ(shmap_mapping_create(PF, "more", RW, 1u << 20, 0, &h2), SHMAP_ECOMMIT);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(fullshm_a_create_that_does_not_fit_leaves_no_object_nor_data_file)
{
    run_in_child(data_file_too_big);
}

static void reserve_then_commit(void)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "r", RW | SHMAP_SEC_RESERVE, 64u << 20, 0, &h), 0);
    char *p;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&p), 0);
    int committed = 0, r = 0;
    for (int i = 0; i < 64 && r == 0; i++) {
        void *out;
        r = shmap_vm_alloc(p + (size_t)i * (1u << 20), 1u << 20, SHMAP_MEM_COMMIT, RW, &out);
        if (r == 0) {
            memset(p + (size_t)i * (1u << 20), 1, 1u << 20);
            committed++;
        }
    }
    ASSERT_EQ(r, SHMAP_ECOMMIT);
    ASSERT_GT(committed, 0);
    ASSERT_LT(committed, 64);
    shmap_mem_info_t m;
    ASSERT_EQ(shmap_vm_query(p + (size_t)committed * (1u << 20), &m), 0);
    ASSERT_EQ_U(m.state, SHMAP_MEM_RESERVE);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(fullshm_reserve_commit_past_the_limit_fails_cleanly)
{
    run_in_child(reserve_then_commit);
}
