/*
 * test-jobnest.c - nested jobs (Windows 8 and later) through the Win32
 * face: the nesting rules and their codes, the accounting and the process
 * id list of a parent including its child jobs' processes, IsProcessInJob
 * for every job of the chain, TerminateJobObject and KILL_ON_JOB_CLOSE of a
 * parent ending its child jobs' processes, a child of a member joining the
 * whole chain (and refused by an ancestor's active process limit), a
 * member killed with SIGKILL accounted in both jobs, and the completion
 * port messages of each job of the chain.  Members are this binary's
 * helpers.  Every wait is bounded and the watchdog watches the test.
 */
#include "harness.h"
#include "watchdog.h"

#include <signal.h>
#include <stdbool.h>
#include <windows.h>

#include "w32child.h"

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()

struct page {
    volatile uint32_t pids[4];
    volatile uint32_t err;
    volatile uint32_t ready;
};

static struct watchdog *wd;
static int wd_slot;

static void watch(void)
{
    if (!wd) {
        wd = wd_new(1);
        wd_start(wd);
        wd_slot = wd_join(wd, "jobnest test");
    }
}

static void tick(const char *where)
{
    if (wd) /* (not in a helper) */
        wd_tick(wd, wd_slot, where);
}

static HANDLE page_new(struct page **p)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0, 4096, NULL);
    ASSERT_NOT_NULL(h);
    *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    ASSERT_NOT_NULL(*p);
    return h;
}

static BOOL start(const char *args, BOOL inherit, DWORD flags, PROCESS_INFORMATION *pi)
{
    tick(args);
    return start_helper(args, inherit, flags, pi);
}

static bool in_job(HANDLE process, HANDLE job)
{
    BOOL in = 7;
    ASSERT_TRUE(IsProcessInJob(process, job, &in));
    ASSERT_TRUE(in == TRUE || in == FALSE);
    return in == TRUE;
}

static JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc_of(HANDLE job)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a;
    tick("accounting");
    memset(&a, 0xa5, sizeof a);
    ASSERT_TRUE(
        QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &a, sizeof a, NULL));
    return a;
}

/* Waits for process, ticking the watchdog (bounded: 20 s). */
static void wait_end(HANDLE process)
{
    DWORD r = WAIT_TIMEOUT;
    for (int i = 0; i < 200 && r == WAIT_TIMEOUT; i++) {
        tick("wait for a process to end");
        r = WaitForSingleObject(process, 100);
    }
    ASSERT_EQ_U(r, WAIT_OBJECT_0);
}

static void wait_ready(struct page *pg, uint32_t want)
{
    for (int i = 0; i < 20000 && pg->ready < want; i++) {
        tick("wait for a helper");
        Sleep(1);
    }
    ASSERT_GE(pg->ready, want);
}

static void limit(HANDLE job, DWORD flags, DWORD active)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = flags;
    x.BasicLimitInformation.ActiveProcessLimit = active;
    ASSERT_TRUE(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &x, sizeof x));
}

/* A helper's page, from its handle value in arg (inherited). */
static struct page *page_arg(const char *arg)
{
    return MapViewOfFile((HANDLE)(uintptr_t)strtoul(arg, NULL, 0), FILE_MAP_ALL_ACCESS, 0, 0, 0);
}

/* Count ourselves in pg->ready, then sleep until killed. */
static _Noreturn void ready_then_sleep(struct page *pg)
{
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        Sleep(1000);
}

/* argv: page.  Starts a sleeper (which joins our job chain), publishes its
 * pid in pids[1] (0 if refused) and the error in err, then sleeps. */
HELPER(nest_spawner)
{
    (void)argc;
    struct page *pg = page_arg(argv[0]);
    if (!pg)
        return 1;
    PROCESS_INFORMATION pi;
    SetLastError(0);
    if (start("sleeper", FALSE, 0, &pi))
        pg->pids[1] = pi.dwProcessId;
    else
        pg->err = GetLastError();
    ready_then_sleep(pg);
}

/* Exits at once with code 9. */
HELPER(nest_exiter)
{
    (void)argc;
    (void)argv;
    return 9;
}

/* argv: page.  Forks; the child sleeps, its pid goes to pids[1]; each
 * counts itself in ready. */
