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
#include <sys/mman.h>
#include <sys/wait.h>
#include <windows.h>

#include "shmap.h"

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()
#define PF INVALID_HANDLE_VALUE
#define USER_TOP ((uintptr_t)(sizeof(void *) == 8 ? 0x7ffffffff000ULL : 0xffffe000UL))

/* ---- sizes that wrap ------------------------------------------------------ */

TEST(bounds_virtualalloc_beyond_user_space_is_87_and_no_room_is_8)
{
    static const SIZE_T sizes[] = {SIZE_MAX, SIZE_MAX - 4095, (SIZE_T)USER_TOP + 1,
                                   (SIZE_T)1 << (sizeof(SIZE_T) * 8 - 1)};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
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
    ASSERT_EQ(shmap_vm_alloc(NULL, SIZE_MAX, SHMAP_MEM_RESERVE, SHMAP_PAGE_READWRITE, &out), -EINVAL);
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
    /* NT checks base and size before the handle */
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(NULL, FILE_MAP_READ, 0, 0, 0, kernel));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
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
