/*
 * test-process.c - CreateProcess and inheritance, process handles, exit
 * codes, TerminateProcess, DuplicateHandle between processes (§4, §7, §8
 * of the reference), through the Win32 face.  Children are this binary's
 * helpers, started with CreateProcess; they learn handle values from their
 * command line or from a shared page, as Windows programs do.
 */
#include "harness.h"

#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <windows.h>

#include "shmap.h"

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()

/* The page parent and child share: an unnamed inheritable section. */
struct page {
    volatile uint32_t value;  /* a handle value, written by whoever makes it */
    volatile uint32_t flag;   /* progress marks */
    volatile uint32_t result; /* what the child saw */
    volatile uint32_t spin;
    char data[64];
};

static HANDLE page_new(struct page **p)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, NULL);
    ASSERT_NOT_NULL(h);
    *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    ASSERT_NOT_NULL(*p);
    return h;
}

static struct page *page_of(const char *value)
{
    HANDLE h = (HANDLE)(uintptr_t)strtoul(value, NULL, 0);
    return MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
}

/* CreateProcess of "<self> --helper name args" */
static BOOL start(const char *args, BOOL inherit, DWORD flags, PROCESS_INFORMATION *pi)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"%s\" --helper %s", test_self(), args);
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    POISON(*pi);
    return CreateProcessA(NULL, cmd, NULL, NULL, inherit, flags, NULL, NULL, &si, pi);
}

static DWORD finish(PROCESS_INFORMATION *pi)
{
    ASSERT_EQ_U(WaitForSingleObject(pi->hProcess, 20000), WAIT_OBJECT_0);
    DWORD code = 0xdeadbeef;
    ASSERT_TRUE(GetExitCodeProcess(pi->hProcess, &code));
    ASSERT_TRUE(CloseHandle(pi->hThread));
    ASSERT_TRUE(CloseHandle(pi->hProcess));
    return code;
}

static void run_expect(const char *args, BOOL inherit, DWORD code)
{
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, inherit, 0, &pi));
    ASSERT_EQ_U(finish(&pi), code);
}

/* ---- inheritance ---------------------------------------------------------- */

/* argv: handle value, expected (1 inherited / 0 not), expected access */
HELPER(inh_check)
{
    if (argc < 3)
        return 90;
    HANDLE h = (HANDLE)(uintptr_t)strtoul(argv[0], NULL, 0);
    int want = atoi(argv[1]);
    DWORD flags = 0xdeadbeef;
    SetLastError(0);
    BOOL ok = GetHandleInformation(h, &flags);
    if (!want)
        return ok ? 10 : (GetLastError() == ERROR_INVALID_HANDLE ? 0 : 11);
    if (!ok)
        return 12;
    DWORD want_flags = argc > 3 ? (DWORD)strtoul(argv[3], NULL, 0) : HANDLE_FLAG_INHERIT;
    if (flags != want_flags)
        return 13;
    if (flags & HANDLE_FLAG_PROTECT_FROM_CLOSE) { /* protected here too: not closable */
        SetLastError(0);
        if (CloseHandle(h) || GetLastError() != ERROR_INVALID_HANDLE ||
            !GetHandleInformation(h, &flags))
            return 16;
    }
    uint32_t access = 0;
    shmap_type_t type = SHMAP_TYPE_NONE;
    if (shmap_handle_query((shmap_handle_t)h, &type, &access) != 0 ||
        access != strtoul(argv[2], NULL, 0))
        return 14;
    if (type != SHMAP_TYPE_EVENT)
        return 15;
    return 0;
}

