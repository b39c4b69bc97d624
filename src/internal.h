/*
 * internal.h - what the modules of libshmap share, and nothing public.
 *
 * Sections: build macros; syscall table (sys.c); shared layout (layout.c);
 * names (name.c); namespace protocol (namespace.c); per-process object
 * records and the name cache (object.c); the handle table (handle.c);
 * sections (mapping.c); views (view.c); files (file.c).
 *
 * Internal non-static names are shmap__x and hidden.  Errors are negative
 * (-errno or SHMAP_E*), as in the public API.
 */
#ifndef SHMAP_INTERNAL_H
#define SHMAP_INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "shmap.h"

#define SHMAP_HIDDEN __attribute__((visibility("hidden")))
/* Our thread-locals: static TLS, read with one instruction instead of a
 * __tls_get_addr call (libshmap is loaded at start-up, not dlopen'ed; a
 * dlopen still works while glibc's surplus of static TLS lasts). */
#define SHMAP_TLS __attribute__((tls_model("initial-exec")))

/* Defensive checks that stay in release builds (SQLite's ALWAYS/NEVER):
 * the condition is expected; if it does not hold we take the safe branch. */
#define ALWAYS(x) __builtin_expect(!!(x), 1)
#define NEVER(x) __builtin_expect(!!(x), 0)

/* A broken internal invariant: never caused by user input. */
#define SHMAP_ABORT_IF(cond)                                                                       \
    do {                                                                                           \
        if (NEVER(cond))                                                                           \
            shmap__abort(__FILE__, __LINE__, #cond);                                               \
    } while (0)
SHMAP_HIDDEN _Noreturn void shmap__abort(const char *file, int line, const char *what);

#define SHMAP_ROUND_UP(x, a) (((x) + ((a)-1)) & ~((uint64_t)(a)-1))
#define SHMAP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ======================================================================
 * sys.c - every system call goes through this table, so that tests can
 * fail the Nth call with a chosen errno (fault injection).  Entries follow
 * libc conventions (-1 / MAP_FAILED and errno).
 * ====================================================================== */
struct flock;
struct shmap_sys {
    int (*openat)(int dirfd, const char *path, int flags, mode_t mode);
    int (*close)(int fd);
    int (*fstat)(int fd, struct stat *st);
    int (*fstatat)(int dirfd, const char *path, struct stat *st, int flags);
    int (*ftruncate)(int fd, off_t len);
    int (*fallocate)(int fd, int mode, off_t off, off_t len);
    ssize_t (*pread)(int fd, void *buf, size_t n, off_t off);
    ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
    ssize_t (*read)(int fd, void *buf, size_t n);
    ssize_t (*write)(int fd, const void *buf, size_t n);
    off_t (*lseek)(int fd, off_t off, int whence);
    void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd, off_t off);
    int (*munmap)(void *addr, size_t len);
    int (*mprotect)(void *addr, size_t len, int prot);
    int (*msync)(void *addr, size_t len, int flags);
    int (*madvise)(void *addr, size_t len, int advice);
    int (*flock)(int fd, int op);
    int (*fcntl_lock)(int fd, int cmd, struct flock *fl); /* F_OFD_* and F_*LK only */
    int (*linkat)(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags);
    int (*unlinkat)(int dirfd, const char *path, int flags);
    int (*mkdirat)(int dirfd, const char *path, mode_t mode);
    int (*fchmod)(int fd, mode_t mode);
    int (*fsync)(int fd);
    int (*fdatasync)(int fd);
    int (*dup3)(int oldfd, int newfd, int flags);
    int (*fcntl_int)(int fd, int cmd, int arg); /* F_DUPFD_CLOEXEC, F_GETFL, F_SETFD... */
    int (*fcntl_owner)(int fd, int cmd, struct f_owner_ex *ow); /* F_GETOWN_EX, F_SETOWN_EX */
    ssize_t (*readlinkat)(int dirfd, const char *path, char *buf, size_t n);
    int (*faccessat)(int dirfd, const char *path, int mode, int flags);
    int (*memfd_create)(const char *name, unsigned flags);
    int (*pipe2)(int fds[2], int flags);
    int (*close_range)(unsigned first, unsigned last, unsigned flags);
    int (*poll)(struct pollfd *fds, nfds_t n, int timeout_ms);
    /* sockets (the inbox, xfer.c) */
    int (*socket)(int domain, int type, int protocol);
    int (*bind)(int s, const struct sockaddr *a, socklen_t n);
    int (*listen)(int s, int backlog);
    int (*connect)(int s, const struct sockaddr *a, socklen_t n);
    int (*accept4)(int s, struct sockaddr *a, socklen_t *n, int flags);
    int (*getsockopt)(int s, int level, int name, void *val, socklen_t *n);
    ssize_t (*sendmsg)(int s, const struct msghdr *m, int flags);
    ssize_t (*recvmsg)(int s, struct msghdr *m, int flags);
    /* processes */
    int (*kill)(pid_t pid, int sig);
    int (*pidfd_open)(pid_t pid, unsigned flags);
    int (*pidfd_send_signal)(int pidfd, int sig, void *siginfo, unsigned flags);
    int (*pidfd_getfd)(int pidfd, int fd, unsigned flags);
    int (*waitid)(int idtype, int id, void *siginfo, int options); /* P_PIDFD as well */
    pid_t (*waitpid)(pid_t pid, int *status, int options);
    pid_t (*_Fork)(void); /* no atfork handlers; the child must only exec (spawn.c) */
    /* returns the error number (0: started), as posix_spawn does */
    int (*posix_spawn)(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                       const posix_spawnattr_t *at, char *const argv[], char *const envp[]);
};
extern SHMAP_HIDDEN struct shmap_sys shmap__sys;
#define SYS(fn) (shmap__sys.fn)

/* Fault injection, for tests: the nth system call made through the table
 * from now on (1 = the next one) fails with err; if persistent, every later
 * one too.  n = 0 disarms.  Returns how many calls were made since arming. */
SHMAP_HIDDEN void shmap__fault_arm(unsigned long nth, int err, int persistent);
/* Testing: the period of the waits' safety net (0: the default), so that a
 * lost wake-up hangs instead of costing 200 ms. */
SHMAP_HIDDEN void shmap__wait_slice(uint64_t ns);
/* Testing: how long a wait about to sleep polls its words first (ns; -1:
 * back to the default, SHMAP_SPIN_NS or 0). */
SHMAP_HIDDEN void shmap__wait_spin(int64_t ns);
SHMAP_HIDDEN unsigned long shmap__fault_calls(void);
SHMAP_HIDDEN int shmap__fault_fired(void);

/* fallocate(mode 0) retried on EINTR; 0 or -errno. */
SHMAP_HIDDEN int shmap__fallocate(int fd, uint64_t off, uint64_t len);

/* close() that preserves errno and ignores EINTR (Linux always closes). */
SHMAP_HIDDEN void shmap__close_fd(int fd);
/* A directory stream of path, and a stdio stream reading path (their open
 * is the fault point; NULL and errno). */
