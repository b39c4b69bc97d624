/*
 * env.c - what a process knows of itself, the Win32 way: GetCommandLine,
 * GetModuleFileName, GetModuleHandle, GetTempPath, GetTempFileName,
 * GetStartupInfo, GetFileType, over shmap_process_cmdline, shmap_process_image,
 * shmap_temp_dir, shmap_temp_file (src/proc/env.c) and shmap_file_type
 * (src/mem/file.c).  Here: the buffer
 * rules of each call and its error codes.
 */
#include "w32.h"

#include <pthread.h>
#include <sys/auxv.h>

#ifndef ERROR_BUFFER_OVERFLOW
#define ERROR_BUFFER_OVERFLOW 111L
#endif

/* ---- GetCommandLine: made once, kept for the process's life ---------------- */
static pthread_once_t cmdline_once = PTHREAD_ONCE_INIT;
static char *cmdline_a;
static wchar_t *cmdline_w;

static void cmdline_init(void)
{
    if (shmap_process_cmdline(&cmdline_a) || !cmdline_a)
        cmdline_a = strdup("");
    cmdline_w = cmdline_a ? shmap_w32__wide(cmdline_a) : NULL;
}

WINBASEAPI LPSTR WINAPI GetCommandLineA(void)
{
    pthread_once(&cmdline_once, cmdline_init);
    return cmdline_a;
}

WINBASEAPI LPWSTR WINAPI GetCommandLineW(void)
{
    pthread_once(&cmdline_once, cmdline_init);
    return cmdline_w;
}

/* ---- the main module -------------------------------------------------------- */

/* The main program's handle: the page of its program headers (its ELF
 * header, in a program linked as usual) - an address, like Windows' base
 * address of the .exe. */
static HMODULE main_module(void)
{
    uintptr_t p = (uintptr_t)getauxval(AT_PHDR) & ~(uintptr_t)0xfff;
    return (HMODULE)(p ? p : 0x400000);
}

WINBASEAPI HMODULE WINAPI GetModuleHandleA(LPCSTR name)
{
    if (!name)
        return main_module();
    SetLastError(ERROR_MOD_NOT_FOUND);
    return NULL;
}

WINBASEAPI HMODULE WINAPI GetModuleHandleW(LPCWSTR name)
{
    return GetModuleHandleA(name ? "" : NULL);
}

/* The program's path in *path, or 0 and the last error set. */
static int image(HMODULE m, char **path)
{
    if (m && m != main_module()) {
        SetLastError(ERROR_MOD_NOT_FOUND);
        return -1;
    }
    int r = shmap_process_image(path);
    if (r) {
        shmap_w32__fail(r);
        return -1;
    }
    return 0;
}

/* Windows' rule (Vista on): what fits, and its length; else the first
 * size - 1 characters and a NUL, size returned, ERROR_INSUFFICIENT_BUFFER. */
#define PUT_TRUNCATED(buf, size, s, len)                                                           \
    do {                                                                                           \
        if ((len) < (size)) {                                                                      \
            memcpy((buf), (s), ((len) + 1) * sizeof *(buf));                                       \
            return (DWORD)(len);                                                                   \
        }                                                                                          \
        if (size) {                                                                                \
            memcpy((buf), (s), ((size)-1) * sizeof *(buf));                                        \
            (buf)[(size)-1] = 0;                                                                   \
        }                                                                                          \
        SetLastError(ERROR_INSUFFICIENT_BUFFER);                                                   \
        return (size);                                                                             \
    } while (0)

static DWORD put_a(LPSTR buf, DWORD size, const char *s)
{
    size_t len = strlen(s);
    PUT_TRUNCATED(buf, size, s, len);
}

static DWORD put_w(LPWSTR buf, DWORD size, const wchar_t *s)
{
    size_t len = wcslen(s);
    PUT_TRUNCATED(buf, size, s, len);
}

WINBASEAPI DWORD WINAPI GetModuleFileNameA(HMODULE m, LPSTR buf, DWORD size)
{
    char *path;
    if (image(m, &path))
        return 0;
    DWORD r = put_a(buf, size, path);
    free(path);
    return r;
}

WINBASEAPI DWORD WINAPI GetModuleFileNameW(HMODULE m, LPWSTR buf, DWORD size)
{
    char *path;
    if (image(m, &path))
        return 0;
    wchar_t *w = shmap_w32__wide(path);
    free(path);
    if (!w) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    DWORD r = put_w(buf, size, w);
    free(w);
    return r;
}

