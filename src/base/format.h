/*
 * format.h - every layout that processes share: the object file's header,
 * the shared states of sync objects and jobs, a process's state page, the
 * published handle table and the messages that carry handles.  This is the
 * on-tmpfs contract: fixed-width fields, explicit padding, a magic and a
 * version word each; offsets, never pointers; identical for 32- and 64-bit
 * processes (the static_asserts at the end prove the offsets the robust
 * list and the other side rely on).  Nothing here is code.
 */
#ifndef SHMAP_FORMAT_H
#define SHMAP_FORMAT_H

#include <assert.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ======================================================================
 * the header at offset 0 of every object file in the namespace.
 * Fixed-width fields, explicit padding that must read zero, a magic and a
 * format word; offsets, never pointers.  Identical for 32- and 64-bit
 * processes (static_asserts below).
 * ====================================================================== */
#define SHMAP_MAGIC 0x50414d53u /* "SMAP" little-endian; byte-swapped reads as foreign */
#define SHMAP_LAYOUT_VERSION 2u /* 2: named pagefile sections keep their data in a data file */
#define SHMAP_HDR_SIZE 256u     /* struct shmap_objhdr */
#define SHMAP_STATE_OFF 256u    /* type-specific shared state: [256, 1024) */
#define SHMAP_STATE_SIZE 768u
#define SHMAP_NAME_OFF 1024u /* the object's name (UTF-8), then other variable data */
/* format word: version in bits 24..31, header size in 16..23 (/8),
 * state area size in 0..15 (/8). */
#define SHMAP_FORMAT                                                                               \
    ((SHMAP_LAYOUT_VERSION << 24) | ((SHMAP_HDR_SIZE / 8) << 16) | (SHMAP_STATE_SIZE / 8))
#define SHMAP_DATA_ALIGN 65536u /* data_offset is a multiple of this */
#define SHMAP_DNAME_LEN 34u     /* ".d" + 32 hex digits: a section's data file */
/* The object's security descriptor (self-relative, Windows' format) lives
 * in one of two slots of SHMAP_SD_SLOT bytes at shmap__hdr_sd_base(): a
 * change is written into the other slot, then sd_off and sd_len switch
 * with one 8-byte write (docs/security.md).  Sparse until written. */
#define SHMAP_SD_SLOT 2048u
#define SHMAP_SD_AREA 4096u /* 2 * SHMAP_SD_SLOT */
static_assert(SHMAP_SD_AREA == 2 * SHMAP_SD_SLOT, "two slots");

struct shmap_objhdr {
    uint32_t magic;       /*   0 SHMAP_MAGIC */
    uint32_t format;      /*   4 SHMAP_FORMAT */
    uint16_t type;        /*   8 shmap_type_t, 1..SHMAP_TYPE_NAMED_MAX */
    uint16_t hflags;      /*  10 SHMAP_HF_* */
    uint32_t owner_uid;   /*  12 creator's effective uid */
    uint32_t owner_gid;   /*  16 creator's effective gid */
    uint32_t creator_pid; /*  20 informational */
    uint64_t create_ns;   /*  24 CLOCK_REALTIME at creation, informational */
    uint32_t name_off;    /*  32 name bytes (UTF-8, no NUL) */
    uint32_t name_len;    /*  36 */
    uint32_t sd_off;      /*  40 security descriptor: a slot at shmap__hdr_sd_base() */
    uint32_t sd_len;      /*  44 */
    uint64_t data_offset; /*  48 sections: file offset of byte 0 of the data */
    uint64_t size;        /*  56 sections: size as reported (page-rounded for pagefile) */
    uint32_t protect;     /*  64 sections: PAGE_* given at creation */
    uint32_t attributes;  /*  68 sections: SEC_* as reported */
    uint64_t file_dev;    /*  72 file-backed sections: the file's identity */
    uint64_t file_ino;    /*  80 */
    uint32_t path_off;    /*  88 file-backed sections: the file's path at creation */
    uint32_t path_len;    /*  92 */
    uint32_t bitmap_off;  /*  96 SEC_RESERVE: commit bitmap, 1 bit per page */
    uint32_t bitmap_len;  /* 100 bytes */
    /* SHMAP_HF_DATA_FILE: the data file's name in the same directory,
     * ".d" and 32 lowercase hex digits, no NUL; its identity is
     * file_dev/file_ino (docs/DESIGN.md §6).  Else all zero. */
    char data_name[SHMAP_DNAME_LEN];   /* 104 */
    uint8_t pad[SHMAP_HDR_SIZE - 138]; /* 138 must be zero */
};

