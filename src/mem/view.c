/*
 * view.c - views of sections: map, unmap, flush; the registry of views and
 * private allocations; the fault handler that brings pages committed
 * elsewhere into SEC_RESERVE views.
 *
 * Every view starts at a multiple of 64 KiB (Windows' allocation
 * granularity).  The fast path is one mmap() whose result happens to be
 * aligned (the kernel reuses the address just unmapped); otherwise we
 * reserve len + 64 KiB and place the view inside.
 *
 * SEC_COMMIT pagefile views are mapped with MAP_POPULATE when small: the
 * pages exist already (they were allocated at creation), and one system
 * call that maps them all costs far less than one page fault per page.
 */
#include "base/guard.h"
#include "mem/view.h"
#include "base/probe.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GRAN SHMAP_ALLOCATION_GRANULARITY
#define PAGE SHMAP_PAGE_SIZE
#define POPULATE_MAX (2u << 20)

/* ---- protections ----------------------------------------------------------- */

uint32_t shmap__view_protect_of(uint32_t access)
{
    bool exec = access & SHMAP_FILE_MAP_EXECUTE;
    uint32_t a = access & ~SHMAP_FILE_MAP_EXECUTE;
    if (a == SHMAP_FILE_MAP_COPY)
        return exec ? SHMAP_PAGE_EXECUTE_WRITECOPY : SHMAP_PAGE_WRITECOPY;
    if (a & SHMAP_FILE_MAP_WRITE)
        return exec ? SHMAP_PAGE_EXECUTE_READWRITE : SHMAP_PAGE_READWRITE;
    if (a & SHMAP_FILE_MAP_READ)
        return exec ? SHMAP_PAGE_EXECUTE_READ : SHMAP_PAGE_READONLY;
    return SHMAP_PAGE_NOACCESS;
}

int shmap__prot_of(uint32_t p)
{
    switch (p & 0xFFu) {
    case SHMAP_PAGE_READONLY:
        return PROT_READ;
    case SHMAP_PAGE_READWRITE:
        return PROT_READ | PROT_WRITE;
    case SHMAP_PAGE_WRITECOPY:
        return PROT_READ; /* shared views: see vm.c */
    case SHMAP_PAGE_EXECUTE:
        return PROT_EXEC;
    case SHMAP_PAGE_EXECUTE_READ:
        return PROT_READ | PROT_EXEC;
    case SHMAP_PAGE_EXECUTE_READWRITE:
        return PROT_READ | PROT_WRITE | PROT_EXEC;
    case SHMAP_PAGE_EXECUTE_WRITECOPY:
        return PROT_READ | PROT_EXEC;
    default:
        return PROT_NONE;
    }
}

static bool is_exec(uint32_t p)
{
    p &= 0xFFu;
    return p == SHMAP_PAGE_EXECUTE || p == SHMAP_PAGE_EXECUTE_READ ||
           p == SHMAP_PAGE_EXECUTE_READWRITE || p == SHMAP_PAGE_EXECUTE_WRITECOPY;
}

static bool is_write(uint32_t p)
{
    p &= 0xFFu;
    return p == SHMAP_PAGE_READWRITE || p == SHMAP_PAGE_EXECUTE_READWRITE;
}

static bool is_copy(uint32_t p)
{
    p &= 0xFFu;
    return p == SHMAP_PAGE_WRITECOPY || p == SHMAP_PAGE_EXECUTE_WRITECOPY;
}

/* What a protection lets a page do, as Windows compares them: copy on write
 * is reading (the write makes the page another one), PAGE_EXECUTE reads. */
#define ACC_READ 1u
#define ACC_WRITE 2u
#define ACC_EXEC 4u

static uint32_t access_of(uint32_t p)
{
    switch (p & 0xFFu) {
    case SHMAP_PAGE_READONLY:
    case SHMAP_PAGE_WRITECOPY:
        return ACC_READ;
    case SHMAP_PAGE_READWRITE:
        return ACC_READ | ACC_WRITE;
    case SHMAP_PAGE_EXECUTE:
    case SHMAP_PAGE_EXECUTE_READ:
    case SHMAP_PAGE_EXECUTE_WRITECOPY:
        return ACC_READ | ACC_EXEC;
    case SHMAP_PAGE_EXECUTE_READWRITE:
        return ACC_READ | ACC_WRITE | ACC_EXEC;
    default:
        return 0;
    }
}

