/*
 * cmd_data.c - shmap create, read, write.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Block SIGINT, SIGTERM and SIGHUP and give them on_signal, before
 * "created" is printed: whoever reads that line and signals at once finds
 * the signal pending, not the default action.  *old: the mask to wait with. */
static void hold_signals(sigset_t *old)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, old);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* Hold until stdin closes (hold < 0), for hold seconds (0: until a signal),
 * or until SIGINT, SIGTERM or SIGHUP.  The signals are blocked except inside
 * ppoll (hold_signals), so one that comes between the check of stop and the
 * wait still ends the wait; no SA_RESTART, so nothing resumes after one. */
static void hold_until(int64_t hold, const sigset_t *old)
{
    struct timespec now, end = {0, 0};
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += hold > 0 ? (time_t)hold : 0;
    while (!stop) {
        struct pollfd in = {.fd = 0, .events = POLLIN};
        struct timespec left, *tp = NULL;
        if (hold > 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            left.tv_sec = end.tv_sec - now.tv_sec;
            left.tv_nsec = end.tv_nsec - now.tv_nsec;
            if (left.tv_nsec < 0)
                left.tv_sec--, left.tv_nsec += 1000000000L;
            if (left.tv_sec < 0)
                break;
            tp = &left;
        }
        int n = ppoll(&in, hold < 0 ? 1 : 0, tp, old);
        if (n > 0) {
            char buf[256];
            if (read(0, buf, sizeof buf) <= 0)
                break; /* stdin closed (or unreadable) */
        } else if (n < 0 && errno != EINTR)
            break;
    }
}

