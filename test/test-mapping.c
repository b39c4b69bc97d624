/*
 * test-mapping.c - sections through the native API: creation rules (§3),
 * open (§4), namespace collisions (§9), and what query reports.
 */
#include "harness.h"
#include "internal.h"

#include <grp.h>
#include <sys/stat.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE

static shmap_handle_t create_ok(const char *name, uint32_t prot, uint64_t size, int expect)
{
    shmap_handle_t h;
    POISON(h);
    ASSERT_EQ(shmap_mapping_create(PF, name, prot, size, 0, &h), expect);
    ASSERT_TRUE(h != SHMAP_NULL_HANDLE && h != SHMAP_CURRENT_PROCESS);
    ASSERT_EQ((uintptr_t)h % 4, 0);
    return h;
}

static void create_fails(const char *name, uint32_t prot, uint64_t size, int err)
{
    shmap_handle_t h;
    POISON(h);
    shmap_handle_t before = h;
    ASSERT_EQ(shmap_mapping_create(PF, name, prot, size, 0, &h), err);
    ASSERT_PTR_EQ(h, before); /* outputs untouched on failure */
}

static shmap_mapping_info_t query(shmap_handle_t h)
{
    shmap_mapping_info_t i;
    POISON(i);
    ASSERT_EQ(shmap_mapping_query(h, &i), 0);
    return i;
}

TEST(mapping_new_named_reports_created_then_existed)
{
    shmap_handle_t a = create_ok("m", RW, 65536, 0);
    shmap_handle_t b = create_ok("m", RW, 65536, SHMAP_EXISTED);
    ASSERT_PTR_NE(a, b);
    ASSERT_EQ(shmap_close(a), 0);
    ASSERT_EQ(shmap_close(b), 0);
}

TEST(mapping_size_zero_is_invalid_even_if_name_exists)
{
    shmap_handle_t a = create_ok("m", RW, 4096, 0);
    create_fails("m", RW, 0, -EINVAL);
    create_fails(NULL, RW, 0, -EINVAL);
    ASSERT_EQ(shmap_close(a), 0);
}

TEST(mapping_protection_rules)
{
    create_fails(NULL, SHMAP_PAGE_NOACCESS, 4096, -EINVAL);
    create_fails(NULL, SHMAP_PAGE_EXECUTE, 4096, -EINVAL);
    create_fails(NULL, 0, 4096, -EINVAL);
    create_fails(NULL, SHMAP_PAGE_READONLY | SHMAP_PAGE_READWRITE, 4096, -EINVAL);
    create_fails(NULL, RW | SHMAP_PAGE_GUARD, 4096, -EINVAL);
    create_fails(NULL, RW | SHMAP_PAGE_NOCACHE, 4096, -EINVAL);
    create_fails(NULL, RW | SHMAP_PAGE_WRITECOMBINE, 4096, -EINVAL);
    uint32_t ok[] = {SHMAP_PAGE_READONLY,          SHMAP_PAGE_READWRITE,
                     SHMAP_PAGE_WRITECOPY,         SHMAP_PAGE_EXECUTE_READ,
                     SHMAP_PAGE_EXECUTE_READWRITE, SHMAP_PAGE_EXECUTE_WRITECOPY};
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(ok); i++) {
        shmap_handle_t h = create_ok(NULL, ok[i], 4096, 0);
        ASSERT_EQ(query(h).protect, ok[i]);
        ASSERT_EQ(shmap_close(h), 0);
    }
}

