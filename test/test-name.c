/*
 * test-name.c - the name parser (§2.3, §2.4 of the reference): prefixes,
 * links, errors, lengths, and the file names it produces.
 */
#include "harness.h"
#include "internal.h"

static int parse(const char *s, unsigned flags, struct shmap_name *n)
{
    POISON(*n);
    return shmap__name_parse(s, flags, n);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    s[n] = 0;
    return s;
}

TEST(name_null_and_empty_are_unnamed)
{
    struct shmap_name n;
    ASSERT_EQ(parse(NULL, 0, &n), 1);
    ASSERT_EQ(parse("", 0, &n), 1);
}

TEST(name_plain_is_local)
{
    struct shmap_name n;
    ASSERT_EQ(parse("abc", 0, &n), 0);
    ASSERT_EQ(n.scope, SHMAP_SCOPE_LOCAL);
    ASSERT_EQ(n.len, 3);
    ASSERT_STR_EQ(n.fname, "abc");
}

TEST(name_local_prefix_is_same_object_as_plain)
{
    struct shmap_name a, b;
    ASSERT_EQ(parse("Local\\x", 0, &a), 0);
    ASSERT_EQ(parse("x", 0, &b), 0);
    ASSERT_EQ(a.scope, b.scope);
    ASSERT_STR_EQ(a.fname, b.fname);
    ASSERT_EQ(a.hash, b.hash);
}

TEST(name_global_prefix)
{
    struct shmap_name n;
    ASSERT_EQ(parse("Global\\g", 0, &n), 0);
    ASSERT_EQ(n.scope, SHMAP_SCOPE_GLOBAL);
    ASSERT_STR_EQ(n.fname, "g");
    ASSERT_EQ(parse("Global\\Local\\g", 0, &n), 0); /* Local inside Global is Global */
    ASSERT_EQ(n.scope, SHMAP_SCOPE_GLOBAL);
    ASSERT_EQ(parse("Local\\Global\\g", 0, &n), 0);
    ASSERT_EQ(n.scope, SHMAP_SCOPE_GLOBAL);
}

TEST(name_session_links)
{
    struct shmap_name n;
    char buf[64];
    snprintf(buf, sizeof buf, "Session\\%u\\x", (unsigned)geteuid() + 1);
    ASSERT_EQ(parse(buf, 0, &n), 0);
    ASSERT_EQ(n.scope, SHMAP_SCOPE_LOCAL);
    ASSERT_EQ(parse("Session\\0\\x", 0, &n), 0);
    ASSERT_EQ(n.scope, SHMAP_SCOPE_GLOBAL);
    snprintf(buf, sizeof buf, "Session\\%u\\x", (unsigned)geteuid() + 8);
    ASSERT_EQ(parse(buf, 0, &n), 0);
    ASSERT_EQ(n.scope, SHMAP_SCOPE_USER);
    ASSERT_EQ(n.uid, geteuid() + 7);
    ASSERT_EQ(parse("Session\\01\\x", 0, &n), SHMAP_EPATH);
    ASSERT_EQ(parse("Session\\x\\y", 0, &n), SHMAP_EPATH);
    ASSERT_EQ(parse("Session\\1", 0, &n), SHMAP_ETYPE);
    ASSERT_EQ(parse("Session\\x", 0, &n), -EACCES);
    ASSERT_EQ(parse("Session\\1\\", 0, &n), SHMAP_EBADNAME);
}

TEST(name_reference_table_errors)
{
    struct shmap_name n;
    ASSERT_EQ(parse("a\\b", 0, &n), SHMAP_EPATH);
    ASSERT_EQ(parse("\\x", 0, &n), SHMAP_EBADPATH);
    ASSERT_EQ(parse("x\\", 0, &n), SHMAP_EPATH);
    ASSERT_EQ(parse("Local\\", 0, &n), SHMAP_EBADNAME);
    ASSERT_EQ(parse("Global\\", 0, &n), SHMAP_EBADNAME);
    ASSERT_EQ(parse("Local", 0, &n), SHMAP_ETYPE);
    ASSERT_EQ(parse("Global", 0, &n), SHMAP_ETYPE);
    ASSERT_EQ(parse("Session", 0, &n), SHMAP_ETYPE);
    ASSERT_EQ(parse("Local\\a\\b", 0, &n), SHMAP_EPATH);
    ASSERT_EQ(parse("local\\x", 0, &n), SHMAP_EPATH);
    ASSERT_EQ(parse("LOCAL\\x", 0, &n), SHMAP_EPATH);
    ASSERT_EQ(parse("Global\\Global", 0, &n), SHMAP_ETYPE);
}

