/*
 * object.c - per-process object records and the name cache.
 *
 * A process has one record per object it uses, shared by all its handles
 * and views of that object.  A named record holds the namespace lock while
 * it has handles (obj.handles > 0); the memory lives on while views exist
 * (obj.refs).
 *
 * The name cache maps a name to the record this process holds for it.  It
 * is valid because a held name cannot change: only the holder of LOCK_EX
 * unlinks, and we hold LOCK_SH.  So opening a name this process already
 * holds costs no system call.  A record is in the cache exactly while its
 * handle count is non-zero; both are changed under cache_lock.
 */
#include "obj.h"

#include <string.h>
#include <unistd.h>

/* lifecycle.c: across fork */
pthread_mutex_t shmap__cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shmap_obj **buckets; /* shmap__cache_lock */
static size_t nbuckets, ncached;   /* shmap__cache_lock */

/* ---- the registry of types ---------------------------------------------------- */

static const struct shmap_obj_ops *registry[SHMAP_TYPE_MAX_ + 1];

void shmap__ops_register(const struct shmap_obj_ops *ops)
{
    SHMAP_ABORT_IF((unsigned)ops->type > SHMAP_TYPE_MAX_);
    registry[ops->type] = ops;
}

const struct shmap_obj_ops *shmap__ops_of(uint32_t type)
{
    return type <= SHMAP_TYPE_MAX_ ? registry[type] : NULL;
}

/* ---- records ------------------------------------------------------------------- */

void shmap__obj_init(struct shmap_obj *o, const struct shmap_obj_ops *ops, int fd,
                     const struct stat *st)
{
    /* refs is written last: while it is 0 no lookup can take the record */
    static const struct shmap_wait_ops not_waitable = {.kind = SHMAP_WK_NONE};
    o->ops = ops;
    o->wait = ops->wait ? ops->wait : &not_waitable;
    o->type = ops->type;
    atomic_init(&o->handles, 0);
    o->fd = fd;
    o->named = o->cached = o->released = false;
    o->fname = o->key = NULL;
    o->cache_next = NULL;
    if (st) {
        o->dev = (uint64_t)st->st_dev;
        o->ino = (uint64_t)st->st_ino;
    }
    atomic_store(&o->refs, 1);
}

int shmap__obj_set_name(struct shmap_obj *o, const struct shmap_name *n)
{
    o->fname = strdup(n->fname);
    o->key = malloc(n->len ? n->len : 1);
    if (!o->fname || !o->key) {
        free(o->fname);
        free(o->key);
        o->fname = o->key = NULL;
        return -ENOMEM;
    }
    memcpy(o->key, n->base, n->len);
    o->keylen = n->len;
    o->scope = n->scope;
    o->uid = n->uid;
    o->local_uid = (uint32_t)geteuid();
    o->hash = n->hash;
    o->named = true;
    return 0;
}

/* Type-stable record memory: blocks of one size, recycled, never returned
 * to the system, so that the handle table may touch a record's count after
 * the record was freed (see handle.c). */
#define OBJ_BLOCK 512u
union obj_block {
    union obj_block *next;
    struct shmap_obj obj;
    char bytes[OBJ_BLOCK];
};
/* lifecycle.c: across fork */
pthread_mutex_t shmap__pool_lock = PTHREAD_MUTEX_INITIALIZER;
static union obj_block *pool_free; /* shmap__pool_lock */

void *shmap__obj_alloc(size_t size)
{
    SHMAP_ABORT_IF(size > OBJ_BLOCK);
    pthread_mutex_lock(&shmap__pool_lock);
    union obj_block *b = pool_free;
    if (b)
        pool_free = b->next;
    pthread_mutex_unlock(&shmap__pool_lock);
    if (!b && (b = malloc(sizeof *b)) != NULL)
        atomic_init(&b->obj.refs, 0);
    if (!b)
        return NULL;
    /* Zero all but the count, which stays 0 until shmap__obj_init: a stale
     * lookup may be reading it right now. */
    size_t off = offsetof(struct shmap_obj, refs), end = off + sizeof b->obj.refs;
    memset(b->bytes, 0, off);
    memset(b->bytes + end, 0, OBJ_BLOCK - end);
    return b;
}

void shmap__obj_free(void *p)
{
    union obj_block *b = p;
    atomic_store(&b->obj.refs, 0);
    pthread_mutex_lock(&shmap__pool_lock);
    b->next = pool_free;
    pool_free = b;
    pthread_mutex_unlock(&shmap__pool_lock);
}

bool shmap__obj_tryget(struct shmap_obj *o)
{
    uint32_t r = atomic_load(&o->refs);
    do {
        if (r == 0)
            return false;
    } while (!atomic_compare_exchange_weak(&o->refs, &r, r + 1));
    return true;
}

void shmap__obj_get(struct shmap_obj *o)
{
    atomic_fetch_add(&o->refs, 1);
}

void shmap__obj_put(struct shmap_obj *o)
{
    if (atomic_fetch_sub(&o->refs, 1) == 1)
        o->ops->destroy(o);
}

void shmap__obj_fini(struct shmap_obj *o)
{
    shmap__close_fd(o->fd);
    free(o->fname);
    free(o->key);
}

/* (A Local\ record is of the user we were when it was named: after a
 * change of user, the same Local\ name is another object.) */
static bool key_eq(const struct shmap_obj *o, const struct shmap_name *n)
{
    return o->hash == n->hash && o->scope == n->scope && o->uid == n->uid && o->keylen == n->len &&
           memcmp(o->key, n->base, n->len) == 0 &&
           (o->scope != SHMAP_SCOPE_LOCAL || o->local_uid == (uint32_t)geteuid());
}

