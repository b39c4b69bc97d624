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

/* A JSON string: quotes, backslashes and control characters escaped; other
 * bytes (UTF-8) as they are. */
static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* One object as a JSON object on one line (ls --json, info --json). */
static void json_object(const shmap_object_info_t *i)
{
    printf("{\"scope\": \"%s\", \"name\": ", i->global ? "Global" : "Local");
    json_str(i->name);
    printf(", \"type\": \"%s\", \"size\": %llu, \"protect\": %u, \"attributes\": %u, "
           "\"owner_uid\": %u, \"holders\": [",
           type_name(i->type), (unsigned long long)i->size, (unsigned)i->protect,
           (unsigned)i->attributes, (unsigned)i->owner_uid);
    for (int k = 0; k < i->nholders; k++)
        printf("%s%d", k ? ", " : "", i->holders[k]);
    printf("]");
    if (i->data_file) { /* a named pagefile section's data, at offset 0 */
        printf(", \"data_file\": ");
        json_str(i->data_file);
    }
    int pid = 0;
    const char *prefix = cli_wine_prefix(i->global, i->name, &pid);
    if (prefix) { /* bridged by shmap wine (cmd_wine.c) */
        printf(", \"wine_prefix\": ");
        json_str(prefix);
        printf(", \"wine_bridge\": %d", pid);
    }
    printf("}");
}

struct ls_state {
    int n, json;
};

static int ls_one(const shmap_object_info_t *i, void *arg)
{
    struct ls_state *st = arg;
    if (st->json) {
        printf("%s\n  ", st->n ? "," : "");
        json_object(i);
        st->n++;
        return 0;
    }
    int *n = &st->n;
    printf("%-7s %-9s %12llu  ", i->global ? "Global" : "Local", type_name(i->type),
           (unsigned long long)i->size);
    print_holders(i);
    int pid = 0;
    const char *prefix = cli_wine_prefix(i->global, i->name, &pid);
    if (prefix)
        printf("  %s  (Wine: %s, bridge %d)\n", i->name, prefix, pid);
    else if (cli_wine_is_record(i->global, i->name))
        printf("  %s  (a shmap wine bridge's record)\n", i->name);
    else
        printf("  %s\n", i->name);
    (*n)++;
    return 0;
}

/* ls --json: one JSON array of the objects of json_object(). */
int cmd_ls(int argc, char **argv)
{
    struct ls_state st = {0, 0};
    if (argc == 1 && !strcmp(argv[0], "--json"))
        st.json = 1;
    else if (argc) {
        fprintf(stderr, "usage: shmap ls [--json]\n");
        return 2;
    }
    cli_wine_load(); /* which objects shmap wine bridges, to note them */
    if (st.json)
        printf("[");
    else
        printf("%-7s %-9s %12s  %s  %s\n", "SCOPE", "TYPE", "SIZE", "HOLDERS", "NAME");
    int r = shmap_ns_list(ls_one, &st);
    if (st.json)
        printf("%s]\n", st.n ? "\n" : "");
    if (r < 0)
        return cli_fail("ls", r);
    if (!st.json)
        fprintf(stderr, "%d object%s in %s\n", st.n, st.n == 1 ? "" : "s", shmap_ns_root());
    return 0;
}

struct want {
    const char *name;
    int global;
    int found;
    int json;
};

static int info_one(const shmap_object_info_t *i, void *arg)
{
    struct want *w = arg;
    if (i->global != w->global || strcmp(i->name, w->name))
        return 0;
    w->found = 1;
    if (w->json) {
        json_object(i);
        printf("\n");
        return 1;
    }
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
    if (i->data_file)
        printf("data file:  %s\n", i->data_file);
    printf("owner uid:  %u\n", (unsigned)i->owner_uid);
    printf("holders:    ");
    print_holders(i);
    printf("\n");
    int pid = 0;
    const char *prefix = cli_wine_prefix(i->global, i->name, &pid);
    if (prefix)
        printf("wine:       bridged to %s by shmap wine (pid %d)\n", prefix, pid);
    return 1;
}

/* info --json: the object as one JSON object (json_object()). */
int cmd_info(int argc, char **argv)
{
    int json = argc == 2 && !strcmp(argv[1], "--json");
    if (argc != 1 + json || !strncmp(argv[0], "--", 2)) {
        fprintf(stderr, "usage: shmap info NAME [--json]\n");
        return 2;
    }
    struct want w = {argv[0], 0, 0, json};
    cli_wine_load();
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
