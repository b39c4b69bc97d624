/*
 * make-seeds.c - writes the seeds of fuzz/corpus/{header,state,job} from
 * real object files: it makes each kind of object in a private namespace,
 * reads its file back and writes it in the input format of the target
 * (fuzz/targets.h); and the binary seeds of fuzz/corpus/sddl (descriptors
 * the library builds: the default one, normalized ones, parsed strings).  Usage: fuzz-make-seeds
 * CORPUS_DIR
 */
#include "internal.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const char *corpus;
static char root[64];

static void die(const char *what, int r)
{
    fprintf(stderr, "fuzz-make-seeds: %s: %s\n", what, shmap_strerror(r));
    exit(1);
}

static void put(const char *target, const char *name, const void *a, size_t na, const void *b,
                size_t nb, const void *c, size_t nc)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/seed-%s", corpus, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) ||
        (nc && fwrite(c, 1, nc, f) != nc) || fclose(f) != 0)
        die(path, -errno);
}

/* The first page of the object file of name (in Local\), and its size. */
static uint64_t read_object(const char *name, uint8_t page[SHMAP_PAGE_SIZE], void *members)
{
    char path[256];
    snprintf(path, sizeof path, "%s/u%u/%s", root, (unsigned)geteuid(), name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || pread(fd, page, SHMAP_PAGE_SIZE, 0) < SHMAP_NAME_OFF)
        die(path, -errno);
    if (members && pread(fd, members, SHMAP_JOB_MEMBERS_BYTES, SHMAP_JOB_MEMBERS_OFF) !=
                       (ssize_t)SHMAP_JOB_MEMBERS_BYTES)
        die(path, -errno);
    close(fd);
    return (uint64_t)sb.st_size;
}

/* A descriptor as a seed of the sddl target: mode byte 'b', then its bytes. */
static void seed_sd(const char *name, const void *sd, size_t len)
{
    put("sddl", name, "b", 1, sd, len, NULL, 0);
}

static void seed_sddl(void)
{
    static const char *const strings[][2] = {
        {"bin-full",
         "O:BAG:SYD:PAI(A;OICI;GA;;;WD)(D;IO;0x1f01ff;;;S-1-22-1-1000)S:(AU;SAFA;GR;;;AU)"},
        {"bin-null-dacl", "O:S-1-22-1-0G:S-1-22-2-0D:NO_ACCESS_CONTROL"},
        {"bin-empty-dacl", "D:"},
        {"bin-label", "S:(ML;;NW;;;HI)"},
    };
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(strings); i++) {
        void *sd;
        size_t len;
        int r = shmap_sd_from_sddl(strings[i][1], &sd, &len);
        if (r)
            die(strings[i][0], r);
        seed_sd(strings[i][0], sd, len);
        shmap_free(sd);
    }
    static const uint32_t map[4] = {0x00020001, 0x00020002, 0x00120000, 0x001F0003};
    void *sd;
    size_t len;
    int r = shmap__sd_default(1000, 100, map, &sd, &len);
    if (r)
        die("default", r);
    seed_sd("bin-default", sd, len);
    free(sd);
}

static void seed_header(const char *name)
{
    uint8_t page[SHMAP_PAGE_SIZE];
    uint64_t size = read_object(name, page, NULL);
    put("header", name, page, SHMAP_HDR_SIZE, &size, 8, NULL, 0);
}

/* sel: the target's selector (0 event, 1 mutex, 2 semaphore, 3 timer, 4 job). */
static void seed_state(const char *name, uint8_t sel)
{
    static const uint8_t ops[] = {0, 1, 2, 3, 4, 5, 9, 17, 33, 0x41, 0x80, 0xff};
    uint8_t page[SHMAP_PAGE_SIZE], head[9] = {sel};
    read_object(name, page, NULL);
    uint64_t now = shmap__mono_ns();
    memcpy(head + 1, &now, 8);
    char file[64];
    snprintf(file, sizeof file, "%s-ops", name);
    put("state", name, head, sizeof head, page + SHMAP_STATE_OFF, SHMAP_STATE_SIZE, NULL, 0);
    put("state", file, head, sizeof head, page + SHMAP_STATE_OFF, SHMAP_STATE_SIZE, ops,
        sizeof ops);
}

