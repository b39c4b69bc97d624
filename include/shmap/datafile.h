/*
 * shmap/datafile.h - where a section's data lies in the file system, for
 * programs that map it by path (Wine: CreateFileW on the path through
 * drive Z:, then CreateFileMappingW; docs/DESIGN.md §6).
 *
 * A named pagefile section keeps its data at offset 0 of a data file of
 * its own in the namespace directory (".d" and 32 hex digits; not an
 * object: listings skip it), which lives exactly as long as the section's
 * name.  A file-backed section's data is its file.  An unnamed pagefile
 * section's data shares a file with its header: it has no such path.
 */
#ifndef SHMAP_DATAFILE_H
#define SHMAP_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

#include "shmap/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The absolute path of the file that holds byte 0 of the section's data
 * (into path, len bytes with the NUL) and that byte's offset in it (*offset):
 * a named pagefile section: its data file, offset 0; a file-backed section:
 * the path of its file as recorded at creation, offset 0.  Needs
 * SECTION_QUERY.
 * Errors: -EBADF (not a handle), SHMAP_ETYPE (not a section), -EACCES (no
 * SECTION_QUERY), -ENOTSUP (an unnamed pagefile section), -ENOENT (the
 * name is gone: released at exit), -ENAMETOOLONG (len too small: nothing
 * written), -EFAULT (path or offset not writable). */
SHMAP_EXTERN int shmap_mapping_data_file(shmap_handle_t section, char *path, size_t len,
                                         uint64_t *offset);

#ifdef __cplusplus
}
#endif

#endif
