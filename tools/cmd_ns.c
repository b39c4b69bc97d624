/*
 * cmd_ns.c - shmap ls, shmap info.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char *type_name(shmap_type_t t)
{
    static const char *n[] = {"?", "mapping", "event", "mutex", "semaphore", "timer", "job"};
    return t >= 1 && t <= 6 ? n[t] : "?";
}

static void print_holders(const shmap_object_info_t *i)
{
    for (int k = 0; k < i->nholders; k++)
        printf("%s%d", k ? "," : "", i->holders[k]);
    if (!i->nholders)
        printf("-");
}

static int ls_one(const shmap_object_info_t *i, void *arg)
{
    int *n = arg;
    printf("%-7s %-9s %12llu  ", i->global ? "Global" : "Local", type_name(i->type),
           (unsigned long long)i->size);
    print_holders(i);
    printf("  %s\n", i->name);
    (*n)++;
    return 0;
}

int cmd_ls(int argc, char **argv)
{
    (void)argv;
    if (argc) {
        fprintf(stderr, "usage: shmap ls\n");
        return 2;
    }
    int n = 0;
    printf("%-7s %-9s %12s  %s  %s\n", "SCOPE", "TYPE", "SIZE", "HOLDERS", "NAME");
    int r = shmap_ns_list(ls_one, &n);
    if (r < 0)
        return cli_fail("ls", r);
    fprintf(stderr, "%d object%s in %s\n", n, n == 1 ? "" : "s", shmap_ns_root());
    return 0;
}

struct want {
    const char *name;
    int global;
    int found;
};

static int info_one(const shmap_object_info_t *i, void *arg)
{
    struct want *w = arg;
    if (i->global != w->global || strcmp(i->name, w->name))
        return 0;
    printf("name:       %s\\%s\n", i->global ? "Global" : "Local", i->name);
    printf("type:       %s\n", type_name(i->type));
    if (i->type == SHMAP_TYPE_MAPPING) {
        printf("size:       %llu\n", (unsigned long long)i->size);
        printf("protect:    0x%x\n", (unsigned)i->protect);
        printf("attributes: 0x%x%s\n", (unsigned)i->attributes,
               (i->attributes & SHMAP_SEC_FILE)      ? " (file-backed)"
               : (i->attributes & SHMAP_SEC_RESERVE) ? " (reserve)"
                                                     : " (commit)");
    }
    printf("owner uid:  %u\n", (unsigned)i->owner_uid);
    printf("holders:    ");
    print_holders(i);
    printf("\n");
    w->found = 1;
    return 1;
}

int cmd_info(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: shmap info NAME\n");
        return 2;
    }
    struct want w = {argv[0], 0, 0};
    if (!strncmp(w.name, "Global\\", 7))
        w.name += 7, w.global = 1;
    else if (!strncmp(w.name, "Local\\", 6))
        w.name += 6;
    int r = shmap_ns_list(info_one, &w);
    if (r < 0)
        return cli_fail("info", r);
    if (!w.found)
        return cli_fail(argv[0], -ENOENT);
    return 0;
}
