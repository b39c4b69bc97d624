/*
 * test-win32-conformance.c - the reference's §18 edge cases (items 1-91
 * that concern file mappings, views, lifetime and handles), through the
 * Win32 face: return values and GetLastError() after poisoning it.
 */
#include "harness.h"

#include <pthread.h>
#include <windows.h>

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()
#define PF INVALID_HANDLE_VALUE

static HANDLE cfm(DWORD prot, DWORD lo, const char *name)
{
    POISON_LE();
    return CreateFileMappingA(PF, NULL, prot, 0, lo, name);
}

static void expect_null(HANDLE h, DWORD err)
{
    ASSERT_NULL(h);
    ASSERT_EQ_U(LE(), err);
}

TEST(w32_creation_items_1_to_16)
{
    expect_null(cfm(PAGE_READWRITE, 0, NULL), ERROR_INVALID_PARAMETER); /* 1 */
    HANDLE x = cfm(PAGE_READWRITE, 4096, "X");
    ASSERT_NOT_NULL(x);
    ASSERT_EQ_U(LE(), 0);                                                               /* 10 */
    expect_null(cfm(PAGE_READWRITE, 0, "X"), ERROR_INVALID_PARAMETER);                  /* 2 */
    expect_null(cfm(PAGE_NOACCESS, 4096, NULL), ERROR_INVALID_PARAMETER);               /* 3 */
    expect_null(cfm(PAGE_EXECUTE, 4096, NULL), ERROR_INVALID_PARAMETER);                /* 4 */
    expect_null(cfm(PAGE_READWRITE | PAGE_GUARD, 4096, NULL), ERROR_INVALID_PARAMETER); /* 5 */
    expect_null(cfm(PAGE_READWRITE | SEC_RESERVE | SEC_COMMIT, 4096, NULL),
                ERROR_INVALID_PARAMETER);
    expect_null(cfm(PAGE_READWRITE | SEC_NOCACHE, 4096, NULL), ERROR_INVALID_PARAMETER); /* 7 */
    expect_null(cfm(PAGE_READONLY | SEC_IMAGE, 4096, NULL), ERROR_BAD_EXE_FORMAT);       /* 8 */
    HANDLE y = cfm(PAGE_READWRITE, 4096, "X");                                           /* 11 */
    ASSERT_NOT_NULL(y);
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    ASSERT_PTR_NE(x, y);
    ASSERT_TRUE(CloseHandle(y));
    ASSERT_TRUE(CloseHandle(x));
    HANDLE a = cfm(PAGE_READWRITE, 65536, "X"), b = cfm(PAGE_READWRITE, 1 << 20, "X"); /* 12 */
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    void *v = MapViewOfFile(b, FILE_MAP_READ, 0, 0, 0);
    MEMORY_BASIC_INFORMATION mbi;
    ASSERT_EQ(VirtualQuery(v, &mbi, sizeof mbi), sizeof mbi);
    ASSERT_EQ(mbi.RegionSize, 0x10000);
    ASSERT_TRUE(UnmapViewOfFile(v));
    HANDLE ro = cfm(PAGE_READONLY, 65536, "X"); /* 13 */
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(ro, FILE_MAP_WRITE, 0, 0, 0));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(ro);
    CloseHandle(b);
    CloseHandle(a);
    HANDLE p = cfm(PAGE_READWRITE, 4096, "Wine Test Mapping"); /* 16 */
    HANDLE q = cfm(PAGE_READWRITE, 4096, "WINE TEST MAPPING");
    ASSERT_EQ_U(LE(), 0);
    CloseHandle(p);
    CloseHandle(q);
}

