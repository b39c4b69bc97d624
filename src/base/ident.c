/*
 * ident.c - who we are: effective uid and gid (read each time), pid and
 * whether the umask keeps mode 0600 (read once; pid again in a fork
 * child).
 */
#include "base.h"
#include "base/procfs.h"

#include <unistd.h>

static struct {
    pthread_once_t once;
    uint32_t pid;
    bool umask_ok;
} self = {PTHREAD_ONCE_INIT, 0, false};

static void self_read(void)
{
    self.pid = (uint32_t)getpid();
    /* The umask is read from /proc: umask(2) cannot read without writing. */
    struct shmap_procfs_lines l;
    unsigned m = 0777;
    if (shmap__procfs_lines_open(&l, "self/status") == 0) {
        for (char *line; (line = shmap__procfs_lines_next(&l)) != NULL;)
            if (sscanf(line, "Umask: %o", &m) == 1)
                break;
        shmap__procfs_lines_close(&l);
    }
    self.umask_ok = (m & 0600) == 0;
}

/* Read each time: a process may change its effective ids (a fork child
 * that drops root, a server that switches users), and what it creates
 * from then on is the new user's. */
uint32_t shmap__uid(void)
{
    return (uint32_t)geteuid();
}
uint32_t shmap__gid(void)
{
    return (uint32_t)getegid();
}
uint32_t shmap__pid(void)
{
    pthread_once(&self.once, self_read);
    return self.pid;
}
bool shmap__umask_keeps_0600(void)
{
    pthread_once(&self.once, self_read);
    return self.umask_ok;
}

void shmap__pid_forked(void)
{
    pthread_once(&self.once, self_read);
    self.pid = (uint32_t)getpid();
    shmap__tid_reset();
}
