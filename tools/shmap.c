/*
 * shmap.c - the command-line tool: dispatch and shared helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: shmap COMMAND [ARGS]\n"
               "  ls [--json]                 list live objects (Local\\ and Global\\)\n"
               "  info NAME [--json]          details of one object\n"
               "  create NAME SIZE [--readonly] [--reserve] [--hold SECONDS|forever]\n"
               "                              create a named mapping, hold it until stdin closes\n"
               "                              (--hold: for SECONDS, ignoring stdin) or a signal\n"
               "  read NAME [--offset N] [--length N] [--raw]\n"
               "  write NAME [--offset N]     copy stdin into the mapping\n"
               "  demo                        two processes share a named mapping\n"
               "  bench [NAME] [--json] [--runs N]   (bench --help: the workloads)\n"
               "  wine [--share NAME[:SIZE]]... [--event NAME]... [--] PROGRAM.exe [ARGS]\n"
               "                              run a Windows program under Wine, sharing those\n"
               "                              objects with native programs (exit: its code)\n"
               "  version, --version\n"
               "Exit status: 0 success, 1 a call failed (the Win32 error is printed),\n"
               "2 bad usage.  The namespace directory is $SHMAP_ROOT (default /dev/shm/shmap).\n");
}

static const struct {
    DWORD code;
    const char *name;
} names[] = {
    {ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND"},
    {ERROR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND"},
    {ERROR_TOO_MANY_OPEN_FILES, "ERROR_TOO_MANY_OPEN_FILES"},
    {ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED"},
    {ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE"},
    {ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY"},
    {ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER"},
    {ERROR_DISK_FULL, "ERROR_DISK_FULL"},
    {ERROR_INVALID_NAME, "ERROR_INVALID_NAME"},
    {ERROR_BAD_PATHNAME, "ERROR_BAD_PATHNAME"},
    {ERROR_ALREADY_EXISTS, "ERROR_ALREADY_EXISTS"},
    {ERROR_FILENAME_EXCED_RANGE, "ERROR_FILENAME_EXCED_RANGE"},
    {ERROR_INVALID_ADDRESS, "ERROR_INVALID_ADDRESS"},
    {ERROR_FILE_INVALID, "ERROR_FILE_INVALID"},
    {ERROR_MAPPED_ALIGNMENT, "ERROR_MAPPED_ALIGNMENT"},
    {ERROR_COMMITMENT_LIMIT, "ERROR_COMMITMENT_LIMIT"},
    {ERROR_PRIVILEGE_NOT_HELD, "ERROR_PRIVILEGE_NOT_HELD"},
    {ERROR_BAD_EXE_FORMAT, "ERROR_BAD_EXE_FORMAT"},
    {ERROR_USER_MAPPED_FILE, "ERROR_USER_MAPPED_FILE"},
    {ERROR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED"},
};

const char *cli_win32_name(DWORD code)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code)
            return names[i].name;
    return "ERROR";
}

int cli_fail(const char *what, int err)
{
    DWORD code = shmap_win32_error(err);
    fprintf(stderr, "shmap: %s: %s (%lu): %s\n", what, cli_win32_name(code), (unsigned long)code,
            shmap_strerror(err));
    return 1;
}

int64_t cli_size(const char *s)
{
    /* Digits only (strtoll would take blanks and a sign): decimal, 0x hex
     * or 0 octal, then k, m or g.  Anything that does not fit int64_t is
     * an error, not a size clamped to the maximum. */
    if (!s || !((*s >= '0' && *s <= '9')))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno == ERANGE)
        return -1;
    int shift = 0;
    switch (*end) {
    case 'k':
    case 'K':
        shift = 10;
        break;
    case 'm':
    case 'M':
        shift = 20;
        break;
    case 'g':
    case 'G':
        shift = 30;
        break;
    default:
        break;
    }
    if (shift) {
        end++;
        if (v > (INT64_MAX >> shift))
            return -1;
        v <<= shift;
    }
    return *end ? -1 : v;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"ls", cmd_ls},
        {"info", cmd_info},
        {"create", cmd_create},
        {"read", cmd_read},
        {"write", cmd_write},
        {"demo", cmd_demo},
        {"__demo-second", cmd_demo_second},
        {"bench", cmd_bench},
        {"__bench-hold", cmd_bench_hold},
        {"__bench-child", cmd_bench_child},
        {"wine", cmd_wine},
    };
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        if (argc > 2) {
            fprintf(stderr, "usage: shmap version\n");
            return 2;
        }
        printf("shmap %s\n", SHMAP_VERSION_STRING);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "shmap: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
