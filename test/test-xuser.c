/*
 * test-xuser.c - Local\ names held across a change of user: a process that
 * made a Local\ object and then became another user, and a handle
 * duplicated into another user's process (usable there whatever the
 * object's DACL: the access is in the handle, as on Windows).  The last
 * close gives the name back in the Local\ it is in (the maker's), and
 * never takes away a name of the same spelling in the closer's own Local\
 * (DESIGN.md §4).
 */
#include "harness.h"
#include "users.h"

#include <shmap.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE

static char nsroot[4000];

static void setup(void)
{
    tu_require();
    ASSERT_EQ(chmod(test_root(), 0755), 0);
    snprintf(nsroot, sizeof nsroot, "%.3900s/ns", test_root());
    setenv("SHMAP_ROOT", nsroot, 1);
    /* the namespace root as the library makes it (root's, 1777): user A
     * may be the first to use it */
    ASSERT_EQ(tu_shared_dir(nsroot, 01777), 0);
}

/* A new Local\ section called name with byte 0 = mark, or -1. */
static shmap_handle_t make(const char *name, char mark, int *created)
{
    shmap_handle_t h;
    int r = shmap_mapping_create(PF, name, RW, 4096, 0, &h);
    if (r < 0)
        return (shmap_handle_t)-1;
    *created = r == 0;
    char *v;
    if (shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v) != 0)
        return (shmap_handle_t)-1;
    v[0] = mark;
    shmap_view_unmap(v);
    return h;
}

/* Byte 0 of the section h, or 0. */
static char mark_of(shmap_handle_t h)
{
    char *v, c;
    if (shmap_view_map(h, SHMAP_FILE_MAP_READ, 0, 0, NULL, (void **)&v) != 0)
        return 0;
    c = v[0];
    shmap_view_unmap(v);
    return c;
}

/* Is name (a file name) linked in root's Local\ directory? */
static bool in_root_local(const char *fname)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/u0/%s", nsroot, fname);
    struct stat st;
    return lstat(p, &st) == 0;
}

/* As root: make Local\shmap-xu, become user A, make A's own Local\shmap-xu,
 * close root's (its last holder): A's must still be there by name. */
static int change_user_then_close(void)
{
    int created = 0;
    shmap_handle_t r = make("Local\\shmap-xu", 'R', &created);
    if (r == (shmap_handle_t)-1 || !created)
        return 2;
    struct tu_user ua = tu_get(TU_USER_A);
    if (tu_become(&ua) != 0)
        return 126;
    shmap_handle_t a = make("Local\\shmap-xu", 'A', &created);
    if (a == (shmap_handle_t)-1 || !created)
        return 3; /* A's Local\ is another directory: a new object */
    if (mark_of(r) != 'R')
        return 4;
    if (shmap_close(r) != 0)
        return 5;
    shmap_handle_t again;
    if (shmap_mapping_open("Local\\shmap-xu", SHMAP_FILE_MAP_READ, 0, &again) != 0)
        return 6; /* A's name was taken away by the close of root's */
    if (mark_of(again) != 'A')
        return 7;
    shmap_close(again);
    shmap_close(a);
    return 0;
}

TEST(a_process_that_became_another_user_gives_back_its_old_local_names)
{
    setup();
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
        exit(change_user_then_close());
    int st = wait_pid(pid, 20);
    ASSERT_TRUE(WIFEXITED(st));
    ASSERT_EQ(WEXITSTATUS(st), 0);
    /* User A may not enter root's Local\: the name is left to the next
     * visitor, who finds nobody holding it and reclaims it */
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_open("Local\\shmap-xu", SHMAP_FILE_MAP_READ, 0, &h), -ENOENT);
    ASSERT_TRUE(!in_root_local("shmap-xu"));
}

/* User A's side: make A's own Local\shmap-xv, say "ready", take the value
 * of root's duplicated handle, wait for "closed" (root's own handle gone),
 * close the duplicate (the last holder): A's name must stay. */
static int take_then_close(int in, int out)
{
    struct tu_user ua = tu_get(TU_USER_A);
    if (tu_become(&ua) != 0)
        return 126;
    int created = 0;
    shmap_handle_t a = make("Local\\shmap-xv", 'A', &created);
    if (a == (shmap_handle_t)-1 || !created)
        return 2;
    if (write(out, "r", 1) != 1)
        return 3;
    uintptr_t v = 0;
    char c;
    if (read(in, &v, sizeof v) != sizeof v || read(in, &c, 1) != 1 || c != 'c')
        return 4;
    shmap_handle_t dup = (shmap_handle_t)v;
    if (mark_of(dup) != 'R')
        return 5; /* the duplicate is root's object */
    if (shmap_close(dup) != 0)
        return 6;
    shmap_handle_t again;
    if (shmap_mapping_open("Local\\shmap-xv", SHMAP_FILE_MAP_READ, 0, &again) != 0)
        return 7;
    if (mark_of(again) != 'A')
        return 8;
    shmap_close(again);
    shmap_close(a);
    return 0;
}

TEST(a_handle_duplicated_into_another_users_process_names_the_senders_local)
{
    setup();
    int down[2], up[2];
    ASSERT_EQ(pipe(down), 0);
    ASSERT_EQ(pipe(up), 0);
    fflush(NULL);
    pid_t pid = fork(); /* (before any record of ours: a fork child forgets them) */
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(down[1]), close(up[0]);
        exit(take_then_close(down[0], up[1]));
    }
    close(down[0]), close(up[1]);
    char c;
    if (read(up[0], &c, 1) != 1) {
        int st = wait_pid(pid, 20);
        harness_fail(__FILE__, __LINE__, "user A's process ended first: status %d", st);
    }
    /* root's object with the default DACL (root only): the handle A is
     * given carries the access, as on Windows */
    int created = 0;
    shmap_handle_t r = make("Local\\shmap-xv", 'R', &created);
    ASSERT_TRUE(r != (shmap_handle_t)-1 && created);
    shmap_handle_t proc, dup = SHMAP_NULL_HANDLE;
    ASSERT_EQ(shmap_process_open((uint32_t)pid, SHMAP_PROCESS_DUP_HANDLE, 0, &proc), 0);
    ASSERT_EQ(shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, r, proc, 0, SHMAP_DUPLICATE_SAME_ACCESS,
                                     0, &dup),
              0);
    ASSERT_EQ(shmap_close(r), 0); /* the duplicate in A's process holds it now */
    uintptr_t v = (uintptr_t)dup;
    ASSERT_EQ(write(down[1], &v, sizeof v), (ssize_t)sizeof v);
    ASSERT_EQ(write(down[1], "c", 1), 1);
    int st = wait_pid(pid, 20);
    ASSERT_TRUE(WIFEXITED(st));
    ASSERT_EQ(WEXITSTATUS(st), 0);
    ASSERT_EQ(shmap_close(proc), 0);
    close(down[1]), close(up[0]);
    /* A may not enter root's Local\ to give the name back: the next
     * visitor reclaims it */
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_open("Local\\shmap-xv", SHMAP_FILE_MAP_READ, 0, &h), -ENOENT);
    ASSERT_TRUE(!in_root_local("shmap-xv"));
}
