/*
 * test-iocp.c - I/O completion ports through the Win32 face:
 * CreateIoCompletionPort (new port, file association, the errors),
 * PostQueuedCompletionStatus, GetQueuedCompletionStatus(Ex) (order,
 * counts, timeouts, alertable waits, a port closed under a waiter,
 * threads sharing a port), and a job's notifications through a port
 * (JobObjectAssociateCompletionPortInformation).
 */
#include "harness.h"
#include "watchdog.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <windows.h>

#include "w32child.h"

#include "shmap.h"

#define POISON_LE() SetLastError(0xdeadbeef)
#define LE() GetLastError()
#define OV(n) ((LPOVERLAPPED)(ULONG_PTR)(n))

static void expect_packet(HANDLE port, DWORD bytes, ULONG_PTR key, LPOVERLAPPED ov)
{
    DWORD b = 0xdead;
    ULONG_PTR k = 0xdead;
    LPOVERLAPPED o = OV(0xdead);
    POISON_LE();
    ASSERT_TRUE(GetQueuedCompletionStatus(port, &b, &k, &o, 20000));
    ASSERT_EQ_U(b, bytes);
    ASSERT_EQ_U(k, key);
    ASSERT_PTR_EQ(o, ov);
}

static void expect_empty(HANDLE port)
{
    DWORD b = 0;
    ULONG_PTR k = 0;
    LPOVERLAPPED o = OV(0xdead);
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatus(port, &b, &k, &o, 0));
    ASSERT_EQ_U(LE(), WAIT_TIMEOUT);
    ASSERT_NULL(o);
}

TEST(iocp_post_get_in_order)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    ASSERT_NOT_NULL(port);
    expect_empty(port);
    for (DWORD i = 1; i <= 40; i++) /* more than the first ring holds */
        ASSERT_TRUE(PostQueuedCompletionStatus(port, i * 10, i, OV(i * 0x100)));
    for (DWORD i = 1; i <= 40; i++)
        expect_packet(port, i * 10, i, OV(i * 0x100));
    expect_empty(port);
    /* a packet with nothing in it is a packet */
    ASSERT_TRUE(PostQueuedCompletionStatus(port, 0, 0, NULL));
    expect_packet(port, 0, 0, NULL);
    ASSERT_TRUE(CloseHandle(port));
}

TEST(iocp_get_ex_counts_and_timeout)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    ASSERT_NOT_NULL(port);
    OVERLAPPED_ENTRY e[4];
    ULONG n = 99;
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatusEx(port, e, 4, &n, 0, FALSE));
    ASSERT_EQ_U(LE(), WAIT_TIMEOUT);
    ASSERT_EQ_U(n, 0);
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatusEx(port, e, 0, &n, 0, FALSE));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    for (DWORD i = 0; i < 6; i++)
        ASSERT_TRUE(PostQueuedCompletionStatus(port, i, 100 + i, OV(0x1000 + i)));
    memset(e, 0x55, sizeof e);
    ASSERT_TRUE(GetQueuedCompletionStatusEx(port, e, 4, &n, 0, FALSE));
    ASSERT_EQ_U(n, 4);
    for (DWORD i = 0; i < 4; i++) {
        ASSERT_EQ_U(e[i].dwNumberOfBytesTransferred, i);
        ASSERT_EQ_U(e[i].lpCompletionKey, 100 + i);
        ASSERT_PTR_EQ(e[i].lpOverlapped, OV(0x1000 + i));
        ASSERT_EQ_U(e[i].Internal, 0);
    }
    ASSERT_TRUE(GetQueuedCompletionStatusEx(port, e, 4, &n, INFINITE, FALSE));
    ASSERT_EQ_U(n, 2);
    ASSERT_EQ_U(e[1].lpCompletionKey, 105);
    ASSERT_TRUE(CloseHandle(port));
}

