/*
 * test-faultloop-process.c - the anomaly loop (faultloop.h) over handles
 * (DuplicateHandle within, into and out of another process, CloseHandle,
 * handle flags), processes (CreateProcess with inherited handles, started
 * or suspended, OpenProcess, TerminateProcess, exit codes, waits) and jobs
 * (create, open, assign, terminate, query, set limits).
 */
#include "faultloop.h"

static SECURITY_ATTRIBUTES inheritable = {sizeof(SECURITY_ATTRIBUTES), NULL, TRUE};

/* ---- handles ----------------------------------------------------------------------------- */

/* The source of a duplicate, by kind: a named event, a named section, an
 * unnamed job, a file, a process. */
static int dup_kind;

static HANDLE dup_source(void)
{
    switch (dup_kind) {
    case 0:
        return CreateEventA(NULL, TRUE, FALSE, "Local\\fl_dupev");
    case 1:
        return section("Local\\fl_dupmap", PAGE_READWRITE, 65536);
    case 2:
        return CreateJobObjectA(NULL, NULL);
    case 3:
        temp_file();
        return C.file;
    default:
        return OpenProcess(PROCESS_ALL_ACCESS, FALSE, H.pid);
    }
}

/* out is the object src is. */
static void dup_same(HANDLE src, HANDLE out)
{
    switch (dup_kind) {
    case 0:
        ASSERT_TRUE(SetEvent(out));
        ASSERT_EQ(WaitForSingleObject(src, 0), WAIT_OBJECT_0);
        ASSERT_TRUE(ResetEvent(src));
        return;
    case 1: {
        char *a = map(src, FILE_MAP_WRITE), *b = map(out, FILE_MAP_READ);
        a[9] = 9;
        ASSERT_EQ(b[9], 9);
        ASSERT_TRUE(UnmapViewOfFile(a));
        ASSERT_TRUE(UnmapViewOfFile(b));
        return;
    }
    case 2: {
        JOBOBJECT_BASIC_ACCOUNTING_INFORMATION ai;
        ASSERT_TRUE(QueryInformationJobObject(out, JobObjectBasicAccountingInformation, &ai,
                                              sizeof ai, NULL));
        return;
    }
    case 3: { /* one file (its position is shared within a process only) */
        DWORD n = 0, size = GetFileSize(src, NULL);
        ASSERT_TRUE(WriteFile(out, "x", 1, &n, NULL));
        ASSERT_EQ(GetFileSize(src, NULL), size + 1);
        return;
    }
    default:
        ASSERT_EQ(GetProcessId(out), H.pid);
    }
}

static DWORD dup_local(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = dup_source();
        ASSERT_TRUE(C.h != NULL && C.h != INVALID_HANDLE_VALUE);
        C.out = NULL;
        return 0;
    case RUN:
        return le(DuplicateHandle(GetCurrentProcess(), C.h, GetCurrentProcess(), &C.out, 0, FALSE,
                                  DUPLICATE_SAME_ACCESS));
    case OK:
        dup_same(C.h, C.out);
        return 0;
    case FAILED:
        ASSERT_NULL(C.out);
        return 0;
    case TEARDOWN:
        close_if(&C.out);
        if (dup_kind == 3)
            temp_file_gone();
        else
            close_if(&C.h);
        C.h = NULL;
        return 0;
    }
    return 0;
}

/* Into the holder, then out of it again (the put is checked by getting it
 * back); the holder closes it (a DUPLICATE_CLOSE_SOURCE message). */
static DWORD dup_into(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = dup_source();
        ASSERT_TRUE(C.h != NULL && C.h != INVALID_HANDLE_VALUE);
        C.job = OpenProcess(PROCESS_DUP_HANDLE, FALSE, H.pid);
        ASSERT_NOT_NULL(C.job);
        C.h2 = NULL;
        return 0;
    case RUN:
        return le(DuplicateHandle(GetCurrentProcess(), C.h, C.job, &C.h2, 0, FALSE,
                                  DUPLICATE_SAME_ACCESS));
    case OK:
        ASSERT_NOT_NULL(C.h2);
        holder_fds(); /* it takes it in (and publishes it) */
        ASSERT_TRUE(DuplicateHandle(C.job, C.h2, GetCurrentProcess(), &C.out, 0, FALSE,
                                    DUPLICATE_SAME_ACCESS));
        dup_same(C.h, C.out);
        close_if(&C.out);
        return 0;
    case FAILED:
        ASSERT_NULL(C.h2);
        return 0;
    case TEARDOWN:
        if (C.h2)
            ASSERT_TRUE(DuplicateHandle(C.job, C.h2, NULL, NULL, 0, FALSE, DUPLICATE_CLOSE_SOURCE));
        C.h2 = NULL;
        close_if(&C.job);
        if (dup_kind == 3)
            temp_file_gone();
        else
            close_if(&C.h);
        C.h = NULL;
        return 0;
    }
    return 0;
}

