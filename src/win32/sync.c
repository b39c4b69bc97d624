/*
 * sync.c - events, mutexes, semaphores, waitable timers and the wait
 * functions: argument conversion over the native API.
 */
#include <errno.h>
#include <stdlib.h>

#include "w32.h"

/* A Create*: NULL and last error on failure; last error 0 or 183 on success. */
static HANDLE created(int r, shmap_handle_t h)
{
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    shmap_w32__created(r);
    return WIN(h);
}

static HANDLE opened(int r, shmap_handle_t h)
{
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    return WIN(h);
}

/* A wide name as UTF-8 for the duration of one call. */
#define WITH_NAME(wname, u, failret)                                                               \
    char *u;                                                                                       \
    do {                                                                                           \
        int r_ = shmap_w32__utf8(wname, &(u));                                                     \
        if (r_) {                                                                                  \
            shmap_w32__fail(r_);                                                                   \
            return failret;                                                                        \
        }                                                                                          \
    } while (0)

/* ---- events ----------------------------------------------------------------- */

static HANDLE create_event(LPSECURITY_ATTRIBUTES sa, const char *name, DWORD flags, DWORD access,
                           unsigned nflags)
{
    shmap_handle_t h = NULL;
    int r = shmap_w32__sa(sa, &nflags);
    if (r == 0)
        r = shmap_event_create(name, flags, access, nflags, &h);
    shmap_w32__sa_done();
    return created(r, h);
}

static DWORD event_flags(BOOL manual, BOOL initial)
{
    return (manual ? CREATE_EVENT_MANUAL_RESET : 0) | (initial ? CREATE_EVENT_INITIAL_SET : 0);
}

WINBASEAPI HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial,
                                      LPCSTR name)
{
    return create_event(sa, name, event_flags(manual, initial), EVENT_ALL_ACCESS, 0);
}

WINBASEAPI HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL manual, BOOL initial,
                                      LPCWSTR name)
{
    WITH_NAME(name, u, NULL);
    HANDLE h = create_event(sa, u, event_flags(manual, initial), EVENT_ALL_ACCESS, SHMAP_WIDE_NAME);
    free(u);
    return h;
}

WINBASEAPI HANDLE WINAPI CreateEventExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags,
                                        DWORD access)
{
    return create_event(sa, name, flags, access, 0);
}

WINBASEAPI HANDLE WINAPI CreateEventExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags,
                                        DWORD access)
{
    WITH_NAME(name, u, NULL);
    HANDLE h = create_event(sa, u, flags, access, SHMAP_WIDE_NAME);
    free(u);
    return h;
}

HANDLE shmap_w32__open_a(shmap_w32_open_fn fn, DWORD access, BOOL inherit, LPCSTR name)
{
    shmap_handle_t h = NULL;
    int r = fn(name, access, inherit ? SHMAP_INHERIT : 0, &h);
    return opened(r, h);
}

HANDLE shmap_w32__open_w(shmap_w32_open_fn fn, DWORD access, BOOL inherit, LPCWSTR name)
{
    WITH_NAME(name, u, NULL);
    shmap_handle_t h = NULL;
    int r = fn(u, access, (inherit ? SHMAP_INHERIT : 0) | SHMAP_WIDE_NAME, &h);
    free(u);
    return opened(r, h);
}

WINBASEAPI HANDLE WINAPI OpenEventA(DWORD access, BOOL inherit, LPCSTR name)
{
    return shmap_w32__open_a(shmap_event_open, access, inherit, name);
}
WINBASEAPI HANDLE WINAPI OpenEventW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return shmap_w32__open_w(shmap_event_open, access, inherit, name);
}
WINBASEAPI BOOL WINAPI SetEvent(HANDLE h)
{
    return shmap_w32__ok(shmap_event_set(NATIVE(h), NULL));
}
WINBASEAPI BOOL WINAPI ResetEvent(HANDLE h)
{
    return shmap_w32__ok(shmap_event_reset(NATIVE(h), NULL));
}
WINBASEAPI BOOL WINAPI PulseEvent(HANDLE h)
{
    return shmap_w32__ok(shmap_event_pulse(NATIVE(h), NULL));
}

