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

void shmap__abort(const char *file, int line, const char *what)
{
    fprintf(stderr, "shmap: internal invariant broken at %s:%d: %s\n", file, line, what);
    abort();
}
