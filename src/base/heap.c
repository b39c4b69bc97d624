/*
 * heap.c - heaps of this process (HeapCreate and kin): blocks from malloc,
 * each behind a header that names its heap and links it into the heap's
 * list, so that destroying a heap frees every block still in it and a
 * block's size is known.  The process heap is one static heap that is
 * never destroyed.  Heaps do not grow beyond malloc's limits; a maximum
 * size given to HeapCreate bounds the sum of the sizes of its blocks.
 */
#include "base.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define HEAP_MAGIC 0x70616568u /* "heap" */

struct shmap_heap {
    uint32_t magic;
    pthread_mutex_t lock;
    struct heap_block *head;
    size_t max, used; /* max 0: growable */
};

struct heap_block {
    struct heap_block *prev, *next;
    struct shmap_heap *heap;
    size_t size;
} __attribute__((aligned(16)));

static struct shmap_heap process_heap = {HEAP_MAGIC, PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0};

SHMAP_EXTERN shmap_heap_t *shmap_heap_process(void)
{
    return &process_heap;
}

SHMAP_EXTERN int shmap_heap_create(size_t max, shmap_heap_t **out)
{
    struct shmap_heap *h = calloc(1, sizeof *h);
    if (!h)
        return -ENOMEM;
    h->magic = HEAP_MAGIC;
    pthread_mutex_init(&h->lock, NULL);
    h->max = max;
    *out = h;
    return 0;
}

static bool heap_ok(const struct shmap_heap *h)
{
    return h && h->magic == HEAP_MAGIC;
}

SHMAP_EXTERN int shmap_heap_destroy(shmap_heap_t *h)
{
    if (!heap_ok(h) || h == &process_heap)
        return -EINVAL;
    for (struct heap_block *b = h->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    h->magic = 0;
    pthread_mutex_destroy(&h->lock);
    free(h);
    return 0;
}

static void link_block(struct shmap_heap *h, struct heap_block *b)
{
    b->heap = h;
    b->prev = NULL;
    b->next = h->head;
    if (h->head)
        h->head->prev = b;
    h->head = b;
}

static void unlink_block(struct shmap_heap *h, struct heap_block *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        h->head = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

/* Would n more bytes exceed the heap's maximum?  Under its lock. */
static bool over(const struct shmap_heap *h, size_t n)
{
    return h->max && (n > h->max || h->used > h->max - n);
}

SHMAP_EXTERN void *shmap_heap_alloc(shmap_heap_t *h, size_t n, int zero)
{
    if (!heap_ok(h) || n > SIZE_MAX / 2)
        return NULL;
    struct heap_block *b = zero ? calloc(1, sizeof *b + n) : malloc(sizeof *b + n);
    if (!b)
        return NULL;
    pthread_mutex_lock(&h->lock);
    if (over(h, n)) {
        pthread_mutex_unlock(&h->lock);
        free(b);
        return NULL;
    }
    h->used += n;
    b->size = n;
    link_block(h, b);
    pthread_mutex_unlock(&h->lock);
    return b + 1;
}

static struct heap_block *block_of(const struct shmap_heap *h, const void *p)
{
    if (!heap_ok(h) || !p || ((uintptr_t)p & 15))
        return NULL;
    struct heap_block *b = (struct heap_block *)p - 1;
    return b->heap == h ? b : NULL;
}

SHMAP_EXTERN int shmap_heap_free(shmap_heap_t *h, void *p)
{
    if (!heap_ok(h))
        return -EINVAL;
    if (!p)
        return 0;
    struct heap_block *b = block_of(h, p);
    if (!b)
        return -EINVAL;
    pthread_mutex_lock(&h->lock);
    unlink_block(h, b);
    h->used -= b->size;
    pthread_mutex_unlock(&h->lock);
    b->heap = NULL;
    free(b);
    return 0;
}

SHMAP_EXTERN int shmap_heap_size(shmap_heap_t *h, const void *p, size_t *size)
{
    struct heap_block *b = block_of(h, p);
    if (!b)
        return -EINVAL;
    *size = b->size;
    return 0;
}

/* Resize b in place if malloc gave it room enough; under the lock. */
static bool resize_in_place(struct heap_block *b, size_t n)
{
    return sizeof *b + n <= malloc_usable_size(b);
}

SHMAP_EXTERN int shmap_heap_realloc(shmap_heap_t *h, void *p, size_t n, unsigned flags, void **out)
{
    struct heap_block *b = block_of(h, p);
    if (!b || n > SIZE_MAX / 2)
        return -EINVAL;
    pthread_mutex_lock(&h->lock);
    size_t old = b->size;
    if (n > old && over(h, n - old)) {
        pthread_mutex_unlock(&h->lock);
        return -ENOMEM;
    }
    struct heap_block *nb = b;
    if (!resize_in_place(b, n)) {
        if (flags & SHMAP_HEAP_IN_PLACE) {
            pthread_mutex_unlock(&h->lock);
            return -ENOMEM;
        }
        unlink_block(h, b);
        if (!(nb = realloc(b, sizeof *b + n))) {
            link_block(h, b);
            pthread_mutex_unlock(&h->lock);
            return -ENOMEM;
        }
        link_block(h, nb);
    }
    nb->size = n;
    h->used = h->used - old + n;
    pthread_mutex_unlock(&h->lock);
    if ((flags & SHMAP_HEAP_ZERO) && n > old)
        memset((char *)(nb + 1) + old, 0, n - old);
    *out = nb + 1;
    return 0;
}
