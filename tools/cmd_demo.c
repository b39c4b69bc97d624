/*
 * cmd_demo.c - shmap demo: the seeds' example in two real processes, with
 * the Win32 calls a Windows program would make.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define BUF_SIZE 256
static const char message[] = "Message from first process.";

static int win32_fail(const char *call)
{
    DWORD e = GetLastError();
    fprintf(stderr, "shmap demo: %s failed: %s (%lu)\n", call, cli_win32_name(e), (unsigned long)e);
    return 1;
}

/* Start "<this program> __demo-second NAME" with its output in a pipe. */
static pid_t start_second(const char *name, int *out)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl("/proc/self/exe", "shmap", "__demo-second", name, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    *out = p[0];
    return pid;
}

int cmd_demo(int argc, char **argv)
{
    (void)argv;
    if (argc) {
        fprintf(stderr, "usage: shmap demo\n");
        return 2;
    }
    char name[64];
    snprintf(name, sizeof name, "Local\\shmap-demo-%d", (int)getpid());
    printf("[first  %d] CreateFileMapping(INVALID_HANDLE_VALUE, PAGE_READWRITE, %d, \"%s\")\n",
           (int)getpid(), BUF_SIZE, name);
    HANDLE map = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, BUF_SIZE, name);
    if (!map)
        return win32_fail("CreateFileMapping");
    char *view = MapViewOfFile(map, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (!view)
        return win32_fail("MapViewOfFile");
    CopyMemory(view, message, sizeof message);
    printf("[first  %d] wrote \"%s\" into the view\n", (int)getpid(), message);
    fflush(stdout);
    int out;
    pid_t pid = start_second(name, &out);
    if (pid < 0)
        return win32_fail("fork");
    char got[512] = "";
    size_t n = 0;
    ssize_t r;
    while (n < sizeof got - 1 && (r = read(out, got + n, sizeof got - 1 - n)) > 0)
        n += (size_t)r;
    got[n] = 0;
    close(out);
    int st;
    waitpid(pid, &st, 0);
    fputs(got, stdout);
    UnmapViewOfFile(view);
    CloseHandle(map);
    bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(got, message);
    printf("[first  %d] %s; closed the last handle, the name is gone\n", (int)getpid(),
           ok ? "the second process read the message" : "the second process FAILED");
    return ok ? 0 : 1;
}

int cmd_demo_second(int argc, char **argv)
{
    if (argc != 1)
        return 2;
    printf("[second %d] OpenFileMapping(FILE_MAP_READ, \"%s\")\n", (int)getpid(), argv[0]);
    HANDLE map = OpenFileMappingA(FILE_MAP_READ, FALSE, argv[0]);
    if (!map)
        return win32_fail("OpenFileMapping");
    const char *view = MapViewOfFile(map, FILE_MAP_READ, 0, 0, BUF_SIZE);
    if (!view)
        return win32_fail("MapViewOfFile");
    printf("[second %d] read: %s\n", (int)getpid(), view);
    UnmapViewOfFile(view);
    CloseHandle(map);
    return 0;
}
