/*
 * test-job.c - job objects through the Win32 face: names, assignment,
 * IsProcessInJob, the information classes, NULL arguments,
 * TerminateJobObject (from outside and by a member), children joining
 * their parent's job (and refused beyond the active process limit), and
 * JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE when the last handle is closed,
 * travels to another process, or its holder is killed with SIGKILL.
 * Members are this binary's helpers (and /bin/sleep, which runs no shmap
 * code).
 */
#include "harness.h"

#include <pthread.h>

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <windows.h>

#include "w32child.h"

#include "shmap.h"

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()

/* What parent and children share: an unnamed inheritable section. */
struct page {
    volatile uint32_t pids[8];
    volatile uint32_t ready;
    volatile uint32_t job; /* a job handle value */
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

static BOOL start_cmd(const char *cmd, BOOL inherit, DWORD flags, PROCESS_INFORMATION *pi)
{
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", cmd);
    return CreateProcessA(NULL, buf, NULL, NULL, inherit, flags, NULL, NULL, &si, pi);
}

static bool running(HANDLE process)
{
    return WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
}

static void wait_ready(struct page *pg, uint32_t want)
{
    for (int i = 0; i < 20000 && pg->ready < want; i++)
        Sleep(1);
    ASSERT_GE(pg->ready, want);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* argv: page.  Starts a sleeper (which joins our job, if we are in one),
 * publishes its pid in pids[1], then sleeps. */
HELPER(spawner)
{
    (void)argc;
    struct page *pg = page_of(argv[0]);
    PROCESS_INFORMATION pi;
    if (!pg || !start_helper("sleeper", FALSE, 0, &pi)) {
        fprintf(stderr, "spawner: %p %lu\n", (void *)pg, (unsigned long)GetLastError());
        return 1;
    }
    pg->pids[1] = pi.dwProcessId;
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        Sleep(1000);
    return 0;
}

/* ---- names, waits, rights ------------------------------------------------------ */

TEST(job_names)
{
    POISON_LE();
    HANDLE j = CreateJobObjectA(NULL, "Local\\shmap-job-names");
    ASSERT_NOT_NULL(j);
    ASSERT_EQ_U(LE(), 0);
    HANDLE j2 = CreateJobObjectA(NULL, "Local\\shmap-job-names");
    ASSERT_NOT_NULL(j2);
    ASSERT_EQ_U(LE(), ERROR_ALREADY_EXISTS);
    HANDLE j3 = OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "Local\\shmap-job-names");
    ASSERT_NOT_NULL(j3);
    /* one namespace: another type under the name fails with 6 */
    POISON_LE();
    ASSERT_NULL(CreateEventA(NULL, FALSE, FALSE, "Local\\shmap-job-names"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    HANDLE m = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, "X");
    ASSERT_NOT_NULL(m);
    POISON_LE();
    ASSERT_NULL(CreateJobObjectA(NULL, "X"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(OpenJobObjectA(JOB_OBJECT_ALL_ACCESS, FALSE, "X"));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_NULL(OpenJobObjectA(JOB_OBJECT_ALL_ACCESS, FALSE, "Local\\shmap-no-such-job"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
    /* a job with no processes is not signalled */
    ASSERT_EQ_U(WaitForSingleObject(j, 0), WAIT_TIMEOUT);
    HANDLE u = CreateJobObjectW(NULL, NULL);
    ASSERT_NOT_NULL(u);
    HANDLE w = OpenJobObjectW(JOB_OBJECT_QUERY, FALSE, L"Local\\shmap-job-names");
    ASSERT_NOT_NULL(w);
    ASSERT_TRUE(CloseHandle(j));
    ASSERT_TRUE(CloseHandle(j2));
    ASSERT_TRUE(CloseHandle(j3));
    ASSERT_TRUE(CloseHandle(m));
    ASSERT_TRUE(CloseHandle(u));
    ASSERT_TRUE(CloseHandle(w));
    POISON_LE();
    ASSERT_NULL(OpenJobObjectA(JOB_OBJECT_ALL_ACCESS, FALSE, "Local\\shmap-job-names"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
}

TEST(job_rights_and_errors)
{
    HANDLE j = CreateJobObjectA(NULL, "Local\\shmap-job-rights");
    ASSERT_NOT_NULL(j);
    HANDLE q = OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "Local\\shmap-job-rights");
    ASSERT_NOT_NULL(q);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &pi));
    /* the job handle needs ASSIGN_PROCESS, TERMINATE, SET_ATTRIBUTES */
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(q, pi.hProcess));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    POISON_LE();
    ASSERT_TRUE(!TerminateJobObject(q, 1));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(q, JobObjectExtendedLimitInformation, &x, sizeof x));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(
        QueryInformationJobObject(q, JobObjectExtendedLimitInformation, &x, sizeof x, NULL));
    /* the process handle needs SET_QUOTA and TERMINATE */
    HANDLE weak = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, pi.dwProcessId);
    ASSERT_NOT_NULL(weak);
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(j, weak));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    /* GENERIC_WRITE: TERMINATE | SET_ATTRIBUTES | ASSIGN_PROCESS, not QUERY (§10.2) */
    HANDLE gw = OpenJobObjectA(GENERIC_WRITE, FALSE, "Local\\shmap-job-rights");
    ASSERT_NOT_NULL(gw);
    ASSERT_TRUE(SetInformationJobObject(gw, JobObjectExtendedLimitInformation, &x, sizeof x));
    POISON_LE();
    ASSERT_TRUE(
        !QueryInformationJobObject(gw, JobObjectExtendedLimitInformation, &x, sizeof x, NULL));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(CloseHandle(gw));
    /* IsProcessInJob needs JOB_OBJECT_QUERY */
    HANDLE a = OpenJobObjectA(JOB_OBJECT_ASSIGN_PROCESS, FALSE, "Local\\shmap-job-rights");
    ASSERT_NOT_NULL(a);
    BOOL in = 7;
    POISON_LE();
    ASSERT_TRUE(!IsProcessInJob(pi.hProcess, a, &in));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_TRUE(AssignProcessToJobObject(a, pi.hProcess));
    ASSERT_TRUE(IsProcessInJob(pi.hProcess, q, &in));
    ASSERT_EQ(in, TRUE);
    /* wrong types and bad handles: 6 */
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(ev, pi.hProcess));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(j, ev));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!TerminateJobObject((HANDLE)(uintptr_t)0x7ffc, 1));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(ev, JobObjectBasicAccountingInformation, &acc,
                                           sizeof acc, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    ASSERT_TRUE(TerminateJobObject(j, 9));
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(pi.hProcess, &code));
    ASSERT_EQ_U(code, 9);
    /* an ended process cannot be assigned */
    HANDLE j2 = CreateJobObjectA(NULL, NULL);
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(j2, pi.hProcess));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    close_pi(&pi);
    ASSERT_TRUE(CloseHandle(weak));
    ASSERT_TRUE(CloseHandle(ev));
    ASSERT_TRUE(CloseHandle(a));
    ASSERT_TRUE(CloseHandle(q));
    ASSERT_TRUE(CloseHandle(j));
    ASSERT_TRUE(CloseHandle(j2));
}

