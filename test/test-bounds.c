/*
 * test-bounds.c - sizes that wrap and pointers that are not there (issue
 * 12, part 3), through the Win32 face and the native API.
 *
 * Ranges.  NT checks an address range against the top of the user address
 * space before it looks at any region: a range that wraps or reaches past
 * it is an invalid parameter (STATUS_INVALID_PARAMETER_2/3/4, 87), whatever
 * the address.  A range inside user space that leaves its region is then
 * STATUS_CONFLICTING_ADDRESSES (487) for VirtualAlloc(MEM_COMMIT) and
 * VirtualProtect, STATUS_UNABLE_TO_FREE_VM (87) for VirtualFree, and a size
 * that fits in user space but finds no room is STATUS_NO_MEMORY (8).
 *
 * Pointers.  Every pointer a call writes through (and the few it reads a
 * structure through) is probed: NULL, low addresses, unmapped, read-only and
 * PROT_NONE memory, and ranges running into a hole fail with ERROR_NOACCESS
 * (998) and change nothing; the library never faults on them.  Where NT
 * probes the pointer (a system-call argument), that happens before the
 * handle is looked at; where kernelbase writes a result after a successful
 * system call (GetExitCodeProcess, GetFileSizeEx, GetHandleInformation...),
 * a bad handle is still reported first (6).  Pointers Windows documents as
 * optional stay optional.
 */
#include "harness.h"

#include <limits.h>
#include <pthread.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <windows.h>

#include "base/probe.h"
#include "shmap.h"

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()
#define PF INVALID_HANDLE_VALUE
#define USER_TOP ((uintptr_t)(sizeof(void *) == 8 ? 0x7ffffffff000ULL : 0xffffe000UL))

/* Memory that cannot take an out-parameter: four pages (read-only,
 * PROT_NONE, writable, unmapped), and bp(), the i-th bad pointer for an
 * object of len bytes: NULL, a low address, read-only, PROT_NONE, unmapped,
 * and one that starts in writable memory and runs into the hole. */
#define NBAD 6
struct bad {
    char *base;
};

static struct bad bad_pages(void)
{
    /* The first slow probe of each copy (the core's, the Win32 face's) maps
     * one page for its pid; let that happen before the hole is made, so the
     * page does not land in it. */
    MEMORY_BASIC_INFORMATION *warm = malloc(sizeof *warm);
    ASSERT_NOT_NULL(warm);
    ASSERT_EQ(shmap__probe_write(warm, sizeof *warm), 0);
    ASSERT_EQ(VirtualQuery(warm, warm, sizeof *warm), sizeof *warm);
    free(warm);
    struct bad b;
    b.base = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(b.base != MAP_FAILED);
    ASSERT_EQ(mprotect(b.base, 4096, PROT_READ), 0);
    ASSERT_EQ(mprotect(b.base + 4096, 4096, PROT_NONE), 0);
    ASSERT_EQ(munmap(b.base + 3 * 4096, 4096), 0);
    return b;
}

static void *bp(const struct bad *b, int i, size_t len)
{
    size_t back = len / 2 >= 8 ? (len / 2) & ~(size_t)7 : len / 2;
    switch (i) {
    case 0:
        return NULL;
    case 1:
        return (void *)16;
    case 2:
        return b->base;
    case 3:
        return b->base + 4096;
    case 4:
        return b->base + 3 * 4096;
    default:
        return b->base + 3 * 4096 - back;
    }
}

static void bad_free(struct bad *b)
{
    ASSERT_EQ(munmap(b->base, 3 * 4096), 0);
}

/* ---- sizes that wrap ------------------------------------------------------ */

