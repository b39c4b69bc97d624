/*
 * procmem.c - another process's memory: ReadProcessMemory,
 * WriteProcessMemory, VirtualQueryEx (DESIGN.md §7, "Another process's
 * memory").
 *
 * Reads and writes go through process_vm_readv/writev (or /proc/PID/mem
 * where the kernel has no such call), so the kernel's ptrace access check
 * applies: the same user (and Yama's ptrace_scope permitting), or
 * CAP_SYS_PTRACE.  Its refusal is ERROR_ACCESS_DENIED, as a handle
 * without the right is.  The remote side is cut into one iovec per page:
 * the kernel stops at the first page it cannot reach and says how much it
 * copied, which is what ReadProcessMemory reports with ERROR_PARTIAL_COPY.
 *
 * VirtualQueryEx of this process is VirtualQuery's (exact for what shmap
 * mapped); of another process it reads /proc/PID/maps, which knows less:
 * see query_maps().
 */
#include "proc/proc.h"
#include "base/probe.h"
#include "base/procfs.h"
#include "mem/view.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE SHMAP_PAGE_SIZE
#define IOV_PAGES 1024u /* UIO_MAXIOV */

/* The process behind h, if the handle has every one of rights (the
 * pseudo handle has them all). */
static int process_with(shmap_handle_t h, uint32_t rights, struct shmap_process **p)
{
    if (h == SHMAP_CURRENT_PROCESS)
        return shmap__process_get(h, rights, p);
    struct shmap_obj *o;
    uint32_t access;
    int e = shmap__handle_get_type(h, SHMAP_TYPE_PROCESS, &o, &access);
    if (e)
        return e;
    if ((access & rights) != rights) {
        shmap__obj_put(o);
        return -EACCES;
    }
    *p = shmap__process_of(o);
    return 0;
}

/* The process behind h, with rights; *pid its pid now.  An ended process
 * has no memory left: SHMAP_EPARTIAL (nothing copied). */
static int target(shmap_handle_t h, uint32_t rights, struct shmap_process **p, pid_t *pid)
{
    int e = process_with(h, rights, p);
    if (e)
        return e;
    if ((*p)->self) {
        *pid = getpid();
        return 0;
    }
    *pid = (pid_t)(*p)->pid;
    if (shmap__process_ended(*p)) {
        shmap__obj_put(&(*p)->obj);
        return SHMAP_EPARTIAL;
    }
    return 0;
}

/* Fill remote[] with the pages of [a, a + size) (at most IOV_PAGES of
 * them); returns how many, *len the bytes they cover. */
static unsigned cut_pages(uintptr_t a, size_t size, struct iovec *remote, size_t *len)
{
    unsigned n = 0;
    *len = 0;
    while (n < IOV_PAGES && *len < size) {
        size_t chunk = PAGE - (a + *len) % PAGE;
        if (chunk > size - *len)
            chunk = size - *len;
        remote[n].iov_base = (void *)(a + *len);
        remote[n++].iov_len = chunk;
        *len += chunk;
    }
    return n;
}

/* /proc/PID/mem, for a kernel without process_vm_*, and for writes the
 * page's protection forbids (force: the kernel's FOLL_FORCE, a debugger's
 * poke: private pages are copied, shared read-only ones refused). */
static int mem_rw(pid_t pid, uintptr_t a, char *buf, size_t size, bool wr, size_t *done)
{
    char rel[32];
    snprintf(rel, sizeof rel, "%d/mem", (int)pid);
    int fd = shmap__procfs_open(rel, wr ? O_RDWR : O_RDONLY);
    if (fd < 0)
        return fd == -ENOENT ? SHMAP_EPARTIAL : -EACCES;
    int e = 0;
    while (*done < size && e == 0) {
        ssize_t k = wr ? SYS(pwrite)(fd, buf + *done, size - *done, (off_t)(a + *done))
                       : SYS(pread)(fd, buf + *done, size - *done, (off_t)(a + *done));
        if (k > 0)
            *done += (size_t)k;
        else
            e = SHMAP_EPARTIAL; /* EIO at the first page it cannot reach, or 0 */
    }
    shmap__close_fd(fd);
    return e;
}

/* Copy size bytes between buf and the process's a; *done: bytes copied. */
static int vm_rw(pid_t pid, uintptr_t a, char *buf, size_t size, bool wr, size_t *done)
{
    struct iovec remote[IOV_PAGES], local;
    *done = 0;
    while (*done < size) {
        size_t len;
        unsigned n = cut_pages(a + *done, size - *done, remote, &len);
        local.iov_base = buf + *done;
        local.iov_len = len;
        ssize_t k = wr ? process_vm_writev(pid, &local, 1, remote, n, 0)
                       : process_vm_readv(pid, &local, 1, remote, n, 0);
        if (k < 0 && errno == ENOSYS)
            return mem_rw(pid, a, buf, size, wr, done);
        if (k < 0)
            return errno == EPERM ? -EACCES : SHMAP_EPARTIAL; /* EFAULT, ESRCH */
        *done += (size_t)k;
        if ((size_t)k < len)
            return SHMAP_EPARTIAL;
    }
    return 0;
}

