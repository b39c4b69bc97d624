/*
 * access.c - access rights per object type: generic mapping, valid masks,
 * and the shape of a DuplicateHandle's request.  Whether an object's
 * security descriptor grants a request is objsec.c's check.
 */
#include "ns.h"

#define RC SHMAP_READ_CONTROL
#define SYNC SHMAP_SYNCHRONIZE
#define STD_ALL 0x001F0000u /* DELETE|READ_CONTROL|WRITE_DAC|WRITE_OWNER|SYNCHRONIZE */

struct type_rights {
    uint32_t read, write, execute, all; /* generic mapping */
    uint32_t valid;
};

static const struct type_rights rights[SHMAP_TYPE_THREAD + 1] = {
    [SHMAP_TYPE_MAPPING] = {RC | SHMAP_SECTION_QUERY | SHMAP_SECTION_MAP_READ,
                            RC | SHMAP_SECTION_MAP_WRITE, RC | SHMAP_SECTION_MAP_EXECUTE,
                            SHMAP_SECTION_ALL_ACCESS, STD_ALL | 0x3Fu},
    [SHMAP_TYPE_EVENT] = {RC | 0x1u, RC | 0x2u, RC | SYNC, 0x001F0003u, STD_ALL | 0x3u},
    [SHMAP_TYPE_MUTEX] = {RC | 0x1u, RC, RC | SYNC, 0x001F0001u, STD_ALL | 0x1u},
    [SHMAP_TYPE_SEMAPHORE] = {RC | 0x1u, RC | 0x2u, RC | SYNC, 0x001F0003u, STD_ALL | 0x3u},
    [SHMAP_TYPE_TIMER] = {RC | 0x1u, RC | 0x2u, RC | SYNC, 0x001F0003u, STD_ALL | 0x3u},
    /* JOB_OBJECT_QUERY 4; TERMINATE 8 | SET_ATTRIBUTES 2 | ASSIGN_PROCESS 1 */
    [SHMAP_TYPE_JOB] = {RC | 0x4u, RC | 0x8u | 0x2u | 0x1u, RC | SYNC, 0x001F003Fu,
                        STD_ALL | 0x3Fu},
    /* PROCESS_VM_READ|QUERY_INFORMATION; the CREATE_THREAD..SUSPEND_RESUME
     * group; SYNCHRONIZE|QUERY_LIMITED_INFORMATION|TERMINATE */
    [SHMAP_TYPE_PROCESS] = {RC | 0x0410u, RC | 0x0BEAu, RC | SYNC | 0x1001u, 0x001FFFFFu,
                            STD_ALL | 0xFFFFu},
    [SHMAP_TYPE_THREAD] = {RC | 0x0048u, RC | 0x0037u, RC | SYNC | 0x0800u, 0x001FFFFFu,
                           STD_ALL | 0xFFFFu},
    /* FILE_GENERIC_READ, _WRITE, _EXECUTE, FILE_ALL_ACCESS; a file's rights
     * are fixed at open (its valid mask stays 0 here: file.c checks them) */
    [SHMAP_TYPE_FILE] = {0x00120089u, 0x00120116u, 0x001200A0u, 0x001F01FFu, 0},
};

uint32_t shmap__access_map_generic(shmap_type_t type, uint32_t access)
{
    if (type < SHMAP_TYPE_MAPPING || type > SHMAP_TYPE_THREAD)
        return access;
    const struct type_rights *t = &rights[type];
    uint32_t out = access & ~(SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE | SHMAP_GENERIC_EXECUTE |
                              SHMAP_GENERIC_ALL);
    if (access & SHMAP_GENERIC_READ)
        out |= t->read;
    if (access & SHMAP_GENERIC_WRITE)
        out |= t->write;
    if (access & SHMAP_GENERIC_EXECUTE)
        out |= t->execute;
    if (access & SHMAP_GENERIC_ALL)
        out |= t->all;
    return out;
}

uint32_t shmap__access_valid_mask(shmap_type_t type)
{
    if (type < SHMAP_TYPE_MAPPING || type > SHMAP_TYPE_THREAD || type == SHMAP_TYPE_FILE)
        return 0;
    return rights[type].valid;
}

int shmap__access_check_dup(shmap_type_t type, uint32_t requested, uint32_t *granted)
{
    /* bits the type does not have refuse first (access ~0: 5, §17) */
    uint32_t req = shmap__access_map_generic(type, requested) &
                   ~(SHMAP_MAXIMUM_ALLOWED | SHMAP_ACCESS_SYSTEM_SECURITY);
    if (req & ~shmap__access_valid_mask(type))
        return -EACCES;
    req = shmap__access_map_generic(type, requested);
    if (req & SHMAP_ACCESS_SYSTEM_SECURITY)
        return SHMAP_EPRIV;
    if (req & SHMAP_MAXIMUM_ALLOWED)
        req = (req & ~SHMAP_MAXIMUM_ALLOWED) | rights[type].all;
    *granted = req; /* access 0 gives a useless handle (§8.5) */
    return 0;
}

int shmap__access_generic_map(shmap_type_t type, uint32_t map[4])
{
    if (type < SHMAP_TYPE_MAPPING || type > SHMAP_TYPE_THREAD)
        return -EINVAL;
    const struct type_rights *t = &rights[type];
    map[0] = t->read;
    map[1] = t->write;
    map[2] = t->execute;
    map[3] = t->all;
    return 0;
}
