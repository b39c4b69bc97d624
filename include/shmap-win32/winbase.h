/* winbase.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_WINBASE_H
#define SHMAP_WINBASE_H
#include "windows.h"
#endif