/* ---- assignment, queries, TerminateJobObject ------------------------------------------ */

static void *wait_job(void *j)
{
    return (void *)(uintptr_t)WaitForSingleObject((HANDLE)j, 20000);
}

TEST(job_assign_query_terminate)
{
    HANDLE j = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(j);
    PROCESS_INFORMATION p1, p2, p3;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &p1));
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(start_helper("sleeper", FALSE, 0, &p3)); /* running, not in the job */
    BOOL in = 7;
    ASSERT_TRUE(IsProcessInJob(p1.hProcess, j, &in));
    ASSERT_EQ(in, FALSE);
    ASSERT_TRUE(IsProcessInJob(p1.hProcess, NULL, &in));
    ASSERT_EQ(in, FALSE);
    ASSERT_TRUE(AssignProcessToJobObject(j, p1.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(j, p1.hProcess)); /* again: fine */
    ASSERT_TRUE(AssignProcessToJobObject(j, p2.hProcess));
    ASSERT_EQ_U(ResumeThread(p1.hThread), 1);
    ASSERT_EQ_U(ResumeThread(p2.hThread), 1);
    ASSERT_TRUE(IsProcessInJob(p1.hProcess, j, &in));
    ASSERT_EQ(in, TRUE);
    ASSERT_TRUE(IsProcessInJob(p2.hProcess, NULL, &in));
    ASSERT_EQ(in, TRUE);
    ASSERT_TRUE(IsProcessInJob(p3.hProcess, j, &in));
    ASSERT_EQ(in, FALSE);
    ASSERT_TRUE(IsProcessInJob(GetCurrentProcess(), j, &in));
    ASSERT_EQ(in, FALSE);
    /* an empty job, for a member: nested under j (Windows 8; test-jobnest) */
    HANDLE other = CreateJobObjectA(NULL, NULL);
    ASSERT_TRUE(AssignProcessToJobObject(other, p1.hProcess));

    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    POISON(acc);
    DWORD len = 0;
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, &len));
    ASSERT_EQ_U(len, sizeof acc);
    ASSERT_EQ_U(acc.TotalProcesses, 2);
    ASSERT_EQ_U(acc.ActiveProcesses, 2);
    ASSERT_EQ_U(acc.TotalTerminatedProcesses, 0);
    ASSERT_GE(acc.TotalUserTime.QuadPart, 0);
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc,
                                           sizeof acc - 1, &len));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);

    union {
        JOBOBJECT_BASIC_PROCESS_ID_LIST l;
        char room[sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST) + 8 * sizeof(ULONG_PTR)];
    } ids;
    POISON(ids);
    ASSERT_TRUE(QueryInformationJobObject(j, JobObjectBasicProcessIdList, &ids, sizeof ids, &len));
    ASSERT_EQ_U(ids.l.NumberOfAssignedProcesses, 2);
    ASSERT_EQ_U(ids.l.NumberOfProcessIdsInList, 2);
    ASSERT_EQ_U(len,
                offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList) + 2 * sizeof(ULONG_PTR));
    const ULONG_PTR *list =
        (const ULONG_PTR *)(ids.room + offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList));
    ULONG_PTR a = list[0], b = list[1];
    ASSERT_TRUE((a == p1.dwProcessId && b == p2.dwProcessId) ||
                (a == p2.dwProcessId && b == p1.dwProcessId));
    /* room for one id: the count of all, one id, ERROR_MORE_DATA */
    POISON(ids);
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(j, JobObjectBasicProcessIdList, &ids,
                                           sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST), &len));
    ASSERT_EQ_U(LE(), ERROR_MORE_DATA);
    ASSERT_EQ_U(ids.l.NumberOfAssignedProcesses, 2);
    ASSERT_EQ_U(ids.l.NumberOfProcessIdsInList, 1);
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(j, JobObjectBasicProcessIdList, &ids,
                                           offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList),
                                           &len));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(j, (JOBOBJECTINFOCLASS)0, &ids, sizeof ids, &len));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);

    /* TerminateJobObject: every member ends with the code; others run on;
     * the job is signalled (a thread already waiting on it wakes) */
    ASSERT_EQ_U(WaitForSingleObject(j, 0), WAIT_TIMEOUT);
    pthread_t waiter;
    ASSERT_EQ(pthread_create(&waiter, NULL, wait_job, j), 0);
    ASSERT_TRUE(TerminateJobObject(j, 0xC0000005u));
    void *wr;
    ASSERT_EQ(pthread_join(waiter, &wr), 0);
    ASSERT_EQ_U((uintptr_t)wr, WAIT_OBJECT_0);
    ASSERT_EQ_U(WaitForSingleObject(j, 0), WAIT_OBJECT_0);
    HANDLE both[2] = {p1.hProcess, p2.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(2, both, TRUE, 20000), WAIT_OBJECT_0);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(p1.hProcess, &code));
    ASSERT_EQ_U(code, 0xC0000005u);
    ASSERT_TRUE(GetExitCodeProcess(p2.hProcess, &code));
    ASSERT_EQ_U(code, 0xC0000005u);
    ASSERT_TRUE(running(p3.hProcess));
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, &len));
    ASSERT_EQ_U(acc.TotalProcesses, 2);
    ASSERT_EQ_U(acc.ActiveProcesses, 0);
    ASSERT_TRUE(QueryInformationJobObject(j, JobObjectBasicProcessIdList, &ids, sizeof ids, &len));
    ASSERT_EQ_U(ids.l.NumberOfAssignedProcesses, 0);
    ASSERT_EQ_U(len, offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList));
    /* an ended member is still in its job while its process object lives */
    in = 7;
    ASSERT_TRUE(IsProcessInJob(p1.hProcess, j, &in));
    ASSERT_EQ(in, TRUE);
    ASSERT_TRUE(IsProcessInJob(p2.hProcess, NULL, &in));
    ASSERT_EQ(in, TRUE);
    /* the job goes on: a new member, terminated alone */
    ASSERT_TRUE(AssignProcessToJobObject(j, p3.hProcess));
    ASSERT_TRUE(TerminateJobObject(j, 3));
    ASSERT_EQ_U(WaitForSingleObject(p3.hProcess, 20000), WAIT_OBJECT_0);
    ASSERT_TRUE(GetExitCodeProcess(p3.hProcess, &code));
    ASSERT_EQ_U(code, 3);
    close_pi(&p1);
    close_pi(&p2);
    close_pi(&p3);
    ASSERT_TRUE(CloseHandle(other));
    ASSERT_TRUE(CloseHandle(j));
}

