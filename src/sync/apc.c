/*
 * apc.c - user APCs (QueueUserAPC): a per-thread FIFO of (routine, argument)
 * that the thread runs in its next alertable wait.
 *
 * A queue belongs to one thread and is reachable from others through that
 * thread's object (thread.c holds a reference).  Its `word` is a sequence
 * number bumped after every append: an alertable wait reads it before it
 * looks at the queue and sleeps on it among its other words (wait.c), so an
 * append that comes after the look changes the word and the sleep does not
 * begin, or ends (no lost wake-up).  The queue's lock is held only to link
 * or unlink a node, never while a routine runs.  When the thread ends, the
 * queue is marked dead and emptied: later appends fail as Windows' do for an
 * ended thread (ERROR_GEN_FAILURE).  docs/DESIGN.md §23.
 */
#include "sync.h"

#include <pthread.h>
#include <stdlib.h>

struct uapc {
    struct uapc *next;
    shmap_apc_fn_t fn;
    uintptr_t arg;
};

struct shmap_apcq {
    pthread_mutex_t lock;
    _Atomic uint32_t word; /* bumped after each append */
    _Atomic uint32_t refs;
    _Atomic uint32_t count;   /* nodes queued: a look without the lock */
    bool dead;                /* its thread ended: appends fail */
    struct uapc *head, *tail; /* FIFO */
};

static __thread SHMAP_TLS struct shmap_apcq *t_q; /* the calling thread's, with a reference */

struct shmap_apcq *shmap__apcq_new(void)
{
    struct shmap_apcq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->lock, NULL);
    atomic_store(&q->refs, 1);
    return q;
}

void shmap__apcq_get(struct shmap_apcq *q)
{
    atomic_fetch_add(&q->refs, 1);
}

static void drain(struct shmap_apcq *q)
{
    for (struct uapc *a = q->head, *n; a; a = n) {
        n = a->next;
        free(a);
    }
    q->head = q->tail = NULL;
    atomic_store(&q->count, 0);
}

void shmap__apcq_put(struct shmap_apcq *q)
{
    if (!q || atomic_fetch_sub(&q->refs, 1) != 1)
        return;
    drain(q);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

void shmap__apcq_bind(struct shmap_apcq *q)
{
    shmap__apcq_get(q);
    t_q = q;
}

struct shmap_apcq *shmap__apcq_current(void)
{
    if (t_q)
        shmap__apcq_get(t_q);
    return t_q;
}

int shmap__apcq_add(struct shmap_apcq *q, shmap_apc_fn_t fn, uintptr_t arg)
{
    struct uapc *a = malloc(sizeof *a);
    if (!a)
        return -ENOMEM;
    *a = (struct uapc){.fn = fn, .arg = arg};
    pthread_mutex_lock(&q->lock);
    if (q->dead) {
        pthread_mutex_unlock(&q->lock);
        free(a);
        return SHMAP_EGENFAIL;
    }
    if (q->tail)
        q->tail->next = a;
    else
        q->head = a;
    q->tail = a;
    atomic_fetch_add(&q->count, 1);
    pthread_mutex_unlock(&q->lock);
    shmap__futex_inc_wake(&q->word); /* after the link: a waiter that sees it finds the node */
    return 0;
}

_Atomic uint32_t *shmap__uapc_word(uint32_t *val)
{
    if (!t_q)
        return NULL;
    *val = atomic_load(&t_q->word);
    return &t_q->word;
}

int shmap__uapc_run(void)
{
    struct shmap_apcq *q = t_q;
    int n = 0;
    if (!q || !atomic_load(&q->count))
        return 0;
    for (;;) { /* FIFO, and those the routines queue too: all before the wait returns */
        pthread_mutex_lock(&q->lock);
        struct uapc *a = q->head;
        if (a) {
            if (!(q->head = a->next))
                q->tail = NULL;
            atomic_fetch_sub(&q->count, 1);
        }
        pthread_mutex_unlock(&q->lock);
        if (!a)
            return n;
        shmap_apc_fn_t fn = a->fn;
        uintptr_t arg = a->arg;
        free(a);
        fn(arg);
        n++;
    }
}

void shmap__uapc_end(void)
{
    struct shmap_apcq *q = t_q;
    if (!q)
        return;
    t_q = NULL;
    pthread_mutex_lock(&q->lock);
    q->dead = true;
    drain(q); /* the queue of a thread that ends is dropped, as Windows' */
    pthread_mutex_unlock(&q->lock);
    shmap__apcq_put(q);
}

void shmap__uapc_forked(void)
{
    t_q = NULL; /* the parent thread's queue; the child's thread gets its own (leaked copy) */
}