#define SHMAP_HF_FILE_BACKED 0x1u
#define SHMAP_HF_DATA_FILE 0x2u /* a named pagefile section: data at offset 0 of data_name */

/* ======================================================================
 * sync objects (events, mutexes, semaphores, timers): struct shmap_sync at
 * SHMAP_STATE_OFF of their object file; docs/DESIGN.md §13.
 * ====================================================================== */
#define SHMAP_SYNC_TAG 0x434e5953u /* "SYNC" */
#define SHMAP_SYNC_MANUAL 0x1u     /* manual-reset event or timer */
/* In `count` of an auto event or a semaphore: a wait-all that holds the
 * lock has found it ready and keeps it for itself until it takes it or
 * lets go; takers without the lock leave it alone (docs/DESIGN.md §13). */
#define SHMAP_COUNT_HOLD 0x80000000u
#define SHMAP_OWNER_NOROBUST 0x1u /* the owner has no robust list: waiters check its tid */

#define SHMAP_FUTEX_WAITERS 0x80000000u
#define SHMAP_FUTEX_OWNER_DIED 0x40000000u
#define SHMAP_FUTEX_TID_MASK 0x3fffffffu

/* Identical for 32- and 64-bit processes (static_asserts below).  The
 * two robust words (lock, owner) are each followed by room for the robust
 * list entry the kernel finds at word - futex_offset: glibc's offset is -20
 * on ILP32 (one next pointer at +20) and -32 on LP64 (prev at +24, next
 * at +32). */
struct shmap_sync {
    _Atomic uint32_t lock;        /*   0 internal lock: 0 or tid | WAITERS | OWNER_DIED */
    _Atomic uint32_t seq;         /*   4 bumped when the state may satisfy a waiter */
    uint32_t tag;                 /*   8 SHMAP_SYNC_TAG */
    uint32_t flags;               /*  12 SHMAP_SYNC_* */
    _Atomic uint32_t count;       /*  16 event 0/1, semaphore count, timer signalled 0/1 */
    uint32_t lock_link32;         /*  20 robust list entry, ILP32 */
    uint32_t lock_link64[4];      /*  24 robust list entry, LP64 (prev, next) */
    uint32_t max;                 /*  40 semaphore maximum */
    _Atomic uint32_t nwait;       /*  44 threads that may sleep on seq (may overcount) */
    _Atomic uint32_t recursion;   /*  48 mutex: written by the owner only */
    uint32_t type;                /*  52 shmap_type_t, checked on open */
    _Atomic uint32_t pulse_gen;   /*  56 event: bumped by PulseEvent */
    _Atomic uint32_t pulse_left;  /*  60 auto event: a pulse not yet claimed */
    _Atomic uint32_t owner;       /*  64 mutex owner word: 0 or tid | WAITERS | OWNER_DIED */
    _Atomic uint32_t set_gen;     /*  68 timer: bumped by every Set and Cancel */
    uint64_t due_ns;              /*  72 timer: next expiry, CLOCK_MONOTONIC */
    uint32_t armed;               /*  80 timer */
    uint32_t owner_link32;        /*  84 robust list entry of owner, ILP32 */
    uint32_t owner_link64[4];     /*  88 robust list entry of owner, LP64 */
    uint32_t period_ms;           /* 104 timer */
    uint32_t set_tid;             /* 108 timer: thread that set it (informational) */
    _Atomic uint32_t owner_flags; /* 112 mutex: SHMAP_OWNER_* of the current owner */
    _Atomic uint32_t waited;      /* 116 event, semaphore: 1 once a thread has waited on it */
    uint8_t pad[SHMAP_STATE_SIZE - 120];
};

/* ======================================================================
 * jobs: struct shmap_jobst at SHMAP_STATE_OFF of the job file, the member
 * table at SHMAP_JOB_MEMBERS_OFF; docs/DESIGN.md §17.
 * ====================================================================== */