TEST(job_limits)
{
    HANDLE j = CreateJobObjectA(NULL, NULL);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0xA5, sizeof x);
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x, NULL));
    ASSERT_EQ_U(x.BasicLimitInformation.LimitFlags, 0);
    ASSERT_EQ_U(x.JobMemoryLimit, 0);
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_JOB_MEMORY;
    x.JobMemoryLimit = 1u << 30;
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    memset(&x, 0xA5, sizeof x);
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x, NULL));
    ASSERT_EQ_U(x.BasicLimitInformation.LimitFlags,
                JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_JOB_MEMORY);
    ASSERT_EQ_U(x.JobMemoryLimit, 1u << 30);
    ASSERT_EQ_U(x.PeakJobMemoryUsed, 0);
    JOBOBJECT_BASIC_LIMIT_INFORMATION b;
    ASSERT_TRUE(QueryInformationJobObject(j, JobObjectBasicLimitInformation, &b, sizeof b, NULL));
    ASSERT_EQ_U(b.LimitFlags, 0); /* the extended flags are not basic ones */
    /* errors: length (24), flags (87), classes (87 / 50) */
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x - 4));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    x.BasicLimitInformation.LimitFlags = 0x80000;
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    memset(&b, 0, sizeof b);
    b.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, JobObjectBasicLimitInformation, &b, sizeof b));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, (JOBOBJECTINFOCLASS)77, &b, sizeof b));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* the flags did not change */
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x, NULL));
    ASSERT_EQ_U(x.BasicLimitInformation.LimitFlags,
                JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_JOB_MEMORY);

    /* the active process limit */
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
    x.BasicLimitInformation.ActiveProcessLimit = 1;
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    PROCESS_INFORMATION p1, p2;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &p1));
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(AssignProcessToJobObject(j, p1.hProcess));
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(j, p2.hProcess));
    ASSERT_EQ_U(LE(), ERROR_NOT_ENOUGH_QUOTA);
    /* the refused process has been ended, with 1816, and counted */
    ASSERT_EQ_U(WaitForSingleObject(p2.hProcess, 20000), WAIT_OBJECT_0);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(p2.hProcess, &code));
    ASSERT_EQ_U(code, ERROR_NOT_ENOUGH_QUOTA);
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(acc.TotalProcesses, 2);
    ASSERT_EQ_U(acc.ActiveProcesses, 1);
    ASSERT_EQ_U(acc.TotalTerminatedProcesses, 1);
    close_pi(&p2);
    ASSERT_TRUE(TerminateProcess(p1.hProcess, 0));
    ASSERT_EQ_U(WaitForSingleObject(p1.hProcess, 20000), WAIT_OBJECT_0);
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(AssignProcessToJobObject(j, p2.hProcess)); /* p1 has gone: room again */
    ASSERT_TRUE(TerminateJobObject(j, 0));
    ASSERT_EQ_U(WaitForSingleObject(p2.hProcess, 20000), WAIT_OBJECT_0);
    close_pi(&p1);
    close_pi(&p2);
    ASSERT_TRUE(CloseHandle(j));
}