TEST(name_ordinary_characters_are_accepted)
{
    const char *names[] = {
        "/",           ":",        "*",   "?",      "<", ">", "|",
        "\"",          ".",        "..",  " ",      "%", "#", "a/../../etc/passwd",
        "caf\xc3\xa9", "\x01\x7f", "%2f", ".hidden"};
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(names); i++) {
        struct shmap_name n;
        ASSERT_EQ(parse(names[i], 0, &n), 0);
        ASSERT_EQ(n.len, strlen(names[i]));
        ASSERT_TRUE(strchr(n.fname, '/') == NULL);
        ASSERT_TRUE(strcmp(n.fname, ".") != 0 && strcmp(n.fname, "..") != 0);
        ASSERT_TRUE(n.fname[0] != '.' && n.fname[0] != 0);
        char back[300];
        ASSERT_EQ(shmap__name_decode(n.fname, back, sizeof back), (int)strlen(names[i]));
        ASSERT_STR_EQ(back, names[i]);
    }
}

TEST(name_case_matters)
{
    struct shmap_name a, b;
    ASSERT_EQ(parse("Wine Test Mapping", 0, &a), 0);
    ASSERT_EQ(parse("WINE TEST MAPPING", 0, &b), 0);
    ASSERT_TRUE(strcmp(a.fname, b.fname) != 0);
    ASSERT_EQ(parse("\xc3\xa9", 0, &a), 0);
    ASSERT_EQ(parse("\xc3\x89", 0, &b), 0);
    ASSERT_TRUE(strcmp(a.fname, b.fname) != 0);
}

TEST(name_narrow_limit_259_units)
{
    struct shmap_name n;
    char *s = repeat('a', 259);
    ASSERT_EQ(parse(s, 0, &n), 0);
    free(s);
    s = repeat('a', 260);
    ASSERT_EQ(parse(s, 0, &n), -ENAMETOOLONG);
    free(s);
    s = repeat('a', 10000);
    ASSERT_EQ(parse(s, 0, &n), -ENAMETOOLONG);
    free(s);
    /* The limit counts UTF-16 units, prefix included: 6 + 253 = 259. */
    char buf[300] = "Local\\";
    memset(buf + 6, 'b', 253);
    ASSERT_EQ(parse(buf, 0, &n), 0);
    buf[6 + 253] = 'b';
    ASSERT_EQ(parse(buf, 0, &n), -ENAMETOOLONG);
}

TEST(name_wide_limit_32767_units)
{
    struct shmap_name n;
    char *s = repeat('w', 32767);
    ASSERT_EQ(parse(s, SHMAP_WIDE_NAME, &n), 0);
    ASSERT_EQ(n.fname[0], '#'); /* too long for a file name: hashed */
    ASSERT_TRUE(strlen(n.fname) <= SHMAP_FNAME_MAX);
    free(s);
    s = repeat('w', 32768);
    ASSERT_EQ(parse(s, SHMAP_WIDE_NAME, &n), -ENAMETOOLONG);
    free(s);
}

TEST(name_long_names_hash_differently)
{
    struct shmap_name a, b;
    char *s = repeat('z', 1000), *t = repeat('z', 1000);
    t[500] = 'y';
    ASSERT_EQ(parse(s, SHMAP_WIDE_NAME, &a), 0);
    ASSERT_EQ(parse(t, SHMAP_WIDE_NAME, &b), 0);
    ASSERT_TRUE(strcmp(a.fname, b.fname) != 0);
    ASSERT_EQ(shmap__name_decode(a.fname, (char[8]){0}, 8), -1);
    free(s);
    free(t);
}

TEST(name_invalid_utf8_is_invalid_name)
{
    struct shmap_name n;
    ASSERT_EQ(parse("\xff", 0, &n), SHMAP_EBADNAME);
    ASSERT_EQ(parse("a\xc3", 0, &n), SHMAP_EBADNAME);
    ASSERT_EQ(parse("\xc0\xaf", 0, &n), SHMAP_EBADNAME); /* overlong '/' */
}

TEST(name_supplementary_chars_count_two_units)
{
    ASSERT_EQ(shmap__utf8_units16("\xf0\x9f\x98\x80", 4), 2);
    ASSERT_EQ(shmap__utf8_units16("\xe2\x82\xac", 3), 1);
    ASSERT_EQ(shmap__utf8_units16("\xed\xa0\x80", 3), 1); /* a lone surrogate from a W name */
}
