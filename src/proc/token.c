/*
 * token.c - access tokens: what OpenProcessToken gives.  A token holds the
 * effective uid, gid and groups of its process when it was opened (a
 * snapshot, as a primary token is for the duration of a call); its SIDs
 * are those the access check uses (sd.c: user, primary group, groups,
 * Everyone, Authenticated Users, and SYSTEM and Administrators for root).
 * A token lives in its process only.
 */
#include "proc.h"
#include "base/probe.h"
#include "base/procfs.h"

#include <string.h>
#include <unistd.h>

#define TOKEN_GROUPS_MAX 96u /* groups kept (the record is at most 512 bytes) */
#define TOKEN_ALL_ACCESS 0x000F01FFu
#define TOKEN_QUERY 0x0008u

struct shmap_token_obj {
    struct shmap_obj obj;
    uint32_t uid, gid, ngroups;
    uint32_t groups[TOKEN_GROUPS_MAX];
};
_Static_assert(sizeof(struct shmap_token_obj) <= 512, "a record");

static void token_destroy(struct shmap_obj *o)
{
    shmap__obj_free(o);
}

const struct shmap_obj_ops shmap__token_ops = {
    .type = SHMAP_TYPE_TOKEN,
    .flags = SHMAP_OPS_LOCAL,
    .destroy = token_destroy,
};

/* The ids of another process, from /proc/PID/status (effective ones). */
static int ids_of(uint32_t pid, struct shmap_token_obj *t)
{
    char rel[32];
    snprintf(rel, sizeof rel, "%u/status", (unsigned)pid);
    struct shmap_procfs_lines l;
    if (shmap__procfs_lines_open(&l, rel) != 0)
        return -ESRCH;
    int got = 0;
    for (char *line; (line = shmap__procfs_lines_next(&l)) != NULL;) {
        unsigned a, b;
        if (sscanf(line, "Uid: %u %u", &a, &b) == 2)
            t->uid = b, got |= 1;
        else if (sscanf(line, "Gid: %u %u", &a, &b) == 2)
            t->gid = b, got |= 2;
        else if (strncmp(line, "Groups:", 7) == 0) {
            char *p = line + 7;
            for (char *end; t->ngroups < TOKEN_GROUPS_MAX; p = end) {
                unsigned long g = strtoul(p, &end, 10);
                if (end == p)
                    break;
                t->groups[t->ngroups++] = (uint32_t)g;
            }
        }
    }
    shmap__procfs_lines_close(&l);
    return got == 3 ? 0 : -ESRCH;
}

SHMAP_EXTERN int shmap_token_open(shmap_handle_t process, uint32_t access, shmap_handle_t *out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    struct shmap_process *p = NULL;
    int r = shmap__process_get(process, SHMAP_PROCESS_QUERY_LIMITED_INFORMATION, &p);
    if (r)
        return r;
    struct shmap_token_obj *t = shmap__obj_alloc(sizeof *t);
    if (!t)
        r = -ENOMEM;
    else if (p->self) {
        t->uid = shmap__uid();
        t->gid = shmap__gid();
        gid_t g[TOKEN_GROUPS_MAX];
        int n = getgroups(TOKEN_GROUPS_MAX, g);
        for (int i = 0; i < n; i++)
            t->groups[t->ngroups++] = (uint32_t)g[i];
    } else {
        r = ids_of(p->pid, t);
    }
    shmap__obj_put(&p->obj);
    if (r) {
        if (t)
            shmap__obj_free(t);
        return r;
    }
    shmap__obj_init(&t->obj, &shmap__token_ops, -1, NULL);
    atomic_store(&t->obj.handles, 1);
    uint32_t a = (access & SHMAP_MAXIMUM_ALLOWED) ? TOKEN_ALL_ACCESS : access;
    if ((r = shmap__handle_alloc(&t->obj, a, 0, out)) != 0)
        shmap__obj_handle_put(&t->obj);
    return r;
}

SHMAP_EXTERN int shmap_token_query(shmap_handle_t token, void **sids, size_t *len, size_t *count)
{
    if (SHMAP_PROBE_OUT(sids) || SHMAP_PROBE_OUT(len) || SHMAP_PROBE_OUT(count))
        return -EFAULT;
    struct shmap_obj *o;
    int r = shmap__handle_get_right(token, SHMAP_TYPE_TOKEN, TOKEN_QUERY, &o);
    if (r)
        return r;
    struct shmap_token_obj *t = (struct shmap_token_obj *)o;
    struct shmap_token tok = {t->uid, t->gid, t->groups, t->ngroups};
    size_t n, need = shmap__token_sids(&tok, NULL, 0, &n);
    uint8_t *buf = malloc(need);
    if (!buf)
        r = -ENOMEM;
    else {
        shmap__token_sids(&tok, buf, need, &n);
        *sids = buf;
        *len = need;
        *count = n;
    }
    shmap__obj_put(o);
    return r;
}
