/*
 * test-datafile.c - a named pagefile section keeps its data at offset 0 of
 * a data file of its own (DESIGN.md §6): what Wine maps by path.  The data
 * is the file's, both ways and across processes; SEC_RESERVE commits
 * reach it; it lives and dies with the name (kill -9 included: swept); a
 * forged or replaced data file is refused; it grants what the object file
 * grants; a full tmpfs fails the create as before; shmap_mapping_data_file.
 */
#include "harness.h"
#include "internal.h"
#include "users.h"
#include "watchdog.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE
#define WR SHMAP_FILE_MAP_WRITE
#define SZ 65536u

/* The data file of h: its path, checked to be "<root>/<dir>/.d<32 hex>". */
static void data_path(shmap_handle_t h, char *p, size_t n)
{
    uint64_t off = 99;
    ASSERT_EQ(shmap_mapping_data_file(h, p, n, &off), 0);
    ASSERT_EQ(off, 0);
    ASSERT_EQ(strncmp(p, test_root(), strlen(test_root())), 0);
    const char *b = strrchr(p, '/') + 1;
    ASSERT_EQ(strlen(b), 34);
    ASSERT_TRUE(b[0] == '.' && b[1] == 'd' && strspn(b + 2, "0123456789abcdef") == 32);
}

/* The object file of a Local\ name. */
static void obj_path(const char *name, char *out, size_t n)
{
    struct shmap_name nm;
    ASSERT_EQ(shmap__name_parse(name, 0, &nm), 0);
    snprintf(out, n, "%s/u%u/%s", test_root(), (unsigned)geteuid(), nm.fname);
}

/* Data files in the Local\ directory (the harness counts objects only). */
static int count_data_files(void)
{
    char d[4200];
    snprintf(d, sizeof d, "%s/u%u", test_root(), (unsigned)geteuid());
    DIR *dir = opendir(d);
    if (!dir)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        n += shmap__ns_is_data_name(e->d_name);
    closedir(dir);
    return n;
}

/* ---- the data is the file's ------------------------------------------- */

HELPER(open_and_exchange)
{
    (void)argc;
    shmap_handle_t h;
    if (shmap_mapping_open("dz", SHMAP_FILE_MAP_ALL_ACCESS, 0, &h) != 0)
        return 2;
    char *v;
    if (shmap_view_map(h, WR, 0, 0, NULL, (void **)&v) != 0)
        return 3;
    char p[4400];
    uint64_t off;
    if (shmap_mapping_data_file(h, p, sizeof p, &off) != 0 || off != 0 || strcmp(p, argv[0]))
        return 4; /* the same file, by the same path */
    int fd = open(p, O_RDWR);
    char buf[8] = {0};
    if (fd < 0 || pread(fd, buf, 5, 0) != 5 || memcmp(buf, "hello", 5) || memcmp(v, "hello", 5))
        return 5;
    if (pwrite(fd, "child", 5, 300) != 5 || memcmp(v + 300, "child", 5))
        return 6;
    strcpy(v + 400, "viewchild"); /* through the view: the parent reads the file */
    close(fd);
    shmap_view_unmap(v);
    return shmap_close(h) == 0 ? 0 : 7;
}

