/*
 * job.c - job objects: CreateJobObject / OpenJobObject over the namespace,
 * AssignProcessToJobObject, TerminateJobObject, IsProcessInJob, the limits
 * and the accounting, and JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE.
 *
 * The job file holds the limits, counters and a member table (pid + start
 * time per process).  Killing on close is the kernel's work: each job has
 * a pipe ("kill pipe"); every process holding a handle to the job holds a
 * write end of it, and every member holds a read end set to O_ASYNC with
 * F_SETOWN = the member and F_SETSIG = SIGKILL.  When the last write end
 * goes, however its holder went (CloseHandle, exit, kill -9), the kernel
 * signals every armed read end: each member gets SIGKILL, with no process
 * of ours left to do anything.  A read end waiting in a member's inbox
 * socket (sent, not yet taken in) works as well as one in its table.
 * docs/DESIGN.md §17, docs/processes.md (jobs).
 */
#include "proc.h"
#include "base/probe.h"
#include "base/procfs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VALID_EXTENDED 0x7fffu /* JOB_OBJECT_EXTENDED_LIMIT_VALID_FLAGS */
#define VALID_BASIC 0xffu      /* JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS */
/* The member table's length for mmap and munmap, a size_t: the shared
 * constant is a product of two unsigned ints (48 KiB, it cannot wrap). */
#define MEMBERS_BYTES ((size_t)SHMAP_JOB_MEMBERS_BYTES)

bool shmap__job_lock(struct shmap_jobst *st)
{
    /* a holder that died mid-update leaves entries that are each whole
     * (pid written last): nothing to repair */
    return shmap__slock((struct shmap_sync *)st) != 0;
}

void shmap__job_unlock(struct shmap_jobst *st)
{
    shmap__sunlock((struct shmap_sync *)st);
}

bool shmap__job_state_ok(const struct shmap_jobst *st)
{
    return st->tag == SHMAP_JOB_TAG && st->version == SHMAP_JOB_VERSION &&
           st->nmembers <= SHMAP_JOB_MAX_MEMBERS && (st->limit_flags & ~VALID_EXTENDED) == 0 &&
           atomic_load(&st->ended) <= 1 && st->port_set <= 1;
}

bool shmap__job_file_ok(const void *page, uint64_t st_size)
{
    const struct shmap_objhdr *h = page;
    return st_size >= SHMAP_JOB_FILE_SIZE && h->magic == SHMAP_MAGIC && h->type == SHMAP_TYPE_JOB &&
           shmap__job_state_ok((const struct shmap_jobst *)((const char *)page + SHMAP_STATE_OFF));
}

static uint64_t ino_of(int fd)
{
    struct stat sb;
    return SYS(fstat)(fd, &sb) == 0 && S_ISFIFO(sb.st_mode) ? (uint64_t)sb.st_ino : 0;
}

/* ---- /proc/PID/stat: identity, liveness, times ------------------------------ */

struct pstat {
    uint64_t start, user, kernel; /* start in ticks; times in 100 ns */
    uint32_t faults;
    bool alive; /* exists with that start time, and is not a zombie */
};

/* 1: read; 0: no such process; -errno: could not read. */
static int read_pstat(uint32_t pid, uint64_t start, struct pstat *ps)
{
    memset(ps, 0, sizeof *ps);
    struct shmap_procfs_stat s;
    int r = shmap__procfs_stat(pid, &s);
    if (r)
        return r == -ENOENT || r == -ESRCH ? 0 : r;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0)
        hz = 100;
    ps->start = s.start;
    ps->user = s.utime * (10000000ull / (unsigned long long)hz);
    ps->kernel = s.stime * (10000000ull / (unsigned long long)hz);
    ps->faults = (uint32_t)(s.minflt + s.majflt);
    ps->alive = ps->start == start && s.state != 'Z' && s.state != 'X';
    return 1;
}

/* Drop the entries of members that have ended (their last times go to the
 * totals) and refresh the others; one we could not look at stays.  Under
 * the job lock.  Returns the number of members alive. */
uint32_t shmap__job_prune(struct shmap_jview *v)
{
    struct shmap_jobst *st = v->st;
    uint32_t n = st->nmembers > SHMAP_JOB_MAX_MEMBERS ? SHMAP_JOB_MAX_MEMBERS : st->nmembers;
    for (uint32_t i = 0; i < n;) {
        struct shmap_jmember *e = &v->m[i];
        struct pstat ps;
        int seen = read_pstat(e->pid, e->start, &ps);
        if (seen < 0 || (seen && ps.alive)) {
            if (seen > 0 && !(e->flags & SHMAP_JM_FINAL)) {
                e->user = ps.user;
                e->kernel = ps.kernel;
                e->faults = ps.faults;
            }
            i++;
            continue;
        }
        if (seen && ps.start == e->start && !(e->flags & SHMAP_JM_FINAL)) {
            e->user = ps.user; /* a zombie still shows its final times */
            e->kernel = ps.kernel;
            e->faults = ps.faults;
        }
        st->gone_user += e->user;
        st->gone_kernel += e->kernel;
        st->gone_faults += e->faults;
        /* nobody posted its end: it did not exit (killed, crashed) */
        if (!(e->flags & SHMAP_JM_EXITED))
            shmap__job_post(st, SHMAP_JOB_MSG_ABNORMAL_EXIT_PROCESS, e->pid);
        v->m[i] = v->m[--n];
        memset(&v->m[n], 0, sizeof v->m[n]);
        if (n == 0)
            shmap__job_post(st, SHMAP_JOB_MSG_ACTIVE_PROCESS_ZERO, 0);
    }
    st->nmembers = n;
    return n;
}

static struct shmap_jmember *find_member(struct shmap_jview *v, uint32_t pid, uint64_t start)
{
    for (uint32_t i = 0; i < v->st->nmembers && i < SHMAP_JOB_MAX_MEMBERS; i++)
        if (v->m[i].pid == pid && v->m[i].start == start)
            return &v->m[i];
    return NULL;
}

/* ---- our own membership ----------------------------------------------------- */

/* lifecycle.c: across fork */
pthread_mutex_t shmap__job_self_lock = PTHREAD_MUTEX_INITIALIZER;
/* Our job chain, outermost first (DESIGN.md §17: nested jobs): one view
 * per job we are in, each holding the job file (locked shared) and our
 * read end of its kill pipe.  Under shmap__job_self_lock. */
struct self_job {
    struct shmap_jview v;
    uint64_t ino; /* the job file's inode */
};
static struct self_job *self_jobs;
static uint32_t self_n;

int shmap__job_map(int fd, struct shmap_jview *v)
{
    struct stat sb;
    if (SYS(fstat)(fd, &sb) != 0)
        return -errno;
    if ((uint64_t)sb.st_size < SHMAP_JOB_FILE_SIZE)
        return SHMAP_EBADOBJ;
    void *page = SYS(mmap)(NULL, SHMAP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED)
        return -errno;
    void *m = SYS(mmap)(NULL, MEMBERS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                        SHMAP_JOB_MEMBERS_OFF);
    if (m == MAP_FAILED || !shmap__job_file_ok(page, (uint64_t)sb.st_size)) {
        int e = m == MAP_FAILED ? -errno : SHMAP_EBADOBJ;
        if (m != MAP_FAILED)
            SYS(munmap)(m, MEMBERS_BYTES);
        SYS(munmap)(page, SHMAP_PAGE_SIZE);
        return e;
    }
    shmap__guard_add(page, SHMAP_PAGE_SIZE, PROT_READ | PROT_WRITE); /* base/guard.c */
    shmap__guard_add(m, MEMBERS_BYTES, PROT_READ | PROT_WRITE);
    v->st = (struct shmap_jobst *)((char *)page + SHMAP_STATE_OFF);
    v->m = m;
    v->fd = fd;
    return 0;
}