TEST(w32_view_size_of_0x3457_section_is_0x4000) /* 9 */
{
    HANDLE h = cfm(PAGE_READWRITE, 0x3457, NULL);
    void *v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(v, &m, sizeof m);
    ASSERT_EQ(m.RegionSize, 0x4000);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

TEST(w32_names_items_26_to_36)
{
    char n260[261], n259[260];
    memset(n260, 'a', 260);
    n260[260] = 0;
    memset(n259, 'a', 259);
    n259[259] = 0;
    expect_null(cfm(PAGE_READWRITE, 4096, n260), ERROR_FILENAME_EXCED_RANGE); /* 26 */
    HANDLE h = cfm(PAGE_READWRITE, 4096, n259);
    ASSERT_NOT_NULL(h);
    CloseHandle(h);
    wchar_t w1000[1001];
    for (int i = 0; i < 1000; i++)
        w1000[i] = L'w';
    w1000[1000] = 0;
    POISON_LE();
    h = CreateFileMappingW(PF, NULL, PAGE_READWRITE, 0, 4096, w1000); /* 27 */
    ASSERT_NOT_NULL(h);
    ASSERT_EQ_U(LE(), 0);
    CloseHandle(h);
    expect_null(cfm(PAGE_READWRITE, 4096, "a\\b"), ERROR_PATH_NOT_FOUND);          /* 28 */
    expect_null(cfm(PAGE_READWRITE, 4096, "\\lead"), ERROR_BAD_PATHNAME);          /* 29 */
    expect_null(cfm(PAGE_READWRITE, 4096, "Local\\"), ERROR_INVALID_NAME);         /* 30 */
    expect_null(cfm(PAGE_READWRITE, 4096, "Local"), ERROR_INVALID_HANDLE);         /* 31 */
    HANDLE e1 = cfm(PAGE_READWRITE, 4096, ""), e2 = cfm(PAGE_READWRITE, 4096, ""); /* 32 */
    ASSERT_EQ_U(LE(), 0);
    CloseHandle(e1);
    CloseHandle(e2);
    HANDLE l = cfm(PAGE_READWRITE, 4096, "Local\\x"); /* 33 */
    POISON_LE();
    HANDLE o = OpenFileMappingA(FILE_MAP_READ, FALSE, "x");
    ASSERT_NOT_NULL(o);
    ASSERT_EQ_U(LE(), 0xdeadbeef); /* a successful Open does not touch last error */
    CloseHandle(o);
    POISON_LE();
    expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "local\\x"), ERROR_PATH_NOT_FOUND); /* 35 */
    CloseHandle(l);
    if (geteuid() == 0) {
        HANDLE g = cfm(PAGE_READWRITE, 4096, "Global\\g"); /* 34 */
        POISON_LE();
        expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "g"), ERROR_FILE_NOT_FOUND);
        CloseHandle(g);
    }
    wchar_t wl[] = L"Local\\wide-\x00e9";
    POISON_LE();
    HANDLE wh = CreateFileMappingW(PF, NULL, PAGE_READWRITE, 0, 4096, wl);
    ASSERT_NOT_NULL(wh);
    POISON_LE();
    HANDLE ah =
        OpenFileMappingA(FILE_MAP_READ, FALSE, "wide-\xc3\xa9"); /* the same name in UTF-8 */
    ASSERT_NOT_NULL(ah);
    CloseHandle(ah);
    CloseHandle(wh);
}

TEST(w32_open_items_37_to_45)
{
    POISON_LE();
    expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, NULL), ERROR_INVALID_PARAMETER); /* 37 */
    POISON_LE();
    expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "none"), ERROR_FILE_NOT_FOUND); /* 38 */
    POISON_LE();
    expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, ""), ERROR_INVALID_HANDLE);
    HANDLE c = cfm(PAGE_READWRITE, 65536, "X"), h;
    h = OpenFileMappingA(FILE_MAP_READ, FALSE, "X"); /* 40 */
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(h);
    h = OpenFileMappingA(FILE_MAP_WRITE, FALSE, "X"); /* 41 */
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    void *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    UnmapViewOfFile(v);
    CloseHandle(h);
    h = OpenFileMappingA(FILE_MAP_COPY, FALSE, "X"); /* 42 */
    v = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    UnmapViewOfFile(v);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(h);
    h = OpenFileMappingA(FILE_MAP_READ | FILE_MAP_EXECUTE, FALSE, "X"); /* 43 */
    ASSERT_NOT_NULL(h);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ | FILE_MAP_EXECUTE, 0, 0, 0));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(h);
    POISON_LE();
    expect_null(OpenFileMappingA(0, FALSE, "X"), ERROR_ACCESS_DENIED); /* 44 */
    h = OpenFileMappingA(FILE_MAP_READ, TRUE, "X");                    /* 45 */
    DWORD fl = 99;
    ASSERT_TRUE(GetHandleInformation(h, &fl));
    ASSERT_EQ_U(fl, HANDLE_FLAG_INHERIT);
    CloseHandle(h);
    CloseHandle(c);
}

