/*
 * test-cli.c - the shmap command: demo, create/ls/info/read/write round
 * trip, error reports, bench's JSON line format (no timing asserted),
 * --version, option parse errors and exit codes, create --hold, --json.
 */
#include "harness.h"

#include <fcntl.h>
#include <shmap.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char shmap_bin[4200];

static const char *bin(void)
{
    return test_build_path("tools/shmap", shmap_bin, sizeof shmap_bin);
}

/* Run shmap with the NULL-terminated args and stdin text; capture
 * stdout+stderr; returns the exit status (128 + signal). */
static int runv(const char *input, char *out, size_t n, const char *const *args)
{
    int pin[2], pout[2];
    ASSERT_EQ(pipe2(pin, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(pout, O_CLOEXEC), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(pout[1], 2);
        const char *av[16] = {"shmap"};
        for (int i = 0; args[i] && i < 14; i++)
            av[i + 1] = args[i];
        execv(bin(), (char *const *)av);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    if (input)
        ASSERT_EQ(write(pin[1], input, strlen(input)), (ssize_t)strlen(input));
    close(pin[1]);
    size_t got = 0;
    ssize_t r;
    while (got < n - 1 && (r = read(pout[0], out + got, n - 1 - got)) > 0)
        got += (size_t)r;
    out[got] = 0;
    close(pout[0]);
    int st = wait_pid(pid, 120);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(const char *input, char *out, size_t n, const char *a1, const char *a2,
               const char *a3, const char *a4)
{
    const char *args[] = {a1, a2, a3, a4, NULL};
    return runv(input, out, n, args);
}

TEST(cli_demo_runs_two_processes)
{
    char out[4096];
    ASSERT_EQ(run(NULL, out, sizeof out, "demo", NULL, NULL, NULL), 0);
    ASSERT_TRUE(strstr(out, "[second") != NULL);
    ASSERT_TRUE(strstr(out, "read: Message from first process.") != NULL);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(cli_create_write_read_ls_info_round_trip)
{
    int pin[2], pout[2];
    ASSERT_EQ(pipe2(pin, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(pout, O_CLOEXEC), 0);
    pid_t holder = fork();
    if (holder == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        execl(bin(), "shmap", "create", "cli/x", "64k", (char *)NULL);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    char line[256], out[8192];
    chan_recv((chan_t){pout[0], -1}, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "created cli/x");
    ASSERT_EQ(run("hello shmap", out, sizeof out, "write", "cli/x", "--offset", "100"), 0);
    ASSERT_EQ(run(NULL, out, sizeof out, "read", "cli/x", "--length", "128"), 0);
    ASSERT_TRUE(strstr(out, "hello") != NULL); /* hex dump's text column */
    ASSERT_TRUE(strstr(out, "00000060: ") != NULL);
    ASSERT_EQ(run(NULL, out, sizeof out, "ls", NULL, NULL, NULL), 0);
    char pid[32];
    snprintf(pid, sizeof pid, " %d ", (int)holder);
    ASSERT_TRUE(strstr(out, "cli/x") != NULL);
    if (!strstr(out, pid))
        harness_fail(__FILE__, __LINE__, "holder %d not in shmap ls:\n%s", (int)holder, out);
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "cli/x", NULL, NULL), 0);
    ASSERT_TRUE(strstr(out, "size:       65536") != NULL);
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "Local\\cli/x", NULL, NULL), 0);
    ASSERT_EQ(run("x", out, sizeof out, "write", "cli/x", "--offset", "65536"), 1);
    ASSERT_TRUE(strstr(out, "ERROR_INVALID_PARAMETER (87)") != NULL);
    close(pin[1]); /* the holder lets go */
    expect_exit(holder, 0, 10);
    close(pout[0]);
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "cli/x", NULL, NULL), 1);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(cli_errors_name_the_win32_code)
{
    char out[4096];
    ASSERT_EQ(run(NULL, out, sizeof out, "read", "missing", NULL, NULL), 1);
    ASSERT_TRUE(strstr(out, "ERROR_FILE_NOT_FOUND (2)") != NULL);
    ASSERT_EQ(run(NULL, out, sizeof out, "read", "a\\b", NULL, NULL), 1);
    ASSERT_TRUE(strstr(out, "ERROR_PATH_NOT_FOUND (3)") != NULL);
    ASSERT_EQ(run(NULL, out, sizeof out, "create", "x", "0", NULL), 1);
    ASSERT_TRUE(strstr(out, "ERROR_INVALID_PARAMETER (87)") != NULL);
    ASSERT_EQ(run(NULL, out, sizeof out, "nonsense", NULL, NULL, NULL), 2);
}

TEST_T(cli_bench_json_lines, 120)
{
    char out[8192];
    ASSERT_EQ(run(NULL, out, sizeof out, "bench", "create_cycle", "--json", "--runs"), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "bench", "create_cycle", "--json", NULL), 0);
    char name[64];
    double s, b, ratio;
    ASSERT_EQ(sscanf(out,
                     "{\"bench\": \"%63[^\"]\", \"shmap_ns\": %lf, \"baseline_ns\": %lf, "
                     "\"ratio\": %lf}",
                     name, &s, &b, &ratio),
              4);
    ASSERT_STR_EQ(name, "create_cycle");
    ASSERT_TRUE(s > 0 && b > 0);
    ASSERT_TRUE(ratio > 0.99 * s / b && ratio < 1.01 * s / b);
    ASSERT_EQ(run(NULL, out, sizeof out, "bench", "nosuch", NULL, NULL), 2);
}

