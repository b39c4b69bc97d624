/*
 * cmd_wine.c - shmap wine: run a Windows program under Wine with named
 * mappings and events shared with native programs (docs/wine.md).
 *
 *   shmap wine [--share NAME[:SIZE]]... [--event NAME[:manual|:auto]]... [--]
 *              PROGRAM.exe [ARGS...]
 *
 * The native half.  It holds the native objects (creating what must be
 * created) for the program's lifetime, makes the relay page (a memfd: Wine
 * opens it as Z:\proc\PID\fd\N), and runs the Windows half,
 * shmap-wine-bridge.exe (wine/bridge.c), under the user's Wine; that one
 * makes the Wine-side objects of the same names over the same pages and
 * starts the program.  Here, per relayed event, one thread sets on this
 * side the signals that cross from Wine, and one takes the signals set on
 * this side and passes them over.  Exits with the program's exit code.
 * docs/DESIGN.md §24.
 */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "shmap/datafile.h"
#include "../wine/relay.h"

#define EXIT_USAGE 2
#define EXIT_BRIDGE 126
#define EXIT_NOTFOUND 127

#ifndef SHMAP_WINE_BRIDGE_INSTALLED /* (CMakeLists.txt: the installed path) */
#define SHMAP_WINE_BRIDGE_INSTALLED ""
#endif
#ifndef SHMAP_WINE_LIBDIR
#define SHMAP_WINE_LIBDIR "lib"
#endif

struct share {
    const char *name;
    int64_t size; /* -1: must exist */
    shmap_handle_t h;
    char winpath[PATH_MAX + 8];
    uint64_t bytes;
};

struct relay {
    const char *name;
    int manual; /* -1: as it is (auto if it must be made) */
    shmap_handle_t h;
    struct shmap_relay_event *slot;
    atomic_int from_wine; /* auto: signals set here for Wine's side not yet seen taken */
    atomic_int last_rx;   /* manual: the state the Wine side last told us */
};

/* ---- futex on the relay page -------------------------------------------------------- */

/* Shared futexes (not FUTEX_PRIVATE_FLAG): the page is mapped by Wine too. */
static void futex_wait(uint32_t *w, uint32_t val, const struct timespec *t)
{
    syscall(SYS_futex, w, 0 /* FUTEX_WAIT */, val, t, NULL, 0);
}

static void shmap_relay_wake(uint32_t *w)
{
    syscall(SYS_futex, w, 1 /* FUTEX_WAKE */, INT_MAX, NULL, NULL, 0);
}

/* ---- the relays ------------------------------------------------------------------------ */

static int signalled(shmap_handle_t h)
{
    int s = 0;
    return shmap_event_query(h, NULL, &s) == 0 && s;
}

/* Sleep until h is no longer signalled (a waiter took it, or a reset).
 * A waiter that was woken with us usually takes it within microseconds:
 * first 200 looks with a yield between, then from 1 ms to 16 ms. */
static void until_unsignalled(shmap_handle_t h)
{
    for (int i = 0; i < 200; i++) {
        if (!signalled(h))
            return;
        sched_yield();
    }
    long ms = 1;
    while (signalled(h)) {
        struct timespec t = {0, ms * 1000000};
        nanosleep(&t, NULL);
        if (ms < 16)
            ms *= 2;
    }
}

/* Signals (auto) and states (manual) that come from the Wine side. */
static void *wine_to_native(void *arg)
{
    struct relay *r = arg;
    struct shmap_relay_event *e = r->slot;
    uint32_t seen_sets = 0, seen_state = 0; /* the page starts zeroed: all that came counts */
    for (;;) {
        uint32_t seq = shmap_relay_load(&e->w2n_seq);
        if (!e->manual && shmap_relay_load(&e->w2n_sets) != seen_sets) {
            seen_sets = shmap_relay_load(&e->w2n_sets);
            atomic_fetch_add(&r->from_wine, 1);
            shmap_event_set(r->h, NULL);
        } else if (e->manual && shmap_relay_load(&e->w2n_state) != seen_state) {
            seen_state = shmap_relay_load(&e->w2n_state);
            atomic_store(&r->last_rx, (int)(seen_state & 1));
            if (seen_state & 1)
                shmap_event_set(r->h, NULL);
            else
                shmap_event_reset(r->h, NULL);
        } else {
            futex_wait(&e->w2n_seq, seq, NULL);
        }
    }
    return NULL;
}

