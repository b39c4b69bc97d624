/*
 * test-fuzz-replay.c - runs the fuzz targets (fuzz/targets.h) on the
 * corpus in fuzz/corpus and on a deterministic stream of mutated inputs,
 * so that every build checks what the fuzzers check.
 */
#include "harness.h"
#include "../fuzz/targets.h"

#include <dirent.h>

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint8_t next_byte(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint8_t)rng;
}

TEST(fuzz_replay_corpus)
{
    char dir[4200];
    const char *src = getenv("SHMAP_TEST_SRCDIR");
    if (!src)
        SKIP("SHMAP_TEST_SRCDIR not set");
    snprintf(dir, sizeof dir, "%s/fuzz/corpus", src);
    DIR *d = opendir(dir);
    ASSERT_NOT_NULL(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[4500];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        FILE *f = fopen(p, "rb");
        ASSERT_NOT_NULL(f);
        uint8_t buf[65536];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fuzz_name(buf, len);
        fuzz_header(buf, len);
        n++;
    }
    closedir(d);
    ASSERT_GT(n, 0);
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