/* A view page may take any protection whose access the view's own
 * protection has (Wine's test_mapping records Windows: PAGE_WRITECOPY on
 * any readable view, never PAGE_READWRITE on a FILE_MAP_COPY view). */
bool shmap__protect_allowed(uint32_t view, uint32_t p)
{
    return (access_of(p) & ~access_of(view)) == 0;
}

/* The protection at creation allows which views (§5.3)? */
static bool section_allows(uint32_t sec, uint32_t view)
{
    if (view == SHMAP_PAGE_NOACCESS)
        return true;
    if (is_exec(view) && !is_exec(sec))
        return false;
    if (is_write(view) && !is_write(sec))
        return false;
    return true;
}

/* Rights the handle needs for a view protection (§5.2). */
static int check_rights(uint32_t access, uint32_t vprot)
{
    uint32_t need = is_write(vprot) ? SHMAP_SECTION_MAP_WRITE : SHMAP_SECTION_MAP_READ;
    if (is_exec(vprot))
        need |= SHMAP_SECTION_MAP_EXECUTE;
    return (access & need) == need ? 0 : -EACCES;
}

/* ---- registry ------------------------------------------------------------- */

/* lifecycle.c: across fork */
pthread_mutex_t shmap__reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct region **regs; /* sorted by base; protected by reg_lock */
static size_t nregs, capregs;

void shmap__regions_lock(void)
{
    pthread_mutex_lock(&shmap__reg_lock);
}
void shmap__regions_unlock(void)
{
    pthread_mutex_unlock(&shmap__reg_lock);
}

