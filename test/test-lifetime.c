/*
 * test-lifetime.c - a name lives exactly while some process holds a handle
 * (§2.7, §7), whatever way the processes end; creation races publish one
 * object; orphans of killed holders are reclaimed and never handed out.
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE

/* Helper: create-or-open NAME, print the result, then hold until stdin
 * closes (or forever if argv[1] is "forever"). */
HELPER(hold)
{
    shmap_handle_t h;
    int r = shmap_mapping_create(PF, argv[0], RW, 65536, 0, &h);
    printf("%d\n", r);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    if (argc > 1 && !strcmp(argv[1], "forever"))
        for (;;)
            pause();
    return 0;
}

typedef proc_t holder_t;

static holder_t start_holder(const char *name, const char *mode)
{
    return spawn_helper_piped("hold", name, mode, (char *)NULL);
}

static int holder_result(holder_t *h)
{
    char buf[32];
    proc_line(h, buf, sizeof buf, 10);
    return atoi(buf);
}

static void holder_kill(holder_t *h)
{
    kill(h->pid, SIGKILL);
    wait_pid(h->pid, 10);
    close(h->in);
    close(h->out);
}

static void holder_exit(holder_t *h)
{
    proc_end(h, 0, 10);
}

static int try_open(const char *name)
{
    shmap_handle_t h;
    int r = shmap_mapping_open(name, SHMAP_FILE_MAP_READ, 0, &h);
    if (r == 0)
        shmap_close(h);
    return r;
}

TEST(lifetime_close_removes_name)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "t", RW, 4096, 0, &h), 0);
    ASSERT_EQ(count_ns_entries(), 1);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(count_ns_entries(), 0);
    ASSERT_EQ(try_open("t"), -ENOENT);
}

