/*
 * misc.c - the companions Win32 code always uses: process and thread ids,
 * time, LocalAlloc, MessageBox (printed to standard output), FormatMessage,
 * and _getch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <stdbool.h>

#include "w32.h"
#include "conio.h"

WINBASEAPI DWORD WINAPI GetCurrentProcessId(void)
{
    return (DWORD)getpid();
}
WINBASEAPI DWORD WINAPI GetCurrentThreadId(void)
{
    return (DWORD)syscall(SYS_gettid);
}
WINBASEAPI HANDLE WINAPI GetCurrentProcess(void)
{
    return (HANDLE)(LONG_PTR)-1;
}
WINBASEAPI HANDLE WINAPI GetCurrentThread(void)
{
    return (HANDLE)(LONG_PTR)-2;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

WINBASEAPI DWORD WINAPI GetTickCount(void)
{
    return (DWORD)(mono_ns() / 1000000u);
}
WINBASEAPI ULONGLONG WINAPI GetTickCount64(void)
{
    return mono_ns() / 1000000u;
}

/* The companions store through their pointers in user mode on Windows and
 * fault in the caller on a bad one; here they report 998 (FALSE, or for
 * the VOID ones only the last error) and store nothing. */
static BOOL put_i64(LARGE_INTEGER *p, LONGLONG v)
{
    if (W32_BAD_OUT(p)) {
        shmap_w32__fail(-EFAULT);
        return FALSE;
    }
    W32_PUT(&p->QuadPart, v);
    return TRUE;
}

WINBASEAPI BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER *c)
{
    return put_i64(c, (LONGLONG)mono_ns());
}

WINBASEAPI BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER *f)
{
    return put_i64(f, 1000000000);
}

WINBASEAPI VOID WINAPI GetSystemTimeAsFileTime(LPFILETIME ft)
{
    struct timespec ts;
    if (W32_BAD_OUT(ft)) {
        shmap_w32__fail(-EFAULT);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    /* 100 ns units since 1601-01-01 */
    uint64_t t =
        (uint64_t)ts.tv_sec * 10000000u + (uint64_t)ts.tv_nsec / 100u + 116444736000000000ULL;
    FILETIME f = {(DWORD)t, (DWORD)(t >> 32)};
    memcpy(ft, &f, sizeof f);
}

WINBASEAPI HLOCAL WINAPI LocalAlloc(UINT flags, SIZE_T n)
{
    void *p = (flags & LMEM_ZEROINIT) ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
    if (!p)
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return p;
}

WINBASEAPI HLOCAL WINAPI LocalFree(HLOCAL p)
{
    free(p);
    return NULL;
}

WINBASEAPI HGLOBAL WINAPI GlobalAlloc(UINT flags, SIZE_T n)
{
    return LocalAlloc(flags, n);
}
WINBASEAPI HGLOBAL WINAPI GlobalFree(HGLOBAL p)
{
    return LocalFree(p);
}

WINBASEAPI int WINAPI MessageBoxA(HWND w, LPCSTR text, LPCSTR caption, UINT type)
{
    (void)w;
    (void)type;
    printf("[%s] %s\n", caption ? caption : "Error", text ? text : "");
    fflush(stdout);
    return IDOK;
}

WINBASEAPI int WINAPI MessageBoxW(HWND w, LPCWSTR text, LPCWSTR caption, UINT type)
{
    char *t = NULL, *c = NULL;
    shmap_w32__utf8(text, &t);
    shmap_w32__utf8(caption, &c);
    int r = MessageBoxA(w, t, c, type);
    free(t);
    free(c);
    return r;
}

static const char *message_of(DWORD code)
{
    switch (code) {
    case ERROR_SUCCESS:
        return "The operation completed successfully.";
    case ERROR_FILE_NOT_FOUND:
        return "The system cannot find the file specified.";
    case ERROR_PATH_NOT_FOUND:
        return "The system cannot find the path specified.";
    case ERROR_TOO_MANY_OPEN_FILES:
        return "The system cannot open the file.";
    case ERROR_ACCESS_DENIED:
        return "Access is denied.";
    case ERROR_INVALID_HANDLE:
        return "The handle is invalid.";
    case ERROR_NOT_ENOUGH_MEMORY:
        return "Not enough memory resources are available to process this command.";
    case ERROR_INVALID_PARAMETER:
        return "The parameter is incorrect.";
    case ERROR_DISK_FULL:
        return "There is not enough space on the disk.";
    case ERROR_INVALID_NAME:
        return "The filename, directory name, or volume label syntax is incorrect.";
    case ERROR_BAD_PATHNAME:
        return "The specified path is invalid.";
    case ERROR_ALREADY_EXISTS:
        return "Cannot create a file when that file already exists.";
    case ERROR_FILENAME_EXCED_RANGE:
        return "The filename or extension is too long.";
    case ERROR_INVALID_ADDRESS:
        return "Attempt to access invalid address.";
    case ERROR_NOACCESS:
        return "Invalid access to memory location.";
    case ERROR_FILE_INVALID:
        return "The volume for a file has been externally altered so that the opened file is no "
               "longer valid.";
    case ERROR_MAPPED_ALIGNMENT:
        return "The base address or the file offset specified does not have the proper alignment.";
    case ERROR_USER_MAPPED_FILE:
        return "The requested operation cannot be performed on a file with a user-mapped section "
               "open.";
    case ERROR_COMMITMENT_LIMIT:
        return "The paging file is too small for this operation to complete.";
    case ERROR_PRIVILEGE_NOT_HELD:
        return "A required privilege is not held by the client.";
    case ERROR_BAD_EXE_FORMAT:
        return "The image is not a valid application.";
    case ERROR_FILE_EXISTS:
        return "The file exists.";
    case ERROR_NEGATIVE_SEEK:
        return "An attempt was made to move the file pointer before the beginning of the file.";
    default:
        return NULL;
    }
}

WINBASEAPI DWORD WINAPI FormatMessageA(DWORD flags, LPCVOID src, DWORD id, DWORD lang, LPSTR buf,
                                       DWORD n, va_list *args)
{
    (void)src;
    (void)lang;
    (void)args;
    const char *m = (flags & FORMAT_MESSAGE_FROM_SYSTEM) ? message_of(id) : NULL;
    char tmp[64];
    if (!m) {
        snprintf(tmp, sizeof tmp, "Unknown error %lu.", (unsigned long)id);
        m = tmp;
    }
    size_t len = strlen(m) + 2; /* Windows ends system messages with CRLF */
    char *out;
    if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
        if (W32_BAD_OUT((LPSTR *)(void *)buf)) { /* where the buffer's address goes */
            shmap_w32__fail(-EFAULT);
            return 0;
        }
        if (!(out = LocalAlloc(LMEM_FIXED, len + 1)))
            return 0;
        W32_PUT((LPSTR *)(void *)buf, out);
    } else if (n < len + 1) {
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    } else if (shmap__probe_out(buf, len + 1, 1)) {
        shmap_w32__fail(-EFAULT);
        return 0;
    } else
        out = buf;
    snprintf(out, len + 1, "%s\r\n", m);
    return (DWORD)len;
}

