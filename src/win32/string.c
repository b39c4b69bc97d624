/*
 * string.c - wide (wchar_t, UTF-32 on Linux) <-> UTF-8 for the W functions.
 */
#include <errno.h>
#include <stdlib.h>

#include "w32.h"

int shmap_w32__utf8(const wchar_t *w, char **out)
{
    *out = NULL;
    if (!w)
        return 0;
    size_t n = wcslen(w);
    char *s = malloc(n * 4 + 1), *p = s;
    if (!s)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = (uint32_t)w[i];
        if (c > 0x10FFFF) {
            free(s);
            return SHMAP_EBADNAME;
        }
        if (c < 0x80)
            *p++ = (char)c;
        else if (c < 0x800) {
            *p++ = (char)(0xC0 | c >> 6);
            *p++ = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            *p++ = (char)(0xE0 | c >> 12);
            *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *p++ = (char)(0x80 | (c & 0x3F));
        } else {
            *p++ = (char)(0xF0 | c >> 18);
            *p++ = (char)(0x80 | ((c >> 12) & 0x3F));
            *p++ = (char)(0x80 | ((c >> 6) & 0x3F));
            *p++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *p = 0;
    *out = s;
    return 0;
}

wchar_t *shmap_w32__wide(const char *s)
{
    size_t n = strlen(s);
    wchar_t *w = malloc((n + 1) * sizeof *w), *q = w;
    const unsigned char *p = (const unsigned char *)s;
    if (!w)
        return NULL;
    while (*p) {
        uint32_t c = *p++;
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        c &= more ? (0x3Fu >> more) : 0xFFu;
        while (more-- && (*p & 0xC0) == 0x80)
            c = c << 6 | (*p++ & 0x3F);
        *q++ = (wchar_t)c;
    }
    *q = 0;
    return w;
}