TEST(bounds_virtualalloc_beyond_user_space_is_87_and_no_room_is_8)
{
    static const SIZE_T sizes[] = {SIZE_MAX, SIZE_MAX - 4095, (SIZE_T)USER_TOP + 1,
                                   (SIZE_T)1 << (sizeof(SIZE_T) * 8 - 1)};
    /* 2^31 is beyond user space only for a 64-bit process's half of SIZE_T:
     * a 32-bit one has 4 GiB of user space here, and may well get 2 GiB */
    size_t nsizes = sizeof(void *) == 8 ? sizeof sizes / sizeof sizes[0] : 3;
    for (size_t i = 0; i < nsizes; i++) {
        POISON_LE();
        ASSERT_NULL(VirtualAlloc(NULL, sizes[i], MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_PARAMETER * 10 + i);
        POISON_LE();
        ASSERT_NULL(VirtualAlloc(NULL, sizes[i], MEM_RESERVE, PAGE_NOACCESS));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_PARAMETER * 10 + i);
    }
    /* an address with a size that wraps, or that reaches past user space */
    void *at = (void *)(uintptr_t)0x10000000;
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(at, SIZE_MAX - 0x10000000 + 2, MEM_RESERVE, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(at, USER_TOP - 0x10000000 + 1, MEM_RESERVE, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* MEM_RESET checks the range too */
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(at, SIZE_MAX, MEM_RESET, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* inside user space, but no hole that large: STATUS_NO_MEMORY */
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(NULL, USER_TOP - 0x10000, MEM_RESERVE, PAGE_NOACCESS));
    ASSERT_EQ_U(LE(), ERROR_NOT_ENOUGH_MEMORY);
    /* and the address space is as it was: a normal allocation still works */
    char *p = VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_NOT_NULL(p);
    p[4095] = 1;
    MEMORY_BASIC_INFORMATION m;
    ASSERT_EQ(VirtualQuery(p, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.State, MEM_COMMIT);
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
}

TEST(bounds_virtualalloc_same_huge_size_twice_never_returns_one_address)
{
    /* the report: SIZE_MAX "succeeded" with a MEM_FREE region, twice at the
     * same address */
    void *a = VirtualAlloc(NULL, SIZE_MAX, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    void *b = VirtualAlloc(NULL, SIZE_MAX, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_NULL(a);
    ASSERT_NULL(b);
    void *out;
    POISON(out);
    void *before = out;
    ASSERT_EQ(shmap_vm_alloc(NULL, SIZE_MAX, SHMAP_MEM_RESERVE, SHMAP_PAGE_READWRITE, &out),
              -EINVAL);
    ASSERT_PTR_EQ(out, before);
}

static HANDLE reserve_section(DWORD size)
{
    HANDLE h = CreateFileMappingA(PF, NULL, PAGE_READWRITE | SEC_RESERVE, 0, size, NULL);
    ASSERT_NOT_NULL(h);
    return h;
}

TEST(bounds_commit_in_a_view_with_a_wrapping_size_is_87_and_commits_nothing)
{
    HANDLE h = reserve_section(1 << 20);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    static const SIZE_T sizes[] = {SIZE_MAX, SIZE_MAX - 4095, SIZE_MAX - (1 << 20) + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        POISON_LE();
        ASSERT_NULL(VirtualAlloc(v + 4096, sizes[i], MEM_COMMIT, PAGE_READWRITE));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_PARAMETER * 10 + i);
    }
    /* past the end of the view, inside user space: 487 (§6.3) */
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(v + 4096, 1 << 20, MEM_COMMIT, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    MEMORY_BASIC_INFORMATION m;
    ASSERT_EQ(VirtualQuery(v, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.State, MEM_RESERVE);
    ASSERT_EQ(m.RegionSize, 1 << 20);
    ASSERT_TRUE(UnmapViewOfFile(v));
    ASSERT_TRUE(CloseHandle(h));
}

TEST(bounds_virtualprotect_beyond_user_space_is_87_past_the_region_is_487)
{
    HANDLE h = CreateFileMappingA(PF, NULL, PAGE_READWRITE, 0, 1 << 16, NULL);
    ASSERT_NOT_NULL(h);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    char *p = VirtualAlloc(NULL, 1 << 16, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_NOT_NULL(p);
    char *where[] = {v, p};
    for (int i = 0; i < 2; i++) {
        char *a = where[i];
        DWORD old = 77;
        POISON_LE();
        ASSERT_TRUE(!VirtualProtect(a, SIZE_MAX, PAGE_READONLY, &old));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_PARAMETER * 10 + i);
        POISON_LE();
        ASSERT_TRUE(!VirtualProtect(a + 4096, SIZE_MAX - 4095, PAGE_READONLY, &old));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_PARAMETER * 10 + i);
        POISON_LE();
        ASSERT_TRUE(!VirtualProtect(a, USER_TOP - (uintptr_t)a + 1, PAGE_READONLY, &old));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_PARAMETER * 10 + i);
        /* leaves the region but stays in user space: CONFLICTING_ADDRESSES */
        POISON_LE();
        ASSERT_TRUE(!VirtualProtect(a, (1 << 16) + 4096, PAGE_READONLY, &old));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_ADDRESS * 10 + i);
        ASSERT_EQ_U(old, 77);
        /* nothing changed: still writable everywhere */
        a[0] = 1;
        a[(1 << 16) - 1] = 1;
        MEMORY_BASIC_INFORMATION m;
        ASSERT_EQ(VirtualQuery(a, &m, sizeof m), sizeof m);
        ASSERT_EQ_U(m.Protect, PAGE_READWRITE);
        ASSERT_EQ(m.RegionSize, 1 << 16);
    }
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
    ASSERT_TRUE(UnmapViewOfFile(v));
    ASSERT_TRUE(CloseHandle(h));
}

TEST(bounds_virtualprotect_of_partly_committed_private_memory_is_487)
{
    /* Wine's test_VirtualAlloc: the whole range must be committed */
    char *p = VirtualAlloc(NULL, 1 << 16, MEM_RESERVE, PAGE_NOACCESS);
    ASSERT_NOT_NULL(p);
    ASSERT_PTR_EQ(VirtualAlloc(p, 4096, MEM_COMMIT, PAGE_READWRITE), p);
    DWORD old = 77;
    POISON_LE();
    ASSERT_TRUE(!VirtualProtect(p, 2 * 4096, PAGE_READONLY, &old));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    ASSERT_EQ_U(old, 77);
    MEMORY_BASIC_INFORMATION m;
    ASSERT_EQ(VirtualQuery(p + 4096, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.State, MEM_RESERVE); /* not committed by the failed call */
    ASSERT_EQ(VirtualQuery(p, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.Protect, PAGE_READWRITE);
    ASSERT_TRUE(VirtualProtect(p, 4096, PAGE_READONLY, &old));
    ASSERT_EQ_U(old, PAGE_READWRITE);
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
}

TEST(bounds_virtualfree_beyond_the_region_is_87_and_decommits_nothing)
{
    char *p = VirtualAlloc(NULL, 1 << 16, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_NOT_NULL(p);
    p[4096] = 5;
    static const SIZE_T sizes[] = {SIZE_MAX, SIZE_MAX - 4095, 1 << 16};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* wrapping: INVALID_PARAMETER_3; past the end: UNABLE_TO_FREE_VM */
        POISON_LE();
        ASSERT_TRUE(!VirtualFree(p + 4096, sizes[i], MEM_DECOMMIT));
        ASSERT_EQ(LE() * 10 + i, ERROR_INVALID_PARAMETER * 10 + i);
        ASSERT_EQ(p[4096], 5);
    }
    MEMORY_BASIC_INFORMATION m;
    ASSERT_EQ(VirtualQuery(p, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.State, MEM_COMMIT);
    ASSERT_EQ(m.RegionSize, 1 << 16);
    /* a range that wraps is refused before the address is looked at */
    int local;
    POISON_LE();
    ASSERT_TRUE(!VirtualFree(&local, SIZE_MAX, MEM_DECOMMIT));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* memory that is not ours: MEMORY_NOT_ALLOCATED */
    POISON_LE();
    ASSERT_TRUE(!VirtualFree(&local, 4, MEM_DECOMMIT));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    POISON_LE();
    ASSERT_TRUE(!VirtualFree(p, SIZE_MAX, MEM_RELEASE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(VirtualFree(p + 4096, 4096, MEM_DECOMMIT));
    ASSERT_EQ(VirtualQuery(p + 4096, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.State, MEM_RESERVE);
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
}

TEST(bounds_mapviewofex_reaching_past_user_space_is_87)
{
    HANDLE h = CreateFileMappingA(PF, NULL, PAGE_READWRITE, 0, 1 << 20, NULL);
    ASSERT_NOT_NULL(h);
    void *kernel = (void *)(uintptr_t)(sizeof(void *) == 8 ? 0xffff800000000000ULL : 0xffff0000UL);
    void *near_top = (void *)((USER_TOP - 65536) & ~(uintptr_t)0xFFFF);
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, kernel));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER); /* §5.5: a kernel-space address */
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 1 << 20, near_top));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER); /* range entering kernel space */
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, near_top));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER); /* the same with the section's size */
    /* NT checks base and size before the handle (a 32-bit process has no
     * 64 KiB-aligned base beyond its user space: 0xffff0000 is inside) */
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(NULL, FILE_MAP_READ, 0, 0, 0, kernel));
    ASSERT_EQ_U(LE(), sizeof(void *) == 8 ? ERROR_INVALID_PARAMETER : ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(NULL, FILE_MAP_READ, 0, 0, SIZE_MAX, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 0, SIZE_MAX));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* a size that fits in user space but not in the section: 5 (§5.4) */
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 0, (1 << 20) + 1));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    void *v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    ASSERT_TRUE(UnmapViewOfFile(v));
    ASSERT_TRUE(CloseHandle(h));
}

TEST(bounds_flush_of_a_wrapping_range_is_87)
{
    HANDLE h = CreateFileMappingA(PF, NULL, PAGE_READWRITE, 0, 1 << 16, NULL);
    ASSERT_NOT_NULL(h);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    int local;
    POISON_LE();
    ASSERT_TRUE(!FlushViewOfFile(v + 100, SIZE_MAX));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* memory outside views succeeds (§6.2), but not a range that wraps */
    POISON_LE();
    ASSERT_TRUE(!FlushViewOfFile(&local, SIZE_MAX));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(FlushViewOfFile(&local, sizeof local));
    ASSERT_TRUE(FlushViewOfFile(v, 0));
    ASSERT_TRUE(UnmapViewOfFile(v));
    ASSERT_TRUE(CloseHandle(h));
}

