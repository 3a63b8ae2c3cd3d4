/* A minimal io_uring for one thread through raw syscalls (no liburing at build time): 128-byte SQEs,
 * which IORING_OP_URING_CMD needs for its 80-byte command area, and nothing else. */
#ifndef FB_URING_RING_H
#define FB_URING_RING_H

#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stddef.h>

struct fb_ring {
	int fd;
	void *sq_ptr, *cq_ptr;
	size_t sq_len, cq_len;
	char *sqes; /* 128 bytes apart */
	size_t sqes_len;
	_Atomic unsigned *sq_tail, *cq_head, *cq_tail;
	unsigned *sq_mask, *cq_mask, *sq_array;
	struct io_uring_cqe *cqes;
	unsigned to_submit; /* SQEs published but not yet handed to the kernel */
};

/* Sets up a ring of `entries` SQE128 slots for use by the calling thread only (SINGLE_ISSUER and
 * DEFER_TASKRUN where the kernel has them: completions are then produced while this thread waits in
 * io_uring_enter, never by interrupting it elsewhere). Returns 0 or an errno; on error the ring is
 * left closed. */
int ring_init(struct fb_ring *r, unsigned entries);
void ring_free(struct fb_ring *r);

/* The next free SQE, zeroed; publish it with ring_publish. NULL if the ring is full. */
struct io_uring_sqe *ring_sqe(struct fb_ring *r);
void ring_publish(struct fb_ring *r);

/* Submits what was published and waits for at least `wait` completions. Returns 0 or an errno
 * (EINTR is returned to the caller, who retries). */
int ring_enter(struct fb_ring *r, unsigned wait);

/* The oldest completion not yet consumed, or NULL; ring_cqe_seen consumes it. */
struct io_uring_cqe *ring_cqe(struct fb_ring *r);
void ring_cqe_seen(struct fb_ring *r);

#endif