TEST(inheritance_matrix)
{
    /* flag at creation x SetHandleInformation (none, on, off) x bInheritHandles */
    for (int created = 0; created < 2; created++)
        for (int set = 0; set < 3; set++)
            for (int inherit = 0; inherit < 2; inherit++) {
                SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, created};
                HANDLE h = CreateEventExA(&sa, NULL, 0, EVENT_MODIFY_STATE | SYNCHRONIZE);
                ASSERT_NOT_NULL(h);
                if (set == 1)
                    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
                if (set == 2)
                    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0));
                int marked = set == 1 || (set == 0 && created);
                char args[128];
                snprintf(args, sizeof args, "inh_check %lu %d %lu", (unsigned long)(uintptr_t)h,
                         marked && inherit, (unsigned long)(EVENT_MODIFY_STATE | SYNCHRONIZE));
                PROCESS_INFORMATION pi;
                ASSERT_TRUE(start(args, inherit, 0, &pi));
                DWORD code = finish(&pi);
                if (code != 0)
                    harness_fail(__FILE__, __LINE__, "created %d set %d inherit %d: child %lu",
                                 created, set, inherit, (unsigned long)code);
                ASSERT_TRUE(CloseHandle(h));
            }
    /* the child's handle has the same flags (§8.4): protection from close too */
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE h = CreateEventExA(&sa, NULL, 0, SYNCHRONIZE);
    ASSERT_TRUE(
        SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    char args[128];
    snprintf(args, sizeof args, "inh_check %lu 1 %lu 3", (unsigned long)(uintptr_t)h,
             (unsigned long)SYNCHRONIZE);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    ASSERT_EQ_U(finish(&pi), 0);
    ASSERT_TRUE(SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    ASSERT_TRUE(CloseHandle(h));
}

/* argv: page, event "go"; the mapping value is in page->value: after go,
 * map it (the parent has closed its handle) and open it by name. */
HELPER(inh_alive)
{
    struct page *pg = page_of(argv[0]);
    HANDLE go = (HANDLE)(uintptr_t)strtoul(argv[1], NULL, 0);
    if (!pg)
        return 20;
    pg->flag = 1;
    if (WaitForSingleObject(go, 20000) != WAIT_OBJECT_0)
        return 21;
    HANDLE m = (HANDLE)(uintptr_t)pg->value;
    char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    if (!v || strcmp(v, "kept alive") != 0)
        return 22;
    HANDLE byname = OpenFileMappingA(FILE_MAP_READ, FALSE, "inh-alive");
    if (!byname)
        return 23;
    CloseHandle(byname);
    return 0;
}

TEST(inherited_handles_keep_objects_alive)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, "inh-alive");
    HANDLE go = CreateEventA(&sa, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(m);
    ASSERT_NOT_NULL(go);
    char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(v, "kept alive");
    ASSERT_TRUE(UnmapViewOfFile(v));
    pg->value = (uint32_t)(uintptr_t)m;
    char args[128];
    snprintf(args, sizeof args, "inh_alive %lu %lu", (unsigned long)(uintptr_t)hp,
             (unsigned long)(uintptr_t)go);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    ASSERT_TRUE(CloseHandle(m)); /* the child's inherited handle is now the only one */
    for (int i = 0; i < 2000 && !pg->flag; i++)
        Sleep(5);
    ASSERT_TRUE(SetEvent(go));
    ASSERT_EQ_U(finish(&pi), 0);
    /* the child has exited: nobody holds the mapping any more */
    POISON_LE();
    ASSERT_NULL(OpenFileMappingA(FILE_MAP_READ, FALSE, "inh-alive"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
    CloseHandle(go);
    UnmapViewOfFile(pg);
    CloseHandle(hp);
}

/* ---- exit codes and process handles ------------------------------------------ */

HELPER(exit_with)
{
    unsigned long code = strtoul(argv[0], NULL, 0);
    if (argc > 1 && strcmp(argv[1], "return") == 0)
        return (int)code; /* exit() from main with an int: 256 stays 256 */
    ExitProcess((UINT)code);
}

TEST(exit_codes)
{
    const char *codes[] = {"0", "255", "256", "0xC0000005", "0xFFFFFFFF"};
    const DWORD want[] = {0, 255, 256, 0xC0000005, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        char args[64];
        snprintf(args, sizeof args, "exit_with %s", codes[i]);
        run_expect(args, FALSE, want[i]);
    }
    run_expect("exit_with 256 return", FALSE, 256);
}

HELPER(block)
{
    (void)argc;
    (void)argv;
    while (argc >= 0)
        pause();
    return 0;
}

TEST(still_active_then_terminate)
{
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start("block", FALSE, 0, &pi));
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ_U(code, STILL_ACTIVE);
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 50), WAIT_TIMEOUT);
    ASSERT_EQ_U(GetProcessId(pi.hProcess), pi.dwProcessId);
    ASSERT_EQ_U(GetThreadId(pi.hThread), pi.dwThreadId);
    ASSERT_TRUE(TerminateProcess(pi.hProcess, 0x1234abcd));
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
    ASSERT_EQ_U(WaitForSingleObject(pi.hThread, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ_U(code, 0x1234abcd);
    ASSERT_TRUE(GetExitCodeThread(pi.hThread, &code));
    ASSERT_EQ_U(code, 0x1234abcd);
    POISON_LE();
    ASSERT_TRUE(!TerminateProcess(pi.hProcess, 1)); /* it has ended */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

struct waiter {
    HANDLE h;
    DWORD result;
};

static void *wait_thread(void *p)
{
    struct waiter *w = p;
    w->result = WaitForSingleObject(w->h, 20000);
    return NULL;
}

TEST(terminate_while_parent_waits)
{
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start("block", FALSE, 0, &pi));
    struct waiter w = {pi.hProcess, 0xdeadbeef};
    pthread_t t;
    pthread_create(&t, NULL, wait_thread, &w);
    Sleep(50);
    ASSERT_TRUE(TerminateProcess(pi.hProcess, 7));
    pthread_join(t, NULL);
    ASSERT_EQ_U(w.result, WAIT_OBJECT_0);
    ASSERT_EQ_U(finish(&pi), 7);
}

TEST(signal_death_code)
{
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start("block", FALSE, 0, &pi));
    kill((pid_t)pi.dwProcessId, SIGKILL);
    ASSERT_EQ_U(finish(&pi), 128 + SIGKILL);
}

TEST(process_handles_in_wait_any_and_all)
{
    PROCESS_INFORMATION a, b;
    ASSERT_TRUE(start("block", FALSE, 0, &a));
    ASSERT_TRUE(start("exit_with 3", FALSE, 0, &b));
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    HANDLE any[3] = {a.hProcess, ev, b.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(3, any, FALSE, 20000), WAIT_OBJECT_0 + 2);
    ASSERT_EQ_U(WaitForMultipleObjects(3, any, TRUE, 50), WAIT_TIMEOUT);
    ASSERT_TRUE(SetEvent(ev));
    ASSERT_EQ_U(WaitForMultipleObjects(3, any, TRUE, 50), WAIT_TIMEOUT);
    ASSERT_TRUE(TerminateProcess(a.hProcess, 9));
    ASSERT_EQ_U(WaitForMultipleObjects(3, any, TRUE, 20000), WAIT_OBJECT_0);
    HANDLE thr[2] = {a.hThread, b.hThread}; /* main threads end with their process */
    ASSERT_EQ_U(WaitForMultipleObjects(2, thr, TRUE, 0), WAIT_OBJECT_0);
    ASSERT_EQ_U(finish(&a), 9);
    ASSERT_EQ_U(finish(&b), 3);
    CloseHandle(ev);
}

TEST(wait_all_refuses_one_process_twice)
{
    /* two OpenProcess handles to a program that runs no shmap (no state
     * file to compare): still the same object twice, 87 (§15.2) */
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/sleep", "sleep", "20", (char *)NULL);
        _exit(127);
    }
    ASSERT_GT(p, 0);
    HANDLE a = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)p);
    HANDLE b = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)p);
    ASSERT_NOT_NULL(a);
    ASSERT_NOT_NULL(b);
    HANDLE two[2] = {a, b};
    POISON_LE();
    ASSERT_EQ_U(WaitForMultipleObjects(2, two, TRUE, 0), WAIT_FAILED);
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_EQ_U(WaitForMultipleObjects(2, two, FALSE, 0), WAIT_TIMEOUT); /* wait-any: fine */
    kill(p, SIGKILL);
    ASSERT_EQ_U(WaitForSingleObject(a, 20000), WAIT_OBJECT_0);
    waitpid(p, NULL, 0);
    ASSERT_TRUE(CloseHandle(a));
    ASSERT_TRUE(CloseHandle(b));
}

