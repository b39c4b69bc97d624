/*
 * error.c - the native-to-Win32 error table and the per-thread last error.
 */
#include <errno.h>

#include "w32.h"

/* native code, Win32 code */
#define SHMAP_W32_ERRORS(X)                                                                        \
    X(-ENOENT, ERROR_FILE_NOT_FOUND)                                                               \
    X(-ENOTDIR, ERROR_PATH_NOT_FOUND)                                                              \
    X(-EMFILE, ERROR_TOO_MANY_OPEN_FILES)                                                          \
    X(-ENFILE, ERROR_TOO_MANY_OPEN_FILES)                                                          \
    X(-EACCES, ERROR_ACCESS_DENIED)                                                                \
    X(-EPERM, ERROR_ACCESS_DENIED)                                                                 \
    X(-EROFS, ERROR_ACCESS_DENIED)                                                                 \
    X(-EISDIR, ERROR_ACCESS_DENIED)                                                                \
    X(-EBADF, ERROR_INVALID_HANDLE)                                                                \
    X(-ENOMEM, ERROR_NOT_ENOUGH_MEMORY)                                                            \
    X(-EINVAL, ERROR_INVALID_PARAMETER)                                                            \
    X(-ENOSPC, ERROR_DISK_FULL)                                                                    \
    X(-EDQUOT, ERROR_DISK_FULL)                                                                    \
    X(-EFBIG, ERROR_DISK_FULL)                                                                     \
    X(-ENAMETOOLONG, ERROR_FILENAME_EXCED_RANGE)                                                   \
    X(-EEXIST, ERROR_ALREADY_EXISTS)                                                               \
    X(-EFAULT, ERROR_NOACCESS)                                                                     \
    X(-EIO, ERROR_IO_DEVICE)                                                                       \
    X(-ENOSYS, ERROR_NOT_SUPPORTED)                                                                \
    X(-EOPNOTSUPP, ERROR_NOT_SUPPORTED)                                                            \
    X(-ESPIPE, ERROR_NEGATIVE_SEEK)                                                                \
    X(-EAGAIN, ERROR_BUSY)                                                                         \
    X(-ETIMEDOUT, ERROR_TIMEOUT)                                                                   \
    X(SHMAP_ETYPE, ERROR_INVALID_HANDLE)                                                           \
    X(SHMAP_EPATH, ERROR_PATH_NOT_FOUND)                                                           \
    X(SHMAP_EBADPATH, ERROR_BAD_PATHNAME)                                                          \
    X(SHMAP_EBADNAME, ERROR_INVALID_NAME)                                                          \
    X(SHMAP_EALIGN, ERROR_MAPPED_ALIGNMENT)                                                        \
    X(SHMAP_EADDR, ERROR_INVALID_ADDRESS)                                                          \
    X(SHMAP_EVIEWSIZE, ERROR_ACCESS_DENIED)                                                        \
    X(SHMAP_ETOOBIG, ERROR_NOT_ENOUGH_MEMORY)                                                      \
    X(SHMAP_EFILEEMPTY, ERROR_FILE_INVALID)                                                        \
    X(SHMAP_EBADEXE, ERROR_BAD_EXE_FORMAT)                                                         \
    X(SHMAP_EMAPPED, ERROR_USER_MAPPED_FILE)                                                       \
    X(SHMAP_ECOMMIT, ERROR_COMMITMENT_LIMIT)                                                       \
    X(SHMAP_EBADOBJ, ERROR_FILE_INVALID)                                                           \
    X(SHMAP_EPROTECT, ERROR_INVALID_PARAMETER)                                                     \
    X(SHMAP_EPRIV, ERROR_PRIVILEGE_NOT_HELD)                                                       \
    X(SHMAP_ENOTOWNER, ERROR_NOT_OWNER)                                                            \
    X(SHMAP_ETOOMANYPOSTS, ERROR_TOO_MANY_POSTS)                                                   \
    X(SHMAP_ESHARING, ERROR_SHARING_VIOLATION)                                                     \
    X(SHMAP_EFILEEXISTS, ERROR_FILE_EXISTS)                                                        \
    X(SHMAP_ENOTSUP, ERROR_NOT_SUPPORTED)                                                          \
    X(SHMAP_ENOACCESS, ERROR_NOACCESS)                                                             \
    X(SHMAP_EDIRECTORY, ERROR_DIRECTORY)                                                           \
    X(SHMAP_EQUOTA, ERROR_NOT_ENOUGH_QUOTA)                                                        \
    X(SHMAP_EMOREDATA, ERROR_MORE_DATA)                                                            \
    X(SHMAP_EBADSD, ERROR_INVALID_SECURITY_DESCR)                                                  \
    X(SHMAP_EBADACL, ERROR_INVALID_ACL)                                                            \
    X(SHMAP_EBADSID, ERROR_INVALID_SID)                                                            \
    X(SHMAP_EREVISION, ERROR_UNKNOWN_REVISION)                                                     \
    X(SHMAP_EACLFULL, ERROR_ALLOTTED_SPACE_EXCEEDED)                                               \
    X(SHMAP_ESMALL, ERROR_INSUFFICIENT_BUFFER)                                                     \
    X(SHMAP_EUNSAFE, ERROR_ACCESS_DENIED)                                                          \
    X(SHMAP_ELOCKED, ERROR_LOCK_VIOLATION)                                                         \
    X(SHMAP_ENOTLOCKED, ERROR_NOT_LOCKED)                                                          \
    X(SHMAP_EBROKENPIPE, ERROR_BROKEN_PIPE)                                                        \
    X(-EPIPE, ERROR_NO_DATA)

static __thread DWORD last_error;

DWORD shmap_w32__code(int err)
{
    switch (err) {
#define CASE(n, w)                                                                                 \
    case n:                                                                                        \
        return (DWORD)(w);
        /* NOLINTNEXTLINE(bugprone-branch-clone): many errors map to one Win32 code by design */
        SHMAP_W32_ERRORS(CASE)
#undef CASE
    default:
        return err < 0 ? ERROR_INVALID_FUNCTION : ERROR_SUCCESS;
    }
}

int shmap_w32__fail(int err)
{
    last_error = shmap_w32__code(err);
    return err;
}

void shmap_w32__created(int r)
{
    last_error = r == SHMAP_EXISTED ? ERROR_ALREADY_EXISTS : 0;
}

WINBASEAPI DWORD WINAPI GetLastError(void)
{
    return last_error;
}
WINBASEAPI VOID WINAPI SetLastError(DWORD code)
{
    last_error = code;
}
