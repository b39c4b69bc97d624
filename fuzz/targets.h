/*
 * targets.h - fuzz targets for the parsers and validators of hostile
 * input.  Each is fuzz_<target>(data, size); it feeds the input to the
 * library and checks properties that must hold for every input, aborting
 * when one breaks, so that fuzzing finds logic errors and not only crashes.
 * Built as libFuzzer programs (fuzz/CMakeLists.txt, -DSHMAP_FUZZ=ON, clang)
 * and replayed by test/test-fuzz-replay.c in every build: fuzz/corpus/<t>/
 * holds the seeds and the findings of target <t>.
 *
 *   name     object names, narrow (A) and wide (W) limits (name.c)
 *   name-w   wide names: UTF-32 -> UTF-8 (win32/string.c), then the A and
 *            W parses of the result, which must agree
 *   header   the object header validator (layout.c)
 *   state    the shared state of events, mutexes, semaphores, timers (sync.c
 *            and the types' pure transitions) and of jobs (job.c)
 *   job      a job file as a member maps it (job.c)
 *   cmdline  CreateProcess's command line (spawn.c) in both directions:
 *            split a line; quote an argv and split it back
 *   sddl     security descriptors (sid.c, sd.c, sddl.c): an SDDL string
 *            parses to a descriptor whose string parses to the same bytes;
 *            any bytes as a descriptor are refused or validate, format,
 *            check and normalize without reading outside them
 */
#ifndef SHMAP_FUZZ_TARGETS_H
#define SHMAP_FUZZ_TARGETS_H

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "internal.h"
#include "win32/w32.h"

static inline void fuzz_check(int cond)
{
    if (!cond)
        abort();
}

/* ---- name ------------------------------------------------------------------ */

/* What every name that parsed (0) must satisfy; s is the parsed string. */
static inline void fuzz_name_parsed(const char *s, const struct shmap_name *n)
{
    size_t fl = strlen(n->fname);
    fuzz_check(fl > 0 && fl <= SHMAP_FNAME_MAX);
    fuzz_check(strchr(n->fname, '/') == NULL);
    fuzz_check(strcmp(n->fname, ".") && strcmp(n->fname, ".."));
    fuzz_check(n->base >= s && n->base + n->len <= s + strlen(s) && n->len > 0);
    fuzz_check(memchr(n->base, '\\', n->len) == NULL);
    fuzz_check(n->scope <= SHMAP_SCOPE_USER && (n->scope == SHMAP_SCOPE_USER || n->uid == 0));
    /* the file name decodes back to the object name (shmap ls), unless hashed */
    char back[SHMAP_FNAME_MAX + 1];
    int d = shmap__name_decode(n->fname, back, sizeof back);
    if (n->fname[0] == '#')
        fuzz_check(d == -1 && fl == 33);
    else
        fuzz_check(d == (int)n->len && memcmp(back, n->base, n->len) == 0);
    /* the name read back from the object file gives the same file and hash */
    struct shmap_name m;
    fuzz_check(shmap__name_make(n->scope, n->uid, n->base, n->len, &m) == 0);
    fuzz_check(!strcmp(m.fname, n->fname) && m.hash == n->hash);
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
        fuzz_check(r <= 1);
        if (r == 0)
            fuzz_name_parsed(s, &n);
    }
    free(s);
    return 0;
}

/* ---- name-w: the input is an array of wchar_t (UTF-32, host order) --------- */

