/*
 * mapping.c - file-mapping objects (sections): create, open, query, the
 * SEC_RESERVE commit bitmap, and the "is this file mapped" marker.
 *
 * A named pagefile section is an object file (header page(s): state,
 * name, bitmap, security descriptor) and a data file in the same
 * directory (ns/datafile.c) whose offset 0 is the section's byte 0, so
 * that Wine, or any program, can map the data by path (DESIGN.md §6).  An
 * unnamed one keeps its data in its object file, at data_offset (64 KiB
 * aligned), as no other program can find it.  SEC_COMMIT data is allocated at creation
 * (fallocate), so a full tmpfs fails the call instead of raising SIGBUS on
 * a later touch; SEC_RESERVE data is allocated page by page on commit, and
 * a bitmap in the header says which pages are committed, for every process.
 *
 * A file-backed section keeps the file's path and identity (dev, ino) in
 * its header; each process reopens the file itself.  While a process has a
 * file-backed section it holds an OFD read lock on the byte range
 * [MARK_BASE, MARK_BASE + size) of the file: SetEndOfFile asks the kernel
 * whether any such lock lies beyond the new end (ERROR_USER_MAPPED_FILE).
 */
#include "mem.h"
#include "base/probe.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MARK_BASE ((off_t)1 << 61)
/* The largest size a mark can cover; a larger section marks to the end of
 * all offsets (l_len 0), which covers every size a file can be cut to. */
#define MARK_ROOM (INT64_MAX - MARK_BASE)
#define SEC_KNOWN                                                                                  \
    (SHMAP_SEC_PARTITION_OWNER_HANDLE | SHMAP_SEC_64K_PAGES | SHMAP_SEC_FILE | SHMAP_SEC_IMAGE |   \
     SHMAP_SEC_PROTECTED_IMAGE | SHMAP_SEC_RESERVE | SHMAP_SEC_COMMIT | SHMAP_SEC_NOCACHE |        \
     SHMAP_SEC_WRITECOMBINE | SHMAP_SEC_LARGE_PAGES)
#define SEC_CACHE (SHMAP_SEC_NOCACHE | SHMAP_SEC_WRITECOMBINE)

struct shmap_section *shmap__section_of(struct shmap_obj *o)
{
    return (struct shmap_section *)o;
}

static bool protect_writable(uint32_t p)
{
    return p == SHMAP_PAGE_READWRITE || p == SHMAP_PAGE_EXECUTE_READWRITE;
}

static bool protect_executable(uint32_t p)
{
    return p == SHMAP_PAGE_EXECUTE_READ || p == SHMAP_PAGE_EXECUTE_READWRITE ||
           p == SHMAP_PAGE_EXECUTE_WRITECOPY;
}

/* The access of a handle made by CreateFileMapping (§3.1). */
static uint32_t access_of_protect(uint32_t p)
{
    uint32_t a = SHMAP_STANDARD_RIGHTS_REQUIRED | SHMAP_SECTION_QUERY | SHMAP_SECTION_MAP_READ;
    if (protect_writable(p))
        a |= SHMAP_SECTION_MAP_WRITE;
    if (protect_executable(p))
        a |= SHMAP_SECTION_MAP_EXECUTE;
    return a;
}

static int check_protect(uint32_t page)
{
    switch (page) {
    case SHMAP_PAGE_READONLY:
    case SHMAP_PAGE_READWRITE:
    case SHMAP_PAGE_WRITECOPY:
    case SHMAP_PAGE_EXECUTE_READ:
    case SHMAP_PAGE_EXECUTE_READWRITE:
    case SHMAP_PAGE_EXECUTE_WRITECOPY:
        return 0;
    default:
        return -EINVAL;
    }
}