TEST(open_process)
{
    POISON_LE();
    ASSERT_NULL(OpenProcess(SYNCHRONIZE, FALSE, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start("block", FALSE, 0, &pi));
    HANDLE s = OpenProcess(SYNCHRONIZE, FALSE, pi.dwProcessId);
    ASSERT_NOT_NULL(s);
    HANDLE q = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pi.dwProcessId);
    ASSERT_NOT_NULL(q);
    DWORD code;
    POISON_LE();
    ASSERT_TRUE(!GetExitCodeProcess(s, &code)); /* no query right */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(GetExitCodeProcess(q, &code));
    ASSERT_EQ_U(code, STILL_ACTIVE);
    POISON_LE();
    ASSERT_EQ_U(GetProcessId(s), 0); /* needs a query right */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_EQ_U(GetProcessId(q), pi.dwProcessId);
    POISON_LE();
    ASSERT_TRUE(!TerminateProcess(q, 1));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_EQ_U(WaitForSingleObject(q, 0), WAIT_FAILED); /* no SYNCHRONIZE */
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(TerminateProcess(pi.hProcess, 5));
    ASSERT_EQ_U(WaitForSingleObject(s, 20000), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeProcess(q, &code));
    ASSERT_EQ_U(code, 5);
    DWORD pid = pi.dwProcessId;
    ASSERT_EQ_U(finish(&pi), 5);
    CloseHandle(s);
    CloseHandle(q);
    /* reaped now: no such process */
    POISON_LE();
    ASSERT_NULL(OpenProcess(SYNCHRONIZE, FALSE, pid));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    HANDLE me = OpenProcess(PROCESS_ALL_ACCESS, FALSE, GetCurrentProcessId());
    ASSERT_NOT_NULL(me);
    ASSERT_EQ_U(GetProcessId(me), GetCurrentProcessId());
    ASSERT_EQ_U(WaitForSingleObject(me, 0), WAIT_TIMEOUT);
    ASSERT_TRUE(GetExitCodeProcess(GetCurrentProcess(), &code));
    ASSERT_EQ_U(code, STILL_ACTIVE);
    CloseHandle(me);
}

TEST(pid_reuse_never_confused)
{
    long pid_max = 0;
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    if (f) {
        if (fscanf(f, "%ld", &pid_max) != 1)
            pid_max = 0;
        fclose(f);
    }
    if (pid_max <= 0 || pid_max > 70000)
        SKIP("pid_max too large to cycle through");
#if defined(__SANITIZE_THREAD__)
    SKIP("ThreadSanitizer turns each vfork into a slow fork");
#endif
    if (getenv("SHMAP_TEST_EMULATED") && *getenv("SHMAP_TEST_EMULATED"))
        SKIP("forking 30 000 times under an emulator is too slow");
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start("exit_with 77", FALSE, 0, &pi));
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
    pid_t old = (pid_t)pi.dwProcessId;
    ASSERT_EQ(waitpid(old, NULL, 0), old); /* reaped behind shmap's back */
    /* cycle through pids until a new process gets the old one: vfork
     * children that exit at once burn pids quickly; the one after old - 1
     * is a real child that stays */
    pid_t got = 0, last = 0;
    for (long i = 0; i < 3 * pid_max && got != old && old > 301; i++) {
        volatile bool near = last >= old - 20 && last < old;
        pid_t c;
        if (near) {
            c = fork();
            if (c == 0)
                for (;;)
                    pause();
        } else {
            c = vfork();
            if (c == 0)
                _exit(0);
        }
        ASSERT_GT(c, 0);
        last = c;
        if (c == old) {
            got = c;
            break;
        }
        if (near)
            kill(c, SIGKILL);
        waitpid(c, NULL, 0);
    }
    if (got != old)
        SKIP("the old pid did not come back");
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 0), WAIT_OBJECT_0);
    DWORD code;
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ_U(code, 77);
    ASSERT_EQ_U(GetProcessId(pi.hProcess), (DWORD)old);
    HANDLE n = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, (DWORD)old);
    ASSERT_NOT_NULL(n); /* the new one, running */
    ASSERT_EQ_U(WaitForSingleObject(n, 0), WAIT_TIMEOUT);
    ASSERT_TRUE(GetExitCodeProcess(n, &code));
    ASSERT_EQ_U(code, STILL_ACTIVE);
    kill(got, SIGKILL);
    waitpid(got, NULL, 0);
    ASSERT_EQ_U(WaitForSingleObject(n, 20000), WAIT_OBJECT_0);
    CloseHandle(n);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
}

/* ---- suspended start ----------------------------------------------------------- */

HELPER(mark)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 30;
    pg->flag = 1;
    return 0;
}

TEST(create_suspended_then_resume)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[64];
    snprintf(args, sizeof args, "mark %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, CREATE_SUSPENDED, &pi));
    Sleep(100);
    ASSERT_EQ_U(pg->flag, 0); /* it has not run */
    DWORD code;
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ_U(code, STILL_ACTIVE);
    ASSERT_EQ_U(ResumeThread(pi.hThread), 1);
    ASSERT_EQ_U(finish(&pi), 0);
    ASSERT_EQ_U(pg->flag, 1);
    UnmapViewOfFile(pg);
    CloseHandle(hp);
}

