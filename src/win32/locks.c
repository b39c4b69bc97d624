/*
 * locks.c - synchronisation within a process: critical sections, SRW
 * locks, condition variables, InitOnce, WaitOnAddress.  Conversion over
 * the native shmap_cs_* / srw / cond / once / wait_address calls
 * (include/shmap/locks.h), whose objects have the Win32 layouts.
 */
#include <errno.h>

#include "w32.h"

_Static_assert(sizeof(CRITICAL_SECTION) == sizeof(shmap_cs_t), "CRITICAL_SECTION layout");
_Static_assert(sizeof(CRITICAL_SECTION) == (sizeof(void *) == 8 ? 40 : 24),
               "CRITICAL_SECTION size");
_Static_assert(offsetof(CRITICAL_SECTION, LockCount) == offsetof(shmap_cs_t, lock), "LockCount");
_Static_assert(offsetof(CRITICAL_SECTION, RecursionCount) == offsetof(shmap_cs_t, recursion),
               "RecursionCount");
_Static_assert(offsetof(CRITICAL_SECTION, OwningThread) == offsetof(shmap_cs_t, owner),
               "OwningThread");
_Static_assert(offsetof(CRITICAL_SECTION, SpinCount) == offsetof(shmap_cs_t, spin), "SpinCount");
_Static_assert(sizeof(SRWLOCK) == sizeof(shmap_srw_t) && sizeof(SRWLOCK) == sizeof(void *),
               "SRWLOCK");
_Static_assert(sizeof(CONDITION_VARIABLE) == sizeof(shmap_cond_t), "CONDITION_VARIABLE");
_Static_assert(sizeof(INIT_ONCE) == sizeof(shmap_once_t), "INIT_ONCE");
_Static_assert(INIT_ONCE_CHECK_ONLY == SHMAP_ONCE_CHECK_ONLY &&
                   INIT_ONCE_ASYNC == SHMAP_ONCE_ASYNC &&
                   INIT_ONCE_INIT_FAILED == SHMAP_ONCE_FAILED,
               "INIT_ONCE flags");
_Static_assert(INFINITE == SHMAP_LOCK_INFINITE, "INFINITE");

#define CS(p) ((shmap_cs_t *)(p))
#define SRW(p) ((shmap_srw_t *)(p))
#define COND(p) ((shmap_cond_t *)(p))
#define ONCE(p) ((shmap_once_t *)(p))

static BOOL fail(DWORD code)
{
    SetLastError(code);
    return FALSE;
}

/* ---- critical sections ---- */

VOID WINAPI InitializeCriticalSection(LPCRITICAL_SECTION lpCriticalSection)
{
    shmap_cs_init(CS(lpCriticalSection), 0);
}

BOOL WINAPI InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION lpCriticalSection,
                                                  DWORD dwSpinCount)
{
    shmap_cs_init(CS(lpCriticalSection), dwSpinCount);
    return TRUE;
}

BOOL WINAPI InitializeCriticalSectionEx(LPCRITICAL_SECTION lpCriticalSection, DWORD dwSpinCount,
                                        DWORD Flags)
{
    if ((dwSpinCount & RTL_CRITICAL_SECTION_ALL_FLAG_BITS) ||
        (Flags & ~(DWORD)RTL_CRITICAL_SECTION_ALL_FLAG_BITS))
        return fail(ERROR_INVALID_PARAMETER);
    shmap_cs_init(CS(lpCriticalSection), dwSpinCount);
    return TRUE;
}

VOID WINAPI EnterCriticalSection(LPCRITICAL_SECTION lpCriticalSection)
{
    shmap_cs_enter(CS(lpCriticalSection));
}

BOOL WINAPI TryEnterCriticalSection(LPCRITICAL_SECTION lpCriticalSection)
{
    return shmap_cs_try_enter(CS(lpCriticalSection)) ? TRUE : FALSE;
}

VOID WINAPI LeaveCriticalSection(LPCRITICAL_SECTION lpCriticalSection)
{
    shmap_cs_leave(CS(lpCriticalSection));
}

VOID WINAPI DeleteCriticalSection(LPCRITICAL_SECTION lpCriticalSection)
{
    shmap_cs_delete(CS(lpCriticalSection));
}

DWORD WINAPI SetCriticalSectionSpinCount(LPCRITICAL_SECTION lpCriticalSection, DWORD dwSpinCount)
{
    return shmap_cs_set_spin(CS(lpCriticalSection), dwSpinCount);
}

/* ---- SRW locks ---- */

VOID WINAPI InitializeSRWLock(PSRWLOCK SRWLock)
{
    shmap_srw_init(SRW(SRWLock));
}
VOID WINAPI AcquireSRWLockExclusive(PSRWLOCK SRWLock)
{
    shmap_srw_lock_exclusive(SRW(SRWLock));
}
VOID WINAPI AcquireSRWLockShared(PSRWLOCK SRWLock)
{
    shmap_srw_lock_shared(SRW(SRWLock));
}
VOID WINAPI ReleaseSRWLockExclusive(PSRWLOCK SRWLock)
{
    shmap_srw_unlock_exclusive(SRW(SRWLock));
}
VOID WINAPI ReleaseSRWLockShared(PSRWLOCK SRWLock)
{
    shmap_srw_unlock_shared(SRW(SRWLock));
}
BOOLEAN WINAPI TryAcquireSRWLockExclusive(PSRWLOCK SRWLock)
{
    return shmap_srw_try_exclusive(SRW(SRWLock)) ? TRUE : FALSE;
}
BOOLEAN WINAPI TryAcquireSRWLockShared(PSRWLOCK SRWLock)
{
    return shmap_srw_try_shared(SRW(SRWLock)) ? TRUE : FALSE;
}

