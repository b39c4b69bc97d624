/*
 * shmap/version.h - version of the headers.
 *
 * ABI rule: within one SHMAP_VERSION_MAJOR, symbols are only added, never
 * removed or changed; the shared library's SONAME is libshmap.so.MAJOR.
 * The on-disk object format has its own version (see docs/DESIGN.md) and is
 * checked at run time, so a mismatched build refuses instead of corrupting.
 */
#ifndef SHMAP_VERSION_H
#define SHMAP_VERSION_H

#define SHMAP_VERSION_MAJOR 0
#define SHMAP_VERSION_MINOR 1
#define SHMAP_VERSION_PATCH 0
#define SHMAP_VERSION_STRING "0.1.0"
#define SHMAP_VERSION_HEX                                                                          \
    ((SHMAP_VERSION_MAJOR << 16) | (SHMAP_VERSION_MINOR << 8) | SHMAP_VERSION_PATCH)

#endif
