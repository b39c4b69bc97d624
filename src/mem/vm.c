/*
 * vm.c - VirtualQuery, VirtualAlloc, VirtualProtect and VirtualFree, over
 * views (view.c) and private allocations.
 *
 * Views: MEM_COMMIT inside a SEC_RESERVE view commits the pages in the
 * section, for every view of every process (§6.3); on SEC_COMMIT views it
 * only changes protection; on file-backed views it is refused.  Views can
 * never be decommitted or released.
 *
 * PAGE_WRITECOPY on a page of a *shared* view remaps that page
 * MAP_PRIVATE from the same file and offset: the kernel copies it at the
 * first write, as Windows does (DESIGN.md §7, "Copy on write in shared
 * views").
 */
#include "mem/view.h"
#include "base/probe.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE SHMAP_PAGE_SIZE
#define GRAN SHMAP_ALLOCATION_GRANULARITY
#define PROT_MODIFIERS (SHMAP_PAGE_GUARD | SHMAP_PAGE_NOCACHE | SHMAP_PAGE_WRITECOMBINE)

/* One protection, with at most one modifier; a cache modifier (NOCACHE,
 * WRITECOMBINE) never on PAGE_NOACCESS (Microsoft's memory protection
 * constants page; the cache attributes and PAGE_GUARD exclude each other). */
static bool valid_protect(uint32_t p)
{
    uint32_t lo = p & 0xFFu, mod = p & PROT_MODIFIERS;
    if (p & ~(0xFFu | PROT_MODIFIERS))
        return false;
    if (mod & (mod - 1)) /* two of GUARD, NOCACHE, WRITECOMBINE */
        return false;
    if ((mod & SHMAP_PAGE_CACHE_BITS) && lo == SHMAP_PAGE_NOACCESS)
        return false;
    return lo && (lo & (lo - 1)) == 0; /* exactly one protection */
}

/* Copy on write exists only for views: private memory refuses it
 * (STATUS_INVALID_PAGE_PROTECTION), on VirtualAlloc and VirtualProtect. */
static bool writecopy(uint32_t p)
{
    uint32_t lo = p & 0xFFu;
    return lo == SHMAP_PAGE_WRITECOPY || lo == SHMAP_PAGE_EXECUTE_WRITECOPY;
}

/* ---- private pages of views ------------------------------------------------ */

/* /proc/self/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_FILE (1ULL << 61) /* a page of the file (or shared anonymous) */

/* Has private page i of r been written, that is copied?  A copy-on-write
 * page stays the file's page (PM_FILE) until its first write makes it an
 * anonymous one; never touched, it is not there at all.  fd: pagemap, or
 * -1 (then: not written). */
static bool page_written(int fd, const struct region *r, size_t i)
{
    uint64_t e = 0;
    off_t off = (off_t)((r->base / PAGE + i) * sizeof e);
    if (fd < 0 || SYS(pread)(fd, &e, sizeof e, off) != (ssize_t)sizeof e)
        return false;
    return (e & (PM_PRESENT | PM_SWAP)) && !(e & PM_FILE);
}

/* /proc/self/pagemap if some page of r is private, else -1. */
static int pagemap_of(const struct region *r)
{
    return r->copy || r->cow ? shmap__procfs_open("self/pagemap", O_RDONLY) : -1;
}

/* A copied page is no longer copy-on-write: Windows reports PAGE_WRITECOPY
 * as PAGE_READWRITE there, PAGE_EXECUTE_WRITECOPY as
 * PAGE_EXECUTE_READWRITE (Wine's test_mapping, map_prot_written). */
static uint32_t written_protect(uint32_t p)
{
    switch (p & 0xFFu) {
    case SHMAP_PAGE_WRITECOPY:
        return (p & ~0xFFu) | SHMAP_PAGE_READWRITE;
    case SHMAP_PAGE_EXECUTE_WRITECOPY:
        return (p & ~0xFFu) | SHMAP_PAGE_EXECUTE_READWRITE;
    default:
        return p;
    }
}

