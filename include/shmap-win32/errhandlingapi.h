/* errhandlingapi.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_ERRHANDLINGAPI_H
#define SHMAP_ERRHANDLINGAPI_H
#include "windows.h"
#endif