TEST(w32_views_items_47_to_76)
{
    HANDLE h = cfm(PAGE_READWRITE, 1 << 20, NULL);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 4096, 0)); /* 47 */
    ASSERT_EQ_U(LE(), ERROR_MAPPED_ALIGNMENT);
    char *v = MapViewOfFile(h, FILE_MAP_READ, 0, 65536, 0); /* 48 */
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(v, &m, sizeof m);
    ASSERT_EQ(m.RegionSize, 0xF0000);
    UnmapViewOfFile(v);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 1 << 20, 0)); /* 49 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 0, (1 << 20) + 1)); /* 50 */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    v = MapViewOfFile(h, 0, 0, 0, 0); /* 52 */
    ASSERT_NOT_NULL(v);
    VirtualQuery(v, &m, sizeof m);
    ASSERT_EQ_U(m.AllocationProtect, PAGE_NOACCESS);
    UnmapViewOfFile(v);
    struct {
        DWORD a, p;
    } t[] = {{FILE_MAP_READ | FILE_MAP_COPY, PAGE_READONLY}, /* 54 */
             {FILE_MAP_COPY, PAGE_WRITECOPY},
             {FILE_MAP_WRITE | FILE_MAP_COPY, PAGE_READWRITE},
             {FILE_MAP_ALL_ACCESS, PAGE_READWRITE}}; /* 55 */
    for (int i = 0; i < 4; i++) {
        v = MapViewOfFile(h, t[i].a, 0, 0, 0);
        VirtualQuery(v, &m, sizeof m);
        ASSERT_EQ_U(m.AllocationProtect, t[i].p);
        ASSERT_EQ_U(m.Type, MEM_MAPPED); /* 64 */
        ASSERT_EQ_U(m.State, MEM_COMMIT);
        ASSERT_PTR_EQ(m.AllocationBase, v);
        UnmapViewOfFile(v);
    }
    char *w = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0),
         *c = MapViewOfFile(h, FILE_MAP_COPY, 0, 0, 0);
    c[0] = 2; /* 56 */
    ASSERT_EQ(w[0], 0);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_EXECUTE | FILE_MAP_READ, 0, 0, 0)); /* 57 */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, w + 4096)); /* 59 */
    ASSERT_EQ_U(LE(), ERROR_MAPPED_ALIGNMENT);
    POISON_LE();
    ASSERT_NULL(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, w)); /* 60 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    UnmapViewOfFile(c);
    ASSERT_TRUE(UnmapViewOfFile(w));
    ASSERT_PTR_EQ(MapViewOfFileEx(h, FILE_MAP_READ, 0, 0, 0, w), w); /* 61 */
    ASSERT_TRUE(UnmapViewOfFile(w + 4096 + 100));                    /* 71 */
    POISON_LE();
    ASSERT_TRUE(!UnmapViewOfFile(w)); /* 72 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    POISON_LE();
    ASSERT_TRUE(!UnmapViewOfFile((void *)0xdeadbeef));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    VirtualQuery(w, &m, sizeof m); /* 73 */
    ASSERT_EQ_U(m.State, MEM_FREE);
    ASSERT_EQ_U(m.Protect, PAGE_NOACCESS);
    ASSERT_NULL(m.AllocationBase);
    ASSERT_EQ_U(m.Type, 0);
    v = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    int local;
    ASSERT_TRUE(FlushViewOfFile(v, 0)); /* 74 */
    ASSERT_TRUE(FlushViewOfFile(&local, 4));
    POISON_LE();
    ASSERT_TRUE(!FlushViewOfFile(NULL, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    UnmapViewOfFile(v);
    CloseHandle(h);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(NULL, FILE_MAP_READ, 0, 0, 0)); /* 62 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(INVALID_HANDLE_VALUE, FILE_MAP_READ, 0, 0, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0)); /* closed handle */
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    SYSTEM_INFO si; /* 76 */
    GetSystemInfo(&si);
    ASSERT_EQ(si.dwAllocationGranularity, 65536);
    ASSERT_EQ(si.dwPageSize, 4096);
}

TEST(w32_reserve_items_65_to_69)
{
    HANDLE h = cfm(PAGE_READWRITE | SEC_RESERVE, 1 << 20, NULL);
    char *a = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0),
         *b = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    MEMORY_BASIC_INFORMATION m;
    VirtualQuery(a, &m, sizeof m); /* 65 */
    ASSERT_EQ_U(m.State, MEM_RESERVE);
    ASSERT_EQ_U(m.Protect, 0);
    ASSERT_EQ(m.RegionSize, 1 << 20);
    ASSERT_PTR_EQ(VirtualAlloc(a, 0x10000, MEM_COMMIT, PAGE_READONLY), a); /* 66 */
    VirtualQuery(b, &m, sizeof m);
    ASSERT_EQ_U(m.State, MEM_COMMIT);
    ASSERT_EQ_U(m.Protect, PAGE_READWRITE);
    POISON_LE();
    ASSERT_TRUE(!VirtualFree(a, 0x10000, MEM_DECOMMIT)); /* 67 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    char *r = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0); /* 68 */
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(r + 0x20000, 4096, MEM_COMMIT, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    UnmapViewOfFile(r);
    UnmapViewOfFile(a);
    UnmapViewOfFile(b);
    CloseHandle(h);
}

static char fpath[4200];