static int apc_ran;
static void CALLBACK apc(LPVOID arg, DWORD lo, DWORD hi)
{
    (void)arg;
    (void)lo;
    (void)hi;
    apc_ran++;
}

TEST(iocp_get_ex_alertable_runs_completion_routine)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    HANDLE t = CreateWaitableTimerA(NULL, FALSE, NULL);
    ASSERT_NOT_NULL(port);
    ASSERT_NOT_NULL(t);
    LARGE_INTEGER due;
    due.QuadPart = -10 * 1000 * 20; /* 20 ms */
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, apc, NULL, FALSE));
    OVERLAPPED_ENTRY e[2];
    ULONG n = 99;
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatusEx(port, e, 2, &n, 10000, TRUE));
    ASSERT_EQ_U(LE(), WAIT_IO_COMPLETION);
    ASSERT_EQ_U(n, 0);
    ASSERT_EQ(apc_ran, 1);
    /* not alertable: the routine waits, the timeout comes */
    ASSERT_TRUE(SetWaitableTimer(t, &due, 0, apc, NULL, FALSE));
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatusEx(port, e, 2, &n, 50, FALSE));
    ASSERT_EQ_U(LE(), WAIT_TIMEOUT);
    ASSERT_EQ(apc_ran, 1);
    ASSERT_EQ_U(SleepEx(0, TRUE), WAIT_IO_COMPLETION);
    ASSERT_EQ(apc_ran, 2);
    ASSERT_TRUE(CloseHandle(t));
    ASSERT_TRUE(CloseHandle(port));
}

/* ---- threads ----------------------------------------------------------------- */

struct waiter {
    HANDLE port;
    _Atomic pid_t tid;
    _Atomic int done;
    BOOL ok;
    DWORD err, bytes;
    ULONG_PTR key;
    LPOVERLAPPED ov;
};

static void *wait_once(void *arg)
{
    struct waiter *w = arg;
    atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
    w->ov = OV(0xdead);
    w->ok = GetQueuedCompletionStatus(w->port, &w->bytes, &w->key, &w->ov, INFINITE);
    w->err = GetLastError();
    atomic_store(&w->done, 1);
    return NULL;
}

/* The thread is asleep in the kernel (proves the waiter blocked). */
static void wait_asleep(struct waiter *w)
{
    for (int i = 0; i < 10000; i++) {
        pid_t tid = atomic_load(&w->tid);
        char path[64], buf[256];
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
        FILE *f = tid ? fopen(path, "r") : NULL;
        size_t k = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[k] = 0;
        char *p = strrchr(buf, ')');
        if (p && p[1] == ' ' && p[2] == 'S')
            return;
        Sleep(1);
    }
    ASSERT_TRUE(!"the waiter never went to sleep");
}

static void join_waiter(pthread_t th, struct waiter *w)
{
    for (int i = 0; i < 10000 && !atomic_load(&w->done); i++)
        Sleep(1);
    ASSERT_TRUE(atomic_load(&w->done)); /* else it hangs: fail rather than wait */
    pthread_join(th, NULL);
}

static _Atomic int uapc_ran;
static VOID CALLBACK uapc(ULONG_PTR arg)
{
    atomic_fetch_add(&uapc_ran, (int)arg);
}

static DWORD WINAPI wait_ex_alertable(LPVOID arg)
{
    struct waiter *w = arg;
    atomic_store(&w->tid, (pid_t)syscall(SYS_gettid));
    OVERLAPPED_ENTRY e[2];
    ULONG n = 99;
    w->ok = GetQueuedCompletionStatusEx(w->port, e, 2, &n, INFINITE, TRUE);
    w->err = GetLastError();
    w->bytes = n;
    atomic_store(&w->done, 1);
    return 0;
}

/* A user APC queued to a thread asleep in an alertable
 * GetQueuedCompletionStatusEx runs there and ends the wait with
 * WAIT_IO_COMPLETION (the port's sleep includes the thread's APC word). */