TEST(data_at_offset_zero_both_ways_and_across_processes)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "dz", RW, SZ, 0, &h), 0);
    char *v;
    ASSERT_EQ(shmap_view_map(h, WR, 0, 0, NULL, (void **)&v), 0);
    memcpy(v, "hello", 5);
    v[SZ - 1] = 'z';
    char p[4400], buf[16] = {0};
    data_path(h, p, sizeof p);
    int fd = open(p, O_RDWR);
    ASSERT_GE(fd, 0);
    struct stat st;
    ASSERT_EQ(fstat(fd, &st), 0);
    ASSERT_EQ(st.st_size, SZ); /* the data and nothing else */
    ASSERT_EQ(pread(fd, buf, 5, 0), 5);
    ASSERT_MEM_EQ(buf, "hello", 5);
    ASSERT_EQ(pread(fd, buf, 1, SZ - 1), 1);
    ASSERT_EQ(buf[0], 'z');
    ASSERT_EQ(pwrite(fd, "world", 5, 100), 5);
    ASSERT_MEM_EQ(v + 100, "world", 5);
    /* still a pagefile section in every respect */
    shmap_mapping_info_t info;
    ASSERT_EQ(shmap_mapping_query(h, &info), 0);
    ASSERT_EQ(info.size, SZ);
    ASSERT_EQ_U(info.attributes, SHMAP_SEC_COMMIT);
    shmap_mem_info_t mi;
    ASSERT_EQ(shmap_vm_query(v, &mi), 0);
    ASSERT_EQ_U(mi.type, SHMAP_MEM_MAPPED);
    /* another process opens it by name: the same file, the same bytes */
    expect_exit(spawn_helper("open_and_exchange", p, (char *)NULL), 0, 20);
    ASSERT_MEM_EQ(v + 300, "child", 5);
    ASSERT_EQ(pread(fd, buf, 9, 400), 9);
    ASSERT_MEM_EQ(buf, "viewchild", 9);
    /* the object file itself holds no data */
    char op[4400];
    obj_path("dz", op, sizeof op);
    ASSERT_EQ(stat(op, &st), 0);
    ASSERT_LT(st.st_size, SZ + 65536);
    close(fd);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(count_data_files(), 0);
}

TEST(copy_on_write_view_keeps_its_copy_off_the_file)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "cw", RW, SZ, 0, &h), 0);
    char *v, *c;
    ASSERT_EQ(shmap_view_map(h, WR, 0, 0, NULL, (void **)&v), 0);
    ASSERT_EQ(shmap_view_map(h, SHMAP_FILE_MAP_COPY, 0, 0, NULL, (void **)&c), 0);
    strcpy(v, "shared");
    ASSERT_STR_EQ(c, "shared"); /* the file's page until written */
    strcpy(c, "mine");
    char p[4400], buf[8] = {0};
    data_path(h, p, sizeof p);
    int fd = open(p, O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(pread(fd, buf, 7, 0), 7);
    ASSERT_STR_EQ(buf, "shared");
    close(fd);
    ASSERT_EQ(shmap_view_unmap(c), 0);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

TEST(sec_reserve_commit_reaches_the_file)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "rs", RW | SHMAP_SEC_RESERVE, 1 << 20, 0, &h), 0);
    char p[4400];
    data_path(h, p, sizeof p);
    struct stat st;
    ASSERT_EQ(stat(p, &st), 0);
    ASSERT_EQ(st.st_size, 1 << 20);
    ASSERT_EQ(st.st_blocks, 0); /* nothing charged before a commit */
    char *v;
    ASSERT_EQ(shmap_view_map(h, WR, 0, 0, NULL, (void **)&v), 0);
    void *got;
    ASSERT_EQ(shmap_vm_alloc(v + 3 * 4096, 4096, SHMAP_MEM_COMMIT, RW, &got), 0);
    strcpy(v + 3 * 4096 + 10, "committed");
    shmap_mem_info_t mi;
    ASSERT_EQ(shmap_vm_query(v + 3 * 4096, &mi), 0);
    ASSERT_EQ_U(mi.state, SHMAP_MEM_COMMIT);
    ASSERT_EQ(shmap_vm_query(v, &mi), 0);
    ASSERT_EQ_U(mi.state, SHMAP_MEM_RESERVE);
    int fd = open(p, O_RDONLY);
    char buf[16] = {0};
    ASSERT_EQ(pread(fd, buf, 9, 3 * 4096 + 10), 9);
    ASSERT_STR_EQ(buf, "committed");
    ASSERT_EQ(fstat(fd, &st), 0);
    ASSERT_GT(st.st_blocks, 0);
    close(fd);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(count_data_files(), 0);
}