static void seed_job(const char *name)
{
    uint8_t page[SHMAP_PAGE_SIZE];
    static struct shmap_jmember m[SHMAP_JOB_MAX_MEMBERS];
    uint64_t size = read_object(name, page, m);
    const struct shmap_jobst *st = (const void *)(page + SHMAP_STATE_OFF);
    put("job", name, page, SHMAP_NAME_OFF, &size, 8, m, st->nmembers * sizeof m[0]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz-make-seeds CORPUS_DIR\n");
        return 2;
    }
    corpus = argv[1];
    snprintf(root, sizeof root, "/dev/shm/shmap-seeds-XXXXXX");
    if (!mkdtemp(root))
        die("mkdtemp", -errno);
    setenv("SHMAP_ROOT", root, 1);
    shmap_handle_t h[12];
    int r, n = 0;
    char file[4096], longname[128]; /* 100 '%': 300 bytes escaped, so a hashed file name */
    snprintf(file, sizeof file, "%s/file", root);
    memset(longname, '%', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    memcpy(longname, "Local\\", 6);
    shmap_handle_t f;
    if ((r = shmap_file_open(file, SHMAP_GENERIC_READ | SHMAP_GENERIC_WRITE, 0, SHMAP_CREATE_ALWAYS,
                             0, 0, &f)) < 0 ||
        (r = shmap_mapping_create(f, "map-file", SHMAP_PAGE_READWRITE, 8192, 0, &h[n++])) < 0 ||
        (r = shmap_mapping_create(SHMAP_NULL_HANDLE, "map", SHMAP_PAGE_READWRITE, 65536, 0,
                                  &h[n++])) < 0 ||
        (r = shmap_mapping_create(SHMAP_NULL_HANDLE, "map-reserve",
                                  SHMAP_PAGE_READWRITE | SHMAP_SEC_RESERVE, 1 << 20, 0, &h[n++])) <
            0 ||
        (r = shmap_event_create("event", 0, SHMAP_GENERIC_ALL, 0, &h[n++])) < 0 ||
        (r = shmap_event_create("event-manual-set",
                                SHMAP_EVENT_MANUAL_RESET | SHMAP_EVENT_INITIAL_SET,
                                SHMAP_GENERIC_ALL, 0, &h[n++])) < 0 ||
        (r = shmap_mutex_create("mutex", SHMAP_MUTEX_INITIAL_OWNER, SHMAP_GENERIC_ALL, 0,
                                &h[n++])) < 0 ||
        (r = shmap_semaphore_create("semaphore", 3, 10, SHMAP_GENERIC_ALL, 0, &h[n++])) < 0 ||
        (r = shmap_timer_create("timer", 0, SHMAP_GENERIC_ALL, 0, &h[n++])) < 0 ||
        (r = shmap_timer_set(h[n - 1], -10000, 5, NULL, NULL, 0)) < 0 ||
        (r = shmap_timer_create("timer-manual", SHMAP_TIMER_MANUAL_RESET, SHMAP_GENERIC_ALL, 0,
                                &h[n++])) < 0 ||
        (r = shmap_timer_set(h[n - 1], -1, 0, NULL, NULL, 0)) < 0 ||
        (r = shmap_job_create("job", SHMAP_GENERIC_ALL, 0, &h[n++])) < 0 ||
        (r = shmap_job_assign(h[n - 1], SHMAP_CURRENT_PROCESS)) < 0 ||
        (r = shmap_mapping_create(SHMAP_NULL_HANDLE, longname, SHMAP_PAGE_READWRITE, 4096, 0,
                                  &h[n++])) < 0)
        die("objects", r);
    static const char *headers[] = {"map-file", "map",   "map-reserve", "event",
                                    "mutex",    "timer", "job"};
    for (size_t i = 0; i < SHMAP_ARRAY_LEN(headers); i++)
        seed_header(headers[i]);
    struct shmap_name ln;
    shmap__name_parse(longname, 0, &ln);
    uint8_t page[SHMAP_PAGE_SIZE];
    uint64_t size = read_object(ln.fname, page, NULL);
    put("header", "map-long-name", page, SHMAP_HDR_SIZE, &size, 8, NULL, 0);
    seed_state("event", 0);
    seed_state("event-manual-set", 0);
    seed_state("mutex", 1);
    seed_state("semaphore", 2);
    seed_state("timer", 3);
    seed_state("timer-manual", 3);
    seed_state("job", 4);
    seed_job("job");
    seed_sddl();
    shmap_mutex_release(h[5]);
    for (int i = 0; i < n; i++)
        shmap_close(h[i]);
    shmap_close(f);
    unlink(file);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : 1;
}