/* The protection VirtualQuery reports for committed page i. */
static uint32_t page_protect_now(int fd, const struct region *r, size_t i)
{
    uint32_t p = shmap__region_page_protect(r, i);
    if (shmap__region_page_private(r, i) && page_written(fd, r, i))
        return written_protect(p);
    return p;
}

/* ---- VirtualQuery ----------------------------------------------------------- */

static uint32_t page_protect(int fd, const struct region *r, size_t i, bool committed)
{
    return committed ? page_protect_now(fd, r, i) : 0;
}

static void query_region(const struct region *r, uintptr_t a, shmap_mem_info_t *m)
{
    size_t pages = r->len / PAGE, i = (a - r->base) / PAGE;
    int fd = pagemap_of(r);
    bool c = shmap__region_page_committed(r, i);
    uint32_t p = page_protect(fd, r, i, c);
    size_t j = i + 1;
    while (j < pages && shmap__region_page_committed(r, j) == c && page_protect(fd, r, j, c) == p)
        j++;
    shmap__close_fd(fd);
    m->base = (void *)(r->base + i * PAGE);
    m->allocation_base = (void *)r->base;
    m->allocation_protect = r->alloc_protect;
    m->region_size = (j - i) * PAGE;
    m->state = c ? SHMAP_MEM_COMMIT : SHMAP_MEM_RESERVE;
    m->protect = p;
    m->type = r->kind == REGION_VIEW ? SHMAP_MEM_MAPPED : SHMAP_MEM_PRIVATE;
}

uint32_t shmap__protect_of_perms(const char *perms)
{
    bool r = perms[0] == 'r', w = perms[1] == 'w', x = perms[2] == 'x';
    if (x)
        return w ? SHMAP_PAGE_EXECUTE_READWRITE : r ? SHMAP_PAGE_EXECUTE_READ : SHMAP_PAGE_EXECUTE;
    return w ? SHMAP_PAGE_READWRITE : r ? SHMAP_PAGE_READONLY : SHMAP_PAGE_NOACCESS;
}

/* Memory shmap did not map: ask /proc/self/maps (0 or -errno). */
static int query_other(uintptr_t a, uintptr_t limit, shmap_mem_info_t *m)
{
    uintptr_t page = a & ~(uintptr_t)(PAGE - 1), next = limit;
    struct shmap_procfs_lines l;
    int r = shmap__procfs_lines_open(&l, "self/maps");
    if (r)
        return r; /* not knowing is not MEM_FREE */
    memset(m, 0, sizeof *m);
    m->base = (void *)page;
    m->state = SHMAP_MEM_FREE;
    m->protect = SHMAP_PAGE_NOACCESS;
    for (char *line; (line = shmap__procfs_lines_next(&l)) != NULL;) {
        unsigned long lo, hi;
        char perms[8], path[256] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &lo, &hi, perms, path) < 3)
            continue;
        if (a >= lo && a < hi) {
            m->allocation_base = (void *)lo;
            m->allocation_protect = m->protect = shmap__protect_of_perms(perms);
            m->state = SHMAP_MEM_COMMIT;
            m->type = path[0] == '/' ? SHMAP_MEM_IMAGE : SHMAP_MEM_PRIVATE;
            if (perms[3] == 's')
                m->type = SHMAP_MEM_MAPPED;
            next = hi;
            break;
        }
        if (lo > a && lo < next) {
            next = lo;
            break;
        }
    }
    shmap__procfs_lines_close(&l);
    m->region_size = next - page;
    return 0;
}

SHMAP_EXTERN int shmap_vm_query(const void *addr, shmap_mem_info_t *info)
{
    uintptr_t a = (uintptr_t)addr, top = SHMAP_USER_TOP;
    if (SHMAP_PROBE_OUT(info))
        return -EFAULT;
    if (a >= top)
        return -EINVAL;
    shmap_mem_info_t m;
    shmap__regions_lock();
    struct region *r = shmap__region_find(a), *n = r ? NULL : shmap__region_next(a);
    if (r)
        query_region(r, a, &m);
    uintptr_t limit = n ? n->base : top;
    shmap__regions_unlock();
    int e = r ? 0 : query_other(a, limit, &m);
    if (e == 0)
        *info = m;
    return e;
}

