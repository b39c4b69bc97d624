/*
 * job.c - job objects: argument and structure conversion over the native
 * API (shmap_job_*).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "w32.h"

static HANDLE create(LPSECURITY_ATTRIBUTES sa, const char *name, unsigned flags)
{
    shmap_handle_t h = SHMAP_NULL_HANDLE;
    int r = shmap_w32__sa(sa, &flags);
    if (r == 0)
        r = shmap_job_create(name, JOB_OBJECT_ALL_ACCESS, flags, &h);
    shmap_w32__sa_done();
    if (r < 0) {
        shmap_w32__fail(r);
        return NULL;
    }
    shmap_w32__created(r);
    return WIN(h);
}

WINBASEAPI HANDLE WINAPI CreateJobObjectA(LPSECURITY_ATTRIBUTES sa, LPCSTR name)
{
    return create(sa, name, 0);
}

WINBASEAPI HANDLE WINAPI CreateJobObjectW(LPSECURITY_ATTRIBUTES sa, LPCWSTR name)
{
    char *u;
    int r = shmap_w32__utf8(name, &u);
    if (r) {
        shmap_w32__fail(r);
        return NULL;
    }
    HANDLE h = create(sa, u, SHMAP_WIDE_NAME);
    free(u);
    return h;
}

WINBASEAPI HANDLE WINAPI OpenJobObjectA(DWORD access, BOOL inherit, LPCSTR name)
{
    return shmap_w32__open_a(shmap_job_open, access, inherit, name);
}

WINBASEAPI HANDLE WINAPI OpenJobObjectW(DWORD access, BOOL inherit, LPCWSTR name)
{
    return shmap_w32__open_w(shmap_job_open, access, inherit, name);
}

WINBASEAPI BOOL WINAPI AssignProcessToJobObject(HANDLE job, HANDLE process)
{
    return shmap_w32__ok(shmap_job_assign(NATIVE(job), NATIVE(process)));
}

WINBASEAPI BOOL WINAPI TerminateJobObject(HANDLE job, UINT code)
{
    return shmap_w32__ok(shmap_job_terminate(NATIVE(job), code));
}

WINBASEAPI BOOL WINAPI IsProcessInJob(HANDLE process, HANDLE job, PBOOL result)
{
    int in = 0;
    /* NtIsProcessInJob first (a bad handle is 6), then kernelbase stores
     * the answer (where Windows faults in the caller, 998) */
    int r = shmap_job_contains(NATIVE(process), NATIVE(job), &in);
    if (r == 0 && W32_BAD_OUT(result))
        r = -EFAULT;
    if (r == 0)
        W32_PUT(result, in ? TRUE : FALSE);
    return shmap_w32__ok(r);
}

/* ---- information classes ---------------------------------------------------- */

static void put_accounting(const shmap_job_info_t *in, JOBOBJECT_BASIC_ACCOUNTING_INFORMATION *a)
{
    memset(a, 0, sizeof *a);
    a->TotalUserTime.QuadPart = (LONGLONG)in->user_time;
    a->TotalKernelTime.QuadPart = (LONGLONG)in->kernel_time;
    a->ThisPeriodTotalUserTime.QuadPart = (LONGLONG)in->user_time;
    a->ThisPeriodTotalKernelTime.QuadPart = (LONGLONG)in->kernel_time;
    a->TotalPageFaultCount = in->page_faults;
    a->TotalProcesses = in->total_processes;
    a->ActiveProcesses = in->active_processes;
    a->TotalTerminatedProcesses = in->terminated_processes;
}

static void put_basic_limits(const shmap_job_limits_t *l, JOBOBJECT_BASIC_LIMIT_INFORMATION *b)
{
    memset(b, 0, sizeof *b);
    b->PerProcessUserTimeLimit.QuadPart = l->process_time;
    b->PerJobUserTimeLimit.QuadPart = l->job_time;
    b->LimitFlags = l->flags;
    b->MinimumWorkingSetSize = (SIZE_T)l->min_working_set;
    b->MaximumWorkingSetSize = (SIZE_T)l->max_working_set;
    b->ActiveProcessLimit = l->active_processes;
    b->Affinity = (ULONG_PTR)l->affinity;
    b->PriorityClass = l->priority_class;
    b->SchedulingClass = l->scheduling_class;
}