TEST(iocp_get_ex_alertable_woken_by_queue_user_apc)
{
    struct waiter w = {0};
    w.port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    ASSERT_NOT_NULL(w.port);
    HANDLE t = CreateThread(NULL, 0, wait_ex_alertable, &w, 0, NULL);
    ASSERT_NOT_NULL(t);
    wait_asleep(&w);
    ASSERT_EQ(atomic_load(&w.done), 0);
    ASSERT_TRUE(QueueUserAPC(uapc, t, 5) != 0);
    for (int i = 0; i < 10000 && !atomic_load(&w.done); i++)
        Sleep(1);
    ASSERT_TRUE(atomic_load(&w.done)); /* else it sleeps on: fail rather than hang */
    ASSERT_EQ_U(WaitForSingleObject(t, INFINITE), WAIT_OBJECT_0);
    ASSERT_TRUE(!w.ok);
    ASSERT_EQ_U(w.err, WAIT_IO_COMPLETION);
    ASSERT_EQ(atomic_load(&uapc_ran), 5);
    ASSERT_TRUE(CloseHandle(t));
    ASSERT_TRUE(CloseHandle(w.port));
}

TEST(iocp_post_wakes_a_sleeping_waiter)
{
    struct waiter w = {0};
    w.port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    ASSERT_NOT_NULL(w.port);
    pthread_t th;
    ASSERT_EQ(pthread_create(&th, NULL, wait_once, &w), 0);
    wait_asleep(&w);
    ASSERT_EQ(atomic_load(&w.done), 0);
    ASSERT_TRUE(PostQueuedCompletionStatus(w.port, 7, 8, OV(9)));
    join_waiter(th, &w);
    ASSERT_TRUE(w.ok);
    ASSERT_EQ_U(w.bytes, 7);
    ASSERT_EQ_U(w.key, 8);
    ASSERT_PTR_EQ(w.ov, OV(9));
    ASSERT_TRUE(CloseHandle(w.port));
}

TEST(iocp_close_under_waiter_is_abandoned_wait)
{
    struct waiter w = {0};
    w.port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    ASSERT_NOT_NULL(w.port);
    /* a duplicate keeps the port: closing the first handle abandons nothing */
    HANDLE dup = NULL;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), w.port, GetCurrentProcess(), &dup, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    pthread_t th;
    ASSERT_EQ(pthread_create(&th, NULL, wait_once, &w), 0);
    wait_asleep(&w);
    ASSERT_TRUE(CloseHandle(dup));
    Sleep(20);
    ASSERT_EQ(atomic_load(&w.done), 0);
    ASSERT_TRUE(CloseHandle(w.port));
    join_waiter(th, &w);
    ASSERT_TRUE(!w.ok);
    ASSERT_EQ_U(w.err, ERROR_ABANDONED_WAIT_0);
    ASSERT_NULL(w.ov);
    /* and the handle is gone */
    DWORD b;
    ULONG_PTR k;
    LPOVERLAPPED o = OV(1);
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatus(w.port, &b, &k, &o, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    ASSERT_NULL(o);
}

#define CONSUMERS 4
#define PACKETS 4000

struct pool {
    HANDLE port;
    struct watchdog *wd;
    _Atomic uint32_t seen[PACKETS];
    _Atomic int got;
};

static void *consume(void *arg)
{
    struct pool *p = arg;
    int s = wd_join(p->wd, "iocp consumer");
    for (;;) {
        OVERLAPPED_ENTRY e[3];
        ULONG n = 0;
        wd_tick(p->wd, s, "dequeue");
        if (!GetQueuedCompletionStatusEx(p->port, e, 3, &n, 100, FALSE)) {
            if (GetLastError() != WAIT_TIMEOUT)
                break;
            continue;
        }
        ULONG ends = 0;
        for (ULONG i = 0; i < n; i++) {
            if (e[i].lpCompletionKey == 0) { /* the end (one per consumer) */
                ends++;
                continue;
            }
            atomic_fetch_add(&p->seen[e[i].dwNumberOfBytesTransferred], 1);
            atomic_fetch_add(&p->got, 1);
        }
        if (ends) { /* the others' ends go back for them */
            while (--ends)
                PostQueuedCompletionStatus(p->port, 0, 0, NULL);
            wd_leave(p->wd, s);
            return NULL;
        }
    }
    wd_leave(p->wd, s);
    return (void *)1;
}