/* SEC_* rules for pagefile sections (§3.2); *attrs gets what is reported. */
static int check_pagefile_attrs(uint32_t *attrs)
{
    uint32_t a = *attrs;
    if (a & (SHMAP_SEC_FILE | SHMAP_SEC_PARTITION_OWNER_HANDLE | SHMAP_SEC_64K_PAGES |
             SHMAP_SEC_PROTECTED_IMAGE))
        return -EINVAL;
    if (a & SHMAP_SEC_IMAGE)
        return (a & (SHMAP_SEC_RESERVE | SHMAP_SEC_COMMIT)) ? -EINVAL : SHMAP_EBADEXE;
    if ((a & SHMAP_SEC_RESERVE) && (a & SHMAP_SEC_COMMIT))
        return -EINVAL;
    if (!(a & (SHMAP_SEC_RESERVE | SHMAP_SEC_COMMIT))) {
        if (a)
            return -EINVAL; /* NOCACHE, WRITECOMBINE or LARGE_PAGES alone */
        a = SHMAP_SEC_COMMIT;
    }
    if (a & SHMAP_SEC_LARGE_PAGES)
        return (a & SHMAP_SEC_RESERVE) ? -EINVAL : SHMAP_EPRIV;
    *attrs = a;
    return 0;
}

/* SEC_* rules for file-backed sections: RESERVE/COMMIT are ignored, but
 * NOCACHE or WRITECOMBINE needs one of them, as for pagefile sections, and
 * SEC_FILE is what the section reports, never a valid request. */
static int check_file_attrs(uint32_t *attrs)
{
    uint32_t a = *attrs;
    if (a & (SHMAP_SEC_LARGE_PAGES | SHMAP_SEC_PARTITION_OWNER_HANDLE | SHMAP_SEC_64K_PAGES |
             SHMAP_SEC_PROTECTED_IMAGE | SHMAP_SEC_FILE))
        return -EINVAL;
    if (a & SHMAP_SEC_IMAGE) /* shmap does not load PE images */
        return (a & ~(SHMAP_SEC_IMAGE | SHMAP_SEC_NOCACHE)) ? -EINVAL : SHMAP_EBADEXE;
    if ((a & SHMAP_SEC_RESERVE) && (a & SHMAP_SEC_COMMIT))
        return -EINVAL;
    if ((a & SEC_CACHE) && !(a & (SHMAP_SEC_RESERVE | SHMAP_SEC_COMMIT)))
        return -EINVAL; /* NOCACHE or WRITECOMBINE alone */
    *attrs = SHMAP_SEC_FILE | (a & SEC_CACHE);
    return 0;
}

/* ---- the section record ------------------------------------------------ */

static void section_destroy(struct shmap_obj *o)
{
    struct shmap_section *s = shmap__section_of(o);
    if (s->hdr_map) {
        shmap__guard_remove(s->hdr_map, -1);
        SYS(munmap)(s->hdr_map, s->hdr_map_len);
    }
    if (s->data_fd >= 0 && s->data_fd != o->fd)
        shmap__close_fd(s->data_fd);
    shmap__reclock_destroy(&s->commit_lock);
    shmap__obj_fini(o);
    shmap__obj_free(s);
}

/* Mark [0, size) as mapped for SetEndOfFile's check (best effort: a file
 * system without OFD locks only loses ERROR_USER_MAPPED_FILE). */
static void mark_file_mapped(int fd, uint64_t size)
{
    struct flock fl = {.l_type = F_RDLCK,
                       .l_whence = SEEK_SET,
                       .l_start = MARK_BASE,
                       .l_len = size > (uint64_t)MARK_ROOM ? 0 : (off_t)(size ? size : 1)};
    SYS(fcntl_lock)(fd, F_OFD_SETLK, &fl);
}

bool shmap__file_is_mapped(int fd, uint64_t new_size)
{
    if (new_size > (uint64_t)MARK_ROOM) /* beyond: only marks "to the end" */
        new_size = (uint64_t)MARK_ROOM;
    struct flock fl = {.l_type = F_WRLCK,
                       .l_whence = SEEK_SET,
                       .l_start = MARK_BASE + (off_t)new_size,
                       .l_len = 0};
    if (SYS(fcntl_lock)(fd, F_OFD_GETLK, &fl) != 0)
        return false;
    return fl.l_type != F_UNLCK;
}

