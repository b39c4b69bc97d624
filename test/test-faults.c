/*
 * test-faults.c - anomaly loops (SQLite style): fail the Nth system call of
 * an operation with ENOSPC, EMFILE, ENOMEM or EINTR, once or from then on,
 * for N = 1, 2, ... until the operation runs untouched.  After each round:
 * the right error, no leaked descriptor, and the object complete or absent.
 */
#include "harness.h"
#include "internal.h"

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE

static const int errs[] = {ENOSPC, EMFILE, ENOMEM, EINTR};

/* The errors an operation may return when err was injected: err itself,
 * or -ENOMEM where memory could not be had whatever the call said (the
 * handle table's anonymous chunks). */
static bool acceptable(int r, int err, bool pagefile_create, bool persistent)
{
    if (r >= 0)
        return err != EINTR || true;
    if (err == EINTR)
        return persistent && r == -EINTR; /* one EINTR is always retried */
    if (r == -ENOMEM)
        return true;
    if (err == ENOSPC && pagefile_create)
        return r == SHMAP_ECOMMIT;
    return r == -err;
}

static int listed_count(const shmap_object_info_t *i, void *arg)
{
    (void)i;
    (*(int *)arg)++;
    return 0;
}

/* No holder is left and no name: a visitor finds nothing. */
static void assert_absent(const char *name)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_open(name, SHMAP_FILE_MAP_READ, 0, &h), -ENOENT);
    ASSERT_EQ(count_ns_entries(), 0);
}

typedef int (*op_fn)(const char *name, shmap_handle_t *h);

static int op_create(const char *name, shmap_handle_t *h)
{
    return shmap_mapping_create(PF, name, RW, 65536, 0, h);
}

static int op_create_reserve(const char *name, shmap_handle_t *h)
{
    return shmap_mapping_create(PF, name, RW | SHMAP_SEC_RESERVE, 1 << 20, 0, h);
}

static int op_create_map(const char *name, shmap_handle_t *h)
{
    int r = shmap_mapping_create(PF, name, RW, 65536, 0, h);
    if (r < 0)
        return r;
    void *p;
    int e = shmap_view_map(*h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, &p);
    if (e) {
        shmap_close(*h);
        return e;
    }
    memset(p, 1, 65536);
    shmap_view_unmap(p);
    return r;
}

/* Run op under faults; every round must leave a complete object (then
 * closed here) or nothing. */
static void loop_create(op_fn op, bool pagefile, bool then_maps)
{
    for (size_t e = 0; e < SHMAP_ARRAY_LEN(errs); e++)
        for (int persistent = 0; persistent < 2; persistent++)
            for (unsigned long n = 1; n < 200; n++) {
                int fds = count_fds();
                shmap_handle_t h;
                shmap__fault_arm(n, errs[e], persistent);
                int r = op("victim", &h);
                int fired = shmap__fault_fired();
                shmap__fault_arm(0, 0, 0);
                if (!acceptable(r, errs[e], pagefile, persistent) && !(then_maps && r == -errs[e]))
                    harness_fail(__FILE__, __LINE__, "err %d n %lu persistent %d: r = %d", errs[e],
                                 n, persistent, r);
                if (r >= 0) {
                    int seen = 0;
                    ASSERT_EQ(shmap_ns_list(listed_count, &seen), 0);
                    ASSERT_EQ(seen, 1); /* complete and valid */
                    ASSERT_EQ(shmap_close(h), 0);
                }
                if (count_fds() != fds)
                    harness_fail(__FILE__, __LINE__, "err %d n %lu persistent %d r %d: leaked fd",
                                 errs[e], n, persistent, r);
                assert_absent("victim");
                if (!fired)
                    break; /* ran untouched: done */
            }
}

TEST(faults_create_named_section)
{
    loop_create(op_create, true, false);
}

TEST(faults_create_reserve_section)
{
    loop_create(op_create_reserve, true, false);
}

TEST(faults_create_map_touch_close)
{
    loop_create(op_create_map, true, true);
}

TEST(faults_open_existing_and_close)
{
    shmap_handle_t keep;
    ASSERT_EQ(shmap_mapping_create(PF, "held", RW, 65536, 0, &keep), 0);
    pid_t pid = fork();
    if (pid == 0) { /* a process of its own, so opens do not hit our name cache */
        for (size_t e = 0; e < SHMAP_ARRAY_LEN(errs); e++)
            for (unsigned long n = 1; n < 100; n++) {
                int fds = count_fds();
                shmap_handle_t h;
                shmap__fault_arm(n, errs[e], 0);
                int r = shmap_mapping_open("held", SHMAP_FILE_MAP_READ, 0, &h);
                int fired = shmap__fault_fired();
                shmap__fault_arm(0, 0, 0);
                if (!acceptable(r, errs[e], false, false))
                    _exit(10);
                if (r == 0 && shmap_close(h) != 0)
                    _exit(11);
                if (count_fds() != fds)
                    _exit(12);
                if (!fired)
                    break;
            }
        _exit(0);
    }
    expect_exit(pid, 0, 30);
    /* the holder's object is intact and still held */
    int seen = 0;
    ASSERT_EQ(shmap_ns_list(listed_count, &seen), 0);
    ASSERT_EQ(seen, 1);
    ASSERT_EQ(shmap_close(keep), 0);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(faults_commit_in_reserve_view)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, NULL, RW | SHMAP_SEC_RESERVE, 1 << 20, 0, &h), 0);
    char *p;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&p), 0);
    for (unsigned long n = 1; n < 50; n++) {
        void *r;
        shmap__fault_arm(n, ENOSPC, 0);
        int e = shmap_vm_alloc(p, 65536, SHMAP_MEM_COMMIT, RW, &r);
        int fired = shmap__fault_fired();
        shmap__fault_arm(0, 0, 0);
        shmap_mem_info_t m;
        ASSERT_EQ(shmap_vm_query(p, &m), 0);
        if (e == SHMAP_ECOMMIT) /* no space: nothing committed, never a later SIGBUS */
            ASSERT_EQ_U(m.state, SHMAP_MEM_RESERVE);
        else if (e == 0)
            ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
        else /* a later step failed: committed in the section, or not at all */
            ASSERT_TRUE(e == -ENOSPC || e == -ENOMEM);
        if (m.state == SHMAP_MEM_COMMIT)
            p[0] = 1; /* usable, through the fault handler if need be */
        if (!fired)
            break;
    }
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(faults_named_event_create)
{
    for (size_t e = 0; e < SHMAP_ARRAY_LEN(errs); e++)
        for (unsigned long n = 1; n < 100; n++) {
            int fds = count_fds();
            shmap_handle_t h;
            shmap__fault_arm(n, errs[e], 0);
            int r = shmap_event_create("ev", 0, 0x1F0003, 0, &h);
            int fired = shmap__fault_fired();
            shmap__fault_arm(0, 0, 0);
            if (!acceptable(r, errs[e], false, false))
                harness_fail(__FILE__, __LINE__, "err %d n %lu: r = %d", errs[e], n, r);
            if (r >= 0)
                ASSERT_EQ(shmap_close(h), 0);
            ASSERT_EQ(count_ns_entries(), 0);
            ASSERT_EQ(count_fds(), fds);
            if (!fired)
                break;
        }
}