SHMAP_HIDDEN DIR *shmap__opendir(const char *path);
SHMAP_HIDDEN FILE *shmap__fopen_ro(const char *path);
/* Undo a start: SIGKILL to a child of ours and reap it.  Not a fault
 * point: a failed undo would leave the child running. */
SHMAP_HIDDEN void shmap__child_kill_reap(pid_t pid);

/* ======================================================================
 * forklock.c - a record's lock that a fork child makes anew at its first
 * use (its holder in the parent is not in the child).  Global locks are
 * taken across fork by lifecycle.c instead.
 * ====================================================================== */
struct shmap_reclock {
    pthread_mutex_t mu;
    _Atomic uint32_t gen; /* the fork generation it was made in */
};
SHMAP_HIDDEN void shmap__reclock_init(struct shmap_reclock *l);
SHMAP_HIDDEN void shmap__reclock_lock(struct shmap_reclock *l);
SHMAP_HIDDEN void shmap__reclock_unlock(struct shmap_reclock *l);
SHMAP_HIDDEN void shmap__reclock_destroy(struct shmap_reclock *l);
/* How many forks lie between the first process and this one (0 in it). */
SHMAP_HIDDEN uint32_t shmap__fork_gen(void);
/* lifecycle.c: the child's step. */
SHMAP_HIDDEN void shmap__forklock_child(void);

/* ======================================================================
 * layout.c - the header at offset 0 of every object file in the namespace.
 * Fixed-width fields, explicit padding that must read zero, a magic and a
 * format word; offsets, never pointers.  Identical for 32- and 64-bit
 * processes (static_asserts in layout.c).
 * ====================================================================== */
#define SHMAP_MAGIC 0x50414d53u /* "SMAP" little-endian; byte-swapped reads as foreign */
#define SHMAP_LAYOUT_VERSION 1u
#define SHMAP_HDR_SIZE 256u  /* struct shmap_objhdr */
#define SHMAP_STATE_OFF 256u /* type-specific shared state: [256, 1024) */
#define SHMAP_STATE_SIZE 768u
#define SHMAP_NAME_OFF 1024u /* the object's name (UTF-8), then other variable data */
/* format word: version in bits 24..31, header size in 16..23 (/8),
 * state area size in 0..15 (/8). */
#define SHMAP_FORMAT                                                                               \
    ((SHMAP_LAYOUT_VERSION << 24) | ((SHMAP_HDR_SIZE / 8) << 16) | (SHMAP_STATE_SIZE / 8))
#define SHMAP_DATA_ALIGN 65536u /* data_offset is a multiple of this */

struct shmap_objhdr {
    uint32_t magic;       /*   0 SHMAP_MAGIC */
    uint32_t format;      /*   4 SHMAP_FORMAT */
    uint16_t type;        /*   8 shmap_type_t, 1..SHMAP_TYPE_NAMED_MAX */
    uint16_t hflags;      /*  10 SHMAP_HF_* */
    uint32_t owner_uid;   /*  12 creator's effective uid */
    uint32_t owner_gid;   /*  16 creator's effective gid */
    uint32_t creator_pid; /*  20 informational */
    uint64_t create_ns;   /*  24 CLOCK_REALTIME at creation, informational */
    uint32_t name_off;    /*  32 name bytes (UTF-8, no NUL) */
    uint32_t name_len;    /*  36 */
    uint32_t sd_off;      /*  40 security descriptor (0: default, owner only) */
    uint32_t sd_len;      /*  44 */
    uint64_t data_offset; /*  48 sections: file offset of byte 0 of the data */
    uint64_t size;        /*  56 sections: size as reported (page-rounded for pagefile) */
    uint32_t protect;     /*  64 sections: PAGE_* given at creation */
    uint32_t attributes;  /*  68 sections: SEC_* as reported */
    uint64_t file_dev;    /*  72 file-backed sections: the file's identity */
    uint64_t file_ino;    /*  80 */
    uint32_t path_off;    /*  88 file-backed sections: the file's path at creation */
    uint32_t path_len;    /*  92 */
    uint32_t bitmap_off;  /*  96 SEC_RESERVE: commit bitmap, 1 bit per page */
    uint32_t bitmap_len;  /* 100 bytes */
    uint8_t pad[SHMAP_HDR_SIZE - 104]; /* 104 must be zero */
};

#define SHMAP_HF_FILE_BACKED 0x1u

/* Check a header read from a file of st_size bytes; 0 or SHMAP_EBADOBJ. */
SHMAP_HIDDEN int shmap__hdr_validate(const struct shmap_objhdr *h, uint64_t st_size);

/* ======================================================================
 * name.c - the one name parser.  Turns a Win32 object name into a scope
 * (which namespace directory) and a file name inside it that no input can
 * make escape the directory.
 * ====================================================================== */
enum shmap_scope { SHMAP_SCOPE_LOCAL = 0, SHMAP_SCOPE_GLOBAL = 1, SHMAP_SCOPE_USER = 2 };

#define SHMAP_NAME_MAX_A 259u   /* UTF-16 units, narrow (A) calls */
#define SHMAP_NAME_MAX_W 32767u /* UTF-16 units, wide (W) calls */
#define SHMAP_FNAME_MAX 255u

struct shmap_name {
    enum shmap_scope scope;
    uint32_t uid;                    /* SHMAP_SCOPE_USER: whose Local\ (Session\N\, N = uid + 1) */
    const char *base;                /* the object name after all prefixes (inside the input) */
    size_t len;                      /* bytes */
    uint32_t hash;                   /* of (scope, uid, base) for the name cache */
    char fname[SHMAP_FNAME_MAX + 1]; /* file name inside the scope's directory */
};

/* Parse name.  Returns 0, 1 for "unnamed" (NULL or ""), or SHMAP_EBADPATH,
 * SHMAP_EPATH, SHMAP_EBADNAME, -ENAMETOOLONG, SHMAP_ETYPE (the name is a
 * namespace link or directory itself: "Local", "Global", "Session"...).
 * Callers decide what "unnamed" means (create: unnamed object; open: error). */
SHMAP_HIDDEN int shmap__name_parse(const char *name, unsigned flags, struct shmap_name *out);

/* The same for an Open*: NULL -> -EINVAL, "" -> SHMAP_ETYPE (the directory). */
SHMAP_HIDDEN int shmap__name_parse_open(const char *name, unsigned flags, struct shmap_name *out);

/* The file name of an object name (len bytes) into fname[256]. */
SHMAP_HIDDEN void shmap__name_fname(const char *name, size_t len, char *fname);

/* Decode a file name of the namespace back into the object name, for
 * listing; returns the length or -1 if fname is not an object file name. */
SHMAP_HIDDEN int shmap__name_decode(const char *fname, char *out, size_t outsz);

/* Number of UTF-16 units of a UTF-8 string, or -1 if it is not valid UTF-8. */
SHMAP_HIDDEN long shmap__utf8_units16(const char *s, size_t len);