/* ---- mutexes ---------------------------------------------------------------- */

static HANDLE create_mutex(LPSECURITY_ATTRIBUTES sa, const char *name, DWORD flags, DWORD access,
                           unsigned nflags)
{
    shmap_handle_t h = NULL;
    int r = shmap_w32__sa(sa, &nflags);
    if (r == 0)
        r = shmap_mutex_create(name, flags, access, nflags, &h);
    shmap_w32__sa_done();
    return created(r, h);
}

WINBASEAPI HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES sa, BOOL owner, LPCSTR name)
{
    return create_mutex(sa, name, owner ? CREATE_MUTEX_INITIAL_OWNER : 0, MUTEX_ALL_ACCESS, 0);
}
WINBASEAPI HANDLE WINAPI CreateMutexW(LPSECURITY_ATTRIBUTES sa, BOOL owner, LPCWSTR name)
{
    WITH_NAME(name, u, NULL);
    HANDLE h = create_mutex(sa, u, owner ? CREATE_MUTEX_INITIAL_OWNER : 0, MUTEX_ALL_ACCESS,
                            SHMAP_WIDE_NAME);
    free(u);
    return h;
}
WINBASEAPI HANDLE WINAPI CreateMutexExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags,
                                        DWORD access)
{
    return create_mutex(sa, name, flags, access, 0);
}
WINBASEAPI HANDLE WINAPI CreateMutexExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags,
                                        DWORD access)
{
    WITH_NAME(name, u, NULL);
    HANDLE h = create_mutex(sa, u, flags, access, SHMAP_WIDE_NAME);
    free(u);
    return h;
}
WINBASEAPI HANDLE WINAPI OpenMutexA(DWORD access, BOOL inherit, LPCSTR name)
{
    return shmap_w32__open_a(shmap_mutex_open, access, inherit, name);
}
WINBASEAPI HANDLE WINAPI OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return shmap_w32__open_w(shmap_mutex_open, access, inherit, name);
}
WINBASEAPI BOOL WINAPI ReleaseMutex(HANDLE h)
{
    return shmap_w32__ok(shmap_mutex_release(NATIVE(h)));
}

/* ---- semaphores ------------------------------------------------------------- */

static HANDLE create_semaphore(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max, const char *name,
                               DWORD access, unsigned nflags)
{
    shmap_handle_t h = NULL;
    int r = shmap_w32__sa(sa, &nflags);
    if (r == 0)
        r = shmap_semaphore_create(name, initial, max, access, nflags, &h);
    shmap_w32__sa_done();
    return created(r, h);
}

WINBASEAPI HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max,
                                          LPCSTR name)
{
    return create_semaphore(sa, initial, max, name, SEMAPHORE_ALL_ACCESS, 0);
}
WINBASEAPI HANDLE WINAPI CreateSemaphoreW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max,
                                          LPCWSTR name)
{
    WITH_NAME(name, u, NULL);
    HANDLE h = create_semaphore(sa, initial, max, u, SEMAPHORE_ALL_ACCESS, SHMAP_WIDE_NAME);
    free(u);
    return h;
}
WINBASEAPI HANDLE WINAPI CreateSemaphoreExA(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max,
                                            LPCSTR name, DWORD flags, DWORD access)
{
    (void)flags; /* reserved; ignored as Wine and Windows do */
    return create_semaphore(sa, initial, max, name, access, 0);
}
WINBASEAPI HANDLE WINAPI CreateSemaphoreExW(LPSECURITY_ATTRIBUTES sa, LONG initial, LONG max,
                                            LPCWSTR name, DWORD flags, DWORD access)
{
    (void)flags;
    WITH_NAME(name, u, NULL);
    HANDLE h = create_semaphore(sa, initial, max, u, access, SHMAP_WIDE_NAME);
    free(u);
    return h;
}
WINBASEAPI HANDLE WINAPI OpenSemaphoreA(DWORD access, BOOL inherit, LPCSTR name)
{
    return shmap_w32__open_a(shmap_semaphore_open, access, inherit, name);
}
WINBASEAPI HANDLE WINAPI OpenSemaphoreW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return shmap_w32__open_w(shmap_semaphore_open, access, inherit, name);
}
WINBASEAPI BOOL WINAPI ReleaseSemaphore(HANDLE h, LONG n, LPLONG prev)
{
    return shmap_w32__ok(
        shmap_semaphore_release(NATIVE(h), n, prev)); /* it probes prev first, as NT */
}