TEST(cli_version)
{
    char out[4096];
    ASSERT_EQ(run(NULL, out, sizeof out, "--version", NULL, NULL, NULL), 0);
    ASSERT_STR_EQ(out, "shmap " SHMAP_VERSION_STRING "\n");
    ASSERT_EQ(run(NULL, out, sizeof out, "version", NULL, NULL, NULL), 0);
    ASSERT_STR_EQ(out, "shmap " SHMAP_VERSION_STRING "\n");
    ASSERT_EQ(run(NULL, out, sizeof out, "version", "x", NULL, NULL), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "--help", NULL, NULL, NULL), 0);
    ASSERT_TRUE(strstr(out, "--version") && strstr(out, "Exit status"));
}

TEST(cli_bench_help_and_runs_parse_errors)
{
    char out[8192];
    ASSERT_EQ(run(NULL, out, sizeof out, "bench", "--help", NULL, NULL), 0);
    static const char *const names[] = {"create_cycle",    "open_existing",     "create_cycle_100k",
                                        "event_pingpong",  "mutex_uncontended", "wait_any_64",
                                        "abandon_latency", "spawn_inherit",     "duplicate_remote",
                                        "job_close_kill",  "wine_event_relay"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strstr(out, names[i]))
            harness_fail(__FILE__, __LINE__, "bench --help lacks %s:\n%s", names[i], out);
    /* A bad --runs is a usage error before any workload runs. */
    static const char *const bad[] = {"abc", "0", "-3", "5x", "99999999999999999999", "1000001"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT_EQ(run(NULL, out, sizeof out, "bench", "--runs", bad[i], "--json"), 2);
        ASSERT_TRUE(strstr(out, "bad --runs") != NULL);
        ASSERT_TRUE(strstr(out, "\"bench\"") == NULL);
    }
    ASSERT_EQ(run(NULL, out, sizeof out, "bench", "--bogus", NULL, NULL), 2);
}

