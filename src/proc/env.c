/*
 * env.c - what a process knows of itself that the Win32 face hands out:
 * its command line (GetCommandLine), its program (GetModuleFileName), the
 * directory and names of temporary files (GetTempPath, GetTempFileName).
 */
#include "proc.h"
#include "base/procfs.h"
#include "base/probe.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* All of /proc/self/cmdline, NUL-separated, in *buf (malloc'd, *len bytes). */
static int read_cmdline(char **buf, size_t *len)
{
    int fd = shmap__procfs_open("self/cmdline", O_RDONLY);
    if (fd < 0)
        return fd;
    size_t room = 4096, n = 0;
    char *b = malloc(room + 1);
    for (ssize_t r = 1; b && r > 0;) {
        if (n == room) {
            char *more = realloc(b, 2 * room + 1);
            if (!more) {
                free(b);
                b = NULL;
                break;
            }
            b = more;
            room *= 2;
        }
        r = read(fd, b + n, room - n);
        n += r > 0 ? (size_t)r : 0;
    }
    close(fd);
    if (!b)
        return -ENOMEM;
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

SHMAP_EXTERN int shmap_process_cmdline(char **out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    char *buf;
    size_t len, count = 0;
    int r = read_cmdline(&buf, &len);
    if (r)
        return r;
    for (size_t i = 0; i < len; i++)
        count += buf[i] == 0;
    char **argv = malloc((count + 1) * sizeof *argv);
    if (!argv) {
        free(buf);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
        argv[k++] = buf + i;
    argv[k] = NULL;
    r = shmap_cmdline_join(argv, out);
    free(argv);
    free(buf);
    return r;
}

SHMAP_EXTERN int shmap_process_image(char **out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    for (size_t room = 256;; room *= 2) {
        char *b = malloc(room);
        if (!b)
            return -ENOMEM;
        ssize_t n = readlink("/proc/self/exe", b, room);
        if (n < 0) {
            int e = errno;
            free(b);
            return -e;
        }
        if ((size_t)n < room) {
            b[n] = 0;
            *out = b;
            return 0;
        }
        free(b);
    }
}

SHMAP_EXTERN int shmap_temp_dir(char **out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    const char *d = getenv("TMPDIR");
    if (!d || !*d)
        d = "/tmp";
    size_t n = strlen(d);
    char *s = malloc(n + 2);
    if (!s)
        return -ENOMEM;
    memcpy(s, d, n);
    if (s[n - 1] != '/')
        s[n++] = '/';
    s[n] = 0;
    *out = s;
    return 0;
}

static char *temp_name(const char *dir, const char *prefix, uint32_t unique)
{
    size_t d = strlen(dir);
    const char *sep = d && dir[d - 1] == '/' ? "" : "/";
    char *s;
    if (asprintf(&s, "%s%s%s%X.tmp", dir, sep, prefix ? prefix : "", unique & 0xffff) < 0)
        return NULL;
    return s;
}

SHMAP_EXTERN int shmap_temp_file(const char *dir, const char *prefix, uint32_t unique, char **out,
                                 uint32_t *used)
{
    if (!dir || SHMAP_PROBE_OUT(out) || SHMAP_PROBE_OUT(used))
        return -EFAULT;
    if (unique) {
        if (!(*out = temp_name(dir, prefix, unique)))
            return -ENOMEM;
        *used = unique & 0xffff;
        return 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint32_t start = ((uint32_t)ts.tv_nsec ^ (uint32_t)getpid()) & 0xffff;
    for (uint32_t i = 0; i < 0x10000; i++) {
        uint32_t u = (start + i) & 0xffff;
        if (!u)
            continue;
        char *name = temp_name(dir, prefix, u);
        if (!name)
            return -ENOMEM;
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            close(fd);
            *out = name;
            *used = u;
            return 0;
        }
        int e = errno;
        free(name);
        if (e != EEXIST)
            return -e;
    }
    return -EEXIST;
}