TEST(job_full_job_refuses_a_member_of_another_job_without_ending_it)
{
    /* in another job is checked first: 5, and the process lives on (only a
     * process the limit refuses is ended) */
    HANDLE a = CreateJobObjectA(NULL, NULL), b = CreateJobObjectA(NULL, NULL);
    ASSERT_TRUE(a && b);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
    x.BasicLimitInformation.ActiveProcessLimit = 1;
    ASSERT_TRUE(SetInformationJobObject(b, JobObjectExtendedLimitInformation, &x, sizeof x));
    PROCESS_INFORMATION in_b, in_a;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &in_b));
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &in_a));
    ASSERT_TRUE(AssignProcessToJobObject(b, in_b.hProcess)); /* b is full */
    ASSERT_TRUE(AssignProcessToJobObject(a, in_a.hProcess));
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(b, in_a.hProcess));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    ASSERT_EQ_U(WaitForSingleObject(in_a.hProcess, 100), WAIT_TIMEOUT);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    ASSERT_TRUE(
        QueryInformationJobObject(b, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(acc.TotalProcesses, 1);
    ASSERT_EQ_U(acc.TotalTerminatedProcesses, 0);
    ASSERT_TRUE(TerminateJobObject(a, 0));
    ASSERT_TRUE(TerminateJobObject(b, 0));
    HANDLE both[2] = {in_a.hProcess, in_b.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(2, both, TRUE, 20000), WAIT_OBJECT_0);
    close_pi(&in_a);
    close_pi(&in_b);
    ASSERT_TRUE(CloseHandle(a));
    ASSERT_TRUE(CloseHandle(b));
}

TEST(job_basic_and_io_accounting)
{
    /* class 8: the basic part as class 1 gives it, then the I/O counters (0) */
    HANDLE j = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(j);
    PROCESS_INFORMATION p1, p2;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &p1));
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &p2));
    ASSERT_TRUE(AssignProcessToJobObject(j, p1.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(j, p2.hProcess));
    JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION io;
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    POISON(io);
    POISON(acc);
    DWORD len = 0;
    ASSERT_TRUE(QueryInformationJobObject(j, JobObjectBasicAndIoAccountingInformation, &io,
                                          sizeof io, &len));
    ASSERT_EQ_U(len, sizeof io);
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(io.BasicInfo.TotalProcesses, 2);
    ASSERT_EQ_U(io.BasicInfo.ActiveProcesses, 2);
    ASSERT_EQ_U(io.BasicInfo.TotalProcesses, acc.TotalProcesses);
    ASSERT_EQ_U(io.BasicInfo.ActiveProcesses, acc.ActiveProcesses);
    ASSERT_EQ_U(io.BasicInfo.TotalTerminatedProcesses, 0);
    ASSERT_GE(io.BasicInfo.TotalUserTime.QuadPart, 0); /* the poison reads negative */
    ASSERT_GE(io.BasicInfo.TotalKernelTime.QuadPart, 0);
    ASSERT_NE(io.BasicInfo.TotalPageFaultCount, 0xA5A5A5A5u);
    ASSERT_EQ_U(io.IoInfo.ReadOperationCount, 0);
    ASSERT_EQ_U(io.IoInfo.WriteOperationCount, 0);
    ASSERT_EQ_U(io.IoInfo.OtherOperationCount, 0);
    ASSERT_EQ_U(io.IoInfo.ReadTransferCount, 0);
    ASSERT_EQ_U(io.IoInfo.WriteTransferCount, 0);
    ASSERT_EQ_U(io.IoInfo.OtherTransferCount, 0);
    /* too short, even by one byte, or the basic structure's size: 24, nothing written */
    POISON(io);
    len = 77;
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(j, JobObjectBasicAndIoAccountingInformation, &io,
                                           sizeof io - 1, &len));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(j, JobObjectBasicAndIoAccountingInformation, &io,
                                           sizeof(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION), &len));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    ASSERT_EQ_U(len, 77);
    ASSERT_EQ_U(io.BasicInfo.TotalProcesses, 0xA5A5A5A5u);
    /* longer is refused too: NT wants a fixed-size class's exact size */
    struct {
        JOBOBJECT_BASIC_ACCOUNTING_INFORMATION a;
        char extra[16];
    } big;
    POISON_LE();
    ASSERT_TRUE(
        !QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &big, sizeof big, &len));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    /* after the members have ended: total 2, active 0, in both classes */
    ASSERT_TRUE(TerminateJobObject(j, 5));
    HANDLE both[2] = {p1.hProcess, p2.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(2, both, TRUE, 20000), WAIT_OBJECT_0);
    ASSERT_TRUE(QueryInformationJobObject(j, JobObjectBasicAndIoAccountingInformation, &io,
                                          sizeof io, NULL));
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(io.BasicInfo.TotalProcesses, 2);
    ASSERT_EQ_U(io.BasicInfo.ActiveProcesses, 0);
    ASSERT_EQ_U(io.BasicInfo.TotalProcesses, acc.TotalProcesses);
    ASSERT_EQ_U(io.BasicInfo.ActiveProcesses, acc.ActiveProcesses);
    ASSERT_EQ_U(io.IoInfo.ReadOperationCount, 0);
    ASSERT_EQ_U(io.IoInfo.OtherTransferCount, 0);
    close_pi(&p1);
    close_pi(&p2);
    ASSERT_TRUE(CloseHandle(j));
}

TEST(job_null_arguments)
{
    /* A NULL buffer of the right length: the kernel faults copying in or
     * out, STATUS_ACCESS_VIOLATION, 998 (the reference has no job-specific
     * line; this is §1.7's mapping).  The length is checked first (24), and
     * a failed query leaves *ret_len alone. */
    HANDLE j = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(j);
    static const struct {
        JOBOBJECTINFOCLASS c;
        DWORD len;
    } classes[] = {
        {JobObjectBasicAccountingInformation, sizeof(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION)},
        {JobObjectBasicLimitInformation, sizeof(JOBOBJECT_BASIC_LIMIT_INFORMATION)},
        {JobObjectBasicProcessIdList, sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST)},
        {JobObjectBasicAndIoAccountingInformation,
         sizeof(JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION)},
        {JobObjectExtendedLimitInformation, sizeof(JOBOBJECT_EXTENDED_LIMIT_INFORMATION)},
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        DWORD len = 77;
        POISON_LE();
        ASSERT_TRUE(!QueryInformationJobObject(j, classes[i].c, NULL, classes[i].len, &len));
        ASSERT_EQ(LE() * 100 + classes[i].c, ERROR_NOACCESS * 100 + classes[i].c); /* which one */
        ASSERT_EQ_U(len, 77);
        POISON_LE();
        ASSERT_TRUE(!QueryInformationJobObject(j, classes[i].c, NULL, 0, &len));
        ASSERT_EQ(LE() * 100 + classes[i].c, ERROR_BAD_LENGTH * 100 + classes[i].c);
    }
    /* a NULL job is the caller's own job; outside any: 5 (NT: STATUS_ACCESS_DENIED) */
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    POISON_LE();
    ASSERT_TRUE(!QueryInformationJobObject(NULL, JobObjectBasicAccountingInformation, &acc,
                                           sizeof acc, NULL));
    ASSERT_EQ_U(LE(), ERROR_ACCESS_DENIED);
    /* Set with NULL info: 998, and the limits stay as they were */
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
    x.BasicLimitInformation.ActiveProcessLimit = 3;
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, JobObjectExtendedLimitInformation, NULL, sizeof x));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, JobObjectBasicLimitInformation, NULL,
                                         sizeof(JOBOBJECT_BASIC_LIMIT_INFORMATION)));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(j, JobObjectExtendedLimitInformation, NULL, 0));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    POISON(x);
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x, NULL));
    ASSERT_EQ_U(x.BasicLimitInformation.LimitFlags, JOB_OBJECT_LIMIT_ACTIVE_PROCESS);
    ASSERT_EQ_U(x.BasicLimitInformation.ActiveProcessLimit, 3);
    /* NULL handles where a job or a process is needed: 6 (for Set and
     * Terminate NULL is no handle, not the caller's job) */
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &pi));
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(NULL, pi.hProcess));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(j, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!TerminateJobObject(NULL, 1));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    memset(&x, 0, sizeof x);
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(NULL, JobObjectExtendedLimitInformation, &x, sizeof x));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    /* IsProcessInJob with no place for the answer: 998 (Windows writes
     * through the pointer unguarded and faults in the caller) */
    ASSERT_TRUE(AssignProcessToJobObject(j, pi.hProcess));
    POISON_LE();
    ASSERT_TRUE(!IsProcessInJob(pi.hProcess, j, NULL));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_TRUE(!IsProcessInJob(pi.hProcess, NULL, NULL));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    /* and nothing above disturbed the job */
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(acc.ActiveProcesses, 1);
    ASSERT_TRUE(running(pi.hProcess));
    ASSERT_TRUE(TerminateJobObject(j, 0));
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 20000), WAIT_OBJECT_0);
    close_pi(&pi);
    ASSERT_TRUE(CloseHandle(j));
}

