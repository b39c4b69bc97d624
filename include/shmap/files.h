/*
 * shmap/files.h - files beyond what mappings need: share modes, byte-range
 * locks, attributes, anonymous pipes.  The basic calls (shmap_file_open,
 * read, write, seek...) are in shmap.h.
 *
 * Share modes: shmap_file_open's share argument (FILE_SHARE_*) is enforced
 * against every open description of the file, in any process, as Windows
 * does (a conflict is SHMAP_ESHARING); see docs/DESIGN.md §8.
 */
#ifndef SHMAP_FILES_H
#define SHMAP_FILES_H

#include <stdint.h>

#include "shmap/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* FILE_SHARE_* */
#define SHMAP_FILE_SHARE_READ 0x1u
#define SHMAP_FILE_SHARE_WRITE 0x2u
#define SHMAP_FILE_SHARE_DELETE 0x4u

#ifdef __cplusplus
}
#endif
#endif
