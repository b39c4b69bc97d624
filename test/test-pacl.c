/*
 * test-pacl.c - POSIX access ACLs on object files (src/base/pacl.c): the
 * exact xattr bytes and mode shmap__pacl_set writes on tmpfs, reading them
 * back, the mode alone (n == 0) removing an ACL, bad arguments changing
 * nothing, a file system without ACLs, injected faults, and the parser on
 * garbage.  That the kernel enforces what is written, with real users, is
 * test-pacl-users.c.
 */
#include "harness.h"
#include "internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#define XA "system.posix_acl_access"
#define R SHMAP_PACL_R
#define W SHMAP_PACL_W
#define RW (SHMAP_PACL_R | SHMAP_PACL_W)
#define U SHMAP_PACL_USER
#define G SHMAP_PACL_GROUP

static char pathbuf[4200];

/* A new regular file on the test's tmpfs (0600); skips if tmpfs here has
 * no POSIX ACLs (CONFIG_TMPFS_POSIX_ACL). */
static int new_file(const char *name)
{
    snprintf(pathbuf, sizeof pathbuf, "%s/%s", test_root(), name);
    int fd = open(pathbuf, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(unlink(pathbuf), 0); /* the namespace stays empty */
    char probe[4];
    if (fgetxattr(fd, XA, probe, sizeof probe) < 0 && errno == EOPNOTSUPP) {
        close(fd);
        SKIP("no POSIX ACLs on the tmpfs of /dev/shm");
    }
    return fd;
}

static mode_t mode_of(int fd)
{
    struct stat st;
    ASSERT_EQ(fstat(fd, &st), 0);
    return st.st_mode & 07777;
}

/* The raw value, or -errno. */
static ssize_t raw(int fd, uint8_t *buf, size_t n)
{
    ssize_t r = fgetxattr(fd, XA, buf, n);
    return r < 0 ? -errno : r;
}

/* One entry of the kernel's format, little-endian. */
static uint8_t *ent(uint8_t *p, unsigned tag, unsigned perm, uint32_t id)
{
    p[0] = (uint8_t)tag;
    p[1] = (uint8_t)(tag >> 8);
    p[2] = (uint8_t)perm;
    p[3] = (uint8_t)(perm >> 8);
    for (int i = 0; i < 4; i++)
        p[4 + i] = (uint8_t)(id >> (8 * i));
    return p + 8;
}
static uint8_t *hdr(uint8_t *p)
{
    memcpy(p, "\x02\x00\x00\x00", 4);
    return p + 4;
}
#define NOID 0xffffffffu

TEST(bytes_and_mode)
{
    int fd = new_file("f");
    /* unsorted, a user twice (merged to rw), a group with nothing */
    struct shmap_pacl_entry e[] = {
        {G, R, 5000}, {U, W, 1002}, {U, R, 1001}, {U, W, 1001}, {G, 0, 4000},
    };
    ASSERT_EQ(shmap__pacl_set(fd, RW, R, 0, e, 5), 0);

    uint8_t want[128], *p = hdr(want);
    p = ent(p, 0x01, 6, NOID); /* USER_OBJ */
    p = ent(p, 0x02, 6, 1001); /* USER, merged */
    p = ent(p, 0x02, 2, 1002);
    p = ent(p, 0x04, 4, NOID); /* GROUP_OBJ */
    p = ent(p, 0x08, 0, 4000); /* GROUP */
    p = ent(p, 0x08, 4, 5000);
    p = ent(p, 0x10, 6, NOID); /* MASK: r | rw | w | 0 | r */
    p = ent(p, 0x20, 0, NOID); /* OTHER */
    uint8_t got[256];
    ASSERT_EQ(raw(fd, got, sizeof got), p - want);
    ASSERT_MEM_EQ(got, want, (size_t)(p - want));
    /* the mode's group bits show the mask, not the owning group's r */
    ASSERT_EQ_U(mode_of(fd), 0660);

    struct shmap_pacl_perms pp;
    struct shmap_pacl_entry back[8];
    size_t n = 99;
    POISON(pp);
    ASSERT_EQ(shmap__pacl_get(fd, &pp, back, 8, &n), 0);
    ASSERT_TRUE(pp.acl);
    ASSERT_EQ(pp.owner, 6);
    ASSERT_EQ(pp.group, 4);
    ASSERT_EQ(pp.other, 0);
    ASSERT_EQ(pp.mask, 6);
    ASSERT_EQ(n, 4);
    struct shmap_pacl_entry sorted[] = {{U, RW, 1001}, {U, W, 1002}, {G, 0, 4000}, {G, R, 5000}};
    for (size_t i = 0; i < 4; i++) {
        ASSERT_EQ(back[i].kind, sorted[i].kind);
        ASSERT_EQ(back[i].perm, sorted[i].perm);
        ASSERT_EQ(back[i].id, sorted[i].id);
    }
    /* fewer slots than entries: -ERANGE, the count, the first ones */
    n = 0;
    ASSERT_EQ(shmap__pacl_get(fd, &pp, back, 1, &n), -ERANGE);
    ASSERT_EQ(n, 4);
    ASSERT_EQ(back[0].id, 1001);
    close(fd);
}

/* The mask is the union of what is granted: a group given nothing and a
 * named user given r make mode 0640 (group bits = mask = r). */
TEST(mask_is_union)
{
    int fd = new_file("f");
    struct shmap_pacl_entry e[] = {{U, R, 1234}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 1), 0);
    ASSERT_EQ_U(mode_of(fd), 0640);
    uint8_t want[128], *p = hdr(want);
    p = ent(p, 0x01, 6, NOID);
    p = ent(p, 0x02, 4, 1234);
    p = ent(p, 0x04, 0, NOID);
    p = ent(p, 0x10, 4, NOID);
    p = ent(p, 0x20, 0, NOID);
    uint8_t got[256];
    ASSERT_EQ(raw(fd, got, sizeof got), p - want);
    ASSERT_MEM_EQ(got, want, (size_t)(p - want));

    /* other r, owner r only, a group given w */
    struct shmap_pacl_entry g[] = {{G, W, 77}};
    ASSERT_EQ(shmap__pacl_set(fd, R, R, R, g, 1), 0);
    ASSERT_EQ_U(mode_of(fd), 0464);
    p = hdr(want);
    p = ent(p, 0x01, 4, NOID);
    p = ent(p, 0x04, 4, NOID);
    p = ent(p, 0x08, 2, 77);
    p = ent(p, 0x10, 6, NOID);
    p = ent(p, 0x20, 4, NOID);
    ASSERT_EQ(raw(fd, got, sizeof got), p - want);
    ASSERT_MEM_EQ(got, want, (size_t)(p - want));
    close(fd);
}