/* ======================================================================
 * namespace.c - directories and the lock protocol.
 *
 * A named object is a file <dir>/<fname>.  Every process holding a handle
 * to it holds a shared flock() on its own open file description; the kernel
 * drops it when the process dies.  Whoever can take the exclusive lock is
 * the only holder left and may unlink the name.  Files are published
 * complete with linkat() of an O_TMPFILE.  See docs/DESIGN.md.
 * ====================================================================== */

/* Directory fd of a scope (opened once, cached; user scopes not cached). */
SHMAP_HIDDEN int shmap__ns_dirfd(enum shmap_scope scope, uint32_t uid, int *dirfd, int *owned);

/* What a creator asks for. */
struct shmap_ns_spec {
    shmap_type_t type;
    uint64_t file_size; /* total object file size (header + data) */
    uint64_t alloc_off; /* fallocate [alloc_off, alloc_off+alloc_len) */
    uint64_t alloc_len;
    const struct shmap_objhdr *hdr; /* written at offset 0 */
    const void *extra;              /* written at SHMAP_NAME_OFF + name_len (e.g. a path) */
    size_t extra_len;
    const void *state; /* written at SHMAP_STATE_OFF, may be NULL */
    size_t state_len;
    bool need_global_priv; /* creating in Global\ needs shmap__global_privileged() */
};

/* An opened or created object file, holding the shared lock (if named). */
struct shmap_ns_file {
    int fd;
    struct stat st;
    struct shmap_objhdr hdr; /* validated copy */
    const void *state;       /* a copy of the state area read with hdr, or NULL */
};

/* Open the named object; type mismatch -> SHMAP_ETYPE (the lock is already
 * given back).  Errors: -ENOENT, -EACCES, SHMAP_EBADOBJ, -EMFILE... */
SHMAP_HIDDEN int shmap__ns_open(const struct shmap_name *n, shmap_type_t type,
                                struct shmap_ns_file *out);

/* Create the object (n NULL: unnamed), or open the existing one.  Returns 0
 * (created) or SHMAP_EXISTED.  spec->hdr's name fields are filled here. */
SHMAP_HIDDEN int shmap__ns_create(const struct shmap_name *n, const struct shmap_ns_spec *spec,
                                  struct shmap_ns_file *out);

/* Give back a process's hold on a named object: if no other process holds
 * it, unlink its name.  Leaves fd open and holding no lock, whatever keeps
 * its description alive afterwards; the caller closes it. */
SHMAP_HIDDEN void shmap__ns_release(int fd, const struct shmap_name *n);

/* The same, for a record that only kept its scope, uid and file name. */
SHMAP_HIDDEN void shmap__ns_release_at(int fd, enum shmap_scope scope, uint32_t uid,
                                       const char *fname);

/* Process identity, read once (and again in a fork child). */
SHMAP_HIDDEN uint32_t shmap__uid(void);
SHMAP_HIDDEN uint32_t shmap__gid(void);
SHMAP_HIDDEN uint32_t shmap__pid(void);
/* In a fork child, before anything asks shmap__pid or shmap__tid (the first
 * atfork handler). */
SHMAP_HIDDEN void shmap__pid_forked(void);
/* Does the umask leave mode 0600 intact (so no fchmod is needed)? */
SHMAP_HIDDEN bool shmap__umask_keeps_0600(void);

/* For listing: open fname in dirfd without holding it.  Reclaims it if it
 * is an orphan (returns 1), else fills out (header validated, fd open) and
 * returns 0.  Errors: SHMAP_EBADOBJ (foreign file), -EACCES, ... */
SHMAP_HIDDEN int shmap__ns_probe(int dirfd, const char *fname, struct shmap_ns_file *out);

/* May the caller create sections in Global\ ? (root, or group
 * $SHMAP_GLOBAL_GROUP, default "shmap-global"). */
SHMAP_HIDDEN int shmap__global_privileged(void);

/* ======================================================================
 * object.c - per-process records of objects, shared by all handles of the
 * process to one object, and the name cache.
 * ====================================================================== */
struct shmap_obj;
struct shmap_obj_ops {
    shmap_type_t type;
    void (*destroy)(struct shmap_obj *o); /* frees type-specific parts and o */
};

struct shmap_obj {
    const struct shmap_obj_ops *ops;
    _Atomic uint32_t refs;    /* handles + views + temporary users; 0 -> destroy */
    _Atomic uint32_t handles; /* handle-table entries; 0 -> namespace hold released */
    shmap_type_t type;
    int fd;                 /* object file (-1 for kinds without one) */
    uint64_t dev, ino;      /* identity of the object file */
    bool named;             /* holds a namespace lock while handles > 0 */
    bool cached;            /* in the name cache; protected by the cache lock */
    enum shmap_scope scope; /* named objects: where */
    uint32_t uid;
    char *fname; /* named objects: file name in the scope directory */
    char *key;   /* name cache key: the object name (UTF-8) */
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
SHMAP_HIDDEN void shmap__apc_drop_all(void);
SHMAP_HIDDEN void shmap__mutex_forget(struct shmap_obj *o);

/* Call fn on every live handle (for inheritance and listing); the table is
 * locked meanwhile, fn must not call into the table. */
SHMAP_HIDDEN void shmap__handle_foreach(void (*fn)(shmap_handle_t h, struct shmap_obj *o,
                                                   uint32_t access, uint32_t hflags, void *arg),
                                        void *arg);
SHMAP_HIDDEN unsigned long shmap__handle_count(void);

/* ======================================================================
 * access.c - generic rights and access masks per type.
 * ====================================================================== */
/* Map GENERIC_* bits to the type's specific rights (MAXIMUM_ALLOWED is kept). */
SHMAP_HIDDEN uint32_t shmap__access_map_generic(shmap_type_t type, uint32_t access);
/* The type's valid access mask (all rights it knows). */
SHMAP_HIDDEN uint32_t shmap__access_valid_mask(shmap_type_t type);
/* Check an access request for an Open* of an existing object: returns the
 * granted mask in *granted, or -EACCES (0, invalid bits, denied) /
 * SHMAP_EPRIV (ACCESS_SYSTEM_SECURITY). */
SHMAP_HIDDEN int shmap__access_check_open(shmap_type_t type, uint32_t requested,
                                          const struct shmap_ns_file *f, uint32_t *granted);
/* The same for DuplicateHandle without DUPLICATE_SAME_ACCESS (0 allowed). */
SHMAP_HIDDEN int shmap__access_check_dup(shmap_type_t type, uint32_t requested, uint32_t *granted);

/* ======================================================================
 * mapping.c - sections.
 * ====================================================================== */
struct shmap_section {
    struct shmap_obj obj;
    uint64_t size;       /* as reported by shmap_mapping_query */
    uint64_t map_limit;  /* bytes a view may cover: page-rounded size (pagefile) or size */
    uint32_t protect;    /* PAGE_* at creation */
    uint32_t attributes; /* SEC_* as reported */
    bool file_backed;
    bool reserve;             /* SEC_RESERVE pagefile section: pages committed on demand */
    int data_fd;              /* where views map from: obj.fd, or the user's file */
    uint64_t data_offset;     /* file offset of section byte 0 in data_fd */
    _Atomic uint32_t *bitmap; /* SEC_RESERVE: commit bits, in the shared header mapping */
    void *hdr_map;            /* mapping of [0, data_offset) of obj.fd when needed */
    size_t hdr_map_len;
    _Atomic uint32_t views;           /* views of this process mapping this section */
    struct shmap_reclock commit_lock; /* serialises commits of this process */
};

SHMAP_HIDDEN struct shmap_section *shmap__section_of(struct shmap_obj *o);
/* Commit [off, off+len) of a SEC_RESERVE section (page-aligned, in range):
 * charge the memory (SHMAP_ECOMMIT if the tmpfs is full), then set the bits. */
SHMAP_HIDDEN int shmap__section_commit(struct shmap_section *s, uint64_t off, uint64_t len);
/* Is the page at section offset off committed? (always true for SEC_COMMIT) */
SHMAP_HIDDEN bool shmap__section_committed(const struct shmap_section *s, uint64_t off);
/* Does a section map the file (dev, ino) up to more than new_size bytes, in
 * this or another process?  Used by SetEndOfFile. */
SHMAP_HIDDEN bool shmap__file_is_mapped(int fd, uint64_t new_size);

/* View protection (PAGE_*) implied by a MapViewOfFile access request. */
SHMAP_HIDDEN uint32_t shmap__view_protect_of(uint32_t access);
/* PAGE_* -> PROT_* */
SHMAP_HIDDEN int shmap__prot_of(uint32_t page_protect);

/* xfer.c: a shared lock taken, retried on EINTR. */
SHMAP_HIDDEN int shmap__lock_shared(int fd);
/* Process-descriptor system calls, for headers that lack them. */
#include <sys/syscall.h>
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* ======================================================================
 * job.c - job objects.  The job file (a named object like the others) holds
 * struct shmap_jobst at SHMAP_STATE_OFF and the member table at
 * SHMAP_JOB_MEMBERS_OFF.  Every process holding a handle to the job holds
 * a write end of the job's kill pipe (named.c's aux_fd); every member
 * holds a read end that, when the job kills on close, is armed to make the
 * kernel send SIGKILL to that member once no write end is left.
 * docs/DESIGN.md §17.
 * ====================================================================== */
