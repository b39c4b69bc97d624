/*
 * basetsd.h - part of the Win32 face of shmap: the conversions between
 * handles, pointers and 32-bit integers that the SDK's basetsd.h has (as
 * its 64-bit inline functions; 32-bit values are sign- or zero-extended as
 * there).  windows.h includes it.
 */
#ifndef SHMAP_BASETSD_H
#define SHMAP_BASETSD_H
#include "windows.h"

static inline ULONG HandleToULong(const void *h)
{
    return (ULONG)(ULONG_PTR)h;
}
static inline LONG HandleToLong(const void *h)
{
    return (LONG)(LONG_PTR)h;
}
static inline HANDLE ULongToHandle(const ULONG h)
{
    return (HANDLE)(ULONG_PTR)h;
}
static inline HANDLE LongToHandle(const LONG h)
{
    return (HANDLE)(LONG_PTR)h;
}
static inline ULONG PtrToUlong(const void *p)
{
    return (ULONG)(ULONG_PTR)p;
}
static inline LONG PtrToLong(const void *p)
{
    return (LONG)(LONG_PTR)p;
}
static inline UINT PtrToUint(const void *p)
{
    return (UINT)(UINT_PTR)p;
}
static inline INT PtrToInt(const void *p)
{
    return (INT)(INT_PTR)p;
}
static inline USHORT PtrToUshort(const void *p)
{
    return (USHORT)(ULONG_PTR)p;
}
static inline SHORT PtrToShort(const void *p)
{
    return (SHORT)(LONG_PTR)p;
}
static inline void *IntToPtr(const int i)
{
    return (void *)(INT_PTR)i;
}
static inline void *UIntToPtr(const unsigned int u)
{
    return (void *)(UINT_PTR)u;
}
static inline void *LongToPtr(const LONG l)
{
    return (void *)(LONG_PTR)l;
}
static inline void *ULongToPtr(const ULONG u)
{
    return (void *)(ULONG_PTR)u;
}
#define HandleToUlong(h) HandleToULong(h)
#define UlongToHandle(ul) ULongToHandle(ul)
#define UlongToPtr(ul) ULongToPtr(ul)
#define UintToPtr(ui) UIntToPtr(ui)
#define PtrToUlongPtr(p) ((ULONG_PTR)(p))
#define PtrToLongPtr(p) ((LONG_PTR)(p))

#endif