static inline int fuzz_name_w(const uint8_t *data, size_t size)
{
    size_t cap = size / sizeof(wchar_t);
    wchar_t *w = malloc((cap + 1) * sizeof *w);
    if (!w)
        return 0;
    memcpy(w, data, cap * sizeof *w);
    w[cap] = 0;
    size_t len = wcslen(w);
    long units = 0;
    bool valid = true;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = (uint32_t)w[i];
        valid &= c <= 0x10FFFF;
        units += c >= 0x10000 ? 2 : 1;
    }
    char *u = (char *)1;
    int r = shmap_w32__utf8(w, &u);
    if (!valid) {
        fuzz_check(r == SHMAP_EBADNAME && u == NULL);
        free(w);
        return 0;
    }
    fuzz_check(r == 0 && u != NULL);
    size_t ul = strlen(u);
    fuzz_check(ul >= len && ul <= 4 * len);
    /* our own UTF-8 (lone surrogates included) passes our own check, and
     * counts the UTF-16 units Windows would */
    fuzz_check(shmap__utf8_units16(u, ul) == units);
    wchar_t *back = shmap_w32__wide(u);
    fuzz_check(back != NULL && wcscmp(back, w) == 0);
    free(back);
    /* CreateEventW(L"x") and CreateEventA("x") name one object: the W parse
     * and the A parse agree but for the A length limit */
    struct shmap_name na, nw;
    int ra = shmap__name_parse(u, 0, &na), rw = shmap__name_parse(u, SHMAP_WIDE_NAME, &nw);
    if (units > (long)SHMAP_NAME_MAX_W)
        fuzz_check(rw == -ENAMETOOLONG);
    if (units > (long)SHMAP_NAME_MAX_A) {
        fuzz_check(ra == -ENAMETOOLONG);
    } else {
        fuzz_check(ra == rw);
        if (ra == 0)
            fuzz_check(na.scope == nw.scope && na.uid == nw.uid && na.base == nw.base &&
                       na.len == nw.len && na.hash == nw.hash && !strcmp(na.fname, nw.fname));
    }
    if (rw == 0)
        fuzz_name_parsed(u, &nw);
    free(u);
    free(w);
    return 0;
}

/* ---- header: struct shmap_objhdr, then the file size (8 bytes) ----------- */

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
    fuzz_check(h.type >= SHMAP_TYPE_MAPPING && h.type <= SHMAP_TYPE_NAMED_MAX);
    fuzz_check(h.name_off == SHMAP_NAME_OFF && (uint64_t)h.name_off + h.name_len <= st_size);
    fuzz_check(!h.sd_len || (uint64_t)h.sd_off + h.sd_len <= st_size);
    if (h.type != SHMAP_TYPE_MAPPING) {
        fuzz_check(st_size >= SHMAP_PAGE_SIZE && !h.data_offset && !h.size);
        return 0;
    }
    fuzz_check(h.data_offset % SHMAP_DATA_ALIGN == 0 && h.data_offset >= SHMAP_DATA_ALIGN);
    fuzz_check((uint64_t)h.name_off + h.name_len <= h.data_offset);
    if (h.hflags & SHMAP_HF_FILE_BACKED)
        fuzz_check((uint64_t)h.path_off + h.path_len <= h.data_offset && !h.bitmap_len &&
                   st_size >= h.data_offset);
    else if (h.hflags & SHMAP_HF_DATA_FILE) /* the data is in the data file it names */
        fuzz_check(!(h.hflags & SHMAP_HF_FILE_BACKED) && h.size && h.size % SHMAP_PAGE_SIZE == 0 &&
                   shmap__dname_valid(h.data_name, sizeof h.data_name) && h.file_ino &&
                   st_size >= h.data_offset);
    else
        fuzz_check(h.size && h.size % SHMAP_PAGE_SIZE == 0 && h.data_offset + h.size >= h.size &&
                   h.data_offset + h.size <= st_size);
    if (h.bitmap_len) /* one bit per page, inside the header area */
        fuzz_check((uint64_t)h.bitmap_off + h.bitmap_len <= h.data_offset &&
                   (uint64_t)h.bitmap_len * 8 >= h.size / SHMAP_PAGE_SIZE);
    return 0;
}

/* ---- state: selector (1 byte), now (8), the 768-byte state, operations ---- */

