/*
 * second.c - the second process of Microsoft's "Creating Named Shared
 * Memory" sample, built for Windows (mingw, run under `shmap wine`) and
 * natively (the Win32 face): opens Local\MyFileMappingObject and prints
 * the message (the sample shows it in a MessageBox).
 */
#include <windows.h>
#include <stdio.h>

#define BUF_SIZE 256
static char szName[] = "Local\\MyFileMappingObject";

int main(void)
{
    HANDLE hMapFile = OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, szName);
    if (hMapFile == NULL) {
        printf("Could not open file mapping object (%lu).\n", (unsigned long)GetLastError());
        return 1;
    }
    char *pBuf = (char *)MapViewOfFile(hMapFile, FILE_MAP_ALL_ACCESS, 0, 0, BUF_SIZE);
    if (pBuf == NULL) {
        printf("Could not map view of file (%lu).\n", (unsigned long)GetLastError());
        CloseHandle(hMapFile);
        return 1;
    }
    printf("%.*s\n", BUF_SIZE, pBuf);
    UnmapViewOfFile(pBuf);
    CloseHandle(hMapFile);
    return 0;
}