/* n == 0 after an ACL: no xattr left, the mode exactly as asked. */
TEST(none_removes_acl)
{
    int fd = new_file("f");
    struct shmap_pacl_entry e[] = {{U, RW, 1001}, {G, RW, 1002}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 2), 0);
    ASSERT_EQ_U(mode_of(fd), 0660);
    uint8_t got[256];
    ASSERT_GT(raw(fd, got, sizeof got), 0);

    ASSERT_EQ(shmap__pacl_set(fd, RW, R, 0, NULL, 0), 0);
    ASSERT_EQ(raw(fd, got, sizeof got), -ENODATA);
    ASSERT_EQ_U(mode_of(fd), 0640);
    struct shmap_pacl_perms pp;
    size_t n = 99;
    ASSERT_EQ(shmap__pacl_get(fd, &pp, NULL, 0, &n), 0);
    ASSERT_TRUE(!pp.acl);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(pp.owner, 6);
    ASSERT_EQ(pp.group, 4);
    ASSERT_EQ(pp.mask, 4);
    ASSERT_EQ(pp.other, 0);

    /* again, on a file without an ACL; the special bits are cleared */
    ASSERT_EQ(fchmod(fd, 07777), 0);
    ASSERT_EQ(shmap__pacl_set(fd, R, 0, R, NULL, 0), 0);
    ASSERT_EQ(raw(fd, got, sizeof got), -ENODATA);
    ASSERT_EQ_U(mode_of(fd), 0404);
    close(fd);
}

