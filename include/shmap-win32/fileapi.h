/* fileapi.h - part of the Win32 face of shmap: everything is in windows.h. */
#ifndef SHMAP_FILEAPI_H
#define SHMAP_FILEAPI_H
#include "windows.h"
#endif