struct shmap_process;
struct shmap_named;
#define SHMAP_JOB_TAG 0x424f4a53u /* "SJOB" */
#define SHMAP_JOB_VERSION 1u
#define SHMAP_JOB_MEMBERS_OFF 65536u
#define SHMAP_JOB_MAX_MEMBERS 1024u
#define SHMAP_JOB_QUOTA_CODE 1816u /* exit code of a process the active process limit ends */
#define SHMAP_JOB_MEMBERS_BYTES (SHMAP_JOB_MAX_MEMBERS * 48u)
#define SHMAP_JOB_FILE_SIZE (SHMAP_JOB_MEMBERS_OFF + SHMAP_JOB_MEMBERS_BYTES)
#define SHMAP_JOB_HOLDERS 16u

/* Identical for 32- and 64-bit processes (static_asserts in job.c).  The
 * lock has the position of struct shmap_sync's (robust.c's shmap__slock). */
struct shmap_jobst {
    _Atomic uint32_t lock;     /*   0 robust: 0 or tid | WAITERS | OWNER_DIED */
    uint32_t seq;              /*   4 unused */
    uint32_t tag;              /*   8 SHMAP_JOB_TAG */
    uint32_t version;          /*  12 SHMAP_JOB_VERSION */
    uint32_t nmembers;         /*  16 entries in use in the member table */
    uint32_t lock_link32;      /*  20 robust list entry, ILP32 */
    uint32_t lock_link64[4];   /*  24 robust list entry, LP64 */
    uint32_t limit_flags;      /*  40 JOB_OBJECT_LIMIT_* */
    uint32_t active_limit;     /*  44 */
    int64_t process_time;      /*  48 limits, 100 ns (stored, not enforced) */
    int64_t job_time;          /*  56 */
    uint64_t min_ws, max_ws;   /*  64 */
    uint64_t affinity;         /*  80 */
    uint32_t priority_class;   /*  88 */
    uint32_t scheduling_class; /*  92 */
    uint64_t process_memory;   /*  96 */
    uint64_t job_memory;       /* 104 */
    uint32_t total_processes;  /* 112 ever assigned */
    uint32_t total_terminated; /* 116 ended by a limit (the active process limit) */
    uint64_t gone_user;        /* 120 times of members that have ended, 100 ns */
    uint64_t gone_kernel;      /* 128 */
    uint64_t gone_faults;      /* 136 */
    uint64_t pipe_ino;         /* 144 the kill pipe's inode */
    uint32_t reserved1;        /* 152 */
    uint32_t holder_next;      /* 156 */
    struct {
        uint32_t pid;
        int32_t fd;
    } holders[SHMAP_JOB_HOLDERS]; /* 160 processes with a write end, and its number there */
    uint8_t pad[SHMAP_STATE_SIZE - 288];
};

struct shmap_jmember {
    uint32_t pid;    /*  0 */
    int32_t rfd;     /*  4 its read end of the kill pipe, if known; else -1 */
    uint64_t start;  /*  8 start time (process identity) */
    uint64_t user;   /* 16 last seen times, 100 ns */
    uint64_t kernel; /* 24 */
    uint32_t faults; /* 32 */
    uint32_t flags;  /* 36 SHMAP_JM_* */
    uint64_t pad;    /* 40 */
};
#define SHMAP_JM_FINAL 0x2u /* times are final (it reported them at exit) */

/* A job record's state is sane (checked when a record is made). */
SHMAP_HIDDEN bool shmap__job_state_ok(const struct shmap_jobst *st);
/* Complete a job record: map the member table, get a write end of the kill
 * pipe (aux_fd, taken over, or found), register as a holder. */
SHMAP_HIDDEN int shmap__job_attach(struct shmap_named *k, int aux_fd);
/* The record's destructor (then named.c's). */
SHMAP_HIDDEN void shmap__job_destroy(struct shmap_obj *o);
/* xfer.c: a JOIN message reached us (both descriptors taken over). */
SHMAP_HIDDEN void shmap__job_joined(int fd, int rfd);
/* spawn.c: whether a child started now joins our job (1), does not (0),
 * or cannot be started (negative: breakaway refused). */
SHMAP_HIDDEN int shmap__job_child_joins(unsigned sflags);
/* spawn.c: put the (suspended) child p into our job. */
SHMAP_HIDDEN int shmap__job_add_child(struct shmap_process *p);
/* process.c: at exit, leave our final times in our member entry. */
SHMAP_HIDDEN void shmap__job_at_exit(void);
/* xfer.c: send a JOIN message to p. */
SHMAP_HIDDEN int shmap__xfer_join(struct shmap_process *p, int fd, int rfd);

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

/* Create (n NULL: unnamed) or open the object; *out carries one handle
 * count.  Returns 0, SHMAP_EXISTED, or SHMAP_ETYPE / namespace errors. */