#define FUZZ_STATE_HEAD 9u
#define FUZZ_NOW_MAX (1ull << 62) /* CLOCK_MONOTONIC in ns: 146 years of uptime */

union fuzz_state {
    struct shmap_sync s;
    struct shmap_jobst j;
    uint8_t b[SHMAP_STATE_SIZE];
};

static const shmap_type_t fuzz_sync_types[4] = {SHMAP_TYPE_EVENT, SHMAP_TYPE_MUTEX,
                                                SHMAP_TYPE_SEMAPHORE, SHMAP_TYPE_TIMER};

/* What the code that uses an accepted state relies on. */
static inline void fuzz_sync_invariants(const struct shmap_sync *s, shmap_type_t type)
{
    uint32_t raw = atomic_load(&s->count), c = raw & ~SHMAP_COUNT_HOLD;
    fuzz_check(s->tag == SHMAP_SYNC_TAG && s->type == (uint32_t)type);
    fuzz_check(!(s->flags & ~SHMAP_SYNC_MANUAL));
    switch (type) {
    case SHMAP_TYPE_EVENT:
        fuzz_check(c <= 1);
        break;
    case SHMAP_TYPE_SEMAPHORE: /* a release adds to c in 32 bits; queries are int32_t */
        fuzz_check(s->max >= 1 && s->max <= INT32_MAX && c <= s->max);
        break;
    case SHMAP_TYPE_TIMER: /* a timer is never held */
        fuzz_check(raw <= 1);
        break;
    case SHMAP_TYPE_MUTEX: /* the query reports 1 - recursion as an int32_t */
        fuzz_check(atomic_load(&s->recursion) <= INT32_MAX);
        break;
    default:
        fuzz_check(0);
    }
}

/* One pure transition of the type's, chosen by op, with what it promises.
 * A state that an accepted state turns into is accepted by the next
 * opener (the validator is closed under the transitions). */
static inline void fuzz_sync_op(struct shmap_sync *s, shmap_type_t type, uint8_t op, uint64_t *now)
{
    uint32_t before = atomic_load(&s->count), c = before & ~SHMAP_COUNT_HOLD;
    bool manual = (s->flags & SHMAP_SYNC_MANUAL) != 0;
    bool by_pulse = false;
    uint64_t due = UINT64_MAX;
    /* the transitions as the wait core calls them: through the type's table */
    const struct shmap_wait_ops *ev = shmap__event_ops.wait, *sem = shmap__semaphore_ops.wait,
                                *tm = shmap__timer_ops.wait;
    switch (type) {
    case SHMAP_TYPE_EVENT:
        if (op & 1) { /* a waiter without the lock */
            bool took = ev->try_take(s);
            fuzz_check(took == (manual ? c != 0 : before == 1));
            fuzz_check(atomic_load(&s->count) == (took && !manual ? 0 : before));
        } else if (ev->ready(s, atomic_load(&s->pulse_gen) - (op >> 1 & 1), 0, &by_pulse, &due)) {
            ev->take(s, by_pulse); /* a waiter under the lock */
            if (!manual)
                fuzz_check(by_pulse ? atomic_load(&s->pulse_left) == 0
                                    : atomic_load(&s->count) == 0);
        }
        break;
    case SHMAP_TYPE_SEMAPHORE:
        if (op & 1) {
            bool took = sem->try_take(s);
            fuzz_check(took == (c != 0 && before == c));
            fuzz_check(atomic_load(&s->count) == before - took);
        } else if (sem->ready(s, 0, 0, &by_pulse, &due)) {
            fuzz_check(c != 0);
            sem->take(s, false);
            fuzz_check(atomic_load(&s->count) == c - 1);
        }
        break;
    case SHMAP_TYPE_TIMER: {
        *now += (uint64_t)op << (op & 31); /* forwards, by up to ~2^39 ns */
        bool ready = tm->ready(s, 0, *now, &by_pulse, &due);
        fuzz_check(ready == (atomic_load(&s->count) != 0));
        fuzz_check(s->armed ? due == s->due_ns && due > *now : due == UINT64_MAX);
        if (ready && (op & 1)) {
            tm->take(s, false);
            fuzz_check(atomic_load(&s->count) == (manual ? 1u : 0u));
        }
        break;
    }
    default: /* mutexes change only by their owner's compare-and-swap */
        break;
    }
}

