/*
 * relay.h - the page that the two halves of the Wine bridge share: the
 * native `shmap wine` (tools/cmd_wine.c) and the Windows-side helper
 * shmap-wine-bridge.exe (wine/bridge.c, built with mingw, run under Wine).
 *
 * The page is a memfd of the native process; Wine opens it by the path
 * Z:\proc\PID\fd\N and maps it, so no file is ever left behind.  Each
 * side sleeps on the other's sequence words with futex(2), which the
 * helper calls directly (Wine lets Windows code make Linux system calls).
 * Fixed-width fields only: the layout is the same for both compilers.
 * docs/DESIGN.md §24, docs/wine.md.
 */
#ifndef SHMAP_WINE_RELAY_H
#define SHMAP_WINE_RELAY_H

#include <stdint.h>

#define SHMAP_RELAY_MAGIC 0x59414c52u /* "RLAY" */
#define SHMAP_RELAY_VERSION 1u
#define SHMAP_RELAY_EVENTS 64u

/* Each side only ever raises its own words; each word is read with an
 * acquire load and written with a release store or an atomic add
 * (__atomic builtins: both gcc and mingw's gcc have them). */
struct shmap_relay_event {
    uint32_t manual;    /*  0 1: manual-reset (state mirrored), 0: auto-reset (signals cross) */
    uint32_t w2n_seq;   /*  4 futex: bumped by the Wine side after a change below */
    uint32_t w2n_sets;  /*  8 auto: signals set on the Wine side that nobody there took */
    uint32_t w2n_state; /* 12 manual: gen << 1 | signalled, as the Wine side last changed it */
    uint32_t n2w_seq;   /* 16 futex: bumped by the native side after a change below */
    uint32_t n2w_sets;  /* 20 auto: signals set on the native side that nobody there took */
    uint32_t n2w_state; /* 24 manual: gen << 1 | signalled, as the native side last changed it */
    uint32_t pad[9];    /* 28 */
};

struct shmap_relay_page {
    uint32_t magic;   /*  0 SHMAP_RELAY_MAGIC */
    uint32_t version; /*  4 SHMAP_RELAY_VERSION */
    uint32_t nevents; /*  8 */
    uint32_t ready;  /* 12 futex: 0, then 1 once the Wine side holds every object, 2 if it failed */
    uint32_t error;  /* 16 the Win32 error of a failure (ready 2) */
    uint32_t failed; /* 20 index of the object that failed: mappings first, then events */
    uint32_t pad[10]; /* 24 */
    struct shmap_relay_event ev[SHMAP_RELAY_EVENTS];
};

#define SHMAP_RELAY_BYTES 8192u /* the memfd's size */

_Static_assert(sizeof(struct shmap_relay_event) == 64, "one cache line per event");
_Static_assert(sizeof(struct shmap_relay_page) == 64 + 64 * SHMAP_RELAY_EVENTS, "layout");
_Static_assert(sizeof(struct shmap_relay_page) <= SHMAP_RELAY_BYTES, "fits");

/* ---- what both halves do with the page ----------------------------------------------
 * Each half defines, before including this, how it wakes the sleepers of
 * a word (futex(2) FUTEX_WAKE, shared: the page is mapped by both). */
static void shmap_relay_wake(uint32_t *w);

static inline uint32_t shmap_relay_load(const uint32_t *w)
{
    return __atomic_load_n(w, __ATOMIC_ACQUIRE);
}

/* One more crossing signal: raise its count and the sequence word, wake. */
static inline void shmap_relay_post(uint32_t *count, uint32_t *seq)
{
    __atomic_fetch_add(count, 1, __ATOMIC_RELEASE);
    __atomic_fetch_add(seq, 1, __ATOMIC_RELEASE);
    shmap_relay_wake(seq);
}

/* A manual-reset event's new state, under the next generation. */
static inline void shmap_relay_publish(uint32_t *state, uint32_t *seq, int signalled)
{
    uint32_t gen = (shmap_relay_load(state) >> 1) + 1;
    __atomic_store_n(state, gen << 1 | (signalled ? 1u : 0u), __ATOMIC_RELEASE);
    __atomic_fetch_add(seq, 1, __ATOMIC_RELEASE);
    shmap_relay_wake(seq);
}

#endif