void shmap__job_unmap(struct shmap_jview *v)
{
    if (v->st) {
        shmap__guard_remove((char *)v->st - SHMAP_STATE_OFF, -1);
        SYS(munmap)((char *)v->st - SHMAP_STATE_OFF, SHMAP_PAGE_SIZE);
    }
    if (v->m) {
        shmap__guard_remove(v->m, -1);
        SYS(munmap)(v->m, MEMBERS_BYTES);
    }
    if (v->fd >= 0)
        shmap__close_fd(v->fd);
    if (v->pipe >= 0)
        shmap__close_fd(v->pipe);
    *v = (struct shmap_jview){NULL, NULL, -1, -1};
}

static uint64_t file_ino(int fd)
{
    struct stat sb;
    return SYS(fstat)(fd, &sb) == 0 ? (uint64_t)sb.st_ino : 0;
}

void shmap__job_joined(int fd, int rfd)
{
    struct shmap_jview v = {NULL, NULL, -1, -1};
    if (fd < 0 || shmap__job_map(fd, &v) != 0) {
        if (fd >= 0)
            shmap__close_fd(fd);
        if (rfd >= 0)
            shmap__close_fd(rfd); /* (armed, it still kills us with the job) */
        return;
    }
    v.pipe = rfd;
    /* kept across exec: a program we exec stays killable with the job */
    if (rfd >= 0)
        SYS(fcntl_int)(rfd, F_SETFD, 0);
    /* our entry learns the number of our read end (to disarm it later) */
    if (rfd >= 0 && shmap__self_st) {
        shmap__job_lock(v.st);
        struct shmap_jmember *e = find_member(&v, shmap__pid(), shmap__self_st->start);
        if (e)
            e->rfd = rfd;
        shmap__job_unlock(v.st);
    }
    uint64_t ino = file_ino(v.fd), parent = v.st->parent_ino;
    struct shmap_jview old = v; /* what is dropped: by default, the new view */
    pthread_mutex_lock(&shmap__job_self_lock);
    uint32_t i = 0;
    while (i < self_n && self_jobs[i].ino != ino)
        i++;
    if (i < self_n) { /* a job of our chain again (a new, armed end): replaces */
        old = self_jobs[i].v;
        self_jobs[i].v = v;
    } else if (ino) {
        /* the chain stays parent-linked: the new job is our innermost's
         * child (appended), or the parent of our outermost (a JOIN
         * overtaken by its child's), or our first */
        bool last = self_n == 0 || parent == self_jobs[self_n - 1].ino;
        bool first = !last && self_jobs[0].v.st->parent_ino == ino;
        struct self_job *a =
            (last || first) ? realloc(self_jobs, (self_n + 1) * sizeof *self_jobs) : NULL;
        if (a) {
            self_jobs = a;
            uint32_t at = last ? self_n : 0;
            memmove(&a[at + 1], &a[at], (self_n - at) * sizeof *a);
            a[at].v = v;
            a[at].ino = ino;
            self_n++;
            old = (struct shmap_jview){NULL, NULL, -1, -1};
        }
    }
    pthread_mutex_unlock(&shmap__job_self_lock);
    shmap__job_unmap(&old);
}

/* A view of our own of chain job i (the mappings of self_jobs are shared:
 * map anew).  Under shmap__job_self_lock.  0 if made. */
static int view_copy(uint32_t i, struct shmap_jview *out)
{
    const struct shmap_jview *s = &self_jobs[i].v;
    *out = (struct shmap_jview){NULL, NULL, -1, -1};
    int fd = SYS(fcntl_int)(s->fd, F_DUPFD_CLOEXEC, 0);
    int pipe = s->pipe >= 0 ? SYS(fcntl_int)(s->pipe, F_DUPFD_CLOEXEC, 0) : -1;
    int r = fd < 0 ? -errno : shmap__job_map(fd, out);
    if (r) {
        if (fd >= 0)
            shmap__close_fd(fd);
        if (pipe >= 0)
            shmap__close_fd(pipe);
        return r;
    }
    out->pipe = pipe;
    return 0;
}

/* Take in a JOIN that may be on its way: our state names a job that is
 * not our chain's innermost. */
static void self_catch_up(void)
{
    uint64_t want = shmap__self_st ? atomic_load(&shmap__self_st->job_ino) : 0;
    pthread_mutex_lock(&shmap__job_self_lock);
    bool behind = want && (self_n == 0 || self_jobs[self_n - 1].ino != want);
    pthread_mutex_unlock(&shmap__job_self_lock);
    if (behind)
        shmap__xfer_drain();
}

/* Views of our own of our whole chain, outermost first (free with
 * views_free); their number, 0 if we are in no job. */
static uint32_t self_views(struct shmap_jview **out)
{
    self_catch_up();
    *out = NULL;
    pthread_mutex_lock(&shmap__job_self_lock);
    uint32_t n = 0;
    struct shmap_jview *a = self_n ? malloc(self_n * sizeof *a) : NULL;
    for (uint32_t i = 0; a && i < self_n; i++)
        if (view_copy(i, &a[n]) == 0)
            n++;
        else
            break; /* (only a whole prefix of the chain is of use) */
    pthread_mutex_unlock(&shmap__job_self_lock);
    if (n == 0)
        free(a);
    else
        *out = a;
    return n;
}

static void views_free(struct shmap_jview *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        shmap__job_unmap(&a[i]);
    free(a);
}

/* Our immediate job (the innermost of our chain), if any; false if none. */
static bool self_view(struct shmap_jview *out)
{
    self_catch_up();
    pthread_mutex_lock(&shmap__job_self_lock);
    bool in = self_n > 0 && view_copy(self_n - 1, out) == 0;
    pthread_mutex_unlock(&shmap__job_self_lock);
    return in;
}

/* ---- adding a process ---------------------------------------------------------- */

/* A new read end of the kill pipe for pid: owned by it, armed if the job
 * kills on close. */
static int read_end_for(int pipe_fd, uint32_t pid, bool armed)
{
    int rfd = shmap__reopen_self(pipe_fd, O_RDONLY | O_NONBLOCK);
    if (rfd < 0)
        return rfd;
    struct f_owner_ex ow = {F_OWNER_PID, (pid_t)pid};
    if (SYS(fcntl_owner)(rfd, F_SETOWN_EX, &ow) != 0 ||
        (armed && SYS(fcntl_int)(rfd, F_SETSIG, SIGKILL) != 0) ||
        (armed && SYS(fcntl_int)(rfd, F_SETFL, O_NONBLOCK | O_ASYNC) != 0)) {
        int e = -errno;
        shmap__close_fd(rfd);
        return e;
    }
    return rfd;
}

/* Give p what a member holds (AssignProcessToJobObject, or limits set
 * after it joined): the job file (keeping the job, as a Windows process
 * keeps its job) and a read end of the kill pipe, armed or not.  Into its
 * inbox: an armed read end kills it from there, taken in or not (the
 * message holds copies of both).  A process with no inbox (neither a shmap
 * process nor one we started) gets nothing: only a CloseHandle of the last
 * handle or TerminateJobObject ends it (docs/processes.md).  0 if given. */
