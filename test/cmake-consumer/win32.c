/* A Win32 program built through find_package(shmap) and shmap::win32. */
#include <windows.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    HANDLE h = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096,
                                  "Local\\cmake-consumer-win32");
    if (h == NULL) {
        printf("CreateFileMapping: error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    char *p = MapViewOfFile(h, FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (p == NULL) {
        printf("MapViewOfFile: error %lu\n", (unsigned long)GetLastError());
        return 1;
    }
    strcpy(p, "win32");
    printf("%s\n", p);
    /* a second create of the name opens it: ERROR_ALREADY_EXISTS */
    HANDLE h2 = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096,
                                   "Local\\cmake-consumer-win32");
    int ok = h2 != NULL && GetLastError() == ERROR_ALREADY_EXISTS;
    CloseHandle(h2);
    UnmapViewOfFile(p);
    CloseHandle(h);
    return ok ? 0 : 1;
}
