/*
 * test-objsec.c - security descriptors on objects, with real users
 * (.ci/users.sh): A (shmapa, in shmap-global) creates Global\ objects with
 * a descriptor in SDDL and holds them; B (shmapb) and C (shmapc, in group
 * shmap-c) try them through the API and through the object file itself.
 * What the DACL grants is what each gets, and the file never gives more.
 */
#include "harness.h"
#include "internal.h"
#include "users.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#define PF SHMAP_NULL_HANDLE
#define RW SHMAP_PAGE_READWRITE
#define RD SHMAP_FILE_MAP_READ
#define WR SHMAP_FILE_MAP_WRITE

static char nsroot[4200];
static struct tu_user ua, ub, uc;
static gid_t gid_c;

static void setup(void)
{
    tu_require();
    ASSERT_EQ(chmod(test_root(), 0755), 0);
    snprintf(nsroot, sizeof nsroot, "%.4100s/ns", test_root());
    setenv("SHMAP_ROOT", nsroot, 1);
    ua = tu_get("shmapa"), ub = tu_get("shmapb"), uc = tu_get("shmapc");
    ASSERT_EQ(tu_group("shmap-c", &gid_c), 0);
    shmap_handle_t h; /* root makes the namespace */
    ASSERT_EQ(shmap_event_create("Global\\probe", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h), 0);
    ASSERT_EQ(shmap_close(h), 0);
}

/* %A %B %C in an SDDL template become the users' SIDs, %G shmap-c's. */
static void sddl_of(const char *tmpl, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = tmpl; *p && k + 32 < n; p++) {
        if (*p != '%') {
            out[k++] = *p;
            continue;
        }
        p++;
        unsigned id = *p == 'A' ? ua.uid : *p == 'B' ? ub.uid : *p == 'C' ? uc.uid : gid_c;
        k += (size_t)snprintf(out + k, n - k, "S-1-22-%d-%u", *p == 'G' ? 2 : 1, id);
    }
    out[k] = 0;
}

/* ---- A creates and holds, while the others try ---------------------------- */

struct holder {
    const char *sddl; /* template */
    int type;         /* SHMAP_TYPE_MAPPING or _EVENT */
    int up[2], down[2];
    int result;
};

static int hold(void *arg)
{
    struct holder *hd = arg;
    char s[1024];
    sddl_of(hd->sddl, s, sizeof s);
    void *sd;
    size_t len;
    if (shmap_sd_from_sddl(s, &sd, &len) != 0)
        return 2;
    if (shmap_security_next(sd, len) != 0)
        return 3;
    shmap_free(sd);
    shmap_handle_t h;
    int r = hd->type == SHMAP_TYPE_MAPPING
                ? shmap_mapping_create(PF, "Global\\o", RW, 4096, 0, &h)
                : shmap_event_create("Global\\o", 0, SHMAP_EVENT_ALL_ACCESS, 0, &h);
    if (r != 0)
        return 4;
    if (hd->type == SHMAP_TYPE_MAPPING) {
        char *v;
        if (shmap_view_map(h, WR, 0, 0, NULL, (void **)&v) != 0)
            return 5;
        strcpy(v, "secret");
    }
    if (write(hd->up[1], "r", 1) != 1)
        return 6;
    char c;
    return read(hd->down[0], &c, 1) == 1 ? 0 : 7;
}

static void *hold_thread(void *p)
{
    struct holder *hd = p;
    hd->result = tu_run_as(&ua, hold, hd);
    char c = 'x';
    if (write(hd->up[1], &c, 1) != 1) /* never leave the test waiting */
        hd->result = 99;
    return NULL;
}

static pthread_t start_holder(struct holder *hd)
{
    ASSERT_EQ(pipe(hd->up), 0);
    ASSERT_EQ(pipe(hd->down), 0);
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, hold_thread, hd), 0);
    char c;
    ASSERT_EQ(read(hd->up[0], &c, 1), 1);
    ASSERT_EQ(c, 'r');
    return t;
}

static void stop_holder(struct holder *hd, pthread_t t)
{
    ASSERT_EQ(write(hd->down[1], "d", 1), 1);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    ASSERT_EQ(hd->result, 0);
    close(hd->up[0]), close(hd->up[1]), close(hd->down[0]), close(hd->down[1]);
}