TEST(mapping_sec_attribute_table)
{
    struct {
        uint32_t attrs;
        int expect;
        uint32_t reported;
    } t[] = {
        {0, 0, SHMAP_SEC_COMMIT},
        {SHMAP_SEC_COMMIT, 0, SHMAP_SEC_COMMIT},
        {SHMAP_SEC_RESERVE, 0, SHMAP_SEC_RESERVE},
        {SHMAP_SEC_COMMIT | SHMAP_SEC_NOCACHE, 0, SHMAP_SEC_COMMIT | SHMAP_SEC_NOCACHE},
        {SHMAP_SEC_RESERVE | SHMAP_SEC_NOCACHE, 0, SHMAP_SEC_RESERVE | SHMAP_SEC_NOCACHE},
        {SHMAP_SEC_COMMIT | SHMAP_SEC_WRITECOMBINE, 0, SHMAP_SEC_COMMIT | SHMAP_SEC_WRITECOMBINE},
        {SHMAP_SEC_RESERVE | SHMAP_SEC_COMMIT, -EINVAL, 0},
        {SHMAP_SEC_NOCACHE, -EINVAL, 0},
        {SHMAP_SEC_WRITECOMBINE, -EINVAL, 0},
        {SHMAP_SEC_LARGE_PAGES, -EINVAL, 0},
        {SHMAP_SEC_RESERVE | SHMAP_SEC_LARGE_PAGES, -EINVAL, 0},
        {SHMAP_SEC_COMMIT | SHMAP_SEC_LARGE_PAGES, SHMAP_EPRIV, 0},
        {SHMAP_SEC_IMAGE, SHMAP_EBADEXE, 0},
        {SHMAP_SEC_IMAGE | SHMAP_SEC_RESERVE, -EINVAL, 0},
        {SHMAP_SEC_IMAGE | SHMAP_SEC_COMMIT, -EINVAL, 0},
        {SHMAP_SEC_FILE, -EINVAL, 0},
        {SHMAP_SEC_FILE | SHMAP_SEC_COMMIT, -EINVAL, 0},
        {0x00000800u, -EINVAL, 0},
    };
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(t); i++) {
        if (t[i].expect) {
            create_fails(NULL, RW | t[i].attrs, 4096, t[i].expect);
            continue;
        }
        shmap_handle_t h = create_ok(NULL, RW | t[i].attrs, 4096, 0);
        ASSERT_EQ_U(query(h).attributes, t[i].reported);
        ASSERT_EQ(shmap_close(h), 0);
    }
}