/* Signals set on this side: the relay is one more waiter here; what it
 * takes crosses to Wine, unless it came from there (then it stays here,
 * for a waiter of this side to come). */
static void *native_to_wine(void *arg)
{
    struct relay *r = arg;
    struct shmap_relay_event *e = r->slot;
    for (;;) {
        int w = shmap_wait(1, &r->h, 0, SHMAP_INFINITE);
        if (w != SHMAP_WAIT_OBJECT_0) {
            struct timespec t = {0, 10000000};
            nanosleep(&t, NULL);
            continue;
        }
        if (e->manual) {
            if (atomic_load(&r->last_rx) != 1)
                shmap_relay_publish(&e->n2w_state, &e->n2w_seq, 1);
            until_unsignalled(r->h);
            if (atomic_load(&r->last_rx) != 0)
                shmap_relay_publish(&e->n2w_state, &e->n2w_seq, 0);
            continue;
        }
        int n = atomic_load(&r->from_wine);
        while (n > 0 && !atomic_compare_exchange_weak(&r->from_wine, &n, n - 1))
            ;
        if (n > 0) { /* Wine's: back, and left for a waiter of this side */
            shmap_event_set(r->h, NULL);
            until_unsignalled(r->h);
        } else {
            shmap_relay_post(&e->n2w_sets, &e->n2w_seq);
        }
    }
    return NULL;
}

/* ---- finding wine and the bridge ------------------------------------------------------- */

static int executable(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0;
}

/* $WINE, else wine or wine64 in PATH, else Debian's loader. */
static int find_wine(char *out, size_t len)
{
    const char *env = getenv("WINE");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return 0;
    }
    const char *path = getenv("PATH");
    static const char *const names[] = {"wine", "wine64"};
    for (size_t k = 0; k < 2; k++) {
        for (const char *p = path ? path : "/usr/bin:/bin"; p && *p;) {
            const char *c = strchr(p, ':');
            size_t n = c ? (size_t)(c - p) : strlen(p);
            if (n && (size_t)snprintf(out, len, "%.*s/%s", (int)n, p, names[k]) < len &&
                executable(out))
                return 0;
            p = c ? c + 1 : NULL;
        }
    }
    static const char *const fixed[] = {"/usr/lib/wine/wine64", "/usr/lib/wine/wine",
                                        "/opt/wine-stable/bin/wine"};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        if (executable(fixed[k])) {
            snprintf(out, len, "%s", fixed[k]);
            return 0;
        }
    return -1;
}

/* $SHMAP_WINE_BRIDGE, else beside this program (installed: ../LIBDIR/shmap/;
 * the build tree: ../wine/), else where it was installed. */
static int find_bridge(char *out, size_t len)
{
    const char *env = getenv("SHMAP_WINE_BRIDGE");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, R_OK) == 0 ? 0 : -1;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        static const char *const rel[] = {"/../" SHMAP_WINE_LIBDIR "/shmap/", "/../lib/shmap/",
                                          "/../wine/"};
        char real[PATH_MAX];
        for (size_t k = 0; k < sizeof rel / sizeof rel[0]; k++)
            if ((size_t)snprintf(out, len, "%s%sshmap-wine-bridge.exe", self, rel[k]) < len &&
                access(out, R_OK) == 0) {
                if (realpath(out, real) && strlen(real) < len)
                    strcpy(out, real);
                return 0;
            }
    }
    if (*SHMAP_WINE_BRIDGE_INSTALLED) {
        snprintf(out, len, "%s", SHMAP_WINE_BRIDGE_INSTALLED);
        return access(out, R_OK) == 0 ? 0 : -1;
    }
    return -1;
}

int cli_wine_find(char *wine, size_t wlen, char *bridge, size_t blen)
{
    return find_wine(wine, wlen) == 0 && find_bridge(bridge, blen) == 0 ? 0 : -1;
}