static void get_basic_limits(const JOBOBJECT_BASIC_LIMIT_INFORMATION *b, shmap_job_limits_t *l)
{
    l->process_time = b->PerProcessUserTimeLimit.QuadPart;
    l->job_time = b->PerJobUserTimeLimit.QuadPart;
    l->flags = b->LimitFlags;
    l->min_working_set = b->MinimumWorkingSetSize;
    l->max_working_set = b->MaximumWorkingSetSize;
    l->active_processes = b->ActiveProcessLimit;
    l->affinity = b->Affinity;
    l->priority_class = b->PriorityClass;
    l->scheduling_class = b->SchedulingClass;
}

/* The length a class needs; 0: a class we do not know (87), -1: one we
 * know but do not support (50). */
static long class_size(JOBOBJECTINFOCLASS c)
{
    switch (c) {
    case JobObjectBasicAccountingInformation:
        return (long)sizeof(JOBOBJECT_BASIC_ACCOUNTING_INFORMATION);
    case JobObjectBasicLimitInformation:
        return (long)sizeof(JOBOBJECT_BASIC_LIMIT_INFORMATION);
    case JobObjectBasicProcessIdList:
        return (long)sizeof(JOBOBJECT_BASIC_PROCESS_ID_LIST);
    case JobObjectBasicAndIoAccountingInformation:
        return (long)sizeof(JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION);
    case JobObjectExtendedLimitInformation:
        return (long)sizeof(JOBOBJECT_EXTENDED_LIMIT_INFORMATION);
    case JobObjectAssociateCompletionPortInformation: /* set only (query: 50, below) */
        return (long)sizeof(JOBOBJECT_ASSOCIATE_COMPLETION_PORT);
    case JobObjectBasicUIRestrictions:
    case JobObjectSecurityLimitInformation:
    case JobObjectEndOfJobTimeInformation:
        return -1;
    default:
        return 0;
    }
}