HELPER(nest_forker)
{
    (void)argc;
    struct page *pg = page_arg(argv[0]);
    if (!pg)
        return 1;
    pid_t c = fork();
    if (c == 0) /* joined as fork returned here (its atfork handler): ready */
        ready_then_sleep(pg);
    pg->pids[1] = c > 0 ? (uint32_t)c : 0;
    ready_then_sleep(pg);
}

/* argv: page, job.  Assigns itself to the job (inherited handle), then
 * starts a sleeper: pids[1] its pid (0 if refused), err the error. */
HELPER(nest_self_assigner)
{
    (void)argc;
    struct page *pg = page_arg(argv[0]);
    if (!pg)
        return 1;
    HANDLE j = (HANDLE)(uintptr_t)strtoul(argv[1], NULL, 0);
    if (!AssignProcessToJobObject(j, GetCurrentProcess())) {
        pg->err = GetLastError();
    } else {
        PROCESS_INFORMATION pi;
        if (start("sleeper", FALSE, 0, &pi))
            pg->pids[1] = pi.dwProcessId;
        else
            pg->err = GetLastError();
    }
    ready_then_sleep(pg);
}

/* ---- the rules ---------------------------------------------------------------- */

TEST(jobnest_rules_accounting_ids_terminate)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL),
           D = CreateJobObjectA(NULL, NULL), E = CreateJobObjectA(NULL, NULL);
    ASSERT_TRUE(P && C && D && E);
    PROCESS_INFORMATION p1, p2, p3;
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p1));
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p3));
    tick("assign");
    ASSERT_TRUE(AssignProcessToJobObject(P, p1.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(P, p3.hProcess));
    /* C is empty and in no hierarchy: it becomes P's child */
    ASSERT_TRUE(AssignProcessToJobObject(C, p1.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, p1.hProcess)); /* again: fine */
    ASSERT_TRUE(AssignProcessToJobObject(P, p1.hProcess)); /* its parent: already in */
    ASSERT_TRUE(in_job(p1.hProcess, P));
    ASSERT_TRUE(in_job(p1.hProcess, C));
    ASSERT_TRUE(in_job(p1.hProcess, NULL));
    ASSERT_TRUE(!in_job(p3.hProcess, C));
    /* D has a process that is in no job: p1 cannot join it (D is not in
     * p1's hierarchy and not empty) */
    ASSERT_TRUE(AssignProcessToJobObject(D, p2.hProcess));
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(D, p1.hProcess));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(!in_job(p1.hProcess, D));
    /* nor can p2, in D, join C (C's parent is P, not D) */
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(C, p2.hProcess));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    /* E, empty: nested under C, p1's immediate job */
    ASSERT_TRUE(AssignProcessToJobObject(E, p1.hProcess));
    ASSERT_TRUE(in_job(p1.hProcess, E) && in_job(p1.hProcess, C) && in_job(p1.hProcess, P));
    /* p3 (in P only) cannot go into E, whose parent C is not its job */
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(E, p3.hProcess));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    /* but into C, a child of its job */
    ASSERT_TRUE(AssignProcessToJobObject(C, p3.hProcess));
    ASSERT_TRUE(in_job(p3.hProcess, C) && !in_job(p3.hProcess, E));
    /* the parent's accounting and id list include its children's processes */
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a = acc_of(P);
    ASSERT_EQ_U(a.TotalProcesses, 2);
    ASSERT_EQ_U(a.ActiveProcesses, 2);
    a = acc_of(C);
    ASSERT_EQ_U(a.TotalProcesses, 2);
    ASSERT_EQ_U(a.ActiveProcesses, 2);
    a = acc_of(E);
    ASSERT_EQ_U(a.TotalProcesses, 1);
    ASSERT_EQ_U(a.ActiveProcesses, 1);
    union {
        JOBOBJECT_BASIC_PROCESS_ID_LIST l;
        char room[sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) + 8 * sizeof(ULONG_PTR)];
    } ids;
    memset(&ids, 0xa5, sizeof ids);
    ASSERT_TRUE(QueryInformationJobObject(P, JobObjectBasicProcessIdList, &ids, sizeof ids, NULL));
    ASSERT_EQ_U(ids.l.NumberOfAssignedProcesses, 2);
    ASSERT_EQ_U(ids.l.NumberOfProcessIdsInList, 2);
    const ULONG_PTR *list =
        (const ULONG_PTR *)(ids.room + offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList));
    ASSERT_TRUE((list[0] == p1.dwProcessId && list[1] == p3.dwProcessId) ||
                (list[0] == p3.dwProcessId && list[1] == p1.dwProcessId));
    ASSERT_EQ_U(ResumeThread(p1.hThread), 1);
    ASSERT_EQ_U(ResumeThread(p2.hThread), 1);
    ASSERT_EQ_U(ResumeThread(p3.hThread), 1);
    /* TerminateJobObject of the parent ends its child jobs' processes */
    tick("terminate the parent");
    ASSERT_TRUE(TerminateJobObject(P, 41));
    wait_end(p1.hProcess);
    wait_end(p3.hProcess);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(p1.hProcess, &code));
    ASSERT_EQ_U(code, 41);
    ASSERT_TRUE(GetExitCodeProcess(p3.hProcess, &code));
    ASSERT_EQ_U(code, 41);
    ASSERT_EQ_U(WaitForSingleObject(p2.hProcess, 0), WAIT_TIMEOUT); /* D's: runs on */
    ASSERT_EQ_U(acc_of(P).ActiveProcesses, 0);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 0);
    ASSERT_EQ_U(acc_of(E).ActiveProcesses, 0);
    ASSERT_EQ_U(acc_of(P).TotalProcesses, 2);
    /* an ended member is still in every job of its chain */
    ASSERT_TRUE(in_job(p1.hProcess, P) && in_job(p1.hProcess, C) && in_job(p1.hProcess, E));
    ASSERT_TRUE(!in_job(p1.hProcess, D));
    ASSERT_TRUE(TerminateJobObject(D, 0));
    wait_end(p2.hProcess);
    close_pi(&p1);
    close_pi(&p2);
    close_pi(&p3);
    HANDLE all[4] = {P, C, D, E};
    for (int i = 0; i < 4; i++)
        ASSERT_TRUE(CloseHandle(all[i]));
}

