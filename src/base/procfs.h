/*
 * procfs.h - everything the library reads from /proc, in one place: a
 * process's stat line, its descriptors, our own descriptors opened anew,
 * and the line-oriented files (/proc/locks, /proc/self/status, maps).
 *
 * The lowest layer: src/base/procfs.c calls only the system call table (sys.c)
 * and libc, so that every open stays a fault point of the table (tests
 * count on it) and any layer may use it.
 */
#ifndef SHMAP_PROCFS_H
#define SHMAP_PROCFS_H

#include "base/base.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* The pid that means "ourselves" (/proc/self) to the calls taking one: a
 * process never has pid 0, and under an emulator (qemu-user) /proc/self is
 * not /proc/OURPID. */
#define SHMAP_PROCFS_SELF 0u

/* ---- /proc/PID/stat --------------------------------------------------------- */

/* The fields of /proc/PID/stat the library uses (proc(5) numbers them). */
struct shmap_procfs_stat {
    char state;              /* field 3: 'Z' a zombie, 'X' dead, ... */
    uint64_t minflt, majflt; /* fields 10 and 12: page faults */
    uint64_t utime, stime;   /* fields 14 and 15: CPU time, in clock ticks */
    uint64_t start;          /* field 22: start time, in clock ticks after boot */
};

/* Read and parse the stat of process (or thread) pid.  0, or -errno with
 * errno set: -ENOENT or -ESRCH when there is no such process (also for a
 * stat that reads empty or cannot be parsed: the process went away while
 * we read), another -errno when we could not read. */
SHMAP_HIDDEN int shmap__procfs_stat(uint32_t pid, struct shmap_procfs_stat *st);

/* stat(2) of the directory /proc/PID (its owner is the process's user):
 * 0, or -errno with errno set. */
SHMAP_HIDDEN int shmap__procfs_pid_stat(uint32_t pid, struct stat *sb);

/* ---- descriptors -------------------------------------------------------------- */

/* "/proc/PID/fd/N" (pid SHMAP_PROCFS_SELF: "/proc/self/fd/N"), returned by
 * value so that no caller sizes a buffer: shmap__procfs_fd_path(pid, fd).s */
struct shmap_procfs_path {
    char s[48];
};
SHMAP_HIDDEN struct shmap_procfs_path shmap__procfs_fd_path(uint32_t pid, int fd);

/* A new open file description of our own descriptor fd (an open of
 * /proc/self/fd/N, not a dup: its offset, lock and access mode are its
 * own), opened with flags | O_CLOEXEC | O_NOCTTY.  The descriptor, or
 * -errno with errno set. */
SHMAP_HIDDEN int shmap__reopen_self(int fd, int flags);

/* Call fn(arg, path) for each descriptor of process pid (path: its
 * /proc/PID/fd/N; "." and ".." are not passed) until fn returns true.  0
 * when the directory was read, whatever fn said (it keeps its own result
 * in arg); -errno with errno set when /proc/PID/fd could not be opened. */
SHMAP_HIDDEN int shmap__procfs_each_fd(uint32_t pid, bool (*fn)(void *arg, const char *path),
                                       void *arg);

/* Call fn(arg, pid) for each process in /proc until fn returns true.  0, or
 * -errno with errno set when /proc could not be opened. */
SHMAP_HIDDEN int shmap__procfs_each_pid(bool (*fn)(void *arg, uint32_t pid), void *arg);

/* ---- other files ---------------------------------------------------------------- */

/* open(2) of /proc/<rel> (as "self/pagemap"), with flags | O_CLOEXEC: the
 * descriptor, or -errno with errno set. */
SHMAP_HIDDEN int shmap__procfs_open(const char *rel, int flags);

/* A line-oriented file of /proc (rel: "locks", "self/status", "self/maps"),
 * read one line at a time:
 *
 *     struct shmap_procfs_lines l;
 *     if (shmap__procfs_lines_open(&l, "self/status") != 0) ...
 *     for (char *line; (line = shmap__procfs_lines_next(&l)) != NULL;) ...
 *     shmap__procfs_lines_close(&l);
 *
 * A line comes without its newline; one longer than the buffer comes cut
 * short, and the rest of it is skipped (never taken for a line of its
 * own).  Reads after the open are not fault points (sys.c says why). */
struct shmap_procfs_lines {
    FILE *f;
    char line[512];
};
/* 0, or -errno with errno set (then nothing to close). */
SHMAP_HIDDEN int shmap__procfs_lines_open(struct shmap_procfs_lines *l, const char *rel);
/* The next line (in l->line), or NULL at the end or on a read error. */
SHMAP_HIDDEN char *shmap__procfs_lines_next(struct shmap_procfs_lines *l);
SHMAP_HIDDEN void shmap__procfs_lines_close(struct shmap_procfs_lines *l);

#endif