/* A Unix path as Wine names it: Z:\ is / in every prefix Wine makes. */
static void wine_path(char *out, size_t len, const char *unix_path)
{
    size_t o = (size_t)snprintf(out, len, "Z:");
    for (const char *p = unix_path; *p && o + 1 < len; p++)
        out[o++] = *p == '/' ? '\\' : *p;
    out[o < len ? o : len - 1] = 0;
}

/* ---- the command --------------------------------------------------------------------------- */

static void wine_usage(FILE *f)
{
    fprintf(f, "usage: shmap wine [--share NAME[:SIZE]]... [--event NAME[:manual|:auto]]... [--]\n"
               "                  PROGRAM.exe [ARGS...]\n"
               "       shmap wine --where   (the bridge and the wine it would use)\n"
               "Runs a Windows program under Wine with the named mappings and events shared\n"
               "with native programs; exits with the program's exit code (docs/wine.md).\n");
}

static volatile pid_t child;
static void forward(int sig)
{
    if (child > 0)
        kill(child, sig);
}

/* Splits "NAME:SUFFIX" at its last ':' when the suffix is what ok() takes. */
static const char *suffix_of(char *arg, int (*ok)(const char *))
{
    char *c = strrchr(arg, ':');
    if (!c || !ok(c + 1))
        return NULL;
    *c = 0;
    return c + 1;
}

static int is_size(const char *s)
{
    return cli_size(s) > 0;
}

static int is_kind(const char *s)
{
    return !strcmp(s, "manual") || !strcmp(s, "auto");
}

#define MAX_SHARES 64

/* Parse the options into shares and relays: the index of PROGRAM, or -1
 * (usage error, said), or -2 (--help, done). */
static int parse(int argc, char **argv, struct share *shares, unsigned *nshares,
                 struct relay *relays, unsigned *nrelays)
{
    int i = 0;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            wine_usage(stdout);
            return -2;
        }
        if (!strcmp(argv[i], "--where") && argc == 1)
            return -3;
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        int ev = !strcmp(argv[i], "--event");
        if (!ev && strcmp(argv[i], "--share") != 0) {
            if (argv[i][0] != '-')
                break;
            fprintf(stderr, "shmap wine: unknown option '%s'\n", argv[i]);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "shmap wine: %s needs a name\n", argv[i]);
            return -1;
        }
        if (ev ? *nrelays == SHMAP_RELAY_EVENTS : *nshares == MAX_SHARES) {
            fprintf(stderr, "shmap wine: at most %u %s\n", ev ? SHMAP_RELAY_EVENTS : MAX_SHARES,
                    ev ? "events" : "mappings");
            return -1;
        }
        char *arg = argv[++i];
        const char *sfx = suffix_of(arg, ev ? is_kind : is_size);
        if (!*arg) {
            fprintf(stderr, "shmap wine: empty name\n");
            return -1;
        }
        if (ev) {
            relays[*nrelays].name = arg;
            relays[(*nrelays)++].manual = !sfx ? -1 : !strcmp(sfx, "manual");
        } else {
            memset(&shares[*nshares], 0, sizeof shares[*nshares]);
            shares[*nshares].name = arg;
            shares[(*nshares)++].size = sfx ? cli_size(sfx) : -1;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "shmap wine: no program\n");
        return -1;
    }
    return i;
}