TEST(create_process_errors)
{
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    PROCESS_INFORMATION pi;
    char cmd[] = "/nonexistent/program arg";
    POISON_LE();
    ASSERT_TRUE(!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
    char cmd2[] = "no-such-program-in-path-xyz";
    POISON_LE();
    ASSERT_TRUE(!CreateProcessA(NULL, cmd2, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
    /* a file that is executable but no program: 193 */
    char junk[] = "/tmp/shmap-test-junk-XXXXXX";
    int fd = mkstemp(junk);
    ASSERT_TRUE(fd >= 0);
    ASSERT_EQ(write(fd, "\x7f\x01junk", 6), 6);
    close(fd);
    ASSERT_EQ(chmod(junk, 0700), 0);
    if (!getenv("SHMAP_TEST_EMULATED") || !*getenv("SHMAP_TEST_EMULATED")) {
        /* (under qemu-user the emulator's exec does not report ENOEXEC) */
        POISON_LE();
        ASSERT_TRUE(!CreateProcessA(junk, NULL, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
        ASSERT_EQ_U(LE(), ERROR_BAD_EXE_FORMAT);
    }
    POISON_LE(); /* also when the exec would come after the call (suspended) */
    ASSERT_TRUE(
        !CreateProcessA(junk, NULL, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, NULL, &si, &pi));
    ASSERT_EQ_U(LE(), ERROR_BAD_EXE_FORMAT);
    unlink(junk);
    /* a program and an empty command line: it runs (argv[0] = the program) */
    char empty[] = "";
    ASSERT_TRUE(CreateProcessA("/bin/true", empty, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    ASSERT_EQ_U(finish(&pi), 0);
}

/* ---- command line, environment, directory, standard handles ------------------------- */

HELPER(args_env)
{
    /* expects: argv = {"a b", "c\"d", "e\\\\f", ""}, SHMAP_T_VAR=yes, cwd /tmp */
    const char *want[] = {"a b", "c\"d", "e\\\\f", ""};
    if (argc != 4)
        return 40 + argc;
    for (int i = 0; i < 4; i++)
        if (strcmp(argv[i], want[i]) != 0)
            return 50 + i;
    const char *v = getenv("SHMAP_T_VAR");
    if (!v || strcmp(v, "yes") != 0)
        return 60;
    if (getenv("SHMAP_T_OTHER"))
        return 61;
    char cwd[256];
    if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/tmp") != 0)
        return 62;
    DWORD n;
    if (!WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "out-ok\n", 7, &n, NULL) || n != 7)
        return 63;
    return 0;
}

TEST(command_line_environment_directory_stdio)
{
    char **v;
    ASSERT_EQ(shmap_cmdline_split("\"C:\\a b\\p.exe\" x \"y z\" a\\\\\\\"b \"\"", &v), 5);
    ASSERT_STR_EQ(v[0], "C:\\a b\\p.exe");
    ASSERT_STR_EQ(v[1], "x");
    ASSERT_STR_EQ(v[2], "y z");
    ASSERT_STR_EQ(v[3], "a\\\"b");
    ASSERT_STR_EQ(v[4], "");
    ASSERT_NULL(v[5]);
    free(v);
    ASSERT_EQ(shmap_cmdline_split("p a\\\\b \"c\\\\\" d\\\\\\\\\"e f\"", &v), 4);
    ASSERT_STR_EQ(v[1], "a\\\\b");
    ASSERT_STR_EQ(v[2], "c\\");
    ASSERT_STR_EQ(v[3], "d\\\\e f");
    free(v);
    /* argv[0]: a quote inside an unquoted program name is kept */
    ASSERT_EQ(shmap_cmdline_split("  a\"b c", &v), 2);
    ASSERT_STR_EQ(v[0], "a\"b");
    ASSERT_STR_EQ(v[1], "c");
    free(v);
    ASSERT_EQ(shmap_cmdline_split("", &v), 0);
    ASSERT_NULL(v[0]);
    free(v);

    char tmpl[] = "/tmp/shmap-stdout-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE out = CreateFileA(tmpl, GENERIC_WRITE, 0, &sa, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(out != INVALID_HANDLE_VALUE);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"%s\" --helper args_env \"a b\" c\\\"d e\\\\f \"\"", test_self());
    char env[] = "SHMAP_T_VAR=yes\0PATH=/usr/bin:/bin\0\0";
    char envblk[256];
    size_t off = 0;
    memcpy(envblk, env, sizeof env);
    off = sizeof env - 1;
    /* the namespace root, so the child's library uses the test's */
    int k = snprintf(envblk + off, sizeof envblk - off, "SHMAP_ROOT=%s", test_root());
    envblk[off + (size_t)k + 1] = 0;
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = INVALID_HANDLE_VALUE;
    si.hStdOutput = out;
    si.hStdError = INVALID_HANDLE_VALUE;
    setenv("SHMAP_T_OTHER", "1", 1);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, envblk, "/tmp", &si, &pi));
    unsetenv("SHMAP_T_OTHER");
    ASSERT_EQ_U(finish(&pi), 0);
    CloseHandle(out);
    char buf[32] = {0};
    FILE *f = fopen(tmpl, "r");
    ASSERT_NOT_NULL(f);
    ASSERT_TRUE(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    unlink(tmpl);
    ASSERT_STR_EQ(buf, "out-ok\n");
}

/* ---- a file handle used by another process --------------------------------------------- */

/* argv: an inherited file handle at position 4 of "0123456789" (read and
 * write access).  Reads from there, maps the file, writes at its end. */
HELPER(file_child)
{
    HANDLE f = (HANDLE)(uintptr_t)strtoul(argv[0], NULL, 0);
    char buf[8] = {0};
    DWORD n = 0;
    if (!ReadFile(f, buf, 3, &n, NULL) || n != 3 || memcmp(buf, "456", 3) != 0)
        return 30; /* starts at the parent's position */
    if (GetFileSize(f, NULL) != 10)
        return 31;
    HANDLE m = CreateFileMappingA(f, NULL, PAGE_READONLY, 0, 0, NULL);
    const char *v = m ? MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0) : NULL;
    if (!v || memcmp(v, "0123456789", 10) != 0)
        return 32;
    UnmapViewOfFile(v);
    CloseHandle(m);
    if (SetFilePointer(f, 0, NULL, FILE_END) != 10 || !WriteFile(f, "AB", 2, &n, NULL) || n != 2)
        return 33;
    return CloseHandle(f) ? 0 : 34;
}

TEST(file_handle_used_by_another_process)
{
    char path[] = "/tmp/shmap-file-child-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                           &sa, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    DWORD n = 0;
    ASSERT_TRUE(WriteFile(f, "0123456789", 10, &n, NULL));
    ASSERT_EQ_U(SetFilePointer(f, 4, NULL, FILE_BEGIN), 4);
    char args[64];
    snprintf(args, sizeof args, "file_child %lu", (unsigned long)(uintptr_t)f);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    ASSERT_EQ_U(finish(&pi), 0);
    /* the child's writes are in the file; our position moved on its own */
    ASSERT_EQ_U(GetFileSize(f, NULL), 12);
    char buf[8] = {0};
    ASSERT_TRUE(ReadFile(f, buf, 3, &n, NULL));
    ASSERT_EQ_U(n, 3);
    ASSERT_STR_EQ(buf, "456");
    ASSERT_EQ_U(SetFilePointer(f, 10, NULL, FILE_BEGIN), 10);
    ASSERT_TRUE(ReadFile(f, buf, 2, &n, NULL));
    buf[2] = 0;
    ASSERT_STR_EQ(buf, "AB");
    ASSERT_TRUE(CloseHandle(f));
    unlink(path);
}

/* ---- DuplicateHandle between processes ---------------------------------------------- */

/* argv: page, "wait" (block in WaitForSingleObject on an inherited event
 * given as argv[2]) or "spin" (spin on page->spin without calling shmap).
 * Then map page->value and check the data; CloseHandle it. */
HELPER(dup_target)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 70;
    pg->flag = 1;
    if (strcmp(argv[1], "wait") == 0) {
        HANDLE go = (HANDLE)(uintptr_t)strtoul(argv[2], NULL, 0);
        if (WaitForSingleObject(go, 20000) != WAIT_OBJECT_0)
            return 71;
    } else {
        while (!__atomic_load_n(&pg->spin, __ATOMIC_ACQUIRE))
            ; /* no shmap call in here */
    }
    HANDLE m = (HANDLE)(uintptr_t)pg->value;
    DWORD flags;
    if (!GetHandleInformation(m, &flags) || flags != 0)
        return 72;
    char *v = MapViewOfFile(m, FILE_MAP_READ, 0, 0, 0);
    if (!v || strcmp(v, "duplicated") != 0)
        return 73;
    if (MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0) != NULL || GetLastError() != ERROR_ACCESS_DENIED)
        return 74; /* the duplicate got FILE_MAP_READ only */
    UnmapViewOfFile(v);
    if (!CloseHandle(m))
        return 75;
    return 0;
}

static void dup_into_child(const char *mode)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE go = CreateEventA(&sa, TRUE, FALSE, NULL);
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL);
    ASSERT_NOT_NULL(m);
    char *v = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0);
    strcpy(v, "duplicated");
    UnmapViewOfFile(v);
    char args[128];
    snprintf(args, sizeof args, "dup_target %lu %s %lu", (unsigned long)(uintptr_t)hp, mode,
             (unsigned long)(uintptr_t)go);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    for (int i = 0; i < 4000 && !pg->flag; i++)
        Sleep(5);
    Sleep(20); /* it is now in its wait or its loop */
    HANDLE remote = NULL;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), m, pi.hProcess, &remote, FILE_MAP_READ, FALSE,
                                DUPLICATE_CLOSE_SOURCE));
    ASSERT_NOT_NULL(remote);
    POISON_LE();
    ASSERT_TRUE(!CloseHandle(m)); /* closed by CLOSE_SOURCE: the child's is the only one */
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    pg->value = (uint32_t)(uintptr_t)remote;
    __atomic_store_n(&pg->spin, 1, __ATOMIC_RELEASE);
    ASSERT_TRUE(SetEvent(go));
    ASSERT_EQ_U(finish(&pi), 0);
    CloseHandle(go);
    UnmapViewOfFile(pg);
    CloseHandle(hp);
}