TEST(cli_number_parse_errors)
{
    char out[4096];
    /* bad size: overflow (not a clamped size that fails with 1455), sign, junk */
    static const char *const sizes[] = {
        "99999999999999999999", "9223372036854775807k", "-4096", " 4096", "4096x", "", "k"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ASSERT_EQ(run(NULL, out, sizeof out, "create", "cli/n", sizes[i], NULL), 2);
        ASSERT_TRUE(strstr(out, "bad size") != NULL);
    }
    static const char *const opts[][3] = {
        {"--length", "-5", NULL}, {"--length", "abc", NULL}, {"--offset", "-1", NULL},
        {"--offset", "1q", NULL}, {"--length", NULL, NULL},  {"--offset", NULL, NULL},
        {"--bogus", NULL, NULL},  {"--raw", "--raw2", NULL},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        ASSERT_EQ(run(NULL, out, sizeof out, "read", "cli/n", opts[i][0], opts[i][1]), 2);
        ASSERT_EQ(count_ns_entries(), 0);
    }
    ASSERT_EQ(run(NULL, out, sizeof out, "read", "cli/n", "--length", "-5"), 2);
    ASSERT_TRUE(strstr(out, "bad --length '-5'") != NULL);
    ASSERT_EQ(run("x", out, sizeof out, "write", "cli/n", "--length", "1"), 2);
    ASSERT_EQ(run("x", out, sizeof out, "write", "cli/n", "--offset", "x"), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "read", "--length", "5", NULL), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "ls", "--bogus", NULL, NULL), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "demo", "--bogus", NULL, NULL), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "x", "--bogus", NULL), 2);
    static const char *const holds[][2] = {{"abc", NULL}, {"0", NULL}, {"-1", NULL}, {NULL, NULL}};
    for (size_t i = 0; i < sizeof holds / sizeof holds[0]; i++) {
        const char *args[] = {"create", "cli/n", "4096", "--hold", holds[i][0], NULL};
        ASSERT_EQ(runv(NULL, out, sizeof out, args), 2);
    }
    ASSERT_EQ(count_ns_entries(), 0);
}

/* Start "shmap create NAME 4096 --hold HOLD" with stdin at /dev/null (what a
 * background job gets); returns its pid once it has created the mapping. */
static pid_t start_hold(const char *name, const char *hold, int *outfd)
{
    int pout[2];
    ASSERT_EQ(pipe2(pout, O_CLOEXEC), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(pout[1], 1);
        execl(bin(), "shmap", "create", name, "4096", "--hold", hold, (char *)NULL);
        _exit(127);
    }
    close(pout[1]);
    char line[256], want[300];
    chan_recv((chan_t){pout[0], -1}, line, sizeof line, 10);
    snprintf(want, sizeof want, "created %s", name);
    ASSERT_STR_EQ(line, want);
    *outfd = pout[0];
    return pid;
}

TEST(cli_create_hold_without_stdin)
{
    char out[8192];
    int fd;
    pid_t holder = start_hold("cli/h", "forever", &fd);
    /* stdin is at its end and it still holds */
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "cli/h", NULL, NULL), 0);
    ASSERT_EQ(kill(holder, SIGTERM), 0);
    expect_exit(holder, 0, 10);
    close(fd);
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "cli/h", NULL, NULL), 1);
    /* A number of seconds ends on its own (or at a signal sooner). */
    holder = start_hold("cli/h2", "1", &fd);
    expect_exit(holder, 0, 30);
    close(fd);
    holder = start_hold("cli/h3", "100000", &fd);
    ASSERT_EQ(kill(holder, SIGINT), 0);
    expect_exit(holder, 0, 10);
    close(fd);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(cli_ls_and_info_json)
{
    char out[8192], want[512];
    ASSERT_EQ(run(NULL, out, sizeof out, "ls", "--json", NULL, NULL), 0);
    ASSERT_STR_EQ(out, "[]\n");
    int fd, fd2;
    pid_t h1 = start_hold("cli/j", "forever", &fd);
    pid_t h2 = start_hold("cli\"q", "forever", &fd2);
    ASSERT_EQ(run(NULL, out, sizeof out, "ls", "--json", NULL, NULL), 0);
    ASSERT_TRUE(out[0] == '[' && !strcmp(out + strlen(out) - 2, "]\n"));
    /* then the data file of a named section: a path, its name .d + 32 hex */
    snprintf(want, sizeof want,
             "{\"scope\": \"Local\", \"name\": \"cli/j\", \"type\": \"mapping\", \"size\": "
             "4096, \"protect\": 4, \"attributes\": 134217728, \"owner_uid\": %u, "
             "\"holders\": [%d], \"data_file\": \"/",
             (unsigned)geteuid(), (int)h1);
    const char *at = strstr(out, want);
    if (!at)
        harness_fail(__FILE__, __LINE__, "ls --json lacks %s:\n%s", want, out);
    const char *end = strstr(at + strlen(want), "\"}");
    ASSERT_NOT_NULL(end);
    ASSERT_TRUE(end - 35 > at && !strncmp(end - 35, "/.d", 3));
    snprintf(want + strlen(want), sizeof want - strlen(want), "%.*s",
             (int)(end + 2 - (at + strlen(want))), at + strlen(want));
    ASSERT_TRUE(strstr(out, "\"name\": \"cli\\\"q\"") != NULL); /* the quote escaped */
    ASSERT_TRUE(strstr(out, "},\n  {") != NULL);                /* two objects, a comma */
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "Local\\cli/j", "--json", NULL), 0);
    ASSERT_STR_EQ(out, strcat(want, "\n"));
    ASSERT_EQ(run(NULL, out, sizeof out, "info", "cli/none", "--json", NULL), 1);
    kill(h1, SIGTERM);
    kill(h2, SIGTERM);
    expect_exit(h1, 0, 10);
    expect_exit(h2, 0, 10);
    close(fd);
    close(fd2);
    ASSERT_EQ(count_ns_entries(), 0);
}