SHMAP_HIDDEN int shmap__named_create(shmap_type_t type, const struct shmap_name *n,
                                     const void *state, size_t state_len, struct shmap_obj **out);
/* The same for a job; aux_fd (taken over, closed if the job existed): the
 * kill pipe that the state names. */
SHMAP_HIDDEN int shmap__named_create_job(const struct shmap_name *n, const void *state,
                                         size_t state_len, int aux_fd, struct shmap_obj **out);
/* named.c's destructor (job.c's runs first). */
SHMAP_HIDDEN void shmap__named_destroy(struct shmap_obj *o);
SHMAP_HIDDEN int shmap__named_open(shmap_type_t type, const struct shmap_name *n,
                                   struct shmap_obj **out);
/* Turn the handle count carried by o into a handle (dropped on failure). */
SHMAP_HIDDEN int shmap__named_handle(struct shmap_obj *o, uint32_t access, unsigned flags,
                                     shmap_handle_t *out);

/* ======================================================================
 * sync - events, mutexes, semaphores, timers (sync.c, robust.c, event.c,
 * mutex.c, semaphore.c, timer.c, wait.c).  Their shared state is struct
 * shmap_sync at SHMAP_STATE_OFF of the object file; docs/DESIGN.md §14.
 * ====================================================================== */
#define SHMAP_SYNC_TAG 0x434e5953u /* "SYNC" */
#define SHMAP_SYNC_MANUAL 0x1u     /* manual-reset event or timer */
/* In `count` of an auto event or a semaphore: a wait-all that holds the
 * lock has found it ready and keeps it for itself until it takes it or
 * lets go; takers without the lock leave it alone (docs/DESIGN.md §13). */
#define SHMAP_COUNT_HOLD 0x80000000u
#define SHMAP_OWNER_NOROBUST 0x1u /* the owner has no robust list: waiters check its tid */

#define SHMAP_FUTEX_WAITERS 0x80000000u
#define SHMAP_FUTEX_OWNER_DIED 0x40000000u
#define SHMAP_FUTEX_TID_MASK 0x3fffffffu

/* Identical for 32- and 64-bit processes (static_asserts in sync.c).  The
 * two robust words (lock, owner) are each followed by room for the robust
 * list entry the kernel finds at word - futex_offset: glibc's offset is -20
 * on ILP32 (one next pointer at +20) and -32 on LP64 (prev at +24, next
 * at +32). */
struct shmap_sync {
    _Atomic uint32_t lock;        /*   0 internal lock: 0 or tid | WAITERS | OWNER_DIED */
    _Atomic uint32_t seq;         /*   4 bumped when the state may satisfy a waiter */
    uint32_t tag;                 /*   8 SHMAP_SYNC_TAG */
    uint32_t flags;               /*  12 SHMAP_SYNC_* */
    _Atomic uint32_t count;       /*  16 event 0/1, semaphore count, timer signalled 0/1 */
    uint32_t lock_link32;         /*  20 robust list entry, ILP32 */
    uint32_t lock_link64[4];      /*  24 robust list entry, LP64 (prev, next) */
    uint32_t max;                 /*  40 semaphore maximum */
    _Atomic uint32_t nwait;       /*  44 threads that may sleep on seq (may overcount) */
    _Atomic uint32_t recursion;   /*  48 mutex: written by the owner only */
    uint32_t type;                /*  52 shmap_type_t, checked on open */
    _Atomic uint32_t pulse_gen;   /*  56 event: bumped by PulseEvent */
    _Atomic uint32_t pulse_left;  /*  60 auto event: a pulse not yet claimed */
    _Atomic uint32_t owner;       /*  64 mutex owner word: 0 or tid | WAITERS | OWNER_DIED */
    _Atomic uint32_t set_gen;     /*  68 timer: bumped by every Set and Cancel */
    uint64_t due_ns;              /*  72 timer: next expiry, CLOCK_MONOTONIC */
    uint32_t armed;               /*  80 timer */
    uint32_t owner_link32;        /*  84 robust list entry of owner, ILP32 */
    uint32_t owner_link64[4];     /*  88 robust list entry of owner, LP64 */
    uint32_t period_ms;           /* 104 timer */
    uint32_t set_tid;             /* 108 timer: thread that set it (informational) */
    _Atomic uint32_t owner_flags; /* 112 mutex: SHMAP_OWNER_* of the current owner */
    _Atomic uint32_t waited;      /* 116 event, semaphore: 1 once a thread has waited on it */
    uint8_t pad[SHMAP_STATE_SIZE - 120];
};

/* In a busy-wait loop: let the sibling hyperthread (or the host) run. */
static inline void shmap__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static inline bool shmap__is_sync_type(shmap_type_t type)
{
    return type >= SHMAP_TYPE_EVENT && type <= SHMAP_TYPE_TIMER;
}
/* The shared state of a sync object record, or NULL for other types. */
static inline struct shmap_sync *shmap__sync_of(struct shmap_obj *o)
{
    return shmap__is_sync_type(o->type) ? (struct shmap_sync *)((struct shmap_named *)o)->state
                                        : NULL;
}
/* Is a state read from a file one we can use?  (named.c, on open) */
SHMAP_HIDDEN bool shmap__sync_state_ok(const struct shmap_sync *s, shmap_type_t type);

/* Create-or-open / open shared by the four types (sync.c). */
SHMAP_HIDDEN int shmap__sync_create(shmap_type_t type, const char *name,
                                    const struct shmap_sync *init, uint32_t access, unsigned flags,
                                    shmap_handle_t *out, struct shmap_obj **obj);
SHMAP_HIDDEN int shmap__sync_open(shmap_type_t type, const char *name, uint32_t access,
                                  unsigned flags, shmap_handle_t *out);
/* Look up h as type with right (0: none needed); SHMAP_ETYPE, -EACCES. */
SHMAP_HIDDEN int shmap__sync_get(shmap_handle_t h, shmap_type_t type, uint32_t right,
                                 struct shmap_obj **o, struct shmap_sync **s);

/* robust.c: the calling thread's id (cached; reset in a fork child). */
SHMAP_HIDDEN uint32_t shmap__tid(void);
/* In a fork child: forget the parent thread's id and owned mutexes. */
SHMAP_HIDDEN void shmap__sync_fork_child(void);
SHMAP_HIDDEN void shmap__tid_reset(void);
/* Is the thread tid alive?  (kill(tid, 0) != ESRCH) */
SHMAP_HIDDEN bool shmap__tid_alive(uint32_t tid);
SHMAP_HIDDEN uint64_t shmap__mono_ns(void);

/* ThreadSanitizer cannot see a store made by the kernel (FUTEX_WAKE_OP):
 * tell it that such a store releases, and the CAS that reads it acquires. */
#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define shmap__tsan_acquire(p) __tsan_acquire((void *)(p))
#define shmap__tsan_release(p) __tsan_release((void *)(p))
#else
#define shmap__tsan_acquire(p) ((void)(p))
#define shmap__tsan_release(p) ((void)(p))
#endif

