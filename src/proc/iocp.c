/*
 * iocp.c - I/O completion ports: CreateIoCompletionPort,
 * PostQueuedCompletionStatus, GetQueuedCompletionStatus(Ex), and the
 * association of files with a port.
 *
 * A port lives in its process (SHMAP_OPS_LOCAL): a queue of packets under
 * a record lock, and a sequence word that moves at every packet and at the
 * close of the last handle, on which waiters sleep.  What other processes
 * send (a job's messages) does not come through the queue: it waits in
 * its source (the job file's message ring), and the port's own waiters
 * drain the sources into the queue and sleep on the sources' words as
 * well as the port's, with one futex_waitv.  So no process has to run
 * for a message to reach the port but the one that waits on it.
 * docs/DESIGN.md §22.
 */
#include "proc.h"
#include "base/probe.h"

#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IOCP_MAX_SRCS 16u /* jobs associated with one port (words of one wait: 1 + this) */

struct src {
    const struct shmap_iocp_src_ops *ops;
    void *ctx;
};

struct shmap_iocp {
    struct shmap_obj obj;
    struct shmap_reclock lock; /* the queue, closed, the files */
    _Atomic uint32_t seq;      /* moves at every packet queued and at the close */
    _Atomic bool closed;       /* the last handle was closed */
    uint32_t concurrency;      /* stored, not enforced */
    shmap_iocp_packet_t *q;    /* a ring: head, n, cap */
    size_t head, n, cap;
    struct shmap_reclock drain; /* the sources (one drainer at a time) */
    struct src *srcs;           /* IOCP_MAX_SRCS of them, made at the first */
    unsigned nsrcs;
    uint64_t pruned; /* when the sources were last pruned (mono ns) */
};
_Static_assert(sizeof(struct shmap_iocp) <= 512, "a record");

static struct shmap_iocp *port_of(struct shmap_obj *o)
{
    return (struct shmap_iocp *)o;
}

static void iocp_destroy(struct shmap_obj *o)
{
    struct shmap_iocp *p = port_of(o);
    for (unsigned i = 0; i < p->nsrcs; i++)
        p->srcs[i].ops->release(p->srcs[i].ctx);
    free(p->q);
    free(p->srcs);
    shmap__reclock_destroy(&p->lock);
    shmap__reclock_destroy(&p->drain);
    shmap__obj_fini(o);
    shmap__obj_free(o);
}

/* The last handle goes: a thread waiting in shmap_iocp_get returns
 * SHMAP_EPORTCLOSED (ERROR_ABANDONED_WAIT_0), as on Windows. */
static void iocp_closing(struct shmap_obj *o)
{
    if (atomic_load(&o->handles) != 1)
        return;
    struct shmap_iocp *p = port_of(o);
    atomic_store(&p->closed, true);
    shmap__futex_inc_wake(&p->seq);
}

const struct shmap_obj_ops shmap__iocp_ops = {
    .type = SHMAP_TYPE_IOCP,
    .flags = SHMAP_OPS_LOCAL,
    .destroy = iocp_destroy,
    .closing = iocp_closing,
};

SHMAP_EXTERN int shmap_iocp_create(uint32_t concurrency, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct shmap_iocp *p = shmap__obj_alloc(sizeof *p);
    if (!p)
        return -ENOMEM;
    shmap__reclock_init(&p->lock);
    shmap__reclock_init(&p->drain);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    p->concurrency = concurrency ? concurrency : (uint32_t)(cpus > 0 ? cpus : 1);
    shmap__obj_init(&p->obj, &shmap__iocp_ops, -1, NULL);
    atomic_store(&p->obj.handles, 1);
    int r = shmap__handle_alloc(&p->obj, SHMAP_IOCP_ALL_ACCESS, 0, out);
    if (r)
        shmap__obj_handle_put(&p->obj);
    return r;
}

int shmap__iocp_get(shmap_handle_t h, struct shmap_obj **port)
{
    int r = shmap__handle_get_right(h, SHMAP_TYPE_IOCP, 0, port);
    if (r)
        *port = NULL; /* (a record of another type was looked at and put back) */
    return r;
}