static int deliver(struct shmap_jview *v, struct shmap_process *p, bool armed)
{
    if (!p->self && !p->st)
        return SHMAP_ENOTSUP;
    int jfd = shmap__reopen_self(v->fd, O_RDWR);
    int r = jfd < 0 ? jfd : shmap__lock_shared(jfd);
    int rfd = -1; /* (stays -1 if the job has no pipe) */
    if (r == 0 && v->pipe >= 0 && (rfd = read_end_for(v->pipe, p->pid, armed)) < 0) {
        r = rfd; /* could not make one */
        rfd = -1;
    }
    if (r == 0 && p->self) {
        shmap__job_joined(jfd, rfd); /* takes both over */
        return 0;
    }
    if (r == 0)
        r = shmap__xfer_join(p, jfd, rfd);
    if (jfd >= 0)
        shmap__close_fd(jfd);
    if (rfd >= 0)
        shmap__close_fd(rfd);
    return r;
}

/* Undo add_process's entry for p (p's note of the job, ino, back to prev;
 * a nesting it made undone if the job is empty again). */
static void take_back(struct shmap_jview *v, struct shmap_process *p, struct shmap_procst *pst,
                      uint64_t ino, uint64_t prev, bool nested)
{
    shmap__job_lock(v->st);
    struct shmap_jmember *e = find_member(v, p->pid, p->start);
    if (e) {
        *e = v->m[--v->st->nmembers];
        memset(&v->m[v->st->nmembers], 0, sizeof *e);
        v->st->total_processes--;
    }
    if (nested && v->st->nmembers == 0)
        v->st->parent_ino = 0;
    shmap__job_unlock(v->st);
    if (pst) {
        for (uint32_t i = 0; i < SHMAP_PROC_JOBS; i++) {
            uint64_t want = ino;
            atomic_compare_exchange_strong(&pst->jobs[i], &want, 0);
        }
        atomic_compare_exchange_strong(&pst->job_ino, &ino, prev);
    }
}

/* Put process p into the job v (AssignProcessToJobObject's work).  A
 * process already in a job (its immediate job `in`) may go into a job that
 * is in no hierarchy and empty (the job becomes a child of `in`: nested) or
 * into a child of `in`; anything else would break the tree (-EACCES).  A
 * process in no job cannot go into a nested job from outside (its
 * ancestors' files are not reachable here: SHMAP_ENOTSUP; a child of a
 * member joins its parent's whole chain, outermost first). */
static int add_process(struct shmap_jview *v, struct shmap_process *p)
{
    struct shmap_jobst *st = v->st;
    struct stat sb;
    if (SYS(fstat)(v->fd, &sb) != 0)
        return -errno;
    if (p->start == 0 || shmap__process_ended(p))
        return -EACCES; /* Windows: a process that has ended cannot be assigned */
    int r = 0;
    uint64_t ino = (uint64_t)sb.st_ino;
    shmap__job_lock(st);
    uint32_t live = shmap__job_prune(v);
    bool armed = (st->limit_flags & SHMAP_JOB_LIMIT_KILL_ON_JOB_CLOSE) != 0;
    struct shmap_procst *pst = p->self ? shmap__self_st : p->st;
    if (find_member(v, p->pid, p->start)) {
        shmap__job_unlock(st);
        return 0; /* already there (this job, or one of its children) */
    }
    uint64_t in = pst ? atomic_load(&pst->job_ino) : 0;
    bool nest = false;
    if (in && in != ino) { /* in a job: nesting, checked before any limit */
        nest = st->parent_ino == 0 && live == 0;
        if (!nest && st->parent_ino != in) {
            shmap__job_unlock(st);
            return -EACCES; /* the tree would break */
        }
    } else if (!in && st->parent_ino) {
        shmap__job_unlock(st);
        return SHMAP_ENOTSUP; /* into a nested job from outside: DESIGN.md §17 */
    }
    if (pst && in != ino && atomic_load(&pst->job_n) >= SHMAP_PROC_JOBS) {
        shmap__job_unlock(st);
        return -EACCES; /* deeper than the state page records: DESIGN.md §17 */
    }
    bool over = (st->limit_flags & SHMAP_JOB_LIMIT_ACTIVE_PROCESS) && live >= st->active_limit;
    if (over || live >= SHMAP_JOB_MAX_MEMBERS)
        r = SHMAP_EQUOTA;
    if (over) { /* Windows ends the process (and counts it) */
        st->total_processes++;
        st->total_terminated++;
        shmap__job_post(st, SHMAP_JOB_MSG_ACTIVE_PROCESS_LIMIT, 0);
    }
    uint64_t was = in == ino ? 0 : in;
    if (r == 0 && pst && !atomic_compare_exchange_strong(&pst->job_ino, &was, ino) && was != ino)
        r = -EACCES; /* joined another job since we looked */
    if (r == 0) {
        struct shmap_jmember *e = &v->m[live];
        memset(e, 0, sizeof *e);
        e->rfd = -1;
        e->start = p->start;
        e->pid = p->pid;
        st->nmembers = live + 1;
        st->total_processes++;
        if (nest)
            st->parent_ino = in;
        uint32_t slot = pst && in != ino ? atomic_fetch_add(&pst->job_n, 1) : SHMAP_PROC_JOBS;
        if (slot < SHMAP_PROC_JOBS)
            atomic_store(&pst->jobs[slot], ino);
    }
    shmap__job_unlock(st);
    int d = r == 0 ? deliver(v, p, armed) : 0;
    if (d != 0 && d != SHMAP_ENOTSUP) { /* not given what a member holds: not one */
        take_back(v, p, pst, ino, in == ino ? 0 : in, nest);
        r = d;
    } else if (r == 0) {
        shmap__job_lock(st);
        shmap__job_post(st, SHMAP_JOB_MSG_NEW_PROCESS, p->pid);
        shmap__job_unlock(st);
    }
    if (over) /* "the process is terminated and the association fails" */
        shmap__process_kill(p, true, SHMAP_JOB_QUOTA_CODE);
    return r;
}

/* ---- killing ---------------------------------------------------------------------- */

static int job_view_of(uint32_t pid, dev_t dev, uint64_t ino, bool want_pipe,
                       struct shmap_jview *out, bool *blind);

/* The jobs below a terminated one in its members' chains, each found once
 * (kill_members).  A member may not have taken in the files of its jobs
 * yet (they wait in its inbox): then another holder's are used. */
#define BELOW_MAX 32
struct below {
    dev_t dev;
    uint64_t ino; /* the terminated job's file */
    uint32_t n;
    struct {
        uint64_t ino;
        int r; /* 0: v is a view of it; else not found */
        struct shmap_jview v;
    } j[BELOW_MAX];
};

static struct shmap_jview *below_view(struct below *b, uint32_t pid, uint64_t ino)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (b->j[i].ino == ino)
            return b->j[i].r == 0 ? &b->j[i].v : NULL;
    if (b->n == BELOW_MAX)
        return NULL; /* (more distinct jobs than that: ABNORMAL_EXIT_PROCESS) */
    uint32_t i = b->n++;
    b->j[i].ino = ino;
    b->j[i].r = job_view_of(pid, b->dev, ino, false, &b->j[i].v, NULL);
    if (b->j[i].r == -ENOENT)
        b->j[i].r = job_view_of(0, b->dev, ino, false, &b->j[i].v, NULL);
    return b->j[i].r == 0 ? &b->j[i].v : NULL;
}