/* Shared futexes. */
SHMAP_HIDDEN void shmap__futex_wake(_Atomic uint32_t *w, int n);
/* *w = val and wake up to n waiters of w, as one step in the kernel
 * (val: 0 or a power of two). */
SHMAP_HIDDEN void shmap__futex_set_wake(_Atomic uint32_t *w, uint32_t val, int n);
/* *w += 1 and wake every waiter of w, as one step. */
SHMAP_HIDDEN void shmap__futex_inc_wake(_Atomic uint32_t *w);
/* Sleep while *w[i] == val[i] for all i (n <= 128), until deadline
 * (CLOCK_MONOTONIC ns; UINT64_MAX: none).  0 woken/changed, -ETIMEDOUT,
 * -EINTR. */
SHMAP_HIDDEN int shmap__futex_waitv(_Atomic uint32_t *const *w, const uint32_t *val, unsigned n,
                                    uint64_t deadline);

/* The kernel's robust list of the calling thread (glibc's).  A word is
 * entered while the thread holds it, so that the kernel marks it
 * OWNER_DIED (and wakes one waiter) when the thread dies.  Protocol as
 * glibc's: pending(w) around the acquiring CAS and the releasing store,
 * link after acquiring, unlink before releasing. */
SHMAP_HIDDEN bool shmap__robust_ok(void);
/* shmap__robust_pending(w), _link(w), _unlink(w): inline, in robust.h. */

/* The internal lock of a sync object.  Returns 1 if the previous holder
 * died holding it (the caller then calls shmap__sync_repair), else 0. */
SHMAP_HIDDEN int shmap__slock(struct shmap_sync *s);
SHMAP_HIDDEN void shmap__sunlock(struct shmap_sync *s);
/* After a dead holder: wake everybody (a change may lack its wake). */
SHMAP_HIDDEN void shmap__sync_repair(struct shmap_sync *s);
/* Under the lock: the state changed in a way that may satisfy waiters;
 * returns whether some may sleep.  If so, call shmap__sync_wake after the
 * unlock: it bumps seq and wakes them in one step (waiters snapshot seq
 * under the lock, so a bump after it still reaches them; the woken do not
 * run into our lock). */
SHMAP_HIDDEN bool shmap__sync_changed(struct shmap_sync *s);
SHMAP_HIDDEN void shmap__sync_wake(struct shmap_sync *s);

/* Objects as the wait core sees them (event.c, mutex.c, semaphore.c,
 * timer.c): under the lock (not for mutexes), is the object signalled for
 * the calling thread, and acquire it.  snap_pulse: the pulse generation
 * the waiter saw when it went to sleep (events). */
SHMAP_HIDDEN bool shmap__event_ready(struct shmap_sync *s, uint32_t snap_pulse, bool *by_pulse);
SHMAP_HIDDEN void shmap__event_take(struct shmap_sync *s, bool by_pulse);
SHMAP_HIDDEN bool shmap__semaphore_ready(struct shmap_sync *s);
SHMAP_HIDDEN void shmap__semaphore_take(struct shmap_sync *s);
/* Without the lock: take a signalled event or semaphore by its count (a
 * manual event is only looked at); false if not signalled or held. */
SHMAP_HIDDEN bool shmap__event_try(struct shmap_sync *s);
SHMAP_HIDDEN bool shmap__semaphore_try(struct shmap_sync *s);
/* The value of count without the hold bit. */
static inline uint32_t shmap__count(const struct shmap_sync *s)
{
    return atomic_load(&s->count) & ~SHMAP_COUNT_HOLD;
}
SHMAP_HIDDEN bool shmap__timer_ready(struct shmap_sync *s, uint64_t now, uint64_t *due);
SHMAP_HIDDEN void shmap__timer_take(struct shmap_sync *s);

/* Mutexes (no internal lock; the owner word is the state). */
enum { SHMAP_MTX_BUSY = 0, SHMAP_MTX_TAKEN = 1, SHMAP_MTX_ABANDONED = 2 };
/* Try to acquire: SHMAP_MTX_* ; *seen gets the owner word when busy. */
SHMAP_HIDDEN int shmap__mutex_try(struct shmap_obj *o, struct shmap_sync *s, uint32_t *seen);
/* Is it acquirable by the caller right now (free, abandoned or own)? */
SHMAP_HIDDEN bool shmap__mutex_ready(struct shmap_sync *s);
/* Give back an acquisition made by shmap__mutex_try (wait-all backing off). */
SHMAP_HIDDEN void shmap__mutex_untake(struct shmap_obj *o, struct shmap_sync *s, int how);
/* Before sleeping on the owner word seen busy: set WAITERS (returns the
 * value to sleep on, or 0 if the word changed: look again).  Also detects
 * an owner that died without the kernel noticing (check_dead). */
SHMAP_HIDDEN uint32_t shmap__mutex_prepare_sleep(struct shmap_sync *s, uint32_t seen,
                                                 bool check_dead);

/* thread.c: a thread made by shmap_thread_create. */
struct shmap_thread {
    struct shmap_obj obj;
    _Atomic uint32_t done;    /* 0 while running, 1 once ended: waits sleep on it */
    _Atomic uint32_t tid;     /* set by the thread when it starts */
    _Atomic uint32_t suspend; /* suspend count (CREATE_SUSPENDED) */
    uint32_t code;            /* exit code, valid once done */
    uint32_t exit_code;       /* written by the thread itself (ExitThread) */
    shmap_thread_fn_t fn;
    void *arg;
    struct shmap_process *proc; /* the main thread of another process (one reference) */
};

/* A suspend count: decrement it unless it is zero; returns the count before. */
static inline uint32_t shmap__count_down(_Atomic uint32_t *c)
{
    uint32_t s = atomic_load(c);
    while (s && !atomic_compare_exchange_weak(c, &s, s - 1))
        ;
    return s;
}

/* The calling thread is ending: abandon the mutexes it owns (mutex.c). */
SHMAP_HIDDEN void shmap__mutex_abandon_all(void);

/* Alertable waits (timer.c): run the calling thread's due completion
 * routines; returns how many ran.  *next: earliest future one (or
 * UINT64_MAX). */
SHMAP_HIDDEN int shmap__apc_run(uint64_t now, uint64_t *next);

/* ======================================================================
 * process.c - process objects.  Every process running libshmap has a
 * state page (struct shmap_procst, page 0 of a memfd named "shmap-proc"),
 * which holders of a handle to the process map too; xfer.c - handles
 * carried between processes (inheritance, DuplicateHandle); spawn.c -
 * CreateProcess.  docs/DESIGN.md §16.
 * ====================================================================== */
#define SHMAP_PROC_MAGIC 0x434f5250u /* "PROC" */
#define SHMAP_PROC_VERSION 1u
#define SHMAP_PROC_MEMFD "shmap-proc"
#define SHMAP_PROC_TABLE_OFF 65536u /* the published handle table (struct shmap_xfer[]) */
#define SHMAP_PS_SHMAP 0x1u         /* a shmap image runs: `ended` is in its robust list */
#define SHMAP_EXIT_SET (1ull << 32) /* in `exit`: the low half is the exit code */

