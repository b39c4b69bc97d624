/*
 * tls.c - thread-local and fiber-local storage of this process (TlsAlloc,
 * FlsAlloc and kin): 1088 TLS indexes (Windows' 64 + 1024) and 4080 FLS
 * indexes (FLS_MAXIMUM_AVAILABLE), each with one value per thread.
 *
 * A thread's values live in a block made at its first store, found through
 * a pthread key whose destructor runs at the end of every thread that
 * stored a value (CreateThread's and pthread_create's alike; the main
 * thread's only if it calls pthread_exit): it calls the FLS callbacks of
 * the thread's non-NULL values, then frees the block.  All blocks are on
 * one list so that freeing an index clears it in every thread, as Windows
 * does (and, for FLS, calls the callback for every non-NULL value, in the
 * thread that frees it).  One lock guards the index maps and the list; a
 * thread reads and writes its own values without it (relaxed atomics:
 * a free racing a store is the caller's race on Windows too).
 */
#include "proc.h"

#include <pthread.h>

struct tls_block {
    struct tls_block *prev, *next;
    void *tls[SHMAP_TLS_INDEXES];
    void *fls[SHMAP_FLS_INDEXES];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_block *blocks;
static bool tls_used[SHMAP_TLS_INDEXES];
static bool fls_used[SHMAP_FLS_INDEXES];
static shmap_fls_callback_t fls_cb[SHMAP_FLS_INDEXES];
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* What the ending thread's callbacks get: (callback, value) pairs. */
struct fls_call {
    shmap_fls_callback_t cb;
    void *value;
};

/* Take every non-NULL value of FLS index i (or all indexes, i < 0) out of
 * block b, into calls (room for SHMAP_FLS_INDEXES); returns how many.
 * Under the lock. */
static size_t take_fls(struct tls_block *b, long i, struct fls_call *calls)
{
    size_t n = 0;
    for (size_t k = i < 0 ? 0 : (size_t)i; k < SHMAP_FLS_INDEXES; k++) {
        void *v = __atomic_exchange_n(&b->fls[k], NULL, __ATOMIC_RELAXED);
        if (v && fls_used[k] && fls_cb[k])
            calls[n++] = (struct fls_call){fls_cb[k], v};
        if (i >= 0)
            break;
    }
    return n;
}

static void block_end(void *p)
{
    struct tls_block *b = p;
    struct fls_call *calls = malloc(SHMAP_FLS_INDEXES * sizeof *calls);
    pthread_mutex_lock(&lock);
    size_t n = calls ? take_fls(b, -1, calls) : 0;
    if (b->prev)
        b->prev->next = b->next;
    else
        blocks = b->next;
    if (b->next)
        b->next->prev = b->prev;
    pthread_mutex_unlock(&lock);
    for (size_t k = 0; k < n; k++)
        calls[k].cb(calls[k].value);
    free(calls);
    free(b);
}

static void fork_prepare(void)
{
    pthread_mutex_lock(&lock);
}
static void fork_parent(void)
{
    pthread_mutex_unlock(&lock);
}
static void fork_child(void)
{
    pthread_mutex_init(&lock, NULL);
}

static _Atomic bool inited; /* a thread that never stored a value has nothing to end */

static void init(void)
{
    pthread_key_create(&key, block_end);
    atomic_store(&inited, true);
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void shmap__tls_thread_end(void)
{
    if (!atomic_load(&inited))
        return;
    struct tls_block *b = pthread_getspecific(key);
    if (b) {
        pthread_setspecific(key, NULL);
        block_end(b);
    }
}

/* The calling thread's block; made if make (NULL if it cannot be). */
static struct tls_block *self_block(bool make)
{
    pthread_once(&once, init);
    struct tls_block *b = pthread_getspecific(key);
    if (b || !make)
        return b;
    if (!(b = calloc(1, sizeof *b)))
        return NULL;
    if (pthread_setspecific(key, b)) {
        free(b);
        return NULL;
    }
    pthread_mutex_lock(&lock);
    b->next = blocks;
    if (blocks)
        blocks->prev = b;
    blocks = b;
    pthread_mutex_unlock(&lock);
    return b;
}

static int alloc_index(bool *used, size_t count, uint32_t *index)
{
    pthread_once(&once, init);
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < count; i++)
        if (!used[i]) {
            used[i] = true;
            pthread_mutex_unlock(&lock);
            *index = (uint32_t)i;
            return 0;
        }
    pthread_mutex_unlock(&lock);
    return -EMFILE;
}

SHMAP_EXTERN int shmap_tls_alloc(uint32_t *index)
{
    return alloc_index(tls_used, SHMAP_TLS_INDEXES, index);
}

SHMAP_EXTERN int shmap_tls_free(uint32_t index)
{
    pthread_once(&once, init);
    pthread_mutex_lock(&lock);
    if (index >= SHMAP_TLS_INDEXES || !tls_used[index]) {
        pthread_mutex_unlock(&lock);
        return -EINVAL;
    }
    for (struct tls_block *b = blocks; b; b = b->next)
        __atomic_store_n(&b->tls[index], NULL, __ATOMIC_RELAXED);
    tls_used[index] = false;
    pthread_mutex_unlock(&lock);
    return 0;
}

SHMAP_EXTERN int shmap_tls_get(uint32_t index, void **value)
{
    if (index >= SHMAP_TLS_INDEXES)
        return -EINVAL;
    struct tls_block *b = self_block(false);
    *value = b ? __atomic_load_n(&b->tls[index], __ATOMIC_RELAXED) : NULL;
    return 0;
}

SHMAP_EXTERN int shmap_tls_set(uint32_t index, void *value)
{
    if (index >= SHMAP_TLS_INDEXES)
        return -EINVAL;
    struct tls_block *b = self_block(value != NULL);
    if (!b)
        return value ? -ENOMEM : 0;
    __atomic_store_n(&b->tls[index], value, __ATOMIC_RELAXED);
    return 0;
}

SHMAP_EXTERN int shmap_fls_alloc(shmap_fls_callback_t cb, uint32_t *index)
{
    int r = alloc_index(fls_used, SHMAP_FLS_INDEXES, index);
    if (r == 0) {
        pthread_mutex_lock(&lock);
        fls_cb[*index] = cb;
        pthread_mutex_unlock(&lock);
    }
    return r;
}

static bool fls_valid(uint32_t index)
{
    if (index >= SHMAP_FLS_INDEXES)
        return false;
    pthread_once(&once, init);
    pthread_mutex_lock(&lock);
    bool used = fls_used[index];
    pthread_mutex_unlock(&lock);
    return used;
}

SHMAP_EXTERN int shmap_fls_free(uint32_t index)
{
    if (!fls_valid(index))
        return -EINVAL;
    size_t n = 0, room = 16;
    struct fls_call *calls = malloc(room * sizeof *calls);
    if (!calls)
        return -ENOMEM;
    pthread_mutex_lock(&lock);
    for (struct tls_block *b = blocks; b; b = b->next) {
        if (n == room) {
            struct fls_call *more = realloc(calls, 2 * room * sizeof *calls);
            if (!more) {
                pthread_mutex_unlock(&lock);
                free(calls);
                return -ENOMEM;
            }
            calls = more;
            room *= 2;
        }
        n += take_fls(b, index, calls + n);
    }
    fls_used[index] = false;
    fls_cb[index] = NULL;
    pthread_mutex_unlock(&lock);
    for (size_t k = 0; k < n; k++)
        calls[k].cb(calls[k].value);
    free(calls);
    return 0;
}

SHMAP_EXTERN int shmap_fls_get(uint32_t index, void **value)
{
    if (!fls_valid(index))
        return -EINVAL;
    struct tls_block *b = self_block(false);
    *value = b ? __atomic_load_n(&b->fls[index], __ATOMIC_RELAXED) : NULL;
    return 0;
}

SHMAP_EXTERN int shmap_fls_set(uint32_t index, void *value)
{
    if (!fls_valid(index))
        return -EINVAL;
    struct tls_block *b = self_block(value != NULL);
    if (!b)
        return value ? -ENOMEM : 0;
    __atomic_store_n(&b->fls[index], value, __ATOMIC_RELAXED);
    return 0;
}