/* Reopen the backing file of a file-backed section found in the namespace:
 * by its path, checked against the stored identity. */
static int reopen_backing(struct shmap_section *s, const struct shmap_ns_file *f)
{
    const struct shmap_objhdr *h = &f->hdr;
    char *path = malloc((size_t)h->path_len + 1);
    if (!path)
        return -ENOMEM;
    ssize_t r = SYS(pread)(f->fd, path, h->path_len, h->path_off);
    path[r > 0 ? r : 0] = 0;
    int fd = -1, err = SHMAP_EBADOBJ;
    if (r == (ssize_t)h->path_len && !memchr(path, 0, h->path_len)) {
        int flags = (protect_writable(h->protect) ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY;
        fd = SYS(openat)(AT_FDCWD, path, flags, 0);
        struct stat st;
        if (fd < 0)
            err = errno == ENOENT ? SHMAP_EBADOBJ : -errno;
        else if (SYS(fstat)(fd, &st) || (uint64_t)st.st_dev != h->file_dev ||
                 (uint64_t)st.st_ino != h->file_ino) {
            shmap__close_fd(fd); /* the file was renamed or replaced */
            fd = -1;
        }
    }
    free(path);
    if (fd < 0)
        return err;
    s->data_fd = fd;
    return 0;
}

static int map_bitmap(struct shmap_section *s, const struct shmap_objhdr *h)
{
    void *p = SYS(mmap)(NULL, h->data_offset, PROT_READ | PROT_WRITE, MAP_SHARED, s->obj.fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    shmap__guard_add(p, h->data_offset, PROT_READ | PROT_WRITE); /* base/guard.c */
    s->hdr_map = p;
    s->hdr_map_len = h->data_offset;
    s->bitmap = (_Atomic uint32_t *)((char *)p + h->bitmap_off);
    return 0;
}

/* The data file of a named pagefile section: the one given (made by our
 * create, or handed over with the handle: checked), else ours, opened by
 * name in the object's directory and held (ns/datafile.c). */
static int take_data_file(struct shmap_section *s, const struct shmap_ns_file *f,
                          const struct shmap_name *n, int data_fd)
{
    int r = 0;
    if (data_fd >= 0 && (r = shmap__ns_data_check(data_fd, &f->hdr)) != 0)
        shmap__close_fd(data_fd);
    else if (data_fd < 0)
        r = n ? shmap__ns_data_open(n->scope, n->uid, &f->hdr, &data_fd) : SHMAP_EBADOBJ;
    if (r == 0)
        s->data_fd = data_fd;
    return r;
}

/* Build the record of a section from its object file.  Takes over f->fd
 * and data_fd; on failure, a named one's hold is given back first. */
static int section_new(struct shmap_ns_file *f, const struct shmap_name *n, int data_fd,
                       struct shmap_section **out)
{
    struct shmap_section *s = shmap__obj_alloc(sizeof *s);
    if (!s) {
        if (n) /* before the descriptor goes, or the name would be left behind */
            shmap__ns_release(f->fd, n);
        shmap__close_fd(f->fd);
        shmap__close_fd(data_fd);
        return -ENOMEM;
    }
    const struct shmap_objhdr *h = &f->hdr;
    shmap__obj_init(&s->obj, &shmap__section_ops, f->fd, &f->st);
    shmap__reclock_init(&s->commit_lock);
    s->size = h->size;
    s->protect = h->protect;
    s->attributes = h->attributes;
    s->file_backed = (h->hflags & SHMAP_HF_FILE_BACKED) != 0;
    s->reserve = !s->file_backed && (h->attributes & SHMAP_SEC_RESERVE);
    s->map_limit = s->file_backed ? h->size : SHMAP_ROUND_UP(h->size, SHMAP_PAGE_SIZE);
    s->data_file = (h->hflags & SHMAP_HF_DATA_FILE) != 0;
    s->data_fd = s->file_backed ? data_fd : f->fd;
    s->data_offset = s->file_backed || s->data_file ? 0 : h->data_offset;
    int r = 0;
    if (s->file_backed && s->data_fd < 0)
        r = reopen_backing(s, f);
    if (s->data_file)
        r = take_data_file(s, f, n, data_fd);
    else if (!s->file_backed && data_fd >= 0)
        shmap__close_fd(data_fd);
    if (r == 0 && s->file_backed) {
        mark_file_mapped(s->data_fd, s->size);
        shmap__share_mark_section(s->data_fd, s->protect); /* share.c */
    }
    if (r == 0 && s->reserve)
        r = map_bitmap(s, h);
    if (r) {
        if (n) /* while its descriptor is open: an orphan otherwise */
            shmap__ns_release(f->fd, n);
        section_destroy(&s->obj);
        return r;
    }
    *out = s;
    return 0;
}

/* ---- create ------------------------------------------------------------ */

struct create_args {
    uint32_t page, attrs;
    uint64_t size;
    bool pagefile;
    int file_fd; /* file-backed: our own descriptor of the file */
    struct stat file_st;
    char *path; /* file-backed: path of the file */
};

/* Object file of a pagefile section: header, name, [bitmap], then the
 * data, in the object file if unnamed, else in a data file of its own
 * (ns/datafile.c: the same allocation, at its offset 0). */
static void pagefile_spec(const struct create_args *a, size_t nlen, bool named,
                          struct shmap_objhdr *h, struct shmap_ns_spec *spec)
{
    uint64_t pages = a->size / SHMAP_PAGE_SIZE;
    uint64_t head = SHMAP_NAME_OFF + nlen;
    h->size = a->size;
    if (a->attrs & SHMAP_SEC_RESERVE) {
        h->bitmap_off = (uint32_t)SHMAP_ROUND_UP(head, 8);
        h->bitmap_len = (uint32_t)((pages + 31) / 32 * 4);
        head = h->bitmap_off + h->bitmap_len;
        /* charge the bitmap now: writing it later must never SIGBUS */
        spec->alloc_off = h->bitmap_off & ~(uint64_t)(SHMAP_PAGE_SIZE - 1);
        spec->alloc_len = SHMAP_ROUND_UP(head, SHMAP_PAGE_SIZE) - spec->alloc_off;
    }
    /* then the security descriptor's slots (format.h) */
    h->data_offset = SHMAP_ROUND_UP(SHMAP_ROUND_UP(head, 8) + SHMAP_SD_AREA, SHMAP_DATA_ALIGN);
    if (named) {
        spec->file_size = h->data_offset;
        spec->data_size = a->size;
        spec->data_alloc = (a->attrs & SHMAP_SEC_COMMIT) != 0;
        return;
    }
    spec->file_size = h->data_offset + a->size;
    if (a->attrs & SHMAP_SEC_COMMIT) {
        spec->alloc_off = h->data_offset;
        spec->alloc_len = a->size;
    }
}

/* Object file of a file-backed section: header, name, path. */
static void file_spec(const struct create_args *a, size_t nlen, struct shmap_objhdr *h,
                      struct shmap_ns_spec *spec)
{
    size_t plen = strlen(a->path);
    h->hflags = SHMAP_HF_FILE_BACKED;
    h->size = a->size;
    h->file_dev = (uint64_t)a->file_st.st_dev;
    h->file_ino = (uint64_t)a->file_st.st_ino;
    h->path_off = (uint32_t)(SHMAP_NAME_OFF + nlen);
    h->path_len = (uint32_t)plen;
    h->data_offset = SHMAP_ROUND_UP(SHMAP_ROUND_UP(SHMAP_NAME_OFF + nlen + plen, 8) + SHMAP_SD_AREA,
                                    SHMAP_DATA_ALIGN);
    spec->file_size = h->data_offset;
    spec->extra = a->path;
    spec->extra_len = plen;
}

static int create_object(const struct create_args *a, const struct shmap_name *n,
                         struct shmap_ns_file *f)
{
    struct shmap_objhdr h = {0};
    struct shmap_ns_spec spec = {.type = SHMAP_TYPE_MAPPING, .hdr = &h, .need_global_priv = true};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h.magic = SHMAP_MAGIC;
    h.format = SHMAP_FORMAT;
    h.type = SHMAP_TYPE_MAPPING;
    h.owner_uid = shmap__uid();
    h.owner_gid = shmap__gid();
    h.creator_pid = shmap__pid();
    h.create_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    h.protect = a->page;
    h.attributes = a->attrs;
    size_t nlen = n ? n->len : 0;
    if (a->pagefile)
        pagefile_spec(a, nlen, n != NULL, &h, &spec);
    else
        file_spec(a, nlen, &h, &spec);
    void *sd = NULL;
    int r = shmap__objsec_create(SHMAP_TYPE_MAPPING, &sd, &spec.sd_len);
    spec.sd = sd;
    if (r == 0)
        r = shmap__ns_create(n, &spec, f);
    free(sd);
    if (r == -ENOSPC && a->pagefile)
        r = SHMAP_ECOMMIT;
    return r;
}

/* Our own open file description of the user's file (for the OFD marker and
 * the access mode the section needs), its size, path, and the extension
 * a writable section larger than the file asks for (§3.4). */
static int prepare_file(shmap_handle_t file, struct create_args *a)
{
    struct shmap_obj *fo;
    uint32_t facc;
    if (shmap__handle_get_type(file, SHMAP_TYPE_FILE, &fo, &facc))
        return -EBADF;
    bool w = protect_writable(a->page), x = protect_executable(a->page);
    int r = 0;
    if (!(facc & SHMAP_FILE_READ_DATA) || (w && !(facc & SHMAP_FILE_WRITE_DATA)) ||
        (x && !(facc & SHMAP_FILE_EXECUTE)))
        r = -EACCES;
    char path[PATH_MAX];
    struct shmap_procfs_path proc = shmap__procfs_fd_path(SHMAP_PROCFS_SELF, fo->fd);
    if (!r && (r = shmap__reopen_self(fo->fd, w ? O_RDWR : O_RDONLY)) >= 0) {
        a->file_fd = r;
        r = 0;
    }
    shmap__obj_put(fo);
    if (!r && SYS(fstat)(a->file_fd, &a->file_st))
        r = -errno;
    if (r)
        return r;
    ssize_t pl = SYS(readlinkat)(AT_FDCWD, proc.s, path, sizeof path - 1);
    path[pl > 0 ? pl : 0] = 0;
    if (!(a->path = strdup(path)))
        return -ENOMEM;
    uint64_t fsize = (uint64_t)a->file_st.st_size;
    if (a->size == 0 && (a->size = fsize) == 0)
        return SHMAP_EFILEEMPTY;
    if (a->size <= fsize)
        return 0;
    if (!w)
        return SHMAP_ETOOBIG;
    if (a->size > (uint64_t)INT64_MAX)
        return -ENOSPC;
    r = shmap__fallocate(a->file_fd, fsize, a->size - fsize);
    if (r != -EOPNOTSUPP)
        return r == -EFBIG ? -ENOSPC : r;
    return SYS(ftruncate)(a->file_fd, (off_t)a->size) ? -errno : 0;
}

static int check_pagefile_size(uint64_t *size)
{
    if (*size == 0)
        return -EINVAL;
    /* No machine commits this much: STATUS_SECTION_TOO_BIG, not the commit
     * limit (which a full tmpfs gives for a size it might have held). */
    if (*size > ((uint64_t)1 << 56))
        return SHMAP_ETOOBIG;
    *size = SHMAP_ROUND_UP(*size, SHMAP_PAGE_SIZE);
    return 0;
}

static int check_create_args(shmap_handle_t file, struct create_args *a)
{
    int r = check_protect(a->page);
    if (r)
        return r;
    r = a->pagefile ? check_pagefile_attrs(&a->attrs) : check_file_attrs(&a->attrs);
    if (r)
        return r;
    return a->pagefile ? check_pagefile_size(&a->size) : prepare_file(file, a);
}

/* Make the handle for a record that carries one handle count for it. */
static int finish_handle(struct shmap_obj *o, uint32_t access, unsigned flags, shmap_handle_t *out)
{
    int r = shmap__handle_alloc(o, access, (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0, out);
    if (r)
        shmap__obj_handle_put(o); /* a just-created object disappears again */
    return r;
}

/* A new record for an object file, cached by name if named. */
static int record_new(struct shmap_ns_file *f, const struct shmap_name *n, int data_fd,
                      struct shmap_obj **out)
{
    struct shmap_section *s;
    int r = section_new(f, n, data_fd, &s);
    if (r)
        return r; /* given back and closed by section_new */
    atomic_store(&s->obj.handles, 1);
    if (n && (r = shmap__obj_set_name(&s->obj, n)) != 0) {
        shmap__ns_release(s->obj.fd, n);
        atomic_store(&s->obj.handles, 0);
        shmap__obj_put(&s->obj);
        return r;
    }
    struct shmap_obj *o = n ? shmap__cache_insert(&s->obj) : &s->obj;
    if (o != &s->obj) /* another thread of ours got there first */
        shmap__obj_handle_put(&s->obj);
    *out = o;
    return 0;
}

static int cached_or_created(struct create_args *a, const struct shmap_name *n,
                             struct shmap_obj **o)
{
    if (n && (*o = shmap__cache_lookup(n)) != NULL) {
        if ((*o)->type == SHMAP_TYPE_MAPPING)
            return SHMAP_EXISTED;
        shmap__obj_handle_put(*o);
        return SHMAP_ETYPE;
    }
    struct shmap_ns_file f = {.fd = -1};
    int r = create_object(a, n, &f);
    if (r < 0)
        return r;
    int data_fd = r == 0 ? (a->pagefile ? f.data_fd : a->file_fd) : -1;
    if (r == 0 && !a->pagefile)
        a->file_fd = -1; /* the record owns it now */
    int rr = record_new(&f, n, data_fd, o);
    /* any lack of space while making a pagefile section is the commit limit */
    return rr == -ENOSPC && a->pagefile ? SHMAP_ECOMMIT : rr ? rr : r;
}

SHMAP_EXTERN int shmap_mapping_create(shmap_handle_t file, const char *name, uint32_t protect,
                                      uint64_t size, unsigned flags, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct create_args a = {
        .page = protect & 0xFFu, .attrs = protect & ~0xFFu, .size = size, .file_fd = -1};
    a.pagefile = file == SHMAP_NULL_HANDLE || file == SHMAP_CURRENT_PROCESS;
    struct shmap_name n;
    int pr = shmap__name_parse(name, flags, &n);
    if (pr == -ENAMETOOLONG || pr == SHMAP_EBADNAME)
        return pr; /* the name conversion fails before the call is made */
    int r = check_create_args(file, &a);
    if (r == 0 && pr < 0)
        r = pr;
    struct shmap_obj *o = NULL;
    if (r == 0)
        r = cached_or_created(&a, pr == 0 ? &n : NULL, &o);
    shmap__close_fd(a.file_fd);
    free(a.path);
    if (r < 0)
        return r;
    int created = r;
    uint32_t granted = access_of_protect(a.page);
    /* a Create* that finds the object is checked as an open (§10.4) */
    if (created == SHMAP_EXISTED &&
        (r = shmap__objsec_check(SHMAP_TYPE_MAPPING, o->fd, granted, false, &granted)) != 0) {
        shmap__obj_handle_put(o);
        return r;
    }
    r = finish_handle(o, granted, flags, out);
    return r ? r : created;
}

SHMAP_EXTERN int shmap_mapping_open(const char *name, uint32_t access, unsigned flags,
                                    shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct shmap_name n;
    int r = shmap__name_parse_open(name, flags, &n);
    if (r)
        return r;
    if (access == SHMAP_FILE_MAP_COPY)
        access = SHMAP_SECTION_MAP_READ;
    struct shmap_obj *o = shmap__cache_lookup(&n);
    struct shmap_ns_file f = {.fd = -1};
    if (o && o->type != SHMAP_TYPE_MAPPING) {
        shmap__obj_handle_put(o);
        return SHMAP_ETYPE;
    }
    if (!o) {
        if ((r = shmap__ns_open(&n, SHMAP_TYPE_MAPPING, &f)) != 0)
            return r;
        if ((r = record_new(&f, &n, -1, &o)) != 0)
            return r;
    }
    uint32_t granted;
    r = shmap__objsec_check(SHMAP_TYPE_MAPPING, o->fd, access, false, &granted);
    if (r) {
        shmap__obj_handle_put(o);
        return r;
    }
    return finish_handle(o, granted, flags, out);
}

SHMAP_EXTERN int shmap_mapping_query(shmap_handle_t h, shmap_mapping_info_t *info)
{
    if (SHMAP_PROBE_OUT(info))
        return -EFAULT;
    struct shmap_obj *o;
    uint32_t access;
    int r = shmap__handle_get_type(h, SHMAP_TYPE_MAPPING, &o, &access);
    if (r)
        return r;
    struct shmap_section *s = shmap__section_of(o);
    if (access & SHMAP_SECTION_QUERY) {
        info->size = s->size;
        info->attributes = s->attributes;
        info->protect = s->protect;
    } else
        r = -EACCES;
    shmap__obj_put(o);
    return r;
}

/* ---- SEC_RESERVE ---------------------------------------------------------- */

bool shmap__section_committed(const struct shmap_section *s, uint64_t off)
{
    if (!s->reserve)
        return true;
    uint64_t page = off / SHMAP_PAGE_SIZE;
    return (atomic_load(&s->bitmap[page / 32]) >> (page % 32)) & 1u;
}

int shmap__section_commit(struct shmap_section *s, uint64_t off, uint64_t len)
{
    if (!s->reserve)
        return 0;
    if (off % SHMAP_PAGE_SIZE || len % SHMAP_PAGE_SIZE || off > s->map_limit ||
        len > s->map_limit - off)
        return -EINVAL;
    shmap__reclock_lock(&s->commit_lock);
    /* Charging twice is harmless: fallocate of allocated pages does nothing,
     * and another process may commit the same pages at the same time. */
    int r = shmap__fallocate(s->data_fd, s->data_offset + off, len);
    if (r == -ENOSPC || r == -EFBIG)
        r = SHMAP_ECOMMIT;
    for (uint64_t p = off / SHMAP_PAGE_SIZE; r == 0 && p < (off + len) / SHMAP_PAGE_SIZE; p++)
        atomic_fetch_or(&s->bitmap[p / 32], 1u << (p % 32));
    shmap__reclock_unlock(&s->commit_lock);
    return r;
}

/* A section taken in from another process (transfer): the file of a
 * file-backed one comes along as data_fd. */
static int section_adopt(const struct shmap_obj_ops *ops, struct shmap_ns_file *f,
                         const struct shmap_name *n, int data_fd, struct shmap_obj **out)
{
    (void)ops;
    if (!(f->hdr.hflags & (SHMAP_HF_FILE_BACKED | SHMAP_HF_DATA_FILE)) && data_fd >= 0) {
        shmap__close_fd(data_fd);
        data_fd = -1;
    }
    /* The data file came along.  A named one is held on a description of
     * our own, reopened from it (by name, the directory of a Local\ name
     * would be ours, not necessarily the sender's); an unnamed one (a name
     * forgotten in a fork child) lives by the description it got. */
    if (n && data_fd >= 0 && (f->hdr.hflags & SHMAP_HF_DATA_FILE)) {
        int own = shmap__reopen_self(data_fd, O_RDWR);
        if (own == -EACCES) /* its DACL lets us read it, not write (objsec.c) */
            own = shmap__reopen_self(data_fd, O_RDONLY);
        if (own == -EACCES) {
            /* Its DACL does not let us open it at all: a handle put into
             * our process by one it admits.  The access is in the handle,
             * as on Windows: we hold the description that came along (the
             * sender's; the lock only keeps a sweep away, and the name
             * does that too while the object is held). */
            own = SYS(fcntl_int)(data_fd, F_DUPFD_CLOEXEC, 0);
            if (own < 0)
                own = -errno;
        }
        shmap__close_fd(data_fd);
        int r = own < 0 ? own : shmap__lock_shared(own);
        if (r) {
            if (own >= 0)
                shmap__close_fd(own);
            shmap__ns_release(f->fd, n);
            shmap__close_fd(f->fd);
            return r;
        }
        data_fd = own;
    }
    return record_new(f, n, data_fd, out);
}

static void section_describe(struct shmap_obj *o, struct shmap_xfer *x, bool export)
{
    (void)export;
    struct shmap_section *s = shmap__section_of(o);
    if (s->file_backed || s->data_file)
        x->data_fd = s->data_fd; /* the user's file, or the data file, goes along */
}

/* Not waitable (kind NONE): a wait on a section fails. */
static const struct shmap_wait_ops section_wait = {.kind = SHMAP_WK_NONE};

const struct shmap_obj_ops shmap__section_ops = {
    .type = SHMAP_TYPE_MAPPING,
    .destroy = section_destroy,
    .describe = section_describe,
    .adopt_file = section_adopt,
    .wait = &section_wait,
};

/* ---- where the data lies (include/shmap/datafile.h) --------------------- */

/* The path of the data: the data file's (ns/datafile.c), or a file-backed
 * section's file as recorded at creation.  malloc'd into *path. */
static int data_path(struct shmap_section *s, char **path)
{
    if (!s->file_backed && !s->data_file)
        return -ENOTSUP; /* unnamed: its data shares the object file with the header */
    struct shmap_objhdr h;
    if (SYS(pread)(s->obj.fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        return errno ? -errno : SHMAP_EBADOBJ;
    if (s->data_file)
        return shmap__ns_data_path(s->data_fd, &h, path);
    if (h.path_len >= PATH_MAX)
        return SHMAP_EBADOBJ; /* not what this build wrote */
    if (!(*path = malloc((size_t)h.path_len + 1)))
        return -ENOMEM;
    ssize_t n = SYS(pread)(s->obj.fd, *path, h.path_len, h.path_off);
    if (n != (ssize_t)h.path_len) {
        free(*path);
        return n < 0 ? -errno : SHMAP_EBADOBJ;
    }
    (*path)[n] = 0;
    return 0;
}

SHMAP_EXTERN int shmap_mapping_data_file(shmap_handle_t section, char *path, size_t len,
                                         uint64_t *offset)
{
    if (SHMAP_PROBE_OUT(offset) || !path || shmap__probe_write(path, len ? len : 1))
        return -EFAULT;
    struct shmap_obj *o;
    uint32_t access;
    int r = shmap__handle_get_type(section, SHMAP_TYPE_MAPPING, &o, &access);
    if (r)
        return r;
    char *p = NULL;
    r = (access & SHMAP_SECTION_QUERY) ? data_path(shmap__section_of(o), &p) : -EACCES;
    shmap__obj_put(o);
    if (r == 0 && strlen(p) >= len)
        r = -ENAMETOOLONG; /* nothing written */
    if (r == 0) {
        memcpy(path, p, strlen(p) + 1);
        *offset = 0;
    }
    free(p);
    return r;
}
