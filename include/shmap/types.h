/*
 * shmap/types.h - types and constants of the native API.
 *
 * The numeric values of protections, section attributes, access rights and
 * memory states are the Win32 values on purpose: the compatibility layer
 * passes them through unchanged, and a porter can read either spelling.
 */
#ifndef SHMAP_TYPES_H
#define SHMAP_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* What the library exports (every header of shmap/ declares with it). */
#ifndef SHMAP_EXTERN
#if defined(SHMAP_BUILDING)
#define SHMAP_EXTERN __attribute__((visibility("default")))
#else
#define SHMAP_EXTERN
#endif
#endif

/* An opaque handle: a small multiple of 4, never 0, never (shmap_handle_t)-1.
 * The same number is the Win32 HANDLE. */
typedef struct shmap_handle_opaque *shmap_handle_t;
#define SHMAP_NULL_HANDLE ((shmap_handle_t)0)
#define SHMAP_CURRENT_PROCESS ((shmap_handle_t)(intptr_t)-1) /* pseudo handle */
#define SHMAP_CURRENT_THREAD ((shmap_handle_t)(intptr_t)-2)  /* pseudo handle */

/* Object types.  One namespace holds all six named types. */
typedef enum shmap_type {
    SHMAP_TYPE_NONE = 0,
    SHMAP_TYPE_MAPPING = 1,
    SHMAP_TYPE_EVENT = 2,
    SHMAP_TYPE_MUTEX = 3,
    SHMAP_TYPE_SEMAPHORE = 4,
    SHMAP_TYPE_TIMER = 5,
    SHMAP_TYPE_JOB = 6,
    SHMAP_TYPE_NAMED_MAX = 6, /* types above this never live in the namespace */
    SHMAP_TYPE_FILE = 7,
    SHMAP_TYPE_PROCESS = 8,
    SHMAP_TYPE_THREAD = 9,
    SHMAP_TYPE_TOKEN = 10, /* an access token (OpenProcessToken): its process's ids */
    SHMAP_TYPE_IOCP = 11,  /* an I/O completion port (process-local) */
} shmap_type_t;

/* Flags of create/open calls. */
#define SHMAP_INHERIT 0x1u   /* the new handle gets SHMAP_HANDLE_INHERIT */
#define SHMAP_WIDE_NAME 0x2u /* the name came from a wide (W) call: length limit 32767, not 259 */

/* Handle flags (GetHandleInformation). */
#define SHMAP_HANDLE_INHERIT 0x1u
#define SHMAP_HANDLE_PROTECT_FROM_CLOSE 0x2u

/* Page protections (low byte) and modifiers. */
#define SHMAP_PAGE_NOACCESS 0x01u
#define SHMAP_PAGE_READONLY 0x02u
#define SHMAP_PAGE_READWRITE 0x04u
#define SHMAP_PAGE_WRITECOPY 0x08u
#define SHMAP_PAGE_EXECUTE 0x10u
#define SHMAP_PAGE_EXECUTE_READ 0x20u
#define SHMAP_PAGE_EXECUTE_READWRITE 0x40u
#define SHMAP_PAGE_EXECUTE_WRITECOPY 0x80u
#define SHMAP_PAGE_GUARD 0x100u
#define SHMAP_PAGE_NOCACHE 0x200u
#define SHMAP_PAGE_WRITECOMBINE 0x400u

/* Section attributes, OR'ed with the protection of a create call. */
#define SHMAP_SEC_PARTITION_OWNER_HANDLE 0x00040000u
#define SHMAP_SEC_64K_PAGES 0x00080000u
#define SHMAP_SEC_FILE 0x00800000u
#define SHMAP_SEC_IMAGE 0x01000000u
#define SHMAP_SEC_PROTECTED_IMAGE 0x02000000u
#define SHMAP_SEC_RESERVE 0x04000000u
#define SHMAP_SEC_COMMIT 0x08000000u
#define SHMAP_SEC_NOCACHE 0x10000000u
#define SHMAP_SEC_WRITECOMBINE 0x40000000u
#define SHMAP_SEC_LARGE_PAGES 0x80000000u

/* Standard and generic access rights. */
#define SHMAP_DELETE 0x00010000u
#define SHMAP_READ_CONTROL 0x00020000u
#define SHMAP_WRITE_DAC 0x00040000u
#define SHMAP_WRITE_OWNER 0x00080000u
#define SHMAP_SYNCHRONIZE 0x00100000u
#define SHMAP_STANDARD_RIGHTS_REQUIRED 0x000F0000u
#define SHMAP_ACCESS_SYSTEM_SECURITY 0x01000000u
#define SHMAP_MAXIMUM_ALLOWED 0x02000000u
#define SHMAP_GENERIC_ALL 0x10000000u
#define SHMAP_GENERIC_EXECUTE 0x20000000u
#define SHMAP_GENERIC_WRITE 0x40000000u
#define SHMAP_GENERIC_READ 0x80000000u