/* Identical for 32- and 64-bit processes (static_asserts in process.c).
 * `ended` has room for its robust list entry like a mutex owner word. */
struct shmap_procst {
    uint32_t magic;               /*   0 SHMAP_PROC_MAGIC */
    uint32_t version;             /*   4 */
    uint32_t pid;                 /*   8 */
    _Atomic uint32_t flags;       /*  12 SHMAP_PS_* */
    uint64_t start;               /*  16 start time, clock ticks after boot (/proc/PID/stat) */
    _Atomic uint64_t exit;        /*  24 0, or SHMAP_EXIT_SET | code (first writer wins) */
    _Atomic uint32_t remote_next; /*  32 next remote index (handles put by others) */
    _Atomic uint32_t inbox_gen;   /*  36 bumped after every put or close by another process */
    uint32_t uid;                 /*  40 */
    uint32_t pad0;                /*  44 */
    _Atomic uint64_t job_ino;     /*  48 the inode of its job's file (0: none), set once */
    uint64_t pad3;                /*  56 */
    _Atomic uint32_t ended;       /*  64 main thread id | WAITERS | OWNER_DIED (kernel, at death) */
    _Atomic uint32_t conn_gen;    /*  68 bumped by a putter that opened a new connection */
    uint32_t pad1[3];             /*  72 */
    uint32_t ended_link32;        /*  84 robust list entry, ILP32 */
    uint32_t ended_link64[4];     /*  88 robust list entry, LP64 */
    uint8_t pad2[4096 - 104];     /* 104 */
};

/* A process record (type SHMAP_TYPE_PROCESS). */
struct shmap_process {
    struct shmap_obj obj;    /* obj.fd: its state memfd, or -1 (not a shmap process) */
    struct shmap_procst *st; /* page 0 of obj.fd, or NULL */
    int pidfd;               /* -1 if the kernel has none (or the process is gone) */
    uint32_t pid;
    uint64_t start;
    bool self, child;          /* child: ours to reap (waitid) */
    struct shmap_reclock lock; /* conn, reaped, status */
    int conn;                  /* connection to its inbox, -1 */
    uint32_t conn_gen;         /* the fork generation that made conn */
    bool reaped;               /* child: its status is in `status` */
    int status;                /* child: waitid result (si_code << 8 | si_status) */
    _Atomic uint32_t gate;     /* CREATE_SUSPENDED: suspend count */
    int gate_fd;               /* CREATE_SUSPENDED: write end of the child's gate, -1 */
};

/* The published form of a handle (in the owner's state memfd, at
 * SHMAP_PROC_TABLE_OFF + index * 64), and the message that carries one to
 * another process or a child.  Fixed width, 64 bytes. */
struct shmap_xfer {
    _Atomic uint32_t gen; /*  0 published: close generation << 1 | 1 while live */
    uint32_t value;       /*  4 handle value */
    uint16_t type;        /*  8 shmap_type_t */
    uint16_t hflags;      /* 10 SHMAP_HANDLE_* */
    uint32_t access;      /* 12 */
    int32_t fd;           /* 16 object descriptor (publisher's, or the child's number) */
    int32_t data_fd;      /* 20 file-backed sections: the file; else -1 */
    uint16_t scope;       /* 24 named objects: scope + 1; 0 unnamed */
    uint16_t op;          /* 26 messages: SHMAP_XOP_* */
    uint32_t uid;         /* 28 named objects: the scope's uid; processes: the pid */
    uint64_t dev, ino;    /* 32 identity of the object file, if known (informational) */
    uint64_t pos;         /* 48 files: position; processes: the start time */
    uint32_t src_pid;     /* 56 messages: sender */
    uint32_t pad;         /* 60 */
};
#define SHMAP_INHERIT_MAGIC 0x54484e49u /* "INHT": the blob a child finds in SHMAP_INHERIT */
/* The head of that blob: then count struct shmap_xfer. */
struct shmap_blob_head {
    uint32_t magic, version, count;
    int32_t state_fd;  /* the child's state memfd */
    int32_t listen_fd; /* the child's inbox socket */
    uint32_t pad;
};
#define SHMAP_XOP_PUT 1u
#define SHMAP_XOP_CLOSE 2u
#define SHMAP_XOP_JOIN 3u           /* fd: the job file, data_fd: our read end of its kill pipe */
#define SHMAP_REMOTE_BASE 0x400000u /* handle indices >= this are given out by other processes */

/* process.c: our own state (NULL if it could not be made). */
extern SHMAP_HIDDEN struct shmap_procst *shmap__self_st;
extern SHMAP_HIDDEN int shmap__self_memfd;
extern SHMAP_HIDDEN int shmap__inbox_fd; /* our inbox (listening), or -1 */
extern SHMAP_HIDDEN uint32_t shmap__inbox_seen;
SHMAP_HIDDEN struct shmap_process *shmap__process_of(struct shmap_obj *o);
/* The record of this process (one reference). */
SHMAP_HIDDEN struct shmap_process *shmap__process_self(void);
/* A record for process (pid, start) whose state memfd is fd (taken over;
 * -1: not a shmap process), ended or not.  One handle count and reference. */
SHMAP_HIDDEN int shmap__process_adopt(int fd, uint32_t pid, uint64_t start, struct shmap_obj **out);
/* A record for pid (OpenProcess): its state found among its descriptors. */
SHMAP_HIDDEN int shmap__process_record(uint32_t pid, struct shmap_process **out);
/* A record for the child pid we have just started (not reaped: its pid is
 * its own), whose state memfd state_fd is mapped at st (both taken over). */
SHMAP_HIDDEN int shmap__process_child(uint32_t pid, int state_fd, struct shmap_procst *st,
                                      struct shmap_process **out);
/* Has the process ended (exited and its handles closed)?  For waits. */
SHMAP_HIDDEN bool shmap__process_ended(struct shmap_process *p);
/* End process p as TerminateProcess does: with set_code its exit code is
 * code; SIGKILL through its pidfd (else kill); ourselves: _exit.  -errno. */
SHMAP_HIDDEN int shmap__process_kill(struct shmap_process *p, bool set_code, uint32_t code);
/* End this process with exit code code (recorded for others), no atexit. */
SHMAP_HIDDEN _Noreturn void shmap__exit_with(uint32_t code);
/* The word a wait sleeps on and its value (0: none, poll instead). */
SHMAP_HIDDEN _Atomic uint32_t *shmap__process_word(struct shmap_process *p, uint32_t *val);
/* Its pidfd (poll it: readable once ended), or -1. */
SHMAP_HIDDEN int shmap__process_pidfd(struct shmap_process *p);
/* Exit code, or SHMAP_STILL_ACTIVE (0, or -errno if the kernel could not
 * tell); resume a suspended child (previous count). */
SHMAP_HIDDEN int shmap__process_code(struct shmap_process *p, uint32_t *code);
SHMAP_HIDDEN uint32_t shmap__process_resume(struct shmap_process *p);
/* A thread object for the main thread of p (one handle count). */
SHMAP_HIDDEN int shmap__thread_of_process(struct shmap_process *p, struct shmap_obj **out);
/* The calling thread's object (made at first need for threads CreateThread
 * did not start), with one reference. */
