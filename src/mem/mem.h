/*
 * mem.h - the memory layer (src/mem): sections, views and private memory,
 * files.  Uses src/obj and below; view.h has the view registry.
 */
#ifndef SHMAP_MEM_H
#define SHMAP_MEM_H

#include "obj/obj.h"

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
    bool data_file;           /* named pagefile section: data at 0 of its data file */
    int data_fd;              /* where views map from: obj.fd, the user's file or the data file */
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

/* ======================================================================
 * share.c - share modes, as OFD locks on reserved bytes of the file.
 * ====================================================================== */
/* The reserved bytes [SHMAP_SHARE_BASE, +16) lie just below mapping.c's
 * marker (2^61); byte-range locks (LockFile) stay below them. */
#define SHMAP_SHARE_BASE (((off_t)1 << 61) - 16)
/* Check a new description fd's access (FILE_* rights, generic mapped) and
 * share against every other description of the file, and record them:
 * 0 or SHMAP_ESHARING (or -errno). */
SHMAP_HIDDEN int shmap__share_open(int fd, uint32_t access, uint32_t share);
/* The gate, held around a check and what it guards (DeleteFile): 0 held,
 * 1 not held (no flock here, or a foreign holder for a second). */
SHMAP_HIDDEN int shmap__share_gate(int fd);
SHMAP_HIDDEN void shmap__share_ungate(int fd);
/* With the gate: does a description deny delete?  0 or SHMAP_ESHARING. */
SHMAP_HIDDEN int shmap__share_check_delete(int fd);
/* A section of the file is made on its own description fd. */
SHMAP_HIDDEN void shmap__share_mark_section(int fd, uint32_t protect);

/* ======================================================================
 * rangelock.c - byte-range locks of a file object; every call with the
 * record's lock held.
 * ====================================================================== */
struct shmap_rangelock;
struct shmap_rangelocks {
    struct shmap_rangelock *v; /* the object's locks, unmerged */
    size_t n, cap;
    int fd;         /* holds the OFD locks: the object's, or a read-write reopen; -1 none yet */
    bool downgrade; /* exclusive locks are read locks for the kernel (no write reopen) */
};
SHMAP_HIDDEN void shmap__rangelock_init(struct shmap_rangelocks *l);
SHMAP_HIDDEN void shmap__rangelock_fini(struct shmap_rangelocks *l, int objfd);
/* Lock [off, off+len): 0, SHMAP_ELOCKED, -EINVAL (past 2^64), -ENOMEM. */
SHMAP_HIDDEN int shmap__rangelock_add(struct shmap_rangelocks *l, int objfd, uint64_t off,
                                      uint64_t len, bool excl, bool wait);
/* Unlock exactly [off, off+len): 0 or SHMAP_ENOTLOCKED. */
SHMAP_HIDDEN int shmap__rangelock_remove(struct shmap_rangelocks *l, uint64_t off, uint64_t len);
/* May the object read or write [off, off+len)?  0 or SHMAP_ELOCKED. */
SHMAP_HIDDEN int shmap__rangelock_io(const struct shmap_rangelocks *l, int objfd, uint64_t off,
                                     uint64_t len, bool write);

/* View protection (PAGE_*) implied by a MapViewOfFile access request. */
SHMAP_HIDDEN uint32_t shmap__view_protect_of(uint32_t access);
/* PAGE_* -> PROT_* */
SHMAP_HIDDEN int shmap__prot_of(uint32_t page_protect);
/* PAGE_* of a /proc/PID/maps permission field ("rwxp"). */
SHMAP_HIDDEN uint32_t shmap__protect_of_perms(const char *perms);

/* The tables of sections (mapping.c) and files (file.c). */
extern SHMAP_HIDDEN const struct shmap_obj_ops shmap__section_ops, shmap__file_ops;
SHMAP_HIDDEN int shmap__file_adopt(int fd, uint64_t pos, struct shmap_obj **out);
SHMAP_HIDDEN uint64_t shmap__file_pos(struct shmap_obj *o);
/* Associate the file object o with the completion port `port` under key:
 * true the first time (o then holds a reference to port until it is
 * destroyed), false if it already was (a file object joins one port for
 * its life, as on Windows). */
SHMAP_HIDDEN bool shmap__file_associate(struct shmap_obj *o, struct shmap_obj *port, uint64_t key);
/* The port o is associated with, with a reference taken, and *key; NULL if
 * none. */
SHMAP_HIDDEN struct shmap_obj *shmap__file_port(struct shmap_obj *o, uint64_t *key);

/* Global locks of this layer, taken across fork by lifecycle.c. */
extern SHMAP_HIDDEN pthread_mutex_t shmap__std_lock; /* file.c: standard handles */
extern SHMAP_HIDDEN pthread_mutex_t shmap__reg_lock; /* view.c: views, private memory */

#endif
