/*
 * test-win32-files.c - Win32 files beyond share modes: byte-range locks
 * (LockFile, LockFileEx, UnlockFile, UnlockFileEx and their effect on
 * ReadFile and WriteFile), through the Win32 face, with Windows' results.
 */
#include "harness.h"
#include "watchdog.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <wchar.h>
#include <sys/wait.h>
#include <windows.h>

static char path[4200];

static const char *file_path(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", test_root(), name);
    return path;
}

#define ALL_SHARE (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static HANDLE open_rw(const char *p, DWORD disp)
{
    SetLastError(0xdeadbeef);
    HANDLE h = CreateFileA(p, GENERIC_READ | GENERIC_WRITE, ALL_SHARE, NULL, disp, 0, NULL);
    ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
    return h;
}

static void expect_fail(BOOL ok, DWORD err)
{
    ASSERT_TRUE(!ok);
    ASSERT_EQ_U(GetLastError(), err);
}

static BOOL lock_ex(HANDLE h, DWORD flags, uint64_t off, uint64_t len)
{
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)off;
    ov.OffsetHigh = (DWORD)(off >> 32);
    SetLastError(0xdeadbeef);
    return LockFileEx(h, flags, 0, (DWORD)len, (DWORD)(len >> 32), &ov);
}

static BOOL unlock_ex(HANDLE h, uint64_t off, uint64_t len)
{
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)off;
    ov.OffsetHigh = (DWORD)(off >> 32);
    SetLastError(0xdeadbeef);
    return UnlockFileEx(h, 0, (DWORD)len, (DWORD)(len >> 32), &ov);
}

#define NOWAIT LOCKFILE_FAIL_IMMEDIATELY
#define EXCL LOCKFILE_EXCLUSIVE_LOCK

