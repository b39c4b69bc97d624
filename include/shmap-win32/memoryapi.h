/* memoryapi.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_MEMORYAPI_H
#define SHMAP_MEMORYAPI_H
#include "windows.h"
#endif