int shmap__iocp_queue(struct shmap_obj *o, uint64_t key, uint64_t overlapped, uint32_t bytes)
{
    struct shmap_iocp *p = port_of(o);
    int r = 0;
    shmap__reclock_lock(&p->lock);
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        shmap_iocp_packet_t *q = malloc(cap * sizeof *q);
        if (!q)
            r = -ENOMEM;
        else {
            for (size_t i = 0; i < p->n; i++) /* unrolled from the ring */
                q[i] = p->q[(p->head + i) % p->cap];
            free(p->q);
            p->q = q;
            p->head = 0;
            p->cap = cap;
        }
    }
    if (r == 0) {
        p->q[(p->head + p->n) % p->cap] = (shmap_iocp_packet_t){key, overlapped, bytes, 0};
        p->n++;
    }
    shmap__reclock_unlock(&p->lock);
    if (r == 0)
        shmap__futex_inc_wake(&p->seq);
    return r;
}

int shmap__iocp_add_src(struct shmap_obj *o, const struct shmap_iocp_src_ops *ops, void *ctx)
{
    struct shmap_iocp *p = port_of(o);
    int r = 0;
    shmap__reclock_lock(&p->drain);
    if ((!p->srcs && (p->srcs = calloc(IOCP_MAX_SRCS, sizeof *p->srcs)) == NULL) ||
        p->nsrcs == IOCP_MAX_SRCS)
        r = -ENOMEM;
    else
        p->srcs[p->nsrcs++] = (struct src){ops, ctx};
    shmap__reclock_unlock(&p->drain);
    if (r)
        ops->release(ctx);
    else
        shmap__futex_inc_wake(&p->seq); /* waiters: one more word to sleep on */
    return r;
}

SHMAP_EXTERN int shmap_iocp_post(shmap_handle_t port, uint32_t bytes, uint64_t key,
                                 uint64_t overlapped)
{
    struct shmap_obj *o;
    int r = shmap__handle_get_right(port, SHMAP_TYPE_IOCP, SHMAP_IOCP_MODIFY_STATE, &o);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    r = shmap__iocp_queue(o, key, overlapped, bytes);
    shmap__obj_put(o);
    return r;
}

SHMAP_EXTERN int shmap_iocp_associate(shmap_handle_t port, shmap_handle_t file, uint64_t key)
{
    struct shmap_obj *po, *fo;
    int r = shmap__handle_get_right(port, SHMAP_TYPE_IOCP, SHMAP_IOCP_MODIFY_STATE, &po);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    r = shmap__handle_get_type(file, SHMAP_TYPE_FILE, &fo, NULL);
    if (r) {
        shmap__obj_put(po);
        return r == SHMAP_ETYPE ? -EBADF : r;
    }
    /* A file object joins one port for its life, whichever handle of it
     * asks (the record is shared by the handles duplicated within the
     * process; a new open is a new record).  The file holds the port (its
     * completions go there), the port nothing of the file: the file's
     * handles, share modes and locks go as usual. */
    if (!shmap__file_associate(fo, po, key))
        r = -EINVAL; /* associated already (Windows: STATUS_INVALID_PARAMETER) */
    shmap__obj_put(fo);
    shmap__obj_put(po);
    return r;
}

SHMAP_EXTERN int shmap_iocp_file_done(shmap_handle_t file, uint32_t bytes, uint64_t overlapped)
{
    struct shmap_obj *fo;
    int r = shmap__handle_get_type(file, SHMAP_TYPE_FILE, &fo, NULL);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    uint64_t key;
    struct shmap_obj *po = shmap__file_port(fo, &key);
    shmap__obj_put(fo);
    if (!po)
        return 0;
    r = shmap__iocp_queue(po, key, overlapped, bytes);
    shmap__obj_put(po);
    return r == 0 ? 1 : r;
}

/* ---- dequeueing ---------------------------------------------------------------- */