TEST(special_bits_cleared_with_acl)
{
    int fd = new_file("f");
    ASSERT_EQ(fchmod(fd, 06777), 0);
    struct shmap_pacl_entry e[] = {{U, R, 1001}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, e, 1), 0);
    ASSERT_EQ_U(mode_of(fd), 0640);
    close(fd);
}

/* Bad arguments change nothing. */
TEST(invalid_changes_nothing)
{
    int fd = new_file("f");
    struct shmap_pacl_entry e[] = {{U, R, 1001}};
    ASSERT_EQ(shmap__pacl_set(fd, RW, R, 0, e, 1), 0);
    uint8_t before[256], after[256];
    ssize_t nb = raw(fd, before, sizeof before);
    ASSERT_GT(nb, 0);

    struct shmap_pacl_entry x[] = {{U, 1, 1001}};  /* x */
    struct shmap_pacl_entry k[] = {{3, R, 1001}};  /* unknown kind */
    struct shmap_pacl_entry id[] = {{G, R, NOID}}; /* ACL_UNDEFINED_ID */
    struct shmap_pacl_entry ok_bad[] = {{U, RW, 5}, {0, R, 6}};
    ASSERT_EQ(shmap__pacl_set(fd, 7, 0, 0, e, 1), -EINVAL);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 1, 0, NULL, 0), -EINVAL);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 8, NULL, 0), -EINVAL);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, x, 1), -EINVAL);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, k, 1), -EINVAL);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, id, 1), -EINVAL);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, ok_bad, 2), -EINVAL);
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, NULL, 1), -EINVAL);
    static struct shmap_pacl_entry many[SHMAP_PACL_MAX + 1];
    for (size_t i = 0; i < SHMAP_PACL_MAX + 1; i++)
        many[i] = (struct shmap_pacl_entry){U, R, (uint32_t)(2000 + i)};
    ASSERT_EQ(shmap__pacl_set(fd, RW, 0, 0, many, SHMAP_PACL_MAX + 1), -E2BIG);

    ASSERT_EQ(raw(fd, after, sizeof after), nb);
    ASSERT_MEM_EQ(after, before, (size_t)nb);
    ASSERT_EQ_U(mode_of(fd), 0640);
    ASSERT_EQ(shmap__pacl_set(fd, 0, 0, 0, NULL, 0), -0); /* a valid one still works */
    ASSERT_EQ_U(mode_of(fd), 0);
    close(fd);
}

static int cmp_entry(const void *a, const void *b)
{
    const struct shmap_pacl_entry *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return rnd_state;
}

/* SHMAP_PACL_MAX random entries (many repeated) read back sorted and
 * merged. */
