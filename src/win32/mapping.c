/*
 * mapping.c - CreateFileMapping, OpenFileMapping, views, VirtualQuery and
 * friends, GetSystemInfo: argument conversion over the native API.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "w32.h"

static shmap_handle_t mapping_file(HANDLE h)
{
    return h == INVALID_HANDLE_VALUE ? SHMAP_CURRENT_PROCESS : NATIVE(h);
}

static HANDLE create_mapping(HANDLE hFile, LPSECURITY_ATTRIBUTES sa, DWORD prot, DWORD hi, DWORD lo,
                             const char *name, unsigned flags)
{
    shmap_handle_t h = NULL;
    int r = shmap_w32__sa(sa, &flags);
    if (r == 0)
        r = shmap_mapping_create(mapping_file(hFile), name, prot, (uint64_t)hi << 32 | lo, flags,
                                 &h);
    shmap_w32__sa_done();
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    shmap_w32__created(r);
    return WIN(h);
}

WINBASEAPI HANDLE WINAPI CreateFileMappingA(HANDLE hFile, LPSECURITY_ATTRIBUTES sa, DWORD prot,
                                            DWORD hi, DWORD lo, LPCSTR name)
{
    return create_mapping(hFile, sa, prot, hi, lo, name, 0);
}

WINBASEAPI HANDLE WINAPI CreateFileMappingW(HANDLE hFile, LPSECURITY_ATTRIBUTES sa, DWORD prot,
                                            DWORD hi, DWORD lo, LPCWSTR name)
{
    char *u;
    int r = shmap_w32__utf8(name, &u);
    if (r) {
        shmap_w32__fail(r);
        return NULL;
    }
    HANDLE h = create_mapping(hFile, sa, prot, hi, lo, u, SHMAP_WIDE_NAME);
    free(u);
    return h;
}

WINBASEAPI HANDLE WINAPI OpenFileMappingA(DWORD access, BOOL inherit, LPCSTR name)
{
    return shmap_w32__open_a(shmap_mapping_open, access, inherit, name);
}

WINBASEAPI HANDLE WINAPI OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return shmap_w32__open_w(shmap_mapping_open, access, inherit, name);
}

WINBASEAPI LPVOID WINAPI MapViewOfFileEx(HANDLE h, DWORD access, DWORD hi, DWORD lo, SIZE_T n,
                                         LPVOID base)
{
    void *p;
    int r = shmap_view_map(NATIVE(h), access, (uint64_t)hi << 32 | lo, n, base, &p);
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    return p;
}

WINBASEAPI LPVOID WINAPI MapViewOfFile(HANDLE h, DWORD access, DWORD hi, DWORD lo, SIZE_T n)
{
    return MapViewOfFileEx(h, access, hi, lo, n, NULL);
}

WINBASEAPI BOOL WINAPI UnmapViewOfFile(LPCVOID p)
{
    return shmap_w32__ok(shmap_view_unmap((void *)p));
}

WINBASEAPI BOOL WINAPI UnmapViewOfFileEx(PVOID p, ULONG flags)
{
    (void)flags;
    return shmap_w32__ok(shmap_view_unmap(p));
}

WINBASEAPI BOOL WINAPI FlushViewOfFile(LPCVOID p, SIZE_T n)
{
    return shmap_w32__ok(shmap_view_flush(p, n));
}

SIZE_T shmap_w32__vquery(BOOL ex, HANDLE process, LPCVOID p, MEMORY_BASIC_INFORMATION *mbi,
                         SIZE_T len)
{
    shmap_mem_info_t m;
    if (len < sizeof *mbi) {
        SetLastError(ERROR_BAD_LENGTH);
        return 0;
    }
    /* NtQueryVirtualMemory probes the whole length given, aligned for a
     * pointer, before it looks at the handle and the address */
    int r = shmap__probe_out(mbi, len, sizeof(ULONG_PTR));
    if (r == 0)
        r = ex ? shmap_process_vm_query(NATIVE(process), p, &m) : shmap_vm_query(p, &m);
    if (r < 0) {
        shmap_w32__fail(r);
        return 0;
    }
    memset(mbi, 0, sizeof *mbi);
    mbi->BaseAddress = m.base;
    mbi->AllocationBase = m.allocation_base;
    mbi->AllocationProtect = m.allocation_protect;
    mbi->RegionSize = m.region_size;
    mbi->State = m.state;
    mbi->Protect = m.protect;
    mbi->Type = m.type;
    return sizeof *mbi;
}

WINBASEAPI SIZE_T WINAPI VirtualQuery(LPCVOID p, PMEMORY_BASIC_INFORMATION mbi, SIZE_T len)
{
    return shmap_w32__vquery(FALSE, NULL, p, mbi, len);
}

WINBASEAPI LPVOID WINAPI VirtualAlloc(LPVOID p, SIZE_T n, DWORD type, DWORD prot)
{
    void *out;
    int r = shmap_vm_alloc(p, n, type, prot, &out);
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    return out;
}

WINBASEAPI BOOL WINAPI VirtualFree(LPVOID p, SIZE_T n, DWORD type)
{
    return shmap_w32__ok(shmap_vm_free(p, n, type));
}

WINBASEAPI BOOL WINAPI VirtualProtect(LPVOID p, SIZE_T n, DWORD prot, PDWORD old)
{
    return shmap_w32__ok(shmap_vm_protect(p, n, prot, old)); /* old is required (998) */
}

/* VOID: Windows faults in the caller on a bad pointer; here nothing is
 * stored and the last error is 998. */
WINBASEAPI VOID WINAPI GetSystemInfo(LPSYSTEM_INFO out)
{
    SYSTEM_INFO s, *si = &s;
    if (W32_BAD_OUT(out)) {
        shmap_w32__fail(-EFAULT);
        return;
    }
    memset(si, 0, sizeof *si);
#if UINTPTR_MAX > 0xffffffffu
    si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_AMD64;
    si->dwProcessorType = PROCESSOR_AMD_X8664;
    si->lpMaximumApplicationAddress = (LPVOID)(uintptr_t)0x7FFFFFFEFFFFULL;
#else
    si->wProcessorArchitecture = PROCESSOR_ARCHITECTURE_INTEL;
    si->dwProcessorType = PROCESSOR_INTEL_386;
    si->lpMaximumApplicationAddress = (LPVOID)(uintptr_t)0x7FFEFFFFu;
#endif
    si->dwPageSize = SHMAP_PAGE_SIZE;
    si->dwAllocationGranularity = SHMAP_ALLOCATION_GRANULARITY;
    si->lpMinimumApplicationAddress = (LPVOID)(uintptr_t)0x10000;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    si->dwNumberOfProcessors = n > 0 ? (DWORD)n : 1;
    si->dwActiveProcessorMask =
        n >= (long)(8 * sizeof(DWORD_PTR)) ? ~(DWORD_PTR)0 : ((DWORD_PTR)1 << n) - 1;
    si->wProcessorLevel = 6;
    memcpy(out, si, sizeof *si);
}

WINBASEAPI VOID WINAPI GetNativeSystemInfo(LPSYSTEM_INFO si)
{
    GetSystemInfo(si);
}
