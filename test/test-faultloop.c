/*
 * test-faultloop.c - the anomaly loop (faultloop.h) over the calls on
 * objects: sections, views and virtual memory; events, mutexes, semaphores,
 * timers, waits and threads; files; the namespace and native queries.
 * test-faultloop-process.c covers handles, processes and jobs.
 */
#include "faultloop.h"

/* A native call's result as a Win32 error. */
static DWORD nat(int r)
{
    return r < 0 ? shmap_w32__code(r) : 0;
}

/* ---- sections and views ------------------------------------------------------------------ */

static DWORD map_create_named(enum phase ph)
{
    switch (ph) {
    case SETUP:
        return 0;
    case RUN:
        C.h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 1 << 20,
                                 "Local\\fl_new");
        return leh(C.h);
    case OK: {
        named_made(C.h, OpenFileMappingA, FILE_MAP_READ, "Local\\fl_new");
        char *p = map(C.h, FILE_MAP_WRITE);
        memset(p, 1, 1 << 20); /* committed: never a SIGBUS */
        ASSERT_TRUE(UnmapViewOfFile(p));
        return 0;
    }
    case FAILED:
        nothing_made(C.h);
        return 0;
    default: /* TEARDOWN: teardown() closes C's handles */
        break;
    }
    return 0;
}

static DWORD map_create_unnamed_reserve(enum phase ph)
{
    switch (ph) {
    case RUN:
        C.h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE | SEC_RESERVE, 0,
                                 1 << 20, NULL);
        return leh(C.h);
    case OK: {
        char *p = map(C.h, FILE_MAP_WRITE);
        ASSERT_PTR_EQ(VirtualAlloc(p, 65536, MEM_COMMIT, PAGE_READWRITE), p);
        p[0] = 1;
        ASSERT_TRUE(UnmapViewOfFile(p));
        return 0;
    }
    case FAILED:
        ASSERT_NULL(C.h);
        return 0;
    default:
        return 0;
    }
}

static DWORD map_create_file_backed(enum phase ph)
{
    switch (ph) {
    case SETUP:
        temp_file();
        return 0;
    case RUN:
        C.h = CreateFileMappingA(C.file, NULL, PAGE_READWRITE, 0, 65536, "Local\\fl_filemap");
        return leh(C.h);
    case OK: {
        named_made(C.h, OpenFileMappingA, FILE_MAP_READ, "Local\\fl_filemap");
        struct stat sb;
        ASSERT_EQ(stat(C.path, &sb), 0);
        ASSERT_EQ(sb.st_size, 65536); /* grown to the section's size */
        char *p = map(C.h, FILE_MAP_WRITE);
        p[65535] = 7;
        ASSERT_TRUE(FlushViewOfFile(p, 0));
        ASSERT_TRUE(UnmapViewOfFile(p));
        return 0;
    }
    case FAILED:
        nothing_made(C.h);
        return 0;
    case TEARDOWN:
        close_if(&C.h);
        temp_file_gone();
        return 0;
    default:
        return 0;
    }
}

static DWORD map_open(enum phase ph)
{
    switch (ph) {
    case RUN:
        C.h = OpenFileMappingA(FILE_MAP_WRITE, FALSE, N_MAP);
        return leh(C.h);
    case OK: {
        char *p = map(C.h, FILE_MAP_WRITE);
        p[0]++;
        ASSERT_TRUE(UnmapViewOfFile(p));
        return 0;
    }
    case FAILED:
        ASSERT_NULL(C.h);
        return 0;
    default:
        return 0;
    }
}

static DWORD view_map(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, N_MAP);
        ASSERT_NOT_NULL(C.h);
        return 0;
    case RUN:
        C.view = MapViewOfFile(C.h, FILE_MAP_WRITE, 0, 0, 0);
        return le(C.view != NULL);
    case OK: {
        char *q = map(C.h, FILE_MAP_READ);
        ((char *)C.view)[100] = 42; /* the holder's memory */
        ASSERT_EQ(q[100], 42);
        ASSERT_TRUE(UnmapViewOfFile(q));
        return 0;
    }
    case FAILED:
        ASSERT_NULL(C.view);
        return 0;
    case TEARDOWN:
        if (C.view)
            ASSERT_TRUE(UnmapViewOfFile(C.view));
        C.view = NULL;
        close_if(&C.h);
        return 0;
    }
    return 0;
}