/* The native objects, held until we exit (so while the program runs). */
static int hold_objects(struct share *shares, unsigned nshares, struct relay *relays,
                        unsigned nrelays)
{
    for (unsigned k = 0; k < nshares; k++) {
        struct share *s = &shares[k];
        int r = s->size > 0 ? shmap_mapping_create(SHMAP_NULL_HANDLE, s->name, SHMAP_PAGE_READWRITE,
                                                   (uint64_t)s->size, 0, &s->h)
                            : shmap_mapping_open(s->name, SHMAP_FILE_MAP_ALL_ACCESS, 0, &s->h);
        if (r == -ENOENT) {
            fprintf(stderr, "shmap wine: %s does not exist: give its size (--share %s:SIZE)\n",
                    s->name, s->name);
            return 1;
        }
        if (r < 0)
            return cli_fail(s->name, r);
        char path[PATH_MAX];
        uint64_t off = 1;
        shmap_mapping_info_t info;
        if ((r = shmap_mapping_data_file(s->h, path, sizeof path, &off)) < 0 ||
            (r = shmap_mapping_query(s->h, &info)) < 0)
            return cli_fail(s->name, r);
        if (off != 0) {
            fprintf(stderr, "shmap wine: %s: its data does not start a file\n", s->name);
            return 1;
        }
        s->bytes = info.size;
        wine_path(s->winpath, sizeof s->winpath, path);
    }
    for (unsigned k = 0; k < nrelays; k++) {
        struct relay *r = &relays[k];
        uint32_t fl = r->manual == 1 ? SHMAP_EVENT_MANUAL_RESET : 0;
        int e = shmap_event_create(r->name, fl, SHMAP_EVENT_ALL_ACCESS, 0, &r->h);
        int manual = 0;
        if (e < 0 || (e = shmap_event_query(r->h, &manual, NULL)) < 0)
            return cli_fail(r->name, e);
        r->manual = manual;
    }
    return 0;
}

/* ---- the bridge record: what `shmap ls` shows ------------------------------------------
 *
 * A named mapping Local\shmap-wine.PID, held by the bridge (so it goes
 * with it, kill -9 included), whose text says which objects are bridged
 * to which Wine prefix:
 *     shmap-wine 1\nprefix P\nprogram X\nobject Local\NAME\n... */

#define RECORD_PREFIX "shmap-wine."
#define RECORD_BYTES 65536

static shmap_handle_t record;

static int publish_record(const struct share *shares, unsigned nshares, const struct relay *relays,
                          unsigned nrelays, const char *program)
{
    char name[64];
    snprintf(name, sizeof name, "Local\\" RECORD_PREFIX "%d", (int)getpid());
    int r = shmap_mapping_create(SHMAP_NULL_HANDLE, name, SHMAP_PAGE_READWRITE, RECORD_BYTES, 0,
                                 &record);
    void *v = NULL;
    if (r == 0)
        r = shmap_view_map(record, SHMAP_FILE_MAP_WRITE, 0, RECORD_BYTES, NULL, &v);
    if (r < 0)
        return r;
    const char *prefix = getenv("WINEPREFIX");
    const char *home = getenv("HOME");
    char *t = v;
    size_t o = 0, len = RECORD_BYTES - 1;
    if (prefix && *prefix)
        o += (size_t)snprintf(t + o, len - o, "shmap-wine 1\nprefix %s\n", prefix);
    else
        o += (size_t)snprintf(t + o, len - o, "shmap-wine 1\nprefix %s/.wine\n", home ? home : "~");
    o += (size_t)snprintf(t + o, len - o < len ? len - o : 0, "program %s\n", program);
    for (unsigned k = 0; k < nshares + nrelays && o < len; k++) {
        const char *n = k < nshares ? shares[k].name : relays[k - nshares].name;
        int scoped = !strncmp(n, "Local\\", 6) || !strncmp(n, "Global\\", 7);
        o += (size_t)snprintf(t + o, len - o, "object %s%s\n", scoped ? "" : "Local\\", n);
    }
    shmap_view_unmap(v);
    return 0;
}

/* wine BRIDGE PAGE NMAPS NEVENTS {NAME PATH SIZE}... {NAME}... -- PROGRAM ARGS;
 * NULL if out of memory.  The strings it points to live in shares, relays
 * and the buffers given. */