/* Out of the holder: its named event and its unnamed one. */
static DWORD dup_out(enum phase ph)
{
    HANDLE theirs = dup_kind ? H.unnamed_ev : H.named_ev;
    switch (ph) {
    case SETUP:
        C.job = OpenProcess(PROCESS_DUP_HANDLE, FALSE, H.pid);
        ASSERT_NOT_NULL(C.job);
        C.out = NULL;
        return 0;
    case RUN:
        return le(DuplicateHandle(C.job, theirs, GetCurrentProcess(), &C.out, 0, FALSE,
                                  DUPLICATE_SAME_ACCESS));
    case OK: /* the holder's event: reset, manual */
        ASSERT_EQ(WaitForSingleObject(C.out, 0), WAIT_TIMEOUT);
        ASSERT_TRUE(SetEvent(C.out));
        ASSERT_EQ(WaitForSingleObject(C.out, 0), WAIT_OBJECT_0);
        ASSERT_TRUE(ResetEvent(C.out));
        return 0;
    case FAILED:
        ASSERT_NULL(C.out);
        return 0;
    default: /* TEARDOWN: teardown() closes C's handles */
        break;
    }
    return 0;
}

/* CloseHandle of the last handle of a named object: the name goes. */
static DWORD close_last(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = CreateEventA(NULL, TRUE, FALSE, "Local\\fl_close");
        ASSERT_NOT_NULL(C.h);
        return 0;
    case RUN: {
        HANDLE h = C.h;
        C.h = NULL;
        return le(CloseHandle(h));
    }
    case OK:
        if (!cur_persistent) /* (from then on, the release's own calls fail: an orphan) */
            ASSERT_EQ(count_ns_entries(), C.ns);
        return 0;
    default:
        return 0;
    }
}

static DWORD handle_info(enum phase ph)
{
    DWORD f = 0;
    switch (ph) {
    case SETUP:
        C.h = CreateEventA(NULL, TRUE, FALSE, NULL);
        ASSERT_NOT_NULL(C.h);
        return 0;
    case RUN:
        if (!SetHandleInformation(C.h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
            return le(FALSE);
        return le(GetHandleInformation(C.h, &f));
    case OK:
        ASSERT_TRUE(GetHandleInformation(C.h, &f));
        ASSERT_EQ_U(f, HANDLE_FLAG_INHERIT);
        return 0;
    default:
        return 0;
    }
}

TEST_T(faultloop_handles, 120)
{
    holder_start();
    static const char *local[] = {"dup_local(event)", "dup_local(section)", "dup_local(job)",
                                  "dup_local(file)", "dup_local(process)"};
    static const char *into[] = {"dup_into(event)", "dup_into(section)", "dup_into(job)",
                                 "dup_into(file)", "dup_into(process)"};
    for (dup_kind = 0; dup_kind < 5; dup_kind++) {
        loop(local[dup_kind], dup_local, 0, 0);
        loop(into[dup_kind], dup_into, 4, 0);
    }
    dup_kind = 0;
    loop("dup_out(named_event)", dup_out, 9, 0);
    dup_kind = 1;
    loop("dup_out(unnamed_event)", dup_out, 6, 0);
    LOOP(close_last, 0);
    LOOP(handle_info, 0);
    holder_stop();
}

/* ---- processes ------------------------------------------------------------------------------- */

static BOOL start(const char *cmd, BOOL inherit, DWORD flags, PROCESS_INFORMATION *pi)
{
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", cmd);
    memset(pi, 0, sizeof *pi);
    return CreateProcessA(NULL, buf, NULL, NULL, inherit, flags, NULL, "/", &si, pi);
}

/* Started untouched (setup); ended and closed (teardown). */
static void child_start(const char *cmd, DWORD flags)
{
    if (!start(cmd, FALSE, flags, &C.pi))
        harness_fail(__FILE__, __LINE__, "CreateProcess: %lu", (unsigned long)GetLastError());
}

static void child_end(void)
{
    if (!C.pi.hProcess)
        return;
    /* (one on its way out, killed with its job: ERROR_ACCESS_DENIED) */
    if (WaitForSingleObject(C.pi.hProcess, 0) == WAIT_TIMEOUT &&
        !TerminateProcess(C.pi.hProcess, 99))
        ASSERT_EQ_U(GetLastError(), ERROR_ACCESS_DENIED);
    ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 10000), WAIT_OBJECT_0);
    close_if(&C.pi.hThread);
    close_if(&C.pi.hProcess); /* reaped */
}

