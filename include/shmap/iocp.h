/*
 * shmap/iocp.h - I/O completion ports (CreateIoCompletionPort,
 * PostQueuedCompletionStatus, GetQueuedCompletionStatus(Ex)) and the
 * association of a job with a port (its notifications).
 *
 * A port is a handle of this process only (it is neither inherited nor
 * duplicated into another process: SHMAP_ENOTSUP).  Packets are dequeued
 * in the order they were queued (Windows: FIFO); waiting threads are
 * served in no particular order.  The concurrency value is stored, not
 * enforced (every waiting thread may run).  docs/DESIGN.md §22.
 */
#ifndef SHMAP_IOCP_H
#define SHMAP_IOCP_H

#include <stddef.h>
#include <stdint.h>

#include "shmap/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHMAP_IOCP_MODIFY_STATE 0x0002u /* IO_COMPLETION_MODIFY_STATE: post, dequeue */
#define SHMAP_IOCP_ALL_ACCESS 0x001F0003u

/* A completion packet (OVERLAPPED_ENTRY's contents). */
typedef struct shmap_iocp_packet {
    uint64_t key;        /* the completion key */
    uint64_t overlapped; /* the OVERLAPPED pointer, or a message's value */
    uint32_t bytes;      /* bytes transferred, or a job message's id */
    uint32_t pad;
} shmap_iocp_packet_t;

/* A new port (concurrency 0: the number of processors).  -EFAULT, -ENOMEM,
 * -EMFILE. */
SHMAP_EXTERN int shmap_iocp_create(uint32_t concurrency, shmap_handle_t *out);

/* Associate the file handle file with port under key (a file object - the
 * handles duplicated from one open - is associated once, for its life:
 * -EINVAL the second time).  The file holds the port from then on.
 * Errors: -EBADF (port or file not a handle of that type), -EACCES (no
 * SHMAP_IOCP_MODIFY_STATE on the port), -EINVAL. */
SHMAP_EXTERN int shmap_iocp_associate(shmap_handle_t port, shmap_handle_t file, uint64_t key);

/* An I/O on file completed with bytes moved, for the caller's OVERLAPPED
 * at overlapped: if the file is associated with a port, queue its packet
 * there (key: the association's) and return 1; else 0.  shmap's file I/O
 * completes before shmap_file_read/write return, so the caller reports the
 * completion (ReadFile/WriteFile do, for a call that succeeded with an
 * OVERLAPPED whose hEvent's low bit is clear).  -EBADF, -ENOMEM. */
SHMAP_EXTERN int shmap_iocp_file_done(shmap_handle_t file, uint32_t bytes, uint64_t overlapped);

/* Queue a packet.  -EBADF (not a port), -EACCES (no MODIFY_STATE), -ENOMEM. */
SHMAP_EXTERN int shmap_iocp_post(shmap_handle_t port, uint32_t bytes, uint64_t key,
                                 uint64_t overlapped);

/* Dequeue 1 to cap packets into out, waiting up to timeout_ms
 * (SHMAP_INFINITE: no limit).  Returns 0 (*got packets, at least one),
 * SHMAP_WAIT_TIMEOUT (none within the time), SHMAP_WAIT_IO_COMPLETION
 * (alertable and a completion routine ran), SHMAP_EPORTCLOSED (the port's
 * last handle was closed while we waited), -EBADF, -EACCES, -EINVAL (cap
 * 0), -EFAULT.  Thread-safe: each packet goes to one caller. */
SHMAP_EXTERN int shmap_iocp_get(shmap_handle_t port, shmap_iocp_packet_t *out, size_t cap,
                                size_t *got, uint32_t timeout_ms, int alertable);

/* Job notifications (SetInformationJobObject's
 * JobObjectAssociateCompletionPortInformation): from now on the job posts
 * its messages (SHMAP_JOB_MSG_*: bytes = the id, overlapped = the pid or
 * 0, key = key) to port, and a NEW_PROCESS for each process already in it.
 * port SHMAP_NULL_HANDLE: remove the association.  A job has one port:
 * -EINVAL if it already has one.  Needs SET_ATTRIBUTES on the job;
 * -EBADF, -EACCES. */
SHMAP_EXTERN int shmap_job_set_port(shmap_handle_t job, shmap_handle_t port, uint64_t key);
#define SHMAP_JOB_MSG_END_OF_JOB_TIME 1u
#define SHMAP_JOB_MSG_END_OF_PROCESS_TIME 2u
#define SHMAP_JOB_MSG_ACTIVE_PROCESS_LIMIT 3u
#define SHMAP_JOB_MSG_ACTIVE_PROCESS_ZERO 4u
#define SHMAP_JOB_MSG_NEW_PROCESS 6u
#define SHMAP_JOB_MSG_EXIT_PROCESS 7u
#define SHMAP_JOB_MSG_ABNORMAL_EXIT_PROCESS 8u

#ifdef __cplusplus
}
#endif

#endif
