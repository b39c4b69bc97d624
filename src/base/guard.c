/*
 * guard.c - shared mappings that survive their file being cut short.
 *
 * Any user who may write an object's file may truncate it (its owner
 * always may; tmpfs files cannot be sealed unless made by memfd_create).
 * A page of a MAP_SHARED mapping past the new end of file then raises
 * SIGBUS in every process that touches it: a writer could kill every
 * reader.  Windows never lets a holder shrink a section, so shmap must not
 * let one kill the others.
 *
 * The mappings that shmap makes of object files (views, the state pages of
 * sync objects and jobs) are registered here.  On SIGBUS (BUS_ADRERR) at
 * an address inside one, the handler puts a private zero page there with
 * the mapping's protection and returns: the access is retried and
 * succeeds.  The process lives on; what it reads there is zero and what it
 * writes there nobody else sees (docs/security.md, "Truncation").  Any
 * other SIGBUS goes to the handler that was there before, or kills as it
 * would have.
 *
 * The registry is lock-free (the handler may run in any thread at any
 * moment): chunks of slots that are never freed; a slot is claimed by
 * compare-and-swap of its base from 0 to 1, filled, then published.
 */
#include "base.h"
#include "guard.h"

#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#define SLOTS_PER_CHUNK 1024u
#define CHUNKS 256u

struct gslot {
    _Atomic uintptr_t base; /* 0: free, 1: being filled */
    _Atomic size_t len;
    _Atomic int prot;
};

static _Atomic(struct gslot *) chunks[CHUNKS];
static _Atomic unsigned free_hint;
static _Atomic unsigned long rescued;
static struct sigaction old_bus;
static pthread_once_t bus_once = PTHREAD_ONCE_INIT;

void shmap__sig_chain(const struct sigaction *old, int sig, siginfo_t *info, void *ctx)
{
    if (old->sa_flags & SA_SIGINFO)
        old->sa_sigaction(sig, info, ctx);
    else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN)
        old->sa_handler(sig);
    else
        sigaction(sig, old, NULL); /* the access faults again, into the default */
}

void shmap__sig_install(int sig, void (*fn)(int, siginfo_t *, void *), struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, old);
}

static void on_bus(int sig, siginfo_t *info, void *ctx)
{
    uintptr_t a = (uintptr_t)info->si_addr;
    if (info->si_code == BUS_ADRERR) {
        for (unsigned c = 0; c < CHUNKS; c++) {
            struct gslot *s = atomic_load(&chunks[c]);
            if (!s)
                break;
            for (unsigned i = 0; i < SLOTS_PER_CHUNK; i++) {
                uintptr_t b = atomic_load(&s[i].base);
                if (b <= 1 || a - b >= atomic_load(&s[i].len))
                    continue;
                void *page = (void *)(a & ~(uintptr_t)(SHMAP_PAGE_SIZE - 1));
                int saved = errno;
                void *p = mmap(page, SHMAP_PAGE_SIZE, atomic_load(&s[i].prot),
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
                errno = saved;
                if (p == page) {
                    atomic_fetch_add(&rescued, 1);
                    return;
                }
                goto out;
            }
        }
    }
out:
    shmap__sig_chain(&old_bus, sig, info, ctx);
}

static void install(void)
{
    shmap__sig_install(SIGBUS, on_bus, &old_bus);
}

static struct gslot *chunk(unsigned c)
{
    struct gslot *s = atomic_load(&chunks[c]);
    if (s)
        return s;
    s = SYS(mmap)(NULL, SLOTS_PER_CHUNK * sizeof *s, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED)
        return NULL;
    struct gslot *none = NULL;
    if (!atomic_compare_exchange_strong(&chunks[c], &none, s)) {
        SYS(munmap)(s, SLOTS_PER_CHUNK * sizeof *s);
        s = none;
    }
    return s;
}

int shmap__guard_add(const void *base, size_t len, int prot)
{
    pthread_once(&bus_once, install);
    unsigned start = atomic_load(&free_hint);
    for (unsigned k = 0; k < CHUNKS * SLOTS_PER_CHUNK; k++) {
        unsigned n = (start + k) % (CHUNKS * SLOTS_PER_CHUNK);
        struct gslot *s = chunk(n / SLOTS_PER_CHUNK);
        if (!s)
            return -1; /* no memory: this mapping is not guarded */
        struct gslot *g = &s[n % SLOTS_PER_CHUNK];
        uintptr_t zero = 0;
        if (atomic_load(&g->base) != 0 || !atomic_compare_exchange_strong(&g->base, &zero, 1))
            continue;
        atomic_store(&g->len, len);
        atomic_store(&g->prot, prot);
        atomic_store(&g->base, (uintptr_t)base);
        atomic_store(&free_hint, n + 1);
        return (int)n;
    }
    return -1;
}

void shmap__guard_remove(const void *base, int slot)
{
    if (slot >= 0) {
        struct gslot *s = atomic_load(&chunks[(unsigned)slot / SLOTS_PER_CHUNK]);
        struct gslot *g = s ? &s[(unsigned)slot % SLOTS_PER_CHUNK] : NULL;
        uintptr_t want = (uintptr_t)base;
        if (g && atomic_compare_exchange_strong(&g->base, &want, 0)) {
            atomic_store(&free_hint, (unsigned)slot);
            return;
        }
    }
    for (unsigned c = 0; c < CHUNKS; c++) {
        struct gslot *s = atomic_load(&chunks[c]);
        if (!s)
            return;
        for (unsigned i = 0; i < SLOTS_PER_CHUNK; i++)
            if (atomic_load(&s[i].base) == (uintptr_t)base) {
                atomic_store(&s[i].base, 0);
                atomic_store(&free_hint, c * SLOTS_PER_CHUNK + i);
                return;
            }
    }
}

unsigned long shmap__guard_rescued(void)
{
    return atomic_load(&rescued);
}