TEST(bounds_native_vm_ranges_give_the_codes_of_the_win32_face)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL,
                                   SHMAP_PAGE_READWRITE | SHMAP_SEC_RESERVE, 1 << 20, 0, &h),
              0);
    char *v;
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v), 0);
    void *out = (void *)1;
    ASSERT_EQ(shmap_vm_alloc(v, SIZE_MAX, SHMAP_MEM_COMMIT, SHMAP_PAGE_READWRITE, &out), -EINVAL);
    ASSERT_PTR_EQ(out, (void *)1);
    ASSERT_EQ(shmap_vm_alloc(v, 2 << 20, SHMAP_MEM_COMMIT, SHMAP_PAGE_READWRITE, &out),
              SHMAP_EADDR);
    ASSERT_EQ(shmap_vm_alloc(v, 4096, SHMAP_MEM_COMMIT, SHMAP_PAGE_READWRITE, &out), 0);
    ASSERT_PTR_EQ(out, v);
    uint32_t old = 77;
    ASSERT_EQ(shmap_vm_protect(v, SIZE_MAX, SHMAP_PAGE_READONLY, &old), -EINVAL);
    ASSERT_EQ(shmap_vm_protect(v, 8192, SHMAP_PAGE_READONLY, &old), SHMAP_EADDR);
    ASSERT_EQ(old, 77);
    ASSERT_EQ(shmap_vm_free(v + 4096, SIZE_MAX, SHMAP_MEM_DECOMMIT), -EINVAL);
    ASSERT_EQ(shmap_view_flush(v, SIZE_MAX), -EINVAL);
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_READ, 0, SIZE_MAX, NULL, &out), -EINVAL);
    shmap_mem_info_t m;
    ASSERT_EQ(shmap_vm_query((void *)USER_TOP, &m), -EINVAL);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* A sparse file whose size is near the largest offset: the "is it mapped"
 * marker lies at 2^61 + offset, which must not overflow. */
static HANDLE huge_file(char *path, size_t n, off_t size)
{
    snprintf(path, n, "/dev/shm/shmap-bounds-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    if (ftruncate(fd, size) != 0) {
        close(fd);
        unlink(path);
        SKIP("this file system does not take a file that large");
    }
    close(fd);
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    return f;
}

TEST(bounds_set_end_of_file_near_the_largest_offset_sees_the_mapping)
{
    const int64_t big = INT64_MAX - 65535; /* (2^63 - 1) - 65535 */
    char path[64];
    HANDLE f = huge_file(path, sizeof path, (off_t)big);
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    ASSERT_NOT_NULL(m);
    /* shrinking below the end of the section: ERROR_USER_MAPPED_FILE */
    LARGE_INTEGER to = {.QuadPart = big - 4096};
    ASSERT_TRUE(SetFilePointerEx(f, to, NULL, FILE_BEGIN));
    POISON_LE();
    ASSERT_TRUE(!SetEndOfFile(f));
    ASSERT_EQ_U(LE(), ERROR_USER_MAPPED_FILE);
    LARGE_INTEGER size;
    ASSERT_TRUE(GetFileSizeEx(f, &size));
    ASSERT_EQ(size.QuadPart, big);
    ASSERT_TRUE(CloseHandle(m));
    /* with the section gone the same shrink works */
    ASSERT_TRUE(SetEndOfFile(f));
    ASSERT_TRUE(GetFileSizeEx(f, &size));
    ASSERT_EQ(size.QuadPart, big - 4096);
    ASSERT_TRUE(CloseHandle(f));
    ASSERT_EQ(unlink(path), 0);
}

/* ---- pointers that are not there: virtual memory ---------------------------- */

TEST(bounds_virtualquery_into_memory_that_is_not_there_is_998)
{
    HANDLE h = CreateFileMappingA(PF, NULL, PAGE_READWRITE, 0, 1 << 16, NULL);
    ASSERT_NOT_NULL(h);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    MEMORY_BASIC_INFORMATION m[2];
    struct bad b = bad_pages();
    for (int i = 0; i < NBAD; i++) {
        POISON_LE();
        ASSERT_EQ(VirtualQuery(v, bp(&b, i, sizeof m[0]), sizeof m[0]), 0);
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    /* the length is checked first (24), the buffer before the address
     * (87 for a kernel address with a good buffer) */
    POISON_LE();
    ASSERT_EQ(VirtualQuery(v, NULL, 8), 0);
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    /* (beyond user space: 64-bit only; 0xffff0000 is user space for 32-bit) */
    POISON_LE();
    if (sizeof(void *) == 8) {
        ASSERT_EQ(VirtualQuery((void *)~(uintptr_t)0xFFFF, m, sizeof m[0]), 0);
        ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    }
    POISON_LE();
    ASSERT_EQ(VirtualQuery((void *)~(uintptr_t)0xFFFF, NULL, sizeof m[0]), 0);
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    /* the whole length given is probed (ProbeForWrite(buf, len)), and the
     * buffer must be aligned for a pointer (DATATYPE_MISALIGNMENT) */
    POISON_LE();
    ASSERT_EQ(VirtualQuery(v, bp(&b, 5, sizeof m[0]), sizeof m[0] / 4 * 2), 0);
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    char *edge = (char *)b.base + 3 * 4096 - sizeof m[0];
    ASSERT_EQ(VirtualQuery(v, (void *)edge, sizeof m[0]), sizeof m[0]);
    POISON_LE();
    ASSERT_EQ(VirtualQuery(v, (void *)edge, sizeof m[0] + 8), 0);
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_EQ(VirtualQuery(v, (void *)((char *)m + 2), sizeof m[0]),
              0); /* misaligned for 4 and 8 */
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    ASSERT_EQ(VirtualQuery(v, m, sizeof m), sizeof m[0]);
    ASSERT_PTR_EQ(m[0].BaseAddress, v);
    bad_free(&b);
    ASSERT_TRUE(UnmapViewOfFile(v));
    ASSERT_TRUE(CloseHandle(h));
}

TEST(bounds_virtualprotect_without_a_place_for_the_old_protection_is_998)
{
    char *p = VirtualAlloc(NULL, 1 << 16, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_NOT_NULL(p);
    HANDLE h = CreateFileMappingA(PF, NULL, PAGE_READWRITE, 0, 1 << 16, NULL);
    ASSERT_NOT_NULL(h);
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    struct bad b = bad_pages();
    char *where[] = {p, v};
    for (int w = 0; w < 2; w++)
        for (int i = 0; i < NBAD; i++) {
            POISON_LE();
            ASSERT_TRUE(!VirtualProtect(where[w], 4096, PAGE_READONLY, bp(&b, i, sizeof(DWORD))));
            ASSERT_EQ(LE() * 100 + w * 10 + i, ERROR_NOACCESS * 100 + w * 10 + i);
            where[w][0] = 1; /* still writable: nothing was changed */
            MEMORY_BASIC_INFORMATION m;
            ASSERT_EQ(VirtualQuery(where[w], &m, sizeof m), sizeof m);
            ASSERT_EQ_U(m.Protect, PAGE_READWRITE);
        }
    /* NT's order: the protection, then the pointer, then the range */
    POISON_LE();
    ASSERT_TRUE(!VirtualProtect(p, 4096, 0x3, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_TRUE(!VirtualProtect(p, SIZE_MAX, PAGE_READONLY, NULL));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_TRUE(!VirtualProtect(p, 0, PAGE_READONLY, NULL));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    /* the native call wants the pointer as well */
    ASSERT_EQ(shmap_vm_protect(p, 4096, SHMAP_PAGE_READONLY, NULL), -EFAULT);
    ASSERT_EQ(shmap_vm_protect(p, 4096, SHMAP_PAGE_READONLY, (uint32_t *)(void *)(p + 1)), -EFAULT);
    p[0] = 2;
    /* the place for the old protection may lie in the pages being made
     * read-only: it is written before they change */
    for (int w = 0; w < 2; w++) {
        DWORD *in = (DWORD *)(void *)(where[w] + 8192);
        ASSERT_TRUE(VirtualProtect(in, 4096, PAGE_READONLY, in));
        ASSERT_EQ_U(*in, PAGE_READWRITE);
        MEMORY_BASIC_INFORMATION m;
        ASSERT_EQ(VirtualQuery(in, &m, sizeof m), sizeof m);
        ASSERT_EQ_U(m.Protect, PAGE_READONLY);
    }
    bad_free(&b);
    ASSERT_TRUE(UnmapViewOfFile(v));
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
}

TEST(bounds_native_vm_outputs_that_are_not_there_are_efault_and_change_nothing)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 1 << 16, 0, &h),
              0);
    int fds = count_fds();
    struct bad b = bad_pages(); /* objects of sizeof(void *) bytes */
    for (int i = 0; i < NBAD; i++) {
        ASSERT_EQ(
            shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, bp(&b, i, sizeof(void *))) * 10 + i,
            -EFAULT * 10 + i);
        ASSERT_EQ(shmap_vm_alloc(NULL, 4096, SHMAP_MEM_RESERVE, SHMAP_PAGE_READWRITE,
                                 bp(&b, i, sizeof(void *))) *
                          10 +
                      i,
                  -EFAULT * 10 + i);
        ASSERT_EQ(shmap_vm_query(&b, bp(&b, i, sizeof(shmap_mem_info_t))) * 10 + i,
                  -EFAULT * 10 + i);
    }
    ASSERT_EQ(count_fds(), fds); /* no view holds the section */
    bad_free(&b);
    ASSERT_EQ(shmap_close(h), 0);
}

