/*
 * vm.c - VirtualQuery, VirtualAlloc, VirtualProtect and VirtualFree, over
 * views (view.c) and private allocations.
 *
 * Views: MEM_COMMIT inside a SEC_RESERVE view commits the pages in the
 * section, for every view of every process (§6.3); on SEC_COMMIT views it
 * only changes protection; on file-backed views it is refused.  Views can
 * never be decommitted or released.
 *
 * PAGE_WRITECOPY on a *shared* view cannot copy on write on Linux (a page
 * of a MAP_SHARED mapping is never private): it is reported as asked but
 * mapped read-only.
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

static bool valid_protect(uint32_t p)
{
    uint32_t lo = p & 0xFFu;
    if (p & ~(0xFFu | PROT_MODIFIERS))
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

/* ---- VirtualQuery ----------------------------------------------------------- */

/* A page of a FILE_MAP_COPY view that was written has been copied: it is
 * no longer a page of the file (pagemap bit 61), and Windows then reports
 * it PAGE_READWRITE (PAGE_EXECUTE_READWRITE).  fd: /proc/self/pagemap. */
static uint32_t copy_view_protect(int fd, const struct region *r, size_t i, uint32_t p)
{
    uint64_t e = 0;
    uint32_t lo = p & 0xFFu;
    if (fd < 0 || (lo != SHMAP_PAGE_WRITECOPY && lo != SHMAP_PAGE_EXECUTE_WRITECOPY))
        return p;
    off_t off = (off_t)((r->base / PAGE + i) * sizeof e);
    if (SYS(pread)(fd, &e, sizeof e, off) != (ssize_t)sizeof e)
        return p;
    bool present = e >> 63 & 1, file = e >> 61 & 1;
    if (!present || file)
        return p;
    return (p & ~0xFFu) |
           (lo == SHMAP_PAGE_WRITECOPY ? SHMAP_PAGE_READWRITE : SHMAP_PAGE_EXECUTE_READWRITE);
}

static uint32_t page_protect(int fd, const struct region *r, size_t i, bool committed)
{
    if (!committed)
        return 0;
    uint32_t p = shmap__region_page_protect(r, i);
    return r->copy ? copy_view_protect(fd, r, i, p) : p;
}

static void query_region(const struct region *r, uintptr_t a, shmap_mem_info_t *m)
{
    size_t pages = r->len / PAGE, i = (a - r->base) / PAGE;
    int fd = r->copy ? shmap__procfs_open("self/pagemap", O_RDONLY) : -1;
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

static uint32_t protect_of_perms(const char *perms)
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
            m->allocation_protect = m->protect = protect_of_perms(perms);
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

static int view_commit(struct region *r, uintptr_t start, size_t n, uint32_t prot)
{
    struct shmap_section *s = r->s;
    if (s->file_backed)
        return -EACCES;
    if (!shmap__protect_allowed(r->alloc_protect, prot))
        return -EINVAL;
    size_t first = (start - r->base) / PAGE;
    int e = shmap__section_commit(s, r->offset + first * PAGE, n * PAGE);
    if (e)
        return e;
    int p =
        shmap__prot_of(prot) |
        ((r->copy && (prot & 0xFFu) != SHMAP_PAGE_READONLY && (prot & 0xFFu) != SHMAP_PAGE_NOACCESS)
             ? PROT_WRITE
             : 0);
    if (SYS(mprotect)((void *)start, n * PAGE, p) != 0)
        return -errno;
    return shmap__region_set_protect(r, first, n, prot);
}

static int view_protect(struct region *r, uintptr_t start, size_t n, uint32_t prot, uint32_t *old)
{
    size_t first = (start - r->base) / PAGE;
    if (!all_committed(r, first, n))
        return SHMAP_EADDR;
    if (!shmap__protect_allowed(r->alloc_protect, prot))
        return -EINVAL;
    /* a copy view of a read-only section may copy on write, never share a
     * write: PAGE_READWRITE there is STATUS_INVALID_PAGE_PROTECTION */
    uint32_t lo = prot & 0xFFu, slo = r->s->protect & 0xFFu;
    if (r->copy && (lo == SHMAP_PAGE_READWRITE || lo == SHMAP_PAGE_EXECUTE_READWRITE) &&
        (slo == SHMAP_PAGE_READONLY || slo == SHMAP_PAGE_EXECUTE_READ || slo == SHMAP_PAGE_EXECUTE))
        return -EINVAL;
    int p = shmap__prot_of(prot) |
            ((r->copy && shmap__prot_of(prot) & PROT_READ && !(prot & SHMAP_PAGE_GUARD) &&
              (prot & 0xFFu) != SHMAP_PAGE_READONLY)
                 ? PROT_WRITE
                 : 0);
    *old = shmap__region_page_protect(r, first); /* before: old may lie in these pages */
    if (SYS(mprotect)((void *)start, n * PAGE, p) != 0)
        return -errno;
    return shmap__region_set_protect(r, first, n, prot);
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
