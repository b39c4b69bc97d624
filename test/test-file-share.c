/*
 * test-file-share.c - share modes (FILE_SHARE_*) through the Win32 face:
 * every pair of access x share of two opens, opens against a mapping,
 * DeleteFile, handles that cross processes, a killed holder, and racing
 * openers.  The expected results are Windows' (kernel32's conformance
 * tests record them): IoCheckShareAccess counts only read (FILE_READ_DATA,
 * FILE_EXECUTE), write (FILE_WRITE_DATA, FILE_APPEND_DATA) and DELETE.
 */
#include "harness.h"
#include "watchdog.h"

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <windows.h>

static char path[4200];

static const char *file_path(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", test_root(), name);
    return path;
}

static const DWORD accesses[] = {
    0,
    GENERIC_READ,
    GENERIC_WRITE,
    GENERIC_READ | GENERIC_WRITE,
    DELETE,
    GENERIC_READ | DELETE,
    GENERIC_WRITE | DELETE,
    GENERIC_READ | GENERIC_WRITE | DELETE,
    GENERIC_EXECUTE,
    GENERIC_EXECUTE | DELETE,
    GENERIC_ALL,
    FILE_READ_DATA,
    FILE_WRITE_DATA,
    FILE_APPEND_DATA,
    FILE_READ_EA,
    FILE_WRITE_EA,
    FILE_READ_DATA | FILE_EXECUTE,
    FILE_WRITE_DATA | FILE_EXECUTE,
    FILE_APPEND_DATA | FILE_EXECUTE,
    FILE_READ_EA | FILE_EXECUTE,
    FILE_WRITE_EA | FILE_EXECUTE,
    FILE_EXECUTE,
    FILE_DELETE_CHILD,
    FILE_READ_ATTRIBUTES,
    FILE_WRITE_ATTRIBUTES,
    SYNCHRONIZE,
    FILE_READ_ATTRIBUTES | SYNCHRONIZE,
    READ_CONTROL,
};

#define ALL_SHARE (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* The share classes an access mask counts for: 1 read, 2 write, 4 delete. */
static unsigned counted(DWORD a)
{
    if (a & GENERIC_ALL)
        return 7;
    unsigned c = 0;
    if (a & (GENERIC_READ | GENERIC_EXECUTE | FILE_READ_DATA | FILE_EXECUTE))
        c |= FILE_SHARE_READ;
    if (a & (GENERIC_WRITE | FILE_WRITE_DATA | FILE_APPEND_DATA))
        c |= FILE_SHARE_WRITE;
    if (a & DELETE)
        c |= FILE_SHARE_DELETE;
    return c;
}

/* Windows' rule: each open's counted access must be shared by the other,
 * an open that counts for nothing sharing everything. */
static bool compatible(DWORD a1, DWORD s1, DWORD a2, DWORD s2)
{
    unsigned c1 = counted(a1), c2 = counted(a2);
    if (!c1)
        s1 = ALL_SHARE;
    if (!c2)
        s2 = ALL_SHARE;
    return (c1 & ~s2) == 0 && (c2 & ~s1) == 0;
}

static HANDLE open_file(const char *p, DWORD access, DWORD share, DWORD disp)
{
    SetLastError(0xdeadbeef);
    return CreateFileA(p, access, share, NULL, disp, 0, NULL);
}

static void make_file(const char *p, size_t size)
{
    HANDLE h = open_file(p, GENERIC_WRITE, 0, CREATE_ALWAYS);
    ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
    char buf[4096] = {1};
    DWORD done;
    ASSERT_TRUE(size <= sizeof buf);
    ASSERT_TRUE(WriteFile(h, buf, (DWORD)size, &done, NULL));
    ASSERT_TRUE(CloseHandle(h));
}

TEST(share_every_access_and_share_pair_of_two_opens)
{
    const char *p = file_path("f");
    make_file(p, 64);
    size_t na = sizeof accesses / sizeof *accesses;
    for (size_t a1 = 0; a1 < na; a1++)
        for (DWORD s1 = 0; s1 < 8; s1++) {
            HANDLE h = open_file(p, accesses[a1], s1, OPEN_EXISTING);
            ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
            for (size_t a2 = 0; a2 < na; a2++)
                for (DWORD s2 = 0; s2 < 8; s2++) {
                    HANDLE h2 = open_file(p, accesses[a2], s2, OPEN_EXISTING);
                    DWORD e = GetLastError();
                    if (compatible(accesses[a1], s1, accesses[a2], s2) !=
                        (h2 != INVALID_HANDLE_VALUE))
                        harness_fail(__FILE__, __LINE__, "%#x/%#x then %#x/%#x: handle %p error %u",
                                     (unsigned)accesses[a1], (unsigned)s1, (unsigned)accesses[a2],
                                     (unsigned)s2, (void *)h2, (unsigned)e);
                    ASSERT_EQ_U(e, h2 == INVALID_HANDLE_VALUE ? ERROR_SHARING_VIOLATION : 0);
                    if (h2 != INVALID_HANDLE_VALUE)
                        ASSERT_TRUE(CloseHandle(h2));
                }
            ASSERT_TRUE(CloseHandle(h));
        }
    ASSERT_TRUE(DeleteFileA(p));
}