int cmd_create(int argc, char **argv)
{
    static const char use[] =
        "usage: shmap create NAME SIZE [--readonly] [--reserve] [--hold SECONDS|forever]\n";
    uint32_t prot = SHMAP_PAGE_READWRITE, attrs = 0;
    int64_t hold = -1;
    if (argc < 2) {
        fputs(use, stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--readonly"))
            prot = SHMAP_PAGE_READONLY;
        else if (!strcmp(argv[i], "--reserve"))
            attrs = SHMAP_SEC_RESERVE;
        else if (!strcmp(argv[i], "--hold")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "shmap create: --hold needs SECONDS or 'forever'\n%s", use);
                return 2;
            }
            i++;
            hold = !strcmp(argv[i], "forever") ? 0 : cli_size(argv[i]);
            if (hold < 0 || (hold == 0 && strcmp(argv[i], "forever")) || hold > (int64_t)1 << 40) {
                fprintf(stderr, "shmap create: bad --hold '%s' (seconds > 0, or 'forever')\n",
                        argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "shmap create: unknown option %s\n%s", argv[i], use);
            return 2;
        }
    }
    int64_t size = cli_size(argv[1]);
    if (size < 0) {
        fprintf(stderr, "shmap create: bad size '%s'\n", argv[1]);
        return 2;
    }
    sigset_t old;
    hold_signals(&old);
    shmap_handle_t h;
    int r = shmap_mapping_create(SHMAP_NULL_HANDLE, argv[0], prot | attrs, (uint64_t)size, 0, &h);
    if (r < 0)
        return cli_fail("CreateFileMapping", r);
    printf("%s %s\n", r == SHMAP_EXISTED ? "opened existing" : "created", argv[0]);
    fflush(stdout);
    if (hold < 0)
        fprintf(stderr, "shmap: holding %s until stdin closes or a signal (pid %d)\n", argv[0],
                (int)getpid());
    else if (hold == 0)
        fprintf(stderr, "shmap: holding %s until a signal (pid %d)\n", argv[0], (int)getpid());
    else
        fprintf(stderr, "shmap: holding %s for %lld s or until a signal (pid %d)\n", argv[0],
                (long long)hold, (int)getpid());
    hold_until(hold, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    shmap_close(h);
    return 0;
}

/* --offset N, --length N (read), --raw (read); a missing or bad number,
 * an unknown or repeated-beyond-use option: a message and -1. */
static int parse_opts(const char *cmd, int argc, char **argv, uint64_t *off, int64_t *len, int *raw)
{
    for (int i = 1; i < argc; i++) {
        int is_off = !strcmp(argv[i], "--offset"), is_len = len && !strcmp(argv[i], "--length");
        if (is_off || is_len) {
            int64_t v = i + 1 < argc ? cli_size(argv[i + 1]) : -1;
            if (v < 0) {
                fprintf(stderr, "shmap %s: bad %s '%s'\n", cmd, argv[i],
                        i + 1 < argc ? argv[i + 1] : "");
                return -1;
            }
            i++;
            if (is_off)
                *off = (uint64_t)v;
            else
                *len = v;
        } else if (raw && !strcmp(argv[i], "--raw"))
            *raw = 1;
        else {
            fprintf(stderr, "shmap %s: unknown option %s\n", cmd, argv[i]);
            return -1;
        }
    }
    return 0;
}

/* Map a whole named section; returns its size in *size. */
static int map_named(const char *name, uint32_t access, shmap_handle_t *h, char **p, uint64_t *size)
{
    int r = shmap_mapping_open(name, access | SHMAP_SECTION_QUERY, 0, h);
    if (r < 0)
        return cli_fail(name, r);
    shmap_mapping_info_t info;
    if ((r = shmap_mapping_query(*h, &info)) == 0)
        r = shmap_view_map(*h, access, 0, 0, NULL, (void **)p);
    if (r < 0) {
        shmap_close(*h);
        return cli_fail("MapViewOfFile", r);
    }
    *size = info.size;
    return 0;
}

static void hexdump(const unsigned char *p, uint64_t off, uint64_t n)
{
    for (uint64_t i = 0; i < n; i += 16) {
        printf("%08llx: ", (unsigned long long)(off + i));
        for (uint64_t j = 0; j < 16; j++)
            j + i < n ? printf("%02x%s", p[i + j], j % 2 ? " " : "")
                      : printf("  %s", j % 2 ? " " : "");
        printf(" ");
        for (uint64_t j = 0; j < 16 && i + j < n; j++)
            putchar(p[i + j] >= 32 && p[i + j] < 127 ? p[i + j] : '.');
        putchar('\n');
    }
}

int cmd_read(int argc, char **argv)
{
    uint64_t off = 0, size;
    int64_t len = -1;
    int raw = 0;
    if (argc < 1 || !strncmp(argv[0], "--", 2) ||
        parse_opts("read", argc, argv, &off, &len, &raw)) {
        fprintf(stderr, "usage: shmap read NAME [--offset N] [--length N] [--raw]\n");
        return 2;
    }
    shmap_handle_t h;
    char *p;
    if (map_named(argv[0], SHMAP_FILE_MAP_READ, &h, &p, &size))
        return 1;
    int rc = 0;
    if (off > size)
        rc = cli_fail("read: offset past the end", -EINVAL);
    else {
        uint64_t n = len < 0 || (uint64_t)len > size - off ? size - off : (uint64_t)len;
        if (raw)
            fwrite(p + off, 1, (size_t)n, stdout);
        else
            hexdump((unsigned char *)p + off, off, n);
    }
    shmap_view_unmap(p);
    shmap_close(h);
    return rc;
}

int cmd_write(int argc, char **argv)
{
    uint64_t off = 0, size;
    if (argc < 1 || !strncmp(argv[0], "--", 2) ||
        parse_opts("write", argc, argv, &off, NULL, NULL)) {
        fprintf(stderr, "usage: shmap write NAME [--offset N]\n");
        return 2;
    }
    shmap_handle_t h;
    char *p;
    if (map_named(argv[0], SHMAP_FILE_MAP_WRITE, &h, &p, &size))
        return 1;
    int rc = 0;
    uint64_t pos = off;
    char buf[65536];
    ssize_t n;
    while (rc == 0 && (n = read(0, buf, sizeof buf)) > 0) {
        if (pos > size || (uint64_t)n > size - pos)
            rc = cli_fail("write: input runs past the end of the mapping", -EINVAL);
        else {
            memcpy(p + pos, buf, (size_t)n);
            pos += (uint64_t)n;
        }
    }
    if (rc == 0)
        fprintf(stderr, "shmap: wrote %llu bytes at offset %llu\n", (unsigned long long)(pos - off),
                (unsigned long long)off);
    shmap_view_unmap(p);
    shmap_close(h);
    return rc;
}
