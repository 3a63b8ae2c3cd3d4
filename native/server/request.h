/* One request being served, and the helpers handlers use to read arguments and to reply. */
#ifndef FB_REQUEST_H
#define FB_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "fuse_abi.h"

struct fb_worker;
struct fb_inode;
struct fb_gauge;
struct fb_ring_ent;

struct fb_req {
	struct fb_worker *w;
	const struct fuse_in_header *in;
	const char *arg; /* request body after the header, extensions excluded */
	size_t arglen;
	struct fb_inode *ino; /* in->nodeid resolved; NULL for nodeid 0 */
	unsigned slot;
	uint64_t t0;
	struct fb_gauge *gauge;
	uint64_t bytes; /* READ/WRITE payload, for the stats */
	bool replied;
	struct fb_ring_ent *ring; /* came over io_uring (uring.c): the reply goes into this entry, not to w->fd */
};

/* The fixed-size argument at the start of the body, or NULL if the body is shorter. */
static inline const void *req_arg(const struct fb_req *r, size_t size)
{
	return r->arglen >= size ? r->arg : NULL;
}

/* The NUL-terminated string starting at body offset `off`, or NULL if it runs past the body. *next is
 * the offset after its NUL. */
const char *req_string(const struct fb_req *r, size_t off, size_t *next);

/* Checks a directory entry name the kernel sent: 0, or the errno to reply. */
int check_name(const char *name);

/* Replies: err is 0 or a positive errno. Each request gets exactly one reply (or reply_none). */
void reply_err(struct fb_req *r, int err);
void reply_buf(struct fb_req *r, const void *data, size_t len);
/* iov[0] is left free for the header. */
void reply_iov(struct fb_req *r, struct iovec *iov, int n);
/* Requests without a reply (FORGET, BATCH_FORGET, INTERRUPT): just account for them. */
void reply_none(struct fb_req *r);

#endif