static inline int fuzz_state(const uint8_t *data, size_t size)
{
    if (size < FUZZ_STATE_HEAD)
        return 0;
    union fuzz_state u;
    memset(&u, 0, sizeof u);
    size_t n = size - FUZZ_STATE_HEAD < sizeof u ? size - FUZZ_STATE_HEAD : sizeof u;
    memcpy(u.b, data + FUZZ_STATE_HEAD, n);
    uint64_t now;
    memcpy(&now, data + 1, 8);
    now %= FUZZ_NOW_MAX;
    /* a page is the state of one type at most */
    int accepted = shmap__job_state_ok(&u.j);
    for (int i = 0; i < 4; i++)
        if (shmap__sync_state_ok(&u.s, fuzz_sync_types[i])) {
            fuzz_sync_invariants(&u.s, fuzz_sync_types[i]);
            accepted++;
        }
    fuzz_check(accepted <= 1);
    unsigned sel = data[0] % 5;
    if (sel == 4) {
        if (shmap__job_state_ok(&u.j))
            fuzz_check(u.j.tag == SHMAP_JOB_TAG && u.j.version == SHMAP_JOB_VERSION &&
                       (uint64_t)u.j.nmembers * sizeof(struct shmap_jmember) <=
                           SHMAP_JOB_MEMBERS_BYTES);
        return 0;
    }
    shmap_type_t type = fuzz_sync_types[sel];
    if (!shmap__sync_state_ok(&u.s, type))
        return 0;
    for (size_t i = FUZZ_STATE_HEAD + sizeof u; i < size; i++) {
        fuzz_sync_op(&u.s, type, data[i], &now);
        fuzz_check(shmap__sync_state_ok(&u.s, type));
        fuzz_sync_invariants(&u.s, type);
    }
    return 0;
}

/* ---- job: the first 1024 bytes of the file, its size (8), the members ---- */

static inline int fuzz_job(const uint8_t *data, size_t size)
{
    if (size < SHMAP_NAME_OFF + 8)
        return 0;
    void *page = calloc(1, SHMAP_PAGE_SIZE);
    struct shmap_jmember *m = calloc(1, SHMAP_JOB_MEMBERS_BYTES);
    if (!page || !m) {
        free(page);
        free(m);
        return 0;
    }
    memcpy(page, data, SHMAP_NAME_OFF);
    uint64_t st_size;
    memcpy(&st_size, data + SHMAP_NAME_OFF, 8);
    size_t rest = size - SHMAP_NAME_OFF - 8;
    memcpy(m, data + SHMAP_NAME_OFF + 8,
           rest < SHMAP_JOB_MEMBERS_BYTES ? rest : SHMAP_JOB_MEMBERS_BYTES);
    const struct shmap_objhdr *h = page;
    const struct shmap_jobst *st =
        (const struct shmap_jobst *)((const char *)page + SHMAP_STATE_OFF);
    bool member_ok = shmap__job_file_ok(page, st_size);
    /* what an opener accepts (namespace.c, named.c, job.c's attach), a
     * member accepts too: a job that can be opened can be joined */
    bool open_ok = shmap__hdr_validate(h, st_size) == 0 && h->type == SHMAP_TYPE_JOB &&
                   shmap__job_state_ok(st) && st_size >= SHMAP_JOB_FILE_SIZE;
    fuzz_check(!open_ok || member_ok);
    if (member_ok) {
        fuzz_check(h->magic == SHMAP_MAGIC && h->type == SHMAP_TYPE_JOB);
        fuzz_check(shmap__job_state_ok(st) && st->nmembers <= SHMAP_JOB_MAX_MEMBERS);
        /* the member table, and the entries in use, are inside the file */
        fuzz_check(st_size >= SHMAP_JOB_MEMBERS_OFF + SHMAP_JOB_MEMBERS_BYTES);
        uint32_t live = 0;
        for (uint32_t i = 0; i < st->nmembers; i++) /* as prune() walks it */
            live += m[i].pid != 0;
        fuzz_check(live <= SHMAP_JOB_MAX_MEMBERS);
    }
    free(m);
    free(page);
    return 0;
}

