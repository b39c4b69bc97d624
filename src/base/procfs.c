/*
 * procfs.c - what the library reads from /proc (procfs.h).  Every open goes
 * through the system call table (SYS(openat), shmap__opendir,
 * shmap__fopen_ro), so that fault injection reaches it; the reads of what
 * was opened (read, readdir, fgets) are not fault points (sys.c).  Nothing
 * here takes a lock or allocates beyond what stdio and opendir do.
 */
#include "base/procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* errno = e, and -e: the result of a failed call here. */
static int fail(int e)
{
    errno = e;
    return -e;
}

/* ---- /proc/PID/stat --------------------------------------------------------- */

/* The fields after the command name.  It is in parentheses and may hold
 * spaces and parentheses itself, so the fields start after the last ')'. */
static int parse_stat(const char *buf, struct shmap_procfs_stat *st)
{
    const char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2])
        return -ESRCH;
    st->state = p[2];
    unsigned long long f[23] = {0};
    int i = 4; /* p + 3: the blank before field 4 (ppid) */
    for (char *q = (char *)p + 3; i <= 22 && *q == ' '; i++) {
        char *end;
        f[i] = strtoull(q + 1, &end, 10); /* (signed fields parse, wrapped) */
        if (end == q + 1)
            break;
        q = end;
    }
    if (i <= 22)
        return -ESRCH; /* cut short: not a stat line we know */
    st->minflt = f[10];
    st->majflt = f[12];
    st->utime = f[14];
    st->stime = f[15];
    st->start = f[22];
    return 0;
}

int shmap__procfs_stat(uint32_t pid, struct shmap_procfs_stat *st)
{
    memset(st, 0, sizeof *st);
    char path[32], buf[1024];
    /* the directory, then "stat" in it: an emulator (qemu-user) that fakes
     * /proc/self/stat and /proc/OURPID/stat does not recognise this path,
     * so we read what other processes read */
    snprintf(path, sizeof path, "/proc/%u", pid);
    int dfd = SYS(openat)(AT_FDCWD, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (dfd < 0)
        return -errno;
    int fd = SYS(openat)(dfd, "stat", O_RDONLY | O_CLOEXEC, 0);
    int e = errno;
    shmap__close_fd(dfd);
    if (fd < 0)
        return fail(e);
    ssize_t n = SYS(read)(fd, buf, sizeof buf - 1);
    e = n == 0 ? ESRCH : errno; /* (read empty: it has gone) */
    shmap__close_fd(fd);
    if (n <= 0)
        return fail(e);
    buf[n] = 0;
    int r = parse_stat(buf, st);
    return r ? fail(-r) : 0;
}

int shmap__procfs_pid_stat(uint32_t pid, struct stat *sb)
{
    char path[32];
    snprintf(path, sizeof path, "/proc/%u", pid);
    return SYS(fstatat)(AT_FDCWD, path, sb, 0) == 0 ? 0 : -errno;
}

/* ---- descriptors -------------------------------------------------------------- */

struct shmap_procfs_path shmap__procfs_fd_path(uint32_t pid, int fd)
{
    struct shmap_procfs_path p;
    if (pid == SHMAP_PROCFS_SELF)
        snprintf(p.s, sizeof p.s, "/proc/self/fd/%d", fd);
    else
        snprintf(p.s, sizeof p.s, "/proc/%u/fd/%d", pid, fd);
    return p;
}

int shmap__reopen_self(int fd, int flags)
{
    struct shmap_procfs_path p = shmap__procfs_fd_path(SHMAP_PROCFS_SELF, fd);
    /* O_NOCTTY: a descriptor of a terminal must not become our
     * controlling terminal by being opened again */
    int r = SYS(openat)(AT_FDCWD, p.s, flags | O_CLOEXEC | O_NOCTTY, 0);
    return r < 0 ? -errno : r;
}

int shmap__procfs_each_fd(uint32_t pid, bool (*fn)(void *arg, const char *path), void *arg)
{
    char dir[32];
    if (pid == SHMAP_PROCFS_SELF)
        snprintf(dir, sizeof dir, "/proc/self/fd");
    else
        snprintf(dir, sizeof dir, "/proc/%u/fd", pid);
    DIR *d = shmap__opendir(dir);
    if (!d)
        return -errno;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char path[32 + sizeof e->d_name];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (fn(arg, path))
            break;
    }
    closedir(d);
    return 0;
}

int shmap__procfs_each_pid(bool (*fn)(void *arg, uint32_t pid), void *arg)
{
    DIR *proc = shmap__opendir("/proc");
    if (!proc)
        return -errno;
    for (struct dirent *e; (e = readdir(proc)) != NULL;) {
        /* the numbered directories are the processes; the rest are not */
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char *end;
        unsigned long pid = strtoul(e->d_name, &end, 10);
        if (*end || pid > UINT32_MAX)
            continue;
        if (fn(arg, (uint32_t)pid))
            break;
    }
    closedir(proc);
    return 0;
}

/* ---- other files ---------------------------------------------------------------- */

/* "/proc/<rel>" in buf (of size n), or -ENAMETOOLONG. */
static int proc_path(char *buf, size_t n, const char *rel)
{
    int k = snprintf(buf, n, "/proc/%s", rel);
    return k < 0 || (size_t)k >= n ? fail(ENAMETOOLONG) : 0;
}

int shmap__procfs_open(const char *rel, int flags)
{
    char path[64];
    int r = proc_path(path, sizeof path, rel);
    if (r)
        return r;
    r = SYS(openat)(AT_FDCWD, path, flags | O_CLOEXEC, 0);
    return r < 0 ? -errno : r;
}

int shmap__procfs_lines_open(struct shmap_procfs_lines *l, const char *rel)
{
    char path[64];
    int r = proc_path(path, sizeof path, rel);
    l->f = r ? NULL : shmap__fopen_ro(path);
    return r ? r : l->f ? 0 : -errno;
}

char *shmap__procfs_lines_next(struct shmap_procfs_lines *l)
{
    if (!fgets(l->line, sizeof l->line, l->f))
        return NULL;
    size_t n = strlen(l->line);
    if (n > 0 && l->line[n - 1] == '\n') {
        l->line[n - 1] = 0;
        return l->line;
    }
    /* no newline: the last line of the file, or one longer than the
     * buffer, whose rest is not a line */
    for (int c; (c = getc(l->f)) != EOF && c != '\n';)
        ;
    return l->line;
}

void shmap__procfs_lines_close(struct shmap_procfs_lines *l)
{
    if (l->f)
        fclose(l->f);
    l->f = NULL;
}
