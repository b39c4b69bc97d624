/*
 * bridge.c - shmap-wine-bridge.exe, the Windows half of `shmap wine`:
 * built with mingw, run by the native half (tools/cmd_wine.c) under the
 * user's Wine, in the program's Wine prefix.
 *
 *   shmap-wine-bridge.exe PAGE NMAPS NEVENTS {NAME PATH SIZE}... {NAME}...
 *                         -- PROGRAM [ARGS...]
 *
 * It makes the Wine-side objects, each under the Win32 name the native
 * object has: a named section over the file that holds the native
 * section's data at offset 0 (so both sides map the same pages), and a
 * named event per relayed event.  It says so in the relay page (PAGE, the
 * native half's memfd, opened as Z:\proc\PID\fd\N), relays the events,
 * then starts PROGRAM and exits with its exit code.  Its handles keep the
 * Wine-side objects alive while the program runs; Wine drops them when the
 * program and this helper have both ended, however they ended.
 *
 * Events (docs/DESIGN.md §24): per event, one thread takes the signals
 * set on this side (waiting on the event) and one sets the signals that
 * come from the native side (sleeping on the relay page with futex(2),
 * called directly: Wine runs Windows code as an ordinary Linux thread).
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "relay.h"

#define EXIT_BRIDGE 126 /* the bridge itself failed */
#define EXIT_NOPROGRAM 127

/* ---- Linux futex(2), from Windows code ------------------------------------------- */

#define SYS_FUTEX 202 /* x86_64 */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

