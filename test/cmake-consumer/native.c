/* A native program built through find_package(shmap): creates, writes and
 * reads back a named mapping, and checks the header's version against the
 * library's. */
#include <shmap.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    if (strcmp(shmap_version(), SHMAP_VERSION_STRING) != 0) {
        fprintf(stderr, "library %s, header %s\n", shmap_version(), SHMAP_VERSION_STRING);
        return 1;
    }
    shmap_handle_t h;
    int r = shmap_mapping_create(SHMAP_NULL_HANDLE, "cmake-consumer", SHMAP_PAGE_READWRITE, 4096, 0,
                                 &h);
    if (r != 0) {
        fprintf(stderr, "create: %s\n", shmap_strerror(r));
        return 1;
    }
    void *p;
    r = shmap_view_map(h, SHMAP_FILE_MAP_WRITE, 0, 0, NULL, &p);
    if (r != 0) {
        fprintf(stderr, "map: %s\n", shmap_strerror(r));
        return 1;
    }
    strcpy(p, "native");
    printf("shmap %s: %s\n", shmap_version(), (char *)p);
    return shmap_view_unmap(p) == 0 && shmap_close(h) == 0 ? 0 : 1;
}