SHMAP_EXTERN int shmap_process_read(shmap_handle_t h, const void *addr, void *buf, size_t size,
                                    size_t *done)
{
    size_t n = 0;
    struct shmap_process *p;
    pid_t pid;
    int e = target(h, SHMAP_PROCESS_VM_READ, &p, &pid);
    if (e == 0) {
        /* NtReadVirtualMemory: a range leaving user space is an access violation */
        if (size && !shmap__user_range((uintptr_t)addr, size))
            e = -EFAULT;
        else if (size)
            e = vm_rw(pid, (uintptr_t)addr, buf, size, false, &n);
        if (e == 0 && !p->self && shmap__process_ended(p))
            e = SHMAP_EPARTIAL; /* it ended, and its pid may be another's now */
        shmap__obj_put(&p->obj);
    }
    if (done)
        *done = e == SHMAP_EPARTIAL || e == 0 ? n : 0;
    return e;
}

/* The protection bits ("rwx") of the mapping holding a in pid's maps, or
 * SHMAP_EADDR if nothing is mapped there. */
static int perms_at(pid_t pid, uintptr_t a, char perms[5])
{
    char rel[32];
    snprintf(rel, sizeof rel, "%d/maps", (int)pid);
    struct shmap_procfs_lines l;
    if (shmap__procfs_lines_open(&l, rel) != 0)
        return errno == ENOENT ? SHMAP_EPARTIAL : -EACCES;
    int e = SHMAP_EADDR;
    for (char *line; e == SHMAP_EADDR && (line = shmap__procfs_lines_next(&l)) != NULL;) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && a >= lo && a < hi)
            e = 0;
    }
    shmap__procfs_lines_close(&l);
    return e;
}

/* Windows' WriteProcessMemory looks at the first page's protection: a
 * writable one (copy on write included) is written; an execute-only or
 * execute-read one is made writable for the write (code patching); a
 * read-only or no-access one is ERROR_NOACCESS. */
static int write_to(pid_t pid, uintptr_t a, const void *buf, size_t size, size_t *n)
{
    char perms[5] = "";
    int e = perms_at(pid, a, perms);
    if (e)
        return e;
    if (perms[1] == 'w')
        return vm_rw(pid, a, (char *)buf, size, true, n);
    if (perms[2] == 'x')
        return mem_rw(pid, a, (char *)buf, size, true, n);
    return -EFAULT;
}

SHMAP_EXTERN int shmap_process_write(shmap_handle_t h, void *addr, const void *buf, size_t size,
                                     size_t *done)
{
    size_t n = 0;
    struct shmap_process *p;
    pid_t pid;
    int e = target(h, SHMAP_PROCESS_VM_WRITE | SHMAP_PROCESS_VM_OPERATION, &p, &pid);
    if (e == 0) {
        /* NtProtectVirtualMemory comes first: a range leaving user space
         * is an invalid parameter there */
        if (size && !shmap__user_range((uintptr_t)addr, size))
            e = -EINVAL;
        else if (size)
            e = write_to(pid, (uintptr_t)addr, buf, size, &n);
        shmap__obj_put(&p->obj);
    }
    if (done)
        *done = e == SHMAP_EPARTIAL || e == 0 ? n : 0;
    return e;
}

/* ---- VirtualQueryEx of another process ------------------------------------ */

struct vma {
    uintptr_t lo, hi;
    uint64_t off, ino;
    char perms[5];
    unsigned dev_major, dev_minor;
    bool file; /* backed by a file (path starting with '/') */
};

static bool vma_parse(const char *line, struct vma *v)
{
    char path[8] = "";
    unsigned long lo, hi;
    unsigned long long off, ino;
    if (sscanf(line, "%lx-%lx %4s %llx %x:%x %llu %7s", &lo, &hi, v->perms, &off, &v->dev_major,
               &v->dev_minor, &ino, path) < 7)
        return false;
    v->lo = lo;
    v->hi = hi;
    v->off = off;
    v->ino = ino;
    v->file = path[0] == '/';
    return true;
}

/* Does w continue the allocation of v?  Adjacent, and: the same file at
 * the following offset; or, anonymous, one of them inaccessible (a
 * reservation and its committed pages, a stack and its guard).  Adjacent
 * anonymous mappings that are both accessible are taken for two
 * allocations: the kernel would have merged them had they the same
 * protection, and nothing says whether one call made them. */
