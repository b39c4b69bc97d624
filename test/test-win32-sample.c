/*
 * test-win32-sample.c - the two-program named shared memory sample, built
 * from unchanged Win32 source, run as two processes.
 */
#include "harness.h"

#include <fcntl.h>
#include <sys/wait.h>

static void run_pair(void)
{
    char creator[4200], reader[4200];
    test_build_path("test/prog-win32-creator", creator, sizeof creator);
    test_build_path("test/prog-win32-reader", reader, sizeof reader);
    int in[2], out[2];
    ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    pid_t c = fork();
    if (c == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        execl(creator, creator, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    char line[256];
    chan_recv((chan_t){out[0], -1}, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "Created; press a key to exit.");
    int rout[2];
    ASSERT_EQ(pipe2(rout, O_CLOEXEC), 0);
    pid_t r = fork();
    if (r == 0) {
        dup2(rout[1], 1);
        execl(reader, reader, (char *)NULL);
        _exit(127);
    }
    close(rout[1]);
    chan_recv((chan_t){rout[0], -1}, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "[Process2] Message from first process.");
    expect_exit(r, 0, 10);
    ASSERT_EQ(write(in[1], "k", 1), 1);
    expect_exit(c, 0, 10);
    close(in[1]);
    close(out[0]);
    close(rout[0]);
}

TEST(win32_sample_creator_and_reader_share_the_message)
{
    if (geteuid() != 0)
        SKIP("Global\\ file mappings need root or the shmap-global group");
    run_pair();
    ASSERT_EQ(count_ns_entries(), 0);
}

HELPER(reader_alone)
{
    char reader[4200];
    test_build_path("test/prog-win32-reader", reader, sizeof reader);
    execl(reader, reader, (char *)NULL);
    return 127;
}

TEST(win32_sample_reader_without_creator_reports_file_not_found)
{
    int out[2];
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    pid_t r = fork();
    if (r == 0) {
        dup2(out[1], 1);
        execl(test_self(), test_self(), "--helper", "reader_alone", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char line[256];
    chan_recv((chan_t){out[0], -1}, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "Could not open file mapping object (2).");
    expect_exit(r, 1, 10);
    close(out[0]);
}