/* ---- condition variables ---- */

VOID WINAPI InitializeConditionVariable(PCONDITION_VARIABLE ConditionVariable)
{
    shmap_cond_init(COND(ConditionVariable));
}

/* A sleep's result: FALSE and ERROR_TIMEOUT when the time ran out. */
static BOOL slept(int r)
{
    return r == -ETIMEDOUT ? fail(ERROR_TIMEOUT) : TRUE;
}

BOOL WINAPI SleepConditionVariableCS(PCONDITION_VARIABLE ConditionVariable,
                                     PCRITICAL_SECTION CriticalSection, DWORD dwMilliseconds)
{
    return slept(shmap_cond_sleep_cs(COND(ConditionVariable), CS(CriticalSection), dwMilliseconds));
}

BOOL WINAPI SleepConditionVariableSRW(PCONDITION_VARIABLE ConditionVariable, PSRWLOCK SRWLock,
                                      DWORD dwMilliseconds, ULONG Flags)
{
    if (Flags & ~(ULONG)CONDITION_VARIABLE_LOCKMODE_SHARED)
        return fail(ERROR_INVALID_PARAMETER);
    return slept(shmap_cond_sleep_srw(COND(ConditionVariable), SRW(SRWLock), dwMilliseconds,
                                      (Flags & CONDITION_VARIABLE_LOCKMODE_SHARED) != 0));
}

VOID WINAPI WakeConditionVariable(PCONDITION_VARIABLE ConditionVariable)
{
    shmap_cond_wake(COND(ConditionVariable));
}
VOID WINAPI WakeAllConditionVariable(PCONDITION_VARIABLE ConditionVariable)
{
    shmap_cond_wake_all(COND(ConditionVariable));
}

/* ---- one-time initialisation ---- */

/* The native errors of shmap_once_*: Windows' (NT's STATUS_INVALID_PARAMETER,
 * STATUS_UNSUCCESSFUL, STATUS_OBJECT_NAME_COLLISION). */
static BOOL once_fail(int r)
{
    if (r == -EINVAL)
        return fail(ERROR_INVALID_PARAMETER);
    if (r == -EEXIST)
        return fail(ERROR_ALREADY_EXISTS);
    return fail(ERROR_GEN_FAILURE);
}

VOID WINAPI InitOnceInitialize(PINIT_ONCE InitOnce)
{
    shmap_once_init(ONCE(InitOnce));
}

struct once_call {
    PINIT_ONCE_FN fn;
    PVOID param;
};
static int once_trampoline(shmap_once_t *o, void *param, void **context)
{
    struct once_call *c = param;
    return c->fn((PINIT_ONCE)o, c->param, context) ? 0 : -EAGAIN;
}

BOOL WINAPI InitOnceExecuteOnce(PINIT_ONCE InitOnce, PINIT_ONCE_FN InitFn, PVOID Parameter,
                                LPVOID *Context)
{
    struct once_call c = {InitFn, Parameter};
    if (W32_BAD_OPT(Context))
        return fail(ERROR_NOACCESS);
    /* A failing callback leaves its own last error (Windows passes it on). */
    return shmap_once_execute(ONCE(InitOnce), once_trampoline, &c, Context) == 0;
}

BOOL WINAPI InitOnceBeginInitialize(LPINIT_ONCE lpInitOnce, DWORD dwFlags, PBOOL fPending,
                                    LPVOID *lpContext)
{
    int pending = 0;
    void *ctx = NULL;
    if (W32_BAD_OUT(fPending) || W32_BAD_OPT(lpContext))
        return fail(ERROR_NOACCESS);
    int r = shmap_once_begin(ONCE(lpInitOnce), dwFlags, &pending, &ctx);
    if (r < 0)
        return once_fail(r);
    W32_PUT(fPending, pending ? TRUE : FALSE);
    if (lpContext && !pending)
        W32_PUT(lpContext, ctx);
    return TRUE;
}

BOOL WINAPI InitOnceComplete(LPINIT_ONCE lpInitOnce, DWORD dwFlags, LPVOID lpContext)
{
    int r = shmap_once_complete(ONCE(lpInitOnce), dwFlags, lpContext);
    return r < 0 ? once_fail(r) : TRUE;
}

/* ---- waiting on an address ---- */

BOOL WINAPI WaitOnAddress(volatile VOID *Address, PVOID CompareAddress, SIZE_T AddressSize,
                          DWORD dwMilliseconds)
{
    if (shmap__probe_read((const void *)Address, AddressSize <= 8 ? AddressSize : 1) ||
        shmap__probe_read(CompareAddress, AddressSize <= 8 ? AddressSize : 1))
        return fail(ERROR_NOACCESS);
    int r = shmap_wait_address(Address, CompareAddress, AddressSize, dwMilliseconds);
    if (r == -EINVAL)
        return fail(ERROR_INVALID_PARAMETER);
    return slept(r);
}
VOID WINAPI WakeByAddressSingle(PVOID Address)
{
    shmap_wait_address_wake(Address);
}
VOID WINAPI WakeByAddressAll(PVOID Address)
{
    shmap_wait_address_wake_all(Address);
}
