/*
 * w32child.h - helpers of the test binary started as Win32 child processes
 * ("<self> --helper NAME args" through CreateProcess), and the helper
 * "sleeper", a member that only waits to be killed.  For the tests of
 * processes, jobs and completion ports; include after harness.h and
 * <windows.h>.
 */
#ifndef SHMAP_TEST_W32CHILD_H
#define SHMAP_TEST_W32CHILD_H

#include <stdio.h>
#include <string.h>

/* CreateProcess of "<self> --helper args" */
static inline BOOL start_helper(const char *args, BOOL inherit, DWORD flags,
                                PROCESS_INFORMATION *pi)
{
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "\"%s\" --helper %s", test_self(), args);
    return CreateProcessA(NULL, cmd, NULL, NULL, inherit, flags, NULL, NULL, &si, pi);
}

static inline void close_pi(PROCESS_INFORMATION *pi)
{
    ASSERT_TRUE(CloseHandle(pi->hThread));
    ASSERT_TRUE(CloseHandle(pi->hProcess));
}

HELPER(sleeper)
{
    (void)argc;
    (void)argv;
    for (;;)
        Sleep(1000);
    return 0;
}

#endif
