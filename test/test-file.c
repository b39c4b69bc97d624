/*
 * test-file.c - file handles, and file-backed sections (§3.3, §3.4; items
 * 17-25, 51, 75 of the reference).
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>
#include <sys/stat.h>

#define RD SHMAP_GENERIC_READ
#define WR SHMAP_GENERIC_WRITE

static char path[4200];

static const char *tmpfile_path(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", test_root(), name);
    return path;
}

static shmap_handle_t fopen_ok(const char *p, uint32_t access, uint32_t disp, int expect)
{
    shmap_handle_t h;
    POISON(h);
    ASSERT_EQ(shmap_file_open(p, access, 7, disp, 0, 0, &h), expect);
    return h;
}

static uint64_t fsize(shmap_handle_t h)
{
    uint64_t s;
    POISON(s);
    ASSERT_EQ(shmap_file_size(h, &s), 0);
    return s;
}

TEST(file_dispositions)
{
    const char *p = tmpfile_path("f");
    shmap_handle_t h;
    ASSERT_EQ(shmap_file_open(p, RD, 0, SHMAP_OPEN_EXISTING, 0, 0, &h), -ENOENT);
    ASSERT_EQ(shmap_file_open(p, RD, 0, SHMAP_TRUNCATE_EXISTING, 0, 0, &h), -EINVAL);
    h = fopen_ok(p, RD | WR, SHMAP_CREATE_NEW, 0);
    ASSERT_EQ(shmap_file_write(h, "abc", 3, NULL), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_file_open(p, RD, 0, SHMAP_CREATE_NEW, 0, 0, &h), SHMAP_EFILEEXISTS);
    h = fopen_ok(p, RD, SHMAP_OPEN_ALWAYS, SHMAP_EXISTED);
    ASSERT_EQ(fsize(h), 3);
    ASSERT_EQ(shmap_close(h), 0);
    h = fopen_ok(p, RD | WR, SHMAP_CREATE_ALWAYS, SHMAP_EXISTED);
    ASSERT_EQ(fsize(h), 0);
    ASSERT_EQ(shmap_close(h), 0);
    h = fopen_ok(tmpfile_path("g"), RD | WR, SHMAP_OPEN_ALWAYS, 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_file_open(p, RD, 0, 9, 0, 0, &h), -EINVAL);
    ASSERT_EQ(shmap_file_open(tmpfile_path("nodir/x"), RD, 0, SHMAP_CREATE_NEW, 0, 0, &h),
              SHMAP_EPATH);
    ASSERT_EQ(shmap_file_open(test_root(), RD, 0, SHMAP_OPEN_EXISTING, 0, 0, &h), -EACCES);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("f")), 0);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("f")), -ENOENT);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("g")), 0);
}

TEST(file_read_write_seek_and_access)
{
    const char *p = tmpfile_path("f");
    shmap_handle_t h = fopen_ok(p, RD | WR, SHMAP_CREATE_NEW, 0);
    uint32_t n;
    POISON(n);
    ASSERT_EQ(shmap_file_write(h, "hello world", 11, &n), 0);
    ASSERT_EQ(n, 11);
    uint64_t pos;
    ASSERT_EQ(shmap_file_seek(h, 6, SHMAP_FILE_BEGIN, &pos), 0);
    ASSERT_EQ(pos, 6);
    char buf[32] = {0};
    ASSERT_EQ(shmap_file_read(h, buf, sizeof buf, &n), 0);
    ASSERT_EQ(n, 5);
    ASSERT_STR_EQ(buf, "world");
    ASSERT_EQ(shmap_file_read(h, buf, sizeof buf, &n), 0); /* at EOF: success, 0 bytes */
    ASSERT_EQ(n, 0);
    ASSERT_EQ(shmap_file_seek(h, -12, SHMAP_FILE_END, &pos), -ESPIPE);
    ASSERT_EQ(shmap_file_seek(h, -1, SHMAP_FILE_END, &pos), 0);
    ASSERT_EQ(pos, 10);
    ASSERT_EQ(shmap_file_seek(h, 100, SHMAP_FILE_CURRENT, &pos), 0);
    ASSERT_EQ(pos, 110);
    ASSERT_EQ(shmap_file_set_end(h), 0);
    ASSERT_EQ(fsize(h), 110);
    ASSERT_EQ(shmap_close(h), 0);
    h = fopen_ok(p, RD, SHMAP_OPEN_EXISTING, 0);
    ASSERT_EQ(shmap_file_write(h, "x", 1, &n), -EACCES);
    ASSERT_EQ(shmap_file_set_end(h), -EACCES);
    ASSERT_EQ(shmap_file_flush(h), -EACCES);
    ASSERT_EQ(shmap_close(h), 0);
    h = fopen_ok(p, WR, SHMAP_OPEN_EXISTING, 0);
    ASSERT_EQ(shmap_file_read(h, buf, 1, &n), -EACCES);
    ASSERT_EQ(shmap_file_flush(h), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_file_read(h, buf, 1, &n), -EBADF);
    shmap_handle_t m;
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 4096, 0, &m), 0);
    ASSERT_EQ(shmap_file_read(m, buf, 1, &n), -EBADF);
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(shmap_file_delete(p), 0);
}