/* The handles a child inherits: an unnamed event and a named section. */
static void inheritables(void)
{
    C.h = CreateEventA(&inheritable, TRUE, FALSE, NULL);
    C.h2 = CreateFileMappingA(INVALID_HANDLE_VALUE, &inheritable, PAGE_READWRITE, 0, 65536,
                              "Local\\fl_inh");
    ASSERT_TRUE(C.h && C.h2);
}

/* The child holds them, at the same values: taken out of it, they are
 * ours. */
static void child_inherited(void)
{
    HANDLE ev, sec;
    ASSERT_TRUE(DuplicateHandle(C.pi.hProcess, C.h, GetCurrentProcess(), &ev, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(DuplicateHandle(C.pi.hProcess, C.h2, GetCurrentProcess(), &sec, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    ASSERT_TRUE(SetEvent(ev));
    ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_OBJECT_0);
    ASSERT_TRUE(ResetEvent(C.h));
    char *a = map(C.h2, FILE_MAP_WRITE), *b = map(sec, FILE_MAP_READ);
    a[5] = 5;
    ASSERT_EQ(b[5], 5);
    ASSERT_TRUE(UnmapViewOfFile(a));
    ASSERT_TRUE(UnmapViewOfFile(b));
    ASSERT_TRUE(CloseHandle(ev));
    ASSERT_TRUE(CloseHandle(sec));
}

static DWORD proc_create(enum phase ph, DWORD flags)
{
    switch (ph) {
    case SETUP:
        inheritables();
        return 0;
    case RUN:
        return le(start("/bin/sleep 30", TRUE, flags, &C.pi));
    case OK: {
        DWORD code = 0;
        ASSERT_TRUE(GetExitCodeProcess(C.pi.hProcess, &code));
        ASSERT_EQ(code, STILL_ACTIVE);
        child_inherited();
        if (flags & CREATE_SUSPENDED)
            ASSERT_EQ(ResumeThread(C.pi.hThread), 1);
        return 0;
    }
    case FAILED:
        ASSERT_NULL(C.pi.hProcess);
        ASSERT_NULL(C.pi.hThread);
        return 0;
    case TEARDOWN:
        child_end();
        close_if(&C.h);
        close_if(&C.h2);
        return 0;
    }
    return 0;
}

static DWORD proc_create_inherit(enum phase ph)
{
    return proc_create(ph, 0);
}

static DWORD proc_create_suspended(enum phase ph)
{
    return proc_create(ph, CREATE_SUSPENDED);
}

static DWORD proc_open(enum phase ph)
{
    switch (ph) {
    case RUN:
        C.h = OpenProcess(PROCESS_ALL_ACCESS, FALSE, H.pid);
        return leh(C.h);
    case OK: {
        DWORD code = 0;
        ASSERT_EQ(GetProcessId(C.h), H.pid);
        ASSERT_TRUE(GetExitCodeProcess(C.h, &code));
        ASSERT_EQ(code, STILL_ACTIVE);
        ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_TIMEOUT);
        return 0;
    }
    case FAILED:
        ASSERT_NULL(C.h);
        return 0;
    default:
        return 0;
    }
}

static DWORD proc_terminate(enum phase ph)
{
    switch (ph) {
    case SETUP:
        child_start("/bin/sleep 30", 0);
        return 0;
    case RUN:
        return le(TerminateProcess(C.pi.hProcess, 7));
    case OK: {
        DWORD code = 0;
        ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 10000), WAIT_OBJECT_0);
        ASSERT_TRUE(GetExitCodeProcess(C.pi.hProcess, &code));
        ASSERT_EQ(code, 7);
        return 0;
    }
    case FAILED: /* not ended (nor marked with the code) */
        ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 50), WAIT_TIMEOUT);
        return 0;
    case TEARDOWN:
        child_end();
        return 0;
    }
    return 0;
}

/* The exit code of a child that ended by itself (not a shmap program: the
 * parent reads it from the kernel). */
static DWORD proc_exit_code(enum phase ph)
{
    DWORD code = 0;
    switch (ph) {
    case SETUP:
        child_start("/bin/sh -c \"exit 3\"", 0);
        ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 10000), WAIT_OBJECT_0);
        return 0;
    case RUN:
        if (!GetExitCodeProcess(C.pi.hProcess, &code))
            return le(FALSE);
        return code == 3 ? 0 : 0xe0000005u; /* a wrong answer */
    case TEARDOWN:
        child_end();
        return 0;
    default:
        return 0;
    }
}

