/*
 * jobmsg.c - a job's notifications to a completion port
 * (JobObjectAssociateCompletionPortInformation).
 *
 * Whoever sees an event posts it into the job file's message ring, under
 * the job lock (shmap__job_post): the assigner NEW_PROCESS, an exiting
 * member its own EXIT_PROCESS, TerminateJobObject the EXIT_PROCESS of every
 * member, whoever prunes the member table an ABNORMAL_EXIT_PROCESS for a
 * member that ended without posting (kill -9, a crash) and
 * ACTIVE_PROCESS_ZERO when none is left.  The port lives in one process;
 * its waiters drain the ring into the port's queue (a source of iocp.c)
 * and sleep on the ring's sequence word beside the port's own.  A member
 * killed unseen posts nothing, so a waiter prunes the table itself every
 * SHMAP_IOCP_PRUNE_NS while it sleeps.  docs/DESIGN.md §22.
 */
#include "proc.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <stdlib.h>

/* A port's view of one job: its own mapping, and the next message to read. */
struct jsrc {
    struct shmap_jview v;
    uint32_t next; /* msg_seq of the next message to take */
    uint64_t key;  /* the completion key */
};

static _Atomic uint32_t *jsrc_drain(void *ctx, struct shmap_obj *port, bool prune, uint32_t *val)
{
    struct jsrc *s = ctx;
    struct shmap_jobst *st = s->v.st;
    struct shmap_jmsg got[SHMAP_JOB_MSGS];
    unsigned n = 0;
    shmap__job_lock(st);
    if (prune)
        shmap__job_prune(&s->v);
    uint32_t seq = atomic_load(&st->msg_seq);
    if (seq - s->next > SHMAP_JOB_MSGS) /* overwritten before we came: lost, as Windows may */
        s->next = seq - SHMAP_JOB_MSGS;
    for (; s->next != seq; s->next++)
        got[n++] = st->msgs[s->next % SHMAP_JOB_MSGS];
    shmap__job_unlock(st);
    for (unsigned i = 0; i < n; i++)
        shmap__iocp_queue(port, s->key, got[i].pid, got[i].id);
    *val = seq;
    return &st->msg_seq;
}

static void jsrc_release(void *ctx)
{
    struct jsrc *s = ctx;
    shmap__job_unmap(&s->v);
    free(s);
}

static const struct shmap_iocp_src_ops jsrc_ops = {jsrc_drain, jsrc_release};

/* Under the job lock: associate, and post NEW_PROCESS for every process
 * in the job already (Windows does, so that a port learns of them). */
static int associate(struct shmap_jview *v, struct jsrc *s)
{
    struct shmap_jobst *st = v->st;
    if (st->port_set)
        return -EINVAL; /* one port per job: STATUS_INVALID_PARAMETER */
    uint32_t n = shmap__job_prune(v);
    st->port_set = 1;
    s->next = atomic_load(&st->msg_seq);
    for (uint32_t i = 0; i < n; i++)
        shmap__job_post(st, SHMAP_JOB_MSG_NEW_PROCESS, v->m[i].pid);
    return 0;
}

SHMAP_EXTERN int shmap_job_set_port(shmap_handle_t job, shmap_handle_t port, uint64_t key)
{
    struct shmap_obj *o, *po = NULL;
    struct shmap_jview v;
    if (job == SHMAP_NULL_HANDLE)
        return -EBADF;
    int r = shmap__job_get(job, SHMAP_JOB_SET_ATTRIBUTES, &o, &v);
    if (r)
        return r;
    if (port == SHMAP_NULL_HANDLE) { /* Windows 8: remove the association */
        shmap__job_lock(v.st);
        v.st->port_set = 0;
        shmap__job_unlock(v.st);
        shmap__job_put(o, &v);
        return 0;
    }
    struct jsrc *s = calloc(1, sizeof *s);
    if (s)
        s->v = (struct shmap_jview){NULL, NULL, -1, -1};
    r = !s ? -ENOMEM : shmap__iocp_get(port, &po);
    int fd = r == 0 ? shmap__reopen_self(v.fd, O_RDWR) : -1;
    if (r == 0 && fd < 0)
        r = fd;
    if (r == 0 && (r = shmap__job_map(fd, &s->v)) != 0)
        shmap__close_fd(fd);
    if (r == 0) {
        s->key = key;
        shmap__job_lock(v.st);
        r = associate(&v, s);
        shmap__job_unlock(v.st);
    }
    if (r == 0) {
        r = shmap__iocp_add_src(po, &jsrc_ops, s); /* (s released on failure) */
        s = NULL;
        if (r) {
            shmap__job_lock(v.st);
            v.st->port_set = 0;
            shmap__job_unlock(v.st);
        }
    }
    if (s)
        jsrc_release(s);
    if (po)
        shmap__obj_put(po);
    shmap__job_put(o, &v);
    return r;
}