static shmap_handle_t file_with(const char *name, uint32_t access, size_t size)
{
    const char *p = tmpfile_path(name);
    shmap_handle_t w;
    ASSERT_GE(shmap_file_open(p, RD | WR, 7, SHMAP_CREATE_ALWAYS, 0, 0, &w), 0);
    if (size) {
        ASSERT_EQ(shmap_file_seek(w, (int64_t)size, SHMAP_FILE_BEGIN, NULL), 0);
        ASSERT_EQ(shmap_file_set_end(w), 0);
    }
    ASSERT_EQ(shmap_close(w), 0);
    return fopen_ok(p, access, SHMAP_OPEN_EXISTING, 0);
}

static int fmap(shmap_handle_t f, uint32_t prot, uint64_t size, shmap_handle_t *out)
{
    POISON(*out);
    return shmap_mapping_create(f, NULL, prot, size, 0, out);
}

TEST(file_mapping_sizes)
{
    shmap_handle_t f = file_with("e", RD | WR, 0), m;
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READWRITE, 0, &m), SHMAP_EFILEEMPTY);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READWRITE, 8192, &m), 0); /* extends the file */
    ASSERT_EQ(fsize(f), 8192);
    shmap_mapping_info_t i;
    ASSERT_EQ(shmap_mapping_query(m, &i), 0);
    ASSERT_EQ_U(i.attributes, SHMAP_SEC_FILE);
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READONLY, 16384, &m), SHMAP_ETOOBIG);
    ASSERT_EQ(fsize(f), 8192);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READONLY, 36, &m), 0);
    ASSERT_EQ(shmap_mapping_query(m, &i), 0);
    ASSERT_EQ(i.size, 36); /* exact, not page-rounded */
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READWRITE | SHMAP_SEC_RESERVE, 0, &m), 0);
    ASSERT_EQ(shmap_mapping_query(m, &i), 0);
    ASSERT_EQ_U(i.attributes, SHMAP_SEC_FILE);
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READWRITE | SHMAP_SEC_LARGE_PAGES, 0, &m), -EINVAL);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READONLY | SHMAP_SEC_IMAGE, 0, &m), SHMAP_EBADEXE);
    ASSERT_EQ(shmap_close(f), 0);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("e")), 0);
}