/* (long is 32 bits in Windows code: the registers are int64_t) */
static int64_t linux_syscall6(int64_t n, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                              int64_t f)
{
    int64_t ret;
    register int64_t r10 __asm__("r10") = d;
    register int64_t r8 __asm__("r8") = e;
    register int64_t r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Sleep while *w == val (shared futex: the page is a MAP_SHARED file). */
static void futex_wait(uint32_t *w, uint32_t val)
{
    linux_syscall6(SYS_FUTEX, (int64_t)(uintptr_t)w, FUTEX_WAIT, val, 0, 0, 0);
}

static void shmap_relay_wake(uint32_t *w)
{
    linux_syscall6(SYS_FUTEX, (int64_t)(uintptr_t)w, FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
}

/* ---- an event's state without taking it: NtQueryEvent ----------------------------- */

typedef LONG(NTAPI *query_event_fn)(HANDLE, int, void *, ULONG, ULONG *);
static query_event_fn query_event;

struct event_basic {
    int type;
    LONG state;
};

static int event_signalled(HANDLE h)
{
    struct event_basic b = {0, 0};
    if (!query_event || query_event(h, 0 /* EventBasicInformation */, &b, sizeof b, NULL) != 0)
        return 0;
    return b.state != 0;
}

/* Sleep until h is no longer signalled (a waiter took it, or a reset):
 * first 50 looks with a yield between (a waiter woken with us takes it
 * soon), then from 1 ms to 16 ms between looks. */
static void until_unsignalled(HANDLE h)
{
    for (int i = 0; i < 50; i++) {
        if (!event_signalled(h))
            return;
        SwitchToThread();
    }
    DWORD ms = 1;
    while (event_signalled(h)) {
        Sleep(ms);
        if (ms < 16)
            ms *= 2;
    }
}

/* ---- one relayed event ------------------------------------------------------------ */

struct relay {
    HANDLE ev;
    struct shmap_relay_event *slot;
    LONG from_native; /* auto: signals set here for the native side not yet seen taken */
    LONG last_rx;     /* manual: the state the native side last told us */
};

/* Signals set on the native side nobody there took: set here. */
static DWORD WINAPI native_to_wine(void *arg)
{
    struct relay *r = arg;
    struct shmap_relay_event *e = r->slot;
    uint32_t seen_sets = 0, seen_state = 0; /* the page starts zeroed: all that came counts */
    for (;;) {
        uint32_t seq = shmap_relay_load(&e->n2w_seq);
        if (!e->manual && shmap_relay_load(&e->n2w_sets) != seen_sets) {
            seen_sets = shmap_relay_load(&e->n2w_sets);
            InterlockedIncrement(&r->from_native);
            SetEvent(r->ev);
        } else if (e->manual && shmap_relay_load(&e->n2w_state) != seen_state) {
            seen_state = shmap_relay_load(&e->n2w_state);
            InterlockedExchange(&r->last_rx, (LONG)(seen_state & 1));
            if (seen_state & 1)
                SetEvent(r->ev);
            else
                ResetEvent(r->ev);
        } else {
            futex_wait(&e->n2w_seq, seq);
        }
    }
    return 0;
}

/* Signals set on this side: this side's waiters first; what none of them
 * takes crosses to the native side. */
static DWORD WINAPI wine_to_native(void *arg)
{
    struct relay *r = arg;
    struct shmap_relay_event *e = r->slot;
    for (;;) {
        if (WaitForSingleObject(r->ev, INFINITE) != WAIT_OBJECT_0) {
            Sleep(10);
            continue;
        }
        if (e->manual) {
            if (InterlockedCompareExchange(&r->last_rx, 1, 1) != 1)
                shmap_relay_publish(&e->w2n_state, &e->w2n_seq, 1);
            until_unsignalled(r->ev);
            if (InterlockedCompareExchange(&r->last_rx, 0, 0) != 0)
                shmap_relay_publish(&e->w2n_state, &e->w2n_seq, 0);
            continue;
        }
        LONG n = r->from_native;
        while (n > 0 && InterlockedCompareExchange(&r->from_native, n - 1, n) != n)
            n = r->from_native;
        /* We took it, being the first waiter.  Set it again while we are
         * no waiter, and take it back if it is still there, in one call:
         * a waiter of this side takes it at once, or nobody was there. */
        if (SignalObjectAndWait(r->ev, r->ev, 0, FALSE) != WAIT_OBJECT_0)
            continue; /* a waiter here took it */
        if (n > 0) {  /* from the native side: it stays here for a waiter to come */
            SetEvent(r->ev);
            until_unsignalled(r->ev);
        } else {
            shmap_relay_post(&e->w2n_sets, &e->w2n_seq); /* nobody here took it: it crosses */
        }
    }
    return 0;
}

/* ---- start-up ------------------------------------------------------------------------ */

static struct shmap_relay_page *page;

static int fail(unsigned index, const wchar_t *what, const wchar_t *name)
{
    DWORD err = GetLastError();
    fwprintf(stderr, L"shmap-wine-bridge: %ls %ls: error %lu\n", what, name ? name : L"",
             (unsigned long)err);
    if (page) {
        page->error = err;
        page->failed = index;
        __atomic_store_n(&page->ready, 2, __ATOMIC_RELEASE);
        shmap_relay_wake(&page->ready);
    }
    return EXIT_BRIDGE;
}

/* Append arg to the command line at *p, quoted as CommandLineToArgvW
 * reads it back. */
static void quote_arg(wchar_t **p, const wchar_t *arg)
{
    wchar_t *o = *p;
    int plain = arg[0] != 0 && wcspbrk(arg, L" \t\n\v\"") == NULL;
    if (plain) {
        wcscpy(o, arg);
        *p = o + wcslen(arg);
        return;
    }
    *o++ = L'"';
    for (const wchar_t *s = arg;; s++) {
        size_t bs = 0;
        while (*s == L'\\') {
            bs++;
            s++;
        }
        if (*s == 0) { /* backslashes before the closing quote: doubled */
            for (size_t i = 0; i < bs * 2; i++)
                *o++ = L'\\';
            break;
        }
        if (*s == L'"') { /* doubled, then the quote escaped */
            for (size_t i = 0; i < bs * 2 + 1; i++)
                *o++ = L'\\';
        } else {
            for (size_t i = 0; i < bs; i++)
                *o++ = L'\\';
        }
        *o++ = *s;
    }
    *o++ = L'"';
    *p = o;
}

int wmain(int argc, wchar_t **argv)
{
    if (argc < 4)
        return fail(0, L"usage:", L"PAGE NMAPS NEVENTS ... -- PROGRAM [ARGS]");
    query_event = (query_event_fn)(void (*)(void))GetProcAddress(GetModuleHandleW(L"ntdll.dll"),
                                                                 "NtQueryEvent");
    HANDLE pf = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                            OPEN_EXISTING, 0, NULL);
    if (pf == INVALID_HANDLE_VALUE)
        return fail(0, L"cannot open the relay page", argv[1]);
    HANDLE pm = CreateFileMappingW(pf, NULL, PAGE_READWRITE, 0, SHMAP_RELAY_BYTES, NULL);
    page = pm ? MapViewOfFile(pm, FILE_MAP_ALL_ACCESS, 0, 0, SHMAP_RELAY_BYTES) : NULL;
    if (!page)
        return fail(0, L"cannot map the relay page", argv[1]);
    long nmaps = wcstol(argv[2], NULL, 10), nevents = wcstol(argv[3], NULL, 10);
    if (page->magic != SHMAP_RELAY_MAGIC || page->version != SHMAP_RELAY_VERSION || nevents < 0 ||
        (unsigned long)nevents != page->nevents || nmaps < 0 ||
        nevents > (long)SHMAP_RELAY_EVENTS || argc < 4 + 3 * nmaps + nevents + 2 ||
        wcscmp(argv[4 + 3 * nmaps + nevents], L"--") != 0) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return fail(0, L"bad arguments or relay page", NULL);
    }
    wchar_t **a = argv + 4;
    for (long i = 0; i < nmaps; i++, a += 3) {
        unsigned long long size = wcstoull(a[2], NULL, 10);
        HANDLE f = CreateFileW(a[1], GENERIC_READ | GENERIC_WRITE,
                               FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                               OPEN_EXISTING, 0, NULL);
        if (f == INVALID_HANDLE_VALUE)
            return fail((unsigned)i, L"cannot open the data of", a[0]);
        HANDLE m =
            CreateFileMappingW(f, NULL, PAGE_READWRITE, (DWORD)(size >> 32), (DWORD)size, a[0]);
        if (!m)
            return fail((unsigned)i, L"cannot make the section", a[0]);
        CloseHandle(f); /* the section keeps the file */
    }
    struct relay *rel = calloc((size_t)nevents + 1, sizeof *rel);
    for (long i = 0; rel && i < nevents; i++, a++) {
        rel[i].slot = &page->ev[i];
        rel[i].ev = CreateEventW(NULL, page->ev[i].manual ? TRUE : FALSE, FALSE, a[0]);
        if (!rel[i].ev)
            return fail((unsigned)(nmaps + i), L"cannot make the event", a[0]);
    }
    for (long i = 0; rel && i < nevents; i++)
        if (!CreateThread(NULL, 0, native_to_wine, &rel[i], 0, NULL) ||
            !CreateThread(NULL, 0, wine_to_native, &rel[i], 0, NULL))
            return fail((unsigned)(nmaps + i), L"cannot start the relay of", a[i - nevents]);
    __atomic_store_n(&page->ready, 1, __ATOMIC_RELEASE);
    shmap_relay_wake(&page->ready);

    /* the program, with the rest of our arguments as its command line */
    a++; /* "--" */
    size_t len = 1;
    for (wchar_t **s = a; *s; s++)
        len += wcslen(*s) * 2 + 3;
    wchar_t *cmd = malloc(len * sizeof *cmd), *p = cmd;
    if (!cmd)
        return fail(0, L"out of memory", NULL);
    for (wchar_t **s = a; *s; s++) {
        if (s != a)
            *p++ = L' ';
        quote_arg(&p, *s);
    }
    *p = 0;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessW(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
        fwprintf(stderr, L"shmap-wine-bridge: cannot start %ls: error %lu\n", a[0],
                 (unsigned long)GetLastError());
        return EXIT_NOPROGRAM;
    }
    CloseHandle(pi.hThread);
    WaitForSingleObject(pi.hProcess, INFINITE);
    DWORD code = EXIT_BRIDGE;
    GetExitCodeProcess(pi.hProcess, &code);
    fflush(stdout);
    ExitProcess(code);
}
