/*
 * guard.h - fault handlers of the library (base/guard.c): installing one
 * in front of the process's own, and passing on a fault that is not ours.
 * Used by guard.c (SIGBUS of truncated files) and mem/view.c (SIGSEGV of
 * SEC_RESERVE pages committed elsewhere).
 */
#ifndef SHMAP_GUARD_H
#define SHMAP_GUARD_H

#include <signal.h>

#include "base/base.h"

/* Install fn for sig (SA_SIGINFO, SA_ONSTACK, SA_NODEFER); the handler
 * there before is kept in old. */
SHMAP_HIDDEN void shmap__sig_install(int sig, void (*fn)(int, siginfo_t *, void *),
                                     struct sigaction *old);
/* A fault that is not ours: to the handler there before, or to the default
 * action (the access faults again). */
SHMAP_HIDDEN void shmap__sig_chain(const struct sigaction *old, int sig, siginfo_t *info,
                                   void *ctx);

#endif