TEST(file_mapping_access_must_match_protection)
{
    shmap_handle_t f = file_with("a", RD, 4096), m;
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READWRITE, 0, &m), -EACCES);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_WRITECOPY, 0, &m), 0);
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_EXECUTE_READ, 0, &m), -EACCES);
    ASSERT_EQ(shmap_close(f), 0);
    f = file_with("a", 0, 4096);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READONLY, 0, &m), -EACCES);
    ASSERT_EQ(shmap_close(f), 0);
    f = file_with("a", WR, 4096);
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READONLY, 0, &m), -EACCES);
    ASSERT_EQ(shmap_close(f), 0);
    shmap_handle_t ev;
    ASSERT_EQ(shmap_mapping_create(SHMAP_NULL_HANDLE, NULL, SHMAP_PAGE_READWRITE, 4096, 0, &ev), 0);
    ASSERT_EQ(fmap(ev, SHMAP_PAGE_READONLY, 0, &m), -EBADF);
    ASSERT_EQ(fmap((shmap_handle_t)(uintptr_t)0x1234560, SHMAP_PAGE_READONLY, 0, &m), -EBADF);
    ASSERT_EQ(shmap_close(ev), 0);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("a")), 0);
}

TEST(file_views_are_coherent_with_read_write_and_outlive_the_file_handle)
{
    shmap_handle_t f = file_with("c", RD | WR, 0x3452), m;
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READWRITE, 0, &m), 0);
    char *v;
    ASSERT_EQ(shmap_view_map(m, SHMAP_FILE_MAP_WRITE, 0, 0x3453, NULL, (void **)&v),
              SHMAP_EVIEWSIZE);
    ASSERT_EQ(shmap_view_map(m, SHMAP_FILE_MAP_WRITE, 0, 0x3452, NULL, (void **)&v), 0);
    ASSERT_EQ(shmap_file_write(f, "via write", 9, NULL), 0);
    ASSERT_MEM_EQ(v, "via write", 9);
    memcpy(v + 100, "via view", 8);
    char buf[8];
    ASSERT_EQ(shmap_file_seek(f, 100, SHMAP_FILE_BEGIN, NULL), 0);
    ASSERT_EQ(shmap_file_read(f, buf, 8, NULL), 0);
    ASSERT_MEM_EQ(buf, "via view", 8);
    ASSERT_EQ(shmap_view_flush(v, 0), 0);
    ASSERT_EQ(shmap_close(f), 0); /* the mapping keeps the file */
    char *w;
    ASSERT_EQ(shmap_view_map(m, SHMAP_FILE_MAP_READ, 0, 0, NULL, (void **)&w), 0);
    ASSERT_MEM_EQ(w + 100, "via view", 8);
    char *c;
    ASSERT_EQ(shmap_view_map(m, SHMAP_FILE_MAP_COPY, 0, 0, NULL, (void **)&c), 0);
    c[0] = 'X';
    ASSERT_EQ(v[0], 'v'); /* a copy view never reaches the file */
    ASSERT_EQ(shmap_view_unmap(c), 0);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_view_unmap(w), 0);
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("c")), 0);
}

TEST(file_shrink_while_mapped_is_user_mapped_file)
{
    shmap_handle_t f = file_with("s", RD | WR, 65536), m;
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READWRITE, 0, &m), 0);
    void *v;
    ASSERT_EQ(shmap_view_map(m, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, &v), 0);
    ASSERT_EQ(shmap_file_seek(f, 4096, SHMAP_FILE_BEGIN, NULL), 0);
    ASSERT_EQ(shmap_file_set_end(f), SHMAP_EMAPPED);
    ASSERT_EQ(fsize(f), 65536);
    ASSERT_EQ(shmap_file_seek(f, 131072, SHMAP_FILE_BEGIN, NULL), 0);
    ASSERT_EQ(shmap_file_set_end(f), 0); /* growing is fine */
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(shmap_file_seek(f, 4096, SHMAP_FILE_BEGIN, NULL), 0);
    ASSERT_EQ(shmap_file_set_end(f), SHMAP_EMAPPED); /* the view keeps the mapping */
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_file_set_end(f), 0);
    ASSERT_EQ(fsize(f), 4096);
    ASSERT_EQ(shmap_close(f), 0);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("s")), 0);
}

