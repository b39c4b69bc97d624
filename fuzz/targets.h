/*
 * targets.h - fuzz targets for the two parsers of hostile input: the name
 * parser and the object-header validator.  Each checks invariants and
 * aborts if one breaks.  Built as libFuzzer programs (-DSHMAP_FUZZ=ON, clang)
 * and replayed by test/test-fuzz-replay.c in every build.
 */
#ifndef SHMAP_FUZZ_TARGETS_H
#define SHMAP_FUZZ_TARGETS_H

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static inline void fuzz_check(int cond)
{
    if (!cond)
        abort();
}

static inline int fuzz_name(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    for (unsigned flags = 0; flags <= SHMAP_WIDE_NAME; flags += SHMAP_WIDE_NAME) {
        struct shmap_name n;
        int r = shmap__name_parse(s, flags, &n);
        if (r != 0)
            continue;
        size_t fl = strlen(n.fname);
        fuzz_check(fl > 0 && fl <= SHMAP_FNAME_MAX);
        fuzz_check(strchr(n.fname, '/') == NULL);
        fuzz_check(strcmp(n.fname, ".") && strcmp(n.fname, ".."));
        fuzz_check(n.base >= s && n.base + n.len <= s + strlen(s));
        fuzz_check(memchr(n.base, '\\', n.len) == NULL);
        char back[SHMAP_FNAME_MAX + 1];
        int d = shmap__name_decode(n.fname, back, sizeof back);
        if (n.fname[0] == '#')
            fuzz_check(d == -1);
        else
            fuzz_check(d == (int)n.len && memcmp(back, n.base, n.len) == 0);
    }
    free(s);
    return 0;
}

static inline int fuzz_header(const uint8_t *data, size_t size)
{
    struct shmap_objhdr h;
    if (size < sizeof h + 8)
        return 0;
    memcpy(&h, data, sizeof h);
    uint64_t st_size;
    memcpy(&st_size, data + sizeof h, 8);
    if (shmap__hdr_validate(&h, st_size) != 0)
        return 0;
    /* whatever it accepted describes ranges inside the file */
    fuzz_check((uint64_t)h.name_off + h.name_len <= st_size);
    if (h.type == SHMAP_TYPE_MAPPING && !(h.hflags & SHMAP_HF_FILE_BACKED))
        fuzz_check(h.size && h.data_offset + h.size <= st_size && h.data_offset >= h.size * 0 &&
                   h.data_offset + h.size >= h.data_offset);
    if (h.bitmap_len)
        fuzz_check((uint64_t)h.bitmap_off + h.bitmap_len <= h.data_offset);
    return 0;
}

#endif