/* What the file gives: 0 none, 1 read, 2 read and write. */
static int file_access(void)
{
    struct shmap_name nm;
    if (shmap__name_parse("Global\\o", 0, &nm) != 0)
        return -1;
    char p[4400];
    snprintf(p, sizeof p, "%.4100s/global/%s", nsroot, nm.fname);
    int fd = open(p, O_RDWR);
    if (fd >= 0)
        return close(fd), 2;
    fd = open(p, O_RDONLY);
    if (fd >= 0)
        return close(fd), 1;
    return 0;
}

/* API access to the section: 0 none, 1 read, 2 read and write. */
static int section_access(void)
{
    shmap_handle_t h;
    if (shmap_mapping_open("Global\\o", WR, 0, &h) == 0) {
        char *v;
        int ok = shmap_view_map(h, WR, 0, 0, NULL, (void **)&v) == 0 && strcmp(v, "secret") == 0;
        if (ok)
            shmap_view_unmap(v);
        shmap_close(h);
        return ok ? 2 : -2;
    }
    if (shmap_mapping_open("Global\\o", RD, 0, &h) == 0) {
        char *v;
        int ok = shmap_view_map(h, RD, 0, 0, NULL, (void **)&v) == 0 && strcmp(v, "secret") == 0;
        if (ok)
            shmap_view_unmap(v);
        shmap_close(h);
        return ok ? 1 : -1;
    }
    return 0;
}

/* The child's exit code: section access * 10 + file access. */
static int probe_section(void *arg)
{
    (void)arg;
    return section_access() * 10 + file_access();
}

static void section_case(const char *sddl, int a_b, int a_c)
{
    setup();
    struct holder hd = {.sddl = sddl, .type = SHMAP_TYPE_MAPPING};
    pthread_t t = start_holder(&hd);
    ASSERT_EQ(tu_run_as(&ub, probe_section, NULL), a_b);
    ASSERT_EQ(tu_run_as(&uc, probe_section, NULL), a_c);
    stop_holder(&hd, t);
}

TEST(sd_read_grant_to_one_user)
{
    /* B may read: the API and the file say so; C is not named */
    section_case("D:(A;;GA;;;%A)(A;;GR;;;%B)", 11, 0);
}

TEST(sd_null_dacl_lets_everyone_in)
{
    section_case("D:NO_ACCESS_CONTROL", 22, 22);
}

TEST(sd_deny_before_allow)
{
    /* Everyone may do all, but B may not write */
    section_case("D:(D;;GW;;;%B)(A;;GA;;;WD)", 11, 22);
}

TEST(sd_allow_then_deny_keeps_the_first_decision)
{
    /* B's allow comes first, so the later deny of everyone's write does
     * not take it from B (Windows: the first ACE that decides a bit).  The
     * file, which cannot know B's groups, withholds write from everyone
     * that a deny of a group or of Everyone may reach, and the library then
     * follows the file: B gets read only (docs/security.md) */
    section_case("D:(A;;GA;;;%B)(D;;GW;;;WD)(A;;GR;;;WD)", 11, 11);
}

TEST(sd_group_grant_reaches_its_members)
{
    section_case("D:(A;;GA;;;%A)(A;;GA;;;%G)", 0, 22);
}

TEST(sd_default_keeps_everyone_else_out)
{
    setup();
    struct holder hd = {.sddl = "O:%A", .type = SHMAP_TYPE_MAPPING}; /* no DACL: the default */
    pthread_t t = start_holder(&hd);
    ASSERT_EQ(tu_run_as(&ub, probe_section, NULL), 0);
    ASSERT_EQ(probe_section(NULL) / 10, 2); /* root: BA and SY are in the default */
    stop_holder(&hd, t);
}

/* Empty DACL: nobody, not even the owner, but the owner's implicit
 * READ_CONTROL | WRITE_DAC; the creating handle keeps its rights. */