/* ---- cmdline: mode byte; 'l' mode: a command line; else NUL-separated argv -- */

/* Quote argv into a command line that the C runtime's rules split back
 * into argv (the reverse of shmap_cmdline_split); NULL if argv[0] cannot
 * be written: the program-name rule has no escape, so a name cannot start
 * with a quote nor hold one together with a blank. */
static inline char *fuzz_quote(char *const *argv, size_t argc)
{
    size_t cap = 1;
    for (size_t i = 0; i < argc; i++)
        cap += 2 * strlen(argv[i]) + 4;
    char *line = malloc(cap), *o = line;
    if (!line)
        return NULL;
    for (size_t i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool blank = a[strcspn(a, " \t")] != 0, quote = strchr(a, '"') != NULL;
        if (i)
            *o++ = ' ';
        if (i == 0) {
            if (a[0] == '"' || (quote && blank)) {
                free(line);
                return NULL;
            }
            bool q = !*a || blank;
            o += sprintf(o, q ? "\"%s\"" : "%s", a);
            continue;
        }
        if (*a && !blank && !quote) { /* backslashes are literal but before a quote */
            o += sprintf(o, "%s", a);
            continue;
        }
        *o++ = '"';
        for (const char *p = a;; p++) {
            size_t k = strspn(p, "\\");
            /* before a quote or the closing quote, each backslash doubles */
            size_t out = p[k] == '"' ? 2 * k + 1 : p[k] ? k : 2 * k;
            memset(o, '\\', out);
            o += out;
            p += k;
            if (!*p)
                break;
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o = 0;
    return line;
}

/* Split line, check what every split gives, and return argc (argv in *v). */
static inline int fuzz_split(const char *line, char ***v)
{
    size_t len = strlen(line);
    int n = shmap_cmdline_split(line, v);
    fuzz_check(n >= 0 && (*v)[n] == NULL);
    fuzz_check((size_t)n <= len / 2 + 1);
    fuzz_check((n == 0) == (line[strspn(line, " \t")] == 0));
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += strlen((*v)[i]);
    fuzz_check(total <= len);
    return n;
}

static inline bool fuzz_same_argv(char *const *a, char *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i], b[i]))
            return false;
    return true;
}

static inline int fuzz_cmdline(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    char **v = NULL, **w = NULL, *q = NULL;
    if (data[0] == 'l') { /* a line: what split gives is an argv that quotes */
        int n = fuzz_split(s, &v);
        q = fuzz_quote(v, (size_t)n);
        fuzz_check(q != NULL); /* a split argv[0] holds no quote, or no blank */
        fuzz_check(fuzz_split(q, &w) == n && fuzz_same_argv(v, w, (size_t)n));
    } else { /* an argv: fields separated by NUL bytes */
        size_t argc = 1;
        for (size_t i = 0; i + 1 < size; i++)
            argc += s[i] == 0;
        v = malloc((argc + 1) * sizeof *v);
        if (v) {
            char *p = s;
            for (size_t i = 0; i < argc; i++, p += strlen(p) + 1)
                v[i] = p;
            v[argc] = NULL;
            q = fuzz_quote(v, argc);
        }
        if (q) /* quote(argv) splits back into argv */
            fuzz_check(fuzz_split(q, &w) == (int)argc && fuzz_same_argv(v, w, argc));
    }
    free(q);
    free(w);
    free(v);
    free(s);
    return 0;
}

