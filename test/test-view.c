/*
 * test-view.c - views (§5, §6 of the reference, items 47-76): access and
 * protection rules, offsets and sizes, alignment, data sharing, lifetime,
 * SEC_RESERVE commits seen by other views and processes, VirtualQuery.
 */
#include "harness.h"
#include "internal.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE
#define MB (1u << 20)

static shmap_handle_t section(const char *name, uint32_t prot, uint64_t size)
{
    shmap_handle_t h;
    ASSERT_GE(shmap_mapping_create(PF, name, prot, size, 0, &h), 0);
    return h;
}

static void *map(shmap_handle_t h, uint32_t access, uint64_t off, size_t size)
{
    void *p;
    POISON(p);
    ASSERT_EQ(shmap_view_map(h, access, off, size, NULL, &p), 0);
    ASSERT_EQ((uintptr_t)p % 65536, 0);
    return p;
}

static void map_fails(shmap_handle_t h, uint32_t access, uint64_t off, size_t size, int err)
{
    void *p;
    POISON(p);
    void *before = p;
    ASSERT_EQ(shmap_view_map(h, access, off, size, NULL, &p), err);
    ASSERT_PTR_EQ(p, before);
}

static shmap_mem_info_t query(const void *a)
{
    shmap_mem_info_t m;
    POISON(m);
    ASSERT_EQ(shmap_vm_query(a, &m), 0);
    return m;
}

TEST(view_offset_rules)
{
    shmap_handle_t h = section(NULL, RW, MB);
    map_fails(h, SHMAP_FILE_MAP_READ, 4096, 0, SHMAP_EALIGN);
    void *p = map(h, SHMAP_FILE_MAP_READ, 65536, 0);
    ASSERT_EQ(query(p).region_size, 0xF0000);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    map_fails(h, SHMAP_FILE_MAP_READ, MB, 0, -EINVAL);
    map_fails(h, SHMAP_FILE_MAP_READ, (uint64_t)1 << 32, 0, -EINVAL);
    map_fails(h, SHMAP_FILE_MAP_READ, 0, MB + 1, SHMAP_EVIEWSIZE);
    p = map(h, SHMAP_FILE_MAP_READ, 0, 100);
    ASSERT_EQ(query(p).region_size, 4096);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_size_of_unaligned_section_is_page_rounded)
{
    shmap_handle_t h = section(NULL, RW, 10000);
    char *p = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    ASSERT_EQ(query(p).region_size, 0x3000);
    p[0x2fff] = 7; /* the tail past byte 9999 is usable */
    ASSERT_EQ(p[0x2fff], 7);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_access_to_protection)
{
    shmap_handle_t h = section(NULL, RW, 65536);
    struct {
        uint32_t access, prot;
    } t[] = {
        {0, SHMAP_PAGE_NOACCESS},
        {SHMAP_FILE_MAP_READ, SHMAP_PAGE_READONLY},
        {SHMAP_FILE_MAP_WRITE, SHMAP_PAGE_READWRITE},
        {SHMAP_FILE_MAP_ALL_ACCESS, SHMAP_PAGE_READWRITE},
        {SHMAP_FILE_MAP_COPY, SHMAP_PAGE_WRITECOPY},
        {SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_COPY, SHMAP_PAGE_READONLY},
        {SHMAP_FILE_MAP_WRITE | SHMAP_FILE_MAP_COPY, SHMAP_PAGE_READWRITE},
        {SHMAP_FILE_MAP_EXECUTE, SHMAP_PAGE_NOACCESS},
        {0x8, SHMAP_PAGE_NOACCESS},
    };
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(t); i++) {
        void *p = map(h, t[i].access, 0, 0);
        shmap_mem_info_t m = query(p);
        ASSERT_EQ_U(m.allocation_protect, t[i].prot);
        ASSERT_PTR_EQ(m.allocation_base, p);
        ASSERT_EQ_U(m.type, SHMAP_MEM_MAPPED);
        ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
        ASSERT_EQ(shmap_view_unmap(p), 0);
    }
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_handle_rights)
{
    shmap_handle_t c = section("X", RW, 65536), h;
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_READ, 0, &h), 0);
    map_fails(h, SHMAP_FILE_MAP_WRITE, 0, 0, -EACCES);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_WRITE, 0, &h), 0);
    map_fails(h, SHMAP_FILE_MAP_READ, 0, 0, -EACCES);
    ASSERT_EQ(shmap_view_unmap(map(h, SHMAP_FILE_MAP_WRITE, 0, 0)), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_COPY, 0, &h), 0);
    ASSERT_EQ(shmap_view_unmap(map(h, SHMAP_FILE_MAP_COPY, 0, 0)), 0);
    map_fails(h, SHMAP_FILE_MAP_WRITE, 0, 0, -EACCES);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, &h), 0);
    map_fails(h, SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, 0, -EACCES);
    ASSERT_EQ(shmap_close(h), 0);
    map_fails(c, SHMAP_FILE_MAP_EXECUTE | SHMAP_FILE_MAP_READ, 0, 0, -EACCES);
    shmap_handle_t ro = section("X", SHMAP_PAGE_READONLY, 65536);
    map_fails(ro, SHMAP_FILE_MAP_WRITE, 0, 0, -EACCES);
    ASSERT_EQ(shmap_close(ro), 0);
    ASSERT_EQ(shmap_close(c), 0);
}

