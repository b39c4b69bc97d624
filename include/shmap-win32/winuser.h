/* winuser.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_WINUSER_H
#define SHMAP_WINUSER_H
#include "windows.h"
#endif
