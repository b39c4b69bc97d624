/*
 * lifecycle.c - the one owner of the process lifecycle: start-up, fork and
 * exit, at the top of the layers (docs/DESIGN.md §0).  Each module offers
 * steps (shmap__X_start, _fork_child, _at_exit); only this file calls
 * them, in the order written here, and only this file registers with the
 * C library (a constructor, one pthread_atfork, one on_exit).  It also
 * hands the lower layers what they must not name: the types' tables (the
 * registry) and the transfer layer's hooks into the handle table.
 * docs/DESIGN.md §18.
 *
 * fork(): every global lock of the library is taken before the fork and
 * released after it in both processes, so that what they protect (the
 * handle table, the caches, the view registry, the inbox) is whole in the
 * child, whatever the parent's other threads were doing; the child then
 * makes them anew (its copies are held by the forking thread).  Locks of
 * records, of which there are many, are made anew by the child at their
 * first use instead (forklock.c).
 *
 * The global locks are taken without an order among them: block on one
 * while holding none, then try the others; on a miss let everything go and
 * block on the one that was missed.  A thread of ours that holds one lock
 * and waits for another therefore never deadlocks with the fork, whatever
 * order it nests them in.
 */
#include "internal.h"

#include <sched.h>

/* ThreadSanitizer checks the child's steps against what the parent's other
 * threads did before the fork, though those threads are not in the child
 * (it stops checking only after our steps): tell it to look away. */
#if defined(__SANITIZE_THREAD__)
#define SHMAP_TSAN_FORK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHMAP_TSAN_FORK 1
#endif
#endif
#ifdef SHMAP_TSAN_FORK
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#else
static inline void __tsan_ignore_thread_begin(void) {}
static inline void __tsan_ignore_thread_end(void) {}
#endif

/* Every global lock of the library (a new one must be added here). */
static pthread_mutex_t *const fork_locks[] = {
    &shmap__std_lock,       /* file.c: standard handles */
    &shmap__inbox_lock,     /* xfer.c: handles put by other processes */
    &shmap__resolve_lock,   /* xfer.c: inherited handles taken in */
    &shmap__job_self_lock,  /* job.c: our membership */
    &shmap__proc_self_lock, /* process.c: our process record */
    &shmap__table_lock,     /* handle.c: the handle table */
    &shmap__reg_lock,       /* view.c: views and private allocations */
    &shmap__cache_lock,     /* object.c: names held */
    &shmap__pcache_lock,    /* named.c: state pages kept mapped */
    &shmap__ns_lock,        /* namespace.c: the directories */
    &shmap__pool_lock,      /* object.c: record memory */
    &shmap__renew_lock,     /* forklock.c: record lock renewals */
    &shmap__tp_lock,        /* pool.c: the thread pool */
};
#define NLOCKS SHMAP_ARRAY_LEN(fork_locks)

static void lock_all(void)
{
    size_t first = 0;
    for (;;) {
        pthread_mutex_lock(fork_locks[first]);
        size_t i = 0;
        while (i < NLOCKS && (i == first || pthread_mutex_trylock(fork_locks[i]) == 0))
            i++;
        if (i == NLOCKS)
            return;
        for (size_t j = 0; j < i; j++)
            if (j != first)
                pthread_mutex_unlock(fork_locks[j]);
        pthread_mutex_unlock(fork_locks[first]);
        first = i;
        sched_yield();
    }
}

static void fork_prepare(void)
{
    shmap__job_fork_prepare(); /* our job chain taken in: the child joins all of it */
    lock_all();
}

static void fork_parent(void)
{
    for (size_t i = NLOCKS; i-- > 0;)
        pthread_mutex_unlock(fork_locks[i]);
}

/* The child has one thread, ours, which holds every global lock: the steps
 * run with them released (no lock is contended in a one-thread process). */
static void fork_child(void)
{
    fork_parent(); /* released by the thread that took them, as in the parent */
    __tsan_ignore_thread_begin();
    shmap__forklock_child();     /* record locks: made anew at their first use */
    shmap__pid_forked();         /* pid and thread id */
    shmap__thread_forked();      /* the parent's thread objects are the parent's */
    shmap__mutex_fork_child();   /* the child owns no mutex (glibc's robust list is empty) */
    shmap__process_fork_child(); /* our own state memfd and inbox */
    shmap__xfer_fork_child();    /* the parent's connections and table windows */
    shmap__handle_republish();   /* the table, in the new state (names still known) */
    shmap__object_fork_child();  /* the parent's holds are the parent's: forget names */
    shmap__job_fork_child();     /* a child of a member joins its job */
    shmap__pool_fork_child();    /* the pool's threads are the parent's: an empty pool */
    __tsan_ignore_thread_end();
}

static void at_exit(int status, void *arg)
{
    (void)arg;
    if (shmap__process_at_exit(status)) /* the exit code (first writer wins) */
        shmap__job_at_exit();           /* our final times, for our job's accounting */
    shmap__handle_settle_all();         /* inherited named handles never used are taken in */
    shmap__object_at_exit();            /* names held only by us go (as Windows closes handles) */
}

/* Every type the library has, for the registry (transfer finds a type's
 * table by the number a description carries). */
static const struct shmap_obj_ops *const types[] = {
    &shmap__section_ops, &shmap__event_ops, &shmap__mutex_ops, &shmap__semaphore_ops,
    &shmap__timer_ops,   &shmap__job_ops,   &shmap__file_ops,  &shmap__process_ops,
    &shmap__thread_ops,  &shmap__token_ops, &shmap__iocp_ops,
};

static struct shmap_obj *main_thread; /* the loading thread's record */

__attribute__((constructor(200))) static void lifecycle_start(void)
{
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(types); i++)
        shmap__ops_register(types[i]);
    shmap__xfer_start();               /* the handle table publishes through xfer.c */
    int blob = shmap__process_start(); /* our state (page, inbox) */
    if (blob >= 0)
        shmap__xfer_inherit_unpack(blob); /* then the handles our parent gave us */
    /* the thread that loads us (the main thread of a program) is known from
     * the start, so that another thread can OpenThread it by its id; its
     * record stays referenced from here for the life of the process (and of
     * a fork child, which forgets the parent's threads but not their memory) */
    (void)shmap__thread_self(&main_thread);
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    on_exit(at_exit, NULL);
}

/* Referenced from sys.c, which every part of the library uses: a program
 * linked with the static library then always gets this file (and so its
 * constructor) although nobody calls into it. */
const char shmap__lifecycle_linked = 1;
