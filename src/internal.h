/*
 * internal.h - every layer's internal header at once, for the tests, the
 * fuzz targets and lifecycle.c (the top).  The library's own files include
 * their layer's header instead (src/X/X.h), which includes the layers
 * below it and never one above: docs/DESIGN.md §0.
 */
#ifndef SHMAP_INTERNAL_H
#define SHMAP_INTERNAL_H

#include "proc/proc.h"

#endif
