/*
 * spawn.c - CreateProcess: the Windows command line, the program search,
 * and starting the child with the handles it inherits.
 *
 * The child gets, at their own numbers, a fresh open file description of
 * each inheritable handle's object (xfer.c), its own state memfd, made here
 * so that we hold its exit code from the first instant, and a memfd listing
 * it all, named by SHMAP_INHERIT in its environment.  A child running
 * libshmap installs them before main; any other program just holds the
 * descriptors (which, as on Windows, keep the objects alive while it runs).
 *
 * posix_spawn starts the child; a suspended one is forked instead and waits
 * in a read of a pipe before exec, until ResumeThread closes the other end.
 */
#include "proc.h"
#include "base/probe.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- the command line (the C runtime's rules) ------------------------------ */

/* Parse one argument at *pp into out; returns its length, or -1 at the
 * end.  Backslashes are literal unless they precede a quote: 2n of them
 * then give n and the quote toggles quoting; 2n+1 give n and a literal
 * quote.  Inside quotes, "" gives a quote (and stays quoted, as the modern
 * C runtime does).  argv[0] (first) follows the program-name rule instead:
 * up to the next blank, or between quotes, no backslash processing. */
static long next_arg(const char **pp, char *out, bool first)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p) {
        *pp = p;
        return -1;
    }
    long n = 0;
    if (first) {
        char end = *p == '"' ? '"' : ' ';
        p += end == '"';
        while (*p && *p != end && (end == '"' || *p != '\t'))
            out[n++] = *p++;
        p += *p == '"';
        out[n] = 0;
        *pp = p;
        return n;
    }
    bool quoted = false;
    while (*p && (quoted || (*p != ' ' && *p != '\t'))) {
        if (*p == '"') {
            if (quoted && p[1] == '"') {
                out[n++] = '"';
                p += 2;
                continue;
            }
            quoted = !quoted;
            p++;
            continue;
        }
        size_t k = 0;
        while (p[k] == '\\')
            k++;
        if (k && p[k] == '"') {
            memset(out + n, '\\', k / 2);
            n += (long)(k / 2);
            p += k;
            if (k % 2)
                out[n++] = *p++;
            continue;
        }
        out[n++] = *p++;
    }
    out[n] = 0;
    *pp = p;
    return n;
}

SHMAP_EXTERN int shmap_cmdline_split(const char *cmdline, char ***argv)
{
    if (SHMAP_PROBE_OUT(argv))
        return -EFAULT;
    if (!cmdline)
        cmdline = "";
    /* at most len / 2 + 1 arguments, never longer than the line */
    size_t len = strlen(cmdline), max = len / 2 + 2;
    char **v = malloc(max * sizeof *v + 2 * len + 2);
    if (!v)
        return -ENOMEM;
    char *s = (char *)(v + max);
    const char *p = cmdline;
    size_t count = 0;
    for (long n; (n = next_arg(&p, s, count == 0)) >= 0; count++) {
        v[count] = s;
        s += n + 1;
    }
    v[count] = NULL;
    *argv = v;
    return (int)count;
}

/* Append arg to out (room enough: 2 * len + 3), quoted so that next_arg
 * gives it back: as it is when it has no blank or quote and is not empty;
 * else between quotes, with a quote as \" and the backslashes before a
 * quote or the closing quote doubled.  argv[0] (first) is only put between
 * quotes when it has a blank (the program-name rule has no escapes). */
static char *quote_arg(char *out, const char *arg, bool first)
{
    if (*arg && !strpbrk(arg, first ? " \t" : " \t\n\v\"")) {
        size_t n = strlen(arg);
        /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): the caller ends the line */
        memcpy(out, arg, n);
        return out + n;
    }
    *out++ = '"';
    for (const char *p = arg;; p++) {
        size_t k = 0;
        while (!first && p[k] == '\\')
            k++;
        if (!first && (!p[k] || p[k] == '"')) {
            size_t times = 2 * k + (p[k] == '"');
            memset(out, '\\', times);
            out += times;
            p += k;
        }
        if (!*p)
            break;
        *out++ = *p;
    }
    *out++ = '"';
    return out;
}

SHMAP_EXTERN int shmap_cmdline_join(char *const *argv, char **out)
{
    if (SHMAP_PROBE_OUT(out))
        return -EFAULT;
    size_t room = 1;
    for (size_t i = 0; argv && argv[i]; i++)
        room += 2 * strlen(argv[i]) + 3;
    char *s = malloc(room), *e = s;
    if (!s)
        return -ENOMEM;
    for (size_t i = 0; argv && argv[i]; i++) {
        if (i)
            *e++ = ' ';
        e = quote_arg(e, argv[i], i == 0);
    }
    *e = 0;
    *out = s;
    return 0;
}