TEST(lock_rules_of_one_handle)
{
    const char *p = file_path("f");
    HANDLE h = open_rw(p, CREATE_ALWAYS);
    ASSERT_TRUE(LockFile(h, 0, 0, 0, 0));
    ASSERT_TRUE(UnlockFile(h, 0, 0, 0, 0));
    SetLastError(0xdeadbeef);
    expect_fail(UnlockFile(h, 0, 0, 0, 0), ERROR_NOT_LOCKED);
    ASSERT_TRUE(LockFile(h, 10, 0, 20, 0));
    expect_fail(LockFile(h, 12, 0, 10, 0), ERROR_LOCK_VIOLATION); /* own exclusive */
    expect_fail(LockFile(h, 5, 0, 6, 0), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(LockFile(h, 5, 0, 5, 0));                       /* touching, not overlapping */
    expect_fail(UnlockFile(h, 10, 0, 10, 0), ERROR_NOT_LOCKED); /* not the exact range */
    ASSERT_TRUE(UnlockFile(h, 10, 0, 20, 0));
    expect_fail(UnlockFile(h, 10, 0, 20, 0), ERROR_NOT_LOCKED);
    ASSERT_TRUE(UnlockFile(h, 5, 0, 5, 0));
    /* shared locks of one handle overlap; an exclusive one does not */
    ASSERT_TRUE(lock_ex(h, 0, 100, 100));
    ASSERT_TRUE(lock_ex(h, 0, 100, 100));
    ASSERT_TRUE(lock_ex(h, NOWAIT, 150, 100));
    expect_fail(lock_ex(h, EXCL | NOWAIT, 150, 50), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(unlock_ex(h, 150, 100));
    ASSERT_TRUE(unlock_ex(h, 100, 100));
    ASSERT_TRUE(unlock_ex(h, 100, 100));
    expect_fail(unlock_ex(h, 100, 100), ERROR_NOT_LOCKED);
    /* the whole 64-bit range, from 2^60 to the last byte */
    ASSERT_TRUE(LockFile(h, 0, 0x10000000, 0, 0xf0000000));
    expect_fail(LockFile(h, ~0u, ~0u, 1, 0), ERROR_LOCK_VIOLATION);
    expect_fail(LockFile(h, 0, 0x20000000, 20, 0), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(UnlockFile(h, 0, 0x10000000, 0, 0xf0000000));
    expect_fail(LockFile(h, 0, 0x10000000, 0, 0xf0000001), ERROR_INVALID_PARAMETER); /* wraps */
    ASSERT_TRUE(LockFile(h, ~0u, ~0u, 1, 0));
    ASSERT_TRUE(UnlockFile(h, ~0u, ~0u, 1, 0));
    /* a zero-length lock conflicts with the locks that contain its offset */
    ASSERT_TRUE(LockFile(h, 100, 0, 0, 0));
    expect_fail(LockFile(h, 98, 0, 4, 0), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(LockFile(h, 90, 0, 10, 0));
    expect_fail(LockFile(h, 100, 0, 10, 0), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(UnlockFile(h, 90, 0, 10, 0));
    expect_fail(UnlockFile(h, 100, 0, 10, 0), ERROR_NOT_LOCKED);
    ASSERT_TRUE(UnlockFile(h, 100, 0, 0, 0));
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
}

TEST(lock_between_two_handles_and_mandatory_io)
{
    const char *p = file_path("f");
    HANDLE h = open_rw(p, CREATE_ALWAYS), h2 = open_rw(p, OPEN_EXISTING);
    char buf[64] = "0123456789012345678901234567890123456789";
    DWORD n;
    ASSERT_TRUE(WriteFile(h, buf, 40, &n, NULL));
    /* an exclusive lock: the other handle may neither lock, read nor write */
    ASSERT_TRUE(lock_ex(h, EXCL, 300, 100));
    expect_fail(lock_ex(h2, NOWAIT, 300, 100), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(lock_ex(h, NOWAIT, 300, 100)); /* shared over its own exclusive */
    ASSERT_TRUE(unlock_ex(h, 300, 100));       /* the exclusive one goes first */
    ASSERT_TRUE(lock_ex(h2, NOWAIT, 300, 100));
    ASSERT_TRUE(unlock_ex(h2, 300, 100));
    ASSERT_TRUE(unlock_ex(h, 300, 100));
    ASSERT_TRUE(LockFile(h, 10, 0, 10, 0));
    ASSERT_TRUE(SetFilePointer(h2, 5, NULL, FILE_BEGIN) == 5);
    SetLastError(0xdeadbeef);
    n = 77;
    expect_fail(ReadFile(h2, buf, 10, &n, NULL), ERROR_LOCK_VIOLATION);
    ASSERT_EQ_U(n, 0);
    expect_fail(WriteFile(h2, buf, 10, &n, NULL), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(SetFilePointer(h2, 0, NULL, FILE_BEGIN) == 0);
    ASSERT_TRUE(ReadFile(h2, buf, 10, &n, NULL)); /* [0, 10) is free */
    ASSERT_EQ_U(n, 10);
    ASSERT_TRUE(SetFilePointer(h, 5, NULL, FILE_BEGIN) == 5);
    ASSERT_TRUE(ReadFile(h, buf, 10, &n, NULL)); /* the holder goes through */
    ASSERT_TRUE(SetFilePointer(h, 5, NULL, FILE_BEGIN) == 5);
    ASSERT_TRUE(WriteFile(h, buf, 10, &n, NULL));
    ASSERT_TRUE(UnlockFile(h, 10, 0, 10, 0));
    /* a shared lock: everybody reads, nobody writes, not even its holder */
    ASSERT_TRUE(lock_ex(h, 0, 10, 10));
    ASSERT_TRUE(SetFilePointer(h2, 12, NULL, FILE_BEGIN) == 12);
    ASSERT_TRUE(ReadFile(h2, buf, 4, &n, NULL));
    ASSERT_TRUE(SetFilePointer(h2, 12, NULL, FILE_BEGIN) == 12);
    expect_fail(WriteFile(h2, buf, 4, &n, NULL), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(SetFilePointer(h, 12, NULL, FILE_BEGIN) == 12);
    expect_fail(WriteFile(h, buf, 4, &n, NULL), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(unlock_ex(h, 10, 10));
    ASSERT_TRUE(WriteFile(h, buf, 4, &n, NULL));
    /* closing the last handle of the file object drops its locks */
    ASSERT_TRUE(LockFile(h, 0, 0, 40, 0));
    expect_fail(LockFile(h2, 0, 0, 1, 0), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(LockFile(h2, 0, 0, 1, 0));
    ASSERT_TRUE(CloseHandle(h2));
    ASSERT_TRUE(DeleteFileA(p));
}

TEST(lock_hostile_arguments)
{
    const char *p = file_path("f");
    HANDLE h = open_rw(p, CREATE_ALWAYS);
    OVERLAPPED ov = {0};
    SetLastError(0xdeadbeef);
    expect_fail(LockFileEx(h, EXCL, 1, 1, 0, &ov), ERROR_INVALID_PARAMETER); /* reserved */
    SetLastError(0xdeadbeef);
    expect_fail(LockFileEx(h, EXCL, 0, 1, 0, NULL), ERROR_NOACCESS);
    SetLastError(0xdeadbeef);
    expect_fail(UnlockFileEx(h, 0, 1, 0, (LPOVERLAPPED)16), ERROR_NOACCESS);
    SetLastError(0xdeadbeef);
    expect_fail(LockFile((HANDLE)(uintptr_t)0x1234, 0, 0, 1, 0), ERROR_INVALID_HANDLE);
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    SetLastError(0xdeadbeef);
    expect_fail(LockFile(ev, 0, 0, 1, 0), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(CloseHandle(ev));
    /* a handle without data access may not lock */
    HANDLE a = CreateFileA(p, FILE_READ_ATTRIBUTES, ALL_SHARE, NULL, OPEN_EXISTING, 0, NULL);
    ASSERT_TRUE(a != INVALID_HANDLE_VALUE);
    SetLastError(0xdeadbeef);
    expect_fail(LockFile(a, 0, 0, 1, 0), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(CloseHandle(a));
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
}

/* A handle opened for reading only takes exclusive locks that other file
 * objects meet in full. */
TEST(lock_exclusive_by_a_read_only_handle)
{
    const char *p = file_path("f");
    HANDLE w = open_rw(p, CREATE_ALWAYS);
    HANDLE r = CreateFileA(p, GENERIC_READ, ALL_SHARE, NULL, OPEN_EXISTING, 0, NULL);
    ASSERT_TRUE(r != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(LockFile(r, 0, 0, 10, 0));
    expect_fail(lock_ex(w, NOWAIT, 0, 10), ERROR_LOCK_VIOLATION);
    char buf[4];
    DWORD n;
    SetLastError(0xdeadbeef);
    expect_fail(ReadFile(w, buf, 4, &n, NULL), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(ReadFile(r, buf, 4, &n, NULL));
    ASSERT_TRUE(UnlockFile(r, 0, 0, 10, 0));
    ASSERT_TRUE(CloseHandle(r));
    ASSERT_TRUE(CloseHandle(w));
    ASSERT_TRUE(DeleteFileA(p));
}

struct waiter {
    HANDLE h;
    struct watchdog *wd;
    _Atomic int state; /* 0 before, 1 waiting, 2 locked */
};

static void *lock_waiter(void *arg)
{
    struct waiter *w = arg;
    int slot = wd_join(w->wd, "lock waiter");
    atomic_store(&w->state, 1);
    wd_leave(w->wd, slot); /* it blocks on purpose until the test unlocks */
    BOOL ok = lock_ex(w->h, EXCL, 0, 10);
    atomic_store(&w->state, ok ? 2 : 3);
    return NULL;
}

TEST(lock_waits_for_another_handle_to_unlock)
{
    const char *p = file_path("f");
    HANDLE h = open_rw(p, CREATE_ALWAYS), h2 = open_rw(p, OPEN_EXISTING);
    ASSERT_TRUE(LockFile(h, 5, 0, 1, 0));
    struct waiter w = {.h = h2, .wd = wd_new(1)};
    wd_start(w.wd);
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, lock_waiter, &w), 0);
    while (atomic_load(&w.state) == 0)
        sched_yield();
    usleep(50000); /* "still blocked" check: it must not have the lock */
    ASSERT_EQ(atomic_load(&w.state), 1);
    ASSERT_TRUE(UnlockFile(h, 5, 0, 1, 0));
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(atomic_load(&w.state), 2);
    wd_stop(w.wd);
    expect_fail(LockFile(h, 0, 0, 1, 0), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(CloseHandle(h2));
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
}

HELPER(lock_holder)
{
    (void)argc;
    HANDLE h =
        CreateFileA(argv[0], GENERIC_READ | GENERIC_WRITE, ALL_SHARE, NULL, OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE || !LockFile(h, 0, 0, 100, 0))
        return 2;
    printf("locked\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

TEST(lock_of_a_killed_process_goes_with_it)
{
    const char *p = file_path("f");
    HANDLE h = open_rw(p, CREATE_ALWAYS);
    DWORD n;
    ASSERT_TRUE(WriteFile(h, "abcdef", 6, &n, NULL));
    proc_t child = spawn_helper_piped("lock_holder", p, NULL);
    char line[16];
    proc_line(&child, line, sizeof line, 30);
    ASSERT_STR_EQ(line, "locked");
    expect_fail(LockFile(h, 50, 0, 1, 0), ERROR_LOCK_VIOLATION);
    ASSERT_TRUE(SetFilePointer(h, 0, NULL, FILE_BEGIN) == 0);
    char buf[6];
    SetLastError(0xdeadbeef);
    expect_fail(ReadFile(h, buf, 6, &n, NULL), ERROR_LOCK_VIOLATION);
    kill(child.pid, SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(wait_pid(child.pid, 30)));
    close(child.in);
    close(child.out);
    ASSERT_TRUE(ReadFile(h, buf, 6, &n, NULL));
    ASSERT_EQ_U(n, 6);
    ASSERT_TRUE(LockFile(h, 50, 0, 1, 0)); /* a blocking lock would have waited for the kill */
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
}

/* ---- anonymous pipes --------------------------------------------------------- */

TEST(pipe_read_write_peek_and_broken_pipe)
{
    HANDLE r, w;
    SetLastError(0xdeadbeef);
    ASSERT_TRUE(CreatePipe(&r, &w, NULL, 0));
    ASSERT_EQ_U(GetFileType(r), FILE_TYPE_PIPE);
    ASSERT_EQ_U(GetFileType(w), FILE_TYPE_PIPE);
    DWORD n = 0, avail = 77, left = 77, got = 77;
    ASSERT_TRUE(PeekNamedPipe(r, NULL, 0, &got, &avail, &left));
    ASSERT_EQ_U(avail, 0);
    ASSERT_EQ_U(got, 0);
    ASSERT_TRUE(WriteFile(w, "hello", 5, &n, NULL));
    ASSERT_EQ_U(n, 5);
    char buf[16] = {0};
    got = avail = left = 77;
    ASSERT_TRUE(PeekNamedPipe(r, buf, 3, &got, &avail, &left));
    ASSERT_EQ_U(got, 3);
    ASSERT_EQ_U(avail, 5);
    ASSERT_EQ_U(left, 0);
    ASSERT_MEM_EQ(buf, "hel", 3);
    ASSERT_TRUE(PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL)); /* still all there */
    ASSERT_EQ_U(avail, 5);
    ASSERT_TRUE(ReadFile(r, buf, sizeof buf, &n, NULL));
    ASSERT_EQ_U(n, 5);
    ASSERT_MEM_EQ(buf, "hello", 5);
    /* the write end is not for peeking; nor is a file a pipe */
    SetLastError(0xdeadbeef);
    expect_fail(PeekNamedPipe(w, NULL, 0, NULL, &avail, NULL), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(WriteFile(w, "xy", 2, &n, NULL));
    ASSERT_TRUE(CloseHandle(w));
    /* what was written before the close is read first, then the pipe is broken */
    ASSERT_TRUE(ReadFile(r, buf, sizeof buf, &n, NULL));
    ASSERT_EQ_U(n, 2);
    SetLastError(0xdeadbeef);
    n = 77;
    expect_fail(ReadFile(r, buf, sizeof buf, &n, NULL), ERROR_BROKEN_PIPE);
    ASSERT_EQ_U(n, 0);
    SetLastError(0xdeadbeef);
    expect_fail(PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL), ERROR_BROKEN_PIPE);
    ASSERT_TRUE(CloseHandle(r));
    /* writing with no reader left: ERROR_NO_DATA, and no SIGPIPE */
    ASSERT_TRUE(CreatePipe(&r, &w, NULL, 4096));
    ASSERT_TRUE(CloseHandle(r));
    SetLastError(0xdeadbeef);
    expect_fail(WriteFile(w, "x", 1, &n, NULL), ERROR_NO_DATA);
    ASSERT_TRUE(CloseHandle(w));
}

TEST(pipe_hostile_arguments_and_inheritance)
{
    HANDLE r, w;
    SetLastError(0xdeadbeef);
    expect_fail(CreatePipe(NULL, &w, NULL, 0), ERROR_NOACCESS);
    SetLastError(0xdeadbeef);
    expect_fail(CreatePipe(&r, (PHANDLE)8, NULL, 0), ERROR_NOACCESS);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    ASSERT_TRUE(CreatePipe(&r, &w, &sa, 0));
    DWORD f = 0;
    ASSERT_TRUE(GetHandleInformation(r, &f));
    ASSERT_EQ_U(f & HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    ASSERT_TRUE(GetHandleInformation(w, &f));
    ASSERT_EQ_U(f & HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    ASSERT_TRUE(CloseHandle(r));
    ASSERT_TRUE(CloseHandle(w));
    sa.bInheritHandle = FALSE;
    ASSERT_TRUE(CreatePipe(&r, &w, &sa, 0));
    ASSERT_TRUE(GetHandleInformation(r, &f));
    ASSERT_EQ_U(f & HANDLE_FLAG_INHERIT, 0);
    char buf[4];
    DWORD n;
    SetLastError(0xdeadbeef);
    expect_fail(ReadFile(w, buf, 1, &n, NULL), ERROR_ACCESS_DENIED);
    SetLastError(0xdeadbeef);
    expect_fail(WriteFile(r, buf, 1, &n, NULL), ERROR_ACCESS_DENIED);
    const char *p = file_path("f");
    HANDLE h = open_rw(p, CREATE_ALWAYS);
    SetLastError(0xdeadbeef);
    expect_fail(PeekNamedPipe(h, NULL, 0, NULL, &n, NULL), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
    ASSERT_TRUE(CloseHandle(r));
    ASSERT_TRUE(CloseHandle(w));
}

TEST(set_std_handle)
{
    HANDLE r, w;
    ASSERT_TRUE(CreatePipe(&r, &w, NULL, 0));
    ASSERT_TRUE(SetStdHandle(STD_OUTPUT_HANDLE, w));
    ASSERT_PTR_EQ(GetStdHandle(STD_OUTPUT_HANDLE), w);
    DWORD n;
    ASSERT_TRUE(WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "std", 3, &n, NULL));
    char buf[4];
    ASSERT_TRUE(ReadFile(r, buf, 3, &n, NULL));
    ASSERT_MEM_EQ(buf, "std", 3);
    ASSERT_TRUE(SetStdHandle(STD_INPUT_HANDLE, r));
    ASSERT_PTR_EQ(GetStdHandle(STD_INPUT_HANDLE), r);
    SetLastError(0xdeadbeef);
    expect_fail(SetStdHandle(5, r), ERROR_INVALID_HANDLE);
    SetLastError(0xdeadbeef);
    expect_fail(SetStdHandle((DWORD)-13, r), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(SetStdHandle(STD_INPUT_HANDLE, NULL));
    ASSERT_TRUE(SetStdHandle(STD_OUTPUT_HANDLE, NULL));
    ASSERT_NULL(GetStdHandle(STD_OUTPUT_HANDLE));
    ASSERT_TRUE(CloseHandle(r));
    ASSERT_TRUE(CloseHandle(w));
}

struct reader {
    HANDLE r;
    _Atomic int state;
    char buf[8];
};

static void *pipe_reader(void *arg)
{
    struct reader *rd = arg;
    DWORD n;
    atomic_store(&rd->state, 1);
    BOOL ok = ReadFile(rd->r, rd->buf, 4, &n, NULL);
    atomic_store(&rd->state, ok && n == 4 ? 2 : 3);
    return NULL;
}

/* A reader blocked on an empty pipe does not hold up other calls on the
 * same handle. */
TEST(pipe_blocked_reader_holds_nothing_up)
{
    HANDLE r, w;
    ASSERT_TRUE(CreatePipe(&r, &w, NULL, 0));
    struct reader rd = {.r = r};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, pipe_reader, &rd), 0);
    while (atomic_load(&rd.state) == 0)
        sched_yield();
    DWORD avail = 77;
    ASSERT_TRUE(PeekNamedPipe(r, NULL, 0, NULL, &avail, NULL));
    ASSERT_EQ_U(avail, 0);
    ASSERT_TRUE(GetFileType(r) == FILE_TYPE_PIPE);
    DWORD n;
    ASSERT_TRUE(WriteFile(w, "wake", 4, &n, NULL));
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(atomic_load(&rd.state), 2);
    ASSERT_MEM_EQ(rd.buf, "wake", 4);
    ASSERT_TRUE(CloseHandle(r));
    ASSERT_TRUE(CloseHandle(w));
}

/* argv: the inherited pipe handles, which the child closes (its standard
 * handles are copies of them). */
HELPER(pipe_child)
{
    for (int i = 0; i < argc; i++)
        if (!CloseHandle((HANDLE)(uintptr_t)strtoull(argv[i], NULL, 0)))
            return 3;
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        return 2;
    printf("child got %s", line);
    fflush(stdout);
    return 0;
}

/* A pipe as the standard input and output of a child (CreateProcess with
 * STARTF_USESTDHANDLES); the parent reads until the pipe breaks. */
TEST(pipe_as_the_standard_handles_of_a_child)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE in_r, in_w, out_r, out_w;
    ASSERT_TRUE(CreatePipe(&in_r, &in_w, &sa, 0));
    ASSERT_TRUE(CreatePipe(&out_r, &out_w, &sa, 0));
    ASSERT_TRUE(SetHandleInformation(in_w, HANDLE_FLAG_INHERIT, 0)); /* ours only */
    ASSERT_TRUE(SetHandleInformation(out_r, HANDLE_FLAG_INHERIT, 0));
    STARTUPINFOA si = {.cb = sizeof si};
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in_r;
    si.hStdOutput = out_w;
    si.hStdError = NULL; /* the child keeps ours */
    PROCESS_INFORMATION pi;
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "\"%s\" --helper pipe_child %p %p", test_self(), (void *)in_r,
             (void *)out_w);
    ASSERT_TRUE(CreateProcessA(test_self(), cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
    ASSERT_TRUE(CloseHandle(in_r));
    ASSERT_TRUE(CloseHandle(out_w));
    DWORD n;
    ASSERT_TRUE(WriteFile(in_w, "ping\n", 5, &n, NULL));
    char buf[64];
    size_t have = 0;
    for (;;) {
        SetLastError(0xdeadbeef);
        ASSERT_TRUE(have < sizeof buf - 1);
        if (!ReadFile(out_r, buf + have, (DWORD)(sizeof buf - 1 - have), &n, NULL))
            break;
        have += n;
    }
    ASSERT_EQ_U(GetLastError(), ERROR_BROKEN_PIPE);
    buf[have] = 0;
    ASSERT_STR_EQ(buf, "child got ping\n");
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    DWORD code = 77;
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ_U(code, 0);
    ASSERT_TRUE(CloseHandle(pi.hProcess));
    ASSERT_TRUE(CloseHandle(pi.hThread));
    ASSERT_TRUE(CloseHandle(in_w));
    ASSERT_TRUE(CloseHandle(out_r));
}

/* ---- attributes ---------------------------------------------------------------- */

TEST(file_attributes_get_set_and_not_found)
{
    char p[4200];
    snprintf(p, sizeof p, "%s", file_path("f")); /* file_path's buffer is reused below */
    HANDLE h = open_rw(p, CREATE_ALWAYS);
    DWORD n;
    ASSERT_TRUE(WriteFile(h, "12345", 5, &n, NULL));
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_EQ_U(GetFileAttributesA(p), FILE_ATTRIBUTE_ARCHIVE);
    ASSERT_EQ_U(GetFileAttributesA(test_root()), FILE_ATTRIBUTE_DIRECTORY);
    ASSERT_TRUE(SetFileAttributesA(p, FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_HIDDEN));
    ASSERT_EQ_U(GetFileAttributesA(p), FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_ARCHIVE);
    wchar_t wp[4200];
    swprintf(wp, sizeof wp / sizeof *wp, L"%s", p);
    ASSERT_EQ_U(GetFileAttributesW(wp), FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_ARCHIVE);
    WIN32_FILE_ATTRIBUTE_DATA d;
    POISON(d);
    ASSERT_TRUE(GetFileAttributesExA(p, GetFileExInfoStandard, &d));
    ASSERT_EQ_U(d.dwFileAttributes, FILE_ATTRIBUTE_READONLY | FILE_ATTRIBUTE_ARCHIVE);
    ASSERT_EQ_U(d.nFileSizeLow, 5);
    ASSERT_EQ_U(d.nFileSizeHigh, 0);
    ASSERT_TRUE(d.ftLastWriteTime.dwHighDateTime > 0x01D00000); /* after 2015 */
    SetLastError(0xdeadbeef);
    expect_fail(GetFileAttributesExA(p, GetFileExMaxInfoLevel, &d), ERROR_INVALID_PARAMETER);
    SetLastError(0xdeadbeef);
    expect_fail(DeleteFileA(p), ERROR_ACCESS_DENIED); /* a read-only file stays */
    ASSERT_TRUE(SetFileAttributesW(wp, FILE_ATTRIBUTE_NORMAL));
    ASSERT_EQ_U(GetFileAttributesA(p), FILE_ATTRIBUTE_ARCHIVE);
    /* a missing file, and a missing directory on the way */
    SetLastError(0xdeadbeef);
    ASSERT_EQ_U(GetFileAttributesA(file_path("nothing")), INVALID_FILE_ATTRIBUTES);
    ASSERT_EQ_U(GetLastError(), ERROR_FILE_NOT_FOUND);
    SetLastError(0xdeadbeef);
    ASSERT_EQ_U(GetFileAttributesA(file_path("nodir/x")), INVALID_FILE_ATTRIBUTES);
    ASSERT_EQ_U(GetLastError(), ERROR_PATH_NOT_FOUND);
    SetLastError(0xdeadbeef);
    ASSERT_EQ_U(GetFileAttributesA(file_path("f/x")), INVALID_FILE_ATTRIBUTES);
    ASSERT_EQ_U(GetLastError(), ERROR_PATH_NOT_FOUND);
    SetLastError(0xdeadbeef);
    expect_fail(SetFileAttributesA(file_path("nothing"), 0), ERROR_FILE_NOT_FOUND);
    SetLastError(0xdeadbeef);
    expect_fail(GetFileAttributesExA(file_path("nodir/x"), GetFileExInfoStandard, &d),
                ERROR_PATH_NOT_FOUND);
    SetLastError(0xdeadbeef);
    expect_fail(GetFileAttributesExA(p, GetFileExInfoStandard, NULL), ERROR_NOACCESS);
    ASSERT_TRUE(DeleteFileA(p));
}

/* ---- overlapped results --------------------------------------------------------- */

TEST(overlapped_result_of_read_write_and_eof)
{
    const char *p = file_path("f");
    HANDLE h = open_rw(p, CREATE_ALWAYS);
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    OVERLAPPED ov = {0};
    ov.hEvent = ev;
    DWORD n = 77;
    ASSERT_TRUE(WriteFile(h, "abcdef", 6, &n, &ov));
    ASSERT_EQ_U(WaitForSingleObject(ev, 0), WAIT_OBJECT_0); /* complete: signalled */
    n = 77;
    ASSERT_TRUE(GetOverlappedResult(h, &ov, &n, TRUE));
    ASSERT_EQ_U(n, 6);
    ASSERT_EQ_U(ov.Internal, STATUS_SUCCESS);
    ASSERT_TRUE(ResetEvent(ev));
    memset(&ov, 0, sizeof ov);
    ov.Offset = 2;
    ov.hEvent = ev;
    char buf[8];
    ASSERT_TRUE(ReadFile(h, buf, sizeof buf, &n, &ov));
    ASSERT_TRUE(GetOverlappedResult(h, &ov, &n, FALSE));
    ASSERT_EQ_U(n, 4);
    ASSERT_MEM_EQ(buf, "cdef", 4);
    /* at the end: ERROR_HANDLE_EOF, from ReadFile and GetOverlappedResult alike */
    memset(&ov, 0, sizeof ov);
    ov.Offset = 6;
    SetLastError(0xdeadbeef);
    expect_fail(ReadFile(h, buf, sizeof buf, &n, &ov), ERROR_HANDLE_EOF);
    n = 77;
    SetLastError(0xdeadbeef);
    expect_fail(GetOverlappedResult(h, &ov, &n, TRUE), ERROR_HANDLE_EOF);
    ASSERT_EQ_U(n, 0);
    /* still pending (as the caller left it): not waited for without bWait */
    ov.Internal = STATUS_PENDING;
    ov.hEvent = ev;
    ASSERT_TRUE(ResetEvent(ev));
    SetLastError(0xdeadbeef);
    expect_fail(GetOverlappedResult(h, &ov, &n, FALSE), ERROR_IO_INCOMPLETE);
    SetLastError(0xdeadbeef);
    expect_fail(GetOverlappedResultEx(h, &ov, &n, 0, FALSE), ERROR_IO_INCOMPLETE);
    SetLastError(0xdeadbeef);
    expect_fail(GetOverlappedResultEx(h, &ov, &n, 1, FALSE), WAIT_TIMEOUT);
    /* the event set, and the status filled in: the wait returns it */
    ov.Internal = STATUS_SUCCESS;
    ov.InternalHigh = 3;
    ov.Internal = STATUS_PENDING;
    ASSERT_TRUE(SetEvent(ev));
    SetLastError(0xdeadbeef);
    expect_fail(GetOverlappedResult(h, &ov, &n, TRUE), ERROR_IO_INCOMPLETE);
    ov.Internal = STATUS_SUCCESS;
    ASSERT_TRUE(GetOverlappedResultEx(h, &ov, &n, 1000, FALSE));
    ASSERT_EQ_U(n, 3);
    SetLastError(0xdeadbeef);
    expect_fail(GetOverlappedResult(h, NULL, &n, FALSE), ERROR_NOACCESS);
    ASSERT_TRUE(CloseHandle(ev));
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
}