/* ---- lifetime ------------------------------------------------------------ */

HELPER(create_and_wait)
{
    (void)argc;
    signal(SIGTERM, SIG_DFL);
    shmap_handle_t h;
    if (shmap_mapping_create(PF, argv[0], RW, SZ, 0, &h) != 0)
        return 2;
    printf("ready\n");
    fflush(stdout);
    for (;;)
        pause();
    return 0;
}

/* A helper holds argv name alone, then dies of kill -9. */
static void orphan(const char *name)
{
    proc_t c = spawn_helper_piped("create_and_wait", name, (char *)NULL);
    char line[32];
    proc_line(&c, line, sizeof line, 20);
    ASSERT_STR_EQ(line, "ready");
    ASSERT_EQ(count_data_files(), 1);
    kill(c.pid, SIGKILL);
    wait_pid(c.pid, 10);
    close(c.in), close(c.out);
}

TEST(last_close_and_exit_remove_the_data_file)
{
    shmap_handle_t h, o;
    ASSERT_EQ(shmap_mapping_create(PF, "lc", RW, SZ, 0, &h), 0);
    ASSERT_EQ(shmap_mapping_open("lc", SHMAP_FILE_MAP_READ, 0, &o), 0);
    ASSERT_EQ(count_data_files(), 1);
    char *v;
    ASSERT_EQ(shmap_view_map(h, WR, 0, 0, NULL, (void **)&v), 0);
    ASSERT_EQ(shmap_close(o), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(count_data_files(), 0); /* the name goes at the last handle, views or not */
    strcpy(v, "still mapped");
    ASSERT_EQ(shmap_view_unmap(v), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        shmap_handle_t x;
        exit(shmap_mapping_create(PF, "ex", RW, SZ, 0, &x) == 0 ? 0 : 1); /* exit, no close */
    }
    expect_exit(pid, 0, 10);
    ASSERT_EQ(count_data_files(), 0);
}

TEST(kill9_of_the_last_holder_then_an_open_reclaims_both)
{
    orphan("k9");
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_open("k9", SHMAP_FILE_MAP_READ, 0, &h), -ENOENT);
    ASSERT_EQ(count_data_files(), 0);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(kill9_of_the_last_holder_then_a_listing_reclaims_both)
{
    orphan("k9l");
    ASSERT_EQ(shmap_ns_reclaim(), 1);
    ASSERT_EQ(count_data_files(), 0);
    ASSERT_EQ(count_ns_entries(), 0);
}

TEST(a_data_file_nobody_holds_and_no_object_names_is_swept)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "live", RW, SZ, 0, &h), 0); /* makes the directory */
    char d[4200], junk[4300], held[4300];
    snprintf(d, sizeof d, "%s/u%u", test_root(), (unsigned)geteuid());
    snprintf(junk, sizeof junk, "%s/.d0123456789abcdef0123456789abcdef", d);
    snprintf(held, sizeof held, "%s/.dfedcba9876543210fedcba9876543210", d);
    int j = open(junk, O_CREAT | O_RDWR, 0600), k = open(held, O_CREAT | O_RDWR, 0600);
    ASSERT_GE(j, 0);
    ASSERT_GE(k, 0);
    close(j);
    ASSERT_EQ(flock(k, LOCK_SH), 0); /* a creator between its two links */
    ASSERT_EQ(count_data_files(), 3);
    ASSERT_EQ(shmap_ns_reclaim(), 0);
    ASSERT_EQ(count_data_files(), 2); /* the junk went; the held one and the live one stay */
    ASSERT_EQ(access(junk, F_OK), -1);
    ASSERT_EQ(access(held, F_OK), 0);
    int seen = 0;
    ASSERT_EQ(shmap_ns_list(NULL, &seen), 0); /* listings skip data files */
    close(k);
    ASSERT_EQ(shmap_ns_reclaim(), 0);
    ASSERT_EQ(count_data_files(), 1);
    /* the live section's data file: held by us, named by its object */
    char p[4400];
    data_path(h, p, sizeof p);
    ASSERT_EQ(access(p, F_OK), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(count_data_files(), 0);
}

