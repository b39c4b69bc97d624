/*
 * robust.h - the kernel's robust futex list of the calling thread (glibc's
 * own list), inline because a mutex acquire and release each go through it.
 * See robust.c and docs/DESIGN.md §14.  Include after base.h.
 */
#ifndef SHMAP_ROBUST_H
#define SHMAP_ROBUST_H

struct shmap_robust_head { /* struct robust_list_head */
    void *list;
    long futex_offset;
    void *pending;
};

#if UINTPTR_MAX > 0xffffffffu
#define SHMAP_GLIBC_FUTEX_OFFSET (-32L) /* __lock - __list.__next in pthread_mutex_t */
#define SHMAP_ROBUST_HAVE_PREV 1        /* doubly linked, prev 8 bytes before next */
#else
#define SHMAP_GLIBC_FUTEX_OFFSET (-20L)
#define SHMAP_ROBUST_HAVE_PREV 0
#endif
#define SHMAP_UNTAG(p) ((char *)((uintptr_t)(p) & ~(uintptr_t)1))

extern __thread SHMAP_TLS SHMAP_HIDDEN struct shmap_robust_head *shmap__t_rhead;
extern __thread SHMAP_TLS SHMAP_HIDDEN int shmap__t_robust; /* 0 unknown, 1 usable, -1 not */
SHMAP_HIDDEN struct shmap_robust_head *shmap__robust_head_slow(void);
SHMAP_HIDDEN void shmap__robust_unlink_slow(struct shmap_robust_head *h, char *e);

static inline struct shmap_robust_head *shmap__robust_head(void)
{
    return ALWAYS(shmap__t_robust > 0) ? shmap__t_rhead : shmap__robust_head_slow();
}

static inline char *shmap__robust_entry(_Atomic uint32_t *w)
{
    return (char *)w - SHMAP_GLIBC_FUTEX_OFFSET;
}

static inline void shmap__robust_pending(_Atomic uint32_t *w)
{
    struct shmap_robust_head *h = shmap__robust_head();
    if (h) {
        atomic_signal_fence(memory_order_seq_cst);
        h->pending = w ? shmap__robust_entry(w) : NULL;
        atomic_signal_fence(memory_order_seq_cst);
    }
}

static inline void shmap__robust_link(_Atomic uint32_t *w)
{
    struct shmap_robust_head *h = shmap__robust_head();
    if (!h)
        return;
    char *e = shmap__robust_entry(w);
    void *first = h->list;
    *(void **)e = first;
#if SHMAP_ROBUST_HAVE_PREV
    *(void **)(e - 8) = (void *)h;
    *(void **)(SHMAP_UNTAG(first) - 8) = e; /* first's prev (glibc's robust_prev if empty) */
#endif
    atomic_signal_fence(memory_order_seq_cst);
    h->list = e;
    atomic_signal_fence(memory_order_seq_cst);
}

static inline void shmap__robust_unlink(_Atomic uint32_t *w)
{
    struct shmap_robust_head *h = shmap__robust_head();
    if (!h)
        return;
    char *e = shmap__robust_entry(w);
#if SHMAP_ROBUST_HAVE_PREV
    void *next = *(void **)e;
    void *prev = *(void **)(e - 8);
    *(void **)(SHMAP_UNTAG(next) - 8) = prev;
    *(void **)SHMAP_UNTAG(prev) = next;
#else
    shmap__robust_unlink_slow(h, e);
#endif
    atomic_signal_fence(memory_order_seq_cst);
    *(void **)e = NULL;
}

#endif
