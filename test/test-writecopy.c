/*
 * test-writecopy.c - PAGE_WRITECOPY and PAGE_EXECUTE_WRITECOPY given by
 * VirtualProtect to pages of shared views: the page becomes a private copy
 * at its first write (PAGE_WRITECOPY before, PAGE_READWRITE after), the
 * section, its other views and other processes never see that write; which
 * protections a view may take (Wine's test_mapping and
 * test_CreateFileMapping_protection record Windows' results).
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>
#include <sys/mman.h>

#define PF SHMAP_NULL_HANDLE
#define RO SHMAP_PAGE_READONLY
#define RW SHMAP_PAGE_READWRITE
#define WC SHMAP_PAGE_WRITECOPY
#define NA SHMAP_PAGE_NOACCESS
#define EX SHMAP_PAGE_EXECUTE
#define ER SHMAP_PAGE_EXECUTE_READ
#define ERW SHMAP_PAGE_EXECUTE_READWRITE
#define EWC SHMAP_PAGE_EXECUTE_WRITECOPY
#define PAGE 4096

static void need_pagemap(void)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user does not emulate /proc/self/pagemap");
}

static shmap_handle_t section(const char *name, uint32_t prot, uint64_t size)
{
    shmap_handle_t h;
    ASSERT_GE(shmap_mapping_create(PF, name, prot, size, 0, &h), 0);
    return h;
}

static char *map(shmap_handle_t h, uint32_t access)
{
    void *p;
    POISON(p);
    ASSERT_EQ(shmap_view_map(h, access, 0, 0, NULL, &p), 0);
    return p;
}

static shmap_mem_info_t query(const void *a)
{
    shmap_mem_info_t m;
    POISON(m);
    ASSERT_EQ(shmap_vm_query(a, &m), 0);
    return m;
}

static uint32_t protect(void *a, size_t n, uint32_t p)
{
    uint32_t old;
    POISON(old);
    ASSERT_EQ(shmap_vm_protect(a, n, p, &old), 0);
    return old;
}

TEST(writecopy_page_of_shared_view_is_copied_at_first_write)
{
    need_pagemap();
    shmap_handle_t h = section("wc", RW, 65536);
    char *a = map(h, SHMAP_FILE_MAP_WRITE), *b = map(h, SHMAP_FILE_MAP_READ);
    a[PAGE] = 'S';
    ASSERT_EQ_U(protect(a + PAGE, PAGE, WC), RW);
    shmap_mem_info_t m = query(a + PAGE);
    ASSERT_EQ_U(m.protect, WC);
    ASSERT_EQ(m.region_size, PAGE);
    ASSERT_EQ_U(m.allocation_protect, RW);
    ASSERT_EQ_U(m.type, SHMAP_MEM_MAPPED);
    ASSERT_EQ(a[PAGE], 'S'); /* still the section's page: reads see it */
    a[PAGE] = 'P';           /* used to crash: SIGSEGV */
    ASSERT_EQ_U(query(a + PAGE).protect, RW);
    ASSERT_EQ(b[PAGE], 'S'); /* the other view never sees the private write */
    a[0] = 'x';              /* the other pages stay shared */
    a[2 * PAGE] = 'y';
    ASSERT_EQ(b[0], 'x');
    ASSERT_EQ(b[2 * PAGE], 'y');
    /* another process sees the section, not the copy */
    proc_t r = spawn_helper_piped("read_byte", "wc", "4096", (char *)NULL);
    char buf[16];
    proc_line(&r, buf, sizeof buf, 10);
    ASSERT_STR_EQ(buf, "S");
    proc_end(&r, 0, 10);
    /* the copy is the old protection now, and stays private */
    ASSERT_EQ_U(protect(a + PAGE, PAGE, RW), RW);
    a[PAGE] = 'Q';
    ASSERT_EQ(b[PAGE], 'S');
    /* PAGE_WRITECOPY on a copied page reads back as PAGE_READWRITE */
    ASSERT_EQ_U(protect(a + PAGE, PAGE, WC), RW);
    ASSERT_EQ_U(query(a + PAGE).protect, RW);
    ASSERT_EQ_U(protect(a + PAGE, PAGE, NA), RW);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_view_unmap(b), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