TEST(many_entries_roundtrip)
{
    int fd = new_file("f");
    static struct shmap_pacl_entry e[SHMAP_PACL_MAX], want[SHMAP_PACL_MAX], back[SHMAP_PACL_MAX];
    for (int round = 0; round < 20; round++) {
        size_t n = 1 + rnd() % SHMAP_PACL_MAX;
        for (size_t i = 0; i < n; i++)
            e[i] = (struct shmap_pacl_entry){(uint8_t)(1 + rnd() % 2), (uint8_t)(rnd() % 4 * 2),
                                             1000 + rnd() % 300};
        /* the reference: sort, merge */
        memcpy(want, e, n * sizeof e[0]);
        qsort(want, n, sizeof want[0], cmp_entry);
        size_t m = 0;
        unsigned mask = R;
        for (size_t i = 0; i < n; i++) {
            mask |= want[i].perm;
            if (m && want[m - 1].kind == want[i].kind && want[m - 1].id == want[i].id)
                want[m - 1].perm |= want[i].perm;
            else
                want[m++] = want[i];
        }
        ASSERT_EQ(shmap__pacl_set(fd, RW, R, 0, e, n), 0);
        struct shmap_pacl_perms pp;
        size_t got = 0;
        ASSERT_EQ(shmap__pacl_get(fd, &pp, back, SHMAP_PACL_MAX, &got), 0);
        ASSERT_EQ(got, m);
        ASSERT_EQ(pp.mask, mask);
        ASSERT_EQ(pp.group, R);
        ASSERT_EQ_U(mode_of(fd), 0600 | (mask << 3));
        for (size_t i = 0; i < m; i++) {
            ASSERT_EQ(back[i].kind, want[i].kind);
            ASSERT_EQ(back[i].perm, want[i].perm);
            ASSERT_EQ(back[i].id, want[i].id);
        }
    }
    close(fd);
}

/* An ACL larger than pacl.c's own buffer (written raw, as another tool
 * could): shmap__pacl_get asks its size and reads it whole. */
TEST(get_large_foreign_acl)
{
    int fd = new_file("f");
    enum { N = 700 };
    size_t len = 4 + 8 * (N + 4);
    uint8_t *v = malloc(len), *p = hdr(v);
    ASSERT_NOT_NULL(v);
    p = ent(p, 0x01, 6, NOID);
    for (uint32_t i = 0; i < N; i++)
        p = ent(p, 0x02, i % 2 ? 4 : 6, 3000 + i);
    p = ent(p, 0x04, 0, NOID);
    p = ent(p, 0x10, 6, NOID);
    p = ent(p, 0x20, 0, NOID);
    ASSERT_EQ(p - v, (ssize_t)len);
    if (fsetxattr(fd, XA, v, len, 0) != 0 && (errno == ENOSPC || errno == E2BIG)) {
        free(v);
        close(fd);
        SKIP("this tmpfs takes no ACL that large");
    }
    free(v);
    static struct shmap_pacl_entry back[N];
    struct shmap_pacl_perms pp;
    size_t n = 0;
    ASSERT_EQ(shmap__pacl_get(fd, &pp, back, N, &n), 0);
    ASSERT_EQ(n, N);
    ASSERT_EQ(back[N - 1].id, 3000 + N - 1);
    ASSERT_EQ(back[N - 1].perm, 4);
    ASSERT_EQ(pp.mask, 6);
    close(fd);
}

/* No ACLs on the file system (a pipe): n > 0 is -EOPNOTSUPP and leaves
 * the mode alone, narrowed so that nobody gets more than asked; n == 0
 * sets the mode. */