/* ---- sddl: mode byte 's': an SDDL string; else the bytes of a descriptor ---- */

/* A valid descriptor: its string (if SDDL can write it) is a fixed point. */
static inline void fuzz_sd_valid(const uint8_t *sd, size_t len)
{
    static const uint32_t map[4] = {0x00020001, 0x00020002, 0x00120000, 0x001F0003};
    static const uint32_t groups[2] = {27, 0};
    const struct shmap_token toks[2] = {{1000, 1000, groups, 2}, {0, 0, NULL, 0}};
    char *str = NULL, *str2 = NULL;
    void *back = NULL, *back2 = NULL, *norm = NULL;
    size_t bl, bl2, nl;
    int r = shmap__sddl_format(sd, len, 0xF, &str);
    fuzz_check(r == 0 || r == SHMAP_EBADACL || r == -ENOMEM);
    if (r == 0 && shmap__sddl_parse(str, &back, &bl) == 0) {
        fuzz_check(shmap__sddl_format(back, bl, 0xF, &str2) == 0 && strcmp(str, str2) == 0);
        fuzz_check(shmap__sddl_parse(str2, &back2, &bl2) == 0);
        fuzz_check(bl2 == bl && memcmp(back, back2, bl) == 0);
    }
    for (int t = 0; t < 2; t++) {
        uint32_t g = 0;
        r = shmap__sd_access_check(sd, len, &toks[t], 0x02000000u, map, &g);
        fuzz_check((r == 0 && g != 0) || r == -EACCES);
    }
    r = shmap__sd_normalize(sd, len, 1000, 1000, map, &norm, &nl);
    fuzz_check(r == 0 || r == SHMAP_EBADACL || r == -ENOMEM);
    if (r == 0)
        fuzz_check(shmap__sd_parse(norm, nl, &(struct shmap_sd_view){0}) == 0);
    free(norm);
    free(back2);
    free(back);
    free(str2);
    free(str);
}

static inline int fuzz_sddl(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] == 's') {
        char *s = malloc(size);
        if (!s)
            return 0;
        memcpy(s, data + 1, size - 1);
        s[size - 1] = 0;
        void *sd = NULL;
        size_t len;
        int r = shmap__sddl_parse(s, &sd, &len);
        fuzz_check(r == 0 || r == -EINVAL || r == SHMAP_EBADACL || r == SHMAP_EBADSID ||
                   r == -ENOMEM);
        if (r == 0) {
            fuzz_check(shmap_sd_validate(sd, len) == 0);
            char *str = NULL;
            r = shmap__sddl_format(sd, len, 0xF, &str);
            fuzz_check(r == 0 || r == -ENOMEM);
            void *sd2 = NULL;
            size_t len2;
            if (r == 0) { /* string -> descriptor -> string -> the same descriptor */
                fuzz_check(shmap__sddl_parse(str, &sd2, &len2) == 0);
                fuzz_check(len2 == len && memcmp(sd, sd2, len) == 0);
            }
            free(sd2);
            free(str);
            fuzz_sd_valid(sd, len);
        }
        free(sd);
        free(s);
        return 0;
    }
    /* the bytes alone, in a buffer of exactly their size (ASan sees a read past it) */
    uint8_t *sd = malloc(size - 1 ? size - 1 : 1);
    if (!sd)
        return 0;
    memcpy(sd, data + 1, size - 1);
    struct shmap_sd_view v;
    int r = shmap__sd_parse(sd, size - 1, &v);
    fuzz_check(r == 0 || r == SHMAP_EBADSD || r == SHMAP_EBADACL || r == SHMAP_EBADSID ||
               r == SHMAP_EREVISION);
    if (r == 0)
        fuzz_sd_valid(sd, size - 1);
    free(sd);
    return 0;
}

#endif
