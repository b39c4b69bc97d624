/*
 * view.h - views and private allocations of this process, shared by view.c
 * (map, unmap, flush, the fault handler) and vm.c (VirtualQuery, Alloc,
 * Protect, Free).
 */
#ifndef SHMAP_VIEW_H
#define SHMAP_VIEW_H

#include "mem/mem.h"

enum region_kind { REGION_VIEW = 1, REGION_PRIVATE = 2 };

/* The end of the address space a process can map (Linux's TASK_SIZE on
 * x86-64, and for 32-bit processes on a 64-bit kernel).  A range of
 * VirtualAlloc, VirtualProtect, VirtualFree, FlushViewOfFile or
 * MapViewOfFileEx that wraps or reaches past it is an invalid parameter
 * (87), checked before any region is looked at, as NT checks its ranges
 * against MM_HIGHEST_USER_ADDRESS. */
#define SHMAP_USER_TOP ((uintptr_t)(sizeof(void *) == 8 ? 0x7ffffffff000ULL : 0xffffe000UL))

/* Does [a, a + len) lie in user space?  (Written so that nothing wraps.) */
static inline bool shmap__user_range(uintptr_t a, size_t len)
{
    return a <= SHMAP_USER_TOP && len <= SHMAP_USER_TOP - a;
}

/* The cache attributes of a page (PAGE_NOCACHE, PAGE_WRITECOMBINE):
 * reported only (Linux memory stays cached), and an allocation's, not a
 * page's: every page reports those of the allocation (VirtualAlloc's
 * protection, a view's section's SEC_NOCACHE / SEC_WRITECOMBINE), whatever
 * VirtualProtect asks (Wine's test_VirtualAlloc records recent Windows). */
#define SHMAP_PAGE_CACHE_BITS (SHMAP_PAGE_NOCACHE | SHMAP_PAGE_WRITECOMBINE)

struct region {
    uintptr_t base;
    size_t len; /* page multiple */
    enum region_kind kind;
    uint32_t alloc_protect; /* PAGE_* the region was mapped with */
    uint8_t *prot;          /* per-page PAGE_* low byte, or NULL: all alloc_protect */
    uint16_t *prot_mod;     /* per-page PAGE_GUARD/NOCACHE bits, or NULL */
    /* views */
    struct shmap_section *s; /* holds a reference */
    uint64_t offset;         /* in the section */
    bool copy;               /* FILE_MAP_COPY: private */
    uint8_t *cow;            /* shared views: per-page 1 = mapped MAP_PRIVATE (made
                              * PAGE_WRITECOPY by VirtualProtect), or NULL (none) */
    int fault_slot;          /* SEC_RESERVE: index in the fault table, or -1 */
    uint8_t *settled;        /* SEC_RESERVE: per-page 1 = given its protection in this view
                              * (the fault handler leaves it alone), or NULL; atomic bytes */
    int guard_slot;          /* the truncation guard's slot (base/guard.c), or -1 */
    /* private allocations */
    uint8_t *committed; /* per-page 0/1 */
};

/* The registry: non-overlapping regions, looked up by any interior address.
 * Callers hold the registry lock across lookup and use. */
SHMAP_HIDDEN void shmap__regions_lock(void);
SHMAP_HIDDEN void shmap__regions_unlock(void);
SHMAP_HIDDEN struct region *shmap__region_find(uintptr_t addr);
/* First region starting above addr (for VirtualQuery of free memory), or NULL. */
SHMAP_HIDDEN struct region *shmap__region_next(uintptr_t addr);
SHMAP_HIDDEN int shmap__region_add(struct region *r);
SHMAP_HIDDEN void shmap__region_remove(struct region *r);

/* Current PAGE_* protection of page i of a region (modifier bits included). */
SHMAP_HIDDEN uint32_t shmap__region_page_protect(const struct region *r, size_t i);
/* Is page i committed? (views: the section's bitmap; private: own bits) */
SHMAP_HIDDEN bool shmap__region_page_committed(const struct region *r, size_t i);
/* Record protection p for pages [first, first + n), its cache attributes
 * replaced by the region's; allocates the arrays. */
SHMAP_HIDDEN int shmap__region_set_protect(struct region *r, size_t first, size_t n, uint32_t p);

/* Reserve len bytes at a 64 KiB aligned address (PROT_NONE, anonymous), or
 * at base if given (SHMAP_EADDR if in use). */
SHMAP_HIDDEN int shmap__reserve_aligned(void *base, size_t len, void **out);

/* May a region mapped with view protection `view` be given protection p? */
SHMAP_HIDDEN bool shmap__protect_allowed(uint32_t view, uint32_t p);

/* Is page i of a view a private copy-on-write page (FILE_MAP_COPY view, or
 * made PAGE_WRITECOPY in a shared view)? */
static inline bool shmap__region_page_private(const struct region *r, size_t i)
{
    return r->copy || (r->cow && r->cow[i]);
}

/* SEC_RESERVE views: let the fault handler upgrade pages committed by
 * other views or processes (-ENOMEM); pages [first, first + n) got their
 * protection here (commit, VirtualProtect): a fault there is the caller's. */
SHMAP_HIDDEN int shmap__fault_watch(struct region *r);
SHMAP_HIDDEN void shmap__fault_unwatch(struct region *r);
SHMAP_HIDDEN void shmap__fault_settle(struct region *r, size_t first, size_t n);

#endif