TEST(share_third_open_is_checked_against_both_others)
{
    const char *p = file_path("f");
    make_file(p, 16);
    HANDLE a = open_file(p, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ, OPEN_EXISTING);
    ASSERT_TRUE(a != INVALID_HANDLE_VALUE);
    /* a refuses write sharing: a reader that also refuses write still fits */
    HANDLE b = open_file(p, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE); /* a writes and b refuses write */
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    b = open_file(p, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING);
    ASSERT_TRUE(b != INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), 0);
    /* closing a does not lift b's refusals of delete */
    ASSERT_TRUE(CloseHandle(a));
    HANDLE c = open_file(p, DELETE, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(c == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    c = open_file(p, GENERIC_WRITE, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(c != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(c));
    ASSERT_TRUE(CloseHandle(b));
    ASSERT_TRUE(DeleteFileA(p));
}

/* Windows: once the file handle is closed, a section of the file keeps no
 * share access of that handle; a writable section refuses every open that
 * does not share write, whatever its access (even 0). */
TEST(share_against_a_section_whose_file_handle_is_closed)
{
    static const DWORD prots[] = {PAGE_READONLY, PAGE_WRITECOPY, PAGE_READWRITE};
    const char *p = file_path("f");
    size_t na = sizeof accesses / sizeof *accesses;
    for (size_t m = 0; m < 3; m++) {
        make_file(p, 4096);
        HANDLE h = open_file(p, GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING);
        ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
        HANDLE map = CreateFileMappingA(h, NULL, prots[m], 0, 0, NULL);
        ASSERT_NOT_NULL(map);
        ASSERT_TRUE(CloseHandle(h));
        for (size_t a = 0; a < na; a++)
            for (DWORD s = 0; s < 8; s++) {
                HANDLE h2 = open_file(p, accesses[a], s, OPEN_EXISTING);
                DWORD e = GetLastError();
                bool ok = prots[m] != PAGE_READWRITE || (s & FILE_SHARE_WRITE);
                if (ok != (h2 != INVALID_HANDLE_VALUE))
                    harness_fail(__FILE__, __LINE__, "map %#x, open %#x/%#x: error %u",
                                 (unsigned)prots[m], (unsigned)accesses[a], (unsigned)s,
                                 (unsigned)e);
                ASSERT_EQ_U(e, ok ? 0 : ERROR_SHARING_VIOLATION);
                if (h2 != INVALID_HANDLE_VALUE)
                    ASSERT_TRUE(CloseHandle(h2));
            }
        /* the share check passes (write is shared): then the truncation fails */
        HANDLE h2 = open_file(p, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, CREATE_ALWAYS);
        ASSERT_TRUE(h2 == INVALID_HANDLE_VALUE);
        ASSERT_EQ_U(GetLastError(), ERROR_USER_MAPPED_FILE);
        ASSERT_TRUE(CloseHandle(map));
    }
    /* with the section gone, nothing is refused */
    HANDLE h = open_file(p, GENERIC_READ, 0, OPEN_EXISTING);
    ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
}

TEST(share_writable_view_outlives_its_section_handle)
{
    const char *p = file_path("f");
    make_file(p, 4096);
    HANDLE h = open_file(p, GENERIC_READ | GENERIC_WRITE, ALL_SHARE, OPEN_EXISTING);
    HANDLE map = CreateFileMappingA(h, NULL, PAGE_READWRITE, 0, 0, NULL);
    ASSERT_NOT_NULL(map);
    void *v = MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, 0);
    ASSERT_NOT_NULL(v);
    ASSERT_TRUE(CloseHandle(map));
    ASSERT_TRUE(CloseHandle(h));
    HANDLE h2 = open_file(p, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING);
    ASSERT_TRUE(h2 == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    ASSERT_TRUE(UnmapViewOfFile(v));
    h2 = open_file(p, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING);
    ASSERT_TRUE(h2 != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(h2));
    ASSERT_TRUE(DeleteFileA(p));
}

TEST(share_order_of_errors)
{
    const char *p = file_path("f");
    make_file(p, 16);
    HANDLE a = open_file(p, GENERIC_READ, 0, OPEN_EXISTING);
    ASSERT_TRUE(a != INVALID_HANDLE_VALUE);
    /* CREATE_NEW on the existing file: the file exists, before sharing */
    HANDLE b = open_file(p, GENERIC_READ, 0, CREATE_NEW);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_FILE_EXISTS);
    /* CREATE_ALWAYS and OPEN_ALWAYS meet the share check (and truncate nothing) */
    b = open_file(p, GENERIC_WRITE, ALL_SHARE, CREATE_ALWAYS);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    LARGE_INTEGER size;
    ASSERT_TRUE(GetFileSizeEx(a, &size));
    ASSERT_EQ_U(size.QuadPart, 16);
    b = open_file(p, GENERIC_READ, ALL_SHARE, OPEN_ALWAYS);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    b = open_file(p, GENERIC_WRITE, ALL_SHARE, TRUNCATE_EXISTING);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    /* a missing file is not found, whatever is open elsewhere */
    b = open_file(file_path("g"), GENERIC_READ, 0, OPEN_EXISTING);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_FILE_NOT_FOUND);
    ASSERT_TRUE(CloseHandle(a));
    ASSERT_TRUE(DeleteFileA(file_path("f")));
}