TEST(iocp_threads_share_a_port_each_packet_once)
{
    static struct pool p;
    p.port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, CONSUMERS);
    ASSERT_NOT_NULL(p.port);
    p.wd = wd_new(CONSUMERS + 1);
    wd_start(p.wd);
    pthread_t th[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, consume, &p), 0);
    int s = wd_join(p.wd, "iocp producer");
    for (DWORD i = 0; i < PACKETS; i++) {
        wd_tick(p.wd, s, "post");
        ASSERT_TRUE(PostQueuedCompletionStatus(p.port, i, 1, NULL));
    }
    for (int i = 0; i < 30000 && atomic_load(&p.got) < PACKETS; i++) {
        wd_tick(p.wd, s, "wait for the consumers");
        Sleep(1);
    }
    for (int i = 0; i < CONSUMERS; i++)
        ASSERT_TRUE(PostQueuedCompletionStatus(p.port, 0, 0, NULL));
    wd_leave(p.wd, s);
    for (int i = 0; i < CONSUMERS; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        ASSERT_NULL(rv);
    }
    wd_stop(p.wd);
    ASSERT_EQ(atomic_load(&p.got), PACKETS);
    for (int i = 0; i < PACKETS; i++)
        ASSERT_EQ(atomic_load(&p.seen[i]), 1);
    ASSERT_TRUE(CloseHandle(p.port));
}

/* ---- association and hostile arguments ------------------------------------------ */