TEST(w32_files_items_17_to_25_and_75)
{
    snprintf(fpath, sizeof fpath, "%s/file", test_root());
    HANDLE f = CreateFileA(fpath, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    POISON_LE();
    expect_null(CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL),
                ERROR_FILE_INVALID);                                       /* 17 */
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 8192, NULL); /* 18 */
    ASSERT_NOT_NULL(m);
    ASSERT_EQ(GetFileSize(f, NULL), 8192);
    CloseHandle(m);
    POISON_LE();
    expect_null(CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 16384, NULL),
                ERROR_NOT_ENOUGH_MEMORY); /* 19 */
    m = CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL);
    char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_EQ(SetFilePointer(f, 4096, NULL, FILE_BEGIN), 4096);
    POISON_LE();
    ASSERT_TRUE(!SetEndOfFile(f)); /* 75 */
    ASSERT_EQ_U(LE(), ERROR_USER_MAPPED_FILE);
    UnmapViewOfFile(v);
    CloseHandle(m);
    ASSERT_TRUE(SetEndOfFile(f));
    CloseHandle(f);
    f = CreateFileA(fpath, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    POISON_LE();
    expect_null(CreateFileMappingA(f, NULL, PAGE_READWRITE, 0, 0, NULL),
                ERROR_ACCESS_DENIED);                            /* 20 */
    m = CreateFileMappingA(f, NULL, PAGE_WRITECOPY, 0, 0, NULL); /* 21 */
    ASSERT_NOT_NULL(m);
    CloseHandle(m);
    CloseHandle(f);
    f = CreateFileA(fpath, 0, 0, NULL, OPEN_EXISTING, 0, NULL);
    POISON_LE();
    expect_null(CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL),
                ERROR_ACCESS_DENIED); /* 22 */
    CloseHandle(f);
    HANDLE s = cfm(PAGE_READWRITE, 4096, NULL);
    POISON_LE();
    expect_null(CreateFileMappingA(s, NULL, PAGE_READONLY, 0, 0, NULL),
                ERROR_INVALID_HANDLE); /* 25 */
    CloseHandle(s);
    POISON_LE();
    ASSERT_TRUE(CreateFileA(fpath, GENERIC_READ, 0, NULL, CREATE_NEW, 0, NULL) ==
                INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(LE(), ERROR_FILE_EXISTS);
    POISON_LE();
    f = CreateFileA(fpath, GENERIC_READ, 0, NULL, OPEN_ALWAYS, 0, NULL);
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    CloseHandle(f);
    ASSERT_TRUE(DeleteFileA(fpath));
    POISON_LE();
    ASSERT_TRUE(!DeleteFileA(fpath));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
}

/* File-backed: SEC_NOCACHE or SEC_WRITECOMBINE needs SEC_COMMIT or
 * SEC_RESERVE (both ignored for files), and SEC_FILE is never accepted; on
 * a pagefile section the cache attributes with SEC_COMMIT stay valid. */
TEST(w32_file_mapping_sec_attributes)
{
    snprintf(fpath, sizeof fpath, "%s/secfile", test_root());
    HANDLE f = CreateFileA(fpath, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    const DWORD sec_file = 0x800000; /* SEC_FILE */
    const DWORD bad[] = {SEC_NOCACHE, SEC_WRITECOMBINE, sec_file, sec_file | SEC_RESERVE,
                         sec_file | SEC_COMMIT};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        POISON_LE();
        expect_null(CreateFileMappingA(f, NULL, PAGE_READWRITE | bad[i], 0, 4096, NULL),
                    ERROR_INVALID_PARAMETER);
    }
    const DWORD good[] = {0, SEC_COMMIT, SEC_RESERVE, SEC_COMMIT | SEC_NOCACHE,
                          SEC_RESERVE | SEC_WRITECOMBINE};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        HANDLE m = CreateFileMappingA(f, NULL, PAGE_READWRITE | good[i], 0, 4096, NULL);
        ASSERT_NOT_NULL(m);
        ASSERT_TRUE(CloseHandle(m));
    }
    CloseHandle(f);
    ASSERT_TRUE(DeleteFileA(fpath));
    HANDLE p = cfm(PAGE_READWRITE | SEC_COMMIT | SEC_NOCACHE, 4096, NULL);
    ASSERT_NOT_NULL(p);
    CloseHandle(p);
    expect_null(cfm(PAGE_READWRITE | sec_file, 4096, NULL), ERROR_INVALID_PARAMETER);
}

/* A pagefile section no machine can commit is too big (STATUS_SECTION_TOO_BIG,
 * ERROR_NOT_ENOUGH_MEMORY), committed or reserved; not the disk being full. */