/* ---- waitable timers -------------------------------------------------------- */

static HANDLE create_timer(LPSECURITY_ATTRIBUTES sa, const char *name, DWORD flags, DWORD access,
                           unsigned nflags)
{
    shmap_handle_t h = NULL;
    int r = shmap_w32__sa(sa, &nflags);
    if (r == 0)
        r = shmap_timer_create(name, flags, access, nflags, &h);
    shmap_w32__sa_done();
    return created(r, h);
}

WINBASEAPI HANDLE WINAPI CreateWaitableTimerA(LPSECURITY_ATTRIBUTES sa, BOOL manual, LPCSTR name)
{
    return create_timer(sa, name, manual ? CREATE_WAITABLE_TIMER_MANUAL_RESET : 0, TIMER_ALL_ACCESS,
                        0);
}
WINBASEAPI HANDLE WINAPI CreateWaitableTimerW(LPSECURITY_ATTRIBUTES sa, BOOL manual, LPCWSTR name)
{
    WITH_NAME(name, u, NULL);
    HANDLE h = create_timer(sa, u, manual ? CREATE_WAITABLE_TIMER_MANUAL_RESET : 0,
                            TIMER_ALL_ACCESS, SHMAP_WIDE_NAME);
    free(u);
    return h;
}
WINBASEAPI HANDLE WINAPI CreateWaitableTimerExA(LPSECURITY_ATTRIBUTES sa, LPCSTR name, DWORD flags,
                                                DWORD access)
{
    return create_timer(sa, name, flags, access, 0);
}
WINBASEAPI HANDLE WINAPI CreateWaitableTimerExW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name, DWORD flags,
                                                DWORD access)
{
    WITH_NAME(name, u, NULL);
    HANDLE h = create_timer(sa, u, flags, access, SHMAP_WIDE_NAME);
    free(u);
    return h;
}
WINBASEAPI HANDLE WINAPI OpenWaitableTimerA(DWORD access, BOOL inherit, LPCSTR name)
{
    return shmap_w32__open_a(shmap_timer_open, access, inherit, name);
}
WINBASEAPI HANDLE WINAPI OpenWaitableTimerW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return shmap_w32__open_w(shmap_timer_open, access, inherit, name);
}

WINBASEAPI BOOL WINAPI SetWaitableTimer(HANDLE h, const LARGE_INTEGER *due, LONG period,
                                        PTIMERAPCROUTINE fn, LPVOID arg, BOOL resume)
{
    LARGE_INTEGER d; /* NtSetTimer reads it first (ProbeForReadLargeInteger) */
    if (shmap__probe_read(due, sizeof d))
        return shmap_w32__ok(-EFAULT);
    memcpy(&d, due, sizeof d);
    int r = shmap_timer_set(NATIVE(h), d.QuadPart, period, (shmap_timer_routine_t)fn, arg, resume);
    if (r == SHMAP_RESUME_IGNORED)
        SetLastError(ERROR_NOT_SUPPORTED);
    return shmap_w32__ok(r);
}
WINBASEAPI BOOL WINAPI SetWaitableTimerEx(HANDLE h, const LARGE_INTEGER *due, LONG period,
                                          PTIMERAPCROUTINE fn, LPVOID arg, PREASON_CONTEXT ctx,
                                          ULONG tolerable)
{
    (void)ctx;
    (void)tolerable;
    return SetWaitableTimer(h, due, period, fn, arg, FALSE);
}
WINBASEAPI BOOL WINAPI CancelWaitableTimer(HANDLE h)
{
    return shmap_w32__ok(shmap_timer_cancel(NATIVE(h)));
}

/* ---- waits ------------------------------------------------------------------ */

