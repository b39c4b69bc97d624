/* cli.h - what the files of the shmap command share. */
#ifndef SHMAP_CLI_H
#define SHMAP_CLI_H

#include <errno.h>
#include <stdint.h>
#include <windows.h>

#include "shmap.h"

/* Print "shmap: <what>: ERROR_X (code): text" for a native error; returns 1. */
int cli_fail(const char *what, int err);
/* The Win32 name of a Win32 error code, e.g. "ERROR_FILE_NOT_FOUND". */
const char *cli_win32_name(DWORD code);
/* Parse a size with an optional k/m/g suffix; -1 if invalid. */
int64_t cli_size(const char *s);

int cmd_ls(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_demo_second(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_bench_hold(int argc, char **argv);
int cmd_bench_child(int argc, char **argv);
int cmd_wine(int argc, char **argv);
/* cmd_wine.c: the wine to run and shmap-wine-bridge.exe (whose folder also
 * holds shmap-wine-pingpong.exe); 0, or -1 if either is missing. */
int cli_wine_find(char *wine, size_t wlen, char *bridge, size_t blen);
/* shmap ls: load the records of the running bridges, then ask which Wine
 * prefix an object is bridged to (NULL: none; *pid: the bridge's), and
 * whether an object is a bridge's record itself. */
void cli_wine_load(void);
const char *cli_wine_prefix(int global, const char *name, int *pid);
int cli_wine_is_record(int global, const char *name);

#endif
