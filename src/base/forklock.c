/*
 * forklock.c - per-record locks that a fork child can use.
 *
 * A thread of the parent may hold a record's lock (a file's position, a
 * section's commits, a process record's connection) when another thread
 * calls fork(); the child has a copy of the locked mutex and no thread that
 * will ever unlock it.  The few global locks of the library are taken
 * across fork instead (lifecycle.c), so that what they protect is whole in
 * the child; records are too many to lock, and what their locks protect is
 * a value that is whole at every instant.  So a record lock remembers the
 * fork generation it was made in, and the first locker in a later
 * generation (a fork child) makes it anew.  The cost when nothing forked:
 * one relaxed load and compare.
 */
#include "base.h"

static _Atomic uint32_t fork_gen;
/* lifecycle.c: across fork */
pthread_mutex_t shmap__renew_lock = PTHREAD_MUTEX_INITIALIZER;

uint32_t shmap__fork_gen(void)
{
    return atomic_load_explicit(&fork_gen, memory_order_acquire);
}

void shmap__forklock_child(void)
{
    atomic_fetch_add(&fork_gen, 1);
}

void shmap__reclock_init(struct shmap_reclock *l)
{
    pthread_mutex_init(&l->mu, NULL);
    atomic_store_explicit(&l->gen, shmap__fork_gen(), memory_order_release);
}

void shmap__reclock_lock(struct shmap_reclock *l)
{
    uint32_t g = shmap__fork_gen();
    if (NEVER(atomic_load_explicit(&l->gen, memory_order_acquire) != g)) {
        /* made before a fork, in a parent: its holder, if any, is not here */
        pthread_mutex_lock(&shmap__renew_lock);
        if (atomic_load_explicit(&l->gen, memory_order_relaxed) != g) {
            pthread_mutex_init(&l->mu, NULL);
            atomic_store_explicit(&l->gen, g, memory_order_release);
        }
        pthread_mutex_unlock(&shmap__renew_lock);
    }
    pthread_mutex_lock(&l->mu);
}

void shmap__reclock_unlock(struct shmap_reclock *l)
{
    pthread_mutex_unlock(&l->mu);
}

void shmap__reclock_destroy(struct shmap_reclock *l)
{
    pthread_mutex_destroy(&l->mu);
}