/* An opener between its hold on the object and its hold on the data file
 * (the only other holder just left): the data file is held by nobody,
 * but a linked object names it, so a sweep leaves it. */
TEST(a_sweep_leaves_the_data_file_an_object_names)
{
    orphan("transit");
    char op[4400];
    obj_path("transit", op, sizeof op);
    int fd = open(op, O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(flock(fd, LOCK_SH), 0); /* the opener's hold on the object */
    ASSERT_EQ(shmap_ns_reclaim(), 0); /* held: not an orphan */
    ASSERT_EQ(count_data_files(), 1);
    ASSERT_EQ(count_ns_entries(), 1);
    close(fd); /* the opener gave up: an orphan again, reclaimed with its data */
    ASSERT_EQ(shmap_ns_reclaim(), 1);
    ASSERT_EQ(count_data_files(), 0);
}

struct listed {
    int n;
    char data_file[4400]; /* of "one" */
    int others_with;      /* objects other than "one" with a data file */
};

static int count_listed(const shmap_object_info_t *i, void *arg)
{
    struct listed *l = arg;
    l->n++;
    if (!strcmp(i->name, "one") && i->data_file)
        snprintf(l->data_file, sizeof l->data_file, "%s", i->data_file);
    else if (i->data_file)
        l->others_with++;
    return 0;
}

TEST(listing_shows_objects_and_their_data_files)
{
    shmap_handle_t h, u, e;
    ASSERT_EQ(shmap_mapping_create(PF, "one", RW, SZ, 0, &h), 0);
    ASSERT_EQ(shmap_mapping_create(PF, NULL, RW, SZ, 0, &u), 0);
    ASSERT_EQ(shmap_event_create("ev", 0, SHMAP_EVENT_ALL_ACCESS, 0, &e), 0);
    struct listed l = {0};
    ASSERT_EQ(shmap_ns_list(count_listed, &l), 0);
    ASSERT_EQ(l.n, 2); /* the section and the event, not the data file */
    ASSERT_EQ(l.others_with, 0);
    char p[4400];
    data_path(h, p, sizeof p);
    ASSERT_STR_EQ(l.data_file, p);
    ASSERT_EQ(shmap_close(e), 0);
    ASSERT_EQ(shmap_close(u), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* Two processes create and close one name, and kill -9 each other's
 * copies at random: the directory ends empty once swept. */
HELPER(churn)
{
    (void)argc, (void)argv;
    for (;;) {
        shmap_handle_t h;
        if (shmap_mapping_create(PF, "churn", RW, SZ, 0, &h) >= 0)
            shmap_close(h);
    }
    return 0;
}

TEST(kill9_at_any_instant_leaves_nothing_once_swept)
{
    struct watchdog *wd = wd_new(1);
    wd_start(wd);
    int s = wd_join(wd, "kill loop");
    srand((unsigned)getpid());
    for (int i = 0; i < 40; i++) {
        wd_tick(wd, s, "spawn");
        pid_t pid = spawn_helper("churn", (char *)NULL);
        usleep(1000 + (unsigned)(rand() % 4000));
        wd_tick(wd, s, "kill");
        kill(pid, SIGKILL);
        wait_pid(pid, 10);
        wd_tick(wd, s, "open");
        shmap_handle_t h;
        int r = shmap_mapping_open("churn", SHMAP_FILE_MAP_READ, 0, &h);
        ASSERT_EQ(r, -ENOENT);            /* an orphan is reclaimed, never handed out */
        ASSERT_LE(count_data_files(), 1); /* at most the one of the killed instant */
        wd_tick(wd, s, "reclaim");
        ASSERT_GE(shmap_ns_reclaim(), 0);
        ASSERT_EQ(count_data_files(), 0);
    }
    wd_leave(wd, s);
    wd_stop(wd);
}

/* ---- hostile ------------------------------------------------------------- */

/* An open by another process (ours would find its cached record). */
static int open_elsewhere(const char *name)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        shmap_handle_t h;
        int r = shmap_mapping_open(name, SHMAP_FILE_MAP_ALL_ACCESS, 0, &h);
        if (r == 0) {
            char *v; /* a view of what it opened must not crash */
            if (shmap_view_map(h, WR, 0, 0, NULL, (void **)&v) == 0) {
                v[SZ - 1] = 1;
                shmap_view_unmap(v);
            }
            shmap_close(h);
        }
        _exit(r == 0 ? 0 : r == SHMAP_EBADOBJ ? 1 : 2);
    }
    int st = wait_pid(pid, 20);
    ASSERT_TRUE(WIFEXITED(st));
    return WEXITSTATUS(st);
}

TEST(a_forged_or_replaced_data_file_is_refused)
{
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, "hx", RW, SZ, 0, &h), 0);
    char *v;
    ASSERT_EQ(shmap_view_map(h, WR, 0, 0, NULL, (void **)&v), 0);
    strcpy(v, "data");
    char p[4400], saved[4400], op[4400];
    data_path(h, p, sizeof p);
    snprintf(saved, sizeof saved, "%s/../saved", test_root());
    obj_path("hx", op, sizeof op);
    ASSERT_EQ(open_elsewhere("hx"), 0);
    /* a bad name in the header */
    int ofd = open(op, O_RDWR);
    ASSERT_GE(ofd, 0);
    size_t at = offsetof(struct shmap_objhdr, data_name);
    char keep[SHMAP_DNAME_LEN], bad[SHMAP_DNAME_LEN];
    ASSERT_EQ(pread(ofd, keep, sizeof keep, (off_t)at), (ssize_t)sizeof keep);
    const char *variants[] = {"Z", "/", "x", "A"};
    for (size_t i = 0; i < 4; i++) {
        memcpy(bad, keep, sizeof bad);
        bad[i == 2 ? 0 : 17] = variants[i][0];
        ASSERT_EQ(pwrite(ofd, bad, sizeof bad, (off_t)at), (ssize_t)sizeof bad);
        ASSERT_EQ(open_elsewhere("hx"), 1);
    }
    memcpy(bad, "../../../../../../../../../etc/pas", sizeof bad);
    ASSERT_EQ(pwrite(ofd, bad, sizeof bad, (off_t)at), (ssize_t)sizeof bad);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    ASSERT_EQ(pwrite(ofd, keep, sizeof keep, (off_t)at), (ssize_t)sizeof keep);
    ASSERT_EQ(open_elsewhere("hx"), 0);
    /* the data file replaced by a symlink to itself, a FIFO, another file */
    ASSERT_EQ(rename(p, saved), 0);
    ASSERT_EQ(symlink(saved, p), 0);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    ASSERT_EQ(unlink(p), 0);
    ASSERT_EQ(mkfifo(p, 0600), 0);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    ASSERT_EQ(unlink(p), 0);
    int cp = open(p, O_CREAT | O_RDWR, 0600);
    ASSERT_GE(cp, 0);
    ASSERT_EQ(ftruncate(cp, SZ), 0); /* the same size, another identity */
    close(cp);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    ASSERT_EQ(unlink(p), 0);
    ASSERT_EQ(open_elsewhere("hx"), 1); /* gone */
    ASSERT_EQ(rename(saved, p), 0);
    ASSERT_EQ(open_elsewhere("hx"), 0);
    /* cut short: refused, and our view survives (guard.c) */
    ASSERT_EQ(truncate(p, 4096), 0);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    volatile char *vv = v;
    ASSERT_EQ(vv[0], 'd');
    /* qemu-user does not give a guest's SIGBUS handler the bus errors of
     * a truncated file (test-nstrust skips the same) */
    if (!getenv("SHMAP_TEST_EMULATED") || !*getenv("SHMAP_TEST_EMULATED"))
        ASSERT_EQ(vv[SZ - 1], 0); /* was a SIGBUS: a private zero page */
    ASSERT_EQ(truncate(p, SZ), 0);
    ASSERT_EQ(open_elsewhere("hx"), 0);
    /* the identity fields themselves */
    uint64_t ino, zero = 0;
    at = offsetof(struct shmap_objhdr, file_ino);
    ASSERT_EQ(pread(ofd, &ino, 8, (off_t)at), 8);
    ASSERT_EQ(pwrite(ofd, &zero, 8, (off_t)at), 8);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    ino ^= 1;
    ASSERT_EQ(pwrite(ofd, &ino, 8, (off_t)at), 8);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    ino ^= 1;
    ASSERT_EQ(pwrite(ofd, &ino, 8, (off_t)at), 8);
    /* the flag without a name, a name without the flag */
    uint16_t hf;
    at = offsetof(struct shmap_objhdr, hflags);
    ASSERT_EQ(pread(ofd, &hf, 2, (off_t)at), 2);
    uint16_t other = (uint16_t)(hf & ~SHMAP_HF_DATA_FILE);
    ASSERT_EQ(pwrite(ofd, &other, 2, (off_t)at), 2);
    ASSERT_EQ(open_elsewhere("hx"), 1);
    ASSERT_EQ(pwrite(ofd, &hf, 2, (off_t)at), 2);
    ASSERT_EQ(open_elsewhere("hx"), 0);
    close(ofd);
    ASSERT_EQ(shmap_view_unmap(v), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(count_data_files(), 0);
}