/* A wait on an ended child, with an event (a fixed number of looks: a
 * running one would make it depend on timing).  A wait whose looks fail
 * tries again until its timeout: under faults that never stop, it times
 * out. */
static bool timed_out;

static DWORD proc_wait(enum phase ph)
{
    switch (ph) {
    case SETUP:
        child_start("/bin/true", 0);
        ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 10000), WAIT_OBJECT_0);
        C.h = CreateEventA(NULL, TRUE, FALSE, NULL);
        timed_out = false;
        return 0;
    case RUN: {
        HANDLE two[2] = {C.h, C.pi.hProcess};
        DWORD w = WaitForMultipleObjects(2, two, FALSE, 100);
        timed_out = w == WAIT_TIMEOUT && cur_persistent;
        return w == WAIT_OBJECT_0 + 1 || timed_out ? 0 : w == WAIT_FAILED ? le(FALSE) : w;
    }
    case TEARDOWN:
        child_end();
        close_if(&C.h);
        return 0;
    default:
        return 0;
    }
}

TEST_T(faultloop_processes, 120)
{
    holder_start();
    LOOP(proc_create_inherit, 16);
    LOOP(proc_create_suspended, 16);
    LOOP(proc_open, 8);
    LOOP(proc_terminate, 1);
    LOOP(proc_exit_code, 1);
    LOOP(proc_wait, 1);
    holder_stop();
}

/* ---- jobs --------------------------------------------------------------------------------------
 */

static DWORD active_in(HANDLE job)
{
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION ai;
    memset(&ai, 0, sizeof ai);
    ASSERT_TRUE(
        QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &ai, sizeof ai, NULL));
    return ai.ActiveProcesses;
}

static BOOL in_job(HANDLE process, HANDLE job)
{
    BOOL in = 2;
    ASSERT_TRUE(IsProcessInJob(process, job, &in));
    return in;
}

static HANDLE open_job(DWORD a, BOOL i, LPCSTR n)
{
    return OpenJobObjectA(a, i, n);
}

static DWORD job_create(enum phase ph)
{
    switch (ph) {
    case RUN:
        C.job = CreateJobObjectA(NULL, "Local\\fl_newjob");
        return leh(C.job);
    case OK:
        named_made(C.job, open_job, JOB_OBJECT_QUERY, "Local\\fl_newjob");
        ASSERT_EQ(active_in(C.job), 0);
        return 0;
    case FAILED:
        nothing_made(C.job);
        return 0;
    default:
        return 0;
    }
}

static DWORD job_open(enum phase ph)
{
    switch (ph) {
    case RUN:
        C.job = OpenJobObjectA(JOB_OBJECT_ALL_ACCESS, FALSE, N_JOB);
        return leh(C.job);
    case OK:
        ASSERT_EQ(active_in(C.job), 0);
        return 0;
    case FAILED:
        ASSERT_NULL(C.job);
        return 0;
    default:
        return 0;
    }
}

/* A job (killing on close) and a running child. */
static void job_and_child(bool assign)
{
    C.job = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(C.job);
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    memset(&li, 0, sizeof li);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    ASSERT_TRUE(SetInformationJobObject(C.job, JobObjectExtendedLimitInformation, &li, sizeof li));
    child_start("/bin/sleep 30", 0);
    if (assign)
        ASSERT_TRUE(AssignProcessToJobObject(C.job, C.pi.hProcess));
}

/* The last handle of the job goes: its members go with it. */
static void job_closed_kills(void)
{
    close_if(&C.job);
    ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 10000), WAIT_OBJECT_0);
}

/* The member is armed: the job's last handle is put into a keeper (a
 * child of ours, so it has an inbox even though it runs no shmap code),
 * which is then killed: no code of ours runs then, so only the kernel can
 * end the member, through the read end the member was given.  After a
 * faulted call only; clean runs close the job. */
static void job_killed_with_keeper(void)
{
    PROCESS_INFORMATION k;
    ASSERT_TRUE(start("/bin/sleep 30", FALSE, 0, &k));
    HANDLE out;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), C.job, k.hProcess, &out, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    close_if(&C.job);
    ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 0), WAIT_TIMEOUT); /* the keeper holds it */
    ASSERT_TRUE(TerminateProcess(k.hProcess, 1));
    ASSERT_EQ(WaitForSingleObject(k.hProcess, 10000), WAIT_OBJECT_0);
    ASSERT_TRUE(CloseHandle(k.hThread));
    ASSERT_TRUE(CloseHandle(k.hProcess));
    ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 10000), WAIT_OBJECT_0);
}

