/*
 * evtool.c - a script of event operations, run in order, built for Windows
 * (mingw, under `shmap wine`) and natively (the Win32 face):
 *
 *   evtool OP NAME [OP NAME]...   with OP one of
 *     wait   wait for NAME (10 s at most: exit 3)
 *     set    SetEvent(NAME)
 *     reset  ResetEvent(NAME)
 *     is1    NAME is signalled (WaitForSingleObject 0; exit 4 if not)
 *     is0    NAME is not signalled (exit 4 if it is)
 *     sleep  Sleep(NAME milliseconds)
 *
 * Events are opened with CreateEvent(manual-reset, not signalled): an
 * existing event keeps its own kind.  Names are used as given.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *op = argv[i], *name = argv[i + 1];
        if (!strcmp(op, "sleep")) {
            Sleep((DWORD)atol(name));
            continue;
        }
        HANDLE h = CreateEventA(NULL, TRUE, FALSE, name);
        if (!h) {
            printf("evtool: CreateEvent %s: %lu\n", name, (unsigned long)GetLastError());
            return 1;
        }
        DWORD w = 0;
        int bad = 0;
        if (!strcmp(op, "wait"))
            bad = (w = WaitForSingleObject(h, 10000)) != WAIT_OBJECT_0 ? 3 : 0;
        else if (!strcmp(op, "set"))
            bad = !SetEvent(h);
        else if (!strcmp(op, "reset"))
            bad = !ResetEvent(h);
        else if (!strcmp(op, "is1"))
            bad = WaitForSingleObject(h, 0) != WAIT_OBJECT_0 ? 4 : 0;
        else if (!strcmp(op, "is0"))
            bad = WaitForSingleObject(h, 0) != WAIT_TIMEOUT ? 4 : 0;
        else
            bad = 2;
        printf("evtool: %s %s: %s\n", op, name, bad ? "failed" : "ok");
        fflush(stdout);
        /* the handle stays open: the event lives while the script runs */
        if (bad)
            return bad;
    }
    return 0;
}