static DWORD view_map_at(enum phase ph)
{
    switch (ph) {
    case SETUP: {
        C.h = section(NULL, PAGE_READWRITE, 1 << 20);
        void *a = mmap(NULL, 1 << 21, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ASSERT_TRUE(a != MAP_FAILED);
        munmap(a, 1 << 21);
        C.p = (void *)(((uintptr_t)a + 65535) & ~(uintptr_t)65535); /* free, aligned */
        return 0;
    }
    case RUN:
        C.view = MapViewOfFileEx(C.h, FILE_MAP_WRITE, 0, 65536, 65536, C.p);
        return le(C.view != NULL);
    case OK:
        ASSERT_PTR_EQ(C.view, C.p);
        ((char *)C.view)[0] = 1;
        return 0;
    case FAILED:
        ASSERT_NULL(C.view);
        return 0;
    case TEARDOWN:
        if (C.view)
            ASSERT_TRUE(UnmapViewOfFile(C.view));
        C.view = NULL;
        close_if(&C.h);
        return 0;
    }
    return 0;
}

static DWORD view_unmap(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = section("Local\\fl_unmap", PAGE_READWRITE, 65536);
        C.view = map(C.h, FILE_MAP_WRITE);
        ASSERT_TRUE(CloseHandle(C.h)); /* the view keeps it */
        C.h = NULL;
        return 0;
    case RUN:
        return le(UnmapViewOfFile(C.view));
    case OK:
        C.view = NULL;
        ASSERT_EQ(count_ns_entries(), C.ns); /* the view was the last holder */
        return 0;
    case FAILED:
        ((char *)C.view)[0] = 1; /* still there, whole */
        return 0;
    case TEARDOWN:
        if (C.view)
            ASSERT_TRUE(UnmapViewOfFile(C.view));
        C.view = NULL;
        return 0;
    }
    return 0;
}

static DWORD view_flush(enum phase ph)
{
    switch (ph) {
    case SETUP:
        temp_file();
        C.h = CreateFileMappingA(C.file, NULL, PAGE_READWRITE, 0, 65536, NULL);
        ASSERT_NOT_NULL(C.h);
        C.view = map(C.h, FILE_MAP_WRITE);
        memset(C.view, 3, 65536);
        return 0;
    case RUN:
        return le(FlushViewOfFile(C.view, 0));
    case TEARDOWN:
        ASSERT_TRUE(UnmapViewOfFile(C.view));
        C.view = NULL;
        close_if(&C.h);
        temp_file_gone();
        return 0;
    default:
        return 0;
    }
}

static DWORD vm_commit(enum phase ph)
{
    MEMORY_BASIC_INFORMATION m;
    switch (ph) {
    case SETUP:
        C.h = section(NULL, PAGE_READWRITE | SEC_RESERVE, 1 << 20);
        C.view = map(C.h, FILE_MAP_WRITE);
        return 0;
    case RUN:
        return le(VirtualAlloc(C.view, 65536, MEM_COMMIT, PAGE_READWRITE) != NULL);
    case OK:
        ASSERT_EQ(VirtualQuery(C.view, &m, sizeof m), sizeof m);
        ASSERT_EQ_U(m.State, MEM_COMMIT);
        memset(C.view, 1, 65536);
        return 0;
    case FAILED: /* committed in the section, or not at all (never a later SIGBUS) */
        ASSERT_EQ(VirtualQuery(C.view, &m, sizeof m), sizeof m);
        if (m.State == MEM_COMMIT)
            memset(C.view, 1, 65536);
        return 0;
    case TEARDOWN:
        ASSERT_TRUE(UnmapViewOfFile(C.view));
        C.view = NULL;
        close_if(&C.h);
        return 0;
    }
    return 0;
}

static DWORD vm_protect(enum phase ph)
{
    DWORD old = 0;
    switch (ph) {
    case SETUP:
        C.h = section(NULL, PAGE_READWRITE, 65536);
        C.view = map(C.h, FILE_MAP_WRITE);
        return 0;
    case RUN:
        return le(VirtualProtect(C.view, 4096, PAGE_READONLY, &old));
    case OK: {
        MEMORY_BASIC_INFORMATION m;
        ASSERT_EQ(VirtualQuery(C.view, &m, sizeof m), sizeof m);
        ASSERT_EQ_U(m.Protect, PAGE_READONLY);
        ASSERT_TRUE(VirtualProtect(C.view, 4096, PAGE_READWRITE, &old));
        ASSERT_EQ_U(old, PAGE_READONLY);
        return 0;
    }
    case TEARDOWN:
        ((char *)C.view)[0] = 1; /* writable again (or never changed) */
        ASSERT_TRUE(UnmapViewOfFile(C.view));
        C.view = NULL;
        close_if(&C.h);
        return 0;
    default:
        return 0;
    }
}

