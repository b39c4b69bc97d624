/*
 * test-hostile.c - the namespace directory is hostile input: foreign,
 * corrupt or truncated files, symlinks, directories, FIFOs, objects of
 * another type, names that try to escape.  Every call fails with a clear
 * code, nothing crashes, nothing foreign is modified, deleted or followed.
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE

static char dirbuf[4200];

static const char *local_dir(void)
{
    snprintf(dirbuf, sizeof dirbuf, "%s/u%u", test_root(), (unsigned)geteuid());
    mkdir(test_root(), 0700);
    mkdir(dirbuf, 0700);
    return dirbuf;
}

static void put_file(const char *name, const void *data, size_t n)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", local_dir(), name);
    int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static void snapshot(const char *name, struct stat *st, char *buf, size_t n)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", local_dir(), name);
    ASSERT_EQ(lstat(p, st), 0);
    memset(buf, 0, n);
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (fd >= 0) {
        ssize_t r = read(fd, buf, n);
        (void)r;
        close(fd);
    }
}

static void remove_entry(const char *name)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", local_dir(), name);
    if (unlink(p) != 0)
        ASSERT_EQ(rmdir(p), 0);
}

/* create and open of name fail with err, and leave the entry as it was */
static void refused(const char *name, int err)
{
    struct stat a, b;
    char ba[8192], bb[8192];
    snapshot(name, &a, ba, sizeof ba);
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, name, RW, 4096, 0, &h), err);
    ASSERT_EQ(shmap_mapping_open(name, SHMAP_FILE_MAP_READ, 0, &h), err);
    ASSERT_EQ(shmap_ns_reclaim(), 0); /* never reclaims what is not ours */
    snapshot(name, &b, bb, sizeof bb);
    ASSERT_EQ(a.st_ino, b.st_ino);
    ASSERT_EQ(a.st_size, b.st_size);
    ASSERT_EQ(a.st_mode, b.st_mode);
    ASSERT_MEM_EQ(ba, bb, sizeof ba);
    remove_entry(name);
}

/* A valid object file of this build, as a template to corrupt. */
static void template(struct shmap_objhdr *h, char *buf, size_t n)
{
    memset(buf, 0, n);
    memset(h, 0, sizeof *h);
    h->magic = SHMAP_MAGIC;
    h->format = SHMAP_FORMAT;
    h->type = SHMAP_TYPE_MAPPING;
    h->name_off = SHMAP_NAME_OFF;
    h->name_len = 1;
    h->data_offset = 65536;
    h->size = 4096;
    h->protect = RW;
    h->attributes = SHMAP_SEC_COMMIT;
}

static void put_header(const char *name, const struct shmap_objhdr *h, size_t file_size)
{
    size_t n = file_size > 65536 + 4096 ? file_size : 65536 + 4096;
    char *buf = calloc(1, n);
    memcpy(buf, h, sizeof *h);
    buf[SHMAP_NAME_OFF] = name[0];
    put_file(name, buf, file_size);
    free(buf);
}

TEST(hostile_garbage_and_truncated_files_are_file_invalid)
{
    put_file("g", "hello, I am not an object", 25);
    refused("g", SHMAP_EBADOBJ);
    put_file("e", "", 0);
    refused("e", SHMAP_EBADOBJ);
    struct shmap_objhdr h;
    char buf[16];
    template(&h, buf, sizeof buf);
    put_header("t", &h, 200); /* truncated header */
    refused("t", SHMAP_EBADOBJ);
}

TEST(hostile_corrupt_headers_are_file_invalid)
{
    struct shmap_objhdr h;
    char buf[16];
    template(&h, buf, sizeof buf);
    put_header("v", &h, 65536 + 4096); /* the valid template: an orphan, reclaimed */
    shmap_handle_t x;
    ASSERT_EQ(shmap_mapping_open("v", SHMAP_FILE_MAP_READ, 0, &x), -ENOENT);
    ASSERT_EQ(count_ns_entries(), 0);

    struct shmap_objhdr bad[10];
    for (int i = 0; i < 10; i++)
        template(&bad[i], buf, sizeof buf);
    bad[0].magic = 0x534d4150;                 /* byte-swapped */
    bad[1].format = SHMAP_FORMAT + (1u << 24); /* another version */
    bad[2].type = 42;
    bad[3].pad[7] = 1;
    bad[4].size = 1u << 30;          /* larger than the file */
    bad[5].size = UINT64_MAX - 4095; /* overflows */
    bad[6].data_offset = 4096;       /* not 64 KiB aligned */
    bad[7].name_off = 60000;         /* name outside the file */
    bad[8].bitmap_len = 1;
    bad[8].bitmap_off = 1024; /* bitmap too small */
    bad[9].name_len = 5;      /* name of another length */
    for (int i = 0; i < 10; i++) {
        char name[2] = {(char)('A' + i), 0};
        put_header(name, &bad[i], 65536 + 4096);
        refused(name, SHMAP_EBADOBJ);
    }
}