/* Last error is untouched on success and on timeout. */
static DWORD wait_result(int r)
{
    if (r < 0) {
        shmap_w32__fail(r);
        return WAIT_FAILED;
    }
    return (DWORD)r;
}

WINBASEAPI DWORD WINAPI WaitForSingleObjectEx(HANDLE h, DWORD ms, BOOL alertable)
{
    shmap_handle_t nh = NATIVE(h);
    return wait_result(shmap_wait(1, &nh, alertable ? SHMAP_WAIT_ALERTABLE : 0, ms));
}
WINBASEAPI DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms)
{
    return WaitForSingleObjectEx(h, ms, FALSE);
}
WINBASEAPI DWORD WINAPI WaitForMultipleObjectsEx(DWORD n, const HANDLE *hs, BOOL all, DWORD ms,
                                                 BOOL alertable)
{
    /* HANDLE and shmap_handle_t are both one pointer-sized number */
    return wait_result(shmap_wait(n, (const shmap_handle_t *)hs,
                                  SHMAP_WAIT_MULTIPLE | (all ? SHMAP_WAIT_ALL : 0) |
                                      (alertable ? SHMAP_WAIT_ALERTABLE : 0),
                                  ms));
}
WINBASEAPI DWORD WINAPI WaitForMultipleObjects(DWORD n, const HANDLE *hs, BOOL all, DWORD ms)
{
    return WaitForMultipleObjectsEx(n, hs, all, ms, FALSE);
}
WINBASEAPI DWORD WINAPI SignalObjectAndWait(HANDLE sig, HANDLE wait, DWORD ms, BOOL alertable)
{
    return wait_result(shmap_signal_and_wait(NATIVE(sig), NATIVE(wait), ms, alertable));
}
WINBASEAPI DWORD WINAPI SleepEx(DWORD ms, BOOL alertable)
{
    return (DWORD)shmap_sleep(ms, alertable);
}
WINBASEAPI VOID WINAPI Sleep(DWORD ms)
{
    shmap_sleep(ms, 0);
}

/* ---- threads ---------------------------------------------------------------- */

WINBASEAPI HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES sa, SIZE_T stack,
                                      LPTHREAD_START_ROUTINE fn, LPVOID arg, DWORD flags,
                                      LPDWORD tid)
{
    (void)stack; /* the default stack: Linux grows it on demand up to its limit */
    shmap_handle_t h = NULL;
    uint32_t id = 0;
    unsigned nflags = 0;
    /* kernelbase stores the id after the thread exists (a bad lpThreadId
     * faults in the caller there); here no thread is made for a call that
     * could not report it */
    int r = W32_BAD_OPT(tid) ? -EFAULT : shmap_w32__inherit(sa, &nflags);
    if (r == 0)
        r = shmap_thread_create((shmap_thread_fn_t)fn, arg,
                                (flags & CREATE_SUSPENDED) ? SHMAP_THREAD_SUSPENDED : 0, nflags, &h,
                                &id);
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    if (tid)
        W32_PUT(tid, id);
    return WIN(h);
}
WINBASEAPI DWORD WINAPI ResumeThread(HANDLE h)
{
    uint32_t prev = 0;
    int r = shmap_thread_resume(NATIVE(h), &prev);
    if (r < 0) {
        shmap_w32__fail(r);
        return (DWORD)-1;
    }
    return prev;
}
WINBASEAPI VOID WINAPI ExitThread(DWORD code)
{
    shmap_thread_exit(code);
}
WINBASEAPI BOOL WINAPI GetExitCodeThread(HANDLE h, LPDWORD code)
{
    uint32_t c = 0;
    int r = shmap_thread_exit_code(NATIVE(h), &c); /* the handle first, as kernelbase */
    if (r == 0 && W32_BAD_OUT(code))
        r = -EFAULT;
    if (r == 0)
        W32_PUT(code, c);
    return shmap_w32__ok(r);
}
WINBASEAPI DWORD WINAPI GetThreadId(HANDLE h)
{
    uint32_t id = 0;
    int r = shmap_thread_id(NATIVE(h), &id);
    if (r < 0) {
        shmap_w32__fail(r);
        return 0;
    }
    return id;
}
