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