TEST(share_invalid_bits_and_a_foreign_flock)
{
    const char *p = file_path("f");
    make_file(p, 16);
    HANDLE h = open_file(p, GENERIC_READ, 8, OPEN_EXISTING);
    ASSERT_TRUE(h == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_INVALID_PARAMETER);
    h = open_file(file_path("missing"), GENERIC_READ, ALL_SHARE | 0x80, OPEN_EXISTING);
    ASSERT_TRUE(h == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_INVALID_PARAMETER); /* before the path */
    /* a program that is not shmap's holds a flock on the file: openers do
     * not hang on their gate, and the share rules still hold */
    p = file_path("f");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(flock(fd, LOCK_EX), 0);
    h = open_file(p, GENERIC_READ, 0, OPEN_EXISTING);
    ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
    HANDLE h2 = open_file(p, GENERIC_READ, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(h2 == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    ASSERT_TRUE(CloseHandle(h));
    close(fd);
    ASSERT_TRUE(DeleteFileA(p));
}

/* MAXIMUM_ALLOWED gets every right the file allows: it counts for read,
 * write and delete. */
TEST(share_maximum_allowed_counts_for_everything)
{
    const char *p = file_path("f");
    make_file(p, 16);
    HANDLE h = open_file(p, MAXIMUM_ALLOWED, FILE_SHARE_READ, OPEN_EXISTING);
    ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
    DWORD n;
    ASSERT_TRUE(WriteFile(h, "m", 1, &n, NULL));
    HANDLE b = open_file(p, GENERIC_READ, FILE_SHARE_READ, OPEN_EXISTING); /* h writes */
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    b = open_file(p, GENERIC_WRITE, ALL_SHARE, OPEN_EXISTING); /* h refuses write */
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    b = open_file(p, GENERIC_READ, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(b != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(b));
    SetLastError(0xdeadbeef);
    ASSERT_TRUE(!DeleteFileA(p)); /* h refuses delete */
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    ASSERT_TRUE(CloseHandle(h));
    ASSERT_TRUE(DeleteFileA(p));
}

TEST(share_delete_file_needs_share_delete)
{
    const char *p = file_path("f");
    make_file(p, 16);
    HANDLE a = open_file(p, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING);
    ASSERT_TRUE(a != INVALID_HANDLE_VALUE);
    SetLastError(0xdeadbeef);
    ASSERT_TRUE(!DeleteFileA(p));
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    ASSERT_TRUE(CloseHandle(a));
    /* an open that counts for nothing denies nothing */
    a = open_file(p, FILE_READ_ATTRIBUTES, 0, OPEN_EXISTING);
    ASSERT_TRUE(a != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(DeleteFileA(p));
    ASSERT_TRUE(CloseHandle(a));
    make_file(p, 16);
    a = open_file(p, GENERIC_READ, FILE_SHARE_DELETE, OPEN_EXISTING);
    ASSERT_TRUE(a != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(DeleteFileA(p));
    ASSERT_TRUE(CloseHandle(a));
}

/* A duplicate shares the file object: the share state lasts until the last
 * handle of it is closed. */
TEST(share_duplicate_keeps_the_file_object_open)
{
    const char *p = file_path("f");
    make_file(p, 16);
    HANDLE a = open_file(p, GENERIC_READ, 0, OPEN_EXISTING), d;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), a, GetCurrentProcess(), &d, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(CloseHandle(a));
    HANDLE b = open_file(p, GENERIC_READ, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    ASSERT_TRUE(CloseHandle(d));
    b = open_file(p, GENERIC_READ, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(b != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(b));
    ASSERT_TRUE(DeleteFileA(p));
}

HELPER(share_holder)
{
    (void)argc;
    HANDLE h = open_file(argv[0], GENERIC_READ | GENERIC_WRITE, 0, OPEN_EXISTING);
    if (h == INVALID_HANDLE_VALUE)
        return 2;
    printf("held\n");
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) /* until the test closes our stdin, or kills us */
        ;
    return 0;
}

TEST(share_across_processes_and_a_killed_holder)
{
    const char *p = file_path("f");
    make_file(p, 16);
    proc_t child = spawn_helper_piped("share_holder", p, NULL);
    char line[16];
    proc_line(&child, line, sizeof line, 30);
    ASSERT_STR_EQ(line, "held");
    HANDLE b = open_file(p, 0, 0, OPEN_EXISTING); /* counts for nothing: allowed */
    ASSERT_TRUE(b != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(b));
    b = open_file(p, GENERIC_READ, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    SetLastError(0xdeadbeef);
    ASSERT_TRUE(!DeleteFileA(p));
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    kill(child.pid, SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(wait_pid(child.pid, 30)));
    close(child.in);
    close(child.out);
    b = open_file(p, GENERIC_READ, 0, OPEN_EXISTING); /* the kernel dropped its state */
    ASSERT_TRUE(b != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(b));
    ASSERT_TRUE(DeleteFileA(p));
}

/* Exclusive openers racing in several processes: never two at once. */
TEST(share_racing_exclusive_openers_never_both_pass)
{
    const char *p = file_path("f");
    make_file(p, 16);
    enum { KIDS = 4, ROUNDS = 2000 };
    _Atomic int *inside =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(inside != MAP_FAILED);
    struct watchdog *wd = wd_new(KIDS);
    wd_start(wd);
    pid_t pids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        if ((pids[k] = fork()) == 0) {
            int slot = wd_join(wd, "opener");
            int got = 0;
            for (int i = 0; i < ROUNDS; i++) {
                wd_tick(wd, slot, "open");
                DWORD acc = (i + k) % 2 ? GENERIC_WRITE : GENERIC_READ;
                HANDLE h = CreateFileA(p, acc, (i % 3) ? FILE_SHARE_DELETE : 0, NULL, OPEN_EXISTING,
                                       0, NULL);
                if (h == INVALID_HANDLE_VALUE) {
                    if (GetLastError() != ERROR_SHARING_VIOLATION)
                        _exit(3);
                    continue;
                }
                got++;
                if (atomic_fetch_add(inside, 1) != 0)
                    _exit(4);
                sched_yield(); /* widen the window in which a second holder shows */
                atomic_fetch_sub(inside, 1);
                CloseHandle(h);
            }
            wd_leave(wd, slot);
            _exit(got >= 0 ? 0 : 5);
        }
    }
    for (int k = 0; k < KIDS; k++)
        expect_exit(pids[k], 0, 120);
    wd_stop(wd);
    munmap((void *)inside, 4096);
    ASSERT_TRUE(DeleteFileA(p));
}

/* Waits for its standard input to end; the inherited handles stay open. */
HELPER(share_inheritor)
{
    (void)argc;
    (void)argv;
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

/* An inherited handle is the same file object: its share state lasts in
 * the child after the parent closed its own handle. */
TEST(share_inherited_handle_keeps_the_file_object_in_the_child)
{
    const char *p = file_path("f");
    make_file(p, 16);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE h = CreateFileA(p, GENERIC_READ, 0, &sa, OPEN_EXISTING, 0, NULL);
    ASSERT_TRUE(h != INVALID_HANDLE_VALUE);
    HANDLE in_r, in_w;
    ASSERT_TRUE(CreatePipe(&in_r, &in_w, &sa, 0));
    ASSERT_TRUE(SetHandleInformation(in_w, HANDLE_FLAG_INHERIT, 0));
    STARTUPINFOA si = {.cb = sizeof si};
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in_r;
    PROCESS_INFORMATION pi;
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "\"%s\" --helper share_inheritor", test_self());
    ASSERT_TRUE(CreateProcessA(test_self(), cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi));
    ASSERT_TRUE(CloseHandle(in_r));
    ASSERT_TRUE(CloseHandle(h));
    HANDLE b = open_file(p, GENERIC_READ, ALL_SHARE, OPEN_EXISTING);
    ASSERT_TRUE(b == INVALID_HANDLE_VALUE);
    ASSERT_EQ_U(GetLastError(), ERROR_SHARING_VIOLATION);
    ASSERT_TRUE(CloseHandle(in_w)); /* the child ends */
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 30000), WAIT_OBJECT_0);
    ASSERT_TRUE(CloseHandle(pi.hProcess));
    ASSERT_TRUE(CloseHandle(pi.hThread));
    b = open_file(p, GENERIC_READ, 0, OPEN_EXISTING);
    ASSERT_TRUE(b != INVALID_HANDLE_VALUE);
    ASSERT_TRUE(CloseHandle(b));
    ASSERT_TRUE(DeleteFileA(p));
}
