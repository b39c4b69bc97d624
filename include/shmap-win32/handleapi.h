/* handleapi.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_HANDLEAPI_H
#define SHMAP_HANDLEAPI_H
#include "windows.h"
#endif
