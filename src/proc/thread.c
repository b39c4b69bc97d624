/*
 * thread.c - thread objects: CreateThread and the thread handles that
 * waits, GetExitCodeThread and ResumeThread use, and the object of any
 * other thread once GetCurrentThread() is duplicated.  A thread object
 * lives in this process only; its `done` word is what a wait sleeps on
 * (wait.c) and changes once, when the thread ends.
 */
#include "proc.h"
#include "base/probe.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIG_STOP (SIGRTMAX - 2) /* SuspendThread, TerminateThread (below) */

/* SIG_STOP blocked (how SIG_BLOCK) or not (SIG_UNBLOCK) in the calling thread;
 * *old (may be NULL) gets the mask before. */
static void stop_mask(int how, sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIG_STOP);
    pthread_sigmask(how, &s, old);
}

static __thread SHMAP_TLS struct shmap_thread *t_self;    /* threads made here: their object */
static __thread SHMAP_TLS struct shmap_thread *t_adopted; /* others: made at first need */
static pthread_key_t adopt_key;
static pthread_once_t adopt_once = PTHREAD_ONCE_INIT;

/*
 * The registry of live threads that shmap knows (made by shmap_thread_create,
 * or adopted: shmap__thread_self), for OpenThread by id.  A thread enters
 * once its id is known and leaves in finish(), before it is seen ended.
 */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shmap_thread reg = {.rnext = &reg, .rprev = &reg};

static void reg_add(struct shmap_thread *t)
{
    pthread_mutex_lock(&reg_lock);
    t->rnext = &reg;
    t->rprev = reg.rprev;
    reg.rprev->rnext = t;
    reg.rprev = t;
    pthread_mutex_unlock(&reg_lock);
}

static void reg_del(struct shmap_thread *t)
{
    pthread_mutex_lock(&reg_lock);
    if (t->rnext) {
        t->rprev->rnext = t->rnext;
        t->rnext->rprev = t->rprev;
        t->rnext = t->rprev = NULL;
    }
    pthread_mutex_unlock(&reg_lock);
}

static void thread_destroy(struct shmap_obj *o)
{
    struct shmap_thread *t = (struct shmap_thread *)o;
    if (t->proc)
        shmap__obj_put(&t->proc->obj);
    shmap__apcq_put(t->apcq);
    shmap__obj_fini(o);
    shmap__obj_free(o);
}

static void finish(struct shmap_thread *t, uint32_t code)
{
    stop_mask(SIG_BLOCK, NULL); /* no TerminateThread in the middle of ending */
    /* before anyone sees it ended: abandon its mutexes, as on Windows, and
     * give back what it keeps for itself (a closer must find no fd open) */
    shmap__mutex_abandon_all();
    shmap__tls_thread_end(); /* FLS callbacks, before a wait sees the end (tls.c) */
    shmap__handle_borrow_drop();
    reg_del(t);
    shmap__apc_drop_all();
    shmap__uapc_end(); /* its user APCs are dropped; a queue from now on fails */
    t->code = code;
    atomic_store(&t->done, 1);
    shmap__futex_wake(&t->done, INT32_MAX);
    shmap__obj_put(&t->obj); /* the thread's own reference */
}

static void sleep_suspended(struct shmap_thread *t);

static void on_exit_thread(void *p)
{
    struct shmap_thread *t = p;
    finish(t, t->exit_code);
}

static void *trampoline(void *p)
{
    struct shmap_thread *t = p;
    t_self = t;
    shmap__apcq_bind(t->apcq);
    atomic_store(&t->tid, (uint32_t)syscall(SYS_gettid));
    reg_add(t);
    shmap__futex_wake(&t->tid, INT32_MAX);
    pthread_cleanup_push(on_exit_thread, t);
    stop_mask(SIG_UNBLOCK, NULL); /* from here on a signal's pthread_exit runs finish() */
    sleep_suspended(t);           /* CREATE_SUSPENDED: until resumed (or terminated) */
    if (!atomic_load(&t->kill))
        t->exit_code = t->fn(t->arg);
    pthread_cleanup_pop(0);
    finish(t, t->exit_code);
    return NULL;
}

