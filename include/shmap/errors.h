/*
 * shmap/errors.h - error codes of the native API.
 *
 * Every native call returns 0 (or a documented positive "success with
 * news" value such as SHMAP_EXISTED) or a negative code.  Negative codes are
 * either -errno (the kernel's meaning is also ours: -ENOENT, -EACCES,
 * -ENOMEM, -ENOSPC (ERROR_DISK_FULL), -EMFILE, -EINVAL, -EBADF, ...) or one of the SHMAP_E*
 * codes below, for distinctions errno cannot express.  Native calls never
 * set errno.  shmap_strerror() names any of them.
 *
 * The comment after each code gives the Win32 error the compatibility layer
 * reports for it.
 */
#ifndef SHMAP_ERRORS_H
#define SHMAP_ERRORS_H

/* Positive results ("succeeded, with news"). */
#define SHMAP_EXISTED 1 /* create opened an existing object: ERROR_ALREADY_EXISTS (183) */
#define SHMAP_RESUME_IGNORED                                                                       \
    2 /* timer set, but resume is not supported: TRUE with ERROR_NOT_SUPPORTED (50) */

/* Reserved negative range: -30800 ... -30899. */
#define SHMAP_ETYPE (-30800) /* name holds an object of another type: ERROR_INVALID_HANDLE (6) */
#define SHMAP_EPATH                                                                                \
    (-30801) /* a path component of the name is missing: ERROR_PATH_NOT_FOUND (3)                  \
              */
#define SHMAP_EBADPATH (-30802) /* name starts with a backslash: ERROR_BAD_PATHNAME (161) */
#define SHMAP_EBADNAME                                                                             \
    (-30803) /* nothing after a prefix, or not UTF-8: ERROR_INVALID_NAME (123)                     \
              */
#define SHMAP_EALIGN                                                                               \
    (-30804) /* offset or base not 64 KiB aligned: ERROR_MAPPED_ALIGNMENT (1132)                   \
              */
#define SHMAP_EADDR                                                                                \
    (-30805) /* not a view / range in use / not committed: ERROR_INVALID_ADDRESS (487) */
#define SHMAP_EVIEWSIZE (-30806) /* view runs past the section: ERROR_ACCESS_DENIED (5) */
#define SHMAP_ETOOBIG                                                                              \
    (-30807) /* section larger than a read-only file: ERROR_NOT_ENOUGH_MEMORY (8) */
#define SHMAP_EFILEEMPTY                                                                           \
    (-30808) /* mapping an empty file with size 0: ERROR_FILE_INVALID (1006)                       \
              */
#define SHMAP_EBADEXE                                                                              \
    (-30809) /* SEC_IMAGE on something that is not an image: ERROR_BAD_EXE_FORMAT (193) */
#define SHMAP_EMAPPED (-30810) /* file is mapped, cannot shrink: ERROR_USER_MAPPED_FILE (1224) */
#define SHMAP_ECOMMIT (-30811) /* no memory left to commit: ERROR_COMMITMENT_LIMIT (1455) */
#define SHMAP_EBADOBJ                                                                              \
    (-30812) /* namespace entry is foreign, corrupt or of another format: ERROR_FILE_INVALID       \
                (1006) */
#define SHMAP_EPROTECT                                                                             \
    (-30813) /* view protection not allowed by the section: ERROR_INVALID_PARAMETER (87) */
#define SHMAP_EPRIV (-30814)     /* privilege not held: ERROR_PRIVILEGE_NOT_HELD (1314) */
#define SHMAP_ENOTOWNER (-30815) /* mutex not owned by the caller: ERROR_NOT_OWNER (288) */
#define SHMAP_ETOOMANYPOSTS                                                                        \
    (-30816)                    /* semaphore would pass its maximum: ERROR_TOO_MANY_POSTS (298) */
#define SHMAP_ESHARING (-30817) /* file sharing mode conflict: ERROR_SHARING_VIOLATION (32) */
#define SHMAP_EFILEEXISTS                                                                          \
    (-30818) /* CreateFile CREATE_NEW on an existing file: ERROR_FILE_EXISTS (80) */
#define SHMAP_ENOTSUP                                                                              \
    (-30819) /* valid request that shmap does not implement: ERROR_NOT_SUPPORTED (50) */
#define SHMAP_ENOACCESS (-30820) /* invalid user buffer: ERROR_NOACCESS (998) */
#define SHMAP_EDIRECTORY                                                                           \
    (-30821)                  /* not a directory (a child's current one): ERROR_DIRECTORY (267) */
#define SHMAP_EQUOTA (-30822) /* a job's process limit: ERROR_NOT_ENOUGH_QUOTA (1816) */
#define SHMAP_EMOREDATA                                                                            \
    (-30823) /* the list did not fit (partial result): ERROR_MORE_DATA (234)                       \
              */

/* security descriptors, SIDs and ACLs (shmap/security.h) */
#define SHMAP_EBADSD (-30824)    /* invalid descriptor: ERROR_INVALID_SECURITY_DESCR (1338) */
#define SHMAP_EBADACL (-30825)   /* invalid ACL or ACE: ERROR_INVALID_ACL (1336) */
#define SHMAP_EBADSID (-30826)   /* invalid SID: ERROR_INVALID_SID (1337) */
#define SHMAP_EREVISION (-30827) /* unknown revision: ERROR_UNKNOWN_REVISION (1305) */
#define SHMAP_EACLFULL (-30828)  /* no room in the ACL: ERROR_ALLOTTED_SPACE_EXCEEDED (1344) */
#define SHMAP_ESMALL (-30829)    /* buffer too small: ERROR_INSUFFICIENT_BUFFER (122) */
#define SHMAP_EUNSAFE                                                                              \
    (-30830) /* a namespace directory is not trustworthy (its owner or mode would let another      \
                user plant, squat or remove objects; docs/security.md): ERROR_ACCESS_DENIED (5) */
#define SHMAP_ELOCKED (-30831)    /* byte range locked by another lock: ERROR_LOCK_VIOLATION (33) */
#define SHMAP_ENOTLOCKED (-30832) /* no lock of exactly that range: ERROR_NOT_LOCKED (158) */
#define SHMAP_EBROKENPIPE                                                                          \
    (-30833) /* the other end of the pipe is closed: ERROR_BROKEN_PIPE (109) */
/* another process's memory (shmap/procmem.h) */
#define SHMAP_EPARTIAL (-30834) /* only part of the range was copied: ERROR_PARTIAL_COPY (299) */
/* threads, APCs and the thread pool (shmap/thread.h) */
#define SHMAP_EPENDING                                                                             \
    (-30837) /* deleted, but a callback still runs (it completes later): ERROR_IO_PENDING (997) */
#define SHMAP_EGENFAIL (-30838) /* the target thread has ended: ERROR_GEN_FAILURE (31) */
#define SHMAP_ESUSPENDMAX                                                                          \
    (-30839) /* suspend count already MAXIMUM_SUSPEND_COUNT: ERROR_SIGNAL_REFUSED (156) */
#define SHMAP_EPORTCLOSED                                                                          \
    (-30840) /* the completion port was closed while waiting: ERROR_ABANDONED_WAIT_0 (735) */
#define SHMAP_ELAST (-30840)

#endif