HELPER(read_byte)
{
    (void)argc;
    shmap_handle_t h;
    void *p;
    if (shmap_mapping_open(argv[0], SHMAP_FILE_MAP_READ, 0, &h) != 0 ||
        shmap_view_map(h, SHMAP_FILE_MAP_READ, 0, 0, NULL, &p) != 0)
        return 1;
    printf("%c\n", ((char *)p)[atoi(argv[1])]);
    fflush(stdout);
    char line[8];
    (void)!fgets(line, sizeof line, stdin);
    return 0;
}

/* Made PAGE_WRITECOPY and given another protection before any write, the
 * page is the section's again: a write through it is shared. */
TEST(writecopy_page_never_written_shares_again)
{
    need_pagemap();
    shmap_handle_t h = section(NULL, RW, 65536);
    char *a = map(h, SHMAP_FILE_MAP_WRITE), *b = map(h, SHMAP_FILE_MAP_READ);
    ASSERT_EQ_U(protect(a, 3 * PAGE, WC), RW);
    ASSERT_EQ(query(a).region_size, 3 * PAGE);
    a[PAGE] = 1; /* the middle page is copied */
    ASSERT_EQ_U(protect(a, 3 * PAGE, RW), WC);
    a[0] = 'A';
    a[PAGE] = 'B';
    a[2 * PAGE] = 'C';
    ASSERT_EQ(b[0], 'A');
    ASSERT_EQ(b[PAGE], 0); /* the copy stays private */
    ASSERT_EQ(b[2 * PAGE], 'C');
    ASSERT_EQ_U(query(a).protect, RW);
    ASSERT_EQ(query(a).region_size, 65536);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_view_unmap(b), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* A read-only view may copy on write too (test_CreateFileMapping_protection:
 * VirtualProtect(PAGE_WRITECOPY) on a FILE_MAP_READ view succeeds). */
TEST(writecopy_on_read_view_makes_a_private_writable_page)
{
    need_pagemap();
    shmap_handle_t h = section(NULL, RW, 65536);
    char *a = map(h, SHMAP_FILE_MAP_READ), *b = map(h, SHMAP_FILE_MAP_WRITE);
    b[0] = 'S';
    ASSERT_EQ_U(protect(a, PAGE, WC), RO);
    ASSERT_EQ_U(query(a).protect, WC);
    a[0] = 'P';
    ASSERT_EQ_U(query(a).protect, RW);
    ASSERT_EQ(b[0], 'S');
    b[0] = 'T'; /* the section changes; the copy does not */
    ASSERT_EQ(a[0], 'P');
    uint32_t old = 0;
    ASSERT_EQ(shmap_vm_protect(a, PAGE, RW, &old), -EINVAL);
    ASSERT_EQ(shmap_vm_protect(a, PAGE, EWC, &old), -EINVAL);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_view_unmap(b), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(execute_writecopy_on_shared_execute_view)
{
    need_pagemap();
    shmap_handle_t h = section(NULL, ERW, 65536);
    char *a = map(h, SHMAP_FILE_MAP_WRITE | SHMAP_FILE_MAP_EXECUTE);
    char *b = map(h, SHMAP_FILE_MAP_READ);
    ASSERT_EQ_U(protect(a, PAGE, NA), ERW);
    ASSERT_EQ_U(protect(a, PAGE, EWC), NA);
    ASSERT_EQ_U(query(a).protect, EWC);
    a[0] = 'P';
    ASSERT_EQ_U(query(a).protect, ERW);
    ASSERT_EQ(b[0], 0);
    ASSERT_EQ_U(protect(a, PAGE, NA), ERW);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_view_unmap(b), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* For a file-backed section Windows never writes a copied page to the file
 * (Wine's test_mappings reads the file back). */
TEST(writecopy_on_file_view_leaves_the_file_alone)
{
    need_pagemap();
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/shmap-wc-file-%d", (int)getpid());
    shmap_handle_t f, h;
    ASSERT_GE(shmap_file_open(path, SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE, 0,
                              SHMAP_CREATE_ALWAYS, 0, 0, &f),
              0);
    ASSERT_GE(shmap_mapping_create(f, NULL, RW, 2 * PAGE, 0, &h), 0);
    char *a = map(h, SHMAP_FILE_MAP_WRITE);
    ASSERT_EQ_U(protect(a, 2 * PAGE, WC), RW);
    *(uint32_t *)a = 0xdeadbeef;
    ASSERT_EQ_U(query(a).protect, RW);
    ASSERT_EQ(query(a).region_size, PAGE);
    ASSERT_EQ_U(query(a + PAGE).protect, WC);
    ASSERT_EQ(shmap_view_flush(a, 0), 0);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    uint32_t data = 1;
    ASSERT_EQ(pread(fd, &data, sizeof data, 0), sizeof data);
    ASSERT_EQ(data, 0);
    close(fd);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_close(f), 0);
    unlink(path);
}

/* A file cut short under a page made private: the truncation guard still
 * covers it (the remapped range stays registered), reading gives zero. */
TEST(writecopy_page_of_truncated_file_reads_zero)
{
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("qemu-user does not give a guest's SIGBUS handler the bus errors of a truncated file");
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/shmap-wc-trunc-%d", (int)getpid());
    shmap_handle_t f, h;
    ASSERT_GE(shmap_file_open(path, SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE, 0,
                              SHMAP_CREATE_ALWAYS, 0, 0, &f),
              0);
    ASSERT_GE(shmap_mapping_create(f, NULL, RW, 2 * PAGE, 0, &h), 0);
    char *a = map(h, SHMAP_FILE_MAP_WRITE);
    a[PAGE] = 7;
    ASSERT_EQ_U(protect(a + PAGE, PAGE, WC), RW);
    ASSERT_EQ(truncate(path, 0), 0); /* another writer of the file, bypassing shmap */
    ASSERT_EQ(((volatile char *)a)[PAGE], 0);
    ASSERT_EQ(shmap_view_unmap(a), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_close(f), 0);
    unlink(path);
}

/* Which protections a page of a view may take: those whose access the
 * view's has, copy on write counting as reading (test_mapping's
 * is_compatible_protection; failures are ERROR_INVALID_PARAMETER). */
TEST(view_protection_follows_the_view_access)
{
    static const struct {
        uint32_t access, ok, bad;
    } t[] = {
        {SHMAP_FILE_MAP_READ, NA | RO | WC, RW | EX | ER | ERW | EWC},
        {SHMAP_FILE_MAP_WRITE, NA | RO | WC | RW, EX | ER | ERW | EWC},
        {SHMAP_FILE_MAP_COPY, NA | RO | WC, RW | EX | ER | ERW | EWC},
        {SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, NA | RO | WC | EX | ER | EWC, RW | ERW},
        {SHMAP_FILE_MAP_COPY | SHMAP_FILE_MAP_EXECUTE, NA | RO | WC | EX | ER | EWC, RW | ERW},
        {SHMAP_FILE_MAP_WRITE | SHMAP_FILE_MAP_EXECUTE, 0xFF, 0},
    };
    shmap_handle_t h = section(NULL, ERW, 65536);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *a = map(h, t[i].access);
        for (uint32_t p = 1; p <= 0x80; p <<= 1) {
            uint32_t old = 0xdeadbeef;
            int e = shmap_vm_protect(a, PAGE, p, &old);
            if (t[i].ok & p) {
                ASSERT_EQ(e, 0);
                ASSERT_EQ_U(query(a).protect, p);
            } else {
                ASSERT_TRUE(t[i].bad & p);
                ASSERT_EQ(e, -EINVAL);
                ASSERT_EQ_U(old, 0xdeadbeef);
            }
        }
        ASSERT_EQ(shmap_view_unmap(a), 0);
    }
    ASSERT_EQ(shmap_close(h), 0);
}
