/* windef.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_WINDEF_H
#define SHMAP_WINDEF_H
#include "windows.h"
#endif
