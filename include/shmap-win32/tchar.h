/* tchar.h - generic-text mappings (UNICODE / _UNICODE select wide). */
#ifndef SHMAP_TCHAR_H
#define SHMAP_TCHAR_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include "windows.h"
#if defined(_UNICODE) || defined(UNICODE)
#ifndef _T
#define _T(x) L##x
#endif
#define _TEXT(x) L##x
#define _tprintf wprintf
#define _ftprintf fwprintf
#define _stprintf swprintf
#define _sntprintf swprintf
#define _tcslen wcslen
#define _tcscpy wcscpy
#define _tcsncpy wcsncpy
#define _tcscat wcscat
#define _tcscmp wcscmp
#define _tcsncmp wcsncmp
#define _tcschr wcschr
#define _tcsstr wcsstr
#define _tcstol wcstol
#define _tcstoul wcstoul
#define _ttoi(s) ((int)wcstol((s), NULL, 10))
#define _tmain wmain
#define _fgetts fgetws
#define _puttchar putwchar
typedef wchar_t _TCHAR;
#else
#ifndef _T
#define _T(x) x
#endif
#define _TEXT(x) x
#define _tprintf printf
#define _ftprintf fprintf
#define _stprintf sprintf
#define _sntprintf snprintf
#define _tcslen strlen
#define _tcscpy strcpy
#define _tcsncpy strncpy
#define _tcscat strcat
#define _tcscmp strcmp
#define _tcsncmp strncmp
#define _tcschr strchr
#define _tcsstr strstr
#define _tcstol strtol
#define _tcstoul strtoul
#define _ttoi atoi
#define _tmain main
#define _fgetts fgets
#define _puttchar putchar
typedef char _TCHAR;
#endif
#endif
