/*
 * test-win32-env.c - the process-local calls of the Win32 face: TLS, FLS,
 * heaps, GetCommandLine, GetModuleFileName, GetTempPath, GetTempFileName
 * (docs/win32-coverage.md, "Process-local calls").
 */
#include "harness.h"

#include <pthread.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <windows.h>

#include "shmap.h"

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()

/* ---- TLS ---------------------------------------------------------------------- */

struct tls_arg {
    DWORD index;
    uintptr_t mine;
    uintptr_t seen_before, seen_after;
};
static void *tls_thread(void *p)
{
    struct tls_arg *a = p;
    a->seen_before = (uintptr_t)TlsGetValue(a->index);
    TlsSetValue(a->index, (LPVOID)a->mine);
    Sleep(20);
    a->seen_after = (uintptr_t)TlsGetValue(a->index);
    return NULL;
}

TEST(tls_per_thread)
{
    DWORD i = TlsAlloc();
    ASSERT_NE(i, TLS_OUT_OF_INDEXES);
    ASSERT_TRUE(TlsSetValue(i, (LPVOID)7));
    struct tls_arg a = {i, 100, 1, 1}, b = {i, 200, 1, 1};
    pthread_t ta, tb;
    ASSERT_EQ(pthread_create(&ta, NULL, tls_thread, &a), 0);
    ASSERT_EQ(pthread_create(&tb, NULL, tls_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ASSERT_EQ(a.seen_before, 0);
    ASSERT_EQ(b.seen_before, 0);
    ASSERT_EQ(a.seen_after, 100);
    ASSERT_EQ(b.seen_after, 200);
    POISON_LE();
    ASSERT_EQ((uintptr_t)TlsGetValue(i), 7);
    ASSERT_EQ_U(LE(), ERROR_SUCCESS);
    ASSERT_TRUE(TlsFree(i));
}

TEST(tls_free_clears_and_bad_index)
{
    DWORD i = TlsAlloc();
    ASSERT_TRUE(TlsSetValue(i, (LPVOID)9));
    ASSERT_TRUE(TlsFree(i));
    POISON_LE();
    ASSERT_TRUE(!TlsFree(i));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    DWORD j = TlsAlloc();
    ASSERT_EQ(j, i); /* the lowest free index comes back, cleared */
    ASSERT_NULL(TlsGetValue(j));
    POISON_LE();
    ASSERT_NULL(TlsGetValue(1088));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_TRUE(!TlsSetValue(5000, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(TlsFree(j));
}

struct tls_other {
    DWORD index;
    HANDLE stored, freed;
    uintptr_t after;
};
static void *tls_other_thread(void *p)
{
    struct tls_other *o = p;
    TlsSetValue(o->index, (LPVOID)0x77);
    SetEvent(o->stored);
    WaitForSingleObject(o->freed, 10000);
    o->after = (uintptr_t)TlsGetValue(o->index);
    return NULL;
}

TEST(tls_free_clears_other_threads)
{
    struct tls_other o = {TlsAlloc(), CreateEventA(NULL, TRUE, FALSE, NULL),
                          CreateEventA(NULL, TRUE, FALSE, NULL), 1};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, tls_other_thread, &o), 0);
    ASSERT_EQ_U(WaitForSingleObject(o.stored, 10000), WAIT_OBJECT_0);
    ASSERT_TRUE(TlsFree(o.index));
    ASSERT_EQ(TlsAlloc(), o.index);
    SetEvent(o.freed);
    pthread_join(t, NULL);
    ASSERT_EQ(o.after, 0);
    ASSERT_TRUE(TlsFree(o.index));
    CloseHandle(o.stored);
    CloseHandle(o.freed);
}

TEST(tls_exhaustion)
{
    static DWORD got[1100];
    size_t n = 0;
    for (DWORD i; (i = TlsAlloc()) != TLS_OUT_OF_INDEXES; n++) {
        ASSERT_LT(n, 1100);
        got[n] = i;
    }
    ASSERT_EQ(n, 1088); /* a fresh process: all of them */
    ASSERT_EQ_U(LE(), ERROR_NO_MORE_ITEMS);
    ASSERT_TRUE(TlsFree(got[500]));
    ASSERT_EQ(TlsAlloc(), got[500]);
    ASSERT_EQ_U(TlsAlloc(), TLS_OUT_OF_INDEXES);
    for (size_t k = 0; k < n; k++)
        ASSERT_TRUE(TlsFree(got[k]));
}

/* ---- FLS ---------------------------------------------------------------------- */

static DWORD fls_index;
static int fls_calls;
static uintptr_t fls_last;
static pthread_mutex_t fls_lock = PTHREAD_MUTEX_INITIALIZER;
static void WINAPI fls_cb(PVOID v)
{
    pthread_mutex_lock(&fls_lock);
    fls_calls++;
    fls_last = (uintptr_t)v;
    pthread_mutex_unlock(&fls_lock);
}
static DWORD WINAPI fls_win_thread(LPVOID p)
{
    ASSERT_NULL(FlsGetValue(fls_index));
    ASSERT_TRUE(FlsSetValue(fls_index, p));
    return 0;
}
static void *fls_posix_thread(void *p)
{
    ASSERT_TRUE(FlsSetValue(fls_index, p));
    return NULL;
}

TEST(fls_callback_at_thread_exit)
{
    fls_index = FlsAlloc(fls_cb);
    ASSERT_NE(fls_index, FLS_OUT_OF_INDEXES);
    HANDLE t = CreateThread(NULL, 0, fls_win_thread, (LPVOID)0x1234, 0, NULL);
    ASSERT_NOT_NULL(t);
    ASSERT_EQ_U(WaitForSingleObject(t, 10000), WAIT_OBJECT_0);
    CloseHandle(t);
    /* Windows runs the callbacks before the thread is signaled */
    ASSERT_EQ(fls_calls, 1);
    ASSERT_EQ_U(fls_last, 0x1234);

    pthread_t pt;
    ASSERT_EQ(pthread_create(&pt, NULL, fls_posix_thread, (void *)0x5678), 0);
    pthread_join(pt, NULL);
    ASSERT_EQ(fls_calls, 2);
    ASSERT_EQ_U(fls_last, 0x5678);

    /* a thread that stored NULL: no call */
    ASSERT_EQ(pthread_create(&pt, NULL, fls_posix_thread, NULL), 0);
    pthread_join(pt, NULL);
    ASSERT_EQ(fls_calls, 2);

    /* FlsFree calls it for a value still stored (here: this thread's) */
    ASSERT_TRUE(FlsSetValue(fls_index, (PVOID)0x99));
    ASSERT_TRUE(FlsFree(fls_index));
    ASSERT_EQ(fls_calls, 3);
    ASSERT_EQ_U(fls_last, 0x99);
    POISON_LE();
    ASSERT_NULL(FlsGetValue(fls_index));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_TRUE(!FlsFree(fls_index));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
}

TEST(fls_exhaustion)
{
    static DWORD got[FLS_MAXIMUM_AVAILABLE + 1];
    size_t n = 0;
    for (DWORD i; (i = FlsAlloc(NULL)) != FLS_OUT_OF_INDEXES; n++) {
        ASSERT_LT(n, FLS_MAXIMUM_AVAILABLE);
        got[n] = i;
    }
    ASSERT_EQ(n, FLS_MAXIMUM_AVAILABLE);
    ASSERT_EQ_U(LE(), ERROR_NO_MORE_ITEMS);
    ASSERT_TRUE(FlsFree(got[7]));
    ASSERT_EQ(FlsAlloc(NULL), got[7]);
    for (size_t k = 0; k < n; k++)
        ASSERT_TRUE(FlsFree(got[k]));
}

/* ---- heaps -------------------------------------------------------------------- */

TEST(heap_alloc_zero_realloc_size_free)
{
    HANDLE h = GetProcessHeap();
    ASSERT_NOT_NULL(h);
    ASSERT_PTR_EQ(GetProcessHeap(), h);
    unsigned char *p = HeapAlloc(h, HEAP_ZERO_MEMORY, 100);
    ASSERT_NOT_NULL(p);
    for (int i = 0; i < 100; i++)
        ASSERT_EQ(p[i], 0);
    ASSERT_EQ(HeapSize(h, 0, p), 100);
    memset(p, 0x5a, 100);
    p = HeapReAlloc(h, HEAP_ZERO_MEMORY, p, 5000);
    ASSERT_NOT_NULL(p);
    ASSERT_EQ(HeapSize(h, 0, p), 5000);
    ASSERT_EQ(p[99], 0x5a);
    for (int i = 100; i < 5000; i++)
        ASSERT_EQ(p[i], 0);
    /* shrinking in place always works; growing a lot in place does not */
    unsigned char *q = HeapReAlloc(h, HEAP_REALLOC_IN_PLACE_ONLY, p, 10);
    ASSERT_PTR_EQ(q, p);
    ASSERT_EQ(HeapSize(h, 0, p), 10);
    ASSERT_NULL(HeapReAlloc(h, HEAP_REALLOC_IN_PLACE_ONLY, p, 1 << 24));
    ASSERT_EQ(HeapSize(h, 0, p), 10);
    ASSERT_TRUE(HeapFree(h, 0, p));
    ASSERT_TRUE(HeapFree(h, 0, NULL));
}

TEST(heap_private_destroy)
{
    HANDLE h = HeapCreate(0, 0, 0);
    ASSERT_NOT_NULL(h);
    for (int i = 0; i < 1000; i++)
        ASSERT_NOT_NULL(HeapAlloc(h, 0, 64 + i));
    void *p = HeapAlloc(h, 0, 10);
    /* a block of another heap is not this one's */
    POISON_LE();
    ASSERT_TRUE(!HeapFree(GetProcessHeap(), 0, p));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_EQ_U(HeapSize(GetProcessHeap(), 0, p), (SIZE_T)-1);
    ASSERT_TRUE(HeapDestroy(h)); /* frees the 1001 blocks (ASan/valgrind see leaks otherwise) */
    POISON_LE();
    ASSERT_TRUE(!HeapDestroy(GetProcessHeap()));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);

    /* a maximum size bounds the heap */
    h = HeapCreate(0, 0, 4096);
    ASSERT_NOT_NULL(HeapAlloc(h, 0, 3000));
    ASSERT_NULL(HeapAlloc(h, 0, 2000));
    ASSERT_NOT_NULL(HeapAlloc(h, 0, 1000));
    ASSERT_TRUE(HeapDestroy(h));
}

/* ---- command line ------------------------------------------------------------- */

static char *const tricky[] = {"plain",    "with space", "a\"quote", "back\\slash", "end\\",
                               "sp ace\\", "q\\\"x",     "",         "\t",          NULL};

TEST(cmdline_join_round_trips)
{
    char *line, **argv;
    char *const v[] = {"/bin/prog", "a b", "c\"d", "e\\\\\"f", "g\\", "", NULL};
    ASSERT_EQ(shmap_cmdline_join(v, &line), 0);
    ASSERT_STR_EQ(line, "/bin/prog \"a b\" \"c\\\"d\" \"e\\\\\\\\\\\"f\" g\\ \"\"");
    ASSERT_EQ(shmap_cmdline_split(line, &argv), 6);
    for (int i = 0; i < 6; i++)
        ASSERT_STR_EQ(argv[i], v[i]);
    free(argv);
    free(line);
    char *const prog[] = {"/a dir/prog", "x", NULL};
    ASSERT_EQ(shmap_cmdline_join(prog, &line), 0);
    ASSERT_STR_EQ(line, "\"/a dir/prog\" x");
    free(line);
}

HELPER(show_cmdline)
{
    /* the whole argv: "<self> --helper show_cmdline" and then ours */
    char **v;
    int n = shmap_cmdline_split(GetCommandLineA(), &v);
    if (n != argc + 3 || strcmp(v[0], test_self()) != 0 || strcmp(v[2], "show_cmdline") != 0)
        return 10;
    for (int i = 0; i < argc; i++)
        if (strcmp(v[i + 3], argv[i]) != 0)
            return 20 + i;
    free(v);
    const char *a = GetCommandLineA(); /* ASCII: the wide form is the same characters */
    const wchar_t *w = GetCommandLineW();
    if (wcslen(w) != strlen(a))
        return 3;
    for (size_t i = 0; a[i]; i++)
        if (w[i] != (unsigned char)a[i])
            return 4;
    if (a != GetCommandLineA())
        return 5; /* the same string every time, as on Windows */
    return 0;
}

TEST(cmdline_of_a_child)
{
    pid_t p = spawn_helper("show_cmdline", tricky[0], tricky[1], tricky[2], tricky[3], tricky[4],
                           tricky[5], tricky[6], tricky[7], tricky[8], NULL);
    expect_exit(p, 0, 30);
}

/* ---- GetModuleFileName, GetModuleHandle ---------------------------------------- */

TEST(module_file_name)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ASSERT_GT(n, 5);
    self[n] = 0;
    char buf[4096];
    POISON(buf);
    ASSERT_EQ(GetModuleFileNameA(NULL, buf, sizeof buf), n);
    ASSERT_STR_EQ(buf, self);
    HMODULE m = GetModuleHandleA(NULL);
    ASSERT_NOT_NULL(m);
    ASSERT_EQ(GetModuleFileNameA(m, buf, sizeof buf), n);
    /* exactly the length: no room for the NUL */
    POISON(buf);
    POISON_LE();
    ASSERT_EQ(GetModuleFileNameA(NULL, buf, (DWORD)n), n);
    ASSERT_EQ_U(LE(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_EQ(buf[n - 1], 0);
    ASSERT_MEM_EQ(buf, self, (size_t)n - 1);
    POISON(buf);
    POISON_LE();
    ASSERT_EQ(GetModuleFileNameA(NULL, buf, 4), 4);
    ASSERT_EQ_U(LE(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_MEM_EQ(buf, self, 3);
    ASSERT_EQ(buf[3], 0);
    ASSERT_EQ((unsigned char)buf[4], 0xA5);
    /* wide */
    WCHAR w[4096];
    ASSERT_EQ(GetModuleFileNameW(NULL, w, 4096), n);
    for (ssize_t i = 0; i < n; i++)
        ASSERT_EQ(w[i], (unsigned char)self[i]);
    ASSERT_EQ(w[n], 0);
    POISON_LE();
    ASSERT_EQ(GetModuleFileNameW(NULL, w, 2), 2);
    ASSERT_EQ_U(LE(), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_EQ(w[0], (unsigned char)self[0]);
    ASSERT_EQ(w[1], 0);
    /* other modules */
    POISON_LE();
    ASSERT_NULL(GetModuleHandleA("kernel32.dll"));
    ASSERT_EQ_U(LE(), ERROR_MOD_NOT_FOUND);
    POISON_LE();
    ASSERT_EQ(GetModuleFileNameA((HMODULE)(uintptr_t)0x1000, buf, sizeof buf), 0);
    ASSERT_EQ_U(LE(), ERROR_MOD_NOT_FOUND);
    ASSERT_PTR_EQ(GetModuleHandleW(NULL), m);
}

/* ---- temporary files ---------------------------------------------------------- */

TEST(temp_path)
{
    char buf[64];
    setenv("TMPDIR", "/var/tmp", 1);
    POISON(buf);
    ASSERT_EQ(GetTempPathA(sizeof buf, buf), 9);
    ASSERT_STR_EQ(buf, "/var/tmp/");
    /* too small (no room for the NUL): the size needed, nothing written */
    POISON(buf);
    ASSERT_EQ(GetTempPathA(9, buf), 10);
    ASSERT_EQ((unsigned char)buf[0], 0xA5);
    ASSERT_EQ(GetTempPathA(0, NULL), 10);
    ASSERT_EQ(GetTempPathA(10, buf), 9);
    setenv("TMPDIR", "/x/y/", 1);
    ASSERT_EQ(GetTempPathA(sizeof buf, buf), 5);
    ASSERT_STR_EQ(buf, "/x/y/");
    unsetenv("TMPDIR");
    ASSERT_EQ(GetTempPathA(sizeof buf, buf), 5);
    ASSERT_STR_EQ(buf, "/tmp/");
    WCHAR w[8];
    ASSERT_EQ(GetTempPathW(8, w), 5);
    ASSERT_TRUE(!wcscmp(w, L"/tmp/"));
    ASSERT_EQ(GetTempPathW(5, w), 6);
}

TEST(temp_file_name)
{
    char dir[] = "/tmp/shmap-env-XXXXXX";
    ASSERT_NOT_NULL(mkdtemp(dir));
    char buf[MAX_PATH], want[MAX_PATH];
    /* unique given: the name only, in hex, no file */
    ASSERT_EQ(GetTempFileNameA(dir, "abcdef", 0x1abcd, buf), 0xabcd);
    snprintf(want, sizeof want, "%s/abcABCD.tmp", dir);
    ASSERT_STR_EQ(buf, want);
    struct stat st;
    ASSERT_TRUE(stat(buf, &st) != 0);
    ASSERT_EQ(GetTempFileNameA(dir, "", 0x2f, buf), 0x2f);
    snprintf(want, sizeof want, "%s/2F.tmp", dir);
    ASSERT_STR_EQ(buf, want);
    /* unique 0: a new empty file, a different one each time */
    UINT u1 = GetTempFileNameA(dir, "pre", 0, buf);
    ASSERT_NE(u1, 0);
    ASSERT_LE(u1, 0xffff);
    snprintf(want, sizeof want, "%s/pre%X.tmp", dir, u1);
    ASSERT_STR_EQ(buf, want);
    ASSERT_EQ(stat(buf, &st), 0);
    ASSERT_EQ(st.st_size, 0);
    char buf2[MAX_PATH];
    UINT u2 = GetTempFileNameA(dir, "pre", 0, buf2);
    ASSERT_NE(u2, 0);
    ASSERT_NE(u2, u1);
    ASSERT_EQ(unlink(buf), 0);
    ASSERT_EQ(unlink(buf2), 0);
    /* wide */
    WCHAR wb[MAX_PATH], wd[64];
    mbstowcs(wd, dir, 64);
    ASSERT_EQ(GetTempFileNameW(wd, L"wxyz", 0x10, wb), 0x10);
    snprintf(want, sizeof want, "%s/wxy10.tmp", dir);
    for (size_t i = 0; i <= strlen(want); i++)
        ASSERT_EQ(wb[i], (unsigned char)want[i]);
    /* no such directory */
    POISON_LE();
    ASSERT_EQ(GetTempFileNameA("/nonexistent-shmap-dir", "x", 0, buf), 0);
    ASSERT_EQ_U(LE(), ERROR_DIRECTORY);
    ASSERT_EQ(rmdir(dir), 0);
}

TEST(startup_info)
{
    STARTUPINFOA si;
    POISON(si);
    GetStartupInfoA(&si);
    ASSERT_EQ(si.cb, sizeof si);
    ASSERT_EQ(si.dwFlags, 0);
    ASSERT_NULL(si.hStdInput);
}

/* ---- GetFileType ---------------------------------------------------------------- */

TEST(file_type)
{
    char path[] = "/tmp/shmap-env-ft-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    HANDLE f = CreateFileA(path, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);
    ASSERT_PTR_NE(f, INVALID_HANDLE_VALUE);
    ASSERT_EQ(GetFileType(f), FILE_TYPE_DISK);
    CloseHandle(f);
    unlink(path);

    /* standard handles (made once and kept: in a child), a pipe on stdin,
     * /dev/null on stdout */
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t c = fork();
    ASSERT_GE(c, 0);
    if (c == 0) {
        int nul = open("/dev/null", O_WRONLY);
        if (dup2(p[0], 0) != 0 || nul < 0 || dup2(nul, 1) != 1)
            _exit(10);
        if (GetFileType(GetStdHandle(STD_INPUT_HANDLE)) != FILE_TYPE_PIPE)
            _exit(11);
        if (GetFileType(GetStdHandle(STD_OUTPUT_HANDLE)) != FILE_TYPE_CHAR)
            _exit(12);
        _exit(0);
    }
    close(p[0]);
    close(p[1]);
    expect_exit(c, 0, 30);

    /* not a file handle */
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
    POISON_LE();
    ASSERT_EQ(GetFileType(e), FILE_TYPE_UNKNOWN);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    CloseHandle(e);
    POISON_LE();
    ASSERT_EQ(GetFileType(INVALID_HANDLE_VALUE), FILE_TYPE_UNKNOWN);
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
}
