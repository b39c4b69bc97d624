/*
 * obj.h - the object layer (src/obj): per-process records and their
 * per-type operations, the registry of types, the name cache, the one
 * handle table, and named objects with a shared state page.  Uses src/ns
 * and src/base; knows no type by name (the types' files give their ops).
 */
#ifndef SHMAP_OBJ_H
#define SHMAP_OBJ_H

#include "ns/ns.h"

/* ======================================================================
 * object.c - per-process records of objects, shared by all handles of the
 * process to one object, and the name cache.
 * ====================================================================== */
struct shmap_obj;
struct shmap_named;
struct shmap_ns_file;
struct shmap_name;
struct shmap_sync;
struct shmap_xfer;

/* How a wait sees an object of a type (wait.c). */
enum shmap_wait_kind {
    SHMAP_WK_NONE = 0, /* not waitable: the wait fails */
    SHMAP_WK_SYNC,     /* event, semaphore, timer: count, seq and the internal lock */
    SHMAP_WK_MUTEX,    /* the owner word */
    SHMAP_WK_NEVER,    /* never signalled while we wait (jobs) */
    SHMAP_WK_ALWAYS,   /* always signalled (files: no I/O is ever pending) */
    SHMAP_WK_END,      /* threads, processes: signalled once ended */
};

/* A waitable type's part of the ops (the types' own files fill it in). */
struct shmap_wait_ops {
    enum shmap_wait_kind kind;
    /* SYNC: ready() needs the time (timers; the others are asked without
     * a clock read). */
    bool timed;
    /* SYNC, under the object's lock: ready for a waiter whose pulse
     * snapshot is snap_pulse?  *by_pulse: by a pulse (events); *due: the
     * next expiry (timers; left alone by the others). */
    bool (*ready)(struct shmap_sync *s, uint32_t snap_pulse, uint64_t now, bool *by_pulse,
                  uint64_t *due);
    /* SYNC, under the lock: take what ready() found. */
    void (*take)(struct shmap_sync *s, bool by_pulse);
    /* SYNC without the lock: take a signalled count with one CAS (NULL:
     * the type is only taken under the lock, and needs no hold). */
    bool (*try_take)(struct shmap_sync *s);
    /* SYNC: does a wait-all hold the count while it gathers the others?
     * (false: nothing takes it without the lock) */
    bool (*needs_hold)(const struct shmap_sync *s);
    /* MUTEX: try to acquire (SHMAP_MTX_*, *seen the owner word if busy);
     * acquirable right now?; undo an acquisition; before sleeping. */
    int (*acquire)(struct shmap_obj *o, struct shmap_sync *s, uint32_t *seen);
    bool (*acquirable)(struct shmap_sync *s);
    void (*unacquire)(struct shmap_obj *o, struct shmap_sync *s, int how);
    uint32_t (*prepare_sleep)(struct shmap_sync *s, uint32_t seen, bool check_dead);
    /* END: has it ended?  The word to sleep on and its value (NULL: none);
     * a descriptor that polls readable once ended (-1: none). */
    bool (*ended)(struct shmap_obj *o);
    _Atomic uint32_t *(*end_word)(struct shmap_obj *o, uint32_t *val);
    int (*end_fd)(struct shmap_obj *o);
    /* END: what ends is a process (pid, start time in id; the same in
     * every process), or false: the record's own identity (its file). */
    bool (*end_id)(struct shmap_obj *o, uint64_t id[2]);
    /* SignalObjectAndWait's signal of this type (NULL: not signallable). */
    int (*signal)(shmap_handle_t h);
};

/* SHMAP_OPS_* flags */
#define SHMAP_OPS_LOCAL 0x1u    /* lives in its process only: never inherited or duplicated out */
#define SHMAP_OPS_OWN_DESC 0x2u /* a copy needs an open file description of its own */
#define SHMAP_OPS_ACCESS_DESC 0x4u /* its descriptor is opened with the handle's access (files) */

/*
 * What the generic code (handle table, transfer, waits, named objects) may
 * ask of a type.  Each type's file defines its table; lifecycle.c registers
 * them at start-up (shmap__ops_register), so that transfer finds a type's
 * table by its number.  NULL entries: the type has no such step.
 */