TEST(no_acl_support)
{
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    ASSERT_EQ(fchmod(p[0], 0666), 0);
    /* a user given r, who could be in the owning group: group r at most */
    struct shmap_pacl_entry e[] = {{U, R, 1001}};
    ASSERT_EQ(shmap__pacl_set(p[0], RW, RW, 0, e, 1), -EOPNOTSUPP);
    ASSERT_EQ_U(mode_of(p[0]), 0640);
    /* a user denied while others read: nobody else reads */
    struct shmap_pacl_entry deny[] = {{U, 0, 1001}};
    ASSERT_EQ(shmap__pacl_set(p[0], RW, R, R, deny, 1), -EOPNOTSUPP);
    ASSERT_EQ_U(mode_of(p[0]), 0600);
    /* a named group narrows the others only; a user listed twice is merged */
    struct shmap_pacl_entry g[] = {{G, R, 5}, {U, W, 7}, {U, R, 7}};
    ASSERT_EQ(shmap__pacl_set(p[0], RW, RW, RW, g, 3), -EOPNOTSUPP);
    ASSERT_EQ_U(mode_of(p[0]), 0664);
    struct shmap_pacl_entry gw[] = {{G, W, 5}, {G, R, 6}};
    ASSERT_EQ(shmap__pacl_set(p[0], R, RW, RW, gw, 2), -EOPNOTSUPP);
    ASSERT_EQ_U(mode_of(p[0]), 0460);
    ASSERT_EQ(shmap__pacl_set(p[0], RW, R, 0, NULL, 0), 0);
    ASSERT_EQ_U(mode_of(p[0]), 0640);
    struct shmap_pacl_perms pp;
    size_t n = 9;
    ASSERT_EQ(shmap__pacl_get(p[0], &pp, NULL, 0, &n), 0);
    ASSERT_TRUE(!pp.acl);
    ASSERT_EQ(n, 0);
    ASSERT_EQ(pp.group, 4);
    close(p[0]);
    close(p[1]);
}

TEST(narrow)
{
    unsigned g = RW, o = RW;
    shmap__pacl_narrow(&g, &o, NULL, 0);
    ASSERT_EQ(g, RW);
    ASSERT_EQ(o, RW);
    struct shmap_pacl_entry e[] = {{U, R, 1}, {G, W, 2}};
    shmap__pacl_narrow(&g, &o, e, 2);
    ASSERT_EQ(g, R);
    ASSERT_EQ(o, 0);
    /* merged first: one user given w and r gets rw */
    struct shmap_pacl_entry twice[] = {{U, W, 1}, {U, R, 1}};
    g = RW, o = R;
    shmap__pacl_narrow(&g, &o, twice, 2);
    ASSERT_EQ(g, RW);
    ASSERT_EQ(o, R);
}

static void perms_now(int fd, struct shmap_pacl_perms *pp, struct shmap_pacl_entry *e, size_t *n)
{
    memset(e, 0, 4 * sizeof *e);
    ASSERT_EQ(shmap__pacl_get(fd, pp, e, 4, n), 0);
}

static bool same(const struct shmap_pacl_perms *a, const struct shmap_pacl_entry *ae, size_t an,
                 const struct shmap_pacl_perms *b, const struct shmap_pacl_entry *be, size_t bn)
{
    return a->owner == b->owner && a->group == b->group && a->other == b->other &&
           a->mask == b->mask && a->acl == b->acl && an == bn && !memcmp(ae, be, an * sizeof *ae);
}

/* Every system call of a set failing in turn: the error comes back, and
 * the file grants what it did or what was asked, nothing in between. */
