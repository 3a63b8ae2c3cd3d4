/* --transport uring: FUSE over io_uring (fs/fuse/dev_uring.c, 6.14+).
 *
 * After INIT, when the kernel accepted FUSE_OVER_IO_URING, every possible CPU gets a queue (the kernel
 * puts a request on the queue of the CPU its caller runs on, and switches the connection to the ring
 * only once every queue has an entry). A queue of an online CPU gets --uring-depth entries, an offline
 * one a single entry. Each entry is a header buffer and a payload buffer registered with
 * FUSE_IO_URING_CMD_REGISTER, served by a thread of its own on a ring of its own: the thread waits for
 * a request in io_uring_enter, serves it like a /dev/fuse worker (same handlers, stats, delays), and
 * commits the reply and waits for the next request in one io_uring_enter (COMMIT_AND_FETCH). One
 * thread per entry keeps the threading model of the /dev/fuse workers (one thread per request in
 * flight, so held requests do not stall their queue), so comparing the transports compares only how
 * requests and replies travel.
 *
 * The /dev/fuse workers keep running: FORGET, INTERRUPT and notifications never use the ring. */
#ifndef FB_URING_H
#define FB_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "fuse_abi.h"
#include "json.h"
#include "request.h"

/* Before mount: whether to ask for OVER_IO_URING at INIT (--transport uring, and this process can set
 * up an io_uring with 128-byte SQEs: accepting the flag without being able to register would leave
 * every request blocked). */
bool uring_wanted(void);

/* After INIT, before anything touches the mount (requests block until the ring is complete): registers
 * every entry if INIT negotiated OVER_IO_URING. Returns 0 when the ring is serving or the transport
 * stays /dev/fuse (the reason is kept for the ready line), -1 with a message in err when the
 * connection is left in a state that cannot serve (some entries registered, others not). */
int uring_start(char *err, size_t errlen);

/* Fills the request's ring entry with the reply (out-args copied into its payload buffer); the entry's
 * thread commits it once the handler returns. */
void uring_reply(struct fb_req *r, const struct fuse_out_header *out, const struct iovec *iov, int n);

/* `"transport":{...}` for the ready line and the stats. */
void uring_transport_json(struct fb_sb *sb);

/* Waits up to timeout_ms for every entry thread to end (the connection went away); true if all did. */
bool uring_join(unsigned timeout_ms);
/* Frees the entries once joined. */
void uring_free(void);

#endif