struct shmap_obj_ops {
    shmap_type_t type;
    unsigned flags;                       /* SHMAP_OPS_* */
    void (*destroy)(struct shmap_obj *o); /* frees type-specific parts and o */
    /* -- named objects (named.c) -- */
    uint64_t file_size;                                     /* object file size (0: one page) */
    bool (*state_ok)(const void *state, shmap_type_t type); /* a state read from a file */
    int (*attach)(struct shmap_named *k, int aux_fd); /* complete a new record (aux_fd taken) */
    /* -- the handle table (handle.c) -- */
    /* A stand-in (an inherited handle not taken in yet): the record it
     * stands for, made at the first call. */
    int (*resolve)(struct shmap_obj *o, struct shmap_obj **real);
    /* A handle of o is being closed by the calling thread (before the
     * count drops): forget per-thread references, settle stand-ins. */
    void (*closing)(struct shmap_obj *o);
    /* At exit, for every live handle: what must happen before the
     * process's names go (stand-ins of named objects are taken in). */
    void (*settle)(struct shmap_obj *o);
    /* -- transfer (xfer.c) -- */
    /* Fill the type's part of x (data_fd, uid, pos...); export: for a copy
     * that leaves now (else publishing, which must make no system call).
     * NULL: nothing beyond the generic fields. */
    void (*describe)(struct shmap_obj *o, struct shmap_xfer *x, bool export);
    /* A record from what x describes and its descriptors (taken over). */
    int (*adopt)(const struct shmap_xfer *x, int fd, int data_fd, struct shmap_obj **out);
    /* For types whose record is made from a validated object file of the
     * type: the record from f (fd taken over; n NULL: unnamed).  ops: the
     * table it is called through. */
    int (*adopt_file)(const struct shmap_obj_ops *ops, struct shmap_ns_file *f,
                      const struct shmap_name *n, int data_fd, struct shmap_obj **out);
    /* -- waits (wait.c) -- */
    const struct shmap_wait_ops *wait;
};

/* Type numbers: the public ones, and internal stand-ins up to this. */
#define SHMAP_TYPE_MAX_ 0x7fu

/* The registry of types (object.c): filled by lifecycle.c at start-up. */
SHMAP_HIDDEN void shmap__ops_register(const struct shmap_obj_ops *ops);
/* The ops of type (NULL: unknown, or a type that never crosses processes). */
SHMAP_HIDDEN const struct shmap_obj_ops *shmap__ops_of(uint32_t type);

struct shmap_obj {
    const struct shmap_obj_ops *ops;
    const struct shmap_wait_ops *wait; /* ops->wait (kind NONE if it has none): one load less */
    _Atomic uint32_t refs;             /* handles + views + temporary users; 0 -> destroy */
    _Atomic uint32_t handles;          /* handle-table entries; 0 -> namespace hold released */
    shmap_type_t type;
    int fd;                 /* object file (-1 for kinds without one) */
    uint64_t dev, ino;      /* identity of the object file */
    bool named;             /* holds a namespace lock while handles > 0 */
    bool cached;            /* in the name cache; protected by the cache lock */
    enum shmap_scope scope; /* named objects: where */
    uint32_t uid;
    uint32_t local_uid; /* SHMAP_SCOPE_LOCAL: whose Local\ (the euid when it was named) */
    char *fname;        /* named objects: file name in the scope directory */
    char *key;          /* name cache key: the object name (UTF-8) */
    size_t keylen;
    uint32_t hash;
    bool released;                /* names given back at exit; protected by the cache lock */
    struct shmap_obj *cache_next; /* protected by the cache lock */
};

/* Records of every type are allocated here (type-stable memory: at most
 * 512 bytes, zeroed, struct shmap_obj first) and freed with obj_free. */
SHMAP_HIDDEN void *shmap__obj_alloc(size_t size);
SHMAP_HIDDEN void shmap__obj_free(void *p);
/* Take a reference unless the count is zero (record being freed). */
SHMAP_HIDDEN bool shmap__obj_tryget(struct shmap_obj *o);
/* Initialise the generic part; refs = 1 (the caller's), handles = 0. */
SHMAP_HIDDEN void shmap__obj_init(struct shmap_obj *o, const struct shmap_obj_ops *ops, int fd,
                                  const struct stat *st);
/* Record the name of a named object (copies what it needs from n). */
SHMAP_HIDDEN int shmap__obj_set_name(struct shmap_obj *o, const struct shmap_name *n);
/* The directory o's name is in, as (scope, uid) for shmap__ns_dirfd: its
 * own, but a Local\ name of another user than the one we are now (a fork
 * child that changed users) is that user's Local\ (SHMAP_SCOPE_USER). */