static char **bridge_args(char *wine, char *bridge, char *pagepath, struct share *shares,
                          unsigned nshares, struct relay *relays, unsigned nrelays, int argc,
                          char **argv, char (*num)[24], char *program, size_t plen)
{
    size_t nargs = 7 + 3 * (size_t)nshares + nrelays + (size_t)argc;
    char **args = calloc(nargs, sizeof *args);
    if (!args)
        return NULL;
    size_t a = 0;
    args[a++] = wine;
    args[a++] = bridge;
    args[a++] = pagepath;
    snprintf(num[0], sizeof num[0], "%u", nshares);
    snprintf(num[1], sizeof num[1], "%u", nrelays);
    args[a++] = num[0];
    args[a++] = num[1];
    for (unsigned k = 0; k < nshares; k++) {
        snprintf(num[2 + k], sizeof num[2 + k], "%llu", (unsigned long long)shares[k].bytes);
        args[a++] = (char *)shares[k].name;
        args[a++] = shares[k].winpath;
        args[a++] = num[2 + k];
    }
    for (unsigned k = 0; k < nrelays; k++)
        args[a++] = (char *)relays[k].name;
    args[a++] = "--";
    /* a program given by its Unix path: as Wine names it */
    char real[PATH_MAX];
    if (strchr(argv[0], '/') && realpath(argv[0], real)) {
        wine_path(program, plen, real);
        args[a++] = program;
    } else {
        args[a++] = argv[0];
    }
    for (int k = 1; k < argc; k++)
        args[a++] = argv[k];
    args[a] = NULL;
    return args;
}

int cmd_wine(int argc, char **argv)
{
    static struct share shares[MAX_SHARES];
    static struct relay relays[SHMAP_RELAY_EVENTS];
    unsigned nshares = 0, nrelays = 0;
    int i = parse(argc, argv, shares, &nshares, relays, &nrelays);
    if (i < 0 && i != -3) {
        if (i == -1)
            wine_usage(stderr);
        return i == -2 ? 0 : EXIT_USAGE;
    }
    char wine[PATH_MAX], bridge[PATH_MAX];
    if (find_bridge(bridge, sizeof bridge) != 0) {
        fprintf(stderr, "shmap wine: shmap-wine-bridge.exe not found (set SHMAP_WINE_BRIDGE; "
                        "it is built when x86_64-w64-mingw32-gcc is installed)\n");
        return EXIT_NOTFOUND;
    }
    if (i == -3) /* --where: the bridge we use, and the wine if there is one */
        printf("bridge: %s\n", bridge);
    if (find_wine(wine, sizeof wine) != 0) {
        fprintf(stderr, "shmap wine: wine not found (set WINE, or install wine64)\n");
        return EXIT_NOTFOUND;
    }
    if (i == -3) {
        printf("wine:   %s\n", wine);
        return 0;
    }
    int r = hold_objects(shares, nshares, relays, nrelays);
    if (r)
        return r;
    if ((r = publish_record(shares, nshares, relays, nrelays, argv[i])) < 0)
        return cli_fail("bridge record", r);

    /* the relay page: Wine opens it through our descriptor */
    int pfd = memfd_create("shmap-wine-relay", MFD_CLOEXEC);
    struct shmap_relay_page *page = MAP_FAILED;
    if (pfd < 0 || ftruncate(pfd, SHMAP_RELAY_BYTES) != 0 ||
        (page = mmap(NULL, SHMAP_RELAY_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0)) ==
            MAP_FAILED)
        return cli_fail("relay page", -errno);
    page->magic = SHMAP_RELAY_MAGIC;
    page->version = SHMAP_RELAY_VERSION;
    page->nevents = nrelays;
    for (unsigned k = 0; k < nrelays; k++) {
        relays[k].slot = &page->ev[k];
        page->ev[k].manual = (uint32_t)relays[k].manual;
    }
    static char num[2 + MAX_SHARES][24];
    char pagepath[64], program[PATH_MAX + 8];
    snprintf(pagepath, sizeof pagepath, "Z:\\proc\\%d\\fd\\%d", (int)getpid(), pfd);
    char **args = bridge_args(wine, bridge, pagepath, shares, nshares, relays, nrelays, argc - i,
                              argv + i, num, program, sizeof program);
    if (!args)
        return cli_fail("wine", -ENOMEM);
    if (!getenv("WINEDEBUG"))
        setenv("WINEDEBUG", "-all", 1);

    /* before any thread of ours: the child is made by fork, and dies with us */
    pid_t parent = getpid();
    pid_t c = fork();
    if (c < 0)
        return cli_fail("fork", -errno);
    if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(EXIT_BRIDGE);
        execv(wine, args);
        fprintf(stderr, "shmap wine: cannot run %s: %s\n", wine, strerror(errno));
        _exit(EXIT_NOTFOUND);
    }
    child = c;
    free(args); /* (the child has its copy) */
    struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL); /* (a terminal sends it to wine as well) */
    for (unsigned k = 0; k < nrelays; k++) {
        pthread_t t;
        if (pthread_create(&t, NULL, wine_to_native, &relays[k]) != 0 ||
            pthread_create(&t, NULL, native_to_wine, &relays[k]) != 0) {
            kill(c, SIGKILL);
            return cli_fail("relay thread", -EAGAIN);
        }
    }

    int status = 0;
    for (;;) { /* until the Wine side holds everything, or wine ends */
        if (waitpid(c, &status, WNOHANG) == c)
            goto ended;
        uint32_t rd = shmap_relay_load(&page->ready);
        if (rd == 1)
            break;
        if (rd == 2) { /* the bridge says so and ends by itself, without the program */
            fprintf(stderr, "shmap wine: the Wine side could not make object %u: error %u\n",
                    page->failed, page->error);
            while (waitpid(c, &status, 0) < 0 && errno == EINTR)
                ;
            return EXIT_BRIDGE;
        }
        struct timespec t = {0, 100000000};
        futex_wait(&page->ready, rd, &t);
    }
    while (waitpid(c, &status, 0) < 0 && errno == EINTR)
        ;