static DWORD vm_query(enum phase ph)
{
    MEMORY_BASIC_INFORMATION m;
    switch (ph) {
    case SETUP:
        C.h = section(NULL, PAGE_READWRITE, 65536);
        C.view = map(C.h, FILE_MAP_READ);
        return 0;
    case RUN:
        memset(&m, 0xa5, sizeof m);
        if (VirtualQuery(C.view, &m, sizeof m) != sizeof m)
            return le(FALSE);
        ASSERT_EQ_U(m.State, MEM_COMMIT);
        ASSERT_EQ_U(m.Type, MEM_MAPPED);
        ASSERT_EQ_U(m.Protect, PAGE_READONLY);
        /* memory shmap did not map: /proc/self/maps */
        if (VirtualQuery(&m, &m, sizeof m) != sizeof m)
            return le(FALSE);
        if (m.State != MEM_COMMIT)
            return 0xe0000002u; /* a wrong answer, not an error */
        return 0;
    case TEARDOWN:
        ASSERT_TRUE(UnmapViewOfFile(C.view));
        C.view = NULL;
        close_if(&C.h);
        return 0;
    default:
        return 0;
    }
}

static DWORD vm_private(enum phase ph)
{
    switch (ph) {
    case RUN:
        C.p = VirtualAlloc(NULL, 1 << 20, MEM_RESERVE, PAGE_NOACCESS);
        if (!C.p)
            return le(FALSE);
        if (!VirtualAlloc(C.p, 65536, MEM_COMMIT, PAGE_READWRITE))
            return le(FALSE);
        ((char *)C.p)[0] = 1;
        return le(VirtualFree(C.p, 65536, MEM_DECOMMIT));
    case OK: {
        MEMORY_BASIC_INFORMATION m;
        ASSERT_EQ(VirtualQuery(C.p, &m, sizeof m), sizeof m);
        ASSERT_EQ_U(m.State, MEM_RESERVE);
        /* decommitted: its contents are gone (committed again: zero) */
        ASSERT_PTR_EQ(VirtualAlloc(C.p, 65536, MEM_COMMIT, PAGE_READWRITE), C.p);
        ASSERT_EQ(((char *)C.p)[0], 0);
        return 0;
    }
    case TEARDOWN:
        if (C.p)
            ASSERT_TRUE(VirtualFree(C.p, 0, MEM_RELEASE));
        C.p = NULL;
        return 0;
    default:
        return 0;
    }
}

TEST_T(faultloop_sections_and_views, 120)
{
    holder_start();
    LOOP(map_create_named, 0);
    LOOP(map_create_unnamed_reserve, 0);
    LOOP(map_create_file_backed, 0);
    LOOP(map_open, 0);
    LOOP(view_map, 0);
    LOOP(view_map_at, 0);
    LOOP(view_unmap, 0);
    LOOPX(view_flush, 0, ERROR_IO_DEVICE); /* a write-back that failed */
    LOOP(vm_commit, 0);
    LOOP(vm_protect, 0);
    LOOP(vm_query, 0);
    LOOP(vm_private, 0);
    holder_stop();
}

/* ---- synchronization objects ---------------------------------------------------------------- */

static HANDLE open_event(DWORD a, BOOL i, LPCSTR n)
{
    return OpenEventA(a, i, n);
}
static HANDLE open_mutex(DWORD a, BOOL i, LPCSTR n)
{
    return OpenMutexA(a, i, n);
}
static HANDLE open_semaphore(DWORD a, BOOL i, LPCSTR n)
{
    return OpenSemaphoreA(a, i, n);
}
static HANDLE open_timer(DWORD a, BOOL i, LPCSTR n)
{
    return OpenWaitableTimerA(a, i, n);
}

/* Create* of a new named object of each type; complete (and in its initial
 * state) or absent. */
static int sync_type;