TEST(faults)
{
    int fd = new_file("f");
    struct shmap_pacl_entry a[] = {{U, RW, 1001}, {G, R, 1002}};
    struct shmap_pacl_entry b[] = {{U, R, 1003}};
    struct {
        const struct shmap_pacl_entry *e;
        size_t n;
        unsigned o, g, t;
    } states[] = {{a, 2, RW, R, 0}, {b, 1, RW, 0, R}, {NULL, 0, RW, R, 0}, {a, 2, R, RW, R}};
    size_t ns = sizeof states / sizeof states[0];
    int fds = count_fds();
    for (size_t from = 0; from < ns; from++)
        for (size_t to = 0; to < ns; to++)
            for (unsigned long nth = 1; nth <= 4; nth++) {
                const typeof(states[0]) *f = &states[from], *t = &states[to];
                ASSERT_EQ(shmap__pacl_set(fd, f->o, f->g, f->t, f->e, f->n), 0);
                struct shmap_pacl_perms p0, p1, p2;
                struct shmap_pacl_entry e0[4], e1[4], e2[4];
                size_t n0, n1, n2;
                perms_now(fd, &p0, e0, &n0);
                ASSERT_EQ(shmap__pacl_set(fd, t->o, t->g, t->t, t->e, t->n), 0);
                perms_now(fd, &p1, e1, &n1);
                ASSERT_EQ(shmap__pacl_set(fd, f->o, f->g, f->t, f->e, f->n), 0);

                shmap__fault_arm(nth, EIO, 0);
                int rc = shmap__pacl_set(fd, t->o, t->g, t->t, t->e, t->n);
                shmap__fault_arm(0, 0, 0);
                ASSERT_TRUE(rc == 0 || rc == -EIO);
                perms_now(fd, &p2, e2, &n2);
                if (!same(&p2, e2, n2, &p0, e0, n0) && !same(&p2, e2, n2, &p1, e1, n1))
                    harness_fail(__FILE__, __LINE__,
                                 "state %zu -> %zu, fault at call %lu (rc %d): neither", from, to,
                                 nth, rc);
                if (rc == 0) /* no fault: the state asked for */
                    ASSERT_TRUE(same(&p2, e2, n2, &p1, e1, n1));
            }
    /* and the reads */
    for (unsigned long nth = 1; nth <= 3; nth++) {
        struct shmap_pacl_perms pp;
        struct shmap_pacl_entry e[4];
        size_t n;
        shmap__fault_arm(nth, EIO, 0);
        int rc = shmap__pacl_get(fd, &pp, e, 4, &n);
        shmap__fault_arm(0, 0, 0);
        ASSERT_TRUE(rc == 0 || rc == -EIO);
    }
    ASSERT_EQ(count_fds(), fds);
    close(fd);
}

static int parse(const void *buf, size_t len, struct shmap_pacl_entry *e, size_t cap, size_t *n)
{
    struct shmap_pacl_perms pp;
    return shmap__pacl_parse(buf, len, &pp, e, cap, n);
}

/* One value in a buffer of exactly its size (so that AddressSanitizer sees
 * a read past it). */
static int parse_exact(const uint8_t *v, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    ASSERT_NOT_NULL(copy);
    memcpy(copy, v, len);
    struct shmap_pacl_entry e[2];
    size_t n = 0;
    int rc = parse(copy, len, e, 2, &n);
    free(copy);
    return rc;
}

