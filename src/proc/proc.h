/*
 * proc.h - the process layer (src/proc): process and thread objects,
 * handles that cross processes (inheritance, DuplicateHandle), jobs,
 * CreateProcess.  Uses every layer below (src/mem, src/sync, src/obj...).
 */
#ifndef SHMAP_PROC_H
#define SHMAP_PROC_H

#include "mem/mem.h"
#include "sync/sync.h"

/* ======================================================================
 * process.c - process objects.  Every process running libshmap has a
 * state page (struct shmap_procst, page 0 of a memfd named "shmap-proc"),
 * which holders of a handle to the process map too; xfer.c - handles
 * carried between processes (inheritance, DuplicateHandle); spawn.c -
 * CreateProcess.  docs/DESIGN.md §16.
 * ====================================================================== */

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

/* The tables of processes (process.c) and threads (thread.c). */
extern SHMAP_HIDDEN const struct shmap_obj_ops shmap__process_ops, shmap__thread_ops;
/* token.c: access tokens (OpenProcessToken). */
extern SHMAP_HIDDEN const struct shmap_obj_ops shmap__token_ops;
/* process.c: our own state (NULL if it could not be made). */
extern SHMAP_HIDDEN struct shmap_procst *shmap__self_st;
extern SHMAP_HIDDEN int shmap__self_memfd;
extern SHMAP_HIDDEN int shmap__inbox_fd; /* our inbox (listening), or -1 */
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
/* The thread pool's one lock (pool.c; lifecycle.c takes it across fork),
 * and its fork step: the child's pool starts empty. */
extern SHMAP_HIDDEN pthread_mutex_t shmap__tp_lock;
SHMAP_HIDDEN void shmap__pool_fork_child(void);
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
/* An inherited handle not taken in yet (type SHMAP_TYPE_PENDING): the
 * child's table holds the parent's description until the handle is first
 * used (handle.c resolves it then), so inheriting many handles and using a
 * few costs only the few. */
#define SHMAP_TYPE_PENDING ((shmap_type_t)SHMAP_TYPE_MAX_)
/* Take what other processes put into our table (called when inbox_gen moved). */
SHMAP_HIDDEN void shmap__xfer_drain(void);
/* In a fork child: forget the parent's inbox connections. */
SHMAP_HIDDEN void shmap__xfer_fork_child(void);
/* lifecycle.c, at start-up: give the handle table xfer.c's hooks. */
SHMAP_HIDDEN void shmap__xfer_start(void);
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

/* tls.c: the calling thread ends: call the FLS callbacks of its non-NULL
 * values and free its TLS/FLS values now (thread.c, before the thread is
 * seen ended; else a pthread key destructor does it). */
SHMAP_HIDDEN void shmap__tls_thread_end(void);

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
    struct shmap_process *proc;         /* the main thread of another process (one reference) */
    struct shmap_apcq *apcq;            /* its user APCs (apc.c; one reference), NULL for proc */
    struct shmap_thread *rnext, *rprev; /* the registry of live threads (OpenThread) */
    _Atomic uint32_t sus_seq;           /* bumped by its signal handler as it stops */
    _Atomic uint32_t kill;              /* TerminateThread asked: end at the signal */
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

/* ======================================================================
 * job.c - job objects.  The job file (a named object like the others) holds
 * struct shmap_jobst at SHMAP_STATE_OFF and the member table at
 * SHMAP_JOB_MEMBERS_OFF.  Every process holding a handle to the job holds
 * a write end of the job's kill pipe (named.c's aux_fd); every member
 * holds a read end that, when the job kills on close, is armed to make the
 * kernel send SIGKILL to that member once no write end is left.
 * docs/DESIGN.md §17.
 * ====================================================================== */

/* A job as one process sees it: its state, its members, a descriptor of
 * its file and one of its kill pipe (job.c; jobmsg.c reads its messages). */
struct shmap_jview {
    struct shmap_jobst *st;
    struct shmap_jmember *m;
    int fd;   /* the job file */
    int pipe; /* any end of the kill pipe (to open more ends), or -1 */
};
/* The job lock (robust); true if its holder died holding it. */
SHMAP_HIDDEN bool shmap__job_lock(struct shmap_jobst *st);
SHMAP_HIDDEN void shmap__job_unlock(struct shmap_jobst *st);
/* Under the lock: drop the members that ended (posting ABNORMAL_EXIT_PROCESS
 * for one whose exit was not posted, ACTIVE_PROCESS_ZERO when none is
 * left); the number alive. */
SHMAP_HIDDEN uint32_t shmap__job_prune(struct shmap_jview *v);
/* Map the job file fd (taken over on success) into v; unmap (closes). */
SHMAP_HIDDEN int shmap__job_map(int fd, struct shmap_jview *v);
SHMAP_HIDDEN void shmap__job_unmap(struct shmap_jview *v);
/* The job of handle h with right (h NULL: our own job; -EACCES if none),
 * and its release. */