/* ---- children join; breakaway --------------------------------------------------------- */

/* argv: page.  Runs in a job: starts a spawner (whose child is a
 * grandchild of ours), /bin/sleep, tries a breakaway, and reports.  Then,
 * when page->job says the job allows breakaway, breaks away once. */
HELPER(job_parent)
{
    (void)argc;
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 1;
    char args[64];
    snprintf(args, sizeof args, "spawner %s", argv[0]);
    PROCESS_INFORMATION c, s, n;
    if (!start_helper(args, TRUE, 0, &c) || !start_cmd("sleep 1000", FALSE, 0, &s))
        return 2;
    pg->pids[0] = c.dwProcessId;
    pg->pids[2] = s.dwProcessId;
    SetLastError(0);
    pg->pids[4] =
        start_helper("sleeper", FALSE, CREATE_BREAKAWAY_FROM_JOB, &n) ? 0 : GetLastError();
    BOOL in = FALSE;
    pg->pids[5] = IsProcessInJob(GetCurrentProcess(), NULL, &in) && in;
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    for (int i = 0; i < 20000 && pg->ready < 1; i++)
        Sleep(1);     /* the spawner's child, in the count below */
    pid_t f = fork(); /* a fork child of a member joins too */
    if (f == 0) {
        for (;;)
            pause();
    }
    pg->pids[3] = (uint32_t)f;
    /* it joins as it starts (in its own atfork handler, not before fork returns here) */
    for (int i = 0; i < 20000; i++) {
        HANDLE fh = OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, (DWORD)f);
        BOOL joined = fh && IsProcessInJob(fh, NULL, &in) && in;
        if (fh)
            CloseHandle(fh);
        if (joined)
            break;
        Sleep(1);
    }
    pg->pids[6] =
        QueryInformationJobObject(NULL, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL)
            ? acc.ActiveProcesses
            : 1000 + GetLastError();
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    while (!pg->job)
        Sleep(1);
    pg->pids[7] = start_helper("sleeper", FALSE, CREATE_BREAKAWAY_FROM_JOB, &n) ? n.dwProcessId : 0;
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        Sleep(1000);
    return 0;
}

TEST(job_children_join)
{
    HANDLE j = CreateJobObjectA(NULL, NULL);
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[64];
    snprintf(args, sizeof args, "job_parent %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION p;
    ASSERT_TRUE(start_helper(args, TRUE, CREATE_SUSPENDED, &p));
    ASSERT_TRUE(AssignProcessToJobObject(j, p.hProcess));
    ASSERT_EQ_U(ResumeThread(p.hThread), 1);
    wait_ready(pg, 2);
    /* its child, its grandchild, a program that runs no shmap code, and
     * a fork child of its own */
    HANDLE m[4];
    for (int i = 0; i < 4; i++) {
        m[i] = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pg->pids[i]);
        ASSERT_NOT_NULL(m[i]);
        BOOL in = FALSE;
        ASSERT_TRUE(IsProcessInJob(m[i], j, &in));
        ASSERT_EQ(in * 10 + i, 10 + i); /* which one, if not */
    }
    ASSERT_EQ_U(pg->pids[4], ERROR_ACCESS_DENIED); /* breakaway refused */
    ASSERT_EQ_U(pg->pids[5], 1);                   /* it knows it is in a job */
    ASSERT_EQ_U(pg->pids[6], 5);                   /* itself + 4 */
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(acc.ActiveProcesses, 5);
    ASSERT_EQ_U(acc.TotalProcesses, 5);
    /* allowed now: the next breakaway child is outside */
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_BREAKAWAY_OK;
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    pg->job = 1;
    wait_ready(pg, 3);
    ASSERT_NE(pg->pids[7], 0);
    HANDLE out = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pg->pids[7]);
    ASSERT_NOT_NULL(out);
    BOOL in = TRUE;
    ASSERT_TRUE(IsProcessInJob(out, NULL, &in));
    ASSERT_EQ(in, FALSE);
    /* the whole tree goes with TerminateJobObject; the one outside stays */
    ASSERT_TRUE(TerminateJobObject(j, 12));
    HANDLE all[5] = {m[0], m[1], m[2], m[3], p.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(5, all, TRUE, 20000), WAIT_OBJECT_0);
    DWORD code = 0;
    ASSERT_TRUE(GetExitCodeProcess(p.hProcess, &code));
    ASSERT_EQ_U(code, 12);
    ASSERT_TRUE(running(out));
    ASSERT_TRUE(TerminateProcess(out, 0));
    ASSERT_EQ_U(WaitForSingleObject(out, 20000), WAIT_OBJECT_0);
    for (int i = 0; i < 4; i++)
        ASSERT_TRUE(CloseHandle(m[i]));
    ASSERT_TRUE(CloseHandle(out));
    close_pi(&p);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(j));
}