HELPER(open_named_file_mapping)
{
    shmap_handle_t m;
    if (shmap_mapping_open(argv[0], SHMAP_FILE_MAP_READ, 0, &m))
        return 2;
    char *v;
    if (shmap_view_map(m, SHMAP_FILE_MAP_READ, 0, 0, NULL, (void **)&v))
        return 3;
    int ok = memcmp(v, "file data", 9) == 0;
    shmap_view_unmap(v);
    shmap_close(m);
    return ok ? 0 : 4;
}

TEST(named_file_mapping_is_opened_by_another_process)
{
    shmap_handle_t f = file_with("n", RD | WR, 4096), m;
    ASSERT_EQ(shmap_file_write(f, "file data", 9, NULL), 0);
    ASSERT_EQ(shmap_mapping_create(f, "fm", SHMAP_PAGE_READWRITE, 0, 0, &m), 0);
    ASSERT_EQ(shmap_close(f), 0);
    expect_exit(spawn_helper("open_named_file_mapping", "fm", (char *)NULL), 0, 10);
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("n")), 0);
}

TEST(sparse_5gib_file_mapping)
{
    if (sizeof(void *) < 8)
        SKIP("64-bit address space needed");
    char p[4200];
    snprintf(p, sizeof p, "/tmp/shmap-sparse-%d", (int)getpid());
    shmap_handle_t f = fopen_ok(p, RD | WR, SHMAP_CREATE_ALWAYS, 0), m;
    uint64_t size = (uint64_t)5 << 30;
    ASSERT_EQ(shmap_file_seek(f, (int64_t)size, SHMAP_FILE_BEGIN, NULL), 0);
    int fd = open(p, O_RDWR);
    ASSERT_EQ(ftruncate(fd, (off_t)size), 0); /* sparse, not allocated */
    close(fd);
    ASSERT_EQ(shmap_mapping_create(f, NULL, SHMAP_PAGE_READWRITE, 0, 0, &m), 0);
    shmap_mapping_info_t i;
    ASSERT_EQ(shmap_mapping_query(m, &i), 0);
    ASSERT_EQ_U(i.size, size);
    char *v;
    ASSERT_EQ(shmap_view_map(m, SHMAP_FILE_MAP_WRITE, (uint64_t)4 << 30, 65536, NULL, (void **)&v),
              0);
    v[0] = 5;
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(m), 0);
    ASSERT_EQ(shmap_close(f), 0);
    unlink(p);
}

/* A mapped file is not replaced either: CREATE_ALWAYS and TRUNCATE_EXISTING
 * fail with ERROR_USER_MAPPED_FILE and leave it whole. */
TEST(file_truncating_open_of_a_mapped_file_is_user_mapped_file)
{
    shmap_handle_t f = file_with("t", RD | WR, 65536), m, g;
    ASSERT_EQ(fmap(f, SHMAP_PAGE_READONLY, 0, &m), 0);
    const char *p = tmpfile_path("t");
    ASSERT_EQ(shmap_file_open(p, RD | WR, 7, SHMAP_CREATE_ALWAYS, 0, 0, &g), SHMAP_EMAPPED);
    ASSERT_EQ(shmap_file_open(p, RD | WR, 7, SHMAP_TRUNCATE_EXISTING, 0, 0, &g), SHMAP_EMAPPED);
    ASSERT_EQ(fsize(f), 65536);
    ASSERT_EQ(shmap_close(m), 0);
    g = fopen_ok(p, RD | WR, SHMAP_TRUNCATE_EXISTING, 0); /* no mapping left */
    ASSERT_EQ(fsize(g), 0);
    ASSERT_EQ(shmap_close(g), 0);
    ASSERT_EQ(shmap_close(f), 0);
    ASSERT_EQ(shmap_file_delete(p), 0);
}

/* CREATE_ALWAYS overwrites an existing file whatever the access asked:
 * GENERIC_READ, FILE_READ_DATA. */
