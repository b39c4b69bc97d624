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
    proc_t c = spawn_piped((char *[]){creator, NULL}, -1);
    char line[256];
    proc_line(&c, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "Created; press a key to exit.");
    proc_t r = spawn_piped((char *[]){reader, NULL}, -1);
    proc_line(&r, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "[Process2] Message from first process.");
    proc_end(&r, 0, 10);
    ASSERT_EQ(write(c.in, "k", 1), 1);
    proc_end(&c, 0, 10);
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
    proc_t r = spawn_helper_piped("reader_alone", (char *)NULL);
    char line[256];
    proc_line(&r, line, sizeof line, 10);
    ASSERT_STR_EQ(line, "Could not open file mapping object (2).");
    proc_end(&r, 1, 10);
}