WINBASEAPI BOOL WINAPI QueryInformationJobObject(HANDLE job, JOBOBJECTINFOCLASS c, LPVOID info,
                                                 DWORD len, LPDWORD ret_len)
{
    long need = c == JobObjectAssociateCompletionPortInformation ? -1 : class_size(c);
    if (need <= 0)
        return shmap_w32__ok(need == 0 ? -EINVAL : SHMAP_ENOTSUP);
    /* NT wants the exact size of a fixed-size class; only the id list may
     * be longer (STATUS_INFO_LENGTH_MISMATCH: 24) */
    if (len < (DWORD)need || (c != JobObjectBasicProcessIdList && len != (DWORD)need)) {
        SetLastError(ERROR_BAD_LENGTH);
        return FALSE;
    }
    /* NtQueryInformationJobObject probes both outputs before the handle */
    if (shmap__probe_out(info, len, sizeof(ULONG_PTR)) ||
        (ret_len && shmap__probe_out(ret_len, sizeof *ret_len, sizeof *ret_len)))
        return shmap_w32__ok(-EFAULT);
    shmap_handle_t h = NATIVE(job);
    int r = 0;
    DWORD written = (DWORD)need;
    switch (c) {
    case JobObjectBasicAccountingInformation:
    case JobObjectBasicAndIoAccountingInformation: {
        shmap_job_info_t in;
        if ((r = shmap_job_query(h, &in)) != 0)
            break;
        if (c == JobObjectBasicAccountingInformation) {
            put_accounting(&in, info);
        } else {
            JOBOBJECT_BASIC_AND_IO_ACCOUNTING_INFORMATION *a = info;
            memset(a, 0, sizeof *a); /* no I/O counters: zeros */
            put_accounting(&in, &a->BasicInfo);
        }
        break;
    }
    case JobObjectBasicLimitInformation:
    case JobObjectExtendedLimitInformation: {
        shmap_job_limits_t l;
        if ((r = shmap_job_get_limits(h, &l)) != 0)
            break;
        if (c == JobObjectBasicLimitInformation) {
            put_basic_limits(&l, info);
            ((JOBOBJECT_BASIC_LIMIT_INFORMATION *)info)->LimitFlags &=
                JOB_OBJECT_BASIC_LIMIT_VALID_FLAGS;
        } else {
            JOBOBJECT_EXTENDED_LIMIT_INFORMATION *x = info;
            memset(x, 0, sizeof *x);
            put_basic_limits(&l, &x->BasicLimitInformation);
            x->ProcessMemoryLimit = (SIZE_T)l.process_memory;
            x->JobMemoryLimit = (SIZE_T)l.job_memory;
        }
        break;
    }
    case JobObjectBasicProcessIdList: {
        JOBOBJECT_BASIC_PROCESS_ID_LIST *pl = info;
        size_t room =
            (len - offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList)) / sizeof(ULONG_PTR);
        uint32_t *pids = malloc((room ? room : 1) * sizeof *pids);
        size_t count = 0;
        if (!pids) {
            r = -ENOMEM;
            break;
        }
        r = shmap_job_pids(h, pids, room, &count);
        if (r == 0 || r == SHMAP_EMOREDATA) {
            size_t n = count < room ? count : room;
            pl->NumberOfAssignedProcesses = (DWORD)count;
            pl->NumberOfProcessIdsInList = (DWORD)n;
            /* the list runs past its declared [1] (ANYSIZE_ARRAY) */
            ULONG_PTR *list = (ULONG_PTR *)((char *)pl + offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST,
                                                                  ProcessIdList));
            for (size_t i = 0; i < n; i++)
                list[i] = pids[i];
            written = (DWORD)(offsetof(JOBOBJECT_BASIC_PROCESS_ID_LIST, ProcessIdList) +
                              n * sizeof(ULONG_PTR));
        }
        free(pids);
        break;
    }
    default: /* class_size let only the classes above through */
        break;
    }
    if (r < 0 && r != SHMAP_EMOREDATA)
        return shmap_w32__ok(r);
    if (ret_len)
        *ret_len = written;
    return r == 0 ? TRUE : shmap_w32__ok(r);
}

WINBASEAPI BOOL WINAPI SetInformationJobObject(HANDLE job, JOBOBJECTINFOCLASS c, LPVOID info,
                                               DWORD len)
{
    long need = class_size(c);
    if (need <= 0 || c == JobObjectBasicProcessIdList || c == JobObjectBasicAccountingInformation ||
        c == JobObjectBasicAndIoAccountingInformation)
        return shmap_w32__ok(need < 0 ? SHMAP_ENOTSUP : -EINVAL);
    if (len != (DWORD)need) {
        SetLastError(ERROR_BAD_LENGTH);
        return FALSE;
    }
    /* NtSetInformationJobObject reads it before the handle */
    if (!info || ((uintptr_t)info & (sizeof(ULONG_PTR) - 1)) || shmap__probe_read(info, len))
        return shmap_w32__ok(-EFAULT);
    if (c == JobObjectAssociateCompletionPortInformation) {
        const JOBOBJECT_ASSOCIATE_COMPLETION_PORT *a = info;
        return shmap_w32__ok(shmap_job_set_port(NATIVE(job), NATIVE(a->CompletionPort),
                                                (uint64_t)(ULONG_PTR)a->CompletionKey));
    }
    shmap_job_limits_t l = {0}; /* the basic class leaves the memory limits as they are */
    if (c == JobObjectBasicLimitInformation) {
        get_basic_limits(info, &l);
        return shmap_w32__ok(shmap_job_set_limits(NATIVE(job), &l, 0));
    }
    const JOBOBJECT_EXTENDED_LIMIT_INFORMATION *x = info;
    get_basic_limits(&x->BasicLimitInformation, &l);
    l.process_memory = x->ProcessMemoryLimit;
    l.job_memory = x->JobMemoryLimit;
    return shmap_w32__ok(shmap_job_set_limits(NATIVE(job), &l, 1));
}