SHMAP_HIDDEN void shmap__obj_where(const struct shmap_obj *o, enum shmap_scope *scope,
                                   uint32_t *uid);
SHMAP_HIDDEN void shmap__obj_get(struct shmap_obj *o);
SHMAP_HIDDEN void shmap__obj_put(struct shmap_obj *o);
/* Generic part of destroy: closes fd, frees names.  Does not free o. */
SHMAP_HIDDEN void shmap__obj_fini(struct shmap_obj *o);

/* Name cache: a live record of this process for the name, with one more
 * handle count and reference taken, or NULL. */
SHMAP_HIDDEN struct shmap_obj *shmap__cache_lookup(const struct shmap_name *n);
/* Insert o (handles must be >= 1).  If another record of that name is
 * already cached, returns it with a handle count and reference taken, and
 * the caller should drop o; else returns o. */
SHMAP_HIDDEN struct shmap_obj *shmap__cache_insert(struct shmap_obj *o);

/* One more handle on o (and one more reference). */
SHMAP_HIDDEN void shmap__obj_handle_get(struct shmap_obj *o);
/* One handle less; the last one gives back the namespace hold.  Also drops
 * the reference that came with the handle. */
SHMAP_HIDDEN void shmap__obj_handle_put(struct shmap_obj *o);

/* ======================================================================
 * handle.c - the one per-process handle table.
 * ====================================================================== */

/* Make a handle for o, consuming one handle count and one reference of o
 * (taken by the caller with shmap__obj_handle_get or at creation).
 * Errors: -EMFILE (table full), -ENOMEM. */
SHMAP_HIDDEN int shmap__handle_alloc(struct shmap_obj *o, uint32_t access, uint32_t hflags,
                                     shmap_handle_t *out);

/* DuplicateHandle with DUPLICATE_CLOSE_SOURCE within this process: close h
 * and make it anew at the same value as a handle of o with access and
 * hflags, since Windows gives the closed source's value back.  The entry
 * keeps the handle count it had (nothing is consumed); the close generation
 * moves, so a borrow or a close by generation of the old handle misses.
 * -EBADF, nothing changed, if h is no longer a handle of o or is protected
 * from close (then the source stays and the duplicate needs a value of its
 * own). */
SHMAP_HIDDEN int shmap__handle_reissue(shmap_handle_t h, struct shmap_obj *o, uint32_t access,
                                       uint32_t hflags, shmap_handle_t *out);

/* Look up h: on success *o holds one more reference (shmap__obj_put it).
 * Low two bits of h are ignored.  Errors: -EBADF (pseudo, NULL, unknown). */
SHMAP_HIDDEN int shmap__handle_get(shmap_handle_t h, struct shmap_obj **o, uint32_t *access);

/* Like shmap__handle_get, also checking the type: SHMAP_ETYPE if wrong. */
SHMAP_HIDDEN int shmap__handle_get_type(shmap_handle_t h, shmap_type_t type, struct shmap_obj **o,
                                        uint32_t *access);

/* Look up h as type (else -EBADF) with right (0: none; else -EACCES). */
SHMAP_HIDDEN int shmap__handle_get_right(shmap_handle_t h, shmap_type_t type, uint32_t right,
                                         struct shmap_obj **o);

/* Look up h for the calling thread's use until its next borrow: no
 * reference to put, and usually no atomic read-modify-write (a per-thread
 * cache; handle.c).  For the hot paths of the sync objects. */
SHMAP_HIDDEN int shmap__handle_borrow(shmap_handle_t h, struct shmap_obj **o, uint32_t *access);
/* A handle of o was closed by this thread: drop the thread's cached
 * references to o (borrow cache, mutexes it no longer owns). */
SHMAP_HIDDEN void shmap__handle_forget(struct shmap_obj *o);
/* The calling thread ends: drop its borrow cache / its completion routines. */
SHMAP_HIDDEN void shmap__handle_borrow_drop(void);

/* Call fn on every live handle (for inheritance and listing); the table is
 * locked meanwhile, fn must not call into the table. */
/* What the layer above hears of the table (xfer.c): a handle made or
 * changed (publish) or closed (unpublish), and, when the inbox word moved,
 * a lookup's call to take in what other processes put (drain).  Set once
 * at start-up (lifecycle.c), before any handle exists. */