SHMAP_HIDDEN int shmap__thread_self(struct shmap_obj **out);
/* In a fork child: the thread is not the parent's any more. */
SHMAP_HIDDEN void shmap__thread_forked(void);
/* Start time of pid (clock ticks after boot); 0 if unknown, errno ENOENT or
 * ESRCH if it does not exist, else what failed. */
SHMAP_HIDDEN uint64_t shmap__proc_start(uint32_t pid);
/* The inbox socket of the process whose state memfd is state_fd (listening). */
SHMAP_HIDDEN int shmap__inbox_listen(int state_fd);
SHMAP_HIDDEN void shmap__inbox_name(uint64_t dev, uint64_t ino, char *buf, size_t n);
/* A fresh state memfd (for a child about to be spawned); its page 0 in *st. */
SHMAP_HIDDEN int shmap__procst_new(struct shmap_procst **st);
/* Look up h as a process with right; SHMAP_CURRENT_PROCESS is ours. */
SHMAP_HIDDEN int shmap__process_get(shmap_handle_t h, uint32_t right, struct shmap_process **p);

/* xfer.c */
/* A new descriptor of o's object file of our own (a new open file
 * description, locked shared if named), and of its data file; fills x. */
SHMAP_HIDDEN int shmap__xfer_export(struct shmap_obj *o, uint32_t access, uint32_t hflags,
                                    struct shmap_xfer *x, int *fd, int *data_fd);
/* A record for what x describes, from fd/data_fd (taken over): one handle
 * count and one reference. */
SHMAP_HIDDEN int shmap__xfer_adopt(const struct shmap_xfer *x, int fd, int data_fd,
                                   struct shmap_obj **out);
/* Publish / withdraw the handle at index idx (handle.c, under its lock). */
SHMAP_HIDDEN void shmap__xfer_publish(uint32_t idx, uint32_t gen, struct shmap_obj *o,
                                      uint32_t access, uint32_t hflags);
SHMAP_HIDDEN void shmap__xfer_unpublish(uint32_t idx, uint32_t gen);
/* An inherited handle not taken in yet (type SHMAP_TYPE_PENDING): the
 * child's table holds the parent's description until the handle is first
 * used (handle.c resolves it then), so inheriting many handles and using a
 * few costs only the few. */
#define SHMAP_TYPE_PENDING ((shmap_type_t)0x7f)
/* The record a pending handle stands for (made at the first call; owned by
 * the pending record), or an error. */
SHMAP_HIDDEN int shmap__pending_resolve(struct shmap_obj *o, struct shmap_obj **real);
/* Take what other processes put into our table (called when inbox_gen moved). */
SHMAP_HIDDEN void shmap__xfer_drain(void);
/* In a fork child: forget the parent's inbox connections. */
SHMAP_HIDDEN void shmap__xfer_fork_child(void);
static inline void shmap__xfer_poll(void)
{
    if (NEVER(shmap__self_st != NULL &&
              atomic_load_explicit(&shmap__self_st->inbox_gen, memory_order_relaxed) !=
                  shmap__inbox_seen))
        shmap__xfer_drain();
}
/* Put o into process p at a new value (DuplicateHandle into another process). */
SHMAP_HIDDEN int shmap__xfer_put(struct shmap_process *p, struct shmap_obj *o, uint32_t access,
                                 uint32_t hflags, shmap_handle_t *out);
/* Get the object of handle h of process p (out of another process): a
 * record with one handle count; its access and flags there. */
SHMAP_HIDDEN int shmap__xfer_get(struct shmap_process *p, shmap_handle_t h, struct shmap_obj **o,
                                 uint32_t *access, uint32_t *hflags);
/* Close handle h of process p (DUPLICATE_CLOSE_SOURCE out of another process). */
SHMAP_HIDDEN int shmap__xfer_close(struct shmap_process *p, shmap_handle_t h);
/* The inheritable handles of this process, as a memfd for a child: returns
 * the memfd; *fds (malloc'd, *nfds) the descriptors the child must get. */
SHMAP_HIDDEN int shmap__xfer_inherit_pack(int state_fd, int listen_fd, int **fds, size_t *nfds);
/* In a new process: install what the parent packed (SHMAP_INHERIT). */
SHMAP_HIDDEN void shmap__xfer_inherit_unpack(int blob_fd);
/* An inherited handle not taken in yet that names an object is taken in,
 * so that its last close (or exit) runs the release protocol. */
SHMAP_HIDDEN void shmap__pending_settle(struct shmap_obj *o);
/* At exit: shmap__pending_settle for every such handle of the table. */
SHMAP_HIDDEN void shmap__handle_settle_pending(void);

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

/* Adopting object files (mapping.c, named.c, file.c). */
SHMAP_HIDDEN int shmap__section_adopt(struct shmap_ns_file *f, const struct shmap_name *n,
                                      int data_fd, struct shmap_obj **out);
SHMAP_HIDDEN int shmap__named_adopt(struct shmap_ns_file *f, const struct shmap_name *n,
                                    shmap_type_t type, int aux_fd, struct shmap_obj **out);
SHMAP_HIDDEN int shmap__file_adopt(int fd, uint64_t pos, struct shmap_obj **out);
SHMAP_HIDDEN uint64_t shmap__file_pos(struct shmap_obj *o);
/* name.c: the parsed form of an object name read back from its file. */
SHMAP_HIDDEN int shmap__name_make(enum shmap_scope scope, uint32_t uid, const char *base,
                                  size_t len, struct shmap_name *out);

/* ======================================================================
 * lifecycle.c owns start-up, fork and exit and calls these steps, in the
 * order it writes down; no other file registers with the C library.
 * ====================================================================== */
SHMAP_HIDDEN void shmap__process_start(void);
SHMAP_HIDDEN void shmap__process_fork_child(void);
SHMAP_HIDDEN void shmap__process_at_exit(int status);
SHMAP_HIDDEN void shmap__object_fork_child(void);
SHMAP_HIDDEN void shmap__object_at_exit(void);
SHMAP_HIDDEN void shmap__job_fork_child(void);
/* The global locks, taken across fork (each belongs to the file named). */
extern SHMAP_HIDDEN pthread_mutex_t shmap__std_lock;       /* file.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__inbox_lock;     /* xfer.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__resolve_lock;   /* xfer.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__job_self_lock;  /* job.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__proc_self_lock; /* process.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__table_lock;     /* handle.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__reg_lock;       /* view.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__cache_lock;     /* object.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__pcache_lock;    /* named.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__ns_lock;        /* namespace.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__pool_lock;      /* object.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__renew_lock;     /* forklock.c */

/* ---- for the fuzz targets (fuzz/targets.h): pure validators ------------- */
/* job.c: is a job file of st_size bytes whose first page (header and
 * state, SHMAP_NAME_OFF bytes at least) is page one a member may map? */
SHMAP_HIDDEN bool shmap__job_file_ok(const void *page, uint64_t st_size);

#endif