/* ---- temporary files -------------------------------------------------------- */

/* GetTempPath's rule: the path and its length if it fits with its NUL,
 * else the size it needs (NUL included) and nothing written. */
WINBASEAPI DWORD WINAPI GetTempPathA(DWORD size, LPSTR buf)
{
    char *d;
    int r = shmap_temp_dir(&d);
    if (r) {
        shmap_w32__fail(r);
        return 0;
    }
    DWORD len = (DWORD)strlen(d);
    if (len < size && buf)
        memcpy(buf, d, len + 1);
    else
        len++;
    free(d);
    return len;
}

WINBASEAPI DWORD WINAPI GetTempPathW(DWORD size, LPWSTR buf)
{
    char *d;
    int r = shmap_temp_dir(&d);
    if (r) {
        shmap_w32__fail(r);
        return 0;
    }
    wchar_t *w = shmap_w32__wide(d);
    free(d);
    if (!w) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    DWORD len = (DWORD)wcslen(w);
    if (len < size && buf)
        memcpy(buf, w, (len + 1) * sizeof *w);
    else
        len++;
    free(w);
    return len;
}

/* The name in *out (malloc'd; it fits in MAX_PATH characters, the size
 * of the caller's buffer); returns the number used, or 0 and the last
 * error. */
static UINT temp_file(const char *dir, const char *prefix, UINT unique, char **out)
{
    if (!dir || !prefix) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (strlen(dir) > MAX_PATH - 14) {
        SetLastError(ERROR_BUFFER_OVERFLOW);
        return 0;
    }
    uint32_t used;
    int r = shmap_temp_file(dir, prefix, unique, out, &used);
    if (r == -ENOENT || r == -ENOTDIR)
        r = SHMAP_EDIRECTORY;
    if (r) {
        shmap_w32__fail(r);
        return 0;
    }
    return used;
}

WINBASEAPI UINT WINAPI GetTempFileNameA(LPCSTR dir, LPCSTR prefix, UINT unique, LPSTR buf)
{
    char pre[4] = "", *name;
    if (prefix)
        strncat(pre, prefix, 3);
    UINT used = temp_file(dir, prefix ? pre : NULL, unique, &name);
    if (used) {
        memcpy(buf, name, strlen(name) + 1);
        free(name);
    }
    return used;
}

WINBASEAPI UINT WINAPI GetTempFileNameW(LPCWSTR dir, LPCWSTR prefix, UINT unique, LPWSTR buf)
{
    wchar_t pre[4] = L"";
    char *d = NULL, *p = NULL, *name;
    if (prefix)
        wcsncat(pre, prefix, 3);
    if (shmap_w32__utf8(dir, &d) || shmap_w32__utf8(prefix ? pre : NULL, &p)) {
        free(d);
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    UINT used = temp_file(d, p, unique, &name);
    free(d);
    free(p);
    if (used) {
        wchar_t *w = shmap_w32__wide(name);
        free(name);
        if (!w) {
            SetLastError(ERROR_NOT_ENOUGH_MEMORY);
            return 0;
        }
        memcpy(buf, w, (wcslen(w) + 1) * sizeof *w);
        free(w);
    }
    return used;
}

/* ---- STARTUPINFO ------------------------------------------------------------ */

/* shmap does not pass a parent's STARTUPINFO to its child (the standard
 * handles it gave are the child's descriptors 0-2 already: GetStdHandle):
 * cb, and zeros. */
WINBASEAPI VOID WINAPI GetStartupInfoA(LPSTARTUPINFOA si)
{
    memset(si, 0, sizeof *si);
    si->cb = sizeof *si;
}

WINBASEAPI VOID WINAPI GetStartupInfoW(LPSTARTUPINFOW si)
{
    memset(si, 0, sizeof *si);
    si->cb = sizeof *si;
}

/* ---- GetFileType ------------------------------------------------------------- */

/* FILE_TYPE_UNKNOWN and the last error on failure; a known type leaves the
 * last error alone, an unknown one of a good handle sets ERROR_SUCCESS (so
 * that the caller can tell, as the docs say). */
WINBASEAPI DWORD WINAPI GetFileType(HANDLE h)
{
    uint32_t type;
    int r = shmap_file_type(NATIVE(h), &type);
    if (r) {
        shmap_w32__fail(r == -EACCES ? -EBADF : r);
        return FILE_TYPE_UNKNOWN;
    }
    if (type == SHMAP_FILE_TYPE_UNKNOWN)
        SetLastError(ERROR_SUCCESS);
    return type;
}