struct shmap_table_hooks {
    void (*publish)(uint32_t idx, uint32_t gen, struct shmap_obj *o, uint32_t access,
                    uint32_t hflags);
    void (*unpublish)(uint32_t idx, uint32_t gen);
    void (*drain)(void);
};
SHMAP_HIDDEN void shmap__handle_set_hooks(const struct shmap_table_hooks *h);
/* The word our inbox's generation is in (NULL: none) and the value last
 * taken in: a lookup calls drain when they differ (process.c sets them;
 * drain moves shmap__inbox_seen). */
SHMAP_HIDDEN void shmap__handle_set_inbox(_Atomic uint32_t *word, uint32_t seen);
extern SHMAP_HIDDEN uint32_t shmap__inbox_seen;
/* At exit: the settle step of every live handle's type (stand-ins of
 * named objects are taken in, so that their names go as Windows's do). */
SHMAP_HIDDEN void shmap__handle_settle_all(void);

SHMAP_HIDDEN void shmap__handle_foreach(void (*fn)(shmap_handle_t h, struct shmap_obj *o,
                                                   uint32_t access, uint32_t hflags, void *arg),
                                        void *arg);
SHMAP_HIDDEN unsigned long shmap__handle_count(void);

/* hflags bit for shmap__handle_alloc_at: our parent has published the
 * entry in our state memfd already (inheritance). */
#define SHMAP_HANDLE_PUBLISHED_ 0x40000000u
/* handle.c: install o at exactly value h (inheritance, puts); -EEXIST if taken. */
SHMAP_HIDDEN int shmap__handle_alloc_at(shmap_handle_t h, struct shmap_obj *o, uint32_t access,
                                        uint32_t hflags);
/* Close h if its close generation is still gen (a close sent by another process). */
SHMAP_HIDDEN int shmap__handle_close_gen(shmap_handle_t h, uint32_t gen);
/* Re-publish every handle (a new state after fork). */
SHMAP_HIDDEN void shmap__handle_republish(void);

/* ======================================================================
 * named.c - named objects other than sections, their state in the first
 * page of the object file, mapped in every process that uses them.
 * ====================================================================== */
struct shmap_named {
    struct shmap_obj obj;
    void *page;  /* the object file's first page, MAP_SHARED */
    void *state; /* page + SHMAP_STATE_OFF: SHMAP_STATE_SIZE bytes of shared state */
    int aux_fd;  /* jobs: this process's write end of the job's kill pipe, else -1 */
    void *aux;   /* jobs: the member table, MAP_SHARED, else NULL */
};

/* The shared state of a named record (a sync object's struct shmap_sync). */
static inline void *shmap__named_state(struct shmap_obj *o)
{
    return ((struct shmap_named *)o)->state;
}

/* Create (n NULL: unnamed) or open the object; *out carries one handle
 * count.  Returns 0, SHMAP_EXISTED, or SHMAP_ETYPE / namespace errors. */
/* aux_fd (-1: none; taken over, closed if the object existed): given to
 * the type's attach (a job's kill pipe, which its state names). */
SHMAP_HIDDEN int shmap__named_create(const struct shmap_obj_ops *ops, const struct shmap_name *n,
                                     const void *state, size_t state_len, int aux_fd,
                                     struct shmap_obj **out);
/* named.c's destructor (job.c's runs first). */
SHMAP_HIDDEN void shmap__named_destroy(struct shmap_obj *o);
SHMAP_HIDDEN int shmap__named_open(const struct shmap_obj_ops *ops, const struct shmap_name *n,
                                   struct shmap_obj **out);
/* Turn the handle count carried by o into a handle (dropped on failure). */
SHMAP_HIDDEN int shmap__named_handle(struct shmap_obj *o, uint32_t access, unsigned flags,
                                     shmap_handle_t *out);

SHMAP_HIDDEN int shmap__named_adopt(const struct shmap_obj_ops *ops, struct shmap_ns_file *f,
                                    const struct shmap_name *n, int aux_fd, struct shmap_obj **out);

/* ---- lifecycle.c's steps and the global locks of this layer ------------- */
SHMAP_HIDDEN void shmap__object_fork_child(void);
SHMAP_HIDDEN void shmap__object_at_exit(void);
extern SHMAP_HIDDEN pthread_mutex_t shmap__table_lock;  /* handle.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__cache_lock;  /* object.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__pool_lock;   /* object.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__pcache_lock; /* named.c */

#endif