TEST(iocp_file_association)
{
    char path[512];
    snprintf(path, sizeof path, "%s/iocp-file", test_root());
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    /* a file and no port: a new port, associated */
    HANDLE port = CreateIoCompletionPort(f, NULL, 5, 0);
    ASSERT_NOT_NULL(port);
    ASSERT_TRUE(port != f);
    /* a file is associated once, through any handle of it */
    HANDLE port2 = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    ASSERT_NOT_NULL(port2);
    POISON_LE();
    ASSERT_NULL(CreateIoCompletionPort(f, port2, 6, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    HANDLE fdup = NULL;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), f, GetCurrentProcess(), &fdup, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    POISON_LE();
    ASSERT_NULL(CreateIoCompletionPort(fdup, NULL, 6, 0)); /* (the new port is not left behind) */
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(CloseHandle(fdup));
    ASSERT_TRUE(CloseHandle(f));
    /* the same file opened anew is another file object: an existing port
     * comes back */
    HANDLE g = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    ASSERT_TRUE(g != INVALID_HANDLE_VALUE);
    POISON_LE();
    ASSERT_PTR_EQ(CreateIoCompletionPort(g, port2, 7, 0), port2);
    ASSERT_EQ_U(LE(), 0xdeadbeef);
    ASSERT_TRUE(CloseHandle(g));
    ASSERT_TRUE(CloseHandle(port));
    ASSERT_TRUE(CloseHandle(port2));
    ASSERT_TRUE(DeleteFileA(path));
}

/* An I/O that completes on a file associated with a port queues its packet
 * there: bytes, the association's key, the caller's OVERLAPPED; a call that
 * fails (a read at the end), one whose hEvent has its low bit set, and one
 * without an OVERLAPPED queue none.  The port lives as long as the file. */
TEST(iocp_file_io_completions)
{
    char path[512];
    snprintf(path, sizeof path, "%s/iocp-io", test_root());
    HANDLE f = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                           FILE_FLAG_OVERLAPPED, NULL);
    ASSERT_TRUE(f != INVALID_HANDLE_VALUE);
    HANDLE port = CreateIoCompletionPort(f, NULL, 0x77, 0);
    ASSERT_NOT_NULL(port);
    DWORD n = 0;
    ULONG_PTR key = 0;
    LPOVERLAPPED got = NULL;
    /* a write */
    OVERLAPPED ow;
    memset(&ow, 0, sizeof ow);
    ASSERT_TRUE(WriteFile(f, "abcdef", 6, NULL, &ow));
    ASSERT_TRUE(GetQueuedCompletionStatus(port, &n, &key, &got, 0));
    ASSERT_EQ_U(n, 6);
    ASSERT_EQ_U(key, 0x77);
    ASSERT_PTR_EQ(got, &ow);
    /* a read at offset 2 */
    char buf[8];
    OVERLAPPED orr;
    memset(&orr, 0, sizeof orr);
    orr.Offset = 2;
    ASSERT_TRUE(ReadFile(f, buf, sizeof buf, NULL, &orr));
    ASSERT_TRUE(GetQueuedCompletionStatus(port, &n, &key, &got, 0));
    ASSERT_EQ_U(n, 4);
    ASSERT_PTR_EQ(got, &orr);
    /* nothing else was queued */
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatus(port, &n, &key, &got, 0));
    ASSERT_EQ_U(LE(), WAIT_TIMEOUT);
    ASSERT_NULL(got);
    /* a read at the end fails and queues nothing */
    OVERLAPPED oe;
    memset(&oe, 0, sizeof oe);
    oe.Offset = 100;
    POISON_LE();
    ASSERT_TRUE(!ReadFile(f, buf, sizeof buf, NULL, &oe));
    ASSERT_EQ_U(LE(), ERROR_HANDLE_EOF);
    /* the low bit of hEvent: no packet (the event is still signalled) */
    HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
    ASSERT_NOT_NULL(ev);
    OVERLAPPED ob;
    memset(&ob, 0, sizeof ob);
    ob.hEvent = (HANDLE)((uintptr_t)ev | 1);
    ASSERT_TRUE(WriteFile(f, "xy", 2, NULL, &ob));
    ASSERT_EQ_U(WaitForSingleObject(ev, 0), WAIT_OBJECT_0);
    /* no OVERLAPPED: no packet (the handle's position is used) */
    DWORD did = 0;
    ASSERT_TRUE(ReadFile(f, buf, 1, &did, NULL));
    ASSERT_TRUE(!GetQueuedCompletionStatus(port, &n, &key, &got, 0));
    /* a duplicate of the file reaches the same port; the port's handle may go
     * first: the file keeps the port */
    HANDLE fdup = NULL;
    ASSERT_TRUE(DuplicateHandle(GetCurrentProcess(), f, GetCurrentProcess(), &fdup, 0, FALSE,
                                DUPLICATE_SAME_ACCESS));
    OVERLAPPED od;
    memset(&od, 0, sizeof od);
    ASSERT_TRUE(WriteFile(fdup, "z", 1, NULL, &od));
    ASSERT_TRUE(GetQueuedCompletionStatus(port, &n, &key, &got, 0));
    ASSERT_PTR_EQ(got, &od);
    ASSERT_EQ_U(key, 0x77);
    ASSERT_TRUE(CloseHandle(port));
    memset(&od, 0, sizeof od);
    ASSERT_TRUE(WriteFile(fdup, "z", 1, NULL, &od));
    ASSERT_TRUE(CloseHandle(fdup));
    ASSERT_TRUE(CloseHandle(ev));
    ASSERT_TRUE(CloseHandle(f));
    ASSERT_TRUE(DeleteFileA(path));
}

