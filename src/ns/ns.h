/*
 * ns.h - the namespace layer (src/ns): object names, the directories and
 * the lock protocol that gives a name its lifetime, listing, and access
 * masks.  Uses src/base only.
 */
#ifndef SHMAP_NS_H
#define SHMAP_NS_H

#include "base/base.h"

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
    const void *sd;        /* the security descriptor (self-relative, validated), or NULL */
    size_t sd_len;         /* <= SHMAP_SD_SLOT */
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

/* For listing: open fname in dirfd without holding it.  Reclaims it if it
 * is an orphan (returns 1), else fills out (header validated, fd open) and
 * returns 0.  Errors: SHMAP_EBADOBJ (foreign file), -EACCES, ... */
SHMAP_HIDDEN int shmap__ns_probe(int dirfd, const char *fname, struct shmap_ns_file *out);

/* The object's security descriptor (up to SHMAP_SD_SLOT bytes into buf;
 * *len 0: none stored) and owner, read consistently with a writer. */
SHMAP_HIDDEN int shmap__ns_sd_read(int fd, void *buf, uint32_t *len, uint32_t *owner_uid);
/* Replace it (len <= SHMAP_SD_SLOT; the caller validated it). */
SHMAP_HIDDEN int shmap__ns_sd_write(int fd, const void *sd, size_t len);

/* May the caller create sections in Global\ ? (root, or group
 * $SHMAP_GLOBAL_GROUP, default "shmap-global"). */
SHMAP_HIDDEN int shmap__global_privileged(void);

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

/* name.c: the parsed form of an object name read back from its file. */
SHMAP_HIDDEN int shmap__name_make(enum shmap_scope scope, uint32_t uid, const char *base,
                                  size_t len, struct shmap_name *out);

/* namespace.c: take the protocol's shared hold on an object file
 * descriptor (retried on EINTR); 0 or -errno. */
SHMAP_HIDDEN int shmap__lock_shared(int fd);

/* namespace.c: the directories (a global lock, taken across fork). */
extern SHMAP_HIDDEN pthread_mutex_t shmap__ns_lock;

#endif