static DWORD sync_create(enum phase ph)
{
    static const char *names[] = {"Local\\fl_nev", "Local\\fl_nmtx", "Local\\fl_nsem",
                                  "Local\\fl_ntmr"};
    static HANDLE (*opens[])(DWORD, BOOL, LPCSTR) = {open_event, open_mutex, open_semaphore,
                                                     open_timer};
    const char *name = names[sync_type];
    switch (ph) {
    case SETUP:
        return 0;
    case RUN:
        switch (sync_type) {
        case 0:
            C.h = CreateEventA(NULL, TRUE, TRUE, name);
            break;
        case 1:
            C.h = CreateMutexA(NULL, TRUE, name);
            break;
        case 2:
            C.h = CreateSemaphoreA(NULL, 1, 5, name);
            break;
        default:
            C.h = CreateWaitableTimerA(NULL, TRUE, name);
        }
        return leh(C.h);
    case OK:
        named_made(C.h, opens[sync_type], SYNCHRONIZE, name);
        if (sync_type == 1) {
            ASSERT_TRUE(ReleaseMutex(C.h)); /* owned by us */
        } else if (sync_type == 3) {
            ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_TIMEOUT);
        } else {
            ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_OBJECT_0);
        }
        return 0;
    case FAILED:
        nothing_made(C.h);
        return 0;
    default: /* TEARDOWN: teardown() closes C's handles */
        break;
    }
    return 0;
}

static DWORD sync_create_unnamed(enum phase ph)
{
    switch (ph) {
    case RUN:
        C.h = CreateEventA(NULL, FALSE, TRUE, NULL);
        return leh(C.h);
    case OK:
        ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_OBJECT_0);
        ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_TIMEOUT);
        return 0;
    case FAILED:
        ASSERT_NULL(C.h);
        return 0;
    default:
        return 0;
    }
}

/* Open* of the holder's object of each type. */
static DWORD sync_open(enum phase ph)
{
    static const char *names[] = {N_EV, N_MTX, N_SEM, N_TMR};
    switch (ph) {
    case RUN:
        switch (sync_type) {
        case 0:
            C.h = OpenEventA(EVENT_ALL_ACCESS, FALSE, names[0]);
            break;
        case 1:
            C.h = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, names[1]);
            break;
        case 2:
            C.h = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, names[2]);
            break;
        default:
            C.h = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, names[3]);
        }
        return leh(C.h);
    case OK:
        if (sync_type == 1) { /* the holder's mutex, free: ours to take and give back */
            ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_OBJECT_0);
            ASSERT_TRUE(ReleaseMutex(C.h));
        } else if (sync_type == 2) {
            ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_OBJECT_0);
            ASSERT_TRUE(ReleaseSemaphore(C.h, 1, NULL));
        } else {
            ASSERT_EQ(WaitForSingleObject(C.h, 0), WAIT_TIMEOUT);
        }
        return 0;
    case FAILED:
        ASSERT_NULL(C.h);
        return 0;
    default:
        return 0;
    }
}

/* Every signalling call, on the holder's objects. */
static DWORD sync_signal(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = OpenEventA(EVENT_ALL_ACCESS, FALSE, N_EV);
        C.h2 = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, N_SEM);
        C.out = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, N_TMR);
        C.job = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, N_MTX);
        ASSERT_TRUE(C.h && C.h2 && C.out && C.job);
        return 0;
    case RUN: {
        LARGE_INTEGER due = {.QuadPart = -10000000LL};
        LONG prev = -1;
        if (!SetEvent(C.h) || !PulseEvent(C.h) || !ResetEvent(C.h))
            return le(FALSE);
        if (WaitForSingleObject(C.h2, 0) != WAIT_OBJECT_0 || !ReleaseSemaphore(C.h2, 1, &prev))
            return le(FALSE);
        if (WaitForSingleObject(C.job, 0) != WAIT_OBJECT_0 || !ReleaseMutex(C.job))
            return le(FALSE);
        if (!SetWaitableTimer(C.out, &due, 0, NULL, NULL, FALSE) || !CancelWaitableTimer(C.out))
            return le(FALSE);
        return prev == 0 ? 0 : 0xe0000003u;
    }
    default:
        return 0;
    }
}

