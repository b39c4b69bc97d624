/*
 * share.c - share modes (FILE_SHARE_*) enforced across handles and
 * processes, without a daemon.
 *
 * Windows keeps, per file, who has it open for reading, writing or delete
 * and who refuses to share each; an open that conflicts fails with
 * STATUS_SHARING_VIOLATION.  The file object is an open file description
 * here (a CreateFile is one open(2); duplicated and inherited handles share
 * it, as they share Windows' file object), and the record of the file is
 * kept by the kernel as OFD locks on reserved bytes just below the
 * mapping marker of mapping.c (2^61):
 *
 *   HAS_R/W/D   a shared lock per description that has read (FILE_READ_DATA
 *               or FILE_EXECUTE), write (FILE_WRITE_DATA or FILE_APPEND_DATA)
 *               or DELETE access
 *   DENY_R/W/D  a shared lock per description that counts (has one of those
 *               accesses) and does not share read, write or delete
 *   MAP_W       a writable section (PAGE_READWRITE, PAGE_EXECUTE_READWRITE)
 *               of the file exists: opens not sharing write fail (NTFS's
 *               MmDoesFileHaveUserWritableReferences check)
 *
 * A new description asks the kernel (F_OFD_GETLK, which reports others'
 * locks only) whether a conflicting byte is held, then takes its own, with
 * the gate held so that two concurrent openers cannot both pass.  The gate
 * is flock(LOCK_EX) on the description: an OFD write lock would need a
 * descriptor open for writing, which a reader's is not, and flock locks
 * are apart from OFD locks on Linux.  A foreign program that holds a flock
 * on the file for long delays openers by at most a second, after which
 * they go on without the gate.  The
 * kernel drops every lock when the description's last reference goes, so
 * a process killed at any instant leaves nothing behind.  A section has
 * its own description (mapping.c reopens the file), which views keep
 * alive: the file handle's share state ends with its last handle, as
 * Windows' ends at cleanup, while MAP_W lasts as long as the section or a
 * view of it.  Opens with none of the counted accesses (0,
 * FILE_READ_ATTRIBUTES, SYNCHRONIZE, FILE_READ_EA...) neither check nor
 * record, except against MAP_W.  (Windows also refuses FILE_WRITE_DATA
 * while a SEC_IMAGE section of the file exists; shmap makes none.)
 *
 * A file system without OFD locks (EINVAL, ENOLCK) is not policed: the
 * open goes ahead, as before share modes existed.
 */
#include "mem.h"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

enum {
    B_HAS_R,
    B_HAS_W,
    B_HAS_D,
    B_DENY_R,
    B_DENY_W,
    B_DENY_D,
    B_MAP_W,
};

#define READ_BITS (SHMAP_FILE_READ_DATA | SHMAP_FILE_EXECUTE)
#define WRITE_BITS (SHMAP_FILE_WRITE_DATA | SHMAP_FILE_APPEND_DATA)

static int lk(int fd, int cmd, short type, int byte)
{
    struct flock fl = {
        .l_type = type, .l_whence = SEEK_SET, .l_start = SHMAP_SHARE_BASE + byte, .l_len = 1};
    for (;;) {
        if (SYS(fcntl_lock)(fd, cmd, &fl) == 0)
            return cmd == F_OFD_GETLK ? fl.l_type != F_UNLCK : 0;
        if (errno != EINTR)
            return -errno;
    }
}

/* Is byte held by another description? (negative: cannot tell) */
static int held(int fd, int byte)
{
    return lk(fd, F_OFD_GETLK, F_WRLCK, byte);
}

/* The three classes (read, write, delete) of an access mask, as bits 0-2. */
static unsigned classes(uint32_t access)
{
    return ((access & READ_BITS) ? 1u : 0u) | ((access & WRITE_BITS) ? 2u : 0u) |
           ((access & SHMAP_DELETE) ? 4u : 0u);
}

/* The pure rule, with the gate held: 1 on conflict, 0 if the open may go on. */
static int conflicts(int fd, unsigned has, uint32_t access, uint32_t share)
{
    int r;
    if (!(share & SHMAP_FILE_SHARE_WRITE) && (r = held(fd, B_MAP_W)) != 0)
        return r;
    if (!has)
        return 0;
    for (int i = 0; i < 3; i++) {
        unsigned c = 1u << i;
        if ((has & c) && (r = held(fd, B_DENY_R + i)) != 0) /* someone refuses what we want */
            return r;
        if (!(share & c) && (r = held(fd, B_HAS_R + i)) != 0) /* someone has what we refuse */
            return r;
    }
    return 0;
}

static int take(int fd, unsigned has, uint32_t share)
{
    int r = 0;
    for (int i = 0; i < 3 && !r; i++) {
        unsigned c = 1u << i;
        if (has & c)
            r = lk(fd, F_OFD_SETLK, F_RDLCK, B_HAS_R + i);
        if (!r && !(share & c))
            r = lk(fd, F_OFD_SETLK, F_RDLCK, B_DENY_R + i);
    }
    return r;
}

static bool unpoliced(int r)
{
    return r == -EINVAL || r == -ENOLCK || r == -EOPNOTSUPP || r == -EBADF;
}

int shmap__share_gate(int fd)
{
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += 1; /* a foreign holder is waited for a second at most */
    for (;;) {
        if (SYS(flock)(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
            return 1;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 100000};
        nanosleep(&ts, NULL);
    }
}

void shmap__share_ungate(int fd)
{
    SYS(flock)(fd, LOCK_UN);
}

int shmap__share_open(int fd, uint32_t access, uint32_t share)
{
    unsigned has = classes(access);
    int g = shmap__share_gate(fd); /* 1: not gated, checked all the same */
    int r = conflicts(fd, has, access, share);
    if (r == 1)
        r = SHMAP_ESHARING;
    else if (r == 0 && has)
        r = take(fd, has, share);
    if (g == 0)
        shmap__share_ungate(fd);
    return unpoliced(r) ? 0 : r;
}

int shmap__share_check_delete(int fd)
{
    int r = held(fd, B_DENY_D);
    return r == 1 ? SHMAP_ESHARING : 0;
}

void shmap__share_mark_section(int fd, uint32_t protect)
{
    if ((protect & 0xFFu) == SHMAP_PAGE_READWRITE ||
        (protect & 0xFFu) == SHMAP_PAGE_EXECUTE_READWRITE)
        lk(fd, F_OFD_SETLK, F_RDLCK, B_MAP_W);
}