/* ---- security ------------------------------------------------------------ */

static char nsroot[4000];
static struct tu_user ub, uc;

static void users_setup(void)
{
    tu_require();
    ASSERT_EQ(chmod(test_root(), 0755), 0);
    snprintf(nsroot, sizeof nsroot, "%.3900s/ns", test_root());
    setenv("SHMAP_ROOT", nsroot, 1);
    ub = tu_get(TU_USER_B), uc = tu_get(TU_USER_C);
}

static char g_path[4400];

/* 0 none, 1 read, 2 read and write: what the kernel lets the caller do. */
static int file_access(void *arg)
{
    (void)arg;
    int fd = open(g_path, O_RDWR);
    if (fd >= 0) {
        close(fd);
        return 2;
    }
    fd = open(g_path, O_RDONLY);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    return 0;
}

static void same_permissions(const char *a, const char *b)
{
    struct stat sa, sb;
    ASSERT_EQ(stat(a, &sa), 0);
    ASSERT_EQ(stat(b, &sb), 0);
    ASSERT_EQ_U(sa.st_mode, sb.st_mode);
    ASSERT_EQ(sa.st_uid, sb.st_uid);
    char xa[1024], xb[1024];
    ssize_t la = getxattr(a, "system.posix_acl_access", xa, sizeof xa);
    ssize_t lb = getxattr(b, "system.posix_acl_access", xb, sizeof xb);
    ASSERT_EQ(la, lb);
    if (la > 0)
        ASSERT_MEM_EQ(xa, xb, (size_t)la);
}