static void below_free(struct below *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (b->j[i].r == 0)
            shmap__job_unmap(&b->j[i].v);
    b->n = 0;
}

/* TerminateJobObject of b's job ends member p: its end is an EXIT_PROCESS
 * in the jobs of its chain below that job too, as it is in that job's
 * (before it is killed).  A job not found sees ABNORMAL_EXIT_PROCESS. */
static void exit_below(struct below *b, struct shmap_process *p)
{
    struct shmap_procst *pst = p->st;
    if (!pst)
        return;
    uint32_t n = atomic_load(&pst->job_n);
    if (n > SHMAP_PROC_JOBS)
        n = SHMAP_PROC_JOBS;
    uint32_t i = 0;
    while (i < n && atomic_load(&pst->jobs[i]) != b->ino)
        i++;
    for (i++; i < n; i++) { /* (none if the job is not in the chain) */
        uint64_t j = atomic_load(&pst->jobs[i]);
        struct shmap_jview *c = j ? below_view(b, p->pid, j) : NULL;
        if (!c)
            continue;
        shmap__job_lock(c->st);
        struct shmap_jmember *e = find_member(c, p->pid, p->start);
        if (e && !(e->flags & SHMAP_JM_EXITED)) {
            e->flags |= SHMAP_JM_EXITED;
            shmap__job_post(c->st, SHMAP_JOB_MSG_EXIT_PROCESS, p->pid);
        }
        shmap__job_unlock(c->st);
    }
}

/* The members alive, as a copy (free it), and their number. */
static int members_copy(struct shmap_jview *v, struct shmap_jmember **out, uint32_t *n)
{
    shmap__job_lock(v->st);
    *n = shmap__job_prune(v);
    *out = malloc((*n ? *n : 1) * sizeof **out);
    if (*out)
        memcpy(*out, v->m, *n * sizeof **out);
    else
        *n = 0;
    shmap__job_unlock(v->st);
    return *out ? 0 : -ENOMEM;
}

/* A record of member e's process (one handle count) in *out, NULL if it is
 * no longer that process; ourselves included.  -errno if we could not look. */
static int member_process(const struct shmap_jmember *e, struct shmap_process **out)
{
    struct shmap_process *p;
    *out = NULL;
    if (e->pid == shmap__pid()) {
        if ((p = shmap__process_self()) == NULL)
            return -ENOMEM;
        shmap__obj_handle_get(&p->obj);
        shmap__obj_put(&p->obj);
        *out = p;
        return 0;
    }
    int r = shmap__process_record(e->pid, &p);
    if (r)
        return r == -EINVAL ? 0 : r; /* -EINVAL: no such process */
    if (p->start != e->start || shmap__process_ended(p))
        shmap__obj_handle_put(&p->obj);
    else
        *out = p;
    return 0;
}

/* Kill every member but ourselves (TerminateJobObject, or the last handle
 * gone); with set_code, their exit code is code.  The first error of a
 * member we could not reach (the others are killed all the same). */
static int kill_members(struct shmap_jview *v, bool set_code, uint32_t code)
{
    struct shmap_jmember *list;
    uint32_t n;
    int r = members_copy(v, &list, &n);
    if (r)
        return r;
    if (set_code) { /* TerminateJobObject: they exit (with code), not abnormally */
        shmap__job_lock(v->st);
        for (uint32_t i = 0; i < v->st->nmembers && i < SHMAP_JOB_MAX_MEMBERS; i++)
            if (!(v->m[i].flags & SHMAP_JM_EXITED)) {
                v->m[i].flags |= SHMAP_JM_EXITED;
                shmap__job_post(v->st, SHMAP_JOB_MSG_EXIT_PROCESS, v->m[i].pid);
            }
        shmap__job_unlock(v->st);
    }
    struct stat sb;
    bool below = set_code && SYS(fstat)(v->fd, &sb) == 0;
    struct below *b = below ? malloc(sizeof *b) : NULL;
    if (b) {
        b->dev = sb.st_dev;
        b->ino = (uint64_t)sb.st_ino;
        b->n = 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct shmap_process *p = NULL;
        int e = list[i].pid == shmap__pid() ? 0 : member_process(&list[i], &p);
        if (p && b)
            exit_below(b, p);
        if (p && (e = shmap__process_kill(p, set_code, code)) == -ESRCH)
            e = 0; /* ended meanwhile */
        if (p)
            shmap__obj_handle_put(&p->obj);
        if (e && r == 0)
            r = e;
    }
    if (b)
        below_free(b);
    free(b);
    free(list);
    return r;
}

/* ---- records (named.c) -------------------------------------------------------------- */

static void view_of(struct shmap_named *k, struct shmap_jview *v)
{
    v->st = k->state;
    v->m = k->aux;
    v->fd = k->obj.fd;
    v->pipe = k->aux_fd;
}

/* A failure that says "not there" (a descriptor closed, a process gone or
 * not ours to look into), not "could not look". */
static bool not_there(int e)
{
    return e == ENOENT || e == EACCES || e == EPERM || e == ESRCH;
}

/* The pipe at path (a /proc/PID/fd/N link), if it is the one with inode
 * ino; -ENOENT if not, another -errno if we could not look. */