TEST(duplicate_into_child_blocked_in_wait)
{
    dup_into_child("wait");
}

TEST(duplicate_into_child_spinning)
{
    dup_into_child("spin");
}

/* Creates an auto event, publishes its value, waits on it; then checks
 * whether the value is still valid (argv[1]: "closed" if the parent took
 * it with DUPLICATE_CLOSE_SOURCE). */
HELPER(dup_source)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 80;
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL), w;
    /* wait through a handle of our own: the parent may close e (CLOSE_SOURCE)
     * before this thread has begun to wait, which fails a wait on e */
    if (!DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(), &w, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
        return 85;
    pg->value = (uint32_t)(uintptr_t)e;
    pg->flag = 1;
    DWORD r = WaitForSingleObject(w, 20000);
    CloseHandle(w);
    if (r != WAIT_OBJECT_0)
        return 81;
    DWORD flags;
    BOOL valid = GetHandleInformation(e, &flags);
    if (strcmp(argv[1], "closed") == 0)
        return valid ? 82 : (GetLastError() == ERROR_INVALID_HANDLE ? 0 : 83);
    return valid ? 0 : 84;
}

static void dup_out_of_child(BOOL close_source)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[128];
    snprintf(args, sizeof args, "dup_source %lu %s", (unsigned long)(uintptr_t)hp,
             close_source ? "closed" : "kept");
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    for (int i = 0; i < 4000 && !pg->flag; i++)
        Sleep(5);
    ASSERT_EQ_U(pg->flag, 1);
    HANDLE mine = NULL;
    ASSERT_TRUE(DuplicateHandle(
        pi.hProcess, (HANDLE)(uintptr_t)pg->value, GetCurrentProcess(), &mine, 0, FALSE,
        DUPLICATE_SAME_ACCESS | (close_source ? DUPLICATE_CLOSE_SOURCE : 0)));
    ASSERT_TRUE(SetEvent(mine));
    ASSERT_EQ_U(finish(&pi), 0);
    CloseHandle(mine);
    UnmapViewOfFile(pg);
    CloseHandle(hp);
}