TEST(iocp_hostile_arguments)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    HANDLE ev = CreateEventA(NULL, FALSE, FALSE, NULL);
    ASSERT_NOT_NULL(port);
    ASSERT_NOT_NULL(ev);
    /* INVALID_HANDLE_VALUE with an existing port: 87 */
    POISON_LE();
    ASSERT_NULL(CreateIoCompletionPort(INVALID_HANDLE_VALUE, port, 1, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    /* not a file, not a port */
    POISON_LE();
    ASSERT_NULL(CreateIoCompletionPort(ev, port, 1, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!PostQueuedCompletionStatus(ev, 1, 1, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!PostQueuedCompletionStatus(NULL, 1, 1, NULL));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    DWORD b;
    ULONG_PTR k;
    LPOVERLAPPED o = OV(1);
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatus(ev, &b, &k, &o, 0));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    ASSERT_NULL(o);
    /* outputs that are not there: 998, nothing dequeued */
    ASSERT_TRUE(PostQueuedCompletionStatus(port, 3, 4, OV(5)));
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatus(port, NULL, &k, &o, 0));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatus(port, &b, &k, (LPOVERLAPPED *)8, 0));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    ULONG n;
    POISON_LE();
    ASSERT_TRUE(!GetQueuedCompletionStatusEx(port, (LPOVERLAPPED_ENTRY)8, 2, &n, 0, FALSE));
    ASSERT_EQ_U(LE(), ERROR_NOACCESS);
    expect_packet(port, 3, 4, OV(5));
    ASSERT_TRUE(CloseHandle(ev));
    ASSERT_TRUE(CloseHandle(port));
}

/* ---- job notifications ------------------------------------------------------------ */

HELPER(exiter)
{
    (void)argc;
    return atoi(argv[0]);
}

#define JKEY ((ULONG_PTR)0x77)

static HANDLE job_with_port(HANDLE *port)
{
    HANDLE job = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(job);
    *port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    ASSERT_NOT_NULL(*port);
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = {(PVOID)JKEY, *port};
    ASSERT_TRUE(
        SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof a));
    return job;
}

TEST(iocp_job_messages_of_a_member_that_exits)
{
    HANDLE port, job = job_with_port(&port);
    /* one port per job */
    HANDLE other = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = {(PVOID)JKEY, other};
    POISON_LE();
    ASSERT_TRUE(
        !SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof a));
    ASSERT_EQ_U(LE(), ERROR_INVALID_PARAMETER);
    ASSERT_TRUE(CloseHandle(other));
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start_helper("exiter 3", FALSE, CREATE_SUSPENDED, &pi));
    ASSERT_TRUE(AssignProcessToJobObject(job, pi.hProcess));
    expect_packet(port, JOB_OBJECT_MSG_NEW_PROCESS, JKEY, OV(pi.dwProcessId));
    ASSERT_EQ_U(ResumeThread(pi.hThread), 1);
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
    expect_packet(port, JOB_OBJECT_MSG_EXIT_PROCESS, JKEY, OV(pi.dwProcessId));
    expect_packet(port, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, JKEY, NULL);
    expect_empty(port);
    close_pi(&pi);
    ASSERT_TRUE(CloseHandle(job));
    ASSERT_TRUE(CloseHandle(port));
}

TEST(iocp_job_member_killed_is_abnormal_exit)
{
    HANDLE port, job = job_with_port(&port);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &pi));
    ASSERT_TRUE(AssignProcessToJobObject(job, pi.hProcess));
    ASSERT_EQ_U(ResumeThread(pi.hThread), 1);
    expect_packet(port, JOB_OBJECT_MSG_NEW_PROCESS, JKEY, OV(pi.dwProcessId));
    ASSERT_EQ(kill((pid_t)pi.dwProcessId, SIGKILL), 0);
    /* nobody but the port's waiter notices */
    expect_packet(port, JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS, JKEY, OV(pi.dwProcessId));
    expect_packet(port, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, JKEY, NULL);
    expect_empty(port);
    close_pi(&pi);
    ASSERT_TRUE(CloseHandle(job));
    ASSERT_TRUE(CloseHandle(port));
}