static int open_pipe_at(const char *path, uint64_t ino)
{
    /* only that pipe is ever opened: the ring and the table come from a
     * file others can write, and opening some other descriptor of some
     * other process (a terminal, a device) is not harmless */
    char want[40], target[64];
    snprintf(want, sizeof want, "pipe:[%llu]", (unsigned long long)ino);
    ssize_t k = SYS(readlinkat)(AT_FDCWD, path, target, sizeof target - 1);
    if (k < 0 && !not_there(errno) && errno != EINVAL) /* (EINVAL: not a link, as ".") */
        return -errno;
    if (!ino || k <= 0)
        return -ENOENT;
    target[k] = 0;
    if (strcmp(target, want) != 0)
        return -ENOENT;
    /* O_RDWR: a FIFO open that never waits for the other side */
    int fd = SYS(openat)(AT_FDCWD, path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
    /* The descriptor may have been closed and its number given to
     * something else between the readlink and the open (a directory:
     * EISDIR, seen in test-churn's job churn): not the pipe either. */
    if (fd < 0)
        return not_there(errno) || errno == EISDIR || errno == ENXIO ? -ENOENT : -errno;
    struct stat sb;
    int r = SYS(fstat)(fd, &sb) != 0                   ? -errno
            : S_ISFIFO(sb.st_mode) && sb.st_ino == ino ? fd
                                                       : -ENOENT;
    if (r != fd)
        shmap__close_fd(fd);
    return r;
}

struct pipe_search {
    uint64_t ino;
    int found; /* the descriptor, or -ENOENT, or -errno */
};

static bool pipe_at(void *arg, const char *path)
{
    struct pipe_search *s = arg;
    s->found = open_pipe_at(path, s->ino);
    return s->found != -ENOENT;
}

static bool pipe_in(void *arg, uint32_t pid)
{
    struct pipe_search *s = arg;
    int r = shmap__procfs_each_fd(pid, pipe_at, s);
    if (r < 0 && !not_there(-r))
        s->found = r;
    return s->found != -ENOENT;
}

/* The last resort (more holders than the ring remembers, all of them
 * gone from it): any process of ours with a descriptor of that pipe. */
static int scan_for_pipe(uint64_t ino)
{
    struct pipe_search s = {ino, -ENOENT};
    int r = shmap__procfs_each_pid(pipe_in, &s);
    return r ? r : s.found;
}

/* A write end of the job's kill pipe from a process that has one: -ENOENT
 * if none is left anywhere, another -errno if we could not look (then a new
 * pipe would split the job: its members would die with the old one). */
static int find_pipe(struct shmap_jview *v)
{
    uint64_t ino = v->st->pipe_ino;
    struct {
        uint32_t pid;
        int32_t fd;
    } cand[SHMAP_JOB_HOLDERS + 8];
    unsigned n = 0;
    shmap__job_lock(v->st);
    for (unsigned i = 0; i < SHMAP_JOB_HOLDERS; i++)
        if (v->st->holders[i].pid) {
            cand[n].pid = v->st->holders[i].pid;
            cand[n++].fd = v->st->holders[i].fd;
        }
    for (uint32_t i = 0;
         i < v->st->nmembers && i < SHMAP_JOB_MAX_MEMBERS && n < sizeof cand / sizeof cand[0]; i++)
        if (v->m[i].rfd >= 0) {
            cand[n].pid = v->m[i].pid;
            cand[n++].fd = v->m[i].rfd;
        }
    shmap__job_unlock(v->st);
    for (unsigned i = 0; i < n; i++) {
        int fd = open_pipe_at(shmap__procfs_fd_path(cand[i].pid, cand[i].fd).s, ino);
        if (fd != -ENOENT)
            return fd;
    }
    return ino ? scan_for_pipe(ino) : -ENOENT;
}

/* ---- other jobs' files: ancestors, the jobs of a member's chain ------------------------ */

/* A job's state records its parent's inode, not a way to open it: the
 * file is found as a process holds it (every member of a job holds the
 * files of its whole chain; a handle's holder its job's), in /proc. */
struct file_search {
    dev_t dev;
    uint64_t ino;
    int found;  /* a descriptor of our own, or -ENOENT, or -errno */
    bool blind; /* some process could not be looked into */
};

/* The job file at path (a /proc/PID/fd/N link), if it is the regular file
 * (dev, ino); -ENOENT if not, another -errno if we could not look. */
static int open_file_at(const char *path, dev_t dev, uint64_t ino)
{
    /* a stat first: nothing but that file is ever opened (opening some
     * other descriptor of another process, a FIFO or a device, is not
     * harmless) */
    struct stat sb;
    if (SYS(fstatat)(AT_FDCWD, path, &sb, 0) != 0)
        return not_there(errno) || errno == EINVAL || errno == ENOTDIR ? -ENOENT : -errno;
    if (!S_ISREG(sb.st_mode) || sb.st_dev != dev || (uint64_t)sb.st_ino != ino)
        return -ENOENT;
    int fd = SYS(openat)(AT_FDCWD, path, O_RDWR | O_CLOEXEC | O_NOCTTY, 0);
    /* (closed and its number given to something else meanwhile: the
     * fstat below says whether it is still that file) */
    if (fd < 0)
        return not_there(errno) || errno == EISDIR || errno == ENXIO ? -ENOENT : -errno;
    int r = SYS(fstat)(fd, &sb) != 0                                                ? -errno
            : S_ISREG(sb.st_mode) && sb.st_dev == dev && (uint64_t)sb.st_ino == ino ? fd
                                                                                    : -ENOENT;
    if (r != fd)
        shmap__close_fd(fd);
    return r;
}

static bool file_at(void *arg, const char *path)
{
    struct file_search *s = arg;
    s->found = open_file_at(path, s->dev, s->ino);
    return s->found != -ENOENT;
}

static bool file_in(void *arg, uint32_t pid)
{
    struct file_search *s = arg;
    int r = shmap__procfs_each_fd(pid, file_at, s);
    if (r < 0 && not_there(-r) && -r != ENOENT && -r != ESRCH)
        s->blind = true; /* another user's process */
    else if (r < 0 && !not_there(-r))
        s->found = r;
    return s->found != -ENOENT;
}

/* A view of the job file (dev, ino) as process pid holds it (pid 0: any
 * process we can look into), with want_pipe a write end of its kill pipe
 * if anyone holds one.  0; -ENOENT if not found (*blind: some process could not be
 * looked into); another -errno. */
static int job_view_of(uint32_t pid, dev_t dev, uint64_t ino, bool want_pipe,
                       struct shmap_jview *out, bool *blind)
{
    struct file_search s = {dev, ino, -ENOENT, false};
    int r = pid ? (file_in(&s, pid), 0) : shmap__procfs_each_pid(file_in, &s);
    if (r == 0)
        r = s.found;
    if (blind)
        *blind = s.blind;
    if (r < 0)
        return r;
    int fd = r;
    *out = (struct shmap_jview){NULL, NULL, -1, -1};
    /* no lock of ours: a passing look, not a holder (the members it is
     * given to get their own, deliver) */
    if ((r = shmap__job_map(fd, out)) != 0) {
        shmap__close_fd(fd);
        return r;
    }
    int pipe = want_pipe ? find_pipe(out) : -ENOENT;
    if (pipe < 0 && pipe != -ENOENT) {
        shmap__job_unmap(out);
        return pipe;
    }
    out->pipe = pipe; /* (none: nobody holds the job any more, nothing to arm) */
    return 0;
}

static int new_pipe(uint64_t *ino)
{
    int p[2];
    if (SYS(pipe2)(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return -errno;
    /* one O_RDWR description: a writer, and an end to open more from */
    int fd = shmap__reopen_self(p[1], O_RDWR | O_NONBLOCK);
    SYS(close)(p[0]);
    SYS(close)(p[1]);
    if (fd >= 0)
        *ino = ino_of(fd);
    return fd;
}

static int job_attach(struct shmap_named *k, int aux_fd)
{
    struct shmap_jview v;
    view_of(k, &v);
    struct stat sb;
    int r = SYS(fstat)(k->obj.fd, &sb) != 0 ? -errno : 0;
    if (r == 0 && (uint64_t)sb.st_size < SHMAP_JOB_FILE_SIZE)
        r = SHMAP_EBADOBJ; /* the member table would be beyond the end */
    if (r == 0 && aux_fd >= 0 && SYS(fstat)(aux_fd, &sb) != 0)
        r = -errno;
    if (r) {
        if (aux_fd >= 0)
            shmap__close_fd(aux_fd);
        return r;
    }
    void *m = SYS(mmap)(NULL, MEMBERS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, k->obj.fd,
                        SHMAP_JOB_MEMBERS_OFF);
    if (m == MAP_FAILED) {
        if (aux_fd >= 0)
            shmap__close_fd(aux_fd);
        return -errno;
    }
    shmap__guard_add(m, MEMBERS_BYTES, PROT_READ | PROT_WRITE); /* base/guard.c */
    k->aux = v.m = m;
    if (aux_fd >= 0 && (!S_ISFIFO(sb.st_mode) || (uint64_t)sb.st_ino != v.st->pipe_ino)) {
        shmap__close_fd(aux_fd); /* not this job's: find the right one */
        aux_fd = -1;
    }
    if (aux_fd < 0 && (aux_fd = find_pipe(&v)) < 0 && aux_fd != -ENOENT)
        return aux_fd;
    if (aux_fd < 0) {
        /* nobody holds a write end any more (the job has been closed and
         * its members killed, or they were never armed): a new pipe */
        uint64_t ino = 0;
        if ((aux_fd = new_pipe(&ino)) < 0)
            return aux_fd;
        shmap__job_lock(v.st);
        v.st->pipe_ino = ino;
        shmap__job_unlock(v.st);
    }
    k->aux_fd = aux_fd;
    shmap__job_lock(v.st);
    /* a slot a holder gave up first: going round would push out the
     * creator's, and the next opener would scan /proc for a write end */
    unsigned slot = 0;
    while (slot < SHMAP_JOB_HOLDERS && v.st->holders[slot].pid != 0)
        slot++;
    if (slot == SHMAP_JOB_HOLDERS)
        slot = v.st->holder_next++ % SHMAP_JOB_HOLDERS;
    v.st->holders[slot].fd = aux_fd;
    v.st->holders[slot].pid = shmap__pid();
    shmap__job_unlock(v.st);
    return 0;
}

static void job_destroy(struct shmap_obj *o)
{
    struct shmap_named *k = (struct shmap_named *)o;
    if (k->aux && k->aux_fd >= 0) {
        struct shmap_jview v;
        view_of(k, &v);
        shmap__job_lock(v.st);
        for (unsigned i = 0; i < SHMAP_JOB_HOLDERS; i++)
            if (v.st->holders[i].pid == shmap__pid() && v.st->holders[i].fd == k->aux_fd)
                v.st->holders[i].pid = 0;
        bool kill_on_close = (v.st->limit_flags & SHMAP_JOB_LIMIT_KILL_ON_JOB_CLOSE) != 0;
        shmap__job_unlock(v.st);
        /* whether ours was the last write end anywhere: an empty pipe reads
         * EOF only when no writer is left */
        int rd = kill_on_close ? shmap__reopen_self(k->aux_fd, O_RDONLY | O_NONBLOCK) : -1;
        shmap__close_fd(k->aux_fd);
        k->aux_fd = -1;
        char b;
        if (rd >= 0 && SYS(read)(rd, &b, 1) == 0) /* armed members are dead already */
            kill_members(&v, false, 0);
        if (rd >= 0)
            shmap__close_fd(rd);
    }
    if (k->aux_fd >= 0)
        shmap__close_fd(k->aux_fd);
    if (k->aux) {
        shmap__guard_remove(k->aux, -1);
        SYS(munmap)(k->aux, MEMBERS_BYTES);
    }
    shmap__named_destroy(o);
}

/* ---- children and exit ---------------------------------------------------------------- */

int shmap__job_child_joins(unsigned sflags)
{
    struct shmap_jview *c;
    uint32_t n = self_views(&c);
    if (n == 0)
        return 0;
    /* Windows: if the immediate job lets it break away, the child breaks
     * away from it and from each job up the chain until one that does not;
     * if the immediate job does not, it breaks away from none */
    uint32_t k = n;
    while (k > 0) {
        uint32_t f = c[k - 1].st->limit_flags;
        if (!(f & SHMAP_JOB_LIMIT_SILENT_BREAKAWAY_OK) &&
            !((sflags & SHMAP_SPAWN_BREAKAWAY) && (f & SHMAP_JOB_LIMIT_BREAKAWAY_OK)))
            break;
        k--;
    }
    views_free(c, n);
    if (k == n && (sflags & SHMAP_SPAWN_BREAKAWAY))
        return -EACCES;
    return (int)k;
}

int shmap__job_add_child(struct shmap_process *p, int k)
{
    struct shmap_jview *c;
    uint32_t n = self_views(&c);
    int r = 0;
    /* outermost first: each job's parent has it already (every ancestor's
     * active process limit is checked, its own messages posted) */
    for (uint32_t i = 0; r == 0 && i < n && (int)i < k; i++)
        r = add_process(&c[i], p);
    if (n)
        views_free(c, n);
    return r;
}

void shmap__job_at_exit(void)
{
    /* a JOIN not taken in yet: our exit is still the job's to hear of */
    self_catch_up();
    if (!shmap__self_st)
        return;
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return;
    pthread_mutex_lock(&shmap__job_self_lock);
    for (uint32_t i = 0; i < self_n; i++) { /* every job of our chain */
        struct shmap_jview *v = &self_jobs[i].v;
        shmap__job_lock(v->st);
        struct shmap_jmember *e = find_member(v, shmap__pid(), shmap__self_st->start);
        if (e) {
            e->user =
                ((uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec) * 10u;
            e->kernel =
                ((uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec) * 10u;
            e->faults = (uint32_t)(ru.ru_minflt + ru.ru_majflt);
            e->flags |= SHMAP_JM_FINAL | SHMAP_JM_EXITED;
            shmap__job_post(v->st, SHMAP_JOB_MSG_EXIT_PROCESS, e->pid);
        }
        shmap__job_unlock(v->st);
    }
    pthread_mutex_unlock(&shmap__job_self_lock);
}

void shmap__job_fork_prepare(void)
{
    self_catch_up();
}

/* lifecycle.c, in a fork child, last (once the child's state and table are
 * its own): a fork child of a member joins its parent's whole chain. */
void shmap__job_fork_child(void)
{
    /* the parent's views are the parent's: a child of a member joins anew */
    struct self_job *old = self_jobs;
    uint32_t n = self_n;
    self_jobs = NULL;
    self_n = 0;
    if (!n)
        return;
    struct shmap_process *me = shmap__process_self();
    int r = 0;
    for (uint32_t i = 0; me && r == 0 && i < n; i++) /* outermost first */
        r = add_process(&old[i].v, me);
    if (me)
        shmap__obj_put(&me->obj);
    for (uint32_t i = 0; i < n; i++)
        shmap__job_unmap(&old[i].v);
    free(old);
}

/* ---- the native API -------------------------------------------------------------------- */

static uint32_t create_access(uint32_t access)
{
    uint32_t a = shmap__access_map_generic(SHMAP_TYPE_JOB, access);
    if (a & SHMAP_MAXIMUM_ALLOWED)
        a = (a & ~SHMAP_MAXIMUM_ALLOWED) |
            shmap__access_map_generic(SHMAP_TYPE_JOB, SHMAP_GENERIC_ALL);
    return a & shmap__access_valid_mask(SHMAP_TYPE_JOB);
}

SHMAP_EXTERN int shmap_job_create(const char *name, uint32_t access, unsigned flags,
                                  shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct shmap_name n;
    int r = shmap__name_parse(name, flags, &n);
    if (r < 0)
        return r;
    struct shmap_jobst init;
    memset(&init, 0, sizeof init);
    init.tag = SHMAP_JOB_TAG;
    init.version = SHMAP_JOB_VERSION;
    int pipe_fd = new_pipe(&init.pipe_ino);
    if (pipe_fd < 0)
        return pipe_fd;
    struct shmap_obj *o;
    int created =
        shmap__named_create(&shmap__job_ops, r == 1 ? NULL : &n, &init, sizeof init, pipe_fd, &o);
    if (created < 0)
        return created;
    uint32_t granted = create_access(access);
    /* a Create* that finds the object is checked as an open (§10.4) */
    if (created == SHMAP_EXISTED &&
        (r = shmap__objsec_check(SHMAP_TYPE_JOB, o->fd, granted, false, &granted)) != 0) {
        shmap__obj_handle_put(o);
        return r;
    }
    r = shmap__named_handle(o, granted, flags, out);
    return r ? r : created;
}

SHMAP_EXTERN int shmap_job_open(const char *name, uint32_t access, unsigned flags,
                                shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    return shmap__sync_open(&shmap__job_ops, name, access, flags, out);
}

/* The job of handle h with right (h 0: our own job, if any). */
int shmap__job_get(shmap_handle_t h, uint32_t right, struct shmap_obj **o, struct shmap_jview *v)
{
    *o = NULL;
    if (h == SHMAP_NULL_HANDLE)
        return self_view(v) ? 0 : -EACCES; /* in no job: NT's STATUS_ACCESS_DENIED */
    int r = shmap__handle_get_right(h, SHMAP_TYPE_JOB, right, o);
    if (r)
        return r;
    view_of((struct shmap_named *)*o, v);
    return 0;
}

void shmap__job_put(struct shmap_obj *o, struct shmap_jview *v)
{
    if (o)
        shmap__obj_put(o);
    else
        shmap__job_unmap(v);
}

/* Put p, a process in no job, into the nested job v: into every ancestor
 * first, outermost first, as Windows does (each ancestor's limits are
 * checked, its messages posted).  An ancestor no process holds any more
 * (no handle, no member: nobody can see it) is let go: the chain begins
 * below it.  One we cannot find because its holders are other users'
 * processes: SHMAP_ENOTSUP, and p is in no job (DESIGN.md §17). */
static int assign_chain(struct shmap_jview *v, struct shmap_process *p)
{
    struct stat sb;
    if (SYS(fstat)(v->fd, &sb) != 0)
        return -errno;
    struct shmap_jview up[SHMAP_PROC_JOBS]; /* up[0]: the parent, up[1] its parent... */
    uint32_t n = 0;
    int r = 0;
    for (struct shmap_jview *cur = v; r == 0;) {
        shmap__job_lock(cur->st);
        uint64_t parent = cur->st->parent_ino;
        uint32_t nm =
            cur->st->nmembers < SHMAP_JOB_MAX_MEMBERS ? cur->st->nmembers : SHMAP_JOB_MAX_MEMBERS;
        uint32_t pids[8], np = 0; /* members hold their whole chain */
        for (uint32_t i = 0; i < nm && np < 8; i++)
            pids[np++] = cur->m[i].pid;
        shmap__job_unlock(cur->st);
        if (!parent)
            break;
        if (n + 1 >= SHMAP_PROC_JOBS) {
            r = -EACCES; /* deeper than the state page records (add_process) */
            break;
        }
        r = -ENOENT;
        for (uint32_t i = 0; i < np && r == -ENOENT; i++)
            r = job_view_of(pids[i], sb.st_dev, parent, true, &up[n], NULL);
        bool blind = false;
        if (r == -ENOENT)
            r = job_view_of(0, sb.st_dev, parent, true, &up[n], &blind);
        if (r == -ENOENT && blind) {
            r = SHMAP_ENOTSUP;
        } else if (r == -ENOENT) { /* gone: cur is a root now */
            shmap__job_lock(cur->st);
            if (cur->st->parent_ino == parent)
                cur->st->parent_ino = 0;
            shmap__job_unlock(cur->st);
            r = 0;
            break;
        } else if (r == 0) {
            cur = &up[n++];
        }
    }
    for (uint32_t i = n; r == 0 && i-- > 0;)
        r = add_process(&up[i], p);
    for (uint32_t i = 0; i < n; i++)
        shmap__job_unmap(&up[i]);
    return r ? r : add_process(v, p);
}

SHMAP_EXTERN int shmap_job_assign(shmap_handle_t job, shmap_handle_t process)
{
    struct shmap_obj *o;
    struct shmap_jview v;
    if (job == SHMAP_NULL_HANDLE)
        return -EBADF;
    int r = shmap__job_get(job, SHMAP_JOB_ASSIGN_PROCESS, &o, &v);
    if (r)
        return r;
    struct shmap_process *p;
    r = shmap__process_get(process, SHMAP_PROCESS_SET_QUOTA | SHMAP_PROCESS_TERMINATE, &p);
    if (r == 0) {
        if (p->self) /* our chain up to date first (a JOIN on its way) */
            self_catch_up();
        struct shmap_procst *pst = p->self ? shmap__self_st : p->st;
        bool none = !pst || atomic_load(&pst->job_ino) == 0;
        r = none && v.st->parent_ino ? assign_chain(&v, p) : add_process(&v, p);
        shmap__obj_put(&p->obj);
    }
    shmap__job_put(o, &v);
    return r;
}

SHMAP_EXTERN int shmap_job_terminate(shmap_handle_t job, uint32_t code)
{
    struct shmap_obj *o;
    struct shmap_jview v;
    if (job == SHMAP_NULL_HANDLE)
        return -EBADF;
    int r = shmap__job_get(job, SHMAP_JOB_TERMINATE, &o, &v);
    if (r)
        return r;
    r = kill_members(&v, true, code);
    if (r == 0) { /* signalled, for every waiter of every process */
        atomic_store(&v.st->ended, 1);
        shmap__futex_wake(&v.st->ended, INT32_MAX);
    }
    bool me = false;
    if (r == 0 && shmap__self_st) {
        shmap__job_lock(v.st);
        me = find_member(&v, shmap__pid(), shmap__self_st->start) != NULL;
        shmap__job_unlock(v.st);
    }
    shmap__job_put(o, &v);
    if (me) /* the caller is in the job: it goes too, last */
        shmap__exit_with(code);
    return r;
}

SHMAP_EXTERN int shmap_job_contains(shmap_handle_t process, shmap_handle_t job, int *in)
{
    if (SHMAP_PROBE_OUT(in))
        return -EFAULT;
    struct shmap_process *p;
    int r = shmap__process_get(
        process, SHMAP_PROCESS_QUERY_INFORMATION | SHMAP_PROCESS_QUERY_LIMITED_INFORMATION, &p);
    if (r)
        return r;
    if (job == SHMAP_NULL_HANDLE) { /* any job */
        struct shmap_procst *pst = p->self ? shmap__self_st : p->st;
        *in = pst && pst->job_ino ? 1 : 0;
        shmap__obj_put(&p->obj);
        return 0;
    }
    struct shmap_obj *o;
    struct shmap_jview v;
    r = shmap__job_get(job, SHMAP_JOB_QUERY, &o, &v);
    if (r == 0) {
        shmap__job_lock(v.st);
        shmap__job_prune(&v);
        *in = find_member(&v, p->pid, p->start) ? 1 : 0;
        shmap__job_unlock(v.st);
        /* A member that has ended is still in its jobs while its process
         * object lives (Windows): its state page, which our handle keeps,
         * names their files. */
        struct shmap_procst *pst = p->self ? shmap__self_st : p->st;
        uint64_t ji = o && pst && !*in ? file_ino(o->fd) : 0;
        for (uint32_t i = 0; ji && i < SHMAP_PROC_JOBS; i++) /* any job of its chain */
            if (atomic_load(&pst->jobs[i]) == ji)
                *in = 1;
        shmap__job_put(o, &v);
    }
    shmap__obj_put(&p->obj);
    return r;
}

SHMAP_EXTERN int shmap_job_query(shmap_handle_t job, shmap_job_info_t *info)
{
    if (SHMAP_PROBE_OUT(info))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_jview v;
    int r = shmap__job_get(job, SHMAP_JOB_QUERY, &o, &v);
    if (r)
        return r;
    memset(info, 0, sizeof *info);
    shmap__job_lock(v.st);
    uint32_t n = shmap__job_prune(&v);
    info->user_time = v.st->gone_user;
    info->kernel_time = v.st->gone_kernel;
    uint64_t faults = v.st->gone_faults;
    for (uint32_t i = 0; i < n; i++) {
        info->user_time += v.m[i].user;
        info->kernel_time += v.m[i].kernel;
        faults += v.m[i].faults;
    }
    info->page_faults = (uint32_t)faults;
    info->total_processes = v.st->total_processes;
    info->active_processes = n;
    info->terminated_processes = v.st->total_terminated;
    shmap__job_unlock(v.st);
    shmap__job_put(o, &v);
    return 0;
}

SHMAP_EXTERN int shmap_job_pids(shmap_handle_t job, uint32_t *pids, size_t cap, size_t *count)
{
    if (SHMAP_PROBE_OUT(count) || cap > SIZE_MAX / sizeof *pids ||
        (cap && shmap__probe_out(pids, cap * sizeof *pids, sizeof *pids)))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_jview v;
    int r = shmap__job_get(job, SHMAP_JOB_QUERY, &o, &v);
    if (r)
        return r;
    shmap__job_lock(v.st);
    uint32_t n = shmap__job_prune(&v);
    for (uint32_t i = 0; i < n && i < cap; i++)
        pids[i] = v.m[i].pid;
    shmap__job_unlock(v.st);
    shmap__job_put(o, &v);
    *count = n;
    return n > cap ? SHMAP_EMOREDATA : 0;
}

SHMAP_EXTERN int shmap_job_get_limits(shmap_handle_t job, shmap_job_limits_t *l)
{
    if (SHMAP_PROBE_OUT(l))
        return -EFAULT;
    struct shmap_obj *o;
    struct shmap_jview v;
    int r = shmap__job_get(job, SHMAP_JOB_QUERY, &o, &v);
    if (r)
        return r;
    memset(l, 0, sizeof *l);
    shmap__job_lock(v.st);
    l->flags = v.st->limit_flags;
    l->active_processes = v.st->active_limit;
    l->process_time = v.st->process_time;
    l->job_time = v.st->job_time;
    l->min_working_set = v.st->min_ws;
    l->max_working_set = v.st->max_ws;
    l->affinity = v.st->affinity;
    l->priority_class = v.st->priority_class;
    l->scheduling_class = v.st->scheduling_class;
    l->process_memory = v.st->process_memory;
    l->job_memory = v.st->job_memory;
    shmap__job_unlock(v.st);
    shmap__job_put(o, &v);
    return 0;
}

/* Arm or disarm, in place, the read end member e holds (its number known
 * once it has taken it in), through pidfd_getfd: our children, or any
 * process of ours the ptrace rules let us reach. */
static bool rearm(struct shmap_process *p, const struct shmap_jmember *e, bool armed,
                  uint64_t pipe_ino)
{
    if (e->rfd < 0 || p->self || p->pidfd < 0)
        return false;
    int fd = SYS(pidfd_getfd)(p->pidfd, e->rfd, 0);
    if (fd < 0)
        return false;
    struct f_owner_ex ow;
    bool ok = ino_of(fd) == pipe_ino && SYS(fcntl_owner)(fd, F_GETOWN_EX, &ow) == 0 &&
              ow.pid == (pid_t)e->pid && (!armed || SYS(fcntl_int)(fd, F_SETSIG, SIGKILL) == 0) &&
              SYS(fcntl_int)(fd, F_SETFL, O_NONBLOCK | (armed ? O_ASYNC : 0)) == 0;
    SYS(close)(fd);
    return ok;
}

SHMAP_EXTERN int shmap_job_set_limits(shmap_handle_t job, const shmap_job_limits_t *l, int extended)
{
    if (!l || shmap__probe_read(l, sizeof *l))
        return -EFAULT;
    if (l->flags & ~(extended ? VALID_EXTENDED : VALID_BASIC))
        return -EINVAL;
    struct shmap_obj *o;
    struct shmap_jview v;
    if (job == SHMAP_NULL_HANDLE)
        return -EBADF;
    int r = shmap__job_get(job, SHMAP_JOB_SET_ATTRIBUTES, &o, &v);
    if (r)
        return r;
    shmap__job_lock(v.st);
    uint32_t was = v.st->limit_flags;
    uint32_t now = extended ? l->flags : (was & ~VALID_BASIC) | l->flags;
    v.st->limit_flags = now;
    v.st->active_limit = l->active_processes;
    v.st->process_time = l->process_time;
    v.st->job_time = l->job_time;
    v.st->min_ws = l->min_working_set;
    v.st->max_ws = l->max_working_set;
    v.st->affinity = l->affinity;
    v.st->priority_class = l->priority_class;
    v.st->scheduling_class = l->scheduling_class;
    if (extended) {
        v.st->process_memory = l->process_memory;
        v.st->job_memory = l->job_memory;
    }
    bool arm = (now & SHMAP_JOB_LIMIT_KILL_ON_JOB_CLOSE) != 0;
    bool change = arm != ((was & SHMAP_JOB_LIMIT_KILL_ON_JOB_CLOSE) != 0);
    uint64_t pipe_ino = v.st->pipe_ino;
    shmap__job_unlock(v.st);
    /* the members already there follow the new setting: an end we can
     * reach is changed in place; when arming, the others get a new one */
    struct shmap_jmember *list = NULL;
    uint32_t n = 0;
    r = change ? members_copy(&v, &list, &n) : 0;
    for (uint32_t i = 0; i < n; i++) {
        struct shmap_process *p;
        int e = member_process(&list[i], &p);
        if (p && !rearm(p, &list[i], arm, pipe_ino) && arm &&
            (e = deliver(&v, p, true)) == SHMAP_ENOTSUP)
            e = 0; /* (a process with no inbox: docs/processes.md) */
        if (p)
            shmap__obj_handle_put(&p->obj);
        if (e && r == 0)
            r = e;
    }
    free(list);
    shmap__job_put(o, &v);
    return r; /* a member we could not reach: the limits are set, it is not armed */
}

static bool job_state_ok(const void *state, shmap_type_t type)
{
    (void)type;
    return shmap__job_state_ok(state);
}

/* A copy of a job handle carries its holder's write end of the kill pipe. */
static void job_describe(struct shmap_obj *o, struct shmap_xfer *x, bool export)
{
    (void)export;
    x->data_fd = ((struct shmap_named *)o)->aux_fd;
}

/* A job is signalled once TerminateJobObject has ended its processes
 * (the end-of-job time limit, which would too, is not enforced); the
 * shared word `ended` says so, and waiters sleep on it. */
static struct shmap_jobst *job_st(struct shmap_obj *o)
{
    return (struct shmap_jobst *)((struct shmap_named *)o)->state;
}
static bool job_ended(struct shmap_obj *o)
{
    return atomic_load(&job_st(o)->ended) != 0;
}
static _Atomic uint32_t *job_end_word(struct shmap_obj *o, uint32_t *val)
{
    *val = 0;
    return &job_st(o)->ended;
}
static int job_end_fd(struct shmap_obj *o)
{
    (void)o;
    return -1;
}
static const struct shmap_wait_ops job_wait = {
    .kind = SHMAP_WK_END, .ended = job_ended, .end_word = job_end_word, .end_fd = job_end_fd};

const struct shmap_obj_ops shmap__job_ops = {
    .type = SHMAP_TYPE_JOB,
    .destroy = job_destroy,
    .file_size = SHMAP_JOB_FILE_SIZE, /* the member table, allocated at creation */
    .state_ok = job_state_ok,
    .attach = job_attach,
    .describe = job_describe,
    .adopt_file = shmap__named_adopt,
    .wait = &job_wait,
};