TEST(mapping_size_rounds_up_to_pages)
{
    shmap_handle_t h = create_ok(NULL, RW, 0x3457, 0);
    ASSERT_EQ_U(query(h).size, 0x4000);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(mapping_existing_size_wins)
{
    shmap_handle_t a = create_ok("X", RW, 65536, 0);
    shmap_handle_t b = create_ok("X", RW, 1 << 20, SHMAP_EXISTED);
    shmap_handle_t c = create_ok("X", RW, 4096, SHMAP_EXISTED);
    ASSERT_EQ_U(query(b).size, 65536);
    ASSERT_EQ_U(query(c).size, 65536);
    shmap_close(a);
    shmap_close(b);
    shmap_close(c);
}

TEST(mapping_handle_access_follows_protection)
{
    shmap_handle_t a = create_ok("X", RW, 65536, 0);
    shmap_handle_t b = create_ok("X", SHMAP_PAGE_READONLY, 65536, SHMAP_EXISTED);
    shmap_type_t t;
    uint32_t acc;
    ASSERT_EQ(shmap_handle_query(a, &t, &acc), 0);
    ASSERT_EQ(t, SHMAP_TYPE_MAPPING);
    ASSERT_EQ_U(acc,
                0xF0000u | SHMAP_SECTION_QUERY | SHMAP_SECTION_MAP_READ | SHMAP_SECTION_MAP_WRITE);
    ASSERT_EQ(shmap_handle_query(b, NULL, &acc), 0);
    ASSERT_EQ_U(acc, 0xF0000u | SHMAP_SECTION_QUERY | SHMAP_SECTION_MAP_READ);
    shmap_handle_t c = create_ok(NULL, SHMAP_PAGE_EXECUTE_READWRITE, 4096, 0);
    ASSERT_EQ(shmap_handle_query(c, NULL, &acc), 0);
    ASSERT_EQ_U(acc, 0xF0000u | 0xFu);
    shmap_close(a);
    shmap_close(b);
    shmap_close(c);
}

TEST(mapping_names_are_case_sensitive)
{
    shmap_handle_t a = create_ok("Wine Test Mapping", RW, 4096, 0);
    shmap_handle_t b = create_ok("WINE TEST MAPPING", RW, 4096, 0);
    shmap_close(a);
    shmap_close(b);
}

TEST(mapping_empty_name_is_unnamed_twice)
{
    shmap_handle_t a = create_ok("", RW, 4096, 0);
    shmap_handle_t b = create_ok("", RW, 4096, 0);
    shmap_close(a);
    shmap_close(b);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(mapping_bad_names_fail_with_their_codes)
{
    create_fails("a\\b", RW, 4096, SHMAP_EPATH);
    create_fails("\\lead", RW, 4096, SHMAP_EBADPATH);
    create_fails("Local\\", RW, 4096, SHMAP_EBADNAME);
    create_fails("Local", RW, 4096, SHMAP_ETYPE);
    create_fails("Session\\7777\\x", RW, 4096, SHMAP_EPATH);
    char *s = malloc(261);
    memset(s, 'a', 260);
    s[260] = 0;
    create_fails(s, RW, 4096, -ENAMETOOLONG);
    s[259] = 0;
    shmap_handle_t h = create_ok(s, RW, 4096, 0);
    shmap_close(h);
    free(s);
}

TEST(mapping_wide_name_of_1000_chars_works)
{
    char *s = malloc(1001);
    memset(s, 'q', 1000);
    s[1000] = 0;
    shmap_handle_t a, b, c;
    ASSERT_EQ(shmap_mapping_create(PF, s, RW, 4096, SHMAP_WIDE_NAME, &a), 0);
    ASSERT_EQ(shmap_mapping_create(PF, s, RW, 4096, SHMAP_WIDE_NAME, &b), SHMAP_EXISTED);
    s[999] = 'r';
    ASSERT_EQ(shmap_mapping_create(PF, s, RW, 4096, SHMAP_WIDE_NAME, &c), 0);
    ASSERT_EQ(shmap_mapping_open(s, SHMAP_FILE_MAP_READ, 0, &c), -ENAMETOOLONG);
    shmap_close(a);
    shmap_close(b);
    shmap_close(c);
    free(s);
}

TEST(mapping_open_errors)
{
    shmap_handle_t h;
    POISON(h);
    ASSERT_EQ(shmap_mapping_open(NULL, SHMAP_FILE_MAP_READ, 0, &h), -EINVAL);
    ASSERT_EQ(shmap_mapping_open("nope", SHMAP_FILE_MAP_READ, 0, &h), -ENOENT);
    ASSERT_EQ(shmap_mapping_open("", SHMAP_FILE_MAP_READ, 0, &h), SHMAP_ETYPE);
    ASSERT_EQ(shmap_mapping_open("local\\x", SHMAP_FILE_MAP_READ, 0, &h), SHMAP_EPATH);
    ASSERT_EQ(shmap_mapping_open("Global\\nope", SHMAP_FILE_MAP_READ, 0, &h), -ENOENT);
}

TEST(mapping_open_access_rules)
{
    shmap_handle_t a = create_ok("X", RW, 65536, 0), h;
    uint32_t acc;
    ASSERT_EQ(shmap_mapping_open("X", 0, 0, &h), -EACCES);
    ASSERT_EQ(shmap_mapping_open("X", 0x40u, 0, &h), -EACCES); /* not a section right */
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_ACCESS_SYSTEM_SECURITY, 0, &h), SHMAP_EPRIV);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_COPY, 0, &h), 0);
    ASSERT_EQ(shmap_handle_query(h, NULL, &acc), 0);
    ASSERT_EQ_U(acc, SHMAP_SECTION_MAP_READ);
    shmap_close(h);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_READ | SHMAP_FILE_MAP_EXECUTE, 0, &h), 0);
    ASSERT_EQ(shmap_handle_query(h, NULL, &acc), 0);
    ASSERT_EQ_U(acc, SHMAP_SECTION_MAP_READ | SHMAP_SECTION_MAP_EXECUTE_EXPLICIT);
    shmap_close(h);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_GENERIC_READ, 0, &h), 0);
    ASSERT_EQ(shmap_handle_query(h, NULL, &acc), 0);
    ASSERT_EQ_U(acc, SHMAP_READ_CONTROL | SHMAP_SECTION_QUERY | SHMAP_SECTION_MAP_READ);
    shmap_close(h);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_MAXIMUM_ALLOWED, 0, &h), 0);
    ASSERT_EQ(shmap_handle_query(h, NULL, &acc), 0);
    ASSERT_EQ_U(acc, SHMAP_SECTION_ALL_ACCESS);
    shmap_close(h);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_WRITE, SHMAP_INHERIT, &h), 0);
    uint32_t fl;
    ASSERT_EQ(shmap_handle_get_flags(h, &fl), 0);
    ASSERT_EQ(fl, SHMAP_HANDLE_INHERIT);
    shmap_close(h);
    shmap_close(a);
}

TEST(mapping_query_needs_section_query)
{
    shmap_handle_t a = create_ok("X", RW, 65536, 0), h;
    shmap_mapping_info_t i;
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_READ, 0, &h), 0);
    ASSERT_EQ(shmap_mapping_query(h, &i), -EACCES);
    shmap_close(h);
    ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_READ | SHMAP_SECTION_QUERY, 0, &h), 0);
    ASSERT_EQ(shmap_mapping_query(h, &i), 0);
    shmap_close(h);
    shmap_close(a);
}