TEST(iocp_job_members_before_association_and_terminate)
{
    HANDLE job = CreateJobObjectA(NULL, NULL);
    ASSERT_NOT_NULL(job);
    PROCESS_INFORMATION pi[2];
    for (int i = 0; i < 2; i++) {
        ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &pi[i]));
        ASSERT_TRUE(AssignProcessToJobObject(job, pi[i].hProcess));
        ASSERT_EQ_U(ResumeThread(pi[i].hThread), 1);
    }
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = {(PVOID)JKEY, port};
    ASSERT_TRUE(
        SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof a));
    /* the processes already there are announced */
    expect_packet(port, JOB_OBJECT_MSG_NEW_PROCESS, JKEY, OV(pi[0].dwProcessId));
    expect_packet(port, JOB_OBJECT_MSG_NEW_PROCESS, JKEY, OV(pi[1].dwProcessId));
    ASSERT_TRUE(TerminateJobObject(job, 5));
    expect_packet(port, JOB_OBJECT_MSG_EXIT_PROCESS, JKEY, OV(pi[0].dwProcessId));
    expect_packet(port, JOB_OBJECT_MSG_EXIT_PROCESS, JKEY, OV(pi[1].dwProcessId));
    expect_packet(port, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, JKEY, NULL);
    expect_empty(port);
    for (int i = 0; i < 2; i++) {
        DWORD code = 0;
        ASSERT_EQ_U(WaitForSingleObject(pi[i].hProcess, 10000), WAIT_OBJECT_0);
        ASSERT_TRUE(GetExitCodeProcess(pi[i].hProcess, &code));
        ASSERT_EQ_U(code, 5);
        close_pi(&pi[i]);
    }
    ASSERT_TRUE(CloseHandle(job));
    ASSERT_TRUE(CloseHandle(port));
}

TEST(iocp_job_active_process_limit_and_removal)
{
    HANDLE port, job = job_with_port(&port);
    JOBOBJECT_BASIC_LIMIT_INFORMATION l;
    memset(&l, 0, sizeof l);
    l.LimitFlags = JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
    l.ActiveProcessLimit = 1;
    ASSERT_TRUE(SetInformationJobObject(job, JobObjectBasicLimitInformation, &l, sizeof l));
    PROCESS_INFORMATION pi[2];
    for (int i = 0; i < 2; i++)
        ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &pi[i]));
    ASSERT_TRUE(AssignProcessToJobObject(job, pi[0].hProcess));
    POISON_LE();
    ASSERT_TRUE(!AssignProcessToJobObject(job, pi[1].hProcess));
    ASSERT_EQ_U(LE(), ERROR_NOT_ENOUGH_QUOTA);
    expect_packet(port, JOB_OBJECT_MSG_NEW_PROCESS, JKEY, OV(pi[0].dwProcessId));
    expect_packet(port, JOB_OBJECT_MSG_ACTIVE_PROCESS_LIMIT, JKEY, NULL);
    /* Windows 8: NULL removes the association (nothing more is posted),
     * and another port may then be associated */
    JOBOBJECT_ASSOCIATE_COMPLETION_PORT a = {(PVOID)JKEY, NULL};
    ASSERT_TRUE(
        SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof a));
    ASSERT_TRUE(TerminateJobObject(job, 1));
    ASSERT_EQ_U(WaitForSingleObject(pi[0].hProcess, 10000), WAIT_OBJECT_0);
    expect_empty(port);
    HANDLE port2 = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    a.CompletionPort = port2;
    ASSERT_TRUE(
        SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof a));
    /* a bad port handle, a short structure */
    a.CompletionPort = job;
    POISON_LE();
    ASSERT_TRUE(
        !SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a, sizeof a));
    ASSERT_EQ_U(LE(), ERROR_INVALID_HANDLE);
    POISON_LE();
    ASSERT_TRUE(!SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &a,
                                         sizeof a - 1));
    ASSERT_EQ_U(LE(), ERROR_BAD_LENGTH);
    for (int i = 0; i < 2; i++) {
        TerminateProcess(pi[i].hProcess, 0);
        WaitForSingleObject(pi[i].hProcess, 10000);
        close_pi(&pi[i]);
    }
    ASSERT_TRUE(CloseHandle(job));
    ASSERT_TRUE(CloseHandle(port));
    ASSERT_TRUE(CloseHandle(port2));
}

