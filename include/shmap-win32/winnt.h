/* winnt.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_WINNT_H
#define SHMAP_WINNT_H
#include "windows.h"
#endif