TEST(duplicate_out_of_child)
{
    dup_out_of_child(FALSE);
}

TEST(duplicate_out_of_child_close_source)
{
    dup_out_of_child(TRUE);
}

/* Sets the event page->value (a handle put into it by the parent). */
HELPER(dup_user)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 85;
    pg->flag = 2;
    while (!__atomic_load_n(&pg->spin, __ATOMIC_ACQUIRE))
        ;
    return SetEvent((HANDLE)(uintptr_t)pg->result) ? 0 : 86;
}

TEST(duplicate_between_two_other_processes)
{
    struct page *pa, *pb;
    HANDLE ha = page_new(&pa), hb = page_new(&pb);
    char args[128];
    PROCESS_INFORMATION a, b;
    snprintf(args, sizeof args, "dup_source %lu kept", (unsigned long)(uintptr_t)ha);
    ASSERT_TRUE(start(args, TRUE, 0, &a));
    snprintf(args, sizeof args, "dup_user %lu", (unsigned long)(uintptr_t)hb);
    ASSERT_TRUE(start(args, TRUE, 0, &b));
    for (int i = 0; i < 4000 && (pa->flag != 1 || pb->flag != 2); i++)
        Sleep(5);
    HANDLE inb = NULL;
    ASSERT_TRUE(DuplicateHandle(a.hProcess, (HANDLE)(uintptr_t)pa->value, b.hProcess, &inb, 0,
                                FALSE, DUPLICATE_SAME_ACCESS));
    pb->result = (uint32_t)(uintptr_t)inb;
    __atomic_store_n(&pb->spin, 1, __ATOMIC_RELEASE);
    ASSERT_EQ_U(finish(&b), 0);
    ASSERT_EQ_U(finish(&a), 0);
    UnmapViewOfFile(pa);
    UnmapViewOfFile(pb);
    CloseHandle(ha);
    CloseHandle(hb);
}

HELPER(parent_id)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 87;
    pg->flag = 1;
    while (!__atomic_load_n(&pg->spin, __ATOMIC_ACQUIRE))
        ;
    HANDLE parent = (HANDLE)(uintptr_t)pg->value;
    DWORD got = GetProcessId(parent);
    if (got != pg->result) {
        fprintf(stderr, "parent_id: got %lu (error %lu), want %lu\n", (unsigned long)got,
                (unsigned long)GetLastError(), (unsigned long)pg->result);
        return 88;
    }
    return WaitForSingleObject(parent, 0) == WAIT_TIMEOUT ? 0 : 89;
}

