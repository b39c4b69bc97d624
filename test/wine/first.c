/*
 * first.c - the first process of Microsoft's "Creating Named Shared Memory"
 * sample, built for Windows (mingw, run under `shmap wine`) and natively
 * (the Win32 face): creates Local\MyFileMappingObject, writes the message,
 * holds it until a line (or the end) on stdin.  Two changes to the sample:
 * Local\ instead of Global\, and stdin instead of a key press (_getch needs
 * a console).  It says what CreateFileMapping reported (0, or 183 when the
 * object existed: the bridge made it first).
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#define BUF_SIZE 256
static char szName[] = "Local\\MyFileMappingObject";
static char szMsg[] = "Message from first process.";

int main(void)
{
    HANDLE hMapFile =
        CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, BUF_SIZE, szName);
    if (hMapFile == NULL) {
        printf("Could not create file mapping object (%lu).\n", (unsigned long)GetLastError());
        return 1;
    }
    DWORD created = GetLastError();
    char *pBuf = (char *)MapViewOfFile(hMapFile, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (pBuf == NULL) {
        printf("Could not map view of file (%lu).\n", (unsigned long)GetLastError());
        CloseHandle(hMapFile);
        return 1;
    }
    CopyMemory(pBuf, szMsg, strlen(szMsg) + 1);
    printf("Created (%lu); press Enter to exit.\n", (unsigned long)created);
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof line, stdin))
        line[0] = 0;
    UnmapViewOfFile(pBuf);
    CloseHandle(hMapFile);
    return 0;
}