/* Section rights and view requests (FILE_MAP_*). */
#define SHMAP_SECTION_QUERY 0x0001u
#define SHMAP_SECTION_MAP_WRITE 0x0002u
#define SHMAP_SECTION_MAP_READ 0x0004u
#define SHMAP_SECTION_MAP_EXECUTE 0x0008u
#define SHMAP_SECTION_EXTEND_SIZE 0x0010u
#define SHMAP_SECTION_MAP_EXECUTE_EXPLICIT 0x0020u
#define SHMAP_SECTION_ALL_ACCESS 0x000F001Fu
#define SHMAP_FILE_MAP_COPY 0x0001u
#define SHMAP_FILE_MAP_WRITE 0x0002u
#define SHMAP_FILE_MAP_READ 0x0004u
#define SHMAP_FILE_MAP_EXECUTE 0x0020u
#define SHMAP_FILE_MAP_ALL_ACCESS SHMAP_SECTION_ALL_ACCESS

/* File rights (CreateFile). */
#define SHMAP_FILE_READ_DATA 0x0001u
#define SHMAP_FILE_WRITE_DATA 0x0002u
#define SHMAP_FILE_APPEND_DATA 0x0004u
#define SHMAP_FILE_EXECUTE 0x0020u
#define SHMAP_FILE_READ_ATTRIBUTES 0x0080u
#define SHMAP_FILE_WRITE_ATTRIBUTES 0x0100u
#define SHMAP_FILE_ALL_ACCESS 0x001F01FFu

/* Memory states and types (VirtualQuery, VirtualAlloc, VirtualFree). */
#define SHMAP_MEM_COMMIT 0x00001000u
#define SHMAP_MEM_RESERVE 0x00002000u
#define SHMAP_MEM_DECOMMIT 0x00004000u
#define SHMAP_MEM_RELEASE 0x00008000u
#define SHMAP_MEM_FREE 0x00010000u
#define SHMAP_MEM_PRIVATE 0x00020000u
#define SHMAP_MEM_MAPPED 0x00040000u
#define SHMAP_MEM_RESET 0x00080000u
#define SHMAP_MEM_TOP_DOWN 0x00100000u
#define SHMAP_MEM_IMAGE 0x01000000u
#define SHMAP_MEM_LARGE_PAGES 0x20000000u

/* Geometry, as on Windows x86/x64. */
#define SHMAP_PAGE_SIZE 4096u
#define SHMAP_ALLOCATION_GRANULARITY 65536u

/* What shmap_vm_query() reports (MEMORY_BASIC_INFORMATION). */
typedef struct shmap_mem_info {
    void *base;            /* the page holding the address */
    void *allocation_base; /* start of the view or allocation, NULL if free */
    uint32_t allocation_protect;
    size_t region_size; /* pages from base with the same state and protection */
    uint32_t state;     /* SHMAP_MEM_COMMIT, _RESERVE or _FREE */
    uint32_t protect;   /* current protection; 0 for reserved pages */
    uint32_t type;      /* SHMAP_MEM_MAPPED, _PRIVATE, _IMAGE, or 0 if free */
} shmap_mem_info_t;

/* What shmap_mapping_query() reports (NtQuerySection basic information). */
typedef struct shmap_mapping_info {
    uint64_t size;       /* section size: page-rounded for pagefile, exact for files */
    uint32_t attributes; /* SHMAP_SEC_* as Windows reports them */
    uint32_t protect;    /* page protection given at creation */
} shmap_mapping_info_t;

/* One live object, as shmap_ns_list() reports it. */
typedef struct shmap_object_info {
    shmap_type_t type;
    int global;       /* 1 for Global\, 0 for the caller's Local\ */
    const char *name; /* UTF-8, without prefix */
    uint64_t size;    /* mappings: section size */
    uint32_t protect, attributes;
    uint32_t owner_uid;
    int nholders;       /* processes holding a handle (from the kernel's lock table) */
    const int *holders; /* their pids */
    /* named pagefile sections: the absolute path of the data file that
     * holds the data at offset 0 (shmap/datafile.h), or NULL */
    const char *data_file;
} shmap_object_info_t;

#endif