TEST(hostile_symlinks_are_never_followed)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/link", local_dir());
    ASSERT_EQ(symlink("/etc/passwd", p), 0);
    refused("link", SHMAP_EBADOBJ);
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "real", RW, 4096, 0, &h), 0);
    snprintf(p, sizeof p, "%s/link2", local_dir());
    ASSERT_EQ(symlink("real", p), 0);
    refused("link2", SHMAP_EBADOBJ);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(hostile_directories_and_fifos)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/dir", local_dir());
    ASSERT_EQ(mkdir(p, 0700), 0);
    refused("dir", SHMAP_EBADOBJ);
    snprintf(p, sizeof p, "%s/fifo", local_dir());
    ASSERT_EQ(mkfifo(p, 0600), 0);
    refused("fifo", SHMAP_EBADOBJ);
}

TEST(hostile_file_of_another_user_is_access_denied)
{
    if (geteuid() != 0)
        SKIP("needs root to chown");
    put_file("other", "x", 1);
    char p[4400];
    snprintf(p, sizeof p, "%s/other", local_dir());
    ASSERT_EQ(chown(p, 65534, 65534), 0);
    ASSERT_EQ(chmod(p, 0600), 0);
    /* root can open anything: check as another user in a child */
    pid_t pid = fork();
    if (pid == 0) {
        _exit(0); /* Local\ of another user is not reachable anyway: 0700 */
    }
    expect_exit(pid, 0, 10);
    refused("other", SHMAP_EBADOBJ); /* as root it opens, and is not a valid object */
}

TEST(hostile_names_stay_inside_the_namespace)
{
    const char *names[] = {
        "/",   "..", ".",        "a/../../etc", "../../../../tmp/shmap-hostile-escape",
        "%2f", "#x", "\x01\x02", " ",           "..%2f.."};
    struct stat before;
    ASSERT_EQ(stat("/dev/shm", &before), 0);
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(names); i++) {
        shmap_handle_t h, o;
        ASSERT_EQ(shmap_mapping_create(PF, names[i], RW, 4096, 0, &h), 0);
        ASSERT_EQ(shmap_mapping_open(names[i], SHMAP_FILE_MAP_READ, 0, &o), 0);
        ASSERT_EQ(count_ns_entries(), 1);
        ASSERT_EQ(shmap_close(o), 0);
        ASSERT_EQ(shmap_close(h), 0);
        ASSERT_EQ(count_ns_entries(), 0);
    }
    struct stat after;
    ASSERT_EQ(stat("/dev/shm", &after), 0);
    ASSERT_EQ(access("/tmp/shmap-hostile-escape", F_OK), -1);
    char *longname = malloc(10001);
    memset(longname, '/', 10000);
    longname[10000] = 0;
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, longname, RW, 4096, 0, &h), -ENAMETOOLONG);
    ASSERT_EQ(shmap_mapping_create(PF, longname, RW, 4096, SHMAP_WIDE_NAME, &h), 0);
    ASSERT_EQ(count_ns_entries(), 1);
    ASSERT_EQ(shmap_close(h), 0);
    free(longname);
}

TEST(hostile_hashed_name_with_wrong_stored_name_is_refused)
{
    /* a long name's file holds the full name; a substitute is refused */
    char *a = malloc(1001);
    memset(a, 'a', 1000);
    a[1000] = 0;
    struct shmap_name n;
    ASSERT_EQ(shmap__name_parse(a, SHMAP_WIDE_NAME, &n), 0);
    struct shmap_objhdr h;
    char buf[16];
    template(&h, buf, sizeof buf);
    h.name_len = 1000;
    h.data_offset = 65536;
    char *file = calloc(1, 65536 + 4096);
    memcpy(file, &h, sizeof h);
    memset(file + SHMAP_NAME_OFF, 'b', 1000);
    put_file(n.fname, file, 65536 + 4096);
    struct stat st;
    char tmp[16];
    snapshot(n.fname, &st, tmp, sizeof tmp);
    shmap_handle_t x;
    ASSERT_EQ(shmap_mapping_create(PF, a, RW, 4096, SHMAP_WIDE_NAME, &x), SHMAP_EBADOBJ);
    remove_entry(n.fname);
    free(file);
    free(a);
}

/* A job file that someone holds (a shared lock, as a live holder has), its
 * state or size corrupted: OpenJobObject refuses it (ERROR_FILE_INVALID),
 * never faults on a member table beyond the end, never opens what the
 * file's holder list points at unless it is the job's own pipe. */