TEST(view_section_protection_forbids_view_with_rights)
{
    shmap_handle_t c = section("RO", SHMAP_PAGE_READONLY, 65536), h;
    ASSERT_EQ(shmap_mapping_open("RO", SHMAP_FILE_MAP_ALL_ACCESS, 0, &h), 0);
    map_fails(h, SHMAP_FILE_MAP_WRITE, 0, 0, SHMAP_EPROTECT);
    map_fails(h, SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, 0, SHMAP_EPROTECT);
    ASSERT_EQ(shmap_view_unmap(map(h, SHMAP_FILE_MAP_READ, 0, 0)), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_close(c), 0);
}

TEST(view_bad_handles)
{
    map_fails(NULL, SHMAP_FILE_MAP_READ, 0, 0, -EBADF);
    map_fails(SHMAP_CURRENT_PROCESS, SHMAP_FILE_MAP_READ, 0, 0, -EBADF);
    shmap_handle_t h = section(NULL, RW, 4096);
    ASSERT_EQ(shmap_close(h), 0);
    map_fails(h, SHMAP_FILE_MAP_READ, 0, 0, -EBADF);
}

TEST(views_share_data_and_copy_views_are_private)
{
    shmap_handle_t h = section("d", RW, 65536);
    char *a = map(h, SHMAP_FILE_MAP_WRITE, 0, 0), *b = map(h, SHMAP_FILE_MAP_READ, 0, 0);
    char *c = map(h, SHMAP_FILE_MAP_COPY, 0, 0);
    ASSERT_PTR_NE(a, b);
    ASSERT_EQ(b[100], 0);
    a[100] = 1;
    ASSERT_EQ(b[100], 1);
    ASSERT_EQ(c[100], 1);
    c[100] = 2;
    ASSERT_EQ(a[100], 1);
    ASSERT_EQ(c[100], 2);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_view_unmap(b), 0);
    ASSERT_EQ(shmap_view_unmap(c), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_unmap_rules)
{
    shmap_handle_t h = section(NULL, RW, MB);
    char *p = map(h, SHMAP_FILE_MAP_READ, 0, 0);
    ASSERT_EQ(shmap_view_unmap(p + 4096 + 100), 0);
    ASSERT_EQ(shmap_view_unmap(p), SHMAP_EADDR);
    ASSERT_EQ(shmap_view_unmap(NULL), SHMAP_EADDR);
    ASSERT_EQ(shmap_view_unmap((void *)0xdeadbeef), SHMAP_EADDR);
    int local;
    ASSERT_EQ(shmap_view_unmap(&local), SHMAP_EADDR);
    shmap_mem_info_t m = query(p);
    ASSERT_EQ_U(m.state, SHMAP_MEM_FREE);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_NOACCESS);
    ASSERT_NULL(m.allocation_base);
    ASSERT_EQ_U(m.allocation_protect, 0);
    ASSERT_EQ_U(m.type, 0);
    void *v;
    ASSERT_EQ(shmap_vm_alloc(NULL, 65536, SHMAP_MEM_RESERVE | SHMAP_MEM_COMMIT, RW, &v), 0);
    ASSERT_EQ(shmap_view_unmap(v), SHMAP_EADDR);
    ASSERT_EQ(shmap_vm_free(v, 0, SHMAP_MEM_RELEASE), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_fixed_base)
{
    shmap_handle_t h = section(NULL, RW, MB);
    char *p = map(h, SHMAP_FILE_MAP_READ, 0, 0), *q;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_READ, 0, 0, p + 4096, (void **)&q), SHMAP_EALIGN);
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_READ, 0, 0, p, (void **)&q), SHMAP_EADDR);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_READ, 0, 0, p, (void **)&q), 0);
    ASSERT_PTR_EQ(q, p);
    ASSERT_EQ(shmap_view_unmap(q), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_keeps_memory_after_last_handle_closes)
{
    shmap_handle_t h = section("life", RW, 65536), o;
    char *p = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    strcpy(p, "old data");
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_mapping_open("life", SHMAP_FILE_MAP_READ, 0, &o), -ENOENT);
    ASSERT_STR_EQ(p, "old data");
    h = section("life", RW, 65536);
    char *q = map(h, SHMAP_FILE_MAP_READ, 0, 0);
    ASSERT_EQ(q[0], 0); /* a new, zero-filled object */
    ASSERT_STR_EQ(p, "old data");
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_view_unmap(q), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_data_survives_unmap_while_another_handle_is_open)
{
    shmap_handle_t h1 = section("k", RW, 65536), h2;
    ASSERT_EQ(shmap_mapping_open("k", SHMAP_FILE_MAP_ALL_ACCESS, 0, &h2), 0);
    char *p = map(h1, SHMAP_FILE_MAP_WRITE, 0, 0);
    strcpy(p, "kept");
    ASSERT_EQ(shmap_close(h1), 0);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    p = map(h2, SHMAP_FILE_MAP_READ, 0, 0);
    ASSERT_STR_EQ(p, "kept");
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h2), 0);
}

