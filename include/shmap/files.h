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

/* File rights that shmap/types.h does not name. */
#define SHMAP_FILE_READ_EA 0x0008u
#define SHMAP_FILE_WRITE_EA 0x0010u

/* FILE_SHARE_* */
#define SHMAP_FILE_SHARE_READ 0x1u
#define SHMAP_FILE_SHARE_WRITE 0x2u
#define SHMAP_FILE_SHARE_DELETE 0x4u

/* Byte-range locks (LockFileEx).  flags: SHMAP_LOCK_EXCLUSIVE
 * (LOCKFILE_EXCLUSIVE_LOCK), SHMAP_LOCK_FAIL_IMMEDIATELY
 * (LOCKFILE_FAIL_IMMEDIATELY; without it the call waits for other file
 * objects' conflicting locks to go).  Locks belong to the file object (the
 * CreateFile and the handles duplicated or inherited from it); they do not
 * merge.  An exclusive lock conflicts with every other lock, the object's
 * own included; a shared one with other objects' exclusive locks.  While
 * locked, reads and writes of other objects into an exclusive range, and
 * writes of anyone into a shared range, fail with SHMAP_ELOCKED.  Locks
 * at or above 2^61 - 16 bind the object's own handles only (docs/DESIGN.md
 * §8); a zero-length lock likewise.
 * Errors: -EBADF (not a file handle), -EACCES (the handle has neither
 * FILE_READ_DATA nor FILE_WRITE_DATA), -EINVAL (range past 2^64),
 * SHMAP_ELOCKED (conflict), -ENOMEM.  Thread-safe; a waiting lock holds up
 * the other calls on the same file object of this process. */
#define SHMAP_LOCK_FAIL_IMMEDIATELY 0x1u
#define SHMAP_LOCK_EXCLUSIVE 0x2u
SHMAP_EXTERN int shmap_file_lock(shmap_handle_t h, uint64_t offset, uint64_t length,
                                 unsigned flags);
/* Remove the lock of exactly [offset, offset+length) (the exclusive one
 * first).  Errors: -EBADF, -EACCES, SHMAP_ENOTLOCKED. */
SHMAP_EXTERN int shmap_file_unlock(shmap_handle_t h, uint64_t offset, uint64_t length);

/* Anonymous pipes (CreatePipe): two file handles, *rd for reading and *wr
 * for writing; flags: SHMAP_INHERIT (both).  size: a hint for the pipe's
 * capacity (0: the default).  Reading a pipe that is empty and has no
 * writer left fails with SHMAP_EBROKENPIPE; writing a pipe without reader
 * fails with -EPIPE (no SIGPIPE).  Errors: -EFAULT, -EMFILE, -ENOMEM. */
SHMAP_EXTERN int shmap_pipe_create(shmap_handle_t *rd, shmap_handle_t *wr, uint32_t size,
                                   unsigned flags);
/* PeekNamedPipe: copy up to len bytes (buf may be NULL) without taking
 * them; *read the bytes copied, *avail the bytes in the pipe, *left 0 (a
 * byte pipe).  Each output may be NULL.  Errors: -EBADF (not a pipe
 * handle), -EACCES (no FILE_READ_DATA: the write end), SHMAP_EBROKENPIPE
 * (empty and no writer left). */
SHMAP_EXTERN int shmap_pipe_peek(shmap_handle_t h, void *buf, uint32_t len, uint32_t *read,
                                 uint32_t *avail, uint32_t *left);
/* SetStdHandle: which 0, 1, 2 (input, output, error); shmap_std_handle
 * returns h from then on, whatever it is.  Errors: -EINVAL (which). */
SHMAP_EXTERN int shmap_std_handle_set(int which, shmap_handle_t h);

/* File attributes, as Linux keeps them: FILE_ATTRIBUTE_DIRECTORY,
 * FILE_ATTRIBUTE_READONLY (no write permission bit at all), and for other
 * files FILE_ATTRIBUTE_ARCHIVE (what a new Windows file has).  The others
 * are not kept: setting them is accepted and changes nothing. */
#define SHMAP_FILE_ATTRIBUTE_READONLY 0x1u
#define SHMAP_FILE_ATTRIBUTE_DIRECTORY 0x10u
#define SHMAP_FILE_ATTRIBUTE_ARCHIVE 0x20u
typedef struct shmap_file_info {
    uint32_t attributes;
    uint64_t size;
    int64_t ctime_ns, atime_ns, mtime_ns; /* since 1970, nanoseconds */
} shmap_file_info_t;
/* GetFileAttributesEx (info may be NULL).  Errors: -ENOENT (the file),
 * SHMAP_EPATH (a directory of the path is missing or not a directory),
 * -EACCES, -EINVAL (NULL or empty path), -ENAMETOOLONG. */
SHMAP_EXTERN int shmap_file_attributes(const char *path, shmap_file_info_t *info);
/* SetFileAttributes: READONLY takes every write permission bit away, its
 * absence gives the owner's back.  Errors: as shmap_file_attributes, and
 * -EPERM (not the owner) as -EACCES. */
SHMAP_EXTERN int shmap_file_set_attributes(const char *path, uint32_t attributes);

#ifdef __cplusplus
}
#endif
#endif