/* ---- pointers that are not there: handles and synchronization --------------- */

TEST(bounds_release_semaphore_with_a_bad_previous_count_is_998_and_releases_nothing)
{
    HANDLE s = CreateSemaphoreA(NULL, 0, 10, NULL);
    ASSERT_NOT_NULL(s);
    struct bad b = bad_pages();
    for (int i = 1; i < NBAD; i++) { /* NULL is allowed: no previous count wanted */
        POISON_LE();
        ASSERT_TRUE(!ReleaseSemaphore(s, 1, bp(&b, i, sizeof(LONG))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        ASSERT_EQ_U(WaitForSingleObject(s, 0), WAIT_TIMEOUT);
    }
    /* NtReleaseSemaphore probes before it looks at the count or the handle */
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(NULL, 1, bp(&b, 1, sizeof(LONG))));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_TRUE(!ReleaseSemaphore(s, 0, bp(&b, 1, sizeof(LONG))));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    ASSERT_TRUE(ReleaseSemaphore(s, 1, NULL));
    LONG prev = 77;
    ASSERT_TRUE(ReleaseSemaphore(s, 1, &prev));
    ASSERT_EQ(prev, 1);
    int32_t p32;
    ASSERT_EQ(shmap_semaphore_release((shmap_handle_t)s, 1, (int32_t *)(void *)16), -EFAULT);
    ASSERT_EQ(shmap_semaphore_query((shmap_handle_t)s, &p32, NULL), 0);
    ASSERT_EQ(p32, 2);
    bad_free(&b);
    ASSERT_TRUE(CloseHandle(s));
}

TEST(bounds_duplicate_handle_into_memory_that_is_not_there_is_998_and_closes_nothing)
{
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(e);
    struct bad b = bad_pages();
    for (int i = 1; i < NBAD; i++) {
        POISON_LE();
        ASSERT_TRUE(!DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(),
                                     bp(&b, i, sizeof(HANDLE)), 0, FALSE,
                                     DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        ASSERT_TRUE(SetEvent(e)); /* the source is still open */
    }
    /* NtDuplicateObject probes the target first: a bad handle too gives 998 */
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(GetCurrentProcess(), NULL, GetCurrentProcess(),
                                 bp(&b, 1, sizeof(HANDLE)), 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    HANDLE d = NULL;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &d, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(CloseHandle(d));
    bad_free(&b);
    ASSERT_TRUE(CloseHandle(e));
}

TEST(bounds_get_handle_information_reports_a_bad_handle_before_a_bad_pointer)
{
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(e);
    struct bad b = bad_pages();
    for (int i = 0; i < NBAD; i++) {
        POISON_LE();
        ASSERT_TRUE(!GetHandleInformation(e, bp(&b, i, sizeof(DWORD))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    /* kernelbase writes the flags after NtQueryObject: the handle first */
    POISON_LE();
    ASSERT_TRUE(!GetHandleInformation(NULL, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    uint32_t f;
    ASSERT_EQ(shmap_handle_get_flags((shmap_handle_t)e, &f), 0);
    bad_free(&b);
    ASSERT_TRUE(CloseHandle(e));
}

static DWORD WINAPI block_on(LPVOID arg)
{
    return WaitForSingleObject((HANDLE)arg, INFINITE);
}

static int count_tasks(void)
{
    DIR *d = opendir("/proc/self/task");
    ASSERT_NOT_NULL(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

TEST(bounds_create_thread_with_a_bad_id_pointer_starts_no_thread)
{
    HANDLE never = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(never);
    int tasks = count_tasks();
    struct bad b = bad_pages();
    for (int i = 1; i < NBAD; i++) { /* lpThreadId NULL is allowed */
        POISON_LE();
        ASSERT_NULL(CreateThread(NULL, 0, block_on, never, 0, bp(&b, i, sizeof(DWORD))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        ASSERT_EQ(count_tasks(), tasks); /* a thread would sit in its wait */
    }
    HANDLE t = CreateThread(NULL, 0, block_on, never, 0, NULL);
    ASSERT_NOT_NULL(t);
    ASSERT_TRUE(SetEvent(never));
    ASSERT_EQ_U(WaitForSingleObject(t, 20000), WAIT_OBJECT_0);
    /* exit codes: the handle first, then the pointer */
    for (int i = 0; i < NBAD; i++) {
        POISON_LE();
        ASSERT_TRUE(!GetExitCodeThread(t, bp(&b, i, sizeof(DWORD))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_TRUE(!GetExitCodeProcess(GetCurrentProcess(), bp(&b, i, sizeof(DWORD))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    POISON_LE();
    ASSERT_TRUE(!GetExitCodeThread(NULL, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!GetExitCodeProcess(NULL, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    DWORD code = 77;
    ASSERT_TRUE(GetExitCodeThread(t, &code));
    ASSERT_EQ_U(code, WAIT_OBJECT_0);
    bad_free(&b);
    ASSERT_TRUE(CloseHandle(t));
    ASSERT_TRUE(CloseHandle(never));
}

TEST(bounds_set_waitable_timer_with_a_due_time_that_is_not_there_is_998)
{
    HANDLE t = CreateWaitableTimerA(NULL, TRUE, NULL);
    ASSERT_NOT_NULL(t);
    struct bad b = bad_pages();
    for (int i = 0; i < NBAD; i++) {
        if (i == 2)
            continue; /* read-only memory is readable: a due time can sit there */
        POISON_LE();
        ASSERT_TRUE(!SetWaitableTimer(t, bp(&b, i, sizeof(LARGE_INTEGER)), 0, NULL, NULL, FALSE));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    LARGE_INTEGER *ro = bp(&b, 2, 0); /* zero: an absolute time long past, fires at once */
    ASSERT_TRUE(SetWaitableTimer(t, ro, 0, NULL, NULL, FALSE));
    ASSERT_EQ_U(WaitForSingleObject(t, 20000), WAIT_OBJECT_0);
    bad_free(&b);
    ASSERT_TRUE(CloseHandle(t));
}

/* ---- pointers that are not there: files, jobs, processes, companions --------- */

TEST(bounds_file_calls_with_outputs_that_are_not_there_are_998_and_do_nothing)
{
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/shmap-bounds-f-%d", (int)getpid());
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    DWORD n;
    ASSERT_TRUE(WriteFile(f, "0123456789", 10, &n, NULL));
    ASSERT_EQ(SetFilePointer(f, 2, NULL, FILE_BEGIN), 2);
    struct bad b = bad_pages();
    char buf[10];
    for (int i = 1; i < NBAD; i++) {
        /* lpNumberOfBytes: kernelbase zeroes it before the I/O */
        POISON_LE();
        ASSERT_TRUE(!ReadFile(f, buf, 4, bp(&b, i, sizeof(DWORD)), NULL));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_TRUE(!WriteFile(f, "xy", 2, bp(&b, i, sizeof(DWORD)), NULL));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_TRUE(!ReadFile(f, buf, 4, &n, bp(&b, i, sizeof(OVERLAPPED))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_EQ(GetFileSize(f, bp(&b, i, sizeof(DWORD))), INVALID_FILE_SIZE);
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_EQ(SetFilePointer(f, 0, bp(&b, i, sizeof(LONG)), FILE_END),
                  INVALID_SET_FILE_POINTER);
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        LARGE_INTEGER zero = {.QuadPart = 0};
        POISON_LE();
        ASSERT_TRUE(!SetFilePointerEx(f, zero, bp(&b, i, sizeof(LARGE_INTEGER)), FILE_CURRENT));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    for (int i = 0; i < NBAD; i++) {
        POISON_LE();
        ASSERT_TRUE(!GetFileSizeEx(f, bp(&b, i, sizeof(LARGE_INTEGER))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        /* a buffer that is not there: NtReadFile's probe, nothing consumed */
        POISON_LE();
        ASSERT_TRUE(!ReadFile(f, bp(&b, i, 8), 8, &n, NULL));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        ASSERT_EQ(n, 0);
    }
    /* a bad handle first: NtReadFile looks at it before the buffer, and
     * kernelbase stores sizes and positions after its system call */
    POISON_LE();
    ASSERT_TRUE(!ReadFile(NULL, bp(&b, 1, 8), 8, &n, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!GetFileSizeEx(NULL, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_EQ(GetFileSize(NULL, bp(&b, 1, 4)), INVALID_FILE_SIZE);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    LARGE_INTEGER zero = {.QuadPart = 0};
    POISON_LE();
    ASSERT_TRUE(!SetFilePointerEx(NULL, zero, bp(&b, 1, 8), FILE_BEGIN));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    /* nothing moved, nothing was read or written */
    ASSERT_EQ(SetFilePointer(f, 0, NULL, FILE_CURRENT), 2);
    ASSERT_TRUE(ReadFile(f, buf, sizeof buf, &n, NULL));
    ASSERT_EQ(n, 8);
    ASSERT_MEM_EQ(buf, "23456789", 8);
    ASSERT_EQ(GetFileSize(f, NULL), 10);
    bad_free(&b);
    ASSERT_TRUE(CloseHandle(f));
    ASSERT_EQ(unlink(path), 0);
}

TEST(bounds_job_queries_into_memory_that_is_not_there_are_998)
{
    HANDLE j = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(j);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    struct bad b = bad_pages();
    for (int i = 0; i < NBAD; i++) {
        DWORD len = 77;
        POISON_LE();
        ASSERT_TRUE(!QueryInformationJobObject(j, JobObjectBasicAccountingInformation,
                                               bp(&b, i, sizeof acc), sizeof acc, &len));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        ASSERT_EQ(len, 77);
        if (i == 0)
            continue; /* the returned length is optional */
        POISON_LE();
        ASSERT_TRUE(!QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc,
                                               sizeof acc, bp(&b, i, sizeof(DWORD))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        if (i == 2)
            continue; /* limits can be read from read-only memory */
        POISON_LE();
        ASSERT_TRUE(!SetInformationJobObject(j, JobObjectBasicLimitInformation,
                                             bp(&b, i, sizeof(JOBOBJECT_BASIC_LIMIT_INFORMATION)),
                                             sizeof(JOBOBJECT_BASIC_LIMIT_INFORMATION)));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    /* IsProcessInJob: NtIsProcessInJob first (a bad handle is 6), then the
     * answer is written (998 when there is no place for it) */
    POISON_LE();
    ASSERT_TRUE(!IsProcessInJob(NULL, j, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    for (int i = 0; i < NBAD; i++) {
        POISON_LE();
        ASSERT_TRUE(!IsProcessInJob(GetCurrentProcess(), j, bp(&b, i, sizeof(BOOL))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    BOOL in = 7;
    ASSERT_TRUE(IsProcessInJob(GetCurrentProcess(), j, &in));
    ASSERT_EQ(in, FALSE);
    bad_free(&b);
    ASSERT_TRUE(CloseHandle(j));
}

static int no_children(void)
{
    return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

TEST(bounds_create_process_with_information_that_is_not_there_starts_nothing)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "\"%s\" --helper bounds_exit7", test_self());
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    struct bad b = bad_pages();
    ASSERT_TRUE(no_children());
    for (int i = 0; i < NBAD; i++) {
        POISON_LE();
        ASSERT_TRUE(!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si,
                                    bp(&b, i, sizeof(PROCESS_INFORMATION))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        ASSERT_TRUE(no_children());
        if (i == 2)
            continue; /* STARTUPINFO is only read */
        PROCESS_INFORMATION pi;
        POISON_LE();
        ASSERT_TRUE(!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL,
                                    bp(&b, i, sizeof si), &pi));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        ASSERT_TRUE(no_children());
    }
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
    DWORD code;
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ_U(code, 7);
    ASSERT_TRUE(CloseHandle(pi.hThread));
    ASSERT_TRUE(CloseHandle(pi.hProcess));
    bad_free(&b);
}

HELPER(bounds_exit7)
{
    return 7;
}

TEST(bounds_companion_calls_with_outputs_that_are_not_there_do_not_fault)
{
    struct bad b = bad_pages();
    for (int i = 0; i < NBAD; i++) {
        POISON_LE();
        GetSystemInfo(
            bp(&b, i, sizeof(SYSTEM_INFO))); /* VOID: Windows faults in the caller; we set 998 */
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        GetNativeSystemInfo(bp(&b, i, sizeof(SYSTEM_INFO)));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        GetSystemTimeAsFileTime(bp(&b, i, sizeof(FILETIME)));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_TRUE(!QueryPerformanceCounter(bp(&b, i, sizeof(LARGE_INTEGER))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_TRUE(!QueryPerformanceFrequency(bp(&b, i, sizeof(LARGE_INTEGER))));
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        /* FormatMessage: into the buffer (the message "Access is denied.\r\n"
         * and its end: 20 characters), or into the pointer that receives an
         * allocated one */
        POISON_LE();
        ASSERT_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, ERROR_ACCESS_DENIED, 0,
                                 bp(&b, i, 20), 200, NULL),
                  0);
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER, NULL,
                                 ERROR_ACCESS_DENIED, 0, bp(&b, i, sizeof(LPSTR)), 0, NULL),
                  0);
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
        POISON_LE();
        ASSERT_EQ(FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM, NULL, ERROR_ACCESS_DENIED, 0,
                                 bp(&b, i, 20 * sizeof(WCHAR)), 200, NULL),
                  0);
        ASSERT_EQ(LE() * 10 + i, ERROR_NOACCESS * 10 + i);
    }
    /* a buffer too small is still 122, checked before the buffer is used */
    POISON_LE();
    ASSERT_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, ERROR_ACCESS_DENIED, 0, bp(&b, 1, 4),
                             4, NULL),
              0);
    ASSERT_EQ_U(LE(), ERROR_INSUFFICIENT_BUFFER);
    char msg[64];
    ASSERT_EQ(
        FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, NULL, ERROR_NOACCESS, 0, msg, sizeof msg, NULL),
        36);
    ASSERT_STR_EQ(msg, "Invalid access to memory location.\r\n");
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    ASSERT_EQ(si.dwPageSize, 4096);
    LARGE_INTEGER c;
    ASSERT_TRUE(QueryPerformanceCounter(&c));
    bad_free(&b);
}

/* ---- pointers that are not there: the native API ----------------------------- */

static uint32_t native_block(void *arg)
{
    return (uint32_t)shmap_wait(1, (shmap_handle_t *)arg, 0, SHMAP_INFINITE);
}

TEST(bounds_native_creates_and_opens_into_memory_that_is_not_there_make_nothing)
{
    shmap_handle_t ev, never;
    ASSERT_EQ(shmap_event_create("bounds-ev", 0, SHMAP_EVENT_ALL_ACCESS, 0, &ev), 0);
    ASSERT_EQ(shmap_event_create(NULL, SHMAP_EVENT_MANUAL_RESET, SHMAP_EVENT_ALL_ACCESS, 0, &never),
              0);
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/shmap-bounds-n-%d", (int)getpid());
    int fds = count_fds(), ns = count_ns_entries(), tasks = count_tasks();
    struct bad b = bad_pages();
    for (int i = 0; i < NBAD; i++) {
        void *o = bp(&b, i, sizeof(shmap_handle_t));
        int rs[] = {
            shmap_event_create("bounds-x", 0, SHMAP_EVENT_ALL_ACCESS, 0, o),
            shmap_event_open("bounds-ev", SHMAP_EVENT_ALL_ACCESS, 0, o),
            shmap_mutex_create("bounds-x", 0, SHMAP_MUTEX_ALL_ACCESS, 0, o),
            shmap_mutex_open("bounds-ev", SHMAP_MUTEX_ALL_ACCESS, 0, o),
            shmap_semaphore_create("bounds-x", 1, 1, SHMAP_SEMAPHORE_ALL_ACCESS, 0, o),
            shmap_semaphore_open("bounds-ev", SHMAP_SEMAPHORE_ALL_ACCESS, 0, o),
            shmap_timer_create("bounds-x", 0, SHMAP_TIMER_ALL_ACCESS, 0, o),
            shmap_timer_open("bounds-ev", SHMAP_TIMER_ALL_ACCESS, 0, o),
            shmap_job_create("bounds-x", SHMAP_JOB_ALL_ACCESS, 0, o),
            shmap_job_open("bounds-ev", SHMAP_JOB_ALL_ACCESS, 0, o),
            shmap_mapping_create(SHMAP_NULL_HANDLE, "bounds-x", SHMAP_PAGE_READWRITE, 4096, 0, o),
            shmap_mapping_open("bounds-ev", SHMAP_FILE_MAP_READ, 0, o),
            shmap_file_open(path, SHMAP_GENERIC_READ, 0, SHMAP_CREATE_ALWAYS, 0, 0, o),
            shmap_thread_create(native_block, &never, 0, 0, o, NULL),
            shmap_thread_create(native_block, &never, 0, 0, NULL, NULL),
            shmap_process_open((uint32_t)getpid(), SHMAP_PROCESS_ALL_ACCESS, 0, o),
            shmap_std_handle(1, o),
            shmap_cmdline_split("a b", o),
        };
        for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++)
            ASSERT_EQ(rs[k] * 1000 + (int)k * 10 + i, -EFAULT * 1000 + (int)k * 10 + i);
        ASSERT_EQ(access(path, F_OK), -1); /* no file made */
    }
    uint32_t tid;
    shmap_handle_t t;
    ASSERT_EQ(shmap_thread_create(native_block, &never, 0, 0, &t, bp(&b, 2, 4)), -EFAULT);
    ASSERT_EQ(count_tasks(), tasks);
    ASSERT_EQ(count_ns_entries(), ns);
    ASSERT_EQ(count_fds(), fds);
    ASSERT_EQ(shmap_thread_create(native_block, &never, 0, 0, &t, &tid), 0);
    ASSERT_EQ(shmap_event_set(never, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &t, 0, 20000), SHMAP_WAIT_OBJECT_0);
    ASSERT_EQ(shmap_close(t), 0);
    bad_free(&b);
    ASSERT_EQ(shmap_close(never), 0);
    ASSERT_EQ(shmap_close(ev), 0);
}

TEST(bounds_native_queries_into_memory_that_is_not_there_change_nothing)
{
    shmap_handle_t ev, mu, se, ti, jo, ma, th, fi, pr, never, first = SHMAP_NULL_HANDLE;
    ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &ev), 0);
    ASSERT_EQ(shmap_event_create(NULL, SHMAP_EVENT_MANUAL_RESET, SHMAP_EVENT_ALL_ACCESS, 0, &never),
              0);
    ASSERT_EQ(shmap_mutex_create(NULL, 0, SHMAP_MUTEX_ALL_ACCESS, 0, &mu), 0);
    ASSERT_EQ(shmap_semaphore_create(NULL, 0, 5, SHMAP_SEMAPHORE_ALL_ACCESS, 0, &se), 0);
    ASSERT_EQ(shmap_timer_create(NULL, 0, SHMAP_TIMER_ALL_ACCESS, 0, &ti), 0);
    ASSERT_EQ(shmap_job_create(NULL, SHMAP_JOB_ALL_ACCESS, 0, &jo), 0);
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 4096, 0, &ma), 0);
    ASSERT_EQ(shmap_thread_create(native_block, &never, SHMAP_THREAD_SUSPENDED, 0, &th, NULL), 0);
    ASSERT_EQ(shmap_process_open((uint32_t)getpid(), SHMAP_PROCESS_ALL_ACCESS, 0, &pr), 0);
    char path[64];
    snprintf(path, sizeof path, "/dev/shm/shmap-bounds-q-%d", (int)getpid());
    ASSERT_EQ(shmap_file_open(path, SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE, 0,
                              SHMAP_CREATE_ALWAYS, 0, 0, &fi),
              0);
    uint32_t did;
    ASSERT_EQ(shmap_file_write(fi, "0123456789", 10, &did), 0);
    ASSERT_EQ(shmap_file_seek(fi, 3, SHMAP_FILE_BEGIN, NULL), 0);
    shmap_job_limits_t lim = {.flags = SHMAP_JOB_LIMIT_ACTIVE_PROCESS, .active_processes = 3};
    ASSERT_EQ(shmap_job_set_limits(jo, &lim, 1), 0);
    struct bad b = bad_pages();
    size_t count;
    uint32_t pids[4];
    for (int i = 0; i < NBAD; i++) {
#define O(type) bp(&b, i, sizeof(type)) /* the i-th bad place for one type */
        int opt = i == 0 ? 0 : -EFAULT; /* optional outputs may be NULL */
        int rs[][2] = {
            {shmap_event_set(ev, O(int)), opt},
            {shmap_event_query(ev, O(int), NULL), opt},
            {shmap_event_query(ev, NULL, O(int)), opt},
            {shmap_mutex_query(mu, O(shmap_mutex_info_t)), -EFAULT},
            {shmap_semaphore_release(se, 1, O(int32_t)), opt},
            {shmap_semaphore_query(se, O(int32_t), NULL), opt},
            {shmap_timer_query(ti, NULL, NULL, O(uint64_t)), opt},
            {shmap_job_query(jo, O(shmap_job_info_t)), -EFAULT},
            {shmap_job_get_limits(jo, O(shmap_job_limits_t)), -EFAULT},
            {shmap_job_set_limits(jo, O(shmap_job_limits_t), 1),
             i == 2 ? 0 : -EFAULT},                                   /* read-only: readable */
            {shmap_job_pids(jo, O(uint32_t[4]), 4, &count), -EFAULT}, /* room for 4: not NULL */
            {shmap_job_pids(jo, pids, 4, O(size_t)), -EFAULT},
            {shmap_job_contains(pr, jo, O(int)), -EFAULT},
            {shmap_mapping_query(ma, O(shmap_mapping_info_t)), -EFAULT},
            {shmap_thread_resume(th, O(uint32_t)), opt},
            {shmap_thread_exit_code(th, O(uint32_t)), -EFAULT},
            {shmap_thread_id(th, O(uint32_t)), -EFAULT},
            {shmap_process_id(pr, O(uint32_t)), -EFAULT},
            {shmap_process_exit_code(pr, O(uint32_t)), -EFAULT},
            {shmap_file_seek(fi, 0, SHMAP_FILE_END, O(uint64_t)), opt},
            {shmap_file_size(fi, O(uint64_t)), -EFAULT},
            {shmap_file_read(fi, pids, 4, O(uint32_t)), opt},
        };
        for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++)
            ASSERT_EQ(rs[k][0] * 1000 + (int)k * 10 + i, rs[k][1] * 1000 + (int)k * 10 + i);
#undef O
        if (i == 0) { /* the NULLs that were allowed did their work: undo it */
            ASSERT_EQ(shmap_event_reset(ev, NULL), 0);
            ASSERT_EQ(shmap_wait(1, &se, 0, 0), SHMAP_WAIT_OBJECT_0);
            ASSERT_EQ(shmap_file_seek(fi, 3, SHMAP_FILE_BEGIN, NULL), 0);
            shmap_handle_t again;
            ASSERT_EQ(
                shmap_thread_create(native_block, &never, SHMAP_THREAD_SUSPENDED, 0, &again, NULL),
                0);
            first = th; /* resumed: it waits on `never` too, until the end */
            th = again;
        }
        ASSERT_EQ(shmap_job_set_limits(jo, &lim, 1), 0);
    }
    /* nothing changed */
    int sig = 7, manual = 7;
    ASSERT_EQ(shmap_event_query(ev, &manual, &sig), 0);
    ASSERT_EQ(sig, 0);
    int32_t c = 7;
    ASSERT_EQ(shmap_semaphore_query(se, &c, NULL), 0);
    ASSERT_EQ(c, 0);
    uint64_t pos;
    ASSERT_EQ(shmap_file_seek(fi, 0, SHMAP_FILE_CURRENT, &pos), 0);
    ASSERT_EQ(pos, 3);
    uint32_t prev = 7;
    ASSERT_EQ(shmap_thread_resume(th, &prev), 0); /* it was still suspended */
    ASSERT_EQ(prev, 1);
    ASSERT_EQ(shmap_event_set(never, NULL), 0);
    ASSERT_EQ(shmap_wait(1, &th, 0, 20000), SHMAP_WAIT_OBJECT_0);
    /* and the first thread, whose wait held the event's record (a test that
     * counted descriptors before it ended saw the event's one as leaked) */
    ASSERT_EQ(shmap_wait(1, &first, 0, 20000), SHMAP_WAIT_OBJECT_0);
    bad_free(&b);
    shmap_handle_t all[] = {ev, mu, se, ti, jo, ma, th, fi, pr, never, first};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        ASSERT_EQ(shmap_close(all[k]), 0);
    ASSERT_EQ(unlink(path), 0);
}

/* ---- the handle table ------------------------------------------------------- */

/* DESIGN.md §4/§5: the table has room for 16 Mi values, as Windows, but a
 * process makes only [0, SHMAP_REMOTE_BASE) itself (4 Mi handles, values 4
 * to 0x1000000); the values above are kept for handles other processes put
 * into it.  The next one fails with ERROR_TOO_MANY_OPEN_FILES (4), and a
 * closed value is given again (N, N + 1).  ~400 MB and a few seconds. */
#define REMOTE_BASE 0x400000u /* SHMAP_REMOTE_BASE (src/internal.h) */
TEST_T(bounds_a_process_makes_4mi_handles_and_the_next_is_4, 300)
{
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(e);
    size_t first = (uintptr_t)e / 4 - 1, n = 1; /* handles of ours: [first, REMOTE_BASE) */
    HANDLE d = NULL, last = e;
    while (DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &d, 0, FALSE,
                           DUPLICATE_SAME_ACCESS)) {
        last = d;
        n++;
    }
    ASSERT_EQ_U(LE(), ERROR_TOO_MANY_OPEN_FILES);
    ASSERT_EQ(first, 0);
    ASSERT_EQ(n, REMOTE_BASE);
    ASSERT_EQ((uintptr_t)last, (uintptr_t)REMOTE_BASE * 4);
    POISON_LE();
    ASSERT_NULL(CreateEventA(NULL, TRUE, FALSE, NULL));
    ASSERT_EQ_U(LE(), ERROR_TOO_MANY_OPEN_FILES);
    HANDLE mid = (HANDLE)(uintptr_t)(REMOTE_BASE / 2 * 4);
    ASSERT_TRUE(CloseHandle(mid));
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &d, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    ASSERT_PTR_EQ(d, mid);
    ASSERT_TRUE(!DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &d, 0, FALSE,
                                 DUPLICATE_SAME_ACCESS));
    for (uintptr_t v = (uintptr_t)e + 4; v <= (uintptr_t)last; v += 4)
        ASSERT_TRUE(CloseHandle((HANDLE)v));
    ASSERT_TRUE(CloseHandle(e));
}

/* ---- the probe ---------------------------------------------------------------- */

static void probe_answers(void)
{
    int local = 5;
    static long global = 6;
    char *heap = malloc(64);
    ASSERT_NOT_NULL(heap);
    memset(heap, 7, 64);
    ASSERT_EQ(shmap__probe_write(&local, sizeof local), 0);
    ASSERT_EQ(shmap__probe_write(&global, sizeof global), 0);
    ASSERT_EQ(shmap__probe_write(heap, 64), 0);
    ASSERT_EQ(shmap__probe_read(heap, 64), 0);
    ASSERT_EQ(local * 100 + (int)global * 10 + heap[63], 567); /* written back as they were */
    struct bad b = bad_pages();
    for (int i = 0; i < NBAD; i++) {
        ASSERT_EQ(shmap__probe_write(bp(&b, i, 16), 16) * 10 + i, -EFAULT * 10 + i);
        ASSERT_EQ(shmap__probe_read(bp(&b, i, 16), 16) * 10 + i, (i == 2 ? 0 : -EFAULT) * 10 + i);
    }
    ASSERT_EQ(shmap__probe_write((void *)65535, 1), -EFAULT);
    ASSERT_EQ(shmap__probe_write(NULL, 0), 0); /* nothing to touch, as NT */
    ASSERT_EQ(shmap__probe_write(heap, SIZE_MAX), -EFAULT);
    ASSERT_EQ(shmap__probe_write(heap + 32, SIZE_MAX - (uintptr_t)heap), -EFAULT);
    ASSERT_EQ(shmap__probe_write(b.base + 2 * 4096, 4096), 0);
    ASSERT_EQ(shmap__probe_write(b.base + 2 * 4096, 4097), -EFAULT);
    ASSERT_EQ(shmap__probe_read(b.base, 3 * 4096), -EFAULT); /* the PROT_NONE page between */
    /* out-parameters: NULL and misaligned too */
    ASSERT_EQ(shmap__probe_out(NULL, 0, 1), -EFAULT);
    ASSERT_EQ(shmap__probe_out(heap + 1, 4, 4), -EFAULT);
    ASSERT_EQ(shmap__probe_out(heap + 4, 4, 4), 0);
    ASSERT_EQ(SHMAP_PROBE_OUT(&global), 0);
    /* a read-only shared file mapping: readable, not writable */
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    ASSERT_TRUE(ro != MAP_FAILED);
    ASSERT_EQ(shmap__probe_read(ro, 4096), 0);
    ASSERT_EQ(shmap__probe_write(ro + 100, 1), -EFAULT);
    ASSERT_EQ(munmap(ro, 4096), 0);
    close(fd);
    bad_free(&b);
    free(heap);
}

TEST(probe_tells_memory_that_is_there_from_memory_that_is_not)
{
    probe_answers();
}

static void *probe_thread(void *arg)
{
    probe_answers();
    return arg;
}

static volatile int on_altstack_result = 1;

static void on_usr1(int sig)
{
    volatile int local = 3; /* on the signal stack: outside the thread's stack */
    on_altstack_result = shmap__probe_write((void *)&local, sizeof local) * 10 +
                         shmap__probe_write((void *)16, 4) + (local - 3);
    (void)sig;
}

TEST(probe_answers_the_same_in_a_thread_and_on_a_signal_stack)
{
    pthread_attr_t at;
    pthread_t t;
    ASSERT_EQ(pthread_attr_init(&at), 0);
    ASSERT_EQ(pthread_attr_setstacksize(&at, 256 * 1024), 0);
    ASSERT_EQ(pthread_create(&t, &at, probe_thread, NULL), 0);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&at);
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
    ASSERT_NOT_NULL(ss.ss_sp);
    ASSERT_EQ(sigaltstack(&ss, NULL), 0);
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
    ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    ASSERT_EQ(raise(SIGUSR1), 0);
    ASSERT_EQ(on_altstack_result, -EFAULT);
}

TEST(probe_in_a_forked_child_asks_about_the_child)
{
    char *heap = malloc(64);
    ASSERT_NOT_NULL(heap);
    ASSERT_EQ(shmap__probe_write(heap, 64), 0); /* the parent's pid is known now */
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(page != MAP_FAILED);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) { /* the parent still has the page: a probe of the parent says 0 */
        int ok = munmap(page, 4096) == 0 && shmap__probe_write(page, 1) == -EFAULT &&
                 shmap__probe_read(page, 1) == -EFAULT && shmap__probe_write(heap, 64) == 0;
        _exit(ok ? 0 : 1);
    }
    expect_exit(pid, 0, 30);
    ASSERT_EQ(shmap__probe_write(page, 1), 0);
    ASSERT_EQ(munmap(page, 4096), 0);
    free(heap);
}

/* A process where process_vm_readv/writev and the futex probe are refused (a
 * seccomp filter, as some containers have): the probes fall back to pipes
 * and answer the same. */
static int deny_process_vm(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_readv, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_process_vm_writev, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_futex, 0, 2),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

TEST(probe_without_process_vm_falls_back_to_pipes)
{
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (!deny_process_vm())
            _exit(77);
        struct iovec v = {&pid, sizeof pid};
        if (process_vm_readv(getpid(), &v, 1, &v, 1, 0) != -1 || errno != EPERM)
            _exit(2);
        int fds = count_fds();
        probe_answers(); /* fails the child (exit 1) on a wrong answer */
        _exit(count_fds() == fds ? 0 : 3);
    }
    int st = wait_pid(pid, 30);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
        SKIP("no seccomp filters here");
    ASSERT_TRUE(WIFEXITED(st));
    ASSERT_EQ(WEXITSTATUS(st), 0);
}