/* shmap wine without Wine: its usage errors, how it finds wine and the
 * bridge, and the exit status of what it runs (a stand-in for wine). */
TEST(cli_wine_usage_lookup_and_exit_status)
{
    char out[8192];
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", NULL, NULL, NULL), 2);
    ASSERT_TRUE(strstr(out, "no program") != NULL);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--share", NULL, NULL), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--bogus", "x.exe", NULL), 2);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--help", NULL, NULL), 0);
    ASSERT_TRUE(strstr(out, "--share NAME[:SIZE]") != NULL);

    ASSERT_EQ(setenv("SHMAP_WINE_BRIDGE", "/nonexistent/shmap-wine-bridge.exe", 1), 0);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--where", NULL, NULL), 127);
    ASSERT_TRUE(strstr(out, "shmap-wine-bridge.exe not found") != NULL);

    /* a bridge that is any readable file, and stand-ins for wine */
    char dir[] = "/tmp/shmap-cli-wine.XXXXXX", fake[64], script[128];
    ASSERT_NOT_NULL(mkdtemp(dir));
    snprintf(fake, sizeof fake, "%s/bridge.exe", dir);
    snprintf(script, sizeof script, "%s/wine", dir);
    FILE *f = fopen(fake, "w");
    ASSERT_NOT_NULL(f);
    fclose(f);
    f = fopen(script, "w");
    ASSERT_NOT_NULL(f);
    fprintf(f, "#!/bin/sh\nexit 7\n");
    fclose(f);
    ASSERT_EQ(chmod(script, 0700), 0);
    ASSERT_EQ(setenv("SHMAP_WINE_BRIDGE", fake, 1), 0);
    ASSERT_EQ(setenv("WINE", "/bin/true", 1), 0);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--where", NULL, NULL), 0);
    ASSERT_TRUE(strstr(out, "wine:   /bin/true") != NULL);
    ASSERT_TRUE(strstr(out, "bridge: ") != NULL);
    /* without a size, the mapping must exist */
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--share", "Local\\cli-wine-none", "x.exe"), 1);
    ASSERT_TRUE(strstr(out, "does not exist: give its size") != NULL);
    /* the exit status is the one of what ran (here the stand-in) */
    ASSERT_EQ(setenv("WINE", script, 1), 0);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--share", "cli-wine-map:4096", "x.exe"), 7);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "--event", "cli-wine-ev", "x.exe"), 7);
    ASSERT_EQ(setenv("WINE", "/bin/false", 1), 0);
    ASSERT_EQ(run(NULL, out, sizeof out, "wine", "x.exe", NULL, NULL), 1);
    unsetenv("WINE");
    unsetenv("SHMAP_WINE_BRIDGE");
    unlink(script);
    unlink(fake);
    rmdir(dir);
    /* what it held is gone with it */
    ASSERT_EQ(run(NULL, out, sizeof out, "ls", NULL, NULL, NULL), 0);
    ASSERT_TRUE(strstr(out, "cli-wine") == NULL);
}