static DWORD job_assign(enum phase ph)
{
    switch (ph) {
    case SETUP:
        job_and_child(false);
        return 0;
    case RUN:
        return le(AssignProcessToJobObject(C.job, C.pi.hProcess));
    case OK:
        ASSERT_TRUE(in_job(C.pi.hProcess, C.job));
        ASSERT_EQ(active_in(C.job), 1);
        cur_round ? job_killed_with_keeper() : job_closed_kills();
        return 0;
    case FAILED: /* not in it, nor in any */
        ASSERT_TRUE(!in_job(C.pi.hProcess, C.job));
        ASSERT_TRUE(!in_job(C.pi.hProcess, NULL));
        ASSERT_EQ(active_in(C.job), 0);
        ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 0), WAIT_TIMEOUT);
        return 0;
    case TEARDOWN:
        close_if(&C.job);
        child_end();
        return 0;
    }
    return 0;
}

static DWORD job_terminate(enum phase ph)
{
    switch (ph) {
    case SETUP:
        job_and_child(true);
        return 0;
    case RUN:
        return le(TerminateJobObject(C.job, 9));
    case OK: {
        DWORD code = 0;
        ASSERT_EQ(WaitForSingleObject(C.pi.hProcess, 10000), WAIT_OBJECT_0);
        ASSERT_TRUE(GetExitCodeProcess(C.pi.hProcess, &code));
        ASSERT_EQ(code, 9);
        return 0;
    }
    case TEARDOWN:
        close_if(&C.job);
        child_end();
        return 0;
    default:
        return 0;
    }
}

/* Every query; the member is still counted after them. */
static DWORD job_query(enum phase ph)
{
    switch (ph) {
    case SETUP:
        job_and_child(true);
        return 0;
    case RUN: {
        JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION io;
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
        struct {
            JOBOBJECT_BASIC_PROCESS_ID_LIST l;
            ULONG_PTR more[7];
        } ids;
        BOOL in = FALSE;
        if (!QueryInformationJobObject(C.job, JobObjectBasicAndIoAccountingInformation, &io,
                                       sizeof io, NULL) ||
            !QueryInformationJobObject(C.job, JobObjectExtendedLimitInformation, &li, sizeof li,
                                       NULL) ||
            !QueryInformationJobObject(C.job, JobObjectBasicProcessIdList, &ids, sizeof ids,
                                       NULL) ||
            !IsProcessInJob(C.pi.hProcess, C.job, &in))
            return le(FALSE);
        if (io.BasicInfo.ActiveProcesses != 1 || ids.l.NumberOfProcessIdsInList != 1 ||
            ids.l.ProcessIdList[0] != C.pi.dwProcessId || !in ||
            !(li.BasicLimitInformation.LimitFlags & JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE))
            return 0xe0000006u; /* a wrong answer */
        return 0;
    }
    case OK:
    case FAILED: /* the member is still there */
        ASSERT_EQ(active_in(C.job), 1);
        ASSERT_TRUE(in_job(C.pi.hProcess, C.job));
        return 0;
    case TEARDOWN:
        job_closed_kills();
        child_end();
        return 0;
    }
    return 0;
}

/* KILL_ON_JOB_CLOSE set after the member joined. */
static DWORD job_set_limits(enum phase ph)
{
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    memset(&li, 0, sizeof li);
    switch (ph) {
    case SETUP:
        C.job = CreateJobObjectA(NULL, NULL);
        ASSERT_NOT_NULL(C.job);
        child_start("/bin/sleep 30", 0);
        ASSERT_TRUE(AssignProcessToJobObject(C.job, C.pi.hProcess));
        return 0;
    case RUN:
        li.BasicLimitInformation.LimitFlags =
            JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_BREAKAWAY_OK;
        return le(
            SetInformationJobObject(C.job, JobObjectExtendedLimitInformation, &li, sizeof li));
    case OK:
        ASSERT_TRUE(QueryInformationJobObject(C.job, JobObjectExtendedLimitInformation, &li,
                                              sizeof li, NULL));
        ASSERT_EQ_U(li.BasicLimitInformation.LimitFlags,
                    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_BREAKAWAY_OK);
        cur_round ? job_killed_with_keeper() : job_closed_kills();
        return 0;
    case TEARDOWN:
        close_if(&C.job);
        child_end();
        return 0;
    default:
        return 0;
    }
}

TEST_T(faultloop_jobs, 120)
{
    holder_start();
    LOOP(job_create, 11);
    LOOP(job_open, 8);
    LOOP(job_assign, 6);
    LOOP(job_terminate, 8);
    LOOP(job_query, 4);
    LOOP(job_set_limits, 8);
    holder_stop();
}