/* Index of the first region with base > addr. */
static size_t upper(uintptr_t addr)
{
    size_t lo = 0, hi = nregs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (regs[mid]->base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct region *shmap__region_find(uintptr_t addr)
{
    size_t i = upper(addr);
    if (i == 0)
        return NULL;
    struct region *r = regs[i - 1];
    return addr - r->base < r->len ? r : NULL;
}

struct region *shmap__region_next(uintptr_t addr)
{
    size_t i = upper(addr);
    return i < nregs ? regs[i] : NULL;
}

int shmap__region_add(struct region *r)
{
    if (nregs == capregs) {
        size_t cap = capregs ? capregs * 2 : 64;
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, by its element */
        struct region **v = realloc(regs, cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        regs = v;
        capregs = cap;
    }
    size_t i = upper(r->base);
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by its element */
    memmove(&regs[i + 1], &regs[i], (nregs - i) * sizeof *regs);
    regs[i] = r;
    nregs++;
    return 0;
}

void shmap__region_remove(struct region *r)
{
    size_t i = upper(r->base);
    if (ALWAYS(i > 0 && regs[i - 1] == r)) {
        /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, by its element */
        memmove(&regs[i - 1], &regs[i], (nregs - i) * sizeof *regs);
        nregs--;
    }
}

uint32_t shmap__region_page_protect(const struct region *r, size_t i)
{
    uint32_t p = r->prot ? r->prot[i] : r->alloc_protect;
    return p | (r->prot_mod ? r->prot_mod[i] : 0u);
}

bool shmap__region_page_committed(const struct region *r, size_t i)
{
    if (r->kind == REGION_PRIVATE)
        return r->committed[i] != 0;
    return shmap__section_committed(r->s, r->offset + (uint64_t)i * PAGE);
}

int shmap__region_set_protect(struct region *r, size_t first, size_t n, uint32_t p)
{
    size_t pages = r->len / PAGE;
    p = (p & ~(uint32_t)SHMAP_PAGE_CACHE_BITS) | (r->alloc_protect & SHMAP_PAGE_CACHE_BITS);
    if (!r->prot) {
        if (!(r->prot = malloc(pages)))
            return -ENOMEM;
        memset(r->prot, (int)r->alloc_protect, pages);
    }
    if (((p | r->alloc_protect) & ~0xFFu) && !r->prot_mod) {
        if (!(r->prot_mod = malloc(pages * sizeof *r->prot_mod)))
            return -ENOMEM;
        /* the other pages keep the modifiers they were given at allocation */
        for (size_t i = 0; i < pages; i++)
            r->prot_mod[i] = (uint16_t)(r->alloc_protect & 0xF00u);
    }
    memset(r->prot + first, (int)(p & 0xFFu), n);
    for (size_t i = 0; r->prot_mod && i < n; i++)
        r->prot_mod[first + i] = (uint16_t)(p & 0xF00u);
    return 0;
}

/* ---- address space --------------------------------------------------------- */

int shmap__reserve_aligned(void *base, size_t len, void **out)
{
    if (base) {
        void *p =
            SYS(mmap)(base, len, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (p == MAP_FAILED)
            return errno == EEXIST ? SHMAP_EADDR : -errno;
        if (p != base) { /* a kernel without MAP_FIXED_NOREPLACE */
            SYS(munmap)(p, len);
            return SHMAP_EADDR;
        }
        *out = p;
        return 0;
    }
    if (len > SIZE_MAX - GRAN) /* only a 32-bit process can ask this */
        return -ENOMEM;
    size_t span = len + GRAN;
    char *p = SYS(mmap)(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -errno == -ENOMEM ? -ENOMEM : -errno;
    char *a = (char *)(uintptr_t)SHMAP_ROUND_UP((uintptr_t)p, GRAN);
    if (a > p)
        SYS(munmap)(p, (size_t)(a - p));
    if (a + len < p + span)
        SYS(munmap)(a + len, (size_t)(p + span - (a + len)));
    *out = a;
    return 0;
}

/* The address and length of the last view unmapped: a free, aligned range
 * that the next view of that size or less can usually take with one mmap. */
static _Atomic uintptr_t hint_base;
static _Atomic size_t hint_len;

static void *map_at_hint(size_t len, int prot, int flags, int fd, off_t off)
{
    uintptr_t h = atomic_exchange(&hint_base, 0);
    if (!h || atomic_load(&hint_len) < len)
        return MAP_FAILED;
    void *p = SYS(mmap)((void *)h, len, prot, flags | MAP_FIXED_NOREPLACE, fd, off);
    if (p != MAP_FAILED && p != (void *)h) { /* a kernel without MAP_FIXED_NOREPLACE */
        SYS(munmap)(p, len);
        return MAP_FAILED;
    }
    return p;
}

/* Map the view's pages: fixed into a reservation, or wherever if aligned. */
static int map_pages(struct region *r, void *base, int prot, int flags, int fd, off_t off)
{
    void *p;
    if (!base && (p = map_at_hint(r->len, prot, flags, fd, off)) != MAP_FAILED) {
        r->base = (uintptr_t)p;
        return 0;
    }
    if (!base) {
        p = SYS(mmap)(NULL, r->len, prot, flags, fd, off);
        if (p == MAP_FAILED)
            return errno == ENOMEM ? -ENOMEM : (errno == EPERM ? -EACCES : -errno);
        if ((uintptr_t)p % GRAN == 0) {
            r->base = (uintptr_t)p;
            return 0;
        }
        SYS(munmap)(p, r->len);
    }
    int e = shmap__reserve_aligned(base, r->len, &p);
    if (e)
        return e;
    void *q = SYS(mmap)(p, r->len, prot, flags | MAP_FIXED, fd, off);
    if (q == MAP_FAILED) {
        e = errno == EPERM ? -EACCES : -errno;
        SYS(munmap)(p, r->len);
        return e;
    }
    r->base = (uintptr_t)q;
    return 0;
}

/* SEC_RESERVE: only committed pages get the view's protection. */
static int protect_committed(struct region *r)
{
    int prot = shmap__prot_of(r->alloc_protect);
    size_t pages = r->len / PAGE;
    for (size_t i = 0; i < pages;) {
        size_t j = i;
        while (j < pages && shmap__region_page_committed(r, j))
            j++;
        if (j > i && SYS(mprotect)((void *)(r->base + i * PAGE), (j - i) * PAGE, prot) != 0)
            return -errno;
        i = j + 1;
    }
    return 0;
}

static void region_free(struct region *r)
{
    free(r->settled);
    free(r->cow);
    free(r->prot);
    free(r->prot_mod);
    free(r->committed);
    free(r);
}

/* Checks of §5 in Windows' order; fills r (len, offset, protection). */
static int view_check(struct shmap_section *s, uint32_t access, uint32_t haccess, uint64_t offset,
                      size_t size, void *base, struct region *r)
{
    uint32_t vprot = shmap__view_protect_of(access);
    int e = check_rights(haccess, vprot);
    if (e)
        return e;
    if (!section_allows(s->protect, vprot))
        return SHMAP_EPROTECT;
    if (offset % GRAN)
        return SHMAP_EALIGN;
    if (offset >= s->map_limit)
        return -EINVAL;
    uint64_t want = size ? size : s->map_limit - offset;
    if (want > s->map_limit - offset)
        return SHMAP_EVIEWSIZE;
    if ((uintptr_t)base % GRAN)
        return SHMAP_EALIGN;
    if (want > SHMAP_USER_TOP) /* a section larger than the address space */
        return -ENOMEM;
    r->len = (size_t)SHMAP_ROUND_UP(want, PAGE);
    if (base && !shmap__user_range((uintptr_t)base, r->len))
        return -EINVAL; /* as the same range given explicitly (shmap_view_map) */
    r->offset = offset;
    r->alloc_protect = vprot;
    /* a view of a SEC_NOCACHE (SEC_WRITECOMBINE) section reports it:
     * PAGE_READWRITE | PAGE_NOCACHE (0x204) */
    if (vprot != SHMAP_PAGE_NOACCESS && (s->attributes & SHMAP_SEC_NOCACHE))
        r->alloc_protect |= SHMAP_PAGE_NOCACHE;
    else if (vprot != SHMAP_PAGE_NOACCESS && (s->attributes & SHMAP_SEC_WRITECOMBINE))
        r->alloc_protect |= SHMAP_PAGE_WRITECOMBINE;
    r->copy = is_copy(vprot);
    return 0;
}

static int view_map(struct shmap_section *s, struct region *r, void *base)
{
    int prot = s->reserve ? PROT_NONE : shmap__prot_of(r->alloc_protect);
    if (r->copy)
        prot |= PROT_WRITE; /* private copy-on-write pages */
    int flags = r->copy ? MAP_PRIVATE : MAP_SHARED;
    /* never populate a private view: that would copy every page now */
    if (!s->reserve && !s->file_backed && !r->copy && prot != PROT_NONE && r->len <= POPULATE_MAX)
        flags |= MAP_POPULATE;
    int e = map_pages(r, base, prot, flags, s->data_fd, (off_t)(s->data_offset + r->offset));
    if (e == 0 && s->reserve && r->alloc_protect != SHMAP_PAGE_NOACCESS) {
        if (r->copy) /* committed pages only, with the view's own protection */
            SYS(mprotect)((void *)r->base, r->len, PROT_NONE);
        if ((e = protect_committed(r)) == 0)
            e = shmap__fault_watch(r);
        if (e)
            SYS(munmap)((void *)r->base, r->len);
    }
    /* a writer of the file who cuts it short must not kill us (guard.c) */
    if (e == 0)
        r->guard_slot = shmap__guard_add(
            (void *)r->base, r->len, shmap__prot_of(r->alloc_protect) | (r->copy ? PROT_WRITE : 0));
    return e;
}

SHMAP_EXTERN int shmap_view_map(shmap_handle_t h, uint32_t access, uint64_t offset, size_t size,
                                void *base, void **out)
{
    /* NT probes the output, then looks at the base and size given, before
     * the handle: a kernel address or a range entering kernel space is
     * STATUS_INVALID_PARAMETER_3 */
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    if (!shmap__user_range((uintptr_t)base, size))
        return -EINVAL;
    struct shmap_obj *o;
    uint32_t haccess;
    int e = shmap__handle_get_type(h, SHMAP_TYPE_MAPPING, &o, &haccess);
    if (e)
        return e;
    struct shmap_section *s = shmap__section_of(o);
    struct region *r = calloc(1, sizeof *r);
    if (!r)
        e = -ENOMEM;
    if (!e) {
        r->kind = REGION_VIEW;
        r->s = s;
        r->fault_slot = -1;
        r->guard_slot = -1;
        e = view_check(s, access, haccess, offset, size, base, r);
    }
    if (!e)
        e = view_map(s, r, base);
    if (!e) {
        shmap__regions_lock();
        e = shmap__region_add(r);
        shmap__regions_unlock();
        if (e) {
            shmap__fault_unwatch(r);
            shmap__guard_remove((void *)r->base, r->guard_slot);
            SYS(munmap)((void *)r->base, r->len);
        }
    }
    if (e) {
        if (r)
            region_free(r);
        shmap__obj_put(o);
        return e;
    }
    atomic_fetch_add(&s->views, 1);
    *out = (void *)r->base; /* the view keeps the reference taken above */
    return 0;
}

SHMAP_EXTERN int shmap_view_unmap(void *addr)
{
    shmap__regions_lock();
    struct region *r = shmap__region_find((uintptr_t)addr);
    if (!r || r->kind != REGION_VIEW) {
        shmap__regions_unlock();
        return SHMAP_EADDR;
    }
    shmap__region_remove(r);
    shmap__regions_unlock();
    shmap__fault_unwatch(r);
    shmap__guard_remove((void *)r->base, r->guard_slot);
    SYS(munmap)((void *)r->base, r->len);
    atomic_store(&hint_len, r->len);
    atomic_store(&hint_base, r->base);
    atomic_fetch_sub(&r->s->views, 1);
    shmap__obj_put(&r->s->obj);
    region_free(r);
    return 0;
}

SHMAP_EXTERN int shmap_view_flush(const void *addr, size_t size)
{
    if (!addr || !shmap__user_range((uintptr_t)addr, size))
        return -EINVAL;
    uintptr_t a = (uintptr_t)addr;
    shmap__regions_lock();
    struct region *r = shmap__region_find(a);
    int e = 0;
    if (r && r->kind == REGION_VIEW) {
        size_t left = r->len - (a - r->base);
        if (size > left)
            e = -EINVAL;
        else if (r->s->file_backed && !r->copy) {
            uintptr_t start = a & ~(uintptr_t)(PAGE - 1);
            size_t n = (size ? a + size : r->base + r->len) - start;
            if (SYS(msync)((void *)start, n, MS_SYNC) != 0)
                e = -EIO;
        }
    }
    shmap__regions_unlock();
    return e;
}

/* ---- the fault handler for SEC_RESERVE views ------------------------------ */

#define FAULT_SLOTS 1024
static struct {
    _Atomic uintptr_t base; /* 0: free */
    size_t len;
    const struct shmap_section *s;
    uint64_t offset;
    int prot;
    const uint8_t *settled; /* the region's: pages the handler leaves alone */
} slots[FAULT_SLOTS];
static struct sigaction old_segv;
static pthread_once_t segv_once = PTHREAD_ONCE_INIT;

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
    uintptr_t a = (uintptr_t)info->si_addr;
    for (int i = 0; i < FAULT_SLOTS; i++) {
        uintptr_t b = atomic_load(&slots[i].base);
        if (!b || a - b >= slots[i].len)
            continue;
        uint64_t off = slots[i].offset + ((a - b) & ~(uintptr_t)(PAGE - 1));
        if (!shmap__section_committed(slots[i].s, off) ||
            __atomic_load_n(&slots[i].settled[(a - b) / PAGE], __ATOMIC_ACQUIRE))
            break; /* not committed, or protected so by the caller (PAGE_NOACCESS) */
        /* committed by another view or process since we mapped: bring it in */
        if (mprotect((void *)(a & ~(uintptr_t)(PAGE - 1)), PAGE, slots[i].prot) == 0)
            return;
        break;
    }
    shmap__sig_chain(&old_segv, sig, info, ctx);
}

static void install_segv(void)
{
    shmap__sig_install(SIGSEGV, on_segv, &old_segv);
}

int shmap__fault_watch(struct region *r)
{
    pthread_once(&segv_once, install_segv);
    if (!r->settled && !(r->settled = calloc(r->len / PAGE, 1)))
        return -ENOMEM;
    for (int i = 0; i < FAULT_SLOTS; i++) {
        uintptr_t zero = 0;
        if (atomic_load(&slots[i].base) == 0 &&
            atomic_compare_exchange_strong(&slots[i].base, &zero, (uintptr_t)1)) {
            slots[i].len = r->len;
            slots[i].s = r->s;
            slots[i].offset = r->offset;
            slots[i].prot = shmap__prot_of(r->alloc_protect) | (r->copy ? PROT_WRITE : 0);
            slots[i].settled = r->settled;
            atomic_store(&slots[i].base, r->base);
            r->fault_slot = i;
            return 0;
        }
    }
    return 0; /* no slot: pages committed elsewhere appear after VirtualAlloc here */
}

void shmap__fault_unwatch(struct region *r)
{
    if (r->fault_slot >= 0)
        atomic_store(&slots[r->fault_slot].base, 0);
    r->fault_slot = -1;
}

void shmap__fault_settle(struct region *r, size_t first, size_t n)
{
    for (size_t i = 0; r->settled && i < n; i++)
        __atomic_store_n(&r->settled[first + i], 1, __ATOMIC_RELEASE);
}
