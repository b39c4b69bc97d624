/*
 * test-fuzz-replay.c - runs the fuzz targets (fuzz/targets.h) in every
 * build: each file of fuzz/corpus/<target>/ through its target, then
 * deterministic mutations of each, then streams of generated names and
 * headers.  A target aborts when a property breaks, which fails the test.
 */
#include "harness.h"
#include "../fuzz/targets.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

/* Every target, under the name of its corpus directory. */
static const struct {
    const char *dir;
    fuzz_fn fn;
} targets[] = {
    {"name", fuzz_name}, {"name-w", fuzz_name_w},   {"header", fuzz_header}, {"state", fuzz_state},
    {"job", fuzz_job},   {"cmdline", fuzz_cmdline}, {"sddl", fuzz_sddl},
};

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
static uint8_t next_byte(void)
{
    return (uint8_t)next_rand();
}

static const char *corpus_dir(char *buf, size_t n)
{
    const char *src = getenv("SHMAP_TEST_SRCDIR");
    if (!src)
        SKIP("SHMAP_TEST_SRCDIR not set");
    snprintf(buf, n, "%s/fuzz/corpus", src);
    return buf;
}

/* The contents of a file (malloc'd), its size in *n. */
static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ASSERT_NOT_NULL(f);
    struct stat sb;
    ASSERT_EQ(fstat(fileno(f), &sb), 0);
    uint8_t *buf = malloc((size_t)sb.st_size + 1);
    ASSERT_NOT_NULL(buf);
    *n = fread(buf, 1, (size_t)sb.st_size, f);
    ASSERT_EQ(*n, (size_t)sb.st_size);
    fclose(f);
    return buf;
}

/* Call fn(target index, path) for every file of every target's corpus;
 * every directory there must be a target's, every target must have files. */
static int for_each_file(void (*fn)(size_t t, const char *path))
{
    char dir[4200], sub[4400], path[4700];
    corpus_dir(dir, sizeof dir);
    DIR *d = opendir(dir);
    ASSERT_NOT_NULL(d);
    struct dirent *e;
    size_t known = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t t = 0;
        while (t < SHMAP_ARRAY_LEN(targets) && strcmp(targets[t].dir, e->d_name))
            t++;
        if (t == SHMAP_ARRAY_LEN(targets))
            harness_fail(__FILE__, __LINE__, "fuzz/corpus/%s: no such target", e->d_name);
        known++;
    }
    closedir(d);
    ASSERT_EQ(known, SHMAP_ARRAY_LEN(targets));
    int total = 0;
    for (size_t t = 0; t < SHMAP_ARRAY_LEN(targets); t++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, targets[t].dir);
        DIR *s = opendir(sub);
        ASSERT_NOT_NULL(s);
        int files = 0;
        while ((e = readdir(s)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
            fn(t, path);
            files++;
        }
        closedir(s);
        if (files == 0)
            harness_fail(__FILE__, __LINE__, "fuzz/corpus/%s is empty", targets[t].dir);
        total += files;
    }
    return total;
}

/* The input being replayed, named when a target aborts on it. */
static char current[4800];