TEST(iocp_port_stays_in_its_process)
{
    HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    ASSERT_NOT_NULL(port);
    PROCESS_INFORMATION pi;
    ASSERT_TRUE(start_helper("sleeper", FALSE, 0, &pi));
    HANDLE out = NULL;
    POISON_LE();
    ASSERT_TRUE(!DuplicateHandle(GetCurrentProcess(), port, pi.hProcess, &out, 0, FALSE,
                                 DUPLICATE_SAME_ACCESS));
    ASSERT_EQ_U(LE(), ERROR_NOT_SUPPORTED);
    ASSERT_TRUE(TerminateProcess(pi.hProcess, 0));
    ASSERT_EQ_U(WaitForSingleObject(pi.hProcess, 10000), WAIT_OBJECT_0);
    close_pi(&pi);
    /* still usable here */
    ASSERT_TRUE(PostQueuedCompletionStatus(port, 1, 2, OV(3)));
    expect_packet(port, 1, 2, OV(3));
    ASSERT_TRUE(CloseHandle(port));
}

#define KILLED 8

TEST(iocp_job_members_killed_together_each_reported_once)
{
    HANDLE port, job = job_with_port(&port);
    PROCESS_INFORMATION pi[KILLED];
    for (int i = 0; i < KILLED; i++) {
        ASSERT_TRUE(start_helper("sleeper", FALSE, CREATE_SUSPENDED, &pi[i]));
        ASSERT_TRUE(AssignProcessToJobObject(job, pi[i].hProcess));
        ASSERT_EQ_U(ResumeThread(pi[i].hThread), 1);
    }
    for (int i = 0; i < KILLED; i++)
        expect_packet(port, JOB_OBJECT_MSG_NEW_PROCESS, JKEY, OV(pi[i].dwProcessId));
    for (int i = 0; i < KILLED; i++)
        ASSERT_EQ(kill((pid_t)pi[i].dwProcessId, SIGKILL), 0);
    int seen[KILLED] = {0};
    for (int k = 0; k < KILLED; k++) {
        DWORD b = 0;
        ULONG_PTR key = 0;
        LPOVERLAPPED o = NULL;
        ASSERT_TRUE(GetQueuedCompletionStatus(port, &b, &key, &o, 20000));
        ASSERT_EQ_U(b, JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS);
        ASSERT_EQ_U(key, JKEY);
        int which = -1;
        for (int i = 0; i < KILLED; i++)
            if (o == OV(pi[i].dwProcessId))
                which = i;
        ASSERT_GE(which, 0);
        seen[which]++;
    }
    for (int i = 0; i < KILLED; i++)
        ASSERT_EQ(seen[i], 1);
    expect_packet(port, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO, JKEY, NULL);
    expect_empty(port);
    JOBOBJECT_BASIC_ACCOUNTING_INFORMATION acc;
    ASSERT_TRUE(QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &acc,
                                          sizeof acc, NULL));
    ASSERT_EQ_U(acc.ActiveProcesses, 0);
    ASSERT_EQ_U(acc.TotalProcesses, KILLED);
    for (int i = 0; i < KILLED; i++)
        close_pi(&pi[i]);
    ASSERT_TRUE(CloseHandle(job));
    ASSERT_TRUE(CloseHandle(port));
}