/* ---- VirtualAlloc / VirtualProtect on views --------------------------------- */

/* Are all n pages from first committed? */
static bool all_committed(const struct region *r, size_t first, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!shmap__region_page_committed(r, first + i))
            return false;
    return true;
}

/* The kernel's protection for a view page given PAGE_* p: a private page
 * under copy on write is writable, the kernel copying it at the first
 * write; a shared page never is (a write would reach the section). */
static int host_prot(uint32_t p, bool priv)
{
    int h = shmap__prot_of(p);
    if (priv && writecopy(p) && !(p & SHMAP_PAGE_GUARD))
        h |= PROT_WRITE;
    return h;
}

/* What giving a protection does to a page of a shared view. */
enum page_step {
    STEP_PROTECT,         /* mprotect: a shared page, or one already copied */
    STEP_PROTECT_PRIVATE, /* mprotect of a private page */
    STEP_TO_PRIVATE,      /* map it MAP_PRIVATE: copy on write from now */
    STEP_TO_SHARED        /* map it MAP_SHARED again: made private, never written */
};

static enum page_step step_of(int fd, const struct region *r, size_t i, uint32_t p)
{
    bool priv = shmap__region_page_private(r, i);
    if (r->copy)
        return STEP_PROTECT_PRIVATE;
    if (writecopy(p))
        return priv ? STEP_PROTECT_PRIVATE : STEP_TO_PRIVATE;
    if (!priv)
        return STEP_PROTECT;
    return page_written(fd, r, i) ? STEP_PROTECT_PRIVATE : STEP_TO_SHARED;
}

/* Apply one step to pages [first, first + n) of r. */
static int apply_step(struct region *r, size_t first, size_t n, enum page_step st, uint32_t p)
{
    void *a = (void *)(r->base + first * PAGE);
    if (st == STEP_PROTECT || st == STEP_PROTECT_PRIVATE)
        return SYS(mprotect)(a, n * PAGE, host_prot(p, st == STEP_PROTECT_PRIVATE)) ? -errno : 0;
    bool priv = st == STEP_TO_PRIVATE;
    const struct shmap_section *s = r->s;
    off_t off = (off_t)(s->data_offset + r->offset + first * PAGE);
    /* MAP_FIXED replaces the pages in one step: no other thread sees a hole */
    void *q = SYS(mmap)(a, n * PAGE, host_prot(p, priv),
                        (priv ? MAP_PRIVATE : MAP_SHARED) | MAP_FIXED, s->data_fd, off);
    if (q == MAP_FAILED)
        return errno == EPERM ? -EACCES : -errno;
    memset(r->cow + first, priv, n);
    return 0;
}

/* Give pages [first, first + n) of a view protection p: mprotect, and for
 * PAGE_WRITECOPY on a shared view, remap the pages MAP_PRIVATE from the
 * same file and offset (§7, "Copy on write in shared views").  Runs of
 * pages needing the same step take one system call. */
static int protect_pages(struct region *r, size_t first, size_t n, uint32_t p)
{
    if (!r->copy && !r->cow && writecopy(p) && !(r->cow = calloc(r->len / PAGE, 1)))
        return -ENOMEM;
    int fd = pagemap_of(r), e = 0;
    for (size_t i = first, end = first + n; i < end && e == 0;) {
        enum page_step st = step_of(fd, r, i, p);
        size_t j = i + 1;
        while (j < end && step_of(fd, r, j, p) == st)
            j++;
        e = apply_step(r, i, j - i, st, p);
        i = j;
    }
    shmap__close_fd(fd);
    return e;
}