TEST(view_read_only_view_faults_on_write)
{
    shmap_handle_t h = section(NULL, RW, 65536);
    char *p = map(h, SHMAP_FILE_MAP_READ, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL);
        p[0] = 1;
        _exit(0);
    }
    int st = wait_pid(pid, 10);
    ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_flush_rules)
{
    shmap_handle_t h = section(NULL, RW, 65536);
    char *p = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    int local;
    ASSERT_EQ(shmap_view_flush(p, 0), 0);
    ASSERT_EQ(shmap_view_flush(p + 100, 1000), 0);
    ASSERT_EQ(shmap_view_flush(&local, 4), 0);
    ASSERT_EQ(shmap_view_flush(NULL, 0), -EINVAL);
    ASSERT_EQ(shmap_view_flush(p, 65537), -EINVAL);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(reserve_view_starts_reserved_and_commit_is_seen_by_all_views)
{
    shmap_handle_t h = section("r", RW | SHMAP_SEC_RESERVE, MB);
    char *a = map(h, SHMAP_FILE_MAP_WRITE, 0, 0), *b = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    shmap_mem_info_t m = query(a);
    ASSERT_EQ_U(m.state, SHMAP_MEM_RESERVE);
    ASSERT_EQ_U(m.protect, 0);
    ASSERT_EQ(m.region_size, MB);
    void *r;
    POISON(r);
    ASSERT_EQ(shmap_vm_alloc(a + 100, 0x10000, SHMAP_MEM_COMMIT, SHMAP_PAGE_READONLY, &r), 0);
    ASSERT_PTR_EQ(r, a);
    m = query(a);
    ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_READONLY);
    m = query(b);
    ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_READWRITE);
    ASSERT_EQ(m.region_size, 0x11000); /* 0x10000 from a+100 covers 17 pages */
    b[5] = 42;                         /* committed through a: usable through b (fault handler) */
    ASSERT_EQ(a[5], 42);
    ASSERT_EQ(query(b + 0x11000).state, SHMAP_MEM_RESERVE);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_view_unmap(b), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(reserve_view_rules)
{
    shmap_handle_t h = section("r", RW | SHMAP_SEC_RESERVE, MB);
    char *w = map(h, SHMAP_FILE_MAP_WRITE, 0, 0), *rd = map(h, SHMAP_FILE_MAP_READ, 0, 0);
    void *r;
    ASSERT_EQ(shmap_vm_alloc(w, 4096, SHMAP_MEM_COMMIT, SHMAP_PAGE_EXECUTE_READWRITE, &r), -EINVAL);
    ASSERT_EQ(shmap_vm_alloc(rd, 4096, SHMAP_MEM_COMMIT, RW, &r), -EINVAL);
    ASSERT_EQ(shmap_vm_alloc(w, 4096, SHMAP_MEM_COMMIT, SHMAP_PAGE_WRITECOPY, &r), 0);
    ASSERT_EQ(shmap_vm_alloc(w + MB - 4096, 8192, SHMAP_MEM_COMMIT, RW, &r), SHMAP_EADDR);
    ASSERT_EQ(shmap_vm_alloc(w, 4096, SHMAP_MEM_RESERVE, RW, &r), SHMAP_EADDR);
    ASSERT_EQ(shmap_vm_alloc(w, 4096, SHMAP_MEM_RESERVE | SHMAP_MEM_COMMIT, RW, &r), SHMAP_EADDR);
    ASSERT_EQ(shmap_vm_free(w, 4096, SHMAP_MEM_DECOMMIT), -EINVAL);
    ASSERT_EQ(shmap_vm_free(w, 0, SHMAP_MEM_RELEASE), -EINVAL);
    uint32_t old;
    ASSERT_EQ(shmap_vm_protect(w + 65536, 4096, SHMAP_PAGE_READONLY, &old), SHMAP_EADDR);
    ASSERT_EQ(shmap_view_unmap(w), 0);
    ASSERT_EQ(shmap_view_unmap(rd), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(commit_view_virtualalloc_only_changes_protection)
{
    shmap_handle_t h = section(NULL, RW, 65536);
    char *p = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    void *r;
    ASSERT_EQ(shmap_vm_alloc(p, 4096, SHMAP_MEM_COMMIT, SHMAP_PAGE_READONLY, &r), 0);
    shmap_mem_info_t m = query(p);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_READONLY);
    ASSERT_EQ_U(m.allocation_protect, SHMAP_PAGE_READWRITE);
    ASSERT_EQ(m.region_size, 4096);
    uint32_t old;
    POISON(old);
    ASSERT_EQ(shmap_vm_protect(p, 4096, RW, &old), 0);
    ASSERT_EQ_U(old, SHMAP_PAGE_READONLY);
    ASSERT_EQ(shmap_vm_protect(p, 4096, SHMAP_PAGE_EXECUTE_READWRITE, &old), -EINVAL);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(virtualprotect_changes_one_view_only)
{
    shmap_handle_t h = section(NULL, RW, 65536);
    char *a = map(h, SHMAP_FILE_MAP_WRITE, 0, 0), *b = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    uint32_t old;
    ASSERT_EQ(shmap_vm_protect(a, 65536, SHMAP_PAGE_READONLY, &old), 0);
    ASSERT_EQ_U(query(b).protect, SHMAP_PAGE_READWRITE);
    b[0] = 3;
    ASSERT_EQ(a[0], 3);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_view_unmap(b), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

HELPER(reserve_reader)
{
    /* map the section before the parent commits, then touch after */
    shmap_handle_t h;
    if (shmap_mapping_open(argv[0], SHMAP_FILE_MAP_ALL_ACCESS, 0, &h))
        return 2;
    char *p;
    if (shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&p))
        return 3;
    printf("mapped\n");
    fflush(stdout);
    char buf[8];
    if (!fgets(buf, sizeof buf, stdin))
        return 4;
    shmap_mem_info_t m;
    shmap_vm_query(p + 65536, &m);
    if (m.state != SHMAP_MEM_COMMIT)
        return 5;
    if (p[65536] != 'P')
        return 6;
    p[65537] = 'C';
    shmap_view_unmap(p);
    shmap_close(h);
    return 0;
}

TEST(reserve_commit_in_one_process_is_usable_in_another)
{
    shmap_handle_t h = section("xr", RW | SHMAP_SEC_RESERVE, MB);
    proc_t reader = spawn_helper_piped("reserve_reader", "xr", (char *)NULL);
    char buf[32];
    proc_line(&reader, buf, sizeof buf, 10);
    ASSERT_STR_EQ(buf, "mapped");
    char *p = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    void *r;
    ASSERT_EQ(shmap_vm_alloc(p + 65536, 4096, SHMAP_MEM_COMMIT, RW, &r), 0);
    p[65536] = 'P';
    ASSERT_EQ(write(reader.in, "go\n", 3), 3);
    proc_end(&reader, 0, 10);
    ASSERT_EQ(p[65537], 'C');
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(reserve_uncommitted_page_faults)
{
    shmap_handle_t h = section(NULL, RW | SHMAP_SEC_RESERVE, MB);
    char *p = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    pid_t pid = fork();
    if (pid == 0) {
        p[8192] = 1;
        _exit(0); /* survived the touch: wrong */
    }
    int st = wait_pid(pid, 10);
    /* our handler chains to the previous one: the default (SIGSEGV), or a
     * sanitizer's, which reports and exits non-zero */
    ASSERT_TRUE(WIFSIGNALED(st) ? WTERMSIG(st) == SIGSEGV : WEXITSTATUS(st) != 0);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(reserve_section_over_4gib_viewed_above_4gib)
{
    if (sizeof(void *) < 8)
        SKIP("64-bit address space needed");
    uint64_t size = ((uint64_t)4 << 30) + 65536;
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "big", RW | SHMAP_SEC_RESERVE, size, 0, &h), 0);
    shmap_mapping_info_t i;
    ASSERT_EQ(shmap_mapping_query(h, &i), 0);
    ASSERT_EQ_U(i.size, size);
    char *p = map(h, SHMAP_FILE_MAP_WRITE, (uint64_t)4 << 30, 0);
    ASSERT_EQ(query(p).region_size, 65536);
    void *r;
    ASSERT_EQ(shmap_vm_alloc(p, 65536, SHMAP_MEM_COMMIT, RW, &r), 0);
    p[65535] = 9;
    char *q = map(h, SHMAP_FILE_MAP_READ, (uint64_t)4 << 30, 65536);
    ASSERT_EQ(q[65535], 9);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_view_unmap(q), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(virtual_alloc_private_memory)
{
    char *p;
    ASSERT_EQ(shmap_vm_alloc(NULL, 100000, SHMAP_MEM_RESERVE, RW, (void **)&p), 0);
    ASSERT_EQ((uintptr_t)p % 65536, 0);
    shmap_mem_info_t m = query(p);
    ASSERT_EQ_U(m.state, SHMAP_MEM_RESERVE);
    ASSERT_EQ_U(m.type, SHMAP_MEM_PRIVATE);
    void *r;
    ASSERT_EQ(shmap_vm_alloc(p + 4096, 4096, SHMAP_MEM_COMMIT, RW, &r), 0);
    p[4096] = 1;
    m = query(p + 4096);
    ASSERT_EQ_U(m.state, SHMAP_MEM_COMMIT);
    ASSERT_EQ(m.region_size, 4096);
    ASSERT_EQ(shmap_vm_free(p, 0, SHMAP_MEM_RELEASE), 0);
    ASSERT_EQ_U(query(p).state, SHMAP_MEM_FREE);
}

TEST(view_execute_views_need_execute_rights_and_protection)
{
    shmap_handle_t h = section("exe", SHMAP_PAGE_EXECUTE_READWRITE, 65536), o;
    void *p = map(h, SHMAP_FILE_MAP_WRITE | SHMAP_FILE_MAP_EXECUTE, 0, 0);
    ASSERT_EQ_U(query(p).allocation_protect, SHMAP_PAGE_EXECUTE_READWRITE);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    p = map(h, SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, 0);
    ASSERT_EQ_U(query(p).allocation_protect, SHMAP_PAGE_EXECUTE_READ);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    p = map(h, SHMAP_FILE_MAP_COPY | SHMAP_FILE_MAP_EXECUTE, 0, 0);
    ASSERT_EQ_U(query(p).allocation_protect, SHMAP_PAGE_EXECUTE_WRITECOPY);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    /* FILE_MAP_EXECUTE grants only SECTION_MAP_EXECUTE_EXPLICIT */
    ASSERT_EQ(shmap_mapping_open("exe", SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, &o), 0);
    map_fails(o, SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, 0, -EACCES);
    ASSERT_EQ(shmap_close(o), 0);
    ASSERT_EQ(shmap_mapping_open("exe", SHMAP_GENERIC_EXECUTE | SHMAP_GENERIC_READ, 0, &o), 0);
    p = map(o, SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, 0);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(o), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(view_copy_page_written_reports_readwrite)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user does not emulate /proc/self/pagemap");
    shmap_handle_t h = section(NULL, RW, 65536);
    char *c = map(h, SHMAP_FILE_MAP_COPY, 0, 0);
    volatile char x = c[4096]; /* read: still the file's page */
    (void)x;
    shmap_mem_info_t m = query(c);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_WRITECOPY);
    ASSERT_EQ(m.region_size, 65536);
    c[4096] = 1; /* written: now a private copy */
    m = query(c);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_WRITECOPY);
    ASSERT_EQ(m.region_size, 4096); /* the region splits at the written page */
    m = query(c + 4096);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_READWRITE);
    ASSERT_EQ(m.region_size, 4096);
    ASSERT_EQ_U(m.allocation_protect, SHMAP_PAGE_WRITECOPY);
    m = query(c + 8192);
    ASSERT_EQ_U(m.protect, SHMAP_PAGE_WRITECOPY);
    ASSERT_EQ(m.region_size, 65536 - 8192);
    ASSERT_EQ(shmap_view_unmap(c), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* A copy view may copy on write (PAGE_WRITECOPY), never take
 * PAGE_READWRITE (87), whatever its section allows: Wine's test_mapping
 * (is_compatible_protection) records Windows refusing it. */
TEST(view_copy_view_refuses_readwrite)
{
    shmap_handle_t h = section(NULL, SHMAP_PAGE_READONLY, 65536);
    char *c = map(h, SHMAP_FILE_MAP_COPY, 0, 0);
    uint32_t old = 0;
    ASSERT_EQ(shmap_vm_protect(c, 4096, SHMAP_PAGE_READWRITE, &old), -EINVAL);
    ASSERT_EQ(shmap_vm_protect(c, 4096, SHMAP_PAGE_EXECUTE_READWRITE, &old), -EINVAL);
    ASSERT_EQ(shmap_vm_protect(c, 4096, SHMAP_PAGE_WRITECOPY, &old), 0);
    ASSERT_EQ_U(old, SHMAP_PAGE_WRITECOPY);
    ASSERT_EQ(shmap_vm_protect(c, 4096, SHMAP_PAGE_READONLY, &old), 0);
    ASSERT_EQ(shmap_view_unmap(c), 0);
    ASSERT_EQ(shmap_close(h), 0);
    h = section(NULL, RW, 65536);
    c = map(h, SHMAP_FILE_MAP_COPY, 0, 0);
    ASSERT_EQ(shmap_vm_protect(c, 4096, SHMAP_PAGE_READWRITE, &old), -EINVAL);
    ASSERT_EQ(shmap_vm_protect(c, 4096, SHMAP_PAGE_WRITECOPY, &old), 0);
    c[0] = 1;
    ASSERT_EQ(shmap_vm_protect(c, 4096, SHMAP_PAGE_READWRITE, &old), -EINVAL);
    ASSERT_EQ(shmap_view_unmap(c), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* PAGE_NOCACHE is the allocation's, not a page's (recent Windows, per
 * Wine's test_VirtualAlloc): VirtualProtect keeps it where the allocation
 * has it and drops it where it has not; the old protection shows it. */
TEST(vm_nocache_belongs_to_the_allocation)
{
    const uint32_t NC = SHMAP_PAGE_NOCACHE, RO = SHMAP_PAGE_READONLY;
    void *p;
    uint32_t old = 0;
    ASSERT_EQ(shmap_vm_alloc(NULL, 8192, SHMAP_MEM_COMMIT, RW | NC, &p), 0);
    shmap_mem_info_t m = query(p);
    ASSERT_EQ_U(m.protect, RW | NC);
    ASSERT_EQ_U(m.allocation_protect, RW | NC);
    ASSERT_EQ(m.region_size, 8192);
    ASSERT_EQ(shmap_vm_protect(p, 4096, RW, &old), 0);
    ASSERT_EQ_U(old, RW | NC);
    ASSERT_EQ_U(query(p).protect, RW | NC);
    ASSERT_EQ(query(p).region_size, 8192);
    ASSERT_EQ(shmap_vm_protect(p, 4096, RO, &old), 0);
    ASSERT_EQ_U(old, RW | NC);
    ASSERT_EQ_U(query(p).protect, RO | NC); /* 0x202 */
    ASSERT_EQ(query(p).region_size, 4096);
    ASSERT_EQ(shmap_vm_free(p, 0, SHMAP_MEM_RELEASE), 0);
    ASSERT_EQ(shmap_vm_alloc(NULL, 8192, SHMAP_MEM_COMMIT, RW, &p), 0);
    ASSERT_EQ(shmap_vm_protect(p, 4096, RO | NC, &old), 0);
    ASSERT_EQ_U(old, RW);
    ASSERT_EQ_U(query(p).protect, RO);
    ASSERT_EQ(shmap_vm_free(p, 0, SHMAP_MEM_RELEASE), 0);
    /* reserved with it, committed without: the pages have it */
    ASSERT_EQ(shmap_vm_alloc(NULL, 65536, SHMAP_MEM_RESERVE, RW | SHMAP_PAGE_WRITECOMBINE, &p), 0);
    void *q;
    ASSERT_EQ(shmap_vm_alloc(p, 4096, SHMAP_MEM_COMMIT, RW, &q), 0);
    ASSERT_EQ_U(query(p).protect, RW | SHMAP_PAGE_WRITECOMBINE); /* 0x404 */
    ASSERT_EQ(shmap_vm_free(p, 0, SHMAP_MEM_RELEASE), 0);
}

/* PAGE_NOCACHE with PAGE_WRITECOMBINE or PAGE_GUARD, and either cache
 * attribute on PAGE_NOACCESS: ERROR_INVALID_PARAMETER. */
TEST(vm_cache_attribute_combinations_refused)
{
    const uint32_t bad[] = {
        RW | SHMAP_PAGE_NOCACHE | SHMAP_PAGE_WRITECOMBINE,
        RW | SHMAP_PAGE_NOCACHE | SHMAP_PAGE_GUARD,
        RW | SHMAP_PAGE_WRITECOMBINE | SHMAP_PAGE_GUARD,
        SHMAP_PAGE_NOACCESS | SHMAP_PAGE_NOCACHE,
        SHMAP_PAGE_NOACCESS | SHMAP_PAGE_WRITECOMBINE,
    };
    void *p, *q = NULL;
    uint32_t old = 0xdeadbeef;
    ASSERT_EQ(shmap_vm_alloc(NULL, 4096, SHMAP_MEM_COMMIT, RW, &p), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT_EQ(shmap_vm_alloc(NULL, 4096, SHMAP_MEM_COMMIT, bad[i], &q), -EINVAL);
        ASSERT_EQ(shmap_vm_protect(p, 4096, bad[i], &old), -EINVAL);
    }
    ASSERT_NULL(q);
    ASSERT_EQ_U(old, 0xdeadbeef);
    ASSERT_EQ(shmap_vm_alloc(NULL, 4096, SHMAP_MEM_COMMIT, RW | SHMAP_PAGE_GUARD, &q), 0);
    ASSERT_EQ(shmap_vm_free(q, 0, SHMAP_MEM_RELEASE), 0);
    ASSERT_EQ(shmap_vm_free(p, 0, SHMAP_MEM_RELEASE), 0);
}

/* Views of a SEC_NOCACHE section report PAGE_NOCACHE on their protection
 * (0x204 writable, 0x202 read-only), and keep it through VirtualProtect;
 * SEC_WRITECOMBINE likewise with PAGE_WRITECOMBINE. */
TEST(view_of_nocache_section_reports_nocache)
{
    const uint32_t NC = SHMAP_PAGE_NOCACHE, RO = SHMAP_PAGE_READONLY;
    shmap_handle_t h = section(NULL, RW | SHMAP_SEC_COMMIT | SHMAP_SEC_NOCACHE, 65536);
    char *w = map(h, SHMAP_FILE_MAP_WRITE, 0, 0), *r = map(h, SHMAP_FILE_MAP_READ, 0, 0);
    ASSERT_EQ_U(query(w).protect, 0x204);
    ASSERT_EQ_U(query(w).allocation_protect, RW | NC);
    ASSERT_EQ_U(query(r).protect, 0x202);
    ASSERT_EQ_U(query(r).allocation_protect, RO | NC);
    uint32_t old = 0;
    ASSERT_EQ(shmap_vm_protect(w, 4096, RO, &old), 0);
    ASSERT_EQ_U(old, RW | NC);
    ASSERT_EQ_U(query(w).protect, RO | NC);
    w[4096] = 1; /* still ordinary memory */
    ASSERT_EQ(r[4096], 1);
    ASSERT_EQ(shmap_view_unmap(w), 0);
    ASSERT_EQ(shmap_view_unmap(r), 0);
    ASSERT_EQ(shmap_close(h), 0);
    h = section(NULL, RW | SHMAP_SEC_COMMIT | SHMAP_SEC_WRITECOMBINE, 65536);
    w = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    ASSERT_EQ_U(query(w).protect, RW | SHMAP_PAGE_WRITECOMBINE);
    ASSERT_EQ(shmap_view_unmap(w), 0);
    w = map(h, 0, 0, 0); /* no access: nothing to cache */
    ASSERT_EQ_U(query(w).allocation_protect, SHMAP_PAGE_NOACCESS);
    ASSERT_EQ(shmap_view_unmap(w), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* VirtualProtect of some pages of an allocation made with PAGE_GUARD
 * leaves the others guarded (they lost it before). */
TEST(vm_protect_part_keeps_the_others_modifiers)
{
    void *p;
    uint32_t old = 0;
    ASSERT_EQ(shmap_vm_alloc(NULL, 8192, SHMAP_MEM_COMMIT, RW | SHMAP_PAGE_GUARD, &p), 0);
    ASSERT_EQ(shmap_vm_protect(p, 4096, RW, &old), 0);
    ASSERT_EQ_U(old, RW | SHMAP_PAGE_GUARD);
    ASSERT_EQ_U(query(p).protect, RW);
    ASSERT_EQ_U(query((char *)p + 4096).protect, RW | SHMAP_PAGE_GUARD);
    ASSERT_EQ(shmap_vm_free(p, 0, SHMAP_MEM_RELEASE), 0);
}

/* A committed page of a SEC_RESERVE view made PAGE_NOACCESS faults when
 * touched, as on Windows: the handler that brings in pages committed
 * elsewhere must not open it again. */
TEST(reserve_page_made_noaccess_faults)
{
    shmap_handle_t h = section(NULL, RW | SHMAP_SEC_RESERVE, MB);
    char *p = map(h, SHMAP_FILE_MAP_WRITE, 0, 0);
    void *r;
    uint32_t old;
    ASSERT_EQ(shmap_vm_alloc(p, 8192, SHMAP_MEM_COMMIT, RW, &r), 0);
    ASSERT_EQ(shmap_vm_protect(p + 4096, 4096, SHMAP_PAGE_NOACCESS, &old), 0);
    p[0] = 1;
    pid_t pid = fork();
    if (pid == 0) {
        p[4096] = 1;
        _exit(0); /* survived the touch: wrong */
    }
    int st = wait_pid(pid, 10);
    ASSERT_TRUE(WIFSIGNALED(st) ? WTERMSIG(st) == SIGSEGV : WEXITSTATUS(st) != 0);
    ASSERT_EQ_U(query(p + 4096).protect, SHMAP_PAGE_NOACCESS);
    ASSERT_EQ(shmap_view_unmap(p), 0);
    ASSERT_EQ(shmap_close(h), 0);
}
