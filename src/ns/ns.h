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
    /* named objects only: a data file of data_size bytes (datafile.c),
     * fallocated whole if data_alloc; 0: none */
    uint64_t data_size;
    bool data_alloc;
};

/* An opened or created object file, holding the shared lock (if named). */
struct shmap_ns_file {
    int fd;
    struct stat st;
    struct shmap_objhdr hdr; /* validated copy */
    const void *state;       /* a copy of the state area read with hdr, or NULL */
    int data_fd;             /* shmap__ns_create made a data file: it, LOCK_SH held; else -1 */
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

/* namespace.c: give an O_TMPFILE its name in dirfd (0 or -errno). */
SHMAP_HIDDEN int shmap__ns_link_tmpfile(int fd, int dirfd, const char *fname);

/* ======================================================================
 * datafile.c - the data file of a named pagefile section: its data at
 * offset 0 of a file of its own, ".d" + 32 hex digits in the object's
 * directory (docs/DESIGN.md §4, §6).  Driven by the generic header's
 * SHMAP_HF_DATA_FILE, data_name and file_dev/file_ino.
 * ====================================================================== */
/* Is fname a data file's name (".d" + 32 lowercase hex)? */
SHMAP_HIDDEN bool shmap__ns_is_data_name(const char *fname);
/* namespace.c: open a file we made in dirfd, by name (no link followed): read-write if
 * the kernel lets us, else read-only (its DACL may grant only reading).
 * Something that is not a regular file we made: SHMAP_EBADOBJ; a name that
 * is not there: SHMAP_EBADOBJ with missing_is_bad (a data file that its
 * header names), else -ENOENT. */
SHMAP_HIDDEN int shmap__ns_open_file(int dirfd, const char *name, bool missing_is_bad);
/* Open the data file a validated header names, in the directory of
 * (scope, uid), check it (regular, the recorded identity, the object's
 * owner, large enough) and hold it (LOCK_SH).  SHMAP_EBADOBJ for anything
 * that is not the header's data file. */
SHMAP_HIDDEN int shmap__ns_data_open(enum shmap_scope scope, uint32_t uid,
                                     const struct shmap_objhdr *h, int *out);
/* Is fd the data file h names (regular, identity, owner, size)? */
SHMAP_HIDDEN int shmap__ns_data_check(int fd, const struct shmap_objhdr *h);
/* Give the data file of the object file objfd (if it has one) the mode
 * and ACL of the descriptor sd (objsec.c). */
SHMAP_HIDDEN int shmap__ns_data_apply(int objfd, enum shmap_scope scope, uint32_t uid,
                                      shmap_type_t type, const void *sd, size_t len);
/* The absolute path of the data file data_fd that h names (malloc'd into
 * *out): found in the root's directories by its identity.  -ENOENT: its
 * name is gone. */
SHMAP_HIDDEN int shmap__ns_data_path(int data_fd, const struct shmap_objhdr *h, char **out);
/* The absolute path of a scope's directory dirfd (malloc'd into *out). */
SHMAP_HIDDEN int shmap__ns_dir_path(int dirfd, char **out);
/* Remove the data files of dirfd that nobody holds and no object names;
 * returns how many, or -errno. */
SHMAP_HIDDEN int shmap__ns_data_sweep(int dirfd);

/* ======================================================================
 * access.c - generic rights and access masks per type.
 * ====================================================================== */
/* Map GENERIC_* bits to the type's specific rights (MAXIMUM_ALLOWED is kept). */
SHMAP_HIDDEN uint32_t shmap__access_map_generic(shmap_type_t type, uint32_t access);
/* The type's valid access mask (all rights it knows). */
SHMAP_HIDDEN uint32_t shmap__access_valid_mask(shmap_type_t type);
/* The shape of a DuplicateHandle request without DUPLICATE_SAME_ACCESS
 * (0 allowed): the granted mask in *granted, or -EACCES (invalid bits) /
 * SHMAP_EPRIV (ACCESS_SYSTEM_SECURITY).  The DACL: objsec.c. */
SHMAP_HIDDEN int shmap__access_check_dup(shmap_type_t type, uint32_t requested, uint32_t *granted);

/* name.c: the parsed form of an object name read back from its file. */
SHMAP_HIDDEN int shmap__name_make(enum shmap_scope scope, uint32_t uid, const char *base,
                                  size_t len, struct shmap_name *out);

/* namespace.c: take the protocol's shared hold on an object file
 * descriptor (retried on EINTR); 0 or -errno. */
SHMAP_HIDDEN int shmap__lock_shared(int fd);

/* namespace.c: the directories (a global lock, taken across fork). */
extern SHMAP_HIDDEN pthread_mutex_t shmap__ns_lock;

/* ======================================================================
 * sid.c, sd.c, sddl.c - security descriptors in Windows' own binary
 * formats (MS-DTYP): SIDs, ACLs, self-relative descriptors, their SDDL
 * strings, and the access check.  Every read of a descriptor is bounded
 * by the length given: a stored descriptor is hostile input.  The public
 * face is include/shmap/security.h; what follows is for the layers above.
 * ====================================================================== */
#include "shmap/security.h"

#define SHMAP_SID_MAX_SUB 15u                       /* SID_MAX_SUB_AUTHORITIES */
#define SHMAP_SID_MAX (8u + 4u * SHMAP_SID_MAX_SUB) /* bytes */
#define SHMAP_SID_STRMAX 200u                       /* "S-1-0x...-4294967295-..." + NUL */
#define SHMAP_SD_HDR 20u                            /* SECURITY_DESCRIPTOR_RELATIVE */
#define SHMAP_ACL_HDR 8u

/* The length of the SID at p if it is valid within avail bytes, else 0. */
SHMAP_HIDDEN size_t shmap__sid_len(const void *p, size_t avail);
/* Build a SID (n subauthorities, n <= 15) into out; returns its length. */
SHMAP_HIDDEN size_t shmap__sid_make(uint64_t auth, unsigned n, const uint32_t *sub, uint8_t *out);
/* Two valid SIDs are equal. */
SHMAP_HIDDEN bool shmap__sid_equal(const void *a, const void *b);
/* Parse a SID string at s: "S-1-<auth>-<sub>..." or, if aliases, a
 * two-letter SDDL alias.  *used: characters consumed.  Returns the SID's
 * length (in out[SHMAP_SID_MAX]) or SHMAP_EBADSID. */
SHMAP_HIDDEN int shmap__sid_parse(const char *s, bool aliases, size_t *used, uint8_t *out);
/* Format a valid SID into out[SHMAP_SID_STRMAX]; alias: use the SDDL
 * alias where Windows does.  Returns the string's length. */
SHMAP_HIDDEN size_t shmap__sid_format(const void *sid, bool alias, char *out);
/* The SID of a Linux user (S-1-22-1-uid) or group (S-1-22-2-gid). */
SHMAP_HIDDEN size_t shmap__sid_unix(bool group, uint32_t id, uint8_t *out);

/* What a SID stands for, for callers that turn a DACL into file modes. */
enum shmap_sid_class {
    SHMAP_SIDC_OTHER = 0,     /* anything below does not describe */
    SHMAP_SIDC_USER,          /* S-1-22-1-<uid>; id = uid */
    SHMAP_SIDC_GROUP,         /* S-1-22-2-<gid>; id = gid */
    SHMAP_SIDC_EVERYONE,      /* WD, S-1-1-0 */
    SHMAP_SIDC_AUTHENTICATED, /* AU, S-1-5-11: every token holds it too */
    SHMAP_SIDC_ROOT,          /* SY (S-1-5-18) or BA (S-1-5-32-544): uid 0 */
    SHMAP_SIDC_OWNER_RIGHTS,  /* OW, S-1-3-4 */
    SHMAP_SIDC_CREATOR,       /* CO, CG: S-1-3-0, S-1-3-1 (templates) */
};
SHMAP_HIDDEN enum shmap_sid_class shmap__sid_classify(const void *sid, uint32_t *id);

/* A validated self-relative descriptor, its parts pointing into it (NULL:
 * absent; dacl NULL with SE_DACL_PRESENT in control: a NULL DACL). */
struct shmap_sd_view {
    uint16_t control;
    const uint8_t *owner, *group, *sacl, *dacl;
};
/* Validate sd (len bytes) fully: header, offsets, SIDs, ACLs, ACEs.
 * Returns 0 or SHMAP_EBADSD / SHMAP_EBADSID / SHMAP_EBADACL /
 * SHMAP_EREVISION. */
SHMAP_HIDDEN int shmap__sd_parse(const void *sd, size_t len, struct shmap_sd_view *v);
/* Validate the ACL at p within avail bytes: 0 or SHMAP_EBADACL. */
SHMAP_HIDDEN int shmap__acl_check(const void *p, size_t avail);
/* A fresh self-relative descriptor (malloc'd) of the parts in v (each
 * valid), in Windows' layout: header, SACL, DACL, owner, group.  Control
 * keeps v->control's bits but SE_*_PRESENT follow the parts given, and
 * SE_SELF_RELATIVE is set.  0 or -ENOMEM. */
SHMAP_HIDDEN int shmap__sd_build(const struct shmap_sd_view *v, void **out, size_t *len);

/* One ACE of a DACL, as shmap__sd_walk_dacl reports it. */
struct shmap_ace_info {
    uint8_t type;  /* SHMAP_ACE_ALLOWED, SHMAP_ACE_DENIED, ... */
    uint8_t flags; /* SHMAP_ACE_* inheritance flags */
    uint32_t mask; /* as stored (normalized descriptors hold no GENERIC_* bits) */
    enum shmap_sid_class cls;
    uint32_t id;     /* uid or gid for SHMAP_SIDC_USER / _GROUP */
    const void *sid; /* inside the descriptor */
};
/* Call fn for each ACE of sd's DACL in order (inherit-only ones too: check
 * flags); fn returns nonzero to stop (that value is returned).  Returns 0,
 * 1 if there is no DACL or a NULL DACL (everyone may do everything; fn is
 * not called), or a validation error. */
SHMAP_HIDDEN int shmap__sd_walk_dacl(const void *sd, size_t len,
                                     int (*fn)(const struct shmap_ace_info *ace, void *arg),
                                     void *arg);

/* The access check (Windows' order; docs/security.md).  desired: generic
 * rights already mapped (any left are mapped with generic_map), may hold
 * MAXIMUM_ALLOWED.  generic_map: read, write, execute, all.  Returns 0 with
 * *granted, -EACCES, SHMAP_EPRIV (ACCESS_SYSTEM_SECURITY) or a validation
 * error of sd. */
SHMAP_HIDDEN int shmap__sd_access_check(const void *sd, size_t len, const struct shmap_token *tok,
                                        uint32_t desired, const uint32_t generic_map[4],
                                        uint32_t *granted);

/* The descriptor Windows gives a new object created without one: owner
 * S-1-22-1-uid, group S-1-22-2-gid, DACL (A;;GA;;;<user>)(A;;GA;;;SY)
 * (A;;GA;;;BA) with GA mapped by generic_map.  malloc'd; 0 or -ENOMEM. */
SHMAP_HIDDEN int shmap__sd_default(uint32_t uid, uint32_t gid, const uint32_t generic_map[4],
                                   void **sd, size_t *len);

/* What an object's creation does with the descriptor its creator gave (self-
 * relative, validated here first): a missing owner or group becomes the
 * creator's (S-1-22-1-uid, S-1-22-2-gid); no DACL at all (SE_DACL_PRESENT
 * clear) gets shmap__sd_default's DACL; a NULL DACL stays NULL; in every
 * ACE that applies to the object (not inherit-only) GENERIC_* bits are
 * mapped with generic_map and CREATOR OWNER / CREATOR GROUP become the
 * owner / group (an inheritable one is split, as Windows' inheritance does:
 * the effective ACE, then the template kept inherit-only).  The SACL is
 * kept as given.  A fresh descriptor (malloc'd) in *out. */
SHMAP_HIDDEN int shmap__sd_normalize(const void *in, size_t len, uint32_t uid, uint32_t gid,
                                     const uint32_t generic_map[4], void **out, size_t *outlen);

/* The calling process's token (shmap__uid, shmap__gid, getgroups); t->groups is
 * malloc'd: free((void *)t->groups).  0, -ENOMEM or -errno. */
SHMAP_HIDDEN int shmap__token_current(struct shmap_token *t);

/* The SIDs of a token, concatenated into out (room for cap bytes), in this
 * order: user, primary group, supplementary groups, Everyone, Authenticated
 * Users, and for uid 0 SY and BA.  Returns the bytes needed (written if
 * <= cap); *count their number. */
SHMAP_HIDDEN size_t shmap__token_sids(const struct shmap_token *tok, uint8_t *out, size_t cap,
                                      size_t *count);

/* sddl.c: SDDL both ways.  Parse: 0 (malloc'd self-relative descriptor) or
 * -EINVAL (syntax outside ACLs), SHMAP_EBADACL (inside an ACL, including
 * an unknown SID there), SHMAP_EBADSID (owner or group), -ENOMEM.  Format:
 * the parts of info (SHMAP_*_SECURITY_INFORMATION) of a valid descriptor,
 * malloc'd. */
SHMAP_HIDDEN int shmap__sddl_parse(const char *s, void **sd, size_t *len);
SHMAP_HIDDEN int shmap__sddl_format(const void *sd, size_t len, uint32_t info, char **out);

/* access.c: the type's generic mapping (read, write, execute, all); -EINVAL
 * for a type without one. */
SHMAP_HIDDEN int shmap__access_generic_map(shmap_type_t type, uint32_t map[4]);

/* sd.c: an ACL under construction (malloc'd, grows); errors are kept in
 * err and reported by shmap__aclbuf_end, so that builders need not check
 * every append. */
struct shmap_aclbuf {
    uint8_t *p;
    size_t len, cap;
    unsigned count;
    int err;
};
SHMAP_HIDDEN void shmap__aclbuf_init(struct shmap_aclbuf *b);
SHMAP_HIDDEN void shmap__aclbuf_add(struct shmap_aclbuf *b, uint8_t type, uint8_t flags,
                                    uint32_t mask, const void *sid);
/* Write the header (revision 2); 0, -ENOMEM or SHMAP_EBADACL (over 64 KiB).
 * b->p stays the caller's to free. */
SHMAP_HIDDEN int shmap__aclbuf_end(struct shmap_aclbuf *b);

/* objsec.c: an object's security (docs/security.md).
 * create: the descriptor a new object of type gets (the one the thread
 * gave with shmap_security_next, normalized, or the default), malloc'd,
 * at most SHMAP_SD_SLOT bytes.
 * check: may the caller have requested (generic rights allowed,
 * MAXIMUM_ALLOWED too) of the object whose file is fd?  0 with *granted,
 * -EACCES, SHMAP_EPRIV; zero_ok: 0 asked gives a handle with no rights.
 * apply_file: give the file the mode and POSIX ACL that let the kernel
 * enforce the DACL for everyone but the owner (conservatively); fresh: a
 * file just made 0600 (nothing to do for a DACL that names nobody else). */
SHMAP_HIDDEN int shmap__objsec_create(shmap_type_t type, void **sd, size_t *len);
SHMAP_HIDDEN int shmap__objsec_check(shmap_type_t type, int fd, uint32_t requested, bool zero_ok,
                                     uint32_t *granted);
/* A file CreateFile opened (created: made by this call): a descriptor the
 * thread gave is consumed, and carried to the file's mode and ACL if the
 * file is new. */
SHMAP_HIDDEN int shmap__objsec_file(int fd, bool created);
SHMAP_HIDDEN int shmap__objsec_apply_file(int fd, shmap_type_t type, const void *sd, size_t len,
                                          bool fresh);

#endif