static HANDLE port_for(HANDLE job, ULONG_PTR key);
static DWORD next_msg(HANDLE port, ULONG_PTR key, DWORD *pid);

TEST(jobnest_outside_process_into_a_nested_job_joins_the_chain)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    HANDLE E = CreateJobObjectA(NULL, NULL);
    HANDLE pp = port_for(P, 1);
    PROCESS_INFORMATION p1, p2, p3;
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p1));
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p3));
    ASSERT_TRUE(AssignProcessToJobObject(P, p1.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, p1.hProcess)); /* P > C */
    ASSERT_TRUE(AssignProcessToJobObject(E, p1.hProcess)); /* P > C > E */
    /* a process in no job, into the nested C: into P and C (Windows), the
     * parent's accounting and messages included */
    ASSERT_TRUE(AssignProcessToJobObject(C, p2.hProcess));
    ASSERT_TRUE(in_job(p2.hProcess, P) && in_job(p2.hProcess, C));
    ASSERT_TRUE(!in_job(p2.hProcess, E));
    ASSERT_EQ_U(acc_of(P).ActiveProcesses, 2);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 2);
    ASSERT_EQ_U(acc_of(E).ActiveProcesses, 1);
    DWORD pid = 0;
    ASSERT_EQ_U(next_msg(pp, 1, &pid), JOB_OBJECT_MSG_NEW_PROCESS);
    ASSERT_EQ_U(pid, p1.dwProcessId);
    ASSERT_EQ_U(next_msg(pp, 1, &pid), JOB_OBJECT_MSG_NEW_PROCESS);
    ASSERT_EQ_U(pid, p2.dwProcessId);
    /* two levels down: all three */
    ASSERT_TRUE(AssignProcessToJobObject(E, p3.hProcess));
    ASSERT_TRUE(in_job(p3.hProcess, P) && in_job(p3.hProcess, C) && in_job(p3.hProcess, E));
    ASSERT_EQ_U(acc_of(P).ActiveProcesses, 3);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 3);
    ASSERT_EQ_U(acc_of(E).ActiveProcesses, 2);
    /* the parent's kill: every one, wherever it went in */
    ASSERT_TRUE(TerminateJobObject(P, 3));
    wait_end(p1.hProcess);
    wait_end(p2.hProcess);
    wait_end(p3.hProcess);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(p3.hProcess, &code));
    ASSERT_EQ_U(code, 3);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 0);
    close_pi(&p1);
    close_pi(&p2);
    close_pi(&p3);
    ASSERT_TRUE(CloseHandle(E));
    ASSERT_TRUE(CloseHandle(C));
    ASSERT_TRUE(CloseHandle(P));
    ASSERT_TRUE(CloseHandle(pp));
}

