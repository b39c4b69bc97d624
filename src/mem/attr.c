/*
 * attr.c - file attributes by path (GetFileAttributes(Ex),
 * SetFileAttributes): what a Linux file's stat says of Windows' attributes.
 *
 * READONLY is "no write permission bit"; DIRECTORY is a directory; any
 * other file is ARCHIVE, as a new file is on Windows.  HIDDEN, SYSTEM,
 * TEMPORARY and the rest have nowhere to be kept.
 */
#include "mem.h"
#include "base/probe.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* Windows tells a missing file (ERROR_FILE_NOT_FOUND) from a missing
 * directory on the way (ERROR_PATH_NOT_FOUND); Linux says ENOENT for both. */
static int not_found(const char *path, int e)
{
    if (e == ENOTDIR)
        return SHMAP_EPATH;
    if (e != ENOENT)
        return e == EPERM ? -EACCES : -e;
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return -ENOENT;
    char *dir = strndup(path, (size_t)(slash - path));
    if (!dir)
        return -ENOMEM;
    struct stat st;
    int r = SYS(fstatat)(AT_FDCWD, dir, &st, 0) == 0 && S_ISDIR(st.st_mode) ? -ENOENT : SHMAP_EPATH;
    free(dir);
    return r;
}

static int64_t ns(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

SHMAP_EXTERN int shmap_file_attributes(const char *path, shmap_file_info_t *info)
{
    if (!path || !*path)
        return -EINVAL;
    if (info && SHMAP_PROBE_OUT(info))
        return -EFAULT;
    struct stat st;
    if (SYS(fstatat)(AT_FDCWD, path, &st, 0) != 0)
        return not_found(path, errno);
    if (!info)
        return 0;
    uint32_t a =
        S_ISDIR(st.st_mode) ? SHMAP_FILE_ATTRIBUTE_DIRECTORY : SHMAP_FILE_ATTRIBUTE_ARCHIVE;
    if (!(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
        a |= SHMAP_FILE_ATTRIBUTE_READONLY;
    *info = (shmap_file_info_t){.attributes = a,
                                .size = S_ISDIR(st.st_mode) ? 0 : (uint64_t)st.st_size,
                                .ctime_ns = ns(st.st_ctim),
                                .atime_ns = ns(st.st_atim),
                                .mtime_ns = ns(st.st_mtim)};
    return 0;
}

SHMAP_EXTERN int shmap_file_set_attributes(const char *path, uint32_t attributes)
{
    if (!path || !*path)
        return -EINVAL;
    struct stat st;
    if (SYS(fstatat)(AT_FDCWD, path, &st, 0) != 0)
        return not_found(path, errno);
    mode_t m = st.st_mode & 07777;
    mode_t want = (attributes & SHMAP_FILE_ATTRIBUTE_READONLY)
                      ? (m & ~(mode_t)(S_IWUSR | S_IWGRP | S_IWOTH))
                  : (m & (S_IWUSR | S_IWGRP | S_IWOTH)) ? m
                                                        : (m | S_IWUSR);
    if (want == m)
        return 0;
    /* fchmodat is not in the system-call table (base/sys.c): no fault
     * injection for it */
    if (fchmodat(AT_FDCWD, path, want, 0) != 0)
        return not_found(path, errno);
    return 0;
}