/* ---- a member's own calls ------------------------------------------------------------- */

#define SELF_TERMINATE_CODE 0xE0012345u /* low byte 0x45: more than _exit carries */

/* argv: page.  Joins the job whose handle it inherited (page->job), starts
 * a sleeper (a member too), tries TerminateJobObject(NULL), reports, and
 * when told to (ready 2), terminates the job from inside. */
HELPER(job_self_terminator)
{
    (void)argc;
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 1;
    HANDLE j = (HANDLE)(uintptr_t)pg->job;
    if (!AssignProcessToJobObject(j, GetCurrentProcess()))
        return 2;
    PROCESS_INFORMATION c;
    if (!start_helper("sleeper", FALSE, 0, &c))
        return 3;
    pg->pids[1] = c.dwProcessId;
    SetLastError(0);
    pg->pids[2] = TerminateJobObject(NULL, 1) ? 0 : GetLastError(); /* NULL: not our job */
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 20000 && pg->ready < 2; i++)
        Sleep(1);
    TerminateJobObject(j, SELF_TERMINATE_CODE);
    return 4; /* not reached: the caller goes with its job */
}

TEST(job_terminate_from_inside)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    HANDLE j = CreateJobObjectA(&sa, NULL);
    ASSERT_NOT_NULL(j);
    pg->job = (uint32_t)(uintptr_t)j;
    PROCESS_INFORMATION a, h;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &a));
    ASSERT_TRUE(AssignProcessToJobObject(j, a.hProcess));
    ASSERT_EQ_U(ResumeThread(a.hThread), 1);
    char args[64];
    snprintf(args, sizeof args, "job_self_terminator %lu", (unsigned long)(uintptr_t)hp);
    ASSERT_TRUE(start_helper(args, TRUE, 0, &h));
    wait_ready(pg, 1);
    ASSERT_EQ_U(pg->pids[2], ERROR_INVALID_HANDLE);
    HANDLE c = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, pg->pids[1]);
    ASSERT_NOT_NULL(c);
    BOOL in = FALSE;
    ASSERT_TRUE(IsProcessInJob(h.hProcess, j, &in));
    ASSERT_EQ(in, TRUE);
    in = FALSE;
    ASSERT_TRUE(IsProcessInJob(c, j, &in));
    ASSERT_EQ(in, TRUE);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(acc.ActiveProcesses, 3);
    ASSERT_TRUE(running(h.hProcess));
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST); /* go */
    /* the others end with the code, and so does the caller, after them (had
     * it gone first, they would still be running) */
    HANDLE all[3] = {a.hProcess, c, h.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(3, all, TRUE, 5000), WAIT_OBJECT_0);
    const char *who[3] = {"assigned", "child", "caller"};
    for (int i = 0; i < 3; i++) {
        DWORD code = 0;
        ASSERT_TRUE(GetExitCodeProcess(all[i], &code));
        if (code != SELF_TERMINATE_CODE)
            fprintf(stderr, "%s: exit code 0x%lx\n", who[i], (unsigned long)code);
        ASSERT_EQ_U(code, SELF_TERMINATE_CODE);
    }
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(acc.ActiveProcesses, 0);
    ASSERT_EQ_U(acc.TotalProcesses, 3);
    ASSERT_TRUE(CloseHandle(c));
    close_pi(&a);
    close_pi(&h);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(j));
}

/* argv: page.  A member at the job's active process limit: tries to start
 * a helper and /bin/sleep, and reports what it saw in pids[0..6]. */
HELPER(job_limited_spawner)
{
    (void)argc;
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 1;
    PROCESS_INFORMATION c;
    SetLastError(0);
    if (start_helper("sleeper", FALSE, 0, &c)) {
        pg->pids[0] = c.dwProcessId; /* wrong: do not leave it behind */
        TerminateProcess(c.hProcess, 0);
    } else {
        pg->pids[1] = GetLastError();
    }
    SetLastError(0);
    if (start_cmd("sleep 1000", FALSE, 0, &c)) {
        pg->pids[2] = c.dwProcessId;
        TerminateProcess(c.hProcess, 0);
    } else {
        pg->pids[3] = GetLastError();
    }
    /* no child at all, running or waiting to be reaped */
    errno = 0;
    pg->pids[4] = waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    if (QueryInformationJobObject(NULL, JobObjectBasicAccountingInformation, &acc, sizeof acc,
                                  NULL)) {
        pg->pids[5] = acc.ActiveProcesses;
    } else {
        pg->pids[5] = 1000 + GetLastError();
    }
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    return 0;
}

TEST(job_active_limit_create_process)
{
    /* ActiveProcessLimit 1 and the member is the one: its CreateProcess
     * fails with 1816 and leaves no child */
    struct page *pg;
    HANDLE hp = page_new(&pg);
    HANDLE j = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(j);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
    x.BasicLimitInformation.ActiveProcessLimit = 1;
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    char args[64];
    snprintf(args, sizeof args, "job_limited_spawner %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION p;
    ASSERT_TRUE(start_helper(args, TRUE, CREATE_SUSPENDED, &p));
    ASSERT_TRUE(AssignProcessToJobObject(j, p.hProcess));
    ASSERT_EQ_U(ResumeThread(p.hThread), 1);
    ASSERT_EQ_U(WaitForSingleObject(p.hProcess, 20000), WAIT_OBJECT_0);
    DWORD code = 7;
    ASSERT_TRUE(GetExitCodeProcess(p.hProcess, &code));
    ASSERT_EQ_U(code, 0);
    ASSERT_EQ_U(pg->ready, 1);
    ASSERT_EQ_U(pg->pids[0], 0); /* the pid of a child that should not exist */
    ASSERT_EQ_U(pg->pids[1], ERROR_NOT_ENOUGH_QUOTA);
    ASSERT_EQ_U(pg->pids[2], 0);
    ASSERT_EQ_U(pg->pids[3], ERROR_NOT_ENOUGH_QUOTA);
    ASSERT_EQ_U(pg->pids[4], 1); /* no child left */
    ASSERT_EQ_U(pg->pids[5], 1); /* itself alone in the job */
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    ASSERT_TRUE(
        QueryInformationJobObject(j, JobObjectBasicAccountingInformation, &acc, sizeof acc, NULL));
    ASSERT_EQ_U(acc.ActiveProcesses, 0);
    close_pi(&p);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
    ASSERT_TRUE(CloseHandle(j));
}

/* ---- KILL_ON_JOB_CLOSE ------------------------------------------------------------------ */

static HANDLE kill_job(const char *name, BOOL inherit)
{
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, inherit};
    HANDLE j = CreateJobObjectA(&sa, name);
    ASSERT_NOT_NULL(j);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    return j;
}

