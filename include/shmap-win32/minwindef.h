/* minwindef.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_MINWINDEF_H
#define SHMAP_MINWINDEF_H
#include "windows.h"
#endif