SHMAP_HIDDEN int shmap__job_get(shmap_handle_t h, uint32_t right, struct shmap_obj **o,
                                struct shmap_jview *v);
SHMAP_HIDDEN void shmap__job_put(struct shmap_obj *o, struct shmap_jview *v);
/* Under the job lock: post message id (about pid, or 0) for the job's
 * completion port, if it has one (jobmsg.c drains them; DESIGN.md §22). */
static inline void shmap__job_post(struct shmap_jobst *st, uint32_t id, uint32_t pid)
{
    if (!st->port_set)
        return;
    uint32_t seq = atomic_load(&st->msg_seq);
    st->msgs[seq % SHMAP_JOB_MSGS] = (struct shmap_jmsg){id, pid};
    atomic_store(&st->msg_seq, seq + 1);
    shmap__futex_wake(&st->msg_seq, INT32_MAX);
}

/* A job record's state is sane (checked when a record is made). */
SHMAP_HIDDEN bool shmap__job_state_ok(const struct shmap_jobst *st);
/* The type's table.  Its attach completes a job record: maps the member
 * table, gets a write end of the kill pipe (aux_fd, taken over, or found),
 * registers as a holder. */
extern SHMAP_HIDDEN const struct shmap_obj_ops shmap__job_ops;
/* xfer.c: a JOIN message reached us (both descriptors taken over). */
SHMAP_HIDDEN void shmap__job_joined(int fd, int rfd);
/* spawn.c: how many jobs of our chain (outermost first) a child started
 * now joins (0: none, breakaway), or negative: it cannot be started
 * (breakaway refused). */
SHMAP_HIDDEN int shmap__job_child_joins(unsigned sflags);
/* spawn.c: put the (suspended) child p into the first n jobs of our chain. */
SHMAP_HIDDEN int shmap__job_add_child(struct shmap_process *p, int n);
/* lifecycle.c, before fork (no lock held): take in the JOINs on their way,
 * so that a fork child joins our whole job chain. */
SHMAP_HIDDEN void shmap__job_fork_prepare(void);
/* process.c: at exit, leave our final times in our member entry. */
SHMAP_HIDDEN void shmap__job_at_exit(void);
/* xfer.c: send a JOIN message to p. */
SHMAP_HIDDEN int shmap__xfer_join(struct shmap_process *p, int fd, int rfd);

/* ======================================================================
 * iocp.c - I/O completion ports: a process-local queue of packets, and
 * the sources that feed it from other processes (a job's messages, read
 * from the job file by the port's own waiters).  docs/DESIGN.md §22.
 * ====================================================================== */
extern SHMAP_HIDDEN const struct shmap_obj_ops shmap__iocp_ops;
/* A source of packets of a port (job.c: a job's message ring).  drain
 * queues what the source holds (shmap__iocp_queue) and returns the shared
 * word whose change announces more, with the value it had (NULL: none);
 * prune: also look for members that ended unseen (at most every
 * SHMAP_IOCP_PRUNE_NS).  release: the port goes (ctx freed). */
struct shmap_iocp_src_ops {
    _Atomic uint32_t *(*drain)(void *ctx, struct shmap_obj *port, bool prune, uint32_t *val);
    void (*release)(void *ctx);
};
#define SHMAP_IOCP_PRUNE_NS 100000000u
/* The port of handle h (one reference: shmap__obj_put it); -EBADF. */
SHMAP_HIDDEN int shmap__iocp_get(shmap_handle_t h, struct shmap_obj **port);
/* Add a source to port (taken over: released with the port). */
SHMAP_HIDDEN int shmap__iocp_add_src(struct shmap_obj *port, const struct shmap_iocp_src_ops *ops,
                                     void *ctx);
/* Queue a packet on port (and wake a waiter). */
SHMAP_HIDDEN int shmap__iocp_queue(struct shmap_obj *port, uint64_t key, uint64_t overlapped,
                                   uint32_t bytes);

/* ---- for the fuzz targets (fuzz/targets.h): pure validators ------------- */
/* job.c: is a job file of st_size bytes whose first page (header and
 * state, SHMAP_NAME_OFF bytes at least) is page one a member may map? */
SHMAP_HIDDEN bool shmap__job_file_ok(const void *page, uint64_t st_size);

/* ---- lifecycle.c's steps and the global locks of this layer ------------- */
SHMAP_HIDDEN int shmap__process_start(void);
SHMAP_HIDDEN void shmap__process_fork_child(void);
SHMAP_HIDDEN bool shmap__process_at_exit(int status);
SHMAP_HIDDEN void shmap__job_fork_child(void);
extern SHMAP_HIDDEN pthread_mutex_t shmap__inbox_lock;     /* xfer.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__resolve_lock;   /* xfer.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__job_self_lock;  /* job.c */
extern SHMAP_HIDDEN pthread_mutex_t shmap__proc_self_lock; /* process.c */

#endif