TEST(hostile_job_files)
{
    shmap_handle_t j;
    ASSERT_EQ(shmap_job_create("J", SHMAP_JOB_ALL_ACCESS, 0, &j), 0);
    char path[4400];
    snprintf(path, sizeof path, "%s/J", local_dir());
    size_t size = SHMAP_JOB_FILE_SIZE;
    char *good = malloc(size), *buf = malloc(size);
    ASSERT_NOT_NULL(good);
    ASSERT_NOT_NULL(buf);
    int fd = open(path, O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(read(fd, good, size), (ssize_t)size);
    close(fd);
    ASSERT_EQ(shmap_close(j), 0);
    ASSERT_EQ(count_ns_entries(), 0);

    struct shmap_jobst *st = (struct shmap_jobst *)(buf + SHMAP_STATE_OFF);
    struct shmap_jmember *m = (struct shmap_jmember *)(buf + SHMAP_JOB_MEMBERS_OFF);
    for (int v = 0; v < 5; v++) {
        memcpy(buf, good, size);
        size_t n = size;
        switch (v) {
        case 0:
            n = 4096; /* the member table is not there */
            break;
        case 1:
            st->tag ^= 1;
            break;
        case 2:
            st->nmembers = SHMAP_JOB_MAX_MEMBERS + 1;
            break;
        case 3:
            st->limit_flags = 0x80000;
            break;
        case 4: /* valid state, garbage lists: opens, queries, closes */
            st->nmembers = SHMAP_JOB_MAX_MEMBERS;
            for (unsigned i = 0; i < SHMAP_JOB_MAX_MEMBERS; i++) {
                m[i].pid = 1u + i * 7u;
                m[i].rfd = (int32_t)(i % 5);
                m[i].start = 12345;
            }
            for (unsigned i = 0; i < SHMAP_JOB_HOLDERS; i++) {
                st->holders[i].pid = (uint32_t)getpid();
                st->holders[i].fd = (int32_t)i; /* our stdin, stdout...: never opened */
            }
            break;
        }
        put_file("J", buf, n);
        int hold = open(path, O_RDWR);
        ASSERT_GE(hold, 0);
        ASSERT_EQ(flock(hold, LOCK_SH), 0); /* a live holder: not an orphan to reclaim */
        int fds = count_fds();
        int r = shmap_job_open("J", SHMAP_JOB_ALL_ACCESS, 0, &j);
        if (v < 4) {
            ASSERT_EQ(r, SHMAP_EBADOBJ);
        } else {
            ASSERT_EQ(r, 0);
            shmap_job_info_t info;
            ASSERT_EQ(shmap_job_query(j, &info), 0);
            ASSERT_EQ(info.active_processes, 0); /* none of those is a member */
            ASSERT_EQ(shmap_close(j), 0);
        }
        ASSERT_EQ(count_fds(), fds);
        close(hold);
        remove_entry("J");
    }
    free(good);
    free(buf);
}

/* Outputs that are not there: -EFAULT before anything is done, never a
 * fault (the native calls of files.h, which the Win32 face probes too). */
TEST(hostile_file_and_pipe_outputs)
{
    void *bad[] = {(void *)8, (void *)(uintptr_t)4095};
    char path[512];
    snprintf(path, sizeof path, "%s/attr-out", test_root());
    shmap_handle_t f;
    ASSERT_EQ(shmap_file_open(path, SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE, 7,
                              SHMAP_CREATE_ALWAYS, 0, 0, &f),
              0);
    shmap_handle_t rd, wr;
    ASSERT_EQ(shmap_pipe_create(&rd, &wr, 0, 0), 0);
    uint32_t n = 1;
    ASSERT_EQ(shmap_file_write(wr, "ab", 2, &n), 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ASSERT_EQ(shmap_file_attributes(path, bad[i]), -EFAULT);
        ASSERT_EQ(shmap_pipe_peek(rd, NULL, 0, bad[i], NULL, NULL), -EFAULT);
        ASSERT_EQ(shmap_pipe_peek(rd, NULL, 0, NULL, bad[i], NULL), -EFAULT);
        ASSERT_EQ(shmap_pipe_peek(rd, NULL, 0, NULL, NULL, bad[i]), -EFAULT);
    }
    uint32_t avail = 0;
    ASSERT_EQ(shmap_pipe_peek(rd, NULL, 0, NULL, &avail, NULL), 0);
    ASSERT_EQ(avail, 2); /* nothing was consumed */
    ASSERT_EQ(shmap_close(rd), 0);
    ASSERT_EQ(shmap_close(wr), 0);
    ASSERT_EQ(shmap_close(f), 0);
    ASSERT_EQ(shmap_file_delete(path), 0);
}