WINBASEAPI DWORD WINAPI FormatMessageW(DWORD flags, LPCVOID src, DWORD id, DWORD lang, LPWSTR buf,
                                       DWORD n, va_list *args)
{
    char *a = NULL;
    DWORD len =
        FormatMessageA(flags | FORMAT_MESSAGE_ALLOCATE_BUFFER, src, id, lang, (LPSTR)&a, 0, args);
    if (!len)
        return 0;
    wchar_t *w = shmap_w32__wide(a);
    LocalFree(a);
    if (!w)
        return 0;
    DWORD err = 0;
    if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER)
        err = W32_BAD_OUT((LPWSTR *)(void *)buf) ? ERROR_NOACCESS : 0;
    else if (n < len + 1)
        err = ERROR_INSUFFICIENT_BUFFER;
    else if (shmap__probe_out(buf, (len + 1) * sizeof *buf, 1))
        err = ERROR_NOACCESS;
    if (err) {
        free(w);
        SetLastError(err);
        return 0;
    }
    if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER)
        W32_PUT((LPWSTR *)(void *)buf, w);
    else {
        memcpy(buf, w, (len + 1) * sizeof *buf);
        free(w);
    }
    return len;
}

static int read_char(bool echo)
{
    unsigned char c;
    struct termios old, raw;
    bool tty = isatty(0) && tcgetattr(0, &old) == 0;
    if (tty) {
        raw = old;
        raw.c_lflag &= ~(tcflag_t)(ICANON | (echo ? 0 : ECHO));
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        tcsetattr(0, TCSANOW, &raw);
    }
    fflush(stdout);
    ssize_t r = read(0, &c, 1);
    if (tty)
        tcsetattr(0, TCSANOW, &old);
    return r == 1 ? c : -1;
}

WINBASEAPI int _getch(void)
{
    return read_char(false);
}
WINBASEAPI int _getche(void)
{
    return read_char(true);
}

WINBASEAPI int _kbhit(void)
{
    fd_set s;
    struct timeval tv = {0, 0};
    FD_ZERO(&s);
    FD_SET(0, &s);
    return select(1, &s, NULL, NULL, &tv) > 0;
}
