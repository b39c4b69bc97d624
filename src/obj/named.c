/*
 * named.c - named objects other than sections (events, mutexes,
 * semaphores, waitable timers, jobs): create-or-open over the namespace
 * protocol, with the object's shared state (SHMAP_STATE_OFF..) mapped.
 *
 * The type-specific modules give the initial state and interpret it; this
 * file only knows that the state lives in the first page of the object file.
 */
#include "obj.h"

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/*
 * Recently unmapped state pages, kept mapped.  Taking the same object in
 * again (a handle duplicated into us over and over, an Open/Close loop)
 * then costs no mmap, and closing it no munmap, whose TLB flush is the
 * dearest step of a close (tens of microseconds on a VM).  A page is only
 * ever reused for the same file: the mapping holds the inode, so (dev, ino)
 * cannot name another file meanwhile.  What it keeps: at most PAGE_CACHE
 * pages of files that may have no handle left (a name is not kept: that is
 * the lock's business).
 */
#define PAGE_CACHE 8
static struct {
    uint64_t dev, ino;
    void *page;
} pcache[PAGE_CACHE];
static unsigned pcache_next;
/* lifecycle.c: across fork */
pthread_mutex_t shmap__pcache_lock = PTHREAD_MUTEX_INITIALIZER;

static void *page_get(int fd, const struct stat *st)
{
    if (st->st_ino) {
        pthread_mutex_lock(&shmap__pcache_lock);
        for (unsigned i = 0; i < PAGE_CACHE; i++)
            if (pcache[i].page && pcache[i].ino == (uint64_t)st->st_ino &&
                pcache[i].dev == (uint64_t)st->st_dev) {
                void *p = pcache[i].page;
                pcache[i].page = NULL;
                pthread_mutex_unlock(&shmap__pcache_lock);
                return p;
            }
        pthread_mutex_unlock(&shmap__pcache_lock);
    }
    void *p = SYS(mmap)(NULL, SHMAP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) /* a writer who truncates the file must not kill us */
        shmap__guard_add(p, SHMAP_PAGE_SIZE, PROT_READ | PROT_WRITE);
    return p;
}

static void page_put(const struct shmap_obj *o, void *page)
{
    void *evict = page;
    if (o->ino) {
        pthread_mutex_lock(&shmap__pcache_lock);
        unsigned slot = PAGE_CACHE;
        for (unsigned i = 0; i < PAGE_CACHE && slot == PAGE_CACHE; i++)
            if (!pcache[i].page)
                slot = i;
        if (slot == PAGE_CACHE)
            slot = pcache_next++ % PAGE_CACHE;
        evict = pcache[slot].page;
        pcache[slot].dev = o->dev;
        pcache[slot].ino = o->ino;
        pcache[slot].page = page;
        pthread_mutex_unlock(&shmap__pcache_lock);
    }
    if (evict) {
        shmap__guard_remove(evict, -1);
        SYS(munmap)(evict, SHMAP_PAGE_SIZE);
    }
}

void shmap__named_destroy(struct shmap_obj *o)
{
    struct shmap_named *k = (struct shmap_named *)o;
    if (k->page)
        page_put(o, k->page);
    shmap__obj_fini(o);
    shmap__obj_free(k);
}

static int record_new(struct shmap_ns_file *f, const struct shmap_name *n,
                      const struct shmap_obj_ops *ops, int aux_fd, struct shmap_obj **out)
{
    struct shmap_named *k = shmap__obj_alloc(sizeof *k);
    void *page = MAP_FAILED;
    int r = k ? 0 : -ENOMEM;
    if (r == 0) {
        page = page_get(f->fd, &f->st);
        r = page == MAP_FAILED ? -errno : 0;
    }
    /* a corrupt or foreign state is never interpreted; checked on the copy
     * read with the header when there is one (a handle taken in from
     * another process: nothing faulted in before it is used) */
    const void *state = f->state;
    if (r == 0 && !state)
        state = (const char *)page + SHMAP_STATE_OFF;
    if (r == 0 && ops->state_ok && !ops->state_ok(state, ops->type))
        r = SHMAP_EBADOBJ;
    if (r && page != MAP_FAILED) {
        shmap__guard_remove(page, -1);
        SYS(munmap)(page, SHMAP_PAGE_SIZE);
    }
    if (r == 0) {
        shmap__obj_init(&k->obj, ops, f->fd, &f->st);
        k->page = page;
        k->state = (char *)page + SHMAP_STATE_OFF;
        k->aux_fd = -1;
        atomic_store(&k->obj.handles, 1);
        if (ops->attach) {
            r = ops->attach(k, aux_fd);
            aux_fd = -1;
        }
        if (r == 0 && n)
            r = shmap__obj_set_name(&k->obj, n);
        if (r) {
            atomic_store(&k->obj.handles, 0);
            k->obj.named = false;
        }
    }
    if (aux_fd >= 0)
        shmap__close_fd(aux_fd);
    if (r) {
        if (n)
            shmap__ns_release(f->fd, n);
        if (k && k->obj.ops)
            shmap__obj_put(&k->obj);
        else {
            shmap__close_fd(f->fd);
            if (k)
                shmap__obj_free(k);
        }
        return r;
    }
    struct shmap_obj *o = n ? shmap__cache_insert(&k->obj) : &k->obj;
    if (o != &k->obj)
        shmap__obj_handle_put(&k->obj);
    *out = o;
    return 0;
}