static bool same_allocation(const struct vma *v, const struct vma *w)
{
    if (w->lo != v->hi || v->file != w->file)
        return false;
    if (!v->file)
        return strncmp(v->perms, "---", 3) == 0 || strncmp(w->perms, "---", 3) == 0;
    return v->ino == w->ino && v->dev_major == w->dev_major && v->dev_minor == w->dev_minor &&
           w->off == v->off + (v->hi - v->lo);
}

static void describe(const struct vma *v, bool image, shmap_mem_info_t *m)
{
    m->state = strncmp(v->perms, "---", 3) == 0 ? SHMAP_MEM_RESERVE : SHMAP_MEM_COMMIT;
    m->protect = m->state == SHMAP_MEM_RESERVE ? 0 : shmap__protect_of_perms(v->perms);
    if (v->perms[3] == 's')
        m->type = SHMAP_MEM_MAPPED;
    else if (v->file)
        m->type = image ? SHMAP_MEM_IMAGE : SHMAP_MEM_MAPPED;
    else
        m->type = SHMAP_MEM_PRIVATE;
}

/* What /proc/PID/maps says of a (see DESIGN.md §7 for what it cannot):
 * v[0..n) are its mappings in address order. */
static void query_vmas(const struct vma *v, size_t n, uintptr_t a, shmap_mem_info_t *m)
{
    size_t i = 0, first = 0;
    memset(m, 0, sizeof *m);
    m->base = (void *)(a & ~(uintptr_t)(PAGE - 1));
    while (i < n && v[i].hi <= a) {
        i++;
        if (i < n && !same_allocation(&v[i - 1], &v[i]))
            first = i;
    }
    if (i == n || v[i].lo > a) { /* free, up to the next mapping */
        m->state = SHMAP_MEM_FREE;
        m->protect = SHMAP_PAGE_NOACCESS;
        m->region_size = (i < n ? v[i].lo : SHMAP_USER_TOP) - (uintptr_t)m->base;
        return;
    }
    /* an executable file: every mapping of it is part of its image */
    bool image = false;
    for (size_t k = 0; k < n && v[i].file; k++)
        image |= v[k].file && v[k].ino == v[i].ino && v[k].dev_major == v[i].dev_major &&
                 v[k].dev_minor == v[i].dev_minor && v[k].perms[2] == 'x';
    describe(&v[i], image, m);
    shmap_mem_info_t b = *m;
    describe(&v[first], image, &b);
    m->allocation_base = (void *)v[first].lo;
    m->allocation_protect = b.protect ? b.protect : SHMAP_PAGE_NOACCESS;
    size_t j = i + 1;
    for (; j < n && same_allocation(&v[j - 1], &v[j]); j++) {
        describe(&v[j], image, &b);
        if (b.state != m->state || b.protect != m->protect || b.type != m->type)
            break;
    }
    m->region_size = v[j - 1].hi - (uintptr_t)m->base;
}

static int read_vmas(pid_t pid, struct vma **out, size_t *n)
{
    char rel[32];
    snprintf(rel, sizeof rel, "%d/maps", (int)pid);
    struct shmap_procfs_lines l;
    if (shmap__procfs_lines_open(&l, rel) != 0)
        return errno == ENOENT ? 0 : -EACCES; /* gone: nothing mapped */
    size_t cap = 0;
    int e = 0;
    for (char *line; e == 0 && (line = shmap__procfs_lines_next(&l)) != NULL;) {
        if (*n == cap) {
            struct vma *w = realloc(*out, (cap = cap ? 2 * cap : 64) * sizeof *w);
            if (!w) {
                e = -ENOMEM;
                break;
            }
            *out = w;
        }
        if (vma_parse(line, &(*out)[*n]))
            (*n)++;
    }
    shmap__procfs_lines_close(&l);
    return e;
}

SHMAP_EXTERN int shmap_process_vm_query(shmap_handle_t h, const void *addr, shmap_mem_info_t *info)
{
    if (SHMAP_PROBE_OUT(info))
        return -EFAULT;
    struct shmap_process *p;
    int e = process_with(h, SHMAP_PROCESS_QUERY_INFORMATION, &p);
    if (e)
        return e;
    bool self = p->self;
    pid_t pid = (pid_t)p->pid;
    shmap__obj_put(&p->obj);
    if (self)
        return shmap_vm_query(addr, info);
    if ((uintptr_t)addr >= SHMAP_USER_TOP)
        return -EINVAL;
    struct vma *v = NULL;
    size_t n = 0;
    if ((e = read_vmas(pid, &v, &n)) == 0)
        query_vmas(v, n, (uintptr_t)addr, info);
    free(v);
    return e;
}