TEST(w32_huge_pagefile_section_is_not_enough_memory)
{
    const DWORD attrs[] = {0, SEC_COMMIT, SEC_RESERVE};
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++) {
        POISON_LE(); /* 2^59 bytes */
        expect_null(CreateFileMappingA(PF, NULL, PAGE_READWRITE | attrs[i], 1u << 27, 0, NULL),
                    ERROR_NOT_ENOUGH_MEMORY);
        POISON_LE();
        expect_null(CreateFileMappingA(PF, NULL, PAGE_READWRITE | attrs[i], 0xFFFFFFFFu,
                                       0xFFFFFFFFu, "Huge"),
                    ERROR_NOT_ENOUGH_MEMORY);
    }
    HANDLE h = cfm(PAGE_READWRITE, 4096, "Huge"); /* nothing was left behind */
    ASSERT_NOT_NULL(h);
    ASSERT_EQ_U(LE(), 0);
    CloseHandle(h);
}

static DWORD protect_at(const void *p)
{
    MEMORY_BASIC_INFORMATION m;
    ASSERT_EQ(VirtualQuery(p, &m, sizeof m), sizeof m);
    return m.Protect;
}

/* Copy on write exists for views only: private memory refuses
 * PAGE_WRITECOPY and PAGE_EXECUTE_WRITECOPY, committing or protecting. */
TEST(w32_private_memory_refuses_writecopy)
{
    const DWORD wc[] = {PAGE_WRITECOPY, PAGE_EXECUTE_WRITECOPY};
    for (size_t i = 0; i < 2; i++) {
        POISON_LE();
        ASSERT_NULL(VirtualAlloc(NULL, 4096, MEM_COMMIT, wc[i]));
        ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
        POISON_LE();
        ASSERT_NULL(VirtualAlloc(NULL, 4096, MEM_RESERVE | MEM_COMMIT, wc[i]));
        ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    }
    char *p = VirtualAlloc(NULL, 8192, MEM_RESERVE, PAGE_READWRITE);
    ASSERT_NOT_NULL(p);
    ASSERT_TRUE(VirtualAlloc(p, 4096, MEM_COMMIT, PAGE_READWRITE) == p);
    for (size_t i = 0; i < 2; i++) {
        DWORD old = 0xdeadbeef;
        POISON_LE();
        ASSERT_TRUE(!VirtualProtect(p, 4096, wc[i], &old));
        ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
        ASSERT_EQ_U(old, 0xdeadbeef);
        ASSERT_EQ_U(protect_at(p), PAGE_READWRITE);
        POISON_LE(); /* committing the reserved page with it */
        ASSERT_NULL(VirtualAlloc(p + 4096, 4096, MEM_COMMIT, wc[i]));
        ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
        MEMORY_BASIC_INFORMATION m;
        ASSERT_EQ(VirtualQuery(p + 4096, &m, sizeof m), sizeof m);
        ASSERT_EQ_U(m.State, MEM_RESERVE);
    }
    p[0] = 1; /* still writable */
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
    HANDLE s = cfm(PAGE_READWRITE, 4096, NULL); /* a view still takes it */
    char *v = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, 0);
    DWORD old;
    ASSERT_TRUE(VirtualProtect(v, 4096, PAGE_WRITECOPY, &old));
    ASSERT_EQ_U(protect_at(v), PAGE_WRITECOPY);
    UnmapViewOfFile(v);
    CloseHandle(s);
}

/* VirtualProtect over committed and reserved pages fails as a whole
 * (STATUS_NOT_COMMITTED): the committed page keeps its protection. */
