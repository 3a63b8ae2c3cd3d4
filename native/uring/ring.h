/* A minimal io_uring for one thread through raw syscalls (no liburing at build time), shared by the
 * server's FUSE-over-io_uring transport (128-byte SQEs, which IORING_OP_URING_CMD needs for its
 * 80-byte command area) and the client's io_uring engine (plain 64-byte SQEs). */
#ifndef FB_URING_RING_H
#define FB_URING_RING_H

#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stddef.h>

struct fb_ring {
	int fd;
	void *sq_ptr, *cq_ptr;
	size_t sq_len, cq_len;
	char *sqes; /* sqe_size bytes apart */
	size_t sqes_len, sqe_size;
	_Atomic unsigned *sq_tail, *cq_head, *cq_tail;
	unsigned *sq_mask, *cq_mask, *sq_array;
	struct io_uring_cqe *cqes;
	unsigned to_submit; /* SQEs published but not yet handed to the kernel */
};

/* Sets up a ring of `entries` SQEs with IORING_SETUP_* `flags` (IORING_SETUP_SQE128 makes them 128
 * bytes). SINGLE_ISSUER and DEFER_TASKRUN are dropped and the setup retried when the kernel refuses
 * them (before 6.1): they only make completions cheaper. Returns 0 or an errno; on error the ring is
 * left closed. */
int ring_init(struct fb_ring *r, unsigned entries, unsigned flags);
void ring_free(struct fb_ring *r);

/* io_uring_register on the ring; 0 or an errno. */
int ring_register(struct fb_ring *r, unsigned op, const void *arg, unsigned n);

/* The next free SQE, zeroed; publish it with ring_publish. NULL if the ring is full. */
struct io_uring_sqe *ring_sqe(struct fb_ring *r);
void ring_publish(struct fb_ring *r);

/* Submits what was published and waits for at least `wait` completions. Returns 0 or an errno
 * (EINTR is returned to the caller, who retries). `consumed`, when not NULL, receives how many of
 * the published SQEs the kernel took: the oldest ones, in publishing order. */
int ring_enter(struct fb_ring *r, unsigned wait, unsigned *consumed);

/* The oldest completion not yet consumed, or NULL; ring_cqe_seen consumes it. */
struct io_uring_cqe *ring_cqe(struct fb_ring *r);
void ring_cqe_seen(struct fb_ring *r);

#endif