static void on_abort(int sig)
{
    static const char msg[] = "fuzz target aborted on ";
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, current, strlen(current)) < 0 ||
        write(2, "\n", 1) < 0)
        _exit(128 + sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void replay_one(size_t t, const char *path)
{
    size_t n;
    uint8_t *buf = slurp(path, &n);
    snprintf(current, sizeof current, "%s", path);
    targets[t].fn(buf, n);
    free(buf);
}

TEST(fuzz_replay_corpus)
{
    signal(SIGABRT, on_abort);
    ASSERT_GT(for_each_file(replay_one), 0);
}

/* One of libFuzzer's kinds of change, in a buffer of room cap. */
static size_t mutate(uint8_t *b, size_t n, size_t cap)
{
    static const uint8_t interesting[] = {0, 1, 0x7f, 0x80, 0xff, '\\', '"', ' ', '%', '#'};
    size_t at = n ? next_rand() % n : 0;
    switch (next_rand() % 6) {
    case 0: /* flip a bit */
        if (n)
            b[at] ^= (uint8_t)(1u << (next_byte() % 8));
        return n;
    case 1: /* an interesting byte */
        if (n)
            b[at] = interesting[next_rand() % sizeof interesting];
        return n;
    case 2: /* insert a byte */
        if (n >= cap)
            return n;
        memmove(b + at + 1, b + at, n - at);
        b[at] = next_byte();
        return n + 1;
    case 3: /* erase a byte */
        if (!n)
            return n;
        memmove(b + at, b + at + 1, n - at - 1);
        return n - 1;
    case 4: /* truncate */
        return at;
    default: { /* an interesting 32-bit value at an aligned offset */
        static const uint32_t words[] = {0,          1,        0x7fffffff, 0x80000000,
                                         0xffffffff, 0x10ffff, 0xd800};
        at &= ~(size_t)3;
        if (at + 4 <= n)
            memcpy(b + at, &words[next_rand() % SHMAP_ARRAY_LEN(words)], 4);
        return n;
    }
    }
}

static void mutate_one(size_t t, const char *path)
{
    size_t n;
    uint8_t *seed = slurp(path, &n);
    size_t cap = n + 64;
    uint8_t *buf = malloc(cap);
    ASSERT_NOT_NULL(buf);
    for (int i = 0; i < 400; i++) {
        snprintf(current, sizeof current, "%s, mutation %d", path, i);
        memcpy(buf, seed, n);
        size_t len = n;
        for (int k = 1 + (int)(next_rand() % 4); k > 0; k--)
            len = mutate(buf, len, cap);
        targets[t].fn(buf, len);
    }
    free(buf);
    free(seed);
}

TEST(fuzz_replay_mutated_corpus)
{
    signal(SIGABRT, on_abort);
    ASSERT_GT(for_each_file(mutate_one), 0);
}

TEST(fuzz_replay_random_names)
{
    static const char *pieces[] = {
        "Local", "Global", "Session", "\\", "/",        ".",    "..",           "%",
        "#",     "1",      "0",       "a",  "\xc3\xa9", "\xff", "\xed\xa0\x80", " "};
    for (int i = 0; i < 200000; i++) {
        char buf[512];
        size_t len = 0;
        int parts = next_byte() % 12;
        for (int k = 0; k < parts; k++) {
            const char *p = pieces[next_byte() % SHMAP_ARRAY_LEN(pieces)];
            size_t pl = strlen(p);
            if (len + pl >= sizeof buf)
                break;
            memcpy(buf + len, p, pl);
            len += pl;
        }
        fuzz_name((const uint8_t *)buf, len);
    }
}

TEST(fuzz_replay_random_wide_names)
{
    static const uint32_t chars[] = {'L',    'o',    'c',     'a',      'G',     'S',
                                     '1',    '\\',   '.',     '/',      '%',     0xe9,
                                     0xd800, 0xdfff, 0x1f600, 0x10ffff, 0x110000};
    for (int i = 0; i < 100000; i++) {
        uint32_t w[64];
        size_t n = next_byte() % SHMAP_ARRAY_LEN(w);
        for (size_t k = 0; k < n; k++)
            w[k] = chars[next_byte() % SHMAP_ARRAY_LEN(chars)];
        fuzz_name_w((const uint8_t *)w, n * sizeof w[0]);
    }
}

TEST(fuzz_replay_random_headers)
{
    struct shmap_objhdr h;
    memset(&h, 0, sizeof h);
    h.magic = SHMAP_MAGIC;
    h.format = SHMAP_FORMAT;
    h.type = SHMAP_TYPE_MAPPING;
    h.name_off = SHMAP_NAME_OFF;
    h.data_offset = 65536;
    h.size = 4096;
    uint8_t buf[sizeof h + 8];
    for (int i = 0; i < 200000; i++) {
        memcpy(buf, &h, sizeof h);
        uint64_t st = 65536 + 4096;
        memcpy(buf + sizeof h, &st, 8);
        int flips = 1 + next_byte() % 4;
        for (int k = 0; k < flips; k++)
            buf[next_byte() % 112] ^= (uint8_t)(1u << (next_byte() % 8));
        fuzz_header(buf, sizeof buf);
    }
}

TEST(fuzz_replay_random_command_lines)
{
    static const char pieces[] = "ab \t\"\\\\\"x";
    for (int i = 0; i < 100000; i++) {
        char buf[48];
        buf[0] = (i & 1) ? 'l' : 'a';
        size_t n = 1 + next_byte() % (sizeof buf - 1);
        for (size_t k = 1; k < n; k++)
            buf[k] = (next_byte() % 16) ? pieces[next_byte() % (sizeof pieces - 1)] : 0;
        fuzz_cmdline((const uint8_t *)buf, n);
    }
}

TEST(fuzz_replay_random_sddl)
{
    static const char *pieces[] = {
        "O:", "G:",   "D:",  "S:", "(",  ")",  ";",  "A",  "D",
        "AU", "ML",   "OI",  "IO", "GA", "0x", "1f", "WD", "OW",
        "CO", "S-1-", "22-", "5",  "-",  " ",  "P",  "AI", "NO_ACCESS_CONTROL"};
    for (int i = 0; i < 100000; i++) {
        char buf[256];
        size_t len = 1;
        buf[0] = 's';
        int parts = next_byte() % 24;
        for (int k = 0; k < parts; k++) {
            const char *p = pieces[next_byte() % SHMAP_ARRAY_LEN(pieces)];
            size_t pl = strlen(p);
            if (len + pl >= sizeof buf)
                break;
            memcpy(buf + len, p, pl);
            len += pl;
        }
        fuzz_sddl((const uint8_t *)buf, len);
    }
}