/* Waits: one object, all of several, signal-and-wait; and a sleep. */
static DWORD sync_wait(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = CreateEventA(NULL, TRUE, TRUE, NULL);
        C.h2 = CreateSemaphoreA(NULL, 2, 2, NULL);
        C.job = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, N_MTX);
        ASSERT_TRUE(C.h && C.h2 && C.job);
        return 0;
    case RUN: {
        HANDLE all[3] = {C.h, C.h2, C.job};
        if (WaitForSingleObject(C.h, 1000) != WAIT_OBJECT_0)
            return le(FALSE);
        if (WaitForMultipleObjects(3, all, TRUE, 1000) != WAIT_OBJECT_0)
            return le(FALSE);
        if (SignalObjectAndWait(C.job, C.h2, 1000, FALSE) != WAIT_OBJECT_0)
            return le(FALSE);
        if (WaitForMultipleObjects(2, all, FALSE, 0) != WAIT_OBJECT_0)
            return le(FALSE);
        Sleep(1);
        return 0;
    }
    case OK: /* one count left; the mutex was given back */
        ASSERT_EQ(WaitForSingleObject(C.h2, 0), WAIT_TIMEOUT);
        ASSERT_TRUE(!ReleaseMutex(C.job));
        return 0;
    default:
        return 0;
    }
}

/* The native queries. */
static DWORD sync_query(enum phase ph)
{
    switch (ph) {
    case SETUP:
        C.h = OpenEventA(EVENT_ALL_ACCESS, FALSE, N_EV);
        C.h2 = OpenMutexA(MUTEX_ALL_ACCESS, FALSE, N_MTX);
        C.out = OpenSemaphoreA(SEMAPHORE_ALL_ACCESS, FALSE, N_SEM);
        C.job = OpenWaitableTimerA(TIMER_ALL_ACCESS, FALSE, N_TMR);
        ASSERT_TRUE(C.h && C.h2 && C.out && C.job);
        return 0;
    case RUN: {
        int manual, sig, armed;
        int32_t count, max;
        uint64_t rem;
        shmap_mutex_info_t m;
        int r = shmap_event_query((shmap_handle_t)C.h, &manual, &sig);
        if (r == 0)
            r = shmap_mutex_query((shmap_handle_t)C.h2, &m);
        if (r == 0)
            r = shmap_semaphore_query((shmap_handle_t)C.out, &count, &max);
        if (r == 0)
            r = shmap_timer_query((shmap_handle_t)C.job, &sig, &armed, &rem);
        if (r == 0 && (max != 10 || count != 1 || manual != 1))
            return 0xe0000004u;
        return nat(r);
    }
    default:
        return 0;
    }
}

static DWORD thread_fn(LPVOID arg)
{
    return (DWORD)(uintptr_t)arg;
}

static DWORD thread_create(enum phase ph)
{
    switch (ph) {
    case RUN: {
        DWORD tid = 0;
        C.h = CreateThread(NULL, 0, thread_fn, (LPVOID)(uintptr_t)5, 0, &tid);
        return leh(C.h);
    }
    case OK: {
        DWORD code = 0;
        ASSERT_EQ(WaitForSingleObject(C.h, 10000), WAIT_OBJECT_0);
        ASSERT_TRUE(GetExitCodeThread(C.h, &code));
        ASSERT_EQ(code, 5);
        return 0;
    }
    default:
        return 0;
    }
}

TEST_T(faultloop_sync, 120)
{
    holder_start();
    for (sync_type = 0; sync_type < 4; sync_type++) {
        static const char *what[] = {"sync_create(event)", "sync_create(mutex)",
                                     "sync_create(semaphore)", "sync_create(timer)"};
        static const char *what_open[] = {"sync_open(event)", "sync_open(mutex)",
                                          "sync_open(semaphore)", "sync_open(timer)"};
        loop(what[sync_type], sync_create, 0, 0);
        loop(what_open[sync_type], sync_open, 0, 0);
    }
    LOOP(sync_create_unnamed, 0);
    LOOP(sync_signal, 0);
    LOOP(sync_wait, 0);
    LOOP(sync_query, 0);
    LOOP(thread_create, 0);
    holder_stop();
}

/* ---- files -------------------------------------------------------------------------------------
 */