/* ---- the program ------------------------------------------------------------ */

/* A failure that says "no such program here" (the search goes on), not
 * "could not look" (the search stops with it). */
static bool not_here(int e)
{
    return e == ENOENT || e == ENOTDIR || e == EACCES || e == ENAMETOOLONG || e == ELOOP;
}

/* 1: an executable file; 0: none here; -errno: could not look. */
static int executable(const char *path)
{
    struct stat sb;
    if (SYS(fstatat)(AT_FDCWD, path, &sb, 0) != 0)
        return not_here(errno) ? 0 : -errno;
    if (!S_ISREG(sb.st_mode))
        return 0;
    if (SYS(faccessat)(AT_FDCWD, path, X_OK, 0) != 0)
        return not_here(errno) ? 0 : -errno;
    return 1;
}

static char *found(const char *path, int *err)
{
    char *r = strdup(path);
    if (!r)
        *err = -ENOMEM;
    return r;
}

/* Look for name: as a path if it has a '/', else in the current directory,
 * then in each PATH entry (Windows' order, minus its system directories). */
static char *search(const char *name, int *err)
{
    *err = -ENOENT;
    if (!*name)
        return NULL;
    int x = executable(name);
    if (x != 0) {
        *err = x;
        return x > 0 ? found(name, err) : NULL;
    }
    if (strchr(name, '/')) {
        struct stat sb;
        if (SYS(fstatat)(AT_FDCWD, name, &sb, 0) == 0)
            *err = -EACCES;
        else if (!not_here(errno))
            *err = -errno;
        return NULL;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t nl = strlen(name);
    for (const char *d = path;;) {
        const char *e = strchr(d, ':');
        size_t dl = e ? (size_t)(e - d) : strlen(d);
        char *c = malloc(dl + nl + 2);
        if (!c) {
            *err = -ENOMEM;
            return NULL;
        }
        if (dl) {
            memcpy(c, d, dl);
            c[dl] = '/';
            memcpy(c + dl + 1, name, nl + 1);
        } else {
            memcpy(c, name, nl + 1);
        }
        if ((x = executable(c)) > 0)
            return c;
        free(c);
        if (x < 0) {
            *err = x;
            return NULL;
        }
        if (!e)
            break;
        d = e + 1;
    }
    return NULL;
}

/* The program of an unquoted command line whose first token may contain
 * spaces: "a b c" tries "a", then "a b", then "a b c" (as Windows does). */
static char *program_of(const char *cmdline, int *err)
{
    const char *p = cmdline;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '"') {
        const char *q = strchr(p + 1, '"');
        size_t n = q ? (size_t)(q - p - 1) : strlen(p + 1);
        char *name = strndup(p + 1, n);
        if (!name) {
            *err = -ENOMEM;
            return NULL;
        }
        char *r = search(name, err);
        free(name);
        return r;
    }
    *err = -ENOENT;
    for (const char *e = p;;) {
        while (*e && *e != ' ' && *e != '\t')
            e++;
        char *name = strndup(p, (size_t)(e - p));
        if (!name) {
            *err = -ENOMEM;
            return NULL;
        }
        int e2;
        char *r = search(name, &e2);
        free(name);
        if (r)
            return r;
        if (e2 != -ENOENT)
            *err = e2;
        if (e2 != -ENOENT && e2 != -EACCES)
            return NULL; /* could not look: no use trying longer names */
        if (!*e)
            return NULL;
        while (*e == ' ' || *e == '\t')
            e++;
        if (!*e)
            return NULL;
    }
}

/* ---- the environment ------------------------------------------------------------ */

static char **env_with(char *const *envp, const char *extra)
{
    if (!envp)
        envp = environ;
    size_t n = 0;
    while (envp[n])
        n++;
    char **e = malloc((n + 2) * sizeof *e);
    if (!e)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(envp[i], "SHMAP_INHERIT=", 14) != 0)
            e[k++] = envp[i];
    if (extra)
        e[k++] = (char *)extra;
    e[k] = NULL;
    return e;
}

/* ---- starting it ------------------------------------------------------------------ */

struct launch {
    const char *prog;
    char *const *argv;
    char **envp;
    const char *cwd;
    int stdio[3]; /* -1: keep */
    const int *keep;
    size_t nkeep;
};

