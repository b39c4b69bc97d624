/* minwinbase.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_MINWINBASE_H
#define SHMAP_MINWINBASE_H
#include "windows.h"
#endif