TEST(lifetime_child_only_holder_exit_removes_name)
{
    holder_t c = start_holder("t", "once");
    ASSERT_EQ(holder_result(&c), 0);
    ASSERT_EQ(try_open("t"), 0);
    holder_exit(&c);
    ASSERT_EQ(try_open("t"), -ENOENT);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(lifetime_parent_handle_keeps_child_object)
{
    holder_t c = start_holder("t", "once");
    ASSERT_EQ(holder_result(&c), 0);
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_open("t", SHMAP_FILE_MAP_READ, 0, &h), 0);
    holder_exit(&c);
    ASSERT_EQ(try_open("t"), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(try_open("t"), -ENOENT);
}

TEST(lifetime_kill9_of_one_holder_keeps_object_for_the_other)
{
    holder_t a = start_holder("t", "forever");
    ASSERT_EQ(holder_result(&a), 0);
    holder_t b = start_holder("t", "forever");
    ASSERT_EQ(holder_result(&b), SHMAP_EXISTED);
    holder_kill(&a);
    ASSERT_EQ(try_open("t"), 0);
    holder_t c = start_holder("t", "once");
    ASSERT_EQ(holder_result(&c), SHMAP_EXISTED);
    holder_exit(&c);
    holder_kill(&b);
    /* b was the last holder and was killed: the file is an orphan until the
     * next visitor, which must not hand it out. */
    ASSERT_EQ(count_ns_entries(), 1);
    ASSERT_EQ(try_open("t"), -ENOENT);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(lifetime_orphan_is_replaced_by_a_new_object_on_create)
{
    holder_t a = start_holder("t", "forever");
    ASSERT_EQ(holder_result(&a), 0);
    holder_kill(&a);
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "t", RW, 4096, 0, &h), 0); /* new, not EXISTED */
    shmap_mapping_info_t i;
    ASSERT_EQ(shmap_mapping_query(h, &i), 0);
    ASSERT_EQ_U(i.size, 4096); /* not the orphan's 64 KiB */
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(lifetime_reclaim_removes_orphans_only)
{
    holder_t a = start_holder("dead", "forever");
    ASSERT_EQ(holder_result(&a), 0);
    holder_t b = start_holder("alive", "forever");
    ASSERT_EQ(holder_result(&b), 0);
    holder_kill(&a);
    ASSERT_EQ(count_ns_entries(), 2);
    ASSERT_EQ(shmap_ns_reclaim(), 1);
    ASSERT_EQ(count_ns_entries(), 1);
    ASSERT_EQ(try_open("alive"), 0);
    holder_kill(&b);
    ASSERT_EQ(shmap_ns_reclaim(), 1);
}

struct seen {
    int count;
    int pid_ok;
    pid_t want;
};

static int on_obj(const shmap_object_info_t *i, void *arg)
{
    struct seen *s = arg;
    if (!strcmp(i->name, "listed/x") && i->type == SHMAP_TYPE_MAPPING && i->size == 65536) {
        s->count++;
        for (int k = 0; k < i->nholders; k++)
            if (i->holders[k] == s->want)
                s->pid_ok = 1;
    }
    return 0;
}

TEST(lifetime_list_reports_holders_by_pid)
{
    holder_t a = start_holder("listed/x", "once");
    ASSERT_EQ(holder_result(&a), 0);
    struct seen s = {0, 0, a.pid};
    ASSERT_EQ(shmap_ns_list(on_obj, &s), 0);
    ASSERT_EQ(s.count, 1);
    ASSERT_EQ(s.pid_ok, 1);
    holder_exit(&a);
    s = (struct seen){0, 0, 0};
    ASSERT_EQ(shmap_ns_list(on_obj, &s), 0);
    ASSERT_EQ(s.count, 0);
}

HELPER(race)
{
    /* argv: name, start fd: wait for the start signal, create, report */
    char c;
    int fd = atoi(argv[1]);
    if (read(fd, &c, 1) < 0)
        return 100;
    shmap_handle_t h;
    int r = shmap_mapping_create(PF, argv[0], RW, 65536, 0, &h);
    printf("%d\n", r);
    fflush(stdout);
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

TEST(lifetime_create_race_publishes_one_object)
{
    for (int round = 0; round < 20; round++) {
        enum { N = 6 };
        int start[2];
        ASSERT_EQ(pipe2(start, O_CLOEXEC), 0);
        holder_t h[N];
        char fdbuf[16];
        snprintf(fdbuf, sizeof fdbuf, "%d", start[0]);
        for (int i = 0; i < N; i++)
            h[i] = spawn_piped(
                (char *[]){(char *)test_self(), "--helper", "race", "r", fdbuf, NULL}, start[0]);
        close(start[0]);
        close(start[1]); /* go */
        int created = 0, existed = 0;
        for (int i = 0; i < N; i++) {
            int r = holder_result(&h[i]);
            created += r == 0;
            existed += r == SHMAP_EXISTED;
        }
        ASSERT_EQ(created, 1);
        ASSERT_EQ(existed, N - 1);
        for (int i = 0; i < N; i++)
            holder_exit(&h[i]);
        ASSERT_EQ(count_ns_entries(), 0);
    }
}

HELPER(cycle_forever)
{
    for (volatile int forever = 1; forever;) { /* until killed */
        shmap_handle_t h, o;
        if (shmap_mapping_create(PF, "cyc", RW, 65536, 0, &h) >= 0) {
            if (shmap_mapping_open("cyc", SHMAP_FILE_MAP_READ, 0, &o) == 0)
                shmap_close(o);
            shmap_close(h);
        }
    }
    return 0;
}

TEST(lifetime_kill9_at_any_instant_leaves_consistent_namespace)
{
    /* Kill a create/open/close loop at random instants, many times: after
     * each kill a visitor either finds a complete object or nothing. */
    srand((unsigned)getpid());
    for (int i = 0; i < 60; i++) {
        pid_t pid = spawn_helper("cycle_forever", (char *)NULL);
        usleep(1000 + rand() % 5000);
        kill(pid, SIGKILL);
        wait_pid(pid, 10);
        int r = try_open("cyc");
        ASSERT_TRUE(r == -ENOENT);
        ASSERT_EQ(count_ns_entries(), 0);
    }
    /* a section's data file left by a kill between its two links or its
     * two unlinks is garbage nobody holds: a listing sweeps it (the
     * harness then checks that nothing at all is left) */
    ASSERT_GE(shmap_ns_reclaim(), 0);
}

TEST(lifetime_forked_child_exit_does_not_release_parent_hold)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "f", RW, 4096, 0, &h), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        shmap_close(h); /* the child's copy: must not touch the parent's lock */
        exit(0);        /* runs the exit-time release */
    }
    expect_exit(pid, 0, 10);
    ASSERT_EQ(try_open("f"), 0);
    /* another process must still see it as held (not an orphan) */
    holder_t c = start_holder("f", "once");
    ASSERT_EQ(holder_result(&c), SHMAP_EXISTED);
    holder_exit(&c);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(try_open("f"), -ENOENT);
}

TEST(lifetime_exit_without_close_removes_name)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        shmap_handle_t h;
        if (shmap_mapping_create(PF, "e", RW, 4096, 0, &h) != 0)
            _exit(1);
        exit(0);
    }
    expect_exit(pid, 0, 10);
    ASSERT_EQ(count_ns_entries(), 0); /* removed at exit, not left to a visitor */
}