static int empty_owner(void *arg)
{
    (void)arg;
    void *sd;
    size_t len;
    if (shmap_sd_from_sddl("D:", &sd, &len) != 0 || shmap_security_next(sd, len) != 0)
        return 2;
    shmap_free(sd);
    shmap_handle_t h, o;
    if (shmap_mapping_create(PF, "Global\\e", RW, 4096, 0, &h) != 0)
        return 3;
    char *v;
    if (shmap_view_map(h, WR, 0, 0, NULL, (void **)&v) != 0) /* the creator's handle */
        return 4;
    shmap_view_unmap(v);
    if (shmap_mapping_open("Global\\e", RD, 0, &o) != -EACCES)
        return 5;
    if (shmap_mapping_open("Global\\e", SHMAP_READ_CONTROL, 0, &o) != 0)
        return 6;
    shmap_close(o);
    if (shmap_mapping_create(PF, "Global\\e", RW, 4096, 0, &o) != -EACCES)
        return 7; /* a Create* that finds it is checked */
    /* widening by duplication is checked too; the same access is not */
    if (shmap_mapping_open("Global\\e", SHMAP_READ_CONTROL, 0, &o) != 0)
        return 8;
    shmap_handle_t d;
    if (shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, o, SHMAP_CURRENT_PROCESS, RD, 0, 0, &d) !=
        -EACCES)
        return 9;
    if (shmap_handle_duplicate(SHMAP_CURRENT_PROCESS, o, SHMAP_CURRENT_PROCESS, 0,
                               SHMAP_DUPLICATE_SAME_ACCESS, 0, &d) != 0)
        return 10;
    shmap_close(d), shmap_close(o), shmap_close(h);
    return 0;
}

TEST(sd_empty_dacl_leaves_the_owner_its_implicit_rights)
{
    setup();
    ASSERT_EQ(tu_run_as(&ua, empty_owner, NULL), 0);
}

/* ---- generic rights per type: an event --------------------------------- */

static int probe_event(void *arg)
{
    (void)arg;
    shmap_handle_t h;
    int r = 0;
    if (shmap_event_open("Global\\o", SHMAP_SYNCHRONIZE, 0, &h) == 0) {
        r += shmap_wait(1, &h, 0, 0) == 0 || shmap_wait(1, &h, 0, 0) == SHMAP_WAIT_TIMEOUT ? 1 : 50;
        shmap_close(h);
    }
    if (shmap_event_open("Global\\o", SHMAP_EVENT_MODIFY_STATE, 0, &h) == 0) {
        r += shmap_event_set(h, NULL) == 0 ? 10 : 50;
        shmap_close(h);
    }
    return r;
}

TEST(sd_generic_execute_on_an_event_is_synchronize)
{
    setup();
    struct holder hd = {.sddl = "D:(A;;GA;;;%A)(A;;GX;;;%B)(A;;GW;;;%C)", .type = SHMAP_TYPE_EVENT};
    pthread_t t = start_holder(&hd);
    ASSERT_EQ(tu_run_as(&ub, probe_event, NULL), 1);  /* wait, not set */
    ASSERT_EQ(tu_run_as(&uc, probe_event, NULL), 10); /* set, not wait */
    stop_holder(&hd, t);
}

/* WRITE_DAC (with read, so that the file opens) granted to a user who is
 * not the file's owner: the kernel will
 * not let them change the file's permissions, so the new DACL is refused
 * (ERROR_ACCESS_DENIED) and the stored one stays. */
static int b_sets_dacl(void *arg)
{
    (void)arg;
    shmap_handle_t h;
    if (shmap_mapping_open("Global\\o", SHMAP_WRITE_DAC | SHMAP_READ_CONTROL, 0, &h) != 0)
        return 2;
    void *before, *after, *sd;
    size_t lb, la, len;
    if (shmap_security_get(h, SHMAP_DACL_SECURITY_INFORMATION, &before, &lb) != 0)
        return 3;
    if (shmap_sd_from_sddl("D:(A;;GA;;;WD)", &sd, &len) != 0)
        return 4;
    int r = shmap_security_set(h, SHMAP_DACL_SECURITY_INFORMATION, sd, len);
    shmap_free(sd);
    if (r != -EACCES)
        return 5;
    if (shmap_security_get(h, SHMAP_DACL_SECURITY_INFORMATION, &after, &la) != 0)
        return 6;
    int same = la == lb && memcmp(before, after, la) == 0;
    shmap_free(before), shmap_free(after), shmap_close(h);
    return same ? 0 : 7;
}

TEST(sd_write_dac_by_a_user_who_does_not_own_the_file_is_refused)
{
    setup();
    struct holder hd = {.sddl = "D:(A;;GA;;;%A)(A;;GRWD;;;%B)", .type = SHMAP_TYPE_MAPPING};
    pthread_t t = start_holder(&hd);
    ASSERT_EQ(tu_run_as(&ub, b_sets_dacl, NULL), 0);
    stop_holder(&hd, t);
}
