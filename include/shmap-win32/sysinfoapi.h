/* sysinfoapi.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_SYSINFOAPI_H
#define SHMAP_SYSINFOAPI_H
#include "windows.h"
#endif
