/*
 * c_writer.c - the C side of test_cross_process.py: creates the mapping
 * NAME and the auto-reset events NAME.ready and NAME.ack, prints "ready",
 * then COUNT times writes "tick I" at the start of the mapping, sets
 * NAME.ready and waits (10 s at most) for NAME.ack.
 * Usage: c_writer NAME COUNT.  Exit: 0 done, 1 a call failed, 3 no ack.
 */
#include <shmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    char ready[300], ack[300];
    snprintf(ready, sizeof ready, "%s.ready", argv[1]);
    snprintf(ack, sizeof ack, "%s.ack", argv[1]);
    shmap_handle_t m, r, a;
    void *p;
    if (shmap_mapping_create(SHMAP_NULL_HANDLE, argv[1], SHMAP_PAGE_READWRITE, 4096, 0, &m) < 0 ||
        shmap_view_map(m, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, &p) < 0 ||
        shmap_event_create(ready, 0, SHMAP_EVENT_ALL_ACCESS, 0, &r) < 0 ||
        shmap_event_create(ack, 0, SHMAP_EVENT_ALL_ACCESS, 0, &a) < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    int n = atoi(argv[2]);
    for (int i = 1; i <= n; i++) {
        snprintf(p, 64, "tick %d", i);
        if (shmap_event_set(r, NULL) < 0)
            return 1;
        if (shmap_wait(1, &a, 0, 10000) != SHMAP_WAIT_OBJECT_0)
            return 3;
    }
    shmap_view_unmap(p);
    shmap_close(m);
    shmap_close(r);
    shmap_close(a);
    return 0;
}
