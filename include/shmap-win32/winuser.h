/*
 * winuser.h - part of the Win32 face of shmap: the ShowWindow codes
 * (STARTUPINFO.wShowWindow).  windows.h includes it (the MessageBox
 * values are there).  Values as Windows.
 */
#ifndef SHMAP_WINUSER_H
#define SHMAP_WINUSER_H
#include "windows.h"

#define SW_HIDE 0
#define SW_SHOWNORMAL 1
#define SW_NORMAL 1
#define SW_SHOWMINIMIZED 2
#define SW_SHOWMAXIMIZED 3
#define SW_MAXIMIZE 3
#define SW_SHOWNOACTIVATE 4
#define SW_SHOW 5
#define SW_MINIMIZE 6
#define SW_SHOWMINNOACTIVE 7
#define SW_SHOWNA 8
#define SW_RESTORE 9
#define SW_SHOWDEFAULT 10
#define SW_FORCEMINIMIZE 11
#define SW_MAX 11

#endif