TEST(file_create_always_with_read_access_overwrites)
{
    shmap_handle_t f = file_with("r", RD | WR, 4096);
    ASSERT_EQ(shmap_close(f), 0);
    const char *p = tmpfile_path("r");
    shmap_handle_t g = fopen_ok(p, RD, SHMAP_CREATE_ALWAYS, SHMAP_EXISTED);
    ASSERT_EQ(fsize(g), 0);
    ASSERT_EQ(shmap_close(g), 0);
    f = file_with("r", RD | WR, 4096);
    ASSERT_EQ(shmap_close(f), 0);
    g = fopen_ok(p, SHMAP_FILE_READ_DATA, SHMAP_CREATE_ALWAYS, SHMAP_EXISTED);
    ASSERT_EQ(fsize(g), 0);
    ASSERT_EQ(shmap_close(g), 0);
    ASSERT_EQ(shmap_file_delete(p), 0);
}

/* A handle with FILE_APPEND_DATA and not FILE_WRITE_DATA writes at the end,
 * wherever its position. */
TEST(file_append_only_handle_writes_at_the_end)
{
    shmap_handle_t f = file_with("a", RD | WR, 0);
    uint32_t done;
    ASSERT_EQ(shmap_file_write(f, "0123", 4, &done), 0);
    ASSERT_EQ(shmap_close(f), 0);
    const char *p = tmpfile_path("a");
    shmap_handle_t a =
        fopen_ok(p, SHMAP_FILE_APPEND_DATA | SHMAP_FILE_READ_DATA, SHMAP_OPEN_EXISTING, 0);
    ASSERT_EQ(shmap_file_write(a, "xy", 2, &done), 0);
    ASSERT_EQ(done, 2);
    ASSERT_EQ(shmap_file_seek(a, 0, SHMAP_FILE_BEGIN, NULL), 0);
    ASSERT_EQ(shmap_file_write(a, "z", 1, &done), 0); /* still at the end */
    ASSERT_EQ(fsize(a), 7);
    ASSERT_EQ(shmap_file_seek(a, 0, SHMAP_FILE_BEGIN, NULL), 0);
    char buf[8] = {0};
    ASSERT_EQ(shmap_file_read(a, buf, 7, &done), 0);
    ASSERT_STR_EQ(buf, "0123xyz");
    ASSERT_EQ(shmap_close(a), 0);
    /* neither right: refused */
    shmap_handle_t r = fopen_ok(p, SHMAP_FILE_READ_DATA, SHMAP_OPEN_EXISTING, 0);
    ASSERT_EQ(shmap_file_write(r, "q", 1, &done), -EACCES);
    ASSERT_EQ(shmap_close(r), 0);
    ASSERT_EQ(shmap_file_delete(p), 0);
}

/* DuplicateHandle of a file maps GENERIC_* to file rights, and refuses
 * more than the source had. */
TEST(file_duplicate_maps_generic_rights)
{
    shmap_handle_t f = file_with("d", RD | WR, 0), d;
    ASSERT_EQ(shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, f, SHMAP_CURRENT_PROCESS, RD, 0, 0, &d),
              0);
    uint32_t acc;
    ASSERT_EQ(shmap_handle_query(d, NULL, &acc), 0);
    ASSERT_EQ_U(acc, 0x00120089u); /* FILE_GENERIC_READ */
    ASSERT_EQ(shmap_close(d), 0);
    ASSERT_EQ(shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, f, SHMAP_CURRENT_PROCESS, WR, 0, 0, &d),
              0);
    ASSERT_EQ(shmap_handle_query(d, NULL, &acc), 0);
    ASSERT_EQ_U(acc, 0x00120116u); /* FILE_GENERIC_WRITE */
    ASSERT_EQ(shmap_close(d), 0);
    ASSERT_EQ(shmap_close(f), 0);
    f = fopen_ok(tmpfile_path("d"), RD, SHMAP_OPEN_EXISTING, 0);
    ASSERT_EQ(shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, f, SHMAP_CURRENT_PROCESS, WR, 0, 0, &d),
              -EACCES);
    ASSERT_EQ(shmap_close(f), 0);
    ASSERT_EQ(shmap_file_delete(tmpfile_path("d")), 0);
}