#define SHMAP_JOB_TAG 0x424f4a53u /* "SJOB" */
#define SHMAP_JOB_VERSION 2u      /* 2: parent_ino (nested jobs) */
#define SHMAP_JOB_MEMBERS_OFF 65536u
#define SHMAP_JOB_MAX_MEMBERS 1024u
#define SHMAP_JOB_QUOTA_CODE 1816u /* exit code of a process the active process limit ends */
#define SHMAP_JOB_MEMBERS_BYTES (SHMAP_JOB_MAX_MEMBERS * 48u)
#define SHMAP_JOB_FILE_SIZE (SHMAP_JOB_MEMBERS_OFF + SHMAP_JOB_MEMBERS_BYTES)
#define SHMAP_JOB_HOLDERS 16u
#define SHMAP_JOB_MSGS 48u /* the message ring (a power of two is not needed: seq % 48) */

/* Identical for 32- and 64-bit processes (static_asserts below).  The
 * lock has the position of struct shmap_sync's (robust.c's shmap__slock). */
struct shmap_jobst {
    _Atomic uint32_t lock;     /*   0 robust: 0 or tid | WAITERS | OWNER_DIED */
    _Atomic uint32_t ended;    /*   4 TerminateJobObject was called: signalled (0 or 1) */
    uint32_t tag;              /*   8 SHMAP_JOB_TAG */
    uint32_t version;          /*  12 SHMAP_JOB_VERSION */
    uint32_t nmembers;         /*  16 entries in use in the member table */
    uint32_t lock_link32;      /*  20 robust list entry, ILP32 */
    uint32_t lock_link64[4];   /*  24 robust list entry, LP64 */
    uint32_t limit_flags;      /*  40 JOB_OBJECT_LIMIT_* */
    uint32_t active_limit;     /*  44 */
    int64_t process_time;      /*  48 limits, 100 ns (stored, not enforced) */
    int64_t job_time;          /*  56 */
    uint64_t min_ws, max_ws;   /*  64 */
    uint64_t affinity;         /*  80 */
    uint32_t priority_class;   /*  88 */
    uint32_t scheduling_class; /*  92 */
    uint64_t process_memory;   /*  96 */
    uint64_t job_memory;       /* 104 */
    uint32_t total_processes;  /* 112 ever assigned */
    uint32_t total_terminated; /* 116 ended by a limit (the active process limit) */
    uint64_t gone_user;        /* 120 times of members that have ended, 100 ns */
    uint64_t gone_kernel;      /* 128 */
    uint64_t gone_faults;      /* 136 */
    uint64_t pipe_ino;         /* 144 the kill pipe's inode */
    uint32_t reserved1;        /* 152 */
    uint32_t holder_next;      /* 156 */
    struct {
        uint32_t pid;
        int32_t fd;
    } holders[SHMAP_JOB_HOLDERS]; /* 160 processes with a write end, and its number there */
    /* Notifications for a completion port (DESIGN.md §22), under the lock:
     * msgs is a ring of the last SHMAP_JOB_MSGS, msg_seq counts every one
     * ever posted (the port's waiters sleep on it). */
    _Atomic uint32_t msg_seq; /* 288 */
    uint32_t port_set;        /* 292 a completion port is associated (0 or 1) */
    struct shmap_jmsg {
        uint32_t id;        /* JOB_OBJECT_MSG_* */
        uint32_t pid;       /* the process, or 0 */
    } msgs[SHMAP_JOB_MSGS]; /* 296 */
    /* Nested jobs (DESIGN.md §17): the inode of the parent job's file, 0
     * while the job is in no hierarchy; set once, under the lock. */
    uint64_t parent_ino; /* 680 */
    uint8_t pad[SHMAP_STATE_SIZE - 688];
};

struct shmap_jmember {
    uint32_t pid;    /*  0 */
    int32_t rfd;     /*  4 its read end of the kill pipe, if known; else -1 */
    uint64_t start;  /*  8 start time (process identity) */
    uint64_t user;   /* 16 last seen times, 100 ns */
    uint64_t kernel; /* 24 */
    uint32_t faults; /* 32 */
    uint32_t flags;  /* 36 SHMAP_JM_* */
    uint64_t pad;    /* 40 */
};
#define SHMAP_JM_FINAL 0x2u  /* times are final (it reported them at exit) */
#define SHMAP_JM_EXITED 0x4u /* its exit was posted (EXIT_PROCESS): not an abnormal one */

/* ======================================================================
 * processes: the state page every process running libshmap has (page 0 of
 * a memfd), its published handle table, and the messages and blob that
 * carry handles; docs/DESIGN.md §16.
 * ====================================================================== */
