/*
 * test-interop32.c - a 64-bit and a 32-bit process share named sections
 * (the portable layout, §6 of the issue).  The 32-bit program's path comes
 * from $SHMAP_TEST_HELPER32 (.ci/interop32.sh builds it); without it the
 * host build of the same program is used, which tests the test itself.
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>

static void put(unsigned char *p, unsigned seed, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static int check(const unsigned char *p, unsigned seed, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return 0;
    return 1;
}

static const char *helper_prog(char *prog, size_t n)
{
    const char *env = getenv("SHMAP_TEST_HELPER32");
    if (env)
        snprintf(prog, n, "%s", env);
    else
        test_build_path("test/prog-interop32", prog, n);
    return env;
}

TEST(interop_32_and_64_bit_processes_share_sync_objects)
{
    char prog[4200];
    helper_prog(prog, sizeof prog);
    shmap_handle_t m, s, ready, go;
    uint32_t all = SHMAP_GENERIC_ALL;
    ASSERT_EQ(shmap_mutex_create("x-m", 0, all, 0, &m), 0);
    ASSERT_EQ(shmap_semaphore_create("x-s", 0, 5, all, 0, &s), 0);
    ASSERT_EQ(shmap_event_create("x-ready", 0, all, 0, &ready), 0);
    ASSERT_EQ(shmap_event_create("x-go", SHMAP_EVENT_MANUAL_RESET, all, 0, &go), 0);
    proc_t other = spawn_piped((char *[]){prog, "--sync", "x", NULL}, -1);
    ASSERT_EQ(shmap_wait(1, &ready, 0, SHMAP_INFINITE), 0);
    int32_t c = -1;
    ASSERT_EQ(shmap_semaphore_query(s, &c, NULL), 0);
    ASSERT_EQ(c, 2);
    shmap_mutex_info_t mi;
    ASSERT_EQ(shmap_mutex_query(m, &mi), 0);
    ASSERT_EQ(mi.count, -1); /* owned twice by the other process */
    ASSERT_EQ(mi.owned, 0);
    ASSERT_EQ(shmap_wait(1, &m, 0, 0), SHMAP_WAIT_TIMEOUT);
    ASSERT_EQ(shmap_event_set(go, NULL), 0);
    /* it exits owning the mutex: abandoned, whatever its word size */
    ASSERT_EQ(shmap_wait(1, &m, 0, SHMAP_INFINITE), SHMAP_WAIT_ABANDONED_0);
    proc_end(&other, 0, 60);
    ASSERT_EQ(shmap_mutex_release(m), 0);
    ASSERT_EQ(shmap_wait(2, (shmap_handle_t[]){s, s}, 0, 0), SHMAP_WAIT_OBJECT_0);
    shmap_close(go);
    shmap_close(ready);
    shmap_close(s);
    shmap_close(m);
}

TEST(interop_32_and_64_bit_processes_share_sections)
{
    char prog[4200];
    const char *env = helper_prog(prog, sizeof prog);
    shmap_handle_t h;
    unsigned char *v;
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, "Local\\interop", SHMAP_PAGE_READWRITE, 65536,
                                   0, &h),
              0);
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v), 0);
    put(v, 64, 32768);
    proc_t other = spawn_piped((char *[]){prog, "interop", "made-by-other", NULL}, -1);
    char line[64];
    proc_line(&other, line, sizeof line, 60);
    if (env)
        ASSERT_STR_EQ(line, "ok 32-bit");
    else
        ASSERT_EQ(strncmp(line, "ok ", 3), 0);
    ASSERT_TRUE(check(v + 32768, 32, 32768)); /* written by the other side */
    shmap_handle_t h2;
    unsigned char *v2;
    ASSERT_EQ(
        shmap_mapping_open("made-by-other", SHMAP_FILE_MAP_READ | SHMAP_SECTION_QUERY, 0, &h2), 0);
    shmap_mapping_info_t info;
    ASSERT_EQ(shmap_mapping_query(h2, &info), 0);
    ASSERT_EQ_U(info.size, 1 << 20);
    ASSERT_EQ_U(info.attributes, SHMAP_SEC_RESERVE);
    ASSERT_EQ(shmap_view_map(h2, SHMAP_FILE_MAP_READ, 0, 0, NULL, (void **)&v2), 0);
    shmap_mem_info_t m;
    ASSERT_EQ(shmap_vm_query(v2 + 65536, &m), 0);
    ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT); /* the commit bitmap is shared */
    ASSERT_EQ(shmap_vm_query(v2, &m), 0);
    ASSERT_EQ_U(m.state, SHMAP_MEM_RESERVE);
    ASSERT_TRUE(check(v2 + 65536, 33, 65536));
    proc_end(&other, 0, 60);
    ASSERT_EQ(shmap_view_unmap(v2), 0);
    ASSERT_EQ(shmap_close(h2), 0);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(interop_32_bit_child_inherits_from_64_bit_parent)
{
    char prog[4200];
    helper_prog(prog, sizeof prog);
    shmap_handle_t m, e, self;
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 65536,
                                   SHMAP_INHERIT, &m),
              0);
    ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_GENERIC_ALL, SHMAP_INHERIT, &e), 0);
    ASSERT_EQ(shmap_process_open(shmap_process_current_id(),
                                 SHMAP_SYNCHRONIZE | SHMAP_PROCESS_QUERY_LIMITED_INFORMATION,
                                 SHMAP_INHERIT, &self),
              0);
    unsigned char *v;
    ASSERT_EQ(shmap_view_map(m, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v), 0);
    put(v, 11, 4096);
    char a[3][24];
    snprintf(a[0], sizeof a[0], "%lu", (unsigned long)(uintptr_t)m);
    snprintf(a[1], sizeof a[1], "%lu", (unsigned long)(uintptr_t)e);
    snprintf(a[2], sizeof a[2], "%lu", (unsigned long)(uintptr_t)self);
    char *argv[] = {prog, "--inherit", a[0], a[1], a[2], NULL};
    shmap_spawn_t sp = {.path = prog, .argv = argv, .inherit_handles = 1};
    shmap_handle_t hp, ht;
    ASSERT_EQ(shmap_process_create(&sp, 0, &hp, &ht, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &hp, 0, 60000), SHMAP_WAIT_OBJECT_0);
    uint32_t code = 1;
    ASSERT_EQ(shmap_process_exit_code(hp, &code), 0);
    ASSERT_EQ(code, 0);
    ASSERT_EQ(shmap_wait(1, &e, 0, 0), SHMAP_WAIT_OBJECT_0);
    ASSERT_TRUE(check(v + 4096, 22, 4096));
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(ht), 0);
    ASSERT_EQ(shmap_close(hp), 0);
    ASSERT_EQ(shmap_close(self), 0);
    ASSERT_EQ(shmap_close(e), 0);
    ASSERT_EQ(shmap_close(m), 0);
}
