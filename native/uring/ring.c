#include "ring.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

void ring_free(struct fb_ring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_ptr && r->cq_ptr != MAP_FAILED && r->cq_ptr != r->sq_ptr)
		munmap(r->cq_ptr, r->cq_len);
	if (r->sq_ptr && r->sq_ptr != MAP_FAILED)
		munmap(r->sq_ptr, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof *r);
	r->fd = -1;
}

static int setup(unsigned entries, unsigned flags, struct io_uring_params *p)
{
	memset(p, 0, sizeof *p);
	p->flags = flags;
	return (int)syscall(SYS_io_uring_setup, entries, p);
}

int ring_init(struct fb_ring *r, unsigned entries, unsigned flags)
{
	memset(r, 0, sizeof *r);
	struct io_uring_params p;
	const unsigned optional = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	r->fd = setup(entries, flags, &p);
	if (r->fd < 0 && errno == EINVAL && (flags & optional))
		r->fd = setup(entries, flags & ~optional, &p);
	if (r->fd < 0) {
		int e = errno;
		r->fd = -1;
		return e;
	}
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
	if (single && r->cq_len > r->sq_len)
		r->sq_len = r->cq_len;
	int e = 0;
	r->sq_ptr = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (r->sq_ptr == MAP_FAILED)
		goto fail;
	r->cq_ptr = single ? r->sq_ptr
			   : mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
				  IORING_OFF_CQ_RING);
	if (r->cq_ptr == MAP_FAILED)
		goto fail;
	r->sqe_size = (flags & IORING_SETUP_SQE128) ? 128 : sizeof(struct io_uring_sqe);
	r->sqes_len = (size_t)p.sq_entries * r->sqe_size;
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		goto fail;
	char *sq = r->sq_ptr, *cq = r->cq_ptr;
	r->sq_tail = (_Atomic unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (_Atomic unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (_Atomic unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
fail:
	e = errno;
	ring_free(r);
	return e;
}

/* Only this thread submits, so the tail it last wrote is the tail. The ring is never fuller than the
 * SQEs published since the last io_uring_enter (the kernel consumes all of them there). */
struct io_uring_sqe *ring_sqe(struct fb_ring *r)
{
	if (r->to_submit > *r->sq_mask)
		return NULL;
	unsigned at = atomic_load_explicit(r->sq_tail, memory_order_relaxed) & *r->sq_mask;
	struct io_uring_sqe *sqe = (struct io_uring_sqe *)(void *)(r->sqes + (size_t)at * r->sqe_size);
	memset(sqe, 0, r->sqe_size);
	r->sq_array[at] = at;
	return sqe;
}

void ring_publish(struct fb_ring *r)
{
	unsigned tail = atomic_load_explicit(r->sq_tail, memory_order_relaxed);
	atomic_store_explicit(r->sq_tail, tail + 1, memory_order_release);
	r->to_submit++;
}

int ring_enter(struct fb_ring *r, unsigned wait, unsigned *consumed)
{
	unsigned flags = wait ? IORING_ENTER_GETEVENTS : 0;
	int rc = (int)syscall(SYS_io_uring_enter, r->fd, r->to_submit, wait, flags, NULL, 0);
	unsigned took = rc > 0 ? ((unsigned)rc < r->to_submit ? (unsigned)rc : r->to_submit) : 0;
	if (consumed)
		*consumed = took;
	if (rc < 0)
		return errno;
	r->to_submit -= took;
	return 0;
}

int ring_register(struct fb_ring *r, unsigned op, const void *arg, unsigned n)
{
	return syscall(SYS_io_uring_register, r->fd, op, arg, n) < 0 ? errno : 0;
}

struct io_uring_cqe *ring_cqe(struct fb_ring *r)
{
	unsigned head = atomic_load_explicit(r->cq_head, memory_order_relaxed);
	unsigned tail = atomic_load_explicit(r->cq_tail, memory_order_acquire);
	return head == tail ? NULL : &r->cqes[head & *r->cq_mask];
}

void ring_cqe_seen(struct fb_ring *r)
{
	unsigned head = atomic_load_explicit(r->cq_head, memory_order_relaxed);
	atomic_store_explicit(r->cq_head, head + 1, memory_order_release);
}