static DWORD file_create(enum phase ph)
{
    switch (ph) {
    case SETUP:
        snprintf(C.path, sizeof C.path, "%s/../fl-new-%d", test_root(), (int)getpid());
        return 0;
    case RUN:
        C.file = CreateFileA(C.path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_NEW, 0, NULL);
        return le(C.file != INVALID_HANDLE_VALUE);
    case OK: {
        DWORD n = 0;
        ASSERT_TRUE(WriteFile(C.file, "abc", 3, &n, NULL));
        ASSERT_EQ(GetFileSize(C.file, NULL), 3);
        return 0;
    }
    case FAILED: /* CREATE_NEW: not made, or made and removed again (unless that fails too) */
        ASSERT_TRUE(C.file == INVALID_HANDLE_VALUE);
        if (!cur_persistent)
            ASSERT_EQ(access(C.path, F_OK), -1);
        C.file = NULL;
        return 0;
    case TEARDOWN:
        temp_file_gone();
        return 0;
    }
    return 0;
}

/* Every call on an open file. */
static DWORD file_io(enum phase ph)
{
    switch (ph) {
    case SETUP:
        temp_file();
        return 0;
    case RUN: {
        DWORD n = 0;
        char buf[8] = {0};
        LARGE_INTEGER pos = {.QuadPart = 0}, size;
        if (!WriteFile(C.file, "hello", 5, &n, NULL) || n != 5 ||
            !SetFilePointerEx(C.file, pos, NULL, FILE_BEGIN) ||
            !ReadFile(C.file, buf, 5, &n, NULL) || n != 5 ||
            SetFilePointer(C.file, 2, NULL, FILE_BEGIN) == INVALID_SET_FILE_POINTER ||
            !SetEndOfFile(C.file) || !GetFileSizeEx(C.file, &size) || !FlushFileBuffers(C.file))
            return le(FALSE);
        return memcmp(buf, "hello", 5) == 0 && size.QuadPart == 2 ? 0 : 0xe0000007u;
    }
    case TEARDOWN:
        temp_file_gone();
        return 0;
    default:
        return 0;
    }
}

static DWORD file_delete(enum phase ph)
{
    switch (ph) {
    case SETUP:
        temp_file();
        ASSERT_TRUE(CloseHandle(C.file));
        C.file = NULL;
        return 0;
    case RUN:
        return le(DeleteFileA(C.path));
    case OK:
        ASSERT_EQ(access(C.path, F_OK), -1);
        return 0;
    case FAILED:
        ASSERT_EQ(access(C.path, F_OK), 0);
        return 0;
    case TEARDOWN:
        unlink(C.path);
        return 0;
    }
    return 0;
}

/* Native queries, and the standard output's handle (made at first use;
 * closed after, so that each run makes it). */
static DWORD native_misc(enum phase ph)
{
    static shmap_handle_t std;
    switch (ph) {
    case SETUP:
        C.h = section("Local\\fl_q", PAGE_READWRITE, 65536);
        return 0;
    case RUN: {
        shmap_mapping_info_t mi;
        shmap_type_t type;
        uint32_t access = 0;
        int r = shmap_mapping_query((shmap_handle_t)C.h, &mi);
        if (r == 0)
            r = shmap_handle_query((shmap_handle_t)C.h, &type, &access);
        if (r == 0)
            r = shmap_std_handle(1, &std);
        if (r == 0)
            r = shmap_sleep(0, 1) < 0 ? -1 : 0;
        return nat(r);
    }
    case TEARDOWN:
        close_if(&C.h);
        if (std)
            ASSERT_EQ(shmap_close(std), 0);
        std = SHMAP_NULL_HANDLE;
        return 0;
    default:
        return 0;
    }
}

static int count_one(const shmap_object_info_t *i, void *arg)
{
    (void)i;
    (*(int *)arg)++;
    return 0;
}

/* Listing the namespace (the holder's six objects) and reclaiming. */
static DWORD native_ns(enum phase ph)
{
    static int seen;
    switch (ph) {
    case RUN: {
        seen = 0;
        int r = shmap_ns_list(count_one, &seen);
        if (r == 0)
            r = shmap_ns_reclaim();
        return r < 0 ? nat(r) : 0;
    }
    case OK:
        ASSERT_EQ(seen, C.ns);
        return 0;
    default:
        return 0;
    }
}

TEST_T(faultloop_files_and_native, 120)
{
    holder_start();
    LOOP(file_create, 0);
    LOOP(file_io, 0);
    LOOP(file_delete, 0);
    LOOP(native_misc, 0);
    LOOP(native_ns, 0);
    holder_stop();
}
