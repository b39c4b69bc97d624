/*
 * harness.h - the test harness: TEST(name) { ... } registers a test; main()
 * (in harness.c) runs each one in a forked child with a timeout and a private
 * namespace ($SHMAP_ROOT under /dev/shm), then checks that the test left the
 * namespace directory empty and leaked no file descriptor.
 *
 * Usage:  test-foo              run all tests of the file
 *         test-foo NAME...      run the named tests
 *         test-foo --list
 * A test fails by failing an ASSERT_* (prints both values, never compiled
 * out) or by crashing.  exit(77) skips.  Multi-process tests start helpers
 * from the same binary: HELPER(name) { ... } and spawn_helper("name", args).
 */
#ifndef SHMAP_TEST_HARNESS_H
#define SHMAP_TEST_HARNESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

typedef void (*test_fn)(void);
typedef int (*helper_fn)(int argc, char **argv);

void harness_register_test(const char *name, test_fn fn, int timeout_s);
void harness_register_helper(const char *name, helper_fn fn);

#define TEST_T(name, timeout)                                                                      \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void reg_test_##name(void)                                 \
    {                                                                                              \
        harness_register_test(#name, test_##name, timeout);                                        \
    }                                                                                              \
    static void test_##name(void)
#define TEST(name) TEST_T(name, 60)

#define HELPER(name)                                                                               \
    static int helper_##name(int argc, char **argv);                                               \
    __attribute__((constructor)) static void reg_helper_##name(void)                               \
    {                                                                                              \
        harness_register_helper(#name, helper_##name);                                             \
    }                                                                                              \
    static int helper_##name(int argc, char **argv)

_Noreturn void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ASSERT_TRUE(c)                                                                             \
    do {                                                                                           \
        if (!(c))                                                                                  \
            harness_fail(__FILE__, __LINE__, "ASSERT_TRUE(%s)", #c);                               \
    } while (0)
#define ASSERT_OP_(a, op, b, fmt, type)                                                            \
    do {                                                                                           \
        type a_ = (type)(a);                                                                       \
        type b_ = (type)(b);                                                                       \
        if (!(a_ op b_))                                                                           \
            harness_fail(__FILE__, __LINE__, "%s %s %s: " fmt " vs " fmt, #a, #op, #b, a_, b_);    \
    } while (0)
#define ASSERT_EQ(a, b) ASSERT_OP_(a, ==, b, "%lld", long long)
#define ASSERT_NE(a, b) ASSERT_OP_(a, !=, b, "%lld", long long)
#define ASSERT_LT(a, b) ASSERT_OP_(a, <, b, "%lld", long long)
#define ASSERT_LE(a, b) ASSERT_OP_(a, <=, b, "%lld", long long)
#define ASSERT_GT(a, b) ASSERT_OP_(a, >, b, "%lld", long long)
#define ASSERT_GE(a, b) ASSERT_OP_(a, >=, b, "%lld", long long)
#define ASSERT_EQ_U(a, b) ASSERT_OP_(a, ==, b, "0x%llx", unsigned long long)
#define ASSERT_PTR_EQ(a, b) ASSERT_OP_(a, ==, b, "%p", const void *)
#define ASSERT_PTR_NE(a, b) ASSERT_OP_(a, !=, b, "%p", const void *)
#define ASSERT_NULL(a) ASSERT_PTR_EQ(a, NULL)
#define ASSERT_NOT_NULL(a) ASSERT_PTR_NE(a, NULL)
#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            harness_fail(__FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"", #a, #b,                 \
                         a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                  \
    } while (0)
#define ASSERT_MEM_EQ(a, b, n)                                                                     \
    do {                                                                                           \
        if (memcmp((a), (b), (n)) != 0)                                                            \
            harness_fail(__FILE__, __LINE__, "memory %s != %s (%zu bytes)", #a, #b, (size_t)(n));  \
    } while (0)

#define SKIP(why)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "SKIP: %s\n", why);                                                        \
        exit(77);                                                                                  \
    } while (0)

/* The private namespace directory of the running test. */
const char *test_root(void);
/* Path of this test binary, of the build directory, and of a built program
 * (e.g. "tools/shmap", "test/prog-foo"). */
const char *test_self(void);
const char *test_build_path(const char *rel, char *buf, size_t n);

/* Start "<self> --helper NAME args..." (NULL-terminated args); returns pid.
 * The helper inherits the test's SHMAP_ROOT. */
pid_t spawn_helper(const char *name, ...);
/* Start any program (argv NULL-terminated); returns pid. */
pid_t spawn_prog(char *const argv[]);
/* Wait for pid with a generous bound (seconds); returns the wait status, or
 * fails the test on timeout (and kills pid). */
int wait_pid(pid_t pid, int timeout_s);
/* Assert that pid exited with code. */
void expect_exit(pid_t pid, int code, int timeout_s);

/* Number of open fds of this process; number of entries in the namespace
 * directories (object files only, recursively). */
int count_fds(void);
int count_ns_entries(void);

/* Simple pipe-based rendezvous between a test and its helpers. */
typedef struct {
    int rd, wr;
} chan_t;
chan_t chan_new(void);
void chan_send(chan_t c, const char *msg);
/* Reads one line (without '\n') into buf; fails the test after timeout_s. */
void chan_recv(chan_t c, char *buf, size_t n, int timeout_s);

/* A child with its standard input and output on pipes (close-on-exec in
 * the parent, so other children do not inherit them). */
typedef struct {
    pid_t pid;
    int in;  /* write end: the child's stdin */
    int out; /* read end: the child's stdout */
} proc_t;
/* Run argv (argv[0] is the program); extra_fd, if >= 0, stays open in it. */
proc_t spawn_piped(char *const argv[], int extra_fd);
/* Run "<self> --helper NAME args..." (NULL-terminated) on pipes. */
proc_t spawn_helper_piped(const char *name, ...);
/* One line of the child's output (fails the test after timeout_s). */
void proc_line(proc_t *p, char *buf, size_t n, int timeout_s);
/* Close the child's stdin, expect it to exit with code, close its output. */
void proc_end(proc_t *p, int code, int timeout_s);

/* Poison an output buffer before a call, so a call that writes nothing is caught. */
#define POISON(x) memset(&(x), 0xA5, sizeof(x))

#endif