static struct shmap_obj *lookup_locked(const struct shmap_name *n)
{
    if (!nbuckets)
        return NULL;
    for (struct shmap_obj *o = buckets[n->hash & (nbuckets - 1)]; o; o = o->cache_next)
        if (key_eq(o, n)) {
            atomic_fetch_add(&o->handles, 1);
            atomic_fetch_add(&o->refs, 1);
            return o;
        }
    return NULL;
}

struct shmap_obj *shmap__cache_lookup(const struct shmap_name *n)
{
    pthread_mutex_lock(&shmap__cache_lock);
    struct shmap_obj *found = lookup_locked(n);
    pthread_mutex_unlock(&shmap__cache_lock);
    return found;
}

static void cache_grow_locked(void)
{
    size_t nb = nbuckets ? nbuckets * 2 : 64;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers, sized by its element */
    struct shmap_obj **b = calloc(nb, sizeof *b);
    if (!b)
        return; /* keep the longer chains; correctness does not depend on it */
    for (size_t i = 0; i < nbuckets; i++) {
        struct shmap_obj *o = buckets[i], *next;
        for (; o; o = next) {
            next = o->cache_next;
            o->cache_next = b[o->hash & (nb - 1)];
            b[o->hash & (nb - 1)] = o;
        }
    }
    free(buckets);
    buckets = b;
    nbuckets = nb;
}

/* lifecycle.c, in a fork child.  The child shares its parent's open file
 * descriptions, and so its flock() holds: a lock operation in the child
 * would act on the parent's hold.  The child therefore forgets that its
 * inherited records are named (they no longer keep or release names) and
 * empties its cache, so that it opens names afresh with descriptions of its
 * own. */
void shmap__object_fork_child(void)
{
    for (size_t i = 0; i < nbuckets; i++) {
        for (struct shmap_obj *o = buckets[i], *next; o; o = next) {
            next = o->cache_next;
            o->named = false;
            o->cached = false;
            o->cache_next = NULL;
        }
        buckets[i] = NULL;
    }
    ncached = 0;
}

void shmap__obj_where(const struct shmap_obj *o, enum shmap_scope *scope, uint32_t *uid)
{
    *scope = o->scope;
    *uid = o->uid;
    if (o->scope == SHMAP_SCOPE_LOCAL && o->local_uid != (uint32_t)geteuid()) {
        *scope = SHMAP_SCOPE_USER;
        *uid = o->local_uid;
    }
}

static void release_name(struct shmap_obj *o)
{
    enum shmap_scope scope;
    uint32_t uid;
    shmap__obj_where(o, &scope, &uid);
    shmap__ns_release_at(o->fd, scope, uid, o->fname);
}

struct shmap_obj *shmap__cache_insert(struct shmap_obj *o)
{
    struct shmap_name key = {
        .scope = o->scope, .uid = o->uid, .base = o->key, .len = o->keylen, .hash = o->hash};
    pthread_mutex_lock(&shmap__cache_lock);
    struct shmap_obj *r = lookup_locked(&key);
    if (!r) {
        if (ncached >= nbuckets)
            cache_grow_locked();
        if (nbuckets) {
            size_t i = o->hash & (nbuckets - 1);
            o->cache_next = buckets[i];
            buckets[i] = o;
            o->cached = true;
            ncached++;
        }
        r = o;
    }
    pthread_mutex_unlock(&shmap__cache_lock);
    return r;
}

static void cache_remove_locked(struct shmap_obj *o)
{
    struct shmap_obj **pp = &buckets[o->hash & (nbuckets - 1)];
    for (; *pp; pp = &(*pp)->cache_next)
        if (*pp == o) {
            *pp = o->cache_next;
            ncached--;
            break;
        }
    o->cached = false;
}

void shmap__obj_handle_get(struct shmap_obj *o)
{
    atomic_fetch_add(&o->refs, 1);
    if (o->named) {
        pthread_mutex_lock(&shmap__cache_lock);
        atomic_fetch_add(&o->handles, 1);
        pthread_mutex_unlock(&shmap__cache_lock);
    } else
        atomic_fetch_add(&o->handles, 1);
}

void shmap__obj_handle_put(struct shmap_obj *o)
{
    if (!o->named) {
        atomic_fetch_sub(&o->handles, 1);
        shmap__obj_put(o);
        return;
    }
    pthread_mutex_lock(&shmap__cache_lock);
    uint32_t left = atomic_fetch_sub(&o->handles, 1) - 1;
    bool release = left == 0 && !o->released;
    if (left == 0 && o->cached)
        cache_remove_locked(o);
    pthread_mutex_unlock(&shmap__cache_lock);
    if (release)
        release_name(o);
    shmap__obj_put(o);
}

/* At a normal exit, Windows closes every handle of the process, so names
 * held only by this process disappear.  The kernel would drop our locks
 * too, but leave the files to the next visitor: release them here.  (A
 * killed process cannot run this; its orphans are reclaimed by visitors.)
 * A later close by a still-running thread finds the object's file already
 * unlinked (nlink 0) and unlinks nothing. */
void shmap__object_at_exit(void)
{
    pthread_mutex_lock(&shmap__cache_lock);
    for (size_t i = 0; i < nbuckets; i++)
        for (struct shmap_obj *o = buckets[i]; o; o = o->cache_next)
            if (atomic_load(&o->handles) > 0 && !o->released) {
                release_name(o);
                o->released = true;
            }
    pthread_mutex_unlock(&shmap__cache_lock);
}