/* A root process that holds Global\\<name> (made with sddl, or the
 * default descriptor if NULL), so that the test process holds no record
 * while tu_run_as forks (a fork child would report the records it forgot
 * as leaks).  It answers each line: "p": the object's and the data file's
 * paths; "s<sddl>": a new DACL; "q": close and leave. */
static void sec_holder_serve(const char *name, const char *sddl, int in, int out)
{
    FILE *r = fdopen(in, "r"), *w = fdopen(out, "w");
    void *sd;
    size_t len;
    if (sddl) {
        ASSERT_EQ(shmap_sd_from_sddl(sddl, &sd, &len), 0);
        ASSERT_EQ(shmap_security_next(sd, len), 0);
        shmap_free(sd);
    }
    char full[64], line[512];
    snprintf(full, sizeof full, "Global\\%s", name);
    shmap_handle_t h;
    ASSERT_EQ(shmap_mapping_create(PF, full, RW, SZ, 0, &h), 0);
    while (fgets(line, sizeof line, r)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] == 'p') {
            char p[4400];
            struct shmap_name nm;
            data_path(h, p, sizeof p);
            ASSERT_EQ(shmap__name_parse(full, 0, &nm), 0);
            fprintf(w, "%.4000s/global/%.255s\n%s\n", shmap_ns_root(), nm.fname, p);
        } else if (line[0] == 's') {
            ASSERT_EQ(shmap_sd_from_sddl(line + 1, &sd, &len), 0);
            fprintf(w, "%d\n", shmap_security_set(h, SHMAP_DACL_SECURITY_INFORMATION, sd, len));
            shmap_free(sd);
        } else
            break;
        fflush(w);
    }
    ASSERT_EQ(shmap_close(h), 0);
    _exit(0);
}