static int view_commit(struct region *r, uintptr_t start, size_t n, uint32_t prot)
{
    struct shmap_section *s = r->s;
    if (s->file_backed)
        return -EACCES;
    if (!shmap__protect_allowed(r->alloc_protect, prot))
        return -EINVAL;
    size_t first = (start - r->base) / PAGE;
    int e = shmap__section_commit(s, r->offset + first * PAGE, n * PAGE);
    if (e == 0)
        e = protect_pages(r, first, n, prot);
    if (e == 0)
        shmap__fault_settle(r, first, n);
    return e ? e : shmap__region_set_protect(r, first, n, prot);
}

static int view_protect(struct region *r, uintptr_t start, size_t n, uint32_t prot, uint32_t *old)
{
    size_t first = (start - r->base) / PAGE;
    if (!all_committed(r, first, n))
        return SHMAP_EADDR;
    if (!shmap__protect_allowed(r->alloc_protect, prot))
        return -EINVAL;
    int fd = pagemap_of(r);
    *old = page_protect_now(fd, r, first); /* before: old may lie in these pages */
    shmap__close_fd(fd);
    int e = protect_pages(r, first, n, prot);
    if (e == 0)
        shmap__fault_settle(r, first, n);
    return e ? e : shmap__region_set_protect(r, first, n, prot);
}

/* ---- private allocations -------------------------------------------------- */

/* [addr, addr + size) lies in user space (the caller checked), so nothing
 * below wraps.  The address space is taken before the per-page array: a
 * size that finds no room fails there, without allocating a byte per page. */
static int private_reserve(void *addr, size_t size, uint32_t type, uint32_t prot, void **out)
{
    uintptr_t base = (uintptr_t)addr & ~(uintptr_t)(GRAN - 1);
    size_t len = addr ? (size_t)SHMAP_ROUND_UP((uintptr_t)addr + size, PAGE) - base
                      : (size_t)SHMAP_ROUND_UP(size, PAGE);
    void *p;
    int e = shmap__reserve_aligned(addr ? (void *)base : NULL, len, &p);
    if (e)
        return e;
    bool commit = type & SHMAP_MEM_COMMIT;
    struct region *r = calloc(1, sizeof *r);
    if (!r || !(r->committed = calloc(len / PAGE, 1)) ||
        (commit && SYS(mprotect)(p, len, shmap__prot_of(prot)) != 0)) {
        SYS(munmap)(p, len);
        if (r)
            free(r->committed);
        free(r);
        return -ENOMEM;
    }
    r->base = (uintptr_t)p;
    r->len = len;
    r->kind = REGION_PRIVATE;
    r->alloc_protect = prot;
    r->fault_slot = -1;
    memset(r->committed, commit, len / PAGE);
    shmap__regions_lock();
    e = shmap__region_add(r);
    shmap__regions_unlock();
    if (e) {
        SYS(munmap)(p, len);
        free(r->committed);
        free(r);
        return e;
    }
    *out = p;
    return 0;
}

static int private_commit(struct region *r, uintptr_t start, size_t n, uint32_t prot)
{
    if (SYS(mprotect)((void *)start, n * PAGE, shmap__prot_of(prot)) != 0)
        return -errno;
    size_t first = (start - r->base) / PAGE;
    memset(r->committed + first, 1, n);
    return shmap__region_set_protect(r, first, n, prot);
}

/* The pages [start, start + n*PAGE) of addr's region, or NULL if the range
 * leaves it.  [addr, addr + size) lies in user space (the caller checked). */
static struct region *range_of(void *addr, size_t size, uintptr_t *start, size_t *n)
{
    uintptr_t a = (uintptr_t)addr;
    struct region *r = shmap__region_find(a);
    if (!r || (size ? size : 1) > r->base + r->len - a)
        return NULL;
    *start = a & ~(uintptr_t)(PAGE - 1);
    uintptr_t end = (uintptr_t)SHMAP_ROUND_UP(a + (size ? size : 1), PAGE);
    *n = (end - *start) / PAGE;
    return r;
}