ended:
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* ---- reading the records (shmap ls) ------------------------------------------------------- */

struct bridged {
    char *scoped; /* "Local\NAME" or "Global\NAME" */
    char *prefix;
    int pid;
};
static struct bridged *bridged;
static size_t nbridged;

static void read_record(const char *name, int pid)
{
    char full[300];
    snprintf(full, sizeof full, "Local\\%s", name);
    shmap_handle_t h;
    void *v = NULL;
    if (shmap_mapping_open(full, SHMAP_FILE_MAP_READ, 0, &h) < 0)
        return;
    if (shmap_view_map(h, SHMAP_FILE_MAP_READ, 0, RECORD_BYTES, NULL, &v) == 0) {
        char *text = strndup(v, RECORD_BYTES - 1), *save = NULL, *prefix = NULL;
        for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
            if (!strncmp(line, "prefix ", 7) && !prefix)
                prefix = line + 7;
            struct bridged *b = !strncmp(line, "object ", 7) && prefix
                                    ? realloc(bridged, (nbridged + 1) * sizeof *bridged)
                                    : NULL;
            if (b) {
                bridged = b;
                b[nbridged].scoped = strdup(line + 7);
                b[nbridged].prefix = strdup(prefix);
                b[nbridged].pid = pid;
                if (b[nbridged].scoped && b[nbridged].prefix)
                    nbridged++;
            }
        }
        free(text);
        shmap_view_unmap(v);
    }
    shmap_close(h);
}

static int find_records(const shmap_object_info_t *i, void *arg)
{
    (void)arg;
    char *end = NULL;
    if (!i->global && i->type == SHMAP_TYPE_MAPPING &&
        !strncmp(i->name, RECORD_PREFIX, sizeof RECORD_PREFIX - 1)) {
        long pid = strtol(i->name + sizeof RECORD_PREFIX - 1, &end, 10);
        if (end && !*end && pid > 0)
            read_record(i->name, (int)pid);
    }
    return 0;
}

void cli_wine_load(void)
{
    shmap_ns_list(find_records, NULL);
}

const char *cli_wine_prefix(int global, const char *name, int *pid)
{
    for (size_t k = 0; k < nbridged; k++) {
        const char *s = bridged[k].scoped;
        size_t skip = !strncmp(s, "Global\\", 7) ? 7 : !strncmp(s, "Local\\", 6) ? 6 : 0;
        if ((skip == 7) == (global != 0) && !strcmp(s + skip, name)) {
            if (pid)
                *pid = bridged[k].pid;
            return bridged[k].prefix;
        }
    }
    return NULL;
}

int cli_wine_is_record(int global, const char *name)
{
    return !global && !strncmp(name, RECORD_PREFIX, sizeof RECORD_PREFIX - 1);
}