static proc_t sec_holder_start(const char *name, const char *sddl)
{
    int down[2], up[2];
    ASSERT_EQ(pipe2(down, O_CLOEXEC), 0);
    ASSERT_EQ(pipe2(up, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(down[1]), close(up[0]);
        sec_holder_serve(name, sddl, down[0], up[1]);
    }
    close(down[0]), close(up[1]);
    return (proc_t){pid, down[1], up[0]};
}

static void sec_paths(proc_t *c, char *obj, char *data, size_t n)
{
    ASSERT_EQ(write(c->in, "p\n", 2), 2);
    proc_line(c, obj, n, 20);
    proc_line(c, data, n, 20);
}

TEST(the_data_file_grants_what_the_object_file_grants)
{
    users_setup();
    char sddl[256], op[4400];
    snprintf(sddl, sizeof sddl, "D:(A;;GA;;;SY)(A;;GR;;;S-1-22-1-%u)", (unsigned)ub.uid);
    proc_t c = sec_holder_start("sec", sddl);
    sec_paths(&c, op, g_path, sizeof op);
    same_permissions(op, g_path);
    ASSERT_EQ(tu_run_as(&ub, file_access, NULL), 1); /* read, as the DACL says */
    ASSERT_EQ(tu_run_as(&uc, file_access, NULL), 0); /* not named: nothing */
    /* a new DACL reaches the data file too */
    char cmd[300], line[32];
    snprintf(cmd, sizeof cmd, "sD:(A;;GA;;;SY)(A;;GA;;;S-1-22-1-%u)\n", (unsigned)uc.uid);
    ASSERT_EQ(write(c.in, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
    proc_line(&c, line, sizeof line, 20);
    ASSERT_STR_EQ(line, "0");
    same_permissions(op, g_path);
    ASSERT_EQ(tu_run_as(&ub, file_access, NULL), 0);
    ASSERT_EQ(tu_run_as(&uc, file_access, NULL), 2);
    ASSERT_EQ(write(c.in, "q\n", 2), 2);
    proc_end(&c, 0, 20);
}

TEST(the_default_dacl_keeps_others_out_of_the_data_file)
{
    users_setup();
    char op[4400];
    proc_t c = sec_holder_start("def", NULL);
    sec_paths(&c, op, g_path, sizeof op);
    same_permissions(op, g_path);
    struct stat st;
    ASSERT_EQ(stat(g_path, &st), 0);
    ASSERT_EQ_U(st.st_mode & 0777, 0600);
    ASSERT_EQ(tu_run_as(&ub, file_access, NULL), 0);
    ASSERT_EQ(write(c.in, "q\n", 2), 2);
    proc_end(&c, 0, 20);
}

/* ---- shmap_mapping_data_file -------------------------------------------- */

TEST(data_file_errors)
{
    char buf[4400];
    uint64_t off = 7;
    ASSERT_EQ(shmap_mapping_data_file((shmap_handle_t)(uintptr_t)0x1234, buf, sizeof buf, &off),
              -EBADF);
    shmap_handle_t ev, un, h, ro;
    ASSERT_EQ(shmap_event_create(NULL, 0, SHMAP_EVENT_ALL_ACCESS, 0, &ev), 0);
    ASSERT_EQ(shmap_mapping_data_file(ev, buf, sizeof buf, &off), SHMAP_ETYPE);
    ASSERT_EQ(shmap_mapping_create(PF, NULL, RW, SZ, 0, &un), 0);
    ASSERT_EQ(shmap_mapping_data_file(un, buf, sizeof buf, &off), -ENOTSUP);
    ASSERT_EQ(shmap_mapping_create(PF, "err", RW, SZ, 0, &h), 0);
    ASSERT_EQ(shmap_mapping_open("err", SHMAP_FILE_MAP_READ, 0, &ro), 0); /* no SECTION_QUERY */
    ASSERT_EQ(shmap_mapping_data_file(ro, buf, sizeof buf, &off), -EACCES);
    ASSERT_EQ(shmap_mapping_data_file(h, (char *)16, sizeof buf, &off), -EFAULT);
    ASSERT_EQ(shmap_mapping_data_file(h, NULL, sizeof buf, &off), -EFAULT);
    ASSERT_EQ(shmap_mapping_data_file(h, buf, sizeof buf, (uint64_t *)16), -EFAULT);
    ASSERT_EQ(shmap_mapping_data_file(h, buf, sizeof buf, NULL), -EFAULT);
    ASSERT_EQ(off, 7);
    /* too small: nothing written, not even within len */
    size_t need = strlen(test_root()) + 1 + strlen("u0/") + 34;
    char small[256];
    memset(small, 'Q', sizeof small);
    ASSERT_EQ(shmap_mapping_data_file(h, small, 10, &off), -ENAMETOOLONG);
    for (size_t i = 0; i < sizeof small; i++)
        ASSERT_EQ(small[i], 'Q');
    ASSERT_EQ(off, 7);
    ASSERT_EQ(shmap_mapping_data_file(h, buf, sizeof buf, &off), 0);
    ASSERT_EQ(off, 0);
    size_t len = strlen(buf);
    ASSERT_GE(len, need - 2);
    ASSERT_EQ(shmap_mapping_data_file(h, small, len, &off), -ENAMETOOLONG); /* no room for NUL */
    ASSERT_EQ(shmap_mapping_data_file(h, small, len + 1, &off), 0);
    ASSERT_STR_EQ(small, buf);
    /* a file-backed section: its file, as recorded */
    char fpath[4400];
    snprintf(fpath, sizeof fpath, "%s/../df-file-%d", test_root(), (int)getpid());
    shmap_handle_t f, fm;
    ASSERT_GE(shmap_file_open(fpath, SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE, 0,
                              SHMAP_CREATE_ALWAYS, 0, 0, &f),
              0);
    ASSERT_EQ(shmap_mapping_create(f, NULL, RW, 8192, 0, &fm), 0);
    off = 7;
    ASSERT_EQ(shmap_mapping_data_file(fm, buf, sizeof buf, &off), 0);
    ASSERT_EQ(off, 0);
    char real[4400];
    ASSERT_NOT_NULL(realpath(fpath, real));
    ASSERT_STR_EQ(buf, real);
    ASSERT_EQ(shmap_close(fm), 0);
    ASSERT_EQ(shmap_close(f), 0);
    unlink(fpath);
    ASSERT_EQ(shmap_close(ro), 0);
    ASSERT_EQ(shmap_close(h), 0);
    ASSERT_EQ(shmap_close(un), 0);
    ASSERT_EQ(shmap_close(ev), 0);
}