SHMAP_EXTERN int shmap_vm_alloc(void *addr, size_t size, uint32_t type, uint32_t protect,
                                void **out)
{
    uint32_t kind = type & (SHMAP_MEM_COMMIT | SHMAP_MEM_RESERVE | SHMAP_MEM_RESET);
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    if (!kind || (type & ~(kind | SHMAP_MEM_TOP_DOWN)) || !valid_protect(protect) || size == 0 ||
        !shmap__user_range((uintptr_t)addr, size))
        return -EINVAL;
    if (kind == SHMAP_MEM_RESET && !addr)
        return -EINVAL;
    shmap__regions_lock();
    uintptr_t start;
    size_t n;
    struct region *r = addr ? shmap__region_find((uintptr_t)addr) : NULL;
    int e;
    if (kind == SHMAP_MEM_RESET) { /* memory shmap did not map is taken as committed */
        e = r && !range_of(addr, size, &start, &n) ? SHMAP_EADDR : 0;
        shmap__regions_unlock();
        if (e == 0)
            *out = addr;
        return e;
    }
    if (!r) {
        shmap__regions_unlock();
        return writecopy(protect) ? -EINVAL : private_reserve(addr, size, kind, protect, out);
    }
    if ((kind & SHMAP_MEM_RESERVE) || !range_of(addr, size, &start, &n))
        e = SHMAP_EADDR;
    else if (r->kind == REGION_VIEW)
        e = view_commit(r, start, n, protect);
    else
        e = writecopy(protect) ? -EINVAL : private_commit(r, start, n, protect);
    shmap__regions_unlock();
    if (e == 0)
        *out = (void *)start;
    return e;
}

SHMAP_EXTERN int shmap_vm_protect(void *addr, size_t size, uint32_t protect, uint32_t *old)
{
    if (!valid_protect(protect))
        return -EINVAL;
    if (SHMAP_PROBE_OUT(old)) /* NT: after the protection, before the range */
        return -EFAULT;
    if (size == 0 || !shmap__user_range((uintptr_t)addr, size))
        return -EINVAL;
    shmap__regions_lock();
    uintptr_t start;
    size_t n;
    struct region *r = range_of(addr, size, &start, &n);
    int e;
    if (!r)
        e = SHMAP_EADDR;
    else if (r->kind == REGION_VIEW)
        e = view_protect(r, start, n, protect, old);
    else if (writecopy(protect))
        e = -EINVAL;
    else {
        size_t first = (start - r->base) / PAGE;
        e = all_committed(r, first, n) ? 0 : SHMAP_EADDR;
        if (e == 0)
            *old = shmap__region_page_protect(r, first);
        if (e == 0)
            e = private_commit(r, start, n, protect);
    }
    shmap__regions_unlock();
    return e;
}

SHMAP_EXTERN int shmap_vm_free(void *addr, size_t size, uint32_t type)
{
    if ((type != SHMAP_MEM_RELEASE && type != SHMAP_MEM_DECOMMIT) ||
        !shmap__user_range((uintptr_t)addr, size))
        return -EINVAL;
    shmap__regions_lock();
    uintptr_t start;
    size_t n;
    struct region *r = shmap__region_find((uintptr_t)addr);
    int e = 0;
    if (!r)
        e = SHMAP_EADDR;
    else if (r->kind == REGION_VIEW)
        /* NOLINTNEXTLINE(bugprone-branch-clone): -EINVAL for different reasons, each told */
        e = -EINVAL; /* views are never decommitted or released (§6.3) */
    else if (type == SHMAP_MEM_RELEASE) {
        if (size != 0 || (uintptr_t)addr != r->base)
            e = -EINVAL;
        else {
            shmap__region_remove(r);
            SYS(munmap)((void *)r->base, r->len);
            free(r->prot);
            free(r->prot_mod);
            free(r->committed);
            free(r);
        }
    } else if (!range_of(addr, size ? size : r->len - ((uintptr_t)addr - r->base), &start, &n))
        e = -EINVAL; /* past the end of the allocation: STATUS_UNABLE_TO_FREE_VM */
    else if (SYS(mmap)((void *)start, n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                       -1, 0) == MAP_FAILED)
        e = -errno; /* still committed, contents and all */
    else
        memset(r->committed + (start - r->base) / PAGE, 0, n);
    shmap__regions_unlock();
    return e;
}