#define SHMAP_PROC_MAGIC 0x434f5250u /* "PROC" */
#define SHMAP_PROC_VERSION 2u        /* 2: the jobs it has been in (nested jobs) */
#define SHMAP_PROC_JOBS 16u          /* the deepest job chain (DESIGN.md §17) */
#define SHMAP_PROC_MEMFD "shmap-proc"
#define SHMAP_PROC_TABLE_OFF 65536u /* the published handle table (struct shmap_xfer[]) */
#define SHMAP_PS_SHMAP 0x1u         /* a shmap image runs: `ended` is in its robust list */
#define SHMAP_EXIT_SET (1ull << 32) /* in `exit`: the low half is the exit code */

/* Identical for 32- and 64-bit processes (static_asserts below).
 * `ended` has room for its robust list entry like a mutex owner word. */
struct shmap_procst {
    uint32_t magic;               /*   0 SHMAP_PROC_MAGIC */
    uint32_t version;             /*   4 */
    uint32_t pid;                 /*   8 */
    _Atomic uint32_t flags;       /*  12 SHMAP_PS_* */
    uint64_t start;               /*  16 start time, clock ticks after boot (/proc/PID/stat) */
    _Atomic uint64_t exit;        /*  24 0, or SHMAP_EXIT_SET | code (first writer wins) */
    _Atomic uint32_t remote_next; /*  32 next remote index (handles put by others) */
    _Atomic uint32_t inbox_gen;   /*  36 bumped after every put or close by another process */
    uint32_t uid;                 /*  40 */
    uint32_t pad0;                /*  44 */
    _Atomic uint64_t job_ino;     /*  48 the inode of its immediate job's file (0: none); only goes
                                     deeper (nesting) */
    uint64_t pad3;                /*  56 */
    _Atomic uint32_t ended;       /*  64 main thread id | WAITERS | OWNER_DIED (kernel, at death) */
    _Atomic uint32_t conn_gen;    /*  68 bumped by a putter that opened a new connection */
    uint32_t pad1[3];             /*  72 */
    uint32_t ended_link32;        /*  84 robust list entry, ILP32 */
    uint32_t ended_link64[4];     /*  88 robust list entry, LP64 */
    /* The files (inodes) of the jobs of its chain, in the order it joined
     * them: slots taken with job_n, written by the assigner once the
     * process is in (0: given back).  IsProcessInJob of a member that has
     * ended looks here. */
    _Atomic uint32_t job_n;                 /* 104 */
    uint32_t pad4;                          /* 108 */
    _Atomic uint64_t jobs[SHMAP_PROC_JOBS]; /* 112 */
    uint8_t pad2[4096 - 112 - SHMAP_PROC_JOBS * 8];
};

/* The published form of a handle (in the owner's state memfd, at
 * SHMAP_PROC_TABLE_OFF + index * 64), and the message that carries one to
 * another process or a child.  Fixed width, 64 bytes. */
struct shmap_xfer {
    _Atomic uint32_t gen; /*  0 published: close generation << 1 | 1 while live */
    uint32_t value;       /*  4 handle value */
    uint16_t type;        /*  8 shmap_type_t */
    uint16_t hflags;      /* 10 SHMAP_HANDLE_* */
    uint32_t access;      /* 12 */
    int32_t fd;           /* 16 object descriptor (publisher's, or the child's number) */
    int32_t data_fd;      /* 20 file-backed sections: the file; else -1 */
    uint16_t scope;       /* 24 named objects: scope + 1; 0 unnamed */
    uint16_t op;          /* 26 messages: SHMAP_XOP_* */
    uint32_t uid;         /* 28 named objects: the scope's uid; processes: the pid */
    uint64_t dev, ino;    /* 32 identity of the object file, if known (informational) */
    uint64_t pos;         /* 48 files: position; processes: the start time */
    uint32_t src_pid;     /* 56 messages: sender */
    uint32_t pad;         /* 60 */
};
#define SHMAP_INHERIT_MAGIC 0x54484e49u /* "INHT": the blob a child finds in SHMAP_INHERIT */
/* The head of that blob: then count struct shmap_xfer. */
struct shmap_blob_head {
    uint32_t magic, version, count;
    int32_t state_fd;  /* the child's state memfd */
    int32_t listen_fd; /* the child's inbox socket */
    uint32_t pad;
};
#define SHMAP_XOP_PUT 1u
#define SHMAP_XOP_CLOSE 2u
#define SHMAP_XOP_JOIN 3u           /* fd: the job file, data_fd: our read end of its kill pipe */
#define SHMAP_REMOTE_BASE 0x400000u /* handle indices >= this are given out by other processes */

