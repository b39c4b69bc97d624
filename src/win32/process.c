/*
 * process.c - CreateProcess, OpenProcess, exit codes, TerminateProcess,
 * ExitProcess, GetStdHandle over shmap_process_* (src/proc/process.c,
 * src/proc/spawn.c).  Only conversions here: strings, the environment block,
 * STARTUPINFO, error codes.
 */
#include <errno.h>
#include <stdlib.h>
#include <wchar.h>
#include <string.h>

#include "w32.h"

/* An environment block ("a=b\0c=d\0\0") as an array; wide: UTF-16 strings. */
static int env_array(const void *block, BOOL wide, char ***out)
{
    *out = NULL;
    if (!block)
        return 0;
    size_t n = 0;
    if (wide)
        for (const WCHAR *p = block; *p; p += wcslen((const wchar_t *)p) + 1)
            n++;
    else
        for (const char *p = block; *p; p += strlen(p) + 1)
            n++;
    char **v = calloc(n + 1, sizeof *v);
    if (!v)
        return -ENOMEM;
    size_t i = 0;
    if (wide) {
        for (const WCHAR *p = block; *p; p += wcslen((const wchar_t *)p) + 1) {
            int r = shmap_w32__utf8((const wchar_t *)p, &v[i]);
            if (r) {
                while (i)
                    free(v[--i]);
                free(v);
                return r;
            }
            i++;
        }
    } else {
        for (const char *p = block; *p; p += strlen(p) + 1)
            v[i++] = (char *)p;
    }
    *out = v;
    return 0;
}

static void env_free(char **envp, DWORD flags)
{
    if (envp && (flags & CREATE_UNICODE_ENVIRONMENT))
        for (char **p = envp; *p; p++)
            free(*p);
    free(envp);
}

/* Windows writes the PROCESS_INFORMATION and reads the SECURITY_ATTRIBUTES
 * after the process exists (a bad one faults in the caller with a child
 * running); here they are checked before anything starts (998). */