TEST(jobnest_outside_process_meets_the_parents_active_limit)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    limit(P, JOB_OBJECT_LIMIT_ACTIVE_PROCESS, 1);
    PROCESS_INFORMATION p1, p2;
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p1));
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(AssignProcessToJobObject(P, p1.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, p1.hProcess));
    /* C has no limit, its parent has: the process is ended, as Windows does */
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(C, p2.hProcess));
    ASSERT_EQ_U(LE(), ERROR_NOT_ENOUGH_QUOTA);
    wait_end(p2.hProcess);
    ASSERT_EQ_U(acc_of(C).TotalProcesses, 1);
    ASSERT_EQ_U(acc_of(P).TotalTerminatedProcesses, 1);
    ASSERT_TRUE(TerminateJobObject(P, 0));
    wait_end(p1.hProcess);
    close_pi(&p1);
    close_pi(&p2);
    ASSERT_TRUE(CloseHandle(C));
    ASSERT_TRUE(CloseHandle(P));
}

TEST(jobnest_a_parent_nobody_holds_is_let_go)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    PROCESS_INFORMATION p1, p2;
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p1));
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(AssignProcessToJobObject(P, p1.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, p1.hProcess));
    ASSERT_TRUE(TerminateJobObject(C, 0));
    wait_end(p1.hProcess);
    close_pi(&p1); /* nothing holds P but our handle */
    ASSERT_TRUE(CloseHandle(P));
    /* P is gone: the process goes into C alone */
    ASSERT_TRUE(AssignProcessToJobObject(C, p2.hProcess));
    ASSERT_TRUE(in_job(p2.hProcess, C));
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 1);
    ASSERT_TRUE(TerminateJobObject(C, 0));
    wait_end(p2.hProcess);
    close_pi(&p2);
    ASSERT_TRUE(CloseHandle(C));
}

/* ---- children, limits, kill -9, kill on close -------------------------------------- */

/* A nest_spawner in C nested in P (limits set by the caller first); its
 * page in *pg. */
static void spawner_in(HANDLE P, HANDLE C, struct page **pg, HANDLE *hp, PROCESS_INFORMATION *pi)
{
    *hp = page_new(pg);
    char args[64];
    snprintf(args, sizeof args, "nest_spawner %lu", (unsigned long)(uintptr_t)*hp);
    ASSERT_TRUE(start(args, TRUE, CREATE_SUSPENDED, pi));
    ASSERT_TRUE(AssignProcessToJobObject(P, pi->hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, pi->hProcess));
    ASSERT_EQ_U(ResumeThread(pi->hThread), 1);
    wait_ready(*pg, 1);
}

TEST(jobnest_child_of_a_member_joins_the_chain)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    struct page *pg;
    HANDLE hp;
    PROCESS_INFORMATION s;
    spawner_in(P, C, &pg, &hp, &s);
    ASSERT_NE(pg->pids[1], 0);
    HANDLE child = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pg->pids[1]);
    ASSERT_NOT_NULL(child);
    ASSERT_TRUE(in_job(child, C));
    ASSERT_TRUE(in_job(child, P));
    ASSERT_EQ_U(acc_of(P).TotalProcesses, 2);
    ASSERT_EQ_U(acc_of(C).TotalProcesses, 2);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 2);
    /* kill -9 of a member: gone from both */
    ASSERT_EQ(kill((pid_t)pg->pids[1], SIGKILL), 0);
    wait_end(child);
    ASSERT_EQ_U(acc_of(P).ActiveProcesses, 1);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 1);
    ASSERT_EQ_U(acc_of(P).TotalProcesses, 2);
    ASSERT_TRUE(TerminateJobObject(P, 0));
    wait_end(s.hProcess);
    ASSERT_TRUE(CloseHandle(child));
    close_pi(&s);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(C));
    ASSERT_TRUE(CloseHandle(P));
}