TEST(parse_rejects_malformed)
{
    uint8_t v[128], *p;
    /* a valid one: every proper prefix is refused */
    p = hdr(v);
    p = ent(p, 0x01, 6, NOID);
    p = ent(p, 0x02, 4, 1001);
    p = ent(p, 0x04, 4, NOID);
    p = ent(p, 0x10, 4, NOID);
    p = ent(p, 0x20, 0, NOID);
    size_t len = (size_t)(p - v);
    ASSERT_EQ(parse_exact(v, len), 0);
    for (size_t l = 0; l < len; l++)
        ASSERT_EQ(parse_exact(v, l), SHMAP_EBADOBJ);
    ASSERT_EQ(parse(NULL, 0, NULL, 0, NULL), SHMAP_EBADOBJ);

    /* one thing wrong at a time */
    struct {
        const char *what;
        unsigned tags[6], perms[6];
        int n;
        uint32_t version;
        int want;
    } cases[] = {
        {"version 1", {1, 4, 0x20}, {6, 4, 0}, 3, 1, SHMAP_EBADOBJ},
        {"unknown tag", {1, 4, 0x40, 0x20}, {6, 4, 0, 0}, 4, 2, SHMAP_EBADOBJ},
        {"perm 8", {1, 4, 0x20}, {6, 8, 0}, 3, 2, SHMAP_EBADOBJ},
        {"two USER_OBJ", {1, 1, 4, 0x20}, {6, 6, 4, 0}, 4, 2, SHMAP_EBADOBJ},
        {"GROUP_OBJ first", {4, 1, 0x20}, {6, 6, 0}, 3, 2, SHMAP_EBADOBJ},
        {"named, no mask", {1, 2, 4, 0x20}, {6, 4, 4, 0}, 4, 2, SHMAP_EBADOBJ},
        {"no OTHER", {1, 4, 0x10}, {6, 4, 4}, 3, 2, SHMAP_EBADOBJ},
        {"no USER_OBJ", {4, 0x20}, {4, 0}, 2, 2, SHMAP_EBADOBJ},
        {"OTHER twice", {1, 4, 0x20, 0x20}, {6, 4, 0, 0}, 4, 2, SHMAP_EBADOBJ},
        {"two masks", {1, 2, 4, 0x10, 0x10, 0x20}, {6, 4, 4, 4, 4, 0}, 6, 2, SHMAP_EBADOBJ},
        {"mask, no named", {1, 4, 0x10, 0x20}, {6, 4, 0, 0}, 4, 2, 0},
        {"minimal", {1, 4, 0x20}, {6, 4, 0}, 3, 2, 0},
        {"x bits", {1, 4, 0x20}, {7, 7, 7}, 3, 2, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        p = v;
        for (int i = 0; i < 4; i++)
            *p++ = (uint8_t)(cases[c].version >> (8 * i));
        for (int i = 0; i < cases[c].n; i++)
            p = ent(p, cases[c].tags[i], cases[c].perms[i], cases[c].tags[i] & 0xa ? 7 : NOID);
        int rc = parse_exact(v, (size_t)(p - v));
        if (rc != cases[c].want)
            harness_fail(__FILE__, __LINE__, "%s: %d, want %d", cases[c].what, rc, cases[c].want);
    }

    /* the kernel keeps ids in the order given: accepted as they are */
    p = hdr(v);
    p = ent(p, 0x01, 6, NOID);
    p = ent(p, 0x02, 4, 9);
    p = ent(p, 0x02, 2, 3);
    p = ent(p, 0x04, 0, NOID);
    p = ent(p, 0x10, 6, NOID);
    p = ent(p, 0x20, 0, NOID);
    struct shmap_pacl_entry e[2];
    size_t n = 0;
    struct shmap_pacl_perms pp;
    ASSERT_EQ(shmap__pacl_parse(v, (size_t)(p - v), &pp, e, 2, &n), 0);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(e[0].id, 9);
    ASSERT_EQ(e[1].id, 3);
    ASSERT_EQ(pp.mask, 6);
    ASSERT_EQ(pp.group, 0);
    ASSERT_EQ(parse(v, (size_t)(p - v), e, 1, &n), -ERANGE);
    ASSERT_EQ(n, 2);
}

/* Garbage of every length up to 300, and valid values with bytes flipped:
 * a code, never a crash or a read outside the buffer (ASan's build). */
TEST(parse_garbage)
{
    uint8_t buf[300];
    for (int round = 0; round < 20000; round++) {
        size_t len = rnd() % sizeof buf;
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rnd();
        if (round % 2 && len >= 4) /* mostly well-formed heads */
            memcpy(buf, "\x02\x00\x00\x00", 4);
        int rc = parse_exact(buf, len);
        ASSERT_TRUE(rc == 0 || rc == -ERANGE || rc == SHMAP_EBADOBJ);
    }
    uint8_t v[64], *p = hdr(v);
    p = ent(p, 0x01, 6, NOID);
    p = ent(p, 0x02, 4, 1001);
    p = ent(p, 0x04, 4, NOID);
    p = ent(p, 0x08, 4, 1001);
    p = ent(p, 0x10, 4, NOID);
    p = ent(p, 0x20, 0, NOID);
    size_t len = (size_t)(p - v);
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            v[i] ^= (uint8_t)(1u << bit);
            int rc = parse_exact(v, len);
            ASSERT_TRUE(rc == 0 || rc == -ERANGE || rc == SHMAP_EBADOBJ);
            v[i] ^= (uint8_t)(1u << bit);
        }
}