TEST(job_kill_on_close_by_close)
{
    HANDLE j = kill_job(NULL, FALSE);
    PROCESS_INFORMATION a, s;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &a));
    ASSERT_TRUE(start_cmd("sleep 1000", FALSE, CREATE_SUSPENDED, &s));
    ASSERT_TRUE(AssignProcessToJobObject(j, a.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(j, s.hProcess));
    ASSERT_EQ_U(ResumeThread(a.hThread), 1);
    ASSERT_EQ_U(ResumeThread(s.hThread), 1);
    /* a second handle keeps the job: nobody dies */
    HANDLE j2;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), j, GetCurrentProcess(), &j2, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(CloseHandle(j));
    Sleep(50);
    ASSERT_TRUE(running(a.hProcess));
    ASSERT_TRUE(running(s.hProcess));
    ASSERT_TRUE(CloseHandle(j2)); /* the last one */
    HANDLE both[2] = {a.hProcess, s.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(2, both, TRUE, 20000), WAIT_OBJECT_0);
    close_pi(&a);
    close_pi(&s);

    /* without the limit, closing the job leaves its members running */
    HANDLE k = CreateJobObjectA(NULL, NULL);
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &a));
    ASSERT_TRUE(AssignProcessToJobObject(k, a.hProcess));
    ASSERT_EQ_U(ResumeThread(a.hThread), 1);
    ASSERT_TRUE(CloseHandle(k));
    Sleep(100);
    ASSERT_TRUE(running(a.hProcess));
    BOOL in = FALSE;
    ASSERT_TRUE(IsProcessInJob(a.hProcess, NULL, &in));
    ASSERT_EQ(in, TRUE);
    ASSERT_TRUE(TerminateProcess(a.hProcess, 0));
    ASSERT_EQ_U(WaitForSingleObject(a.hProcess, 20000), WAIT_OBJECT_0);
    close_pi(&a);
}

/* argv: page.  Makes a KILL_ON_JOB_CLOSE job, then members: a sleeper
 * (suspended, assigned, resumed), a spawner (whose child joins), and
 * /bin/sleep; publishes their pids, then waits to be killed. */
HELPER(job_holder)
{
    (void)argc;
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 1;
    HANDLE j = kill_job(NULL, FALSE);
    PROCESS_INFORMATION a, b, s;
    char args[64];
    snprintf(args, sizeof args, "spawner %s", argv[0]);
    if (!start_helper("sleeper", FALSE, CREATE_SUSPENDED, &a) ||
        !start_helper(args, TRUE, CREATE_SUSPENDED, &b) ||
        !start_cmd("sleep 1000", FALSE, CREATE_SUSPENDED, &s))
        return 2;
    if (!AssignProcessToJobObject(j, a.hProcess) || !AssignProcessToJobObject(j, b.hProcess) ||
        !AssignProcessToJobObject(j, s.hProcess))
        return 3;
    ResumeThread(a.hThread);
    ResumeThread(b.hThread);
    ResumeThread(s.hThread);
    pg->pids[0] = a.dwProcessId;
    pg->pids[2] = s.dwProcessId;
    pg->pids[3] = b.dwProcessId;
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        Sleep(1000);
    return 0;
}

TEST(job_kill_on_close_holder_killed)
{
    struct page *pg;
    HANDLE hp = page_new(&pg);
    char args[64];
    snprintf(args, sizeof args, "job_holder %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION h;
    ASSERT_TRUE(start_helper(args, TRUE, 0, &h));
    wait_ready(pg, 2); /* the holder's mark and the spawner's */
    HANDLE m[4];
    uint32_t pids[4] = {pg->pids[0], pg->pids[1], pg->pids[2], pg->pids[3]};
    for (int i = 0; i < 4; i++) {
        m[i] = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_INFORMATION, FALSE, pids[i]);
        ASSERT_NOT_NULL(m[i]);
        ASSERT_TRUE(running(m[i]));
    }
    double t0 = now_ms();
    ASSERT_EQ(kill((pid_t)h.dwProcessId, SIGKILL), 0);
    ASSERT_EQ_U(WaitForMultipleObjects(4, m, TRUE, 20000), WAIT_OBJECT_0);
    fprintf(stderr, "members ended %.2f ms after kill -9 of the holder\n", now_ms() - t0);
    for (int i = 0; i < 4; i++) {
        DWORD code = 0;
        ASSERT_TRUE(GetExitCodeProcess(m[i], &code));
        ASSERT_NE(code, STILL_ACTIVE); /* how they ended is their parent's to know */
        ASSERT_TRUE(CloseHandle(m[i]));
    }
    ASSERT_EQ_U(WaitForSingleObject(h.hProcess, 20000), WAIT_OBJECT_0);
    close_pi(&h);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
}

/* argv: page.  Holds the job handle it inherited (value in page->job). */
HELPER(job_keeper)
{
    (void)argc;
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 1;
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    if (!QueryInformationJobObject((HANDLE)(uintptr_t)pg->job, JobObjectBasicAccountingInformation,
                                   &acc, sizeof acc, NULL)) {
        fprintf(stderr, "keeper: %lu\n", (unsigned long)GetLastError());
        return 2;
    }
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        Sleep(1000);
    return 0;
}