TEST(jobnest_fork_child_of_a_member_joins_the_chain)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[64];
    snprintf(args, sizeof args, "nest_forker %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION s;
    ASSERT_TRUE(start(args, TRUE, CREATE_SUSPENDED, &s));
    ASSERT_TRUE(AssignProcessToJobObject(P, s.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, s.hProcess));
    ASSERT_EQ_U(ResumeThread(s.hThread), 1);
    wait_ready(pg, 2);
    ASSERT_NE(pg->pids[1], 0);
    HANDLE child = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pg->pids[1]);
    ASSERT_NOT_NULL(child);
    ASSERT_TRUE(in_job(child, P));
    ASSERT_TRUE(in_job(child, C));
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 2);
    ASSERT_EQ_U(acc_of(P).ActiveProcesses, 2);
    ASSERT_TRUE(TerminateJobObject(C, 0));
    wait_end(s.hProcess);
    wait_end(child);
    ASSERT_EQ_U(acc_of(P).ActiveProcesses, 0);
    ASSERT_TRUE(CloseHandle(child));
    close_pi(&s);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(C));
    ASSERT_TRUE(CloseHandle(P));
}

TEST(jobnest_member_nests_itself)
{
    watch();
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(&sa, NULL);
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[96];
    snprintf(args, sizeof args, "nest_self_assigner %lu %lu", (unsigned long)(uintptr_t)hp,
             (unsigned long)(uintptr_t)C);
    PROCESS_INFORMATION s;
    ASSERT_TRUE(start(args, TRUE, CREATE_SUSPENDED, &s));
    ASSERT_TRUE(AssignProcessToJobObject(P, s.hProcess));
    ASSERT_EQ_U(ResumeThread(s.hThread), 1);
    wait_ready(pg, 1);
    ASSERT_EQ_U(pg->err, 0);
    ASSERT_TRUE(in_job(s.hProcess, P) && in_job(s.hProcess, C));
    HANDLE child = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pg->pids[1]);
    ASSERT_NOT_NULL(child);
    ASSERT_TRUE(in_job(child, P) && in_job(child, C));
    ASSERT_EQ_U(acc_of(P).ActiveProcesses, 2);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 2);
    ASSERT_TRUE(TerminateJobObject(P, 0));
    wait_end(s.hProcess);
    wait_end(child);
    ASSERT_TRUE(CloseHandle(child));
    close_pi(&s);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(C));
    ASSERT_TRUE(CloseHandle(P));
}

TEST(jobnest_parent_active_limit_refuses_a_child_job_member)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    limit(P, JOB_OBJECT_LIMIT_ACTIVE_PROCESS, 1); /* the parent's limit; C has none */
    HANDLE pp = port_for(P, 1), pc = port_for(C, 2);
    struct page *pg;
    HANDLE hp;
    PROCESS_INFORMATION s;
    spawner_in(P, C, &pg, &hp, &s);
    ASSERT_EQ_U(pg->pids[1], 0);
    ASSERT_EQ_U(pg->err, ERROR_NOT_ENOUGH_QUOTA);
    /* ACTIVE_PROCESS_LIMIT goes to the job whose limit it was, not to C */
    DWORD pid = 0;
    ASSERT_EQ_U(next_msg(pp, 1, &pid), JOB_OBJECT_MSG_NEW_PROCESS);
    ASSERT_EQ_U(pid, s.dwProcessId);
    ASSERT_EQ_U(next_msg(pp, 1, &pid), JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT);
    ASSERT_EQ_U(next_msg(pc, 2, &pid), JOB_OBJECT_MSG_NEW_PROCESS);
    ASSERT_EQ_U(pid, s.dwProcessId);
    DWORD id = 0;
    ULONG_PTR k = 0;
    OVERLAPPED *o = NULL;
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatus(pc, &id, &k, &o, 0));
    ASSERT_EQ_U(LE(), WAIT_TIMEOUT);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a = acc_of(P);
    ASSERT_EQ_U(a.ActiveProcesses, 1);
    ASSERT_EQ_U(a.TotalTerminatedProcesses, 1);
    a = acc_of(C);
    ASSERT_EQ_U(a.ActiveProcesses, 1);
    ASSERT_EQ_U(a.TotalProcesses, 1); /* never reached C */
    ASSERT_TRUE(TerminateJobObject(P, 0));
    wait_end(s.hProcess);
    close_pi(&s);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(C));
    ASSERT_TRUE(CloseHandle(P));
    ASSERT_TRUE(CloseHandle(pp));
    ASSERT_TRUE(CloseHandle(pc));
}

