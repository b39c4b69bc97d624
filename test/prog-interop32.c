/*
 * prog-interop32.c - the other side of test-interop32: built for i386 by
 * .ci/interop32.sh (and for the host by CMake, to test the test).
 * Opens NAME, checks the 64-bit side's pattern, writes its own, creates
 * NAME2 with a pattern and holds it until stdin closes.
 * With --sync PREFIX: takes the mutex PREFIX-m twice, releases the
 * semaphore PREFIX-s by 2, sets PREFIX-ready, waits for PREFIX-go and exits
 * still owning the mutex (abandoning it).
 * With --inherit MAP EVENT PROCESS: handle values it inherited from a
 * 64-bit parent (shmap_process_create): checks the section's pattern and
 * writes its own, sets the event, checks the process handle is its parent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmap.h"

static int check(const unsigned char *p, unsigned seed, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7))
            return 0;
    return 1;
}

static void put(unsigned char *p, unsigned seed, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7);
}

static int sync_side(const char *prefix)
{
    char n[256];
    shmap_handle_t m, s, ready, go;
    snprintf(n, sizeof n, "%s-m", prefix);
    if (shmap_mutex_open(n, SHMAP_SYNCHRONIZE, 0, &m))
        return 20;
    snprintf(n, sizeof n, "%s-s", prefix);
    if (shmap_semaphore_open(n, SHMAP_SEMAPHORE_MODIFY_STATE, 0, &s))
        return 21;
    snprintf(n, sizeof n, "%s-ready", prefix);
    if (shmap_event_open(n, SHMAP_EVENT_MODIFY_STATE, 0, &ready))
        return 22;
    snprintf(n, sizeof n, "%s-go", prefix);
    if (shmap_event_open(n, SHMAP_SYNCHRONIZE, 0, &go))
        return 23;
    if (shmap_wait(1, &m, 0, SHMAP_INFINITE) != 0 || shmap_wait(1, &m, 0, 0) != 0)
        return 24;
    int32_t prev = -1;
    if (shmap_semaphore_release(s, 2, &prev) || prev != 0)
        return 25;
    if (shmap_event_set(ready, NULL))
        return 26;
    if (shmap_wait(1, &go, 0, SHMAP_INFINITE) != 0)
        return 27;
    return 0; /* owning m */
}

static int inherit_side(char **argv)
{
    shmap_handle_t m = (shmap_handle_t)(uintptr_t)strtoul(argv[0], NULL, 0);
    shmap_handle_t e = (shmap_handle_t)(uintptr_t)strtoul(argv[1], NULL, 0);
    shmap_handle_t p = (shmap_handle_t)(uintptr_t)strtoul(argv[2], NULL, 0);
    uint32_t flags = 0;
    if (shmap_handle_get_flags(m, &flags) || flags != SHMAP_HANDLE_INHERIT)
        return 30;
    unsigned char *v;
    if (shmap_view_map(m, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v))
        return 31;
    if (!check(v, 11, 4096))
        return 32;
    put(v + 4096, 22, 4096);
    uint32_t pid = 0;
    if (shmap_process_id(p, &pid) || pid != (uint32_t)getppid())
        return 33;
    if (shmap_wait(1, &p, 0, 0) != SHMAP_WAIT_TIMEOUT)
        return 34;
    if (shmap_event_set(e, NULL))
        return 35;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--inherit"))
        return inherit_side(argv + 2);
    if (argc == 3 && !strcmp(argv[1], "--sync"))
        return sync_side(argv[2]);
    if (argc != 3)
        return 2;
    shmap_handle_t h, h2;
    unsigned char *v, *v2;
    if (shmap_mapping_open(argv[1], SHMAP_FILE_MAP_ALL_ACCESS, 0, &h))
        return 3;
    shmap_mapping_info_t info;
    if (shmap_mapping_query(h, &info) || info.size != 65536)
        return 4;
    if (shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v))
        return 5;
    if (!check(v, 64, 32768))
        return 6;
    put(v + 32768, 32, 32768);
    if (shmap_mapping_create(SHMAP_NULL_HANDLE, argv[2], SHMAP_PAGE_READWRITE | SHMAP_SEC_RESERVE,
                             (uint64_t)1 << 20, 0, &h2) != 0)
        return 7;
    if (shmap_view_map(h2, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, (void **)&v2))
        return 8;
    void *c;
    if (shmap_vm_alloc(v2 + 65536, 65536, SHMAP_MEM_COMMIT, SHMAP_PAGE_READWRITE, &c))
        return 9;
    put(v2 + 65536, 33, 65536);
    printf("ok %d-bit\n", (int)(8 * sizeof(void *)));
    fflush(stdout);
    char b;
    while (read(0, &b, 1) > 0)
        ;
    shmap_view_unmap(v);
    shmap_view_unmap(v2);
    shmap_close(h);
    shmap_close(h2);
    return 0;
}
