/* processthreadsapi.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_PROCESSTHREADSAPI_H
#define SHMAP_PROCESSTHREADSAPI_H
#include "windows.h"
#endif