TEST(jobnest_kill_on_close_parent_ends_child_job_members)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    limit(P, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, 0);
    struct page *pg;
    HANDLE hp;
    PROCESS_INFORMATION s;
    spawner_in(P, C, &pg, &hp, &s);
    ASSERT_NE(pg->pids[1], 0);
    HANDLE child = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pg->pids[1]);
    ASSERT_NOT_NULL(child);
    ASSERT_TRUE(CloseHandle(P)); /* the last handle of the parent */
    wait_end(s.hProcess);
    wait_end(child);
    ASSERT_EQ_U(acc_of(C).ActiveProcesses, 0);
    ASSERT_TRUE(CloseHandle(child));
    close_pi(&s);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(C));
}

/* ---- completion ports ------------------------------------------------------------------ */

static HANDLE port_for(HANDLE job, ULONG_PTR key)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    ASSERT_NOT_NULL(port);
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = {(PVOID)key, port};
    ASSERT_TRUE(
        SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof a));
    return port;
}

/* The next message of port (bounded wait), its id; its pid in *pid. */
static DWORD next_msg(HANDLE port, ULONG_PTR key, DWORD *pid)
{
    DWORD id = 0;
    ULONG_PTR k = 0;
    OVERLAPPED *o = NULL;
    BOOL ok = FALSE;
    for (int i = 0; i < 200 && !ok; i++) {
        tick("wait for a job message");
        ok = GetQueuedCompletionStatus(port, &id, &k, &o, 100);
    }
    ASSERT_TRUE(ok);
    ASSERT_EQ_U(k, key);
    *pid = (DWORD)(uintptr_t)o;
    return id;
}

TEST(jobnest_each_job_of_the_chain_gets_its_messages)
{
    watch();
    HANDLE P = CreateJobObjectA(NULL, NULL), C = CreateJobObjectA(NULL, NULL);
    HANDLE pp = port_for(P, 1), pc = port_for(C, 2);
    PROCESS_INFORMATION m;
    ASSERT_TRUE(start("sleeper", FALSE, CREATE_SUSPENDED, &m));
    ASSERT_TRUE(AssignProcessToJobObject(P, m.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, m.hProcess));
    DWORD pid = 0;
    ASSERT_EQ_U(next_msg(pp, 1, &pid), JOB_OBJECT_MSG_NEW_PROCESS);
    ASSERT_EQ_U(pid, m.dwProcessId);
    ASSERT_EQ_U(next_msg(pc, 2, &pid), JOB_OBJECT_MSG_NEW_PROCESS);
    ASSERT_EQ_U(pid, m.dwProcessId);
    ASSERT_EQ_U(ResumeThread(m.hThread), 1);
    ASSERT_TRUE(TerminateJobObject(P, 5));
    wait_end(m.hProcess);
    /* the parent's port: its EXIT; the child job's port too (the
     * terminator flags the exit in C's table, which it finds as the
     * member holds it) */
    ASSERT_EQ_U(next_msg(pp, 1, &pid), JOB_OBJECT_MSG_EXIT_PROCESS);
    ASSERT_EQ_U(pid, m.dwProcessId);
    ASSERT_EQ_U(next_msg(pp, 1, &pid), JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO);
    ASSERT_EQ_U(next_msg(pc, 2, &pid), JOB_OBJECT_MSG_EXIT_PROCESS);
    ASSERT_EQ_U(pid, m.dwProcessId);
    ASSERT_EQ_U(next_msg(pc, 2, &pid), JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO);
    close_pi(&m);
    /* a member that exits by itself: its EXIT_PROCESS in each job */
    ASSERT_TRUE(start("nest_exiter", FALSE, CREATE_SUSPENDED, &m));
    ASSERT_TRUE(AssignProcessToJobObject(P, m.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(C, m.hProcess));
    ASSERT_EQ_U(ResumeThread(m.hThread), 1);
    wait_end(m.hProcess);
    for (ULONG_PTR k = 1; k <= 2; k++) {
        HANDLE port = k == 1 ? pp : pc;
        ASSERT_EQ_U(next_msg(port, k, &pid), JOB_OBJECT_MSG_NEW_PROCESS);
        ASSERT_EQ_U(next_msg(port, k, &pid), JOB_OBJECT_MSG_EXIT_PROCESS);
        ASSERT_EQ_U(pid, m.dwProcessId);
        ASSERT_EQ_U(next_msg(port, k, &pid), JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO);
    }
    close_pi(&m);
    ASSERT_TRUE(CloseHandle(C));
    ASSERT_TRUE(CloseHandle(P));
    ASSERT_TRUE(CloseHandle(pp));
    ASSERT_TRUE(CloseHandle(pc));
}