TEST(w32_protect_over_uncommitted_pages_changes_nothing)
{
    char *p = VirtualAlloc(NULL, 8192, MEM_RESERVE, PAGE_READWRITE);
    ASSERT_NOT_NULL(p);
    ASSERT_TRUE(VirtualAlloc(p, 4096, MEM_COMMIT, PAGE_READONLY) == p);
    DWORD old = 0xdeadbeef;
    POISON_LE();
    ASSERT_TRUE(!VirtualProtect(p, 8192, PAGE_READWRITE, &old));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    ASSERT_EQ_U(old, 0xdeadbeef);
    MEMORY_BASIC_INFORMATION m;
    ASSERT_EQ(VirtualQuery(p, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.State, MEM_COMMIT);
    ASSERT_EQ_U(m.Protect, PAGE_READONLY);
    ASSERT_EQ(m.RegionSize, 4096);
    ASSERT_EQ(VirtualQuery(p + 4096, &m, sizeof m), sizeof m);
    ASSERT_EQ_U(m.State, MEM_RESERVE);
    ASSERT_EQ_U(m.Protect, 0);
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
    HANDLE s = cfm(PAGE_READWRITE | SEC_RESERVE, 65536, NULL); /* the same on a view */
    char *v = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_TRUE(VirtualAlloc(v, 4096, MEM_COMMIT, PAGE_READONLY) == v);
    POISON_LE();
    ASSERT_TRUE(!VirtualProtect(v, 8192, PAGE_READWRITE, &old));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    ASSERT_EQ_U(protect_at(v), PAGE_READONLY);
    UnmapViewOfFile(v);
    CloseHandle(s);
}

/* MEM_RESET must stay inside its allocation (or view):
 * STATUS_CONFLICTING_ADDRESSES, ERROR_INVALID_ADDRESS. */
TEST(w32_reset_past_the_end_of_the_reservation)
{
    char *p = VirtualAlloc(NULL, 8192, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    ASSERT_NOT_NULL(p);
    p[0] = 7;
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(p, 0x20000, MEM_RESET, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(p + 4096, 8192, MEM_RESET, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    ASSERT_TRUE(VirtualAlloc(p, 8192, MEM_RESET, PAGE_READWRITE) == p); /* inside: fine */
    ASSERT_TRUE(VirtualFree(p, 0, MEM_RELEASE));
    HANDLE s = cfm(PAGE_READWRITE, 65536, NULL);
    char *v = MapViewOfFile(s, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_TRUE(VirtualAlloc(v, 65536, MEM_RESET, PAGE_READWRITE) == v);
    POISON_LE();
    ASSERT_NULL(VirtualAlloc(v + 4096, 65536, MEM_RESET, PAGE_READWRITE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_ADDRESS);
    UnmapViewOfFile(v);
    CloseHandle(s);
}

/* ReadFile with an OVERLAPPED (on a synchronous handle: the position) at
 * or past the end: NtReadFile's STATUS_END_OF_FILE in ov.Internal, 0 in
 * InternalHigh, FALSE and ERROR_HANDLE_EOF (38); the same read without an
 * OVERLAPPED is success with 0 bytes.  A read that ends short of the end,
 * and a write, leave STATUS_SUCCESS and the byte count there. */
static OVERLAPPED ov_at(DWORD hi, DWORD lo)
{
    OVERLAPPED ov;
    memset(&ov, 0x5a, sizeof ov);
    ov.Offset = lo;
    ov.OffsetHigh = hi;
    ov.hEvent = NULL;
    return ov;
}

TEST(w32_readfile_overlapped_at_end_of_file_is_handle_eof)
{
    char path[4200], buf[16];
    snprintf(path, sizeof path, "%s/eof", test_root());
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    DWORD n = 0;
    OVERLAPPED ov = ov_at(0, 0);
    ASSERT_TRUE(WriteFile(f, "0123456789", 10, &n, &ov));
    ASSERT_EQ(n, 10);
    ASSERT_EQ_U(ov.Internal, STATUS_SUCCESS);
    ASSERT_EQ_U(ov.InternalHigh, 10);
    ov = ov_at(0, 4); /* short of the end: what there is */
    POISON_LE();
    ASSERT_TRUE(ReadFile(f, buf, sizeof buf, &n, &ov));
    ASSERT_EQ(n, 6);
    ASSERT_MEM_EQ(buf, "456789", 6);
    ASSERT_EQ_U(ov.Internal, STATUS_SUCCESS);
    ASSERT_EQ_U(ov.InternalHigh, 6);
    const DWORD at[][2] = {{0, 10}, {0, 11}, {0, 4096}, {1, 0}}; /* end, past it, past 4 GiB */
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        ov = ov_at(at[i][0], at[i][1]);
        n = 77;
        POISON_LE();
        ASSERT_TRUE(!ReadFile(f, buf, sizeof buf, &n, &ov));
        ASSERT_EQ_U(LE(), ERROR_HANDLE_EOF);
        ASSERT_EQ(n, 0);
        ASSERT_EQ_U(ov.Internal, 0xC0000011u); /* STATUS_END_OF_FILE, zero-extended */
        ASSERT_TRUE((NTSTATUS)ov.Internal == STATUS_END_OF_FILE);
        ASSERT_EQ_U(ov.InternalHigh, 0);
    }
    ov = ov_at(0, 10); /* nothing asked for: nothing to fail */
    ASSERT_TRUE(ReadFile(f, buf, 0, &n, &ov));
    ASSERT_EQ(n, 0);
    ASSERT_EQ_U(ov.Internal, STATUS_SUCCESS);
    /* without an OVERLAPPED, the end of the file is success with 0 bytes */
    ASSERT_EQ(SetFilePointer(f, 0, NULL, FILE_END), 10);
    n = 77;
    ASSERT_TRUE(ReadFile(f, buf, sizeof buf, &n, NULL));
    ASSERT_EQ(n, 0);
    ASSERT_EQ(SetFilePointer(f, 100, NULL, FILE_BEGIN), 100);
    ASSERT_TRUE(ReadFile(f, buf, sizeof buf, &n, NULL));
    ASSERT_EQ(n, 0);
    ASSERT_TRUE(CloseHandle(f));
    ASSERT_TRUE(DeleteFileA(path));
}

TEST(w32_lifetime_items_77_to_79)
{
    HANDLE h = cfm(PAGE_READWRITE, 65536, "L");
    char *v = MapViewOfFile(h, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(v, "old");
    CloseHandle(h);
    POISON_LE();
    expect_null(OpenFileMappingA(FILE_MAP_READ, FALSE, "L"), ERROR_FILE_NOT_FOUND); /* 77 */
    ASSERT_STR_EQ(v, "old");
    h = cfm(PAGE_READWRITE, 65536, "L"); /* 78 */
    ASSERT_EQ_U(LE(), 0);
    char *n = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0);
    ASSERT_EQ(n[0], 0);
    ASSERT_STR_EQ(v, "old");
    UnmapViewOfFile(n);
    UnmapViewOfFile(v);
    CloseHandle(h);
}

TEST(w32_handles_items_81_to_83)
{
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(NULL)); /* 81 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!CloseHandle((HANDLE)(uintptr_t)0xdead0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(CloseHandle(INVALID_HANDLE_VALUE)); /* 82 */
    ASSERT_TRUE(CloseHandle(GetCurrentProcess()));
    HANDLE h = cfm(PAGE_READWRITE, 4096, NULL);
    ASSERT_TRUE(
        SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(h)); /* 83 */
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    void *still = MapViewOfFile(h, FILE_MAP_READ, 0, 0, 0); /* the handle still works */
    ASSERT_NOT_NULL(still);
    ASSERT_TRUE(UnmapViewOfFile(still));
    DWORD f;
    ASSERT_TRUE(SetHandleInformation(h, 0xFF, 0xFF));
    ASSERT_TRUE(GetHandleInformation(h, &f));
    ASSERT_EQ_U(f, 3);
    ASSERT_TRUE(SetHandleInformation(h, ~0u, 0));
    ASSERT_TRUE(GetHandleInformation(h, &f));
    ASSERT_EQ_U(f, 0);
    ASSERT_TRUE(CloseHandle(h));
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(h));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!GetHandleInformation(h, &f));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(GetHandleInformation(GetCurrentProcess(), &f));
    ASSERT_EQ_U(f, 0);
    POISON_LE();
    ASSERT_TRUE(!SetHandleInformation(GetCurrentProcess(), 1, 1));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
}

static DWORD hflags(HANDLE h)
{
    DWORD f = 0xdead;
    ASSERT_TRUE(GetHandleInformation(h, &f));
    return f;
}

/* DuplicateHandle(DUPLICATE_CLOSE_SOURCE) within the process: the source's
 * value comes back (the handle moves), with the new access and flags; a
 * protected source is not closed and the duplicate gets a value of its own
 * (item 84).  The object keeps exactly one handle throughout. */
TEST(w32_duplicate_close_source_within_the_process_keeps_the_value)
{
    HANDLE me = GetCurrentProcess(), d = NULL, d2 = NULL;
    HANDLE h = cfm(PAGE_READWRITE, 4096, "dupmove");
    ASSERT_NOT_NULL(h);
    ASSERT_TRUE(DuplicateHandle(me, h, me, &d, FILE_MAP_READ, FALSE, DUPLICATE_CLOSE_SOURCE));
    ASSERT_PTR_EQ(d, h);
    ASSERT_EQ_U(hflags(d), 0);
    POISON_LE();
    ASSERT_NULL(MapViewOfFile(d, FILE_MAP_WRITE, 0, 0, 0)); /* the access asked for */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    void *v = MapViewOfFile(d, FILE_MAP_READ, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    ASSERT_TRUE(UnmapViewOfFile(v));
    /* the same access, inheritable */
    ASSERT_TRUE(
        DuplicateHandle(me, d, me, &d2, 0, TRUE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    ASSERT_PTR_EQ(d2, h);
    ASSERT_EQ_U(hflags(d2), HANDLE_FLAG_INHERIT);
    /* protected: the source stays, the duplicate is another handle */
    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, ~0u));
    ASSERT_TRUE(
        DuplicateHandle(me, h, me, &d, 0, FALSE, DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    ASSERT_PTR_NE(d, h);
    ASSERT_EQ_U(hflags(d), 0); /* protection is not copied */
    ASSERT_EQ_U(hflags(h), HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
    ASSERT_TRUE(CloseHandle(d));
    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    /* one handle: closing it ends the object and its name */
    ASSERT_TRUE(CloseHandle(h));
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(h));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, "dupmove"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);

    /* a handle used just before (a thread's cached lookup) moves to less
     * access: the old access is not used any more */
    HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_TRUE(SetEvent(e));
    ASSERT_TRUE(ResetEvent(e));
    ASSERT_TRUE(DuplicateHandle(me, e, me, &d, SYNCHRONIZE, FALSE, DUPLICATE_CLOSE_SOURCE));
    ASSERT_PTR_EQ(d, e);
    POISON_LE();
    ASSERT_TRUE(!SetEvent(d));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_EQ_U(WaitForSingleObject(d, 0), WAIT_TIMEOUT);
    ASSERT_TRUE(CloseHandle(d));
    POISON_LE();
    ASSERT_EQ_U(WaitForSingleObject(d, 0), WAIT_FAILED);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
}

/* DUPLICATE_SAME_ATTRIBUTES (4): the new handle gets the source's
 * HANDLE_FLAG_INHERIT and HANDLE_FLAG_PROTECT_FROM_CLOSE; bInheritHandle is
 * not looked at. */
TEST(w32_duplicate_same_attributes_copies_the_handle_flags)
{
    HANDLE me = GetCurrentProcess(), d = NULL;
    ASSERT_EQ(DUPLICATE_SAME_ATTRIBUTES, 4);
    HANDLE h = cfm(PAGE_READWRITE, 4096, NULL);
    ASSERT_TRUE(
        DuplicateHandle(me, h, me, &d, 0, TRUE, DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES));
    ASSERT_EQ_U(hflags(d), 0); /* the source's 0, not bInheritHandle */
    ASSERT_TRUE(CloseHandle(d));
    ASSERT_TRUE(SetHandleInformation(h, 3, 3));
    ASSERT_TRUE(DuplicateHandle(me, h, me, &d, 0, FALSE,
                                DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES));
    ASSERT_PTR_NE(d, h);
    ASSERT_EQ_U(hflags(d), HANDLE_FLAG_INHERIT | HANDLE_FLAG_PROTECT_FROM_CLOSE);
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(d)); /* protected, as the source */
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(SetHandleInformation(d, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    ASSERT_TRUE(CloseHandle(d));
    /* only the inherit flag */
    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    ASSERT_TRUE(DuplicateHandle(me, h, me, &d, FILE_MAP_READ, FALSE, DUPLICATE_SAME_ATTRIBUTES));
    ASSERT_EQ_U(hflags(d), HANDLE_FLAG_INHERIT);
    ASSERT_TRUE(CloseHandle(d));
    /* with DUPLICATE_CLOSE_SOURCE: moved, its flags kept */
    ASSERT_TRUE(DuplicateHandle(me, h, me, &d, 0, FALSE,
                                DUPLICATE_SAME_ACCESS | DUPLICATE_SAME_ATTRIBUTES |
                                    DUPLICATE_CLOSE_SOURCE));
    ASSERT_PTR_EQ(d, h);
    ASSERT_EQ_U(hflags(d), HANDLE_FLAG_INHERIT);
    ASSERT_TRUE(CloseHandle(d));
}

static void *other_thread(void *arg)
{
    (void)arg;
    SetLastError(7);
    return (void *)(uintptr_t)GetLastError();
}

TEST(w32_last_error_is_per_thread_and_companions)
{
    SetLastError(42);
    pthread_t t;
    void *r;
    ASSERT_EQ(pthread_create(&t, NULL, other_thread, NULL), 0);
    pthread_join(t, &r);
    ASSERT_EQ((uintptr_t)r, 7);
    ASSERT_EQ_U(GetLastError(), 42);
    ASSERT_EQ(GetCurrentProcessId(), (DWORD)getpid());
    ULONGLONG t0 = GetTickCount64();
    Sleep(20);
    ASSERT_GE(GetTickCount64() - t0, 19); /* never early */
    LARGE_INTEGER f, c1, c2;
    ASSERT_TRUE(QueryPerformanceFrequency(&f));
    ASSERT_TRUE(QueryPerformanceCounter(&c1));
    ASSERT_TRUE(QueryPerformanceCounter(&c2));
    ASSERT_TRUE(f.QuadPart > 0 && c2.QuadPart >= c1.QuadPart);
    char *p = LocalAlloc(LPTR, 100);
    ASSERT_NOT_NULL(p);
    ASSERT_EQ(p[99], 0);
    ASSERT_NULL(LocalFree(p));
    char *msg = NULL;
    ASSERT_GT(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_ALLOCATE_BUFFER |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, ERROR_ACCESS_DENIED, 0, (LPSTR)&msg, 0, NULL),
              0);
    ASSERT_STR_EQ(msg, "Access is denied.\r\n");
    LocalFree(msg);
    ASSERT_EQ(sizeof(DWORD), 4);
    ASSERT_EQ(sizeof(LONG), 4);
    ASSERT_EQ(sizeof(HANDLE), sizeof(void *));
}