/* Up to cap packets from the queue into out; their number. */
static size_t take(struct shmap_iocp *p, shmap_iocp_packet_t *out, size_t cap)
{
    shmap__reclock_lock(&p->lock);
    size_t k = 0;
    for (; k < cap && p->n; k++, p->n--) {
        out[k] = p->q[p->head];
        p->head = (p->head + 1) % p->cap;
    }
    shmap__reclock_unlock(&p->lock);
    return k;
}

/* Drain the sources into the queue; words[1..] and vals[1..] get what to
 * sleep on.  Returns the number of words filled. */
static unsigned drain(struct shmap_iocp *p, uint64_t now, _Atomic uint32_t **words, uint32_t *vals)
{
    unsigned k = 0;
    shmap__reclock_lock(&p->drain);
    bool prune = p->nsrcs && now - p->pruned >= SHMAP_IOCP_PRUNE_NS;
    if (prune)
        p->pruned = now;
    for (unsigned i = 0; i < p->nsrcs; i++) {
        _Atomic uint32_t *w = p->srcs[i].ops->drain(p->srcs[i].ctx, &p->obj, prune, &vals[k]);
        if (w)
            words[k++] = w;
    }
    shmap__reclock_unlock(&p->drain);
    return k;
}

static int get_loop(struct shmap_iocp *p, shmap_iocp_packet_t *out, size_t cap, size_t *got,
                    uint32_t timeout_ms, bool alertable)
{
    _Atomic uint32_t *words[IOCP_MAX_SRCS + 2]; /* the port, its sources, the APC word */
    uint32_t vals[IOCP_MAX_SRCS + 2];
    uint64_t now = shmap__mono_ns();
    const uint64_t deadline =
        timeout_ms == SHMAP_INFINITE ? UINT64_MAX : now + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        /* the thread's user-APC word, read before its queue is looked at
         * (a QueueUserAPC after the look moves it: the sleep ends) */
        uint32_t apc_val = 0;
        _Atomic uint32_t *apc_word = alertable ? shmap__uapc_word(&apc_val) : NULL;
        vals[0] = atomic_load(&p->seq); /* before looking: a later packet moves it */
        unsigned nw = 1 + drain(p, now, words + 1, vals + 1);
        if ((*got = take(p, out, cap)) != 0)
            return 0;
        if (atomic_load(&p->closed))
            return SHMAP_EPORTCLOSED;
        uint64_t until = deadline;
        if (alertable && (shmap__uapc_run() + shmap__apc_run(now, &until)) > 0)
            return SHMAP_WAIT_IO_COMPLETION;
        if (now >= deadline)
            return SHMAP_WAIT_TIMEOUT;
        if (until > deadline)
            until = deadline;
        /* a member killed unseen posts nothing: look again in a while */
        if (nw > 1 && until - now > SHMAP_IOCP_PRUNE_NS)
            until = now + SHMAP_IOCP_PRUNE_NS;
        words[0] = &p->seq;
        if (apc_word) {
            words[nw] = apc_word;
            vals[nw++] = apc_val;
        }
        shmap__futex_waitv(words, vals, nw, until);
        now = shmap__mono_ns();
    }
}

SHMAP_EXTERN int shmap_iocp_get(shmap_handle_t port, shmap_iocp_packet_t *out, size_t cap,
                                size_t *got, uint32_t timeout_ms, int alertable)
{
    if (SHMAP_PROBE_OUT(got))
        return -EFAULT;
    *got = 0;
    if (cap == 0)
        return -EINVAL;
    if (cap > SIZE_MAX / sizeof *out || shmap__probe_out(out, cap * sizeof *out, 8))
        return -EFAULT;
    struct shmap_obj *o;
    int r = shmap__handle_get_right(port, SHMAP_TYPE_IOCP, SHMAP_IOCP_MODIFY_STATE, &o);
    if (r)
        return r == SHMAP_ETYPE ? -EBADF : r;
    r = get_loop(port_of(o), out, cap, got, timeout_ms, alertable != 0);
    shmap__obj_put(o);
    return r;
}