static int create_named_type(shmap_type_t type, const char *name, shmap_handle_t *out)
{
    switch (type) {
    case SHMAP_TYPE_EVENT:
        return shmap_event_create(name, 0, 0x1F0003u, 0, out);
    case SHMAP_TYPE_MUTEX:
        return shmap_mutex_create(name, 0, 0x1F0001u, 0, out);
    case SHMAP_TYPE_SEMAPHORE:
        return shmap_semaphore_create(name, 0, 1, 0x1F0003u, 0, out);
    case SHMAP_TYPE_TIMER:
        return shmap_timer_create(name, 0, 0x1F0003u, 0, out);
    default:
        return shmap_job_create(name, 0x1F003Fu, 0, out);
    }
}

TEST(mapping_name_of_other_type_is_invalid_handle)
{
    for (shmap_type_t t = SHMAP_TYPE_EVENT; t <= SHMAP_TYPE_JOB; t++) {
        shmap_handle_t e, h;
        ASSERT_EQ(create_named_type(t, "X", &e), 0);
        create_fails("X", RW, 4096, SHMAP_ETYPE);
        ASSERT_EQ(shmap_mapping_open("X", SHMAP_FILE_MAP_READ, 0, &h), SHMAP_ETYPE);
        ASSERT_EQ(shmap_close(e), 0);
    }
    shmap_handle_t m = create_ok("Y", RW, 4096, 0), e;
    for (shmap_type_t t = SHMAP_TYPE_EVENT; t <= SHMAP_TYPE_JOB; t++)
        ASSERT_EQ(create_named_type(t, "Y", &e), SHMAP_ETYPE);
    shmap_close(m);
}

HELPER(hold_mapping)
{
    /* argv: name; creates or opens, reports, then holds until stdin closes */
    shmap_handle_t h;
    int r = shmap_mapping_create(PF, argv[0], RW, 65536, 0, &h);
    printf("%d\n", r);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

TEST(mapping_other_type_check_works_across_processes)
{
    proc_t holder = spawn_helper_piped("hold_mapping", "Z", (char *)NULL);
    char buf[16] = {0};
    proc_line(&holder, buf, sizeof buf, 10);
    ASSERT_STR_EQ(buf, "0");
    shmap_handle_t e, h;
    ASSERT_EQ(create_named_type(SHMAP_TYPE_EVENT, "Z", &e), SHMAP_ETYPE);
    ASSERT_EQ(shmap_mapping_open("Z", SHMAP_FILE_MAP_READ, 0, &h), 0);
    proc_end(&holder, 0, 10);
    /* we still hold it: the name lives on */
    shmap_handle_t h2;
    ASSERT_EQ(shmap_mapping_open("Z", SHMAP_FILE_MAP_READ, 0, &h2), 0);
    shmap_close(h2);
    shmap_close(h);
    ASSERT_EQ(shmap_mapping_open("Z", SHMAP_FILE_MAP_READ, 0, &h2), -ENOENT);
}

HELPER(global_as_other_user)
{
    shmap_handle_t h;
    int r = shmap_mapping_create(PF, "Global\\g", RW, 4096, 0, &h);
    if (r != -EACCES)
        return 10;
    /* Nor any other type: global/ is writable by root and the members of
     * shmap-global only (docs/security.md), the kernel refuses the rest. */
    if (create_named_type(SHMAP_TYPE_EVENT, "Global\\ev", &h) != -EACCES)
        return 4;
    /* the mapping held by root is private (0600): another user is refused */
    if (shmap_mapping_open("Global\\held", SHMAP_FILE_MAP_READ, 0, &h) != -EACCES)
        return 5;
    /* Local\ of that user works */
    if (shmap_mapping_create(PF, "mine", RW, 4096, 0, &h) != 0)
        return 6;
    shmap_close(h);
    return 0;
}

TEST(mapping_global_create_needs_privilege)
{
    if (geteuid() != 0)
        SKIP("needs root to drop to another user");
    shmap_handle_t g = create_ok("Global\\held", RW, 4096, 0);
    ASSERT_EQ(chmod(test_root(), 01777), 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
            _exit(3);
        execl(test_self(), test_self(), "--helper", "global_as_other_user", (char *)NULL);
        _exit(127);
    }
    expect_exit(pid, 0, 10);
    shmap_close(g);
}