/* ---- the contract, checked at compile time ------------------------------ */
/* the object file header */
static_assert(sizeof(struct shmap_objhdr) == SHMAP_HDR_SIZE, "header size");
static_assert(offsetof(struct shmap_objhdr, type) == 8, "type offset");
static_assert(offsetof(struct shmap_objhdr, create_ns) == 24, "create_ns offset");
static_assert(offsetof(struct shmap_objhdr, data_offset) == 48, "data_offset offset");
static_assert(offsetof(struct shmap_objhdr, size) == 56, "size offset");
static_assert(offsetof(struct shmap_objhdr, file_dev) == 72, "file_dev offset");
static_assert(offsetof(struct shmap_objhdr, bitmap_len) == 100, "bitmap_len offset");
static_assert(offsetof(struct shmap_objhdr, data_name) == 104, "data_name offset");
static_assert(offsetof(struct shmap_objhdr, pad) == 138, "pad offset");
static_assert(_Alignof(uint64_t) <= 8, "alignment");
static_assert(SHMAP_STATE_OFF + SHMAP_STATE_SIZE == SHMAP_NAME_OFF, "areas are contiguous");

/* sync state */
static_assert(sizeof(struct shmap_sync) == SHMAP_STATE_SIZE, "sync state size");
static_assert(offsetof(struct shmap_sync, lock_link32) == 20, "ILP32 robust entry of lock");
static_assert(offsetof(struct shmap_sync, lock_link64) == 24, "LP64 robust entry of lock");
static_assert(offsetof(struct shmap_sync, owner) == 64, "owner word");
static_assert(offsetof(struct shmap_sync, owner_link32) == 84, "ILP32 robust entry of owner");
static_assert(offsetof(struct shmap_sync, owner_link64) == 88, "LP64 robust entry of owner");
static_assert(offsetof(struct shmap_sync, due_ns) == 72, "timer due");
static_assert(offsetof(struct shmap_sync, owner_flags) == 112, "owner flags");
static_assert(offsetof(struct shmap_sync, waited) == 116, "end of used state");
/* The robust entries sit at word - futex_offset (robust.c). */
static_assert(offsetof(struct shmap_sync, lock_link64) + 8 - offsetof(struct shmap_sync, lock) ==
                  32,
              "LP64 entry");
static_assert(offsetof(struct shmap_sync, owner_link64) + 8 - offsetof(struct shmap_sync, owner) ==
                  32,
              "LP64 entry");

/* job state */
static_assert(sizeof(struct shmap_jobst) == SHMAP_STATE_SIZE, "job state size");
static_assert(offsetof(struct shmap_jobst, lock_link32) == offsetof(struct shmap_sync, lock_link32),
              "lock entry as a sync object's");
static_assert(offsetof(struct shmap_jobst, lock_link64) == offsetof(struct shmap_sync, lock_link64),
              "lock entry as a sync object's");
static_assert(offsetof(struct shmap_jobst, pipe_ino) == 144, "layout");
static_assert(offsetof(struct shmap_jobst, holders) == 160, "layout");
static_assert(offsetof(struct shmap_jobst, msg_seq) == 288, "layout");
static_assert(offsetof(struct shmap_jobst, msgs) == 296, "layout");
static_assert(offsetof(struct shmap_jobst, parent_ino) == 680, "layout");
static_assert(sizeof(struct shmap_jmember) == 48, "layout");

/* process state page */
static_assert(sizeof(struct shmap_procst) == 4096, "one page");
static_assert(offsetof(struct shmap_procst, exit) == 24, "layout");
static_assert(offsetof(struct shmap_procst, ended) == 64, "layout");
static_assert(offsetof(struct shmap_procst, ended_link32) == 64 + 20, "ILP32 robust entry");
static_assert(offsetof(struct shmap_procst, ended_link64) == 64 + 24, "LP64 robust entry");
static_assert(offsetof(struct shmap_procst, job_ino) == 48, "layout");
static_assert(offsetof(struct shmap_procst, jobs) == 112, "layout");
static_assert(sizeof(struct shmap_xfer) == 64, "layout");

#endif