static int launch_spawn(const struct launch *l, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    int e = posix_spawn_file_actions_init(&fa);
    if (e)
        return -e;
    posix_spawnattr_init(&at);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    for (size_t i = 0; !e && i < l->nkeep; i++) /* dup2 to itself clears close-on-exec */
        e = posix_spawn_file_actions_adddup2(&fa, l->keep[i], l->keep[i]);
    for (int i = 0; !e && i < 3; i++)
        if (l->stdio[i] >= 0)
            e = posix_spawn_file_actions_adddup2(&fa, l->stdio[i], i);
    if (!e && l->cwd)
        e = posix_spawn_file_actions_addchdir_np(&fa, l->cwd);
    if (!e)
        e = SYS(posix_spawn)(pid, l->prog, &fa, &at, l->argv, l->envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return -e;
}

/* For a suspended start, whose exec comes after the call has returned:
 * would the kernel take this file?  ELF and "#!" scripts; a file we cannot
 * read is left to the exec.  (Formats registered with binfmt_misc other
 * than these are refused on this path only.) */
static bool loadable(const char *prog)
{
    int fd = SYS(openat)(AT_FDCWD, prog, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return true;
    unsigned char m[4] = {0};
    ssize_t n = SYS(pread)(fd, m, sizeof m, 0);
    SYS(close)(fd);
    if (n < 0)
        return true;
    return (n >= 4 && !memcmp(m,
                              "\x7f"
                              "ELF",
                              4)) ||
           (n >= 2 && m[0] == '#' && m[1] == '!');
}

/* Fork a child that waits on gate[0] before exec.  Everything that can
 * fail was checked before (program, directory): a failure here ends the
 * child with 127, as a shell reports an exec that failed.  The child makes
 * its system calls directly, not through the table: a fault there could
 * not reach the caller, and only async-signal-safe calls may run between
 * fork and exec (DESIGN §12). */
static int launch_suspended(const struct launch *l, pid_t *pid, int *gate_w)
{
    int gate[2];
    if (SYS(pipe2)(gate, O_CLOEXEC))
        return -errno;
    pid_t c = SYS(_Fork)(); /* no atfork handlers: the child only execs */
    if (c == 0) {
        close(gate[1]);
        for (size_t i = 0; i < l->nkeep; i++)
            fcntl(l->keep[i], F_SETFD, 0);
        for (int i = 0; i < 3; i++)
            if (l->stdio[i] >= 0 && dup2(l->stdio[i], i) < 0)
                _exit(127);
        if (l->cwd && chdir(l->cwd) != 0)
            _exit(127);
        char b;
        while (read(gate[0], &b, 1) < 0 && errno == EINTR)
            ;
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(l->prog, l->argv, l->envp);
        _exit(127);
    }
    int e = c < 0 ? errno : 0;
    SYS(close)(gate[0]);
    if (e) {
        SYS(close)(gate[1]);
        return -e;
    }
    *pid = c;
    *gate_w = gate[1];
    return 0;
}

static int stdio_fd(shmap_handle_t h, int *fd)
{
    *fd = -1;
    if (h == SHMAP_NULL_HANDLE)
        return 0;
    struct shmap_obj *o;
    int r = shmap__handle_get_type(h, SHMAP_TYPE_FILE, &o, NULL);
    if (r)
        return -EBADF;
    *fd = SYS(fcntl_int)(o->fd, F_DUPFD_CLOEXEC, 3);
    shmap__obj_put(o);
    return *fd < 0 ? -errno : 0;
}

/* A start in the making: what shmap_process_create holds between its steps,
 * all of it released by create_release whether the start succeeded or not. */
struct create {
    const shmap_spawn_t *sp;
    char **argv;        /* split from sp->cmdline, when no sp->argv */
    char *const *args;  /* the child's argv */
    char *only[2];      /* {sp->path, NULL}: args for an empty command line */
    char *prog, **envp; /* the program found; the child's environment */
    char envvar[40];    /* SHMAP_INHERIT=blob, in envp (env_with does not copy) */
    int *fds;           /* the inherited handles' descriptors (nfds) */
    size_t nfds;
    int stdio[3]; /* -1: the child keeps ours */
    int state_fd, blob, listen_fd, gate_w;
    struct shmap_procst *st;
    int joins; /* > 0: the child joins that many jobs of our chain before it runs */
    bool suspended;
    pid_t pid;
    struct shmap_process *p;
    struct shmap_obj *t; /* the child's main thread */
};

/* The child's argv and the program to run, as CreateProcess finds them. */
static int find_program(struct create *c)
{
    const shmap_spawn_t *sp = c->sp;
    int r = 0;
    if (!sp->argv && shmap_cmdline_split(sp->cmdline ? sp->cmdline : sp->path, &c->argv) < 0)
        r = -ENOMEM;
    c->args = sp->argv ? sp->argv : c->argv;
    c->only[0] = (char *)sp->path;
    if (r == 0 && !c->args[0] && sp->path && !sp->argv)
        c->args = c->only; /* a program and an empty command line: Windows runs it so */
    if (r == 0 && !c->args[0])
        r = -EINVAL;
    if (r == 0) {
        if (sp->path)
            c->prog = search(sp->path, &r);
        else if (sp->argv)
            c->prog = search(sp->argv[0], &r);
        else
            c->prog = program_of(sp->cmdline, &r);
        if (c->prog)
            r = 0;
    }
    return r;
}

/* The working directory, the standard handles and the job: what can fail
 * before anything is made for the child. */
static int check_start(struct create *c)
{
    const shmap_spawn_t *sp = c->sp;
    int r = 0;
    struct stat sb;
    if (sp->cwd && SYS(fstatat)(AT_FDCWD, sp->cwd, &sb, 0) != 0)
        r = not_here(errno) ? SHMAP_EDIRECTORY : -errno;
    else if (sp->cwd && !S_ISDIR(sb.st_mode))
        r = SHMAP_EDIRECTORY;
    for (int i = 0; r == 0 && i < 3 && (sp->sflags & SHMAP_SPAWN_STDIO); i++)
        r = stdio_fd(sp->stdio[i], &c->stdio[i]);
    /* a child of a process in a job joins it before it runs: it starts
     * suspended, joins, then goes */
    c->joins = r == 0 ? shmap__job_child_joins(sp->sflags) : 0;
    if (c->joins < 0)
        r = c->joins;
    c->suspended = (sp->sflags & SHMAP_SPAWN_SUSPENDED) || c->joins > 0;
    if (r == 0 && c->suspended && !loadable(c->prog))
        r = SHMAP_EBADEXE; /* 193 now, as an unsuspended start reports it */
    return r;
}

/* The child's state page, its inbox, the list of what it inherits (a
 * memfd) and the environment variable that names that list. */
static int make_inheritance(struct create *c)
{
    int r = 0;
    if ((c->state_fd = shmap__procst_new(&c->st)) < 0)
        r = c->state_fd;
    if (r == 0 && (c->listen_fd = shmap__inbox_listen(c->state_fd)) < 0)
        r = c->listen_fd; /* made here: handles can be put into the child before it runs */
    if (r == 0 && c->sp->inherit_handles) {
        c->blob = shmap__xfer_inherit_pack(c->state_fd, c->listen_fd, &c->fds, &c->nfds);
        if (c->blob < 0)
            r = c->blob;
    }
    if (r == 0 && c->blob < 0) { /* nothing inherited: a list with only the state */
        c->blob = SYS(memfd_create)("shmap-inherit", MFD_CLOEXEC);
        struct shmap_blob_head bh = {SHMAP_INHERIT_MAGIC, 1, 0, c->state_fd, c->listen_fd, 0};
        if (c->blob < 0 || SYS(pwrite)(c->blob, &bh, sizeof bh, 0) != (ssize_t)sizeof bh)
            r = -errno;
    }
    if (r == 0) {
        snprintf(c->envvar, sizeof c->envvar, "SHMAP_INHERIT=%d", c->blob);
        if ((c->envp = env_with(c->sp->envp, c->envvar)) == NULL)
            r = -ENOMEM;
    }
    return r;
}

/* Start the child with the inherited descriptors, its state, the list and
 * its inbox kept open across exec. */
static int launch_child(struct create *c)
{
    int *keep = malloc((c->nfds + 3) * sizeof *keep);
    if (!keep)
        return -ENOMEM;
    if (c->nfds)
        memcpy(keep, c->fds, c->nfds * sizeof *keep);
    keep[c->nfds] = c->state_fd;
    keep[c->nfds + 1] = c->blob;
    keep[c->nfds + 2] = c->listen_fd;
    struct launch l = {.prog = c->prog,
                       .argv = c->args,
                       .envp = c->envp,
                       .cwd = c->sp->cwd,
                       .stdio = {c->stdio[0], c->stdio[1], c->stdio[2]},
                       .keep = keep,
                       .nkeep = c->nfds + 3};
    int r = c->suspended ? launch_suspended(&l, &c->pid, &c->gate_w) : launch_spawn(&l, &c->pid);
    free(keep);
    return r == -ENOEXEC ? SHMAP_EBADEXE : r;
}

/* The started child's record, its job and main thread; a child we cannot
 * give to the caller is killed (never left running). */
static int record_child(struct create *c)
{
    c->st->pid = (uint32_t)c->pid; /* the child writes the same when it starts */
    int sfd = c->state_fd;
    c->state_fd = -1;
    int r = shmap__process_child((uint32_t)c->pid, sfd, c->st, &c->p);
    c->st = NULL; /* the record's now */
    if (r == 0) {
        struct shmap_process *p = c->p;
        if (p->st)
            p->st->start = p->start;
        p->gate_fd = c->gate_w;
        atomic_store(&p->gate, c->gate_w >= 0 ? 1u : 0u);
        c->gate_w = -1;
        if (c->joins > 0)
            r = shmap__job_add_child(p, c->joins);
        if (r == 0 && c->joins > 0 && !(c->sp->sflags & SHMAP_SPAWN_SUSPENDED))
            shmap__process_resume(p);
        if (r == 0)
            r = shmap__thread_of_process(p, &c->t);
    }
    if (r) /* we cannot give it to the caller: do not leave it running */
        shmap__child_kill_reap(c->pid);
    return r;
}

/* A handle of the process and one of its thread; neither or both. */
static int child_handles(struct create *c, unsigned flags, shmap_handle_t *hp, shmap_handle_t *ht)
{
    uint32_t hf = (flags & SHMAP_INHERIT) ? SHMAP_HANDLE_INHERIT : 0;
    int r = shmap__handle_alloc(&c->p->obj, SHMAP_PROCESS_ALL_ACCESS, hf, hp);
    if (r == 0)
        c->p = NULL;
    if (r == 0) {
        r = shmap__handle_alloc(c->t, SHMAP_THREAD_ALL_ACCESS, hf, ht);
        if (r == 0)
            c->t = NULL;
        else
            shmap_close(*hp);
    }
    return r;
}

static void create_release(struct create *c)
{
    if (c->t)
        shmap__obj_handle_put(c->t);
    if (c->p)
        shmap__obj_handle_put(&c->p->obj);
    if (c->gate_w >= 0)
        SYS(close)(c->gate_w);
    for (size_t i = 0; i < c->nfds; i++)
        shmap__close_fd(c->fds[i]);
    for (int i = 0; i < 3; i++)
        if (c->stdio[i] >= 0)
            shmap__close_fd(c->stdio[i]);
    if (c->state_fd >= 0)
        shmap__close_fd(c->state_fd);
    if (c->listen_fd >= 0)
        shmap__close_fd(c->listen_fd);
    if (c->st)
        SYS(munmap)(c->st, SHMAP_PAGE_SIZE);
    if (c->blob >= 0)
        shmap__close_fd(c->blob);
    free(c->fds);
    free(c->envp);
    free(c->prog);
    free(c->argv);
}

SHMAP_EXTERN int shmap_process_create(const shmap_spawn_t *sp, unsigned flags,
                                      shmap_handle_t *process, shmap_handle_t *thread,
                                      uint32_t *pid_out)
{
    if ((sp && shmap__probe_read(sp, sizeof *sp)) || (process && SHMAP_PROBE_OUT(process)) ||
        (thread && SHMAP_PROBE_OUT(thread)) || (pid_out && SHMAP_PROBE_OUT(pid_out)))
        return -EFAULT;
    if (!sp || (!sp->path && !sp->cmdline && !(sp->argv && sp->argv[0])))
        return -EINVAL;
    struct create c = {
        .sp = sp, .stdio = {-1, -1, -1}, .state_fd = -1, .blob = -1, .listen_fd = -1, .gate_w = -1};
    shmap_handle_t hp = SHMAP_NULL_HANDLE, ht = SHMAP_NULL_HANDLE;
    int r = find_program(&c);
    if (r == 0)
        r = check_start(&c);
    if (r == 0)
        r = make_inheritance(&c);
    if (r == 0)
        r = launch_child(&c);
    if (r == 0)
        r = record_child(&c);
    if (r == 0)
        r = child_handles(&c, flags, &hp, &ht);
    create_release(&c);
    if (r == 0) {
        if (process)
            *process = hp;
        else
            shmap_close(hp);
        if (thread)
            *thread = ht;
        else
            shmap_close(ht);
        if (pid_out)
            *pid_out = (uint32_t)c.pid;
    }
    return r;
}