SHMAP_EXTERN int shmap_thread_create(shmap_thread_fn_t fn, void *arg, unsigned tflags,
                                     unsigned flags, shmap_handle_t *out, uint32_t *tid)
{
    if (SHMAP_PROBE_OUT(out) || (tid && SHMAP_PROBE_OUT(tid)))
        return -EFAULT;
    if (!fn)
        return -EINVAL;
    struct shmap_thread *t = shmap__obj_alloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    shmap__obj_init(&t->obj, &shmap__thread_ops, -1, NULL);
    if (!(t->apcq = shmap__apcq_new())) {
        thread_destroy(&t->obj);
        return -ENOMEM;
    }
    t->fn = fn;
    t->arg = arg;
    t->exit_code = SHMAP_STILL_ACTIVE;
    atomic_store(&t->suspend, (tflags & SHMAP_THREAD_SUSPENDED) ? 1u : 0u);
    shmap__obj_handle_get(&t->obj); /* the handle's count and reference */
    shmap__obj_get(&t->obj);        /* the thread's own */
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_t pt;
    sigset_t old;
    stop_mask(SIG_BLOCK, &old); /* inherited: blocked until it can end properly */
    int e = pthread_create(&pt, &a, trampoline, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&a);
    if (e) {
        shmap__obj_put(&t->obj);
        shmap__obj_handle_put(&t->obj);
        shmap__obj_put(&t->obj);
        return e == EAGAIN ? -ENOMEM : -e;
    }
    for (uint32_t v; (v = atomic_load(&t->tid)) == 0;) { /* its id, for the caller */
        _Atomic uint32_t *w[1] = {&t->tid};
        shmap__futex_waitv(w, &v, 1, UINT64_MAX);
    }
    if (tid)
        *tid = atomic_load(&t->tid);
    int r = shmap__handle_alloc(&t->obj, SHMAP_THREAD_ALL_ACCESS,
                                (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0, out);
    shmap__obj_put(&t->obj);
    if (r) {
        shmap__obj_handle_put(&t->obj);
        if (tflags & SHMAP_THREAD_SUSPENDED) /* nobody could resume it: let it run */
            atomic_store(&t->suspend, 0), shmap__futex_wake(&t->suspend, 1);
    }
    return r;
}

static int get_thread(shmap_handle_t h, uint32_t right, struct shmap_thread **t)
{
    struct shmap_obj *o;
    int r = shmap__handle_get_right(h, SHMAP_TYPE_THREAD, right, &o);
    if (r == 0)
        *t = (struct shmap_thread *)o;
    return r;
}

int shmap__thread_of_process(struct shmap_process *p, struct shmap_obj **out)
{
    struct shmap_thread *t = shmap__obj_alloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    shmap__obj_init(&t->obj, &shmap__thread_ops, -1, NULL);
    shmap__obj_get(&p->obj);
    t->proc = p;
    atomic_store(&t->tid, p->pid); /* a main thread's id is its process's */
    atomic_store(&t->obj.handles, 1);
    *out = &t->obj;
    return 0;
}

SHMAP_EXTERN int shmap_thread_resume(shmap_handle_t h, uint32_t *prev)
{
    if (prev && SHMAP_PROBE_OUT(prev))
        return -EFAULT;
    struct shmap_thread *t;
    int r = get_thread(h, SHMAP_THREAD_SUSPEND_RESUME, &t);
    if (r)
        return r;
    uint32_t s;
    if (t->proc) { /* the main thread of a child started suspended */
        s = shmap__process_resume(t->proc);
    } else if ((s = shmap__count_down(&t->suspend)) == 1) {
        shmap__futex_wake(&t->suspend, 1);
    }
    if (prev)
        *prev = s;
    shmap__obj_put(&t->obj);
    return 0;
}

SHMAP_EXTERN int shmap_thread_exit_code(shmap_handle_t h, uint32_t *code)
{
    if (SHMAP_PROBE_OUT(code))
        return -EFAULT;
    struct shmap_thread *t;
    int r = get_thread(h, SHMAP_THREAD_QUERY_LIMITED_INFORMATION, &t);
    if (r)
        return r;
    if (t->proc)
        r = shmap__process_code(t->proc, code);
    else
        *code = atomic_load(&t->done) ? t->code : SHMAP_STILL_ACTIVE;
    shmap__obj_put(&t->obj);
    return r;
}

SHMAP_EXTERN int shmap_thread_id(shmap_handle_t h, uint32_t *tid)
{
    if (SHMAP_PROBE_OUT(tid))
        return -EFAULT;
    if (h == SHMAP_CURRENT_THREAD) {
        *tid = shmap__tid();
        return 0;
    }
    struct shmap_thread *t;
    int r = get_thread(h, SHMAP_THREAD_QUERY_LIMITED_INFORMATION, &t);
    if (r)
        return r;
    *tid = atomic_load(&t->tid);
    shmap__obj_put(&t->obj);
    return 0;
}

SHMAP_EXTERN int shmap_thread_queue_apc(shmap_handle_t h, shmap_apc_fn_t fn, uintptr_t arg)
{
    struct shmap_thread *t;
    int r;
    if (h == SHMAP_CURRENT_THREAD) {
        struct shmap_obj *o;
        if ((r = shmap__thread_self(&o)) != 0)
            return r;
        t = (struct shmap_thread *)o;
    } else if ((r = get_thread(h, SHMAP_THREAD_SET_CONTEXT, &t)) != 0) {
        return r == SHMAP_ETYPE ? -EBADF : r;
    }
    if (!fn)
        r = -EINVAL;
    else if (t->proc) /* another process: no way into its threads */
        r = SHMAP_ENOTSUP;
    else if (atomic_load(&t->done))
        r = SHMAP_EGENFAIL;
    else
        r = shmap__apcq_add(t->apcq, fn, arg); /* EGENFAIL if it ended since */
    shmap__obj_put(&t->obj);
    return r;
}

/*
 * The calling thread's object, with one reference: GetCurrentThread() as a
 * DuplicateHandle source.  A thread that CreateThread did not make (the
 * main thread, a pthread) gets one the first time; it ends (signalled, its
 * exit code 0 or ExitThread's) when the thread does, from a thread-specific
 * destructor - the main thread's only if it calls pthread_exit, as the
 * process ends with it otherwise.
 */
static void adopted_end(void *p)
{
    struct shmap_thread *t = p;
    t_adopted = NULL;
    finish(t, t->exit_code);
}

static void adopt_key_make(void)
{
    pthread_key_create(&adopt_key, adopted_end);
}

int shmap__thread_self(struct shmap_obj **out)
{
    struct shmap_thread *t = t_self ? t_self : t_adopted;
    if (!t) {
        pthread_once(&adopt_once, adopt_key_make);
        if (!(t = shmap__obj_alloc(sizeof *t)))
            return -ENOMEM;
        shmap__obj_init(&t->obj, &shmap__thread_ops, -1, NULL);
        atomic_store(&t->tid, shmap__tid());
        shmap__obj_get(&t->obj); /* the thread's own, until it ends */
        /* a pool waiter keeps the queue it has: its wake-ups come through it */
        struct shmap_apcq *mine = shmap__apcq_current();
        if (!(t->apcq = mine ? mine : shmap__apcq_new()) ||
            pthread_setspecific(adopt_key, t) != 0) {
            shmap__obj_put(&t->obj);
            shmap__obj_put(&t->obj);
            return -ENOMEM;
        }
        t_adopted = t;
        if (!mine)
            shmap__apcq_bind(t->apcq);
        reg_add(t);
    }
    shmap__obj_get(&t->obj);
    *out = &t->obj;
    return 0;
}

void shmap__thread_forked(void)
{
    t_self = t_adopted = NULL;           /* the parent's thread; the child's is another */
    pthread_mutex_init(&reg_lock, NULL); /* the parent's threads are not ours */
    reg.rnext = reg.rprev = &reg;
    shmap__uapc_forked();
}

SHMAP_EXTERN int shmap_thread_open(uint32_t tid, uint32_t access, unsigned flags,
                                   shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct shmap_obj *o = NULL;
    if (tid == shmap__tid()) {
        int r = shmap__thread_self(&o);
        if (r)
            return r;
    } else {
        pthread_mutex_lock(&reg_lock);
        for (struct shmap_thread *t = reg.rnext; t != &reg; t = t->rnext)
            if (atomic_load(&t->tid) == tid && !atomic_load(&t->done)) {
                o = &t->obj;
                shmap__obj_get(o);
                break;
            }
        pthread_mutex_unlock(&reg_lock);
        if (!o)
            return -EINVAL; /* no such thread (of ours): ERROR_INVALID_PARAMETER */
    }
    shmap__obj_handle_get(o);
    int r = shmap__handle_alloc(
        o, shmap__access_map_generic(SHMAP_TYPE_THREAD, access) & SHMAP_THREAD_ALL_ACCESS,
        (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0, out);
    shmap__obj_put(o);
    if (r)
        shmap__obj_handle_put(o);
    return r;
}

/*
 * Suspension and termination of another thread of ours: a signal (SIG_STOP
 * below) whose handler, in the target, either sleeps on its suspend count
 * until that is 0 (SuspendThread) or ends the thread (TerminateThread:
 * pthread_exit, which unwinds it and runs finish()).  Whatever the thread
 * held stays held, as on Windows.
 */
static pthread_once_t sig_once = PTHREAD_ONCE_INIT;

static struct shmap_thread *me(void)
{
    return t_self ? t_self : t_adopted;
}

static void sleep_suspended(struct shmap_thread *t)
{
    for (uint32_t s; (s = atomic_load(&t->suspend)) != 0 && !atomic_load(&t->kill);) {
        _Atomic uint32_t *w[2] = {&t->suspend, &t->kill};
        uint32_t v[2] = {s, 0};
        shmap__futex_waitv(w, v, 2, UINT64_MAX);
    }
}

static void on_stop(int sig)
{
    (void)sig;
    struct shmap_thread *t = me();
    if (!t)
        return;
    int e = errno;
    shmap__futex_inc_wake(&t->sus_seq); /* the suspender may return */
    sleep_suspended(t);
    if (atomic_load(&t->kill))
        pthread_exit(NULL); /* NOLINT(cert-sig30-c): TerminateThread, documented */
    errno = e;
}

static void sig_make(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIG_STOP, &sa, NULL);
}

/* Signal t (not the caller) and wait until its handler has run, or it ended,
 * or nothing is asked of it any more. */
static void stop_other(struct shmap_thread *t)
{
    pthread_once(&sig_once, sig_make);
    uint32_t seq = atomic_load(&t->sus_seq);
    if (syscall(SYS_tgkill, getpid(), (pid_t)atomic_load(&t->tid), SIG_STOP) != 0)
        return; /* it has gone */
    while (atomic_load(&t->sus_seq) == seq && !atomic_load(&t->done) &&
           (atomic_load(&t->suspend) || atomic_load(&t->kill))) {
        _Atomic uint32_t *w[2] = {&t->sus_seq, &t->done};
        uint32_t v[2] = {seq, 0};
        shmap__futex_waitv(w, v, 2, shmap__mono_ns() + 10000000u); /* 10 ms: re-check */
    }
}

static int thread_of(shmap_handle_t h, uint32_t right, struct shmap_thread **t)
{
    if (h != SHMAP_CURRENT_THREAD)
        return get_thread(h, right, t);
    struct shmap_obj *o;
    int r = shmap__thread_self(&o);
    if (r == 0)
        *t = (struct shmap_thread *)o;
    return r;
}

SHMAP_EXTERN int shmap_thread_suspend(shmap_handle_t h, uint32_t *prev)
{
    if (prev && SHMAP_PROBE_OUT(prev))
        return -EFAULT;
    struct shmap_thread *t;
    int r = thread_of(h, SHMAP_THREAD_SUSPEND_RESUME, &t);
    if (r)
        return r;
    uint32_t s = atomic_load(&t->suspend);
    if (t->proc) {
        r = SHMAP_ENOTSUP; /* another process's thread */
    } else if (atomic_load(&t->done)) {
        r = -EACCES; /* ended (STATUS_THREAD_IS_TERMINATING) */
    } else {
        do {
            if (s >= SHMAP_MAXIMUM_SUSPEND_COUNT) {
                r = SHMAP_ESUSPENDMAX;
                break;
            }
        } while (!atomic_compare_exchange_weak(&t->suspend, &s, s + 1));
    }
    if (r == 0 && prev)
        *prev = s;
    if (r == 0 && s == 0) {
        if (t == me())
            sleep_suspended(t); /* until another thread resumes us */
        else
            stop_other(t);
    }
    shmap__obj_put(&t->obj);
    return r;
}

SHMAP_EXTERN int shmap_thread_terminate(shmap_handle_t h, uint32_t code)
{
    struct shmap_thread *t;
    int r = thread_of(h, SHMAP_THREAD_TERMINATE, &t);
    if (r)
        return r;
    if (t->proc) {
        r = SHMAP_ENOTSUP;
    } else if (t == me()) {
        shmap__obj_put(&t->obj);
        shmap_thread_exit(code);
    } else if (!atomic_load(&t->done) && !atomic_exchange(&t->kill, 1)) {
        t->exit_code = code; /* read by finish() in the thread, after the signal */
        shmap__futex_wake(&t->kill, INT32_MAX); /* a suspended one ends too */
        stop_other(t);
    }
    shmap__obj_put(&t->obj);
    return r;
}

SHMAP_EXTERN _Noreturn void shmap_thread_exit(uint32_t code)
{
    struct shmap_thread *me = t_self ? t_self : t_adopted;
    if (me)
        me->exit_code = code;
    pthread_exit(NULL); /* threads not made by shmap just end */
}

/* ---- the type's table ----------------------------------------------------- */

/* A thread of ours ends when its `done` word is set; the main thread of
 * another process (proc) when that process ends. */
static bool thread_ended(struct shmap_obj *o)
{
    struct shmap_thread *t = (struct shmap_thread *)o;
    if (t->proc)
        return shmap__process_ended(t->proc);
    return atomic_load(&t->done) != 0;
}

static _Atomic uint32_t *thread_end_word(struct shmap_obj *o, uint32_t *val)
{
    struct shmap_thread *t = (struct shmap_thread *)o;
    if (t->proc)
        return shmap__process_word(t->proc, val);
    *val = 0;
    return &t->done;
}

static int thread_end_fd(struct shmap_obj *o)
{
    struct shmap_thread *t = (struct shmap_thread *)o;
    return t->proc ? shmap__process_pidfd(t->proc) : -1;
}

static bool thread_end_id(struct shmap_obj *o, uint64_t id[2])
{
    struct shmap_thread *t = (struct shmap_thread *)o;
    if (!t->proc)
        return false; /* a thread of ours: its record */
    id[0] = t->proc->pid;
    id[1] = t->proc->start;
    return true;
}

static const struct shmap_wait_ops thread_wait = {
    .kind = SHMAP_WK_END,
    .ended = thread_ended,
    .end_word = thread_end_word,
    .end_fd = thread_end_fd,
    .end_id = thread_end_id,
};

static void thread_describe(struct shmap_obj *o, struct shmap_xfer *x, bool export)
{
    (void)o;
    (void)export;
    x->fd = -1; /* published for listing; never copied out (LOCAL) */
}

const struct shmap_obj_ops shmap__thread_ops = {
    .type = SHMAP_TYPE_THREAD,
    .flags = SHMAP_OPS_LOCAL, /* a thread lives in its process only (docs/processes.md) */
    .destroy = thread_destroy,
    .describe = thread_describe,
    .wait = &thread_wait,
};
