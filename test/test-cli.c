/*
 * test-cli.c - the shmap command: demo, create/ls/info/read/write round
 * trip, error reports, bench's JSON line format (no timing asserted).
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/wait.h>

static char shmap_bin[4200];

static const char *bin(void)
{
    return test_build_path("tools/shmap", shmap_bin, sizeof shmap_bin);
}

/* Run shmap with args and stdin text; capture stdout+stderr; returns status. */
static int run(const char *input, char *out, size_t n, const char *a1, const char *a2,
               const char *a3, const char *a4)
{
    int pin[2], pout[2];
    ASSERT_EQ(pipe2(pin, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(pout, O_CLOEXEC), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(pout[1], 2);
        execl(bin(), "shmap", a1, a2, a3, a4, (char *)NULL);
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
