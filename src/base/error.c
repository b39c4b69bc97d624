/*
 * error.c - error strings, the version, and the internal-invariant abort.
 */
#include "base.h"

#include <string.h>

static const char *const shmap_messages[] = {
    [-(SHMAP_ETYPE - SHMAP_ETYPE)] = "the name belongs to an object of another type",
    [-(SHMAP_EPATH - SHMAP_ETYPE)] = "a path component of the name does not exist",
    [-(SHMAP_EBADPATH - SHMAP_ETYPE)] = "the name starts with a backslash",
    [-(SHMAP_EBADNAME - SHMAP_ETYPE)] = "the name is invalid",
    [-(SHMAP_EALIGN - SHMAP_ETYPE)] = "offset or address is not a multiple of 64 KiB",
    [-(SHMAP_EADDR - SHMAP_ETYPE)] = "invalid address",
    [-(SHMAP_EVIEWSIZE - SHMAP_ETYPE)] = "the view runs past the end of the section",
    [-(SHMAP_ETOOBIG - SHMAP_ETYPE)] = "the section is larger than the read-only file",
    [-(SHMAP_EFILEEMPTY - SHMAP_ETYPE)] = "cannot map an empty file",
    [-(SHMAP_EBADEXE - SHMAP_ETYPE)] = "not an executable image",
    [-(SHMAP_EMAPPED - SHMAP_ETYPE)] = "the file is mapped by a section",
    [-(SHMAP_ECOMMIT - SHMAP_ETYPE)] = "no memory left to commit",
    [-(SHMAP_EBADOBJ - SHMAP_ETYPE)] = "the namespace entry is not a valid shmap object",
    [-(SHMAP_EPROTECT - SHMAP_ETYPE)] = "the section's protection does not allow this view",
    [-(SHMAP_EPRIV - SHMAP_ETYPE)] = "a required privilege is not held",
    [-(SHMAP_ENOTOWNER - SHMAP_ETYPE)] = "the caller does not own the mutex",
    [-(SHMAP_ETOOMANYPOSTS - SHMAP_ETYPE)] = "the semaphore would pass its maximum count",
    [-(SHMAP_ESHARING - SHMAP_ETYPE)] = "sharing violation",
    [-(SHMAP_EFILEEXISTS - SHMAP_ETYPE)] = "the file exists",
    [-(SHMAP_ENOTSUP - SHMAP_ETYPE)] = "not supported",
    [-(SHMAP_ENOACCESS - SHMAP_ETYPE)] = "invalid user buffer",
    [-(SHMAP_EDIRECTORY - SHMAP_ETYPE)] = "not a directory",
    [-(SHMAP_EQUOTA - SHMAP_ETYPE)] = "job process limit reached",
    [-(SHMAP_EMOREDATA - SHMAP_ETYPE)] = "more data than room",
    [-(SHMAP_EBADSD - SHMAP_ETYPE)] = "invalid security descriptor",
    [-(SHMAP_EBADACL - SHMAP_ETYPE)] = "invalid access control list",
    [-(SHMAP_EBADSID - SHMAP_ETYPE)] = "invalid security identifier",
    [-(SHMAP_EREVISION - SHMAP_ETYPE)] = "unknown revision",
    [-(SHMAP_EACLFULL - SHMAP_ETYPE)] = "no room left in the access control list",
    [-(SHMAP_ESMALL - SHMAP_ETYPE)] = "the buffer is too small",
    /* NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one message on two lines */
    [-(SHMAP_EUNSAFE - SHMAP_ETYPE)] =
        ("a namespace directory is not trustworthy: owned by another "
         "user, or writable by others (see docs/security.md)"),
    [-(SHMAP_ELOCKED - SHMAP_ETYPE)] = "the range is locked by another lock",
    [-(SHMAP_ENOTLOCKED - SHMAP_ETYPE)] = "no lock of exactly that range",
    [-(SHMAP_EBROKENPIPE - SHMAP_ETYPE)] = "the pipe's other end is closed",
    [-(SHMAP_EPARTIAL - SHMAP_ETYPE)] = "only part of the memory could be copied",
    [-(SHMAP_EPORTCLOSED - SHMAP_ETYPE)] = "the completion port was closed while waiting",
    [-(SHMAP_EPENDING - SHMAP_ETYPE)] = "a callback is still running; it completes later",
    [-(SHMAP_EGENFAIL - SHMAP_ETYPE)] = "the thread has ended",
    [-(SHMAP_ESUSPENDMAX - SHMAP_ETYPE)] = "the thread's suspend count is at its maximum",
};

SHMAP_EXTERN const char *shmap_strerror(int err)
{
    if (err >= 0)
        return err == SHMAP_EXISTED ? "the object already existed" : "success";
    if (err <= SHMAP_ETYPE && err >= SHMAP_ELAST) {
        const char *m = shmap_messages[SHMAP_ETYPE - err];
        return m ? m : "unknown shmap error";
    }
    return strerror(-err);
}

SHMAP_EXTERN const char *shmap_version(void)
{
    return SHMAP_VERSION_STRING;
}

/* ---- the Win32 code of a native code (shmap/win32code.h) -------------
 * The one table, here in the native library: the Win32 face's
 * GetLastError() (src/win32/error.c) and bindings (python/: winerror)
 * both read it.  The values are those of shmap-win32/winerror.h. */
#include "shmap-win32/winerror.h"

/* native code, Win32 code (the values of shmap-win32/winerror.h) */
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
    X(SHMAP_EPORTCLOSED, ERROR_ABANDONED_WAIT_0)                                                   \
    X(SHMAP_EPARTIAL, ERROR_PARTIAL_COPY)                                                          \
    X(SHMAP_EPENDING, ERROR_IO_PENDING)                                                            \
    X(SHMAP_EGENFAIL, ERROR_GEN_FAILURE)                                                           \
    X(SHMAP_ESUSPENDMAX, ERROR_SIGNAL_REFUSED)                                                     \
    X(SHMAP_ELOCKED, ERROR_LOCK_VIOLATION)                                                         \
    X(SHMAP_ENOTLOCKED, ERROR_NOT_LOCKED)                                                          \
    X(SHMAP_EBROKENPIPE, ERROR_BROKEN_PIPE)                                                        \
    X(-EPIPE, ERROR_NO_DATA)

SHMAP_EXTERN uint32_t shmap_win32_error(int err)
{
    switch (err) {
#define CASE(n, w)                                                                                 \
    case n:                                                                                        \
        return (uint32_t)(w);
        /* NOLINTNEXTLINE(bugprone-branch-clone): many errors map to one Win32 code by design */
        SHMAP_W32_ERRORS(CASE)
#undef CASE
    default:
        return err < 0 ? ERROR_INVALID_FUNCTION : ERROR_SUCCESS;
    }
}

void shmap__abort(const char *file, int line, const char *what)
{
    fprintf(stderr, "shmap: internal invariant broken at %s:%d: %s\n", file, line, what);
    abort();
}