TEST(job_kill_on_close_handle_elsewhere)
{
    /* the job's handles travel: inherited by one child, duplicated into
     * another; the members live while any of them holds one */
    struct page *pg;
    HANDLE hp = page_new(&pg);
    HANDLE j = kill_job("Local\\shmap-job-travel", TRUE);
    pg->job = (uint32_t)(uintptr_t)j;
    char args[64];
    snprintf(args, sizeof args, "job_keeper %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION k1, k2, a;
    ASSERT_TRUE(start_helper(args, TRUE, 0, &k1)); /* inherits j at the same value */
    wait_ready(pg, 1);
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &a));
    ASSERT_TRUE(AssignProcessToJobObject(j, a.hProcess));
    ASSERT_EQ_U(ResumeThread(a.hThread), 1);
    ASSERT_TRUE(CloseHandle(j));
    Sleep(50);
    ASSERT_TRUE(running(a.hProcess)); /* k1 holds it */
    /* a third holder by name, then by duplication into a process that
     * never asked for it */
    HANDLE byname = OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "Local\\shmap-job-travel");
    ASSERT_NOT_NULL(byname);
    ASSERT_TRUE(start_helper("sleeper", FALSE, 0, &k2));
    HANDLE in_k2 = NULL;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), byname, k2.hProcess, &in_k2, 0, FALSE,
                                DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE));
    ASSERT_NOT_NULL(in_k2);
    ASSERT_EQ(kill((pid_t)k1.dwProcessId, SIGKILL), 0);
    ASSERT_EQ_U(WaitForSingleObject(k1.hProcess, 20000), WAIT_OBJECT_0);
    Sleep(50);
    ASSERT_TRUE(running(a.hProcess)); /* k2 holds it now */
    ASSERT_EQ(kill((pid_t)k2.dwProcessId, SIGKILL), 0);
    ASSERT_EQ_U(WaitForSingleObject(a.hProcess, 20000), WAIT_OBJECT_0);
    ASSERT_EQ_U(WaitForSingleObject(k2.hProcess, 20000), WAIT_OBJECT_0);
    /* nobody holds it: the name has gone with the last holder */
    POISON_LE();
    ASSERT_NULL(OpenJobObjectA(JOB_OBJECT_QUERY, FALSE, "Local\\shmap-job-travel"));
    ASSERT_EQ_U(LE(), ERROR_FILE_NOT_FOUND);
    close_pi(&k1);
    close_pi(&k2);
    close_pi(&a);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
}

TEST(job_kill_on_close_set_after_assign)
{
    /* the limit set after the members joined still kills them */
    HANDLE j = CreateJobObjectA(NULL, NULL);
    PROCESS_INFORMATION a, s;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &a));
    ASSERT_TRUE(start_cmd("sleep 1000", FALSE, CREATE_SUSPENDED, &s));
    ASSERT_TRUE(AssignProcessToJobObject(j, a.hProcess));
    ASSERT_TRUE(AssignProcessToJobObject(j, s.hProcess));
    ASSERT_EQ_U(ResumeThread(a.hThread), 1);
    ASSERT_EQ_U(ResumeThread(s.hThread), 1);
    Sleep(20);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    x.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    /* the last handle goes with a kill -9 of the process that holds it, so
     * nothing but the members' armed ends can end them (a CloseHandle here
     * would kill them through their pidfds, armed or not) */
    ASSERT_TRUE(SetHandleInformation(j, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
    PROCESS_INFORMATION holder;
    ASSERT_TRUE(start_helper("sleeper", TRUE, 0, &holder));
    ASSERT_TRUE(CloseHandle(j));
    HANDLE both[2] = {a.hProcess, s.hProcess};
    ASSERT_EQ_U(WaitForMultipleObjects(2, both, FALSE, 100), WAIT_TIMEOUT); /* held */
    ASSERT_EQ(kill((pid_t)holder.dwProcessId, SIGKILL), 0);
    ASSERT_EQ_U(WaitForMultipleObjects(2, both, TRUE, 20000), WAIT_OBJECT_0);
    ASSERT_EQ_U(WaitForSingleObject(holder.hProcess, 20000), WAIT_OBJECT_0);
    close_pi(&holder);
    close_pi(&a);
    close_pi(&s);
}

/* argv: page.  Looks up a handle (so it takes in what waits in its inbox:
 * its read end of the kill pipe), says so, then waits to be killed. */
HELPER(job_member_looks)
{
    (void)argc;
    struct page *pg = page_of(argv[0]);
    if (!pg)
        return 1;
    __atomic_fetch_add(&pg->ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        Sleep(1000);
    return 0;
}

TEST(job_kill_on_close_cleared_after_assign)
{
    /* armed when it joined, disarmed before the last close: it survives */
    struct page *pg;
    HANDLE hp = page_new(&pg);
    HANDLE j = kill_job(NULL, FALSE);
    char args[64];
    snprintf(args, sizeof args, "job_member_looks %lu", (unsigned long)(uintptr_t)hp);
    PROCESS_INFORMATION a;
    ASSERT_TRUE(start_helper(args, TRUE, CREATE_SUSPENDED, &a));
    ASSERT_TRUE(AssignProcessToJobObject(j, a.hProcess));
    ASSERT_EQ_U(ResumeThread(a.hThread), 1);
    wait_ready(pg, 1); /* MapViewOfFile of the page: a lookup, so its end is taken in */
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION x;
    memset(&x, 0, sizeof x);
    ASSERT_TRUE(SetInformationJobObject(j, JobObjectExtendedLimitInformation, &x, sizeof x));
    ASSERT_TRUE(CloseHandle(j));
    Sleep(100);
    ASSERT_TRUE(running(a.hProcess));
    ASSERT_TRUE(TerminateProcess(a.hProcess, 0));
    ASSERT_EQ_U(WaitForSingleObject(a.hProcess, 20000), WAIT_OBJECT_0);
    close_pi(&a);
    ASSERT_TRUE(UnmapViewOfFile(pg));
    ASSERT_TRUE(CloseHandle(hp));
}