static void fill_header(struct shmap_objhdr *h, shmap_type_t type)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    memset(h, 0, sizeof *h);
    h->magic = SHMAP_MAGIC;
    h->format = SHMAP_FORMAT;
    h->type = (uint16_t)type;
    h->owner_uid = shmap__uid();
    h->owner_gid = shmap__gid();
    h->creator_pid = shmap__pid();
    h->create_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int shmap__named_create(const struct shmap_obj_ops *ops, const struct shmap_name *n,
                        const void *state, size_t state_len, int aux_fd, struct shmap_obj **out)
{
    shmap_type_t type = ops->type;
    if (type <= SHMAP_TYPE_MAPPING || type > SHMAP_TYPE_NAMED_MAX || state_len > SHMAP_STATE_SIZE) {
        if (aux_fd >= 0)
            shmap__close_fd(aux_fd);
        return -EINVAL;
    }
    if (n && (*out = shmap__cache_lookup(n)) != NULL) {
        if (aux_fd >= 0)
            shmap__close_fd(aux_fd);
        if ((*out)->type == type)
            return SHMAP_EXISTED;
        shmap__obj_handle_put(*out);
        return SHMAP_ETYPE;
    }
    struct shmap_objhdr h;
    fill_header(&h, type);
    struct shmap_ns_spec spec = {.type = type,
                                 .hdr = &h,
                                 .state = state,
                                 .state_len = state_len,
                                 .file_size = SHMAP_PAGE_SIZE};
    if (ops->file_size) { /* allocated now (a job's member table): never a SIGBUS */
        spec.file_size = ops->file_size;
        spec.alloc_len = ops->file_size;
    }
    void *sd = NULL;
    int r = shmap__objsec_create(type, &sd, &spec.sd_len);
    spec.sd = sd;
    struct shmap_ns_file f = {.fd = -1};
    if (r == 0)
        r = shmap__ns_create(n, &spec, &f);
    free(sd);
    if (r < 0) {
        if (aux_fd >= 0)
            shmap__close_fd(aux_fd);
        return r;
    }
    if (r == SHMAP_EXISTED && aux_fd >= 0) { /* its own pipe is the one */
        shmap__close_fd(aux_fd);
        aux_fd = -1;
    }
    int rr = record_new(&f, n, ops, aux_fd, out);
    return rr ? rr : r;
}

int shmap__named_open(const struct shmap_obj_ops *ops, const struct shmap_name *n,
                      struct shmap_obj **out)
{
    shmap_type_t type = ops->type;
    if ((*out = shmap__cache_lookup(n)) != NULL) {
        if ((*out)->type == type)
            return 0;
        shmap__obj_handle_put(*out);
        return SHMAP_ETYPE;
    }
    struct shmap_ns_file f = {.fd = -1};
    int r = shmap__ns_open(n, type, &f);
    return r ? r : record_new(&f, n, ops, -1, out);
}

int shmap__named_handle(struct shmap_obj *o, uint32_t access, unsigned flags, shmap_handle_t *out)
{
    int r = shmap__handle_alloc(o, access, (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0, out);
    if (r)
        shmap__obj_handle_put(o);
    return r;
}

/* The ops' adopt_file of the named types (the caller has checked that f
 * is an object file of ops' type). */
int shmap__named_adopt(const struct shmap_obj_ops *ops, struct shmap_ns_file *f,
                       const struct shmap_name *n, int aux_fd, struct shmap_obj **out)
{
    if (!ops->attach && aux_fd >= 0) {
        shmap__close_fd(aux_fd);
        aux_fd = -1;
    }
    return record_new(f, n, ops, aux_fd, out);
}