static BOOL create(const char *app, const char *cmdline, LPSECURITY_ATTRIBUTES pa,
                   LPSECURITY_ATTRIBUTES ta, BOOL inherit, DWORD flags, char **envp,
                   const char *cwd, DWORD si_flags, HANDLE std_in, HANDLE std_out, HANDLE std_err,
                   LPPROCESS_INFORMATION pi)
{
    unsigned pflags = 0, tflags = 0;
    if (W32_BAD_OUT(pi) || shmap_w32__inherit(pa, &pflags) || shmap_w32__inherit(ta, &tflags))
        return shmap_w32__ok(-EFAULT);
    if (!app && !cmdline)
        return shmap_w32__ok(-EINVAL);
    shmap_spawn_t sp = {.path = app,
                        .cmdline = cmdline ? cmdline : app,
                        .envp = envp,
                        .cwd = cwd,
                        .inherit_handles = inherit != 0,
                        .sflags = flags & (CREATE_SUSPENDED | CREATE_BREAKAWAY_FROM_JOB)};
    if (si_flags & STARTF_USESTDHANDLES) {
        sp.sflags |= SHMAP_SPAWN_STDIO;
        sp.stdio[0] = NATIVE(std_in);
        sp.stdio[1] = NATIVE(std_out);
        sp.stdio[2] = NATIVE(std_err);
        for (int i = 0; i < 3; i++)
            if (sp.stdio[i] == NATIVE(INVALID_HANDLE_VALUE))
                sp.stdio[i] = SHMAP_NULL_HANDLE;
    }
    shmap_handle_t hp, ht;
    uint32_t pid;
    int r = shmap_process_create(&sp, 0, &hp, &ht, &pid);
    if (r == 0) { /* each handle inheritable as its SECURITY_ATTRIBUTES says */
        if (pflags)
            shmap_handle_set_flags(hp, SHMAP_HANDLE_INHERIT, SHMAP_HANDLE_INHERIT);
        if (tflags)
            shmap_handle_set_flags(ht, SHMAP_HANDLE_INHERIT, SHMAP_HANDLE_INHERIT);
        PROCESS_INFORMATION out = {WIN(hp), WIN(ht), pid, pid};
        memcpy(pi, &out, sizeof out);
    }
    return shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI CreateProcessA(LPCSTR app, LPSTR cmdline, LPSECURITY_ATTRIBUTES pa,
                                      LPSECURITY_ATTRIBUTES ta, BOOL inherit, DWORD flags,
                                      LPVOID env, LPCSTR cwd, LPSTARTUPINFOA si,
                                      LPPROCESS_INFORMATION pi)
{
    STARTUPINFOA s;
    if (shmap__probe_read(si, sizeof s))
        return shmap_w32__ok(-EFAULT);
    memcpy(&s, si, sizeof s);
    char **envp;
    int r = env_array(env, (flags & CREATE_UNICODE_ENVIRONMENT) != 0, &envp);
    if (r)
        return shmap_w32__ok(r);
    BOOL ok = create(app, cmdline, pa, ta, inherit, flags, envp, cwd, s.dwFlags, s.hStdInput,
                     s.hStdOutput, s.hStdError, pi);
    env_free(envp, flags);
    return ok;
}

WINBASEAPI BOOL WINAPI CreateProcessW(LPCWSTR app, LPWSTR cmdline, LPSECURITY_ATTRIBUTES pa,
                                      LPSECURITY_ATTRIBUTES ta, BOOL inherit, DWORD flags,
                                      LPVOID env, LPCWSTR cwd, LPSTARTUPINFOW si,
                                      LPPROCESS_INFORMATION pi)
{
    STARTUPINFOW s;
    if (shmap__probe_read(si, sizeof s))
        return shmap_w32__ok(-EFAULT);
    memcpy(&s, si, sizeof s);
    char *a = NULL, *c = NULL, *d = NULL, **envp = NULL;
    int r = shmap_w32__utf8((const wchar_t *)app, &a);
    if (r == 0)
        r = shmap_w32__utf8((const wchar_t *)cmdline, &c);
    if (r == 0)
        r = shmap_w32__utf8((const wchar_t *)cwd, &d);
    if (r == 0)
        r = env_array(env, (flags & CREATE_UNICODE_ENVIRONMENT) != 0, &envp);
    BOOL ok = r == 0 ? create(a, c, pa, ta, inherit, flags, envp, d, s.dwFlags, s.hStdInput,
                              s.hStdOutput, s.hStdError, pi)
                     : shmap_w32__ok(r);
    env_free(envp, flags);
    free(a);
    free(c);
    free(d);
    return ok;
}

WINBASEAPI HANDLE WINAPI OpenProcess(DWORD access, BOOL inherit, DWORD pid)
{
    shmap_handle_t h;
    int r = shmap_process_open(pid, access, inherit ? SHMAP_INHERIT : 0, &h);
    if (r) {
        shmap_w32__fail(r);
        return NULL;
    }
    return WIN(h);
}

WINBASEAPI DWORD WINAPI GetProcessId(HANDLE h)
{
    uint32_t pid;
    int r = shmap_process_id(NATIVE(h), &pid);
    if (r) {
        shmap_w32__fail(r);
        return 0;
    }
    return pid;
}

WINBASEAPI BOOL WINAPI GetExitCodeProcess(HANDLE h, LPDWORD code)
{
    uint32_t c;
    int r = shmap_process_exit_code(NATIVE(h), &c); /* the handle first, as kernelbase */
    if (r == 0 && W32_BAD_OUT(code))
        r = -EFAULT;
    if (r == 0)
        W32_PUT(code, c);
    return r ? shmap_w32__ok(r) : TRUE;
}

WINBASEAPI BOOL WINAPI TerminateProcess(HANDLE h, UINT code)
{
    int r = shmap_process_terminate(NATIVE(h), code);
    return r ? shmap_w32__ok(r) : TRUE;
}

WINBASEAPI VOID WINAPI ExitProcess(UINT code)
{
    shmap_process_exit(code);
}

int shmap_w32__std_index(DWORD which)
{
    return which == STD_INPUT_HANDLE    ? 0
           : which == STD_OUTPUT_HANDLE ? 1
           : which == STD_ERROR_HANDLE  ? 2
                                        : -1;
}

WINBASEAPI HANDLE WINAPI GetStdHandle(DWORD which)
{
    int i = shmap_w32__std_index(which);
    if (i < 0) {
        SetLastError(ERROR_INVALID_HANDLE);
        return INVALID_HANDLE_VALUE;
    }
    shmap_handle_t h;
    int r = shmap_std_handle(i, &h);
    if (r) {
        shmap_w32__fail(r);
        return INVALID_HANDLE_VALUE;
    }
    return WIN(h);
}