TEST(duplicate_process_handles_and_errors)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[64];
    snprintf(args, sizeof args, "parent_id %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    HANDLE me = NULL;
    /* the pseudo handle as source: a real handle to us, in the child */
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), pi.hProcess, &me,
                                SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, 0));
    pg->value = (uint32_t)(uintptr_t)me;
    pg->result = GetCurrentProcessId();
    __atomic_store_n(&pg->spin, 1, __ATOMIC_RELEASE);
    /* errors while it runs */
    HANDLE weak = OpenProcess(SYNCHRONIZE, FALSE, pi.dwProcessId);
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL), out;
    POISON_LE();
    ASSERT_TRUE(
        !DuplicateHandle(GetCurrentProcess(), e, weak, &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_TRUE(
        !DuplicateHandle(weak, e, GetCurrentProcess(), &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(pi.hProcess, (HANDLE)(uintptr_t)0x7ffc, GetCurrentProcess(), &out,
                                 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(e, e, GetCurrentProcess(), &out, 0, FALSE, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE); /* an event is not a process */
    ASSERT_EQ_U(finish(&pi), 0);
    /* the source has exited: 6 (hp was a handle in it: the page it inherited);
     * the target has exited: 5 */
    HANDLE weak2;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), weak, GetCurrentProcess(), &weak2,
                                PROCESS_DUP_HANDLE, FALSE, 0)); /* access widened: allowed */
    POISON_LE();
    ASSERT_TRUE(
        !DuplicateHandle(weak2, hp, GetCurrentProcess(), &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(
        !DuplicateHandle(GetCurrentProcess(), e, weak2, &out, 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    CloseHandle(weak2);
    CloseHandle(weak);
    CloseHandle(e);
    UnmapViewOfFile(pg);
    CloseHandle(hp);
}

/* Opens a handle to itself, publishes it, runs until page->spin. */
HELPER(self_handle)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 90;
    HANDLE me = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, GetCurrentProcessId());
    if (!me)
        return 91;
    pg->value = (uint32_t)(uintptr_t)me;
    pg->flag = 1;
    while (!__atomic_load_n(&pg->spin, __ATOMIC_ACQUIRE))
        ;
    return 12;
}

TEST(duplicate_process_handle_out_of_child)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[64];
    snprintf(args, sizeof args, "self_handle %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    for (int i = 0; i < 4000 && !pg->flag; i++)
        Sleep(5);
    ASSERT_EQ_U(pg->flag, 1);
    HANDLE h = NULL;
    ASSERT_TRUE(DuplicateHandle(pi.hProcess, (HANDLE)(uintptr_t)pg->value, GetCurrentProcess(), &h,
                                0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(GetProcessId(h), pi.dwProcessId);
    ASSERT_EQ_U(WaitForSingleObject(h, 0), WAIT_TIMEOUT);
    __atomic_store_n(&pg->spin, 1, __ATOMIC_RELEASE);
    ASSERT_EQ_U(WaitForSingleObject(h, 20000), WAIT_OBJECT_0);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(h, &code));
    ASSERT_EQ_U(code, 12);
    ASSERT_EQ_U(finish(&pi), 12);
    CloseHandle(h);
    UnmapViewOfFile(pg);
    CloseHandle(hp);
}

HELPER(env_w)
{
    (void)argc;
    (void)argv;
    const char *v = getenv("SHMAP_T_WIDE");
    return v && strcmp(v, "\xc3\xa9t\xc3\xa9") == 0 ? 0 : 95;
}

TEST(create_process_w_and_its_errors)
{
    char self[1024];
    snprintf(self, sizeof self, "\"%s\" --helper env_w", test_self());
    WCHAR cmd[1100], env[600];
    size_t n = 0;
    for (const char *p = self; *p; p++)
        cmd[n++] = (WCHAR)(unsigned char)*p;
    cmd[n] = 0;
    /* a UTF-16 block: SHMAP_T_WIDE=été, SHMAP_ROOT=<the test's> */
    char root[512];
    snprintf(root, sizeof root, "SHMAP_ROOT=%s", test_root());
    const char *vars[] = {"SHMAP_T_WIDE=", root};
    size_t k = 0;
    for (const char *p = vars[0]; *p; p++)
        env[k++] = (WCHAR)*p;
    env[k++] = 0xe9;
    env[k++] = 't';
    env[k++] = 0xe9;
    env[k++] = 0;
    for (const char *p = vars[1]; *p; p++)
        env[k++] = (WCHAR)(unsigned char)*p;
    env[k++] = 0;
    env[k] = 0;
    STARTUPINFOW si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_UNICODE_ENVIRONMENT, env, NULL,
                               &si, &pi));
    ASSERT_EQ_U(finish(&pi), 0);

    /* a current directory that is not one: ERROR_DIRECTORY, nothing started */
    const WCHAR nodir[] = {'/', 'n', 'o', '-', 's', 'u', 'c', 'h', 0};
    POISON_LE();
    ASSERT_TRUE(!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, nodir, &si, &pi));
    ASSERT_EQ_U(LE(), ERROR_DIRECTORY);
    POISON_LE();
    ASSERT_TRUE(
        !CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL, nodir, &si, &pi));
    ASSERT_EQ_U(LE(), ERROR_DIRECTORY);
    /* a standard handle that is not a file: ERROR_INVALID_HANDLE */
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = si.hStdError = INVALID_HANDLE_VALUE;
    si.hStdOutput = e;
    POISON_LE();
    ASSERT_TRUE(!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    CloseHandle(e);
    /* no STARTUPINFO: a pointer that is not there, 998 (Windows faults
     * reading it; test-bounds.c) */
    POISON_LE();
    ASSERT_TRUE(!CreateProcessW(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &pi));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
}

/* ---- inherited handles taken in at first use ------------------------------------ */

/* argv: event, mapping (values).  Uses them: SetEvent, and the mapping's
 * first word 0x5a5a becomes 0xa5a5. */
HELPER(use_inherited)
{
    HANDLE ev = (HANDLE)(uintptr_t)strtoul(argv[0], NULL, 0);
    HANDLE map = (HANDLE)(uintptr_t)strtoul(argv[1], NULL, 0);
    if (!SetEvent(ev))
        return 10;
    volatile uint32_t *p = MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (!p)
        return 11;
    if (*p != 0x5a5a)
        return 12;
    *p = 0xa5a5;
    return 0;
}

/* argv: event, mapping.  Never touches them: passes them on to a child of
 * its own, which uses them. */
HELPER(pass_on)
{
    char args[96];
    snprintf(args, sizeof args, "use_inherited %s %s", argv[0], argv[1]);
    PROCESS_INFORMATION pi;
    if (!start(args, TRUE, 0, &pi))
        return 20;
    if (WaitForSingleObject(pi.hProcess, 20000) != WAIT_OBJECT_0)
        return 21;
    DWORD code = 22;
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    return (int)code;
}

/* argv: a handle value: close it without ever using it. */
HELPER(close_unused)
{
    HANDLE h = (HANDLE)(uintptr_t)strtoul(argv[0], NULL, 0);
    return CloseHandle(h) ? 0 : 1;
}

/* argv: a handle value: SetEvent on it (an inherited handle). */
HELPER(set_event)
{
    HANDLE e = (HANDLE)(uintptr_t)strtoul(argv[0], NULL, 0);
    return SetEvent(e) ? 0 : 30;
}

/* argv: page, a pid.  Puts an inheritable handle of a new auto event into
 * that process's table (DuplicateHandle into another process,
 * bInheritHandle TRUE), publishes its value, and waits for the event. */
HELPER(put_into)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 31;
    HANDLE target = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)strtoul(argv[1], NULL, 0));
    HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
    HANDLE remote = NULL;
    if (!target || !e ||
        !DuplicateHandle(GetCurrentProcess(), e, target, &remote, 0, TRUE, DUPLICATE_SAME_ACCESS))
        return 32;
    pg->value = (uint32_t)(uintptr_t)remote;
    __atomic_store_n(&pg->flag, 1, __ATOMIC_RELEASE);
    return WaitForSingleObject(e, 20000) == WAIT_OBJECT_0 ? 0 : 33;
}

/* argv: page.  Waits for a handle put into it (put_into), checks that it
 * is inheritable, and starts a child that inherits it and sets it. */
HELPER(inherit_put)
{
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 34;
    for (int i = 0; i < 4000 && !__atomic_load_n(&pg->flag, __ATOMIC_ACQUIRE); i++)
        Sleep(5);
    HANDLE put = (HANDLE)(uintptr_t)pg->value;
    DWORD flags = 0;
    if (!pg->flag || !GetHandleInformation(put, &flags)) /* taken in by this lookup */
        return 35;
    if (!(flags & HANDLE_FLAG_INHERIT))
        return 36;
    char args[64];
    snprintf(args, sizeof args, "set_event %lu", (unsigned long)(uintptr_t)put);
    PROCESS_INFORMATION pi;
    if (!start(args, TRUE, 0, &pi))
        return 37;
    if (WaitForSingleObject(pi.hProcess, 20000) != WAIT_OBJECT_0)
        return 38;
    DWORD code = 39;
    GetExitCodeProcess(pi.hProcess, &code);
    return (int)code; /* set_event's: 0 if it had the handle */
}

TEST(handle_put_by_another_process_is_inherited)
{
    /* A handle another process duplicated into B with bInheritHandle TRUE
     * is inheritable like B's own: a child of B gets it.  (Such handles
     * live above the values B gives out itself, where the handle table's
     * walk for inheritance once did not look.) */
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[96];
    snprintf(args, sizeof args, "inherit_put %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION b;
    ASSERT_TRUE(start(args, TRUE, 0, &b));
    snprintf(args, sizeof args, "put_into %lu %lu", (unsigned long)(uintptr_t)hp,
             (unsigned long)b.dwProcessId);
    PROCESS_INFORMATION a;
    ASSERT_TRUE(start(args, TRUE, 0, &a));
    ASSERT_EQ_U(finish(&b), 0); /* B's child had the handle */
    ASSERT_EQ_U(finish(&a), 0); /* and its SetEvent reached A's event */
    UnmapViewOfFile(pg);
    CloseHandle(hp);
}

TEST(unused_inherited_name_goes_with_its_last_handle)
{
    /* The child holds the last handle to a named section and never uses
     * it: its exit, or its CloseHandle, removes the name's file as any last
     * close does (it was left for a later visitor to reclaim). */
    for (int close_it = 0; close_it < 2; close_it++) {
        SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
        HANDLE m =
            CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, "inh-unused");
        ASSERT_NOT_NULL(m);
        char args[64];
        snprintf(args, sizeof args, close_it ? "close_unused %lu" : "exit_with 0",
                 (unsigned long)(uintptr_t)m);
        PROCESS_INFORMATION pi;
        ASSERT_TRUE(start(args, TRUE, CREATE_SUSPENDED, &pi));
        ASSERT_TRUE(CloseHandle(m));
        ASSERT_GT(count_ns_entries(), 0); /* the child holds it */
        ASSERT_EQ_U(ResumeThread(pi.hThread), 1);
        ASSERT_EQ_U(finish(&pi), 0);
        ASSERT_EQ(count_ns_entries(), 0);
    }
}

TEST(inherited_handles_passed_on_unused)
{
    /* an unnamed event (its description is shared) and a named mapping (a
     * description of its own, locked): the middle process never uses them */
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE ev = CreateEventA(&sa, FALSE, FALSE, NULL);
    HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096,
                                    "Local\\shmap-pass-on");
    ASSERT_NOT_NULL(ev);
    ASSERT_NOT_NULL(map);
    volatile uint32_t *p = MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    ASSERT_NOT_NULL(p);
    *p = 0x5a5a;
    char args[96];
    snprintf(args, sizeof args, "pass_on %lu %lu", (unsigned long)(uintptr_t)ev,
             (unsigned long)(uintptr_t)map);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start(args, TRUE, 0, &pi));
    ASSERT_EQ_U(finish(&pi), 0);
    ASSERT_EQ_U(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
    ASSERT_EQ_U(*p, 0xa5a5);
    ASSERT_TRUE(UnmapViewOfFile((void *)p));
    ASSERT_TRUE(CloseHandle(map));
    ASSERT_TRUE(CloseHandle(ev));
}

TEST(duplicate_out_of_child_an_inherited_handle_it_never_used)
{
    /* the parent published the child's table for it: the handle can be
     * taken out of the child before the child has run any of its code */
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE ev = CreateEventA(&sa, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(ev);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start("block 0", TRUE, CREATE_SUSPENDED, &pi));
    HANDLE dup = NULL;
    ASSERT_TRUE(DuplicateHandle(pi.hProcess, ev, GetCurrentProcess(), &dup, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    ASSERT_NOT_NULL(dup);
    ASSERT_TRUE(SetEvent(dup));
    ASSERT_EQ_U(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
    /* a value it does not have: 6 */
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(pi.hProcess, (HANDLE)(uintptr_t)0x7ff0, GetCurrentProcess(), &dup,
                                 0, FALSE, DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(TerminateProcess(pi.hProcess, 0));
    ASSERT_EQ_U(finish(&pi), 0);
    ASSERT_TRUE(CloseHandle(dup));
    ASSERT_TRUE(CloseHandle(ev));
}

TEST(create_process_handles_inheritable_as_asked)
{
    /* lpProcessAttributes / lpThreadAttributes: each returned handle is
     * inheritable as its own SECURITY_ATTRIBUTES says */
    SECURITY_ATTRIBUTES yes = {sizeof yes, NULL, TRUE};
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"%s\" --helper exit_with 0", test_self());
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(CreateProcessA(NULL, cmd, &yes, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    DWORD fp = 7, ft = 7;
    ASSERT_TRUE(GetHandleInformation(pi.hProcess, &fp));
    ASSERT_TRUE(GetHandleInformation(pi.hThread, &ft));
    ASSERT_EQ_U(fp, HANDLE_FLAG_INHERIT);
    ASSERT_EQ_U(ft, 0);
    ASSERT_EQ_U(finish(&pi), 0);
    ASSERT_TRUE(CreateProcessA(NULL, cmd, NULL, &yes, FALSE, 0, NULL, NULL, &si, &pi));
    ASSERT_TRUE(GetHandleInformation(pi.hProcess, &fp));
    ASSERT_TRUE(GetHandleInformation(pi.hThread, &ft));
    ASSERT_EQ_U(fp, 0);
    ASSERT_EQ_U(ft, HANDLE_FLAG_INHERIT);
    ASSERT_EQ_U(finish(&pi), 0);
}
