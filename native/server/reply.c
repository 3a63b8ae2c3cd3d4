#include "request.h"

#include "clock.h"
#include "fuse_names.h"
#include "log.h"
#include "stats.h"
#include "uring.h"
#include "worker.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

const char *req_string(const struct fb_req *r, size_t off, size_t *next)
{
	if (off >= r->arglen)
		return NULL;
	const char *s = r->arg + off;
	const char *nul = memchr(s, '\0', r->arglen - off);
	if (!nul)
		return NULL;
	if (next)
		*next = (size_t)(nul - r->arg) + 1;
	return s;
}

int check_name(const char *name)
{
	if (strchr(name, '/'))
		return EINVAL;
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return ENOENT;
	return 0;
}

/* Just before the reply goes out (see stats_gauge_end). */
static void leave_gauge(struct fb_req *r)
{
	stats_gauge_end(r->gauge, r->slot, fb_now_ns());
	r->gauge = NULL;
}

static void finish(struct fb_req *r, int err)
{
	r->replied = true;
	stats_end(r->slot, r->t0, fb_now_ns(), err, r->bytes);
}

void reply_iov(struct fb_req *r, struct iovec *iov, int n)
{
	struct fuse_out_header out = { .len = 0, .error = 0, .unique = r->in->unique };
	size_t len = sizeof out;
	for (int i = 1; i < n; i++)
		len += iov[i].iov_len;
	out.len = (uint32_t)len;
	iov[0].iov_base = &out;
	iov[0].iov_len = sizeof out;
	leave_gauge(r);
	if (r->ring)
		uring_reply(r, &out, iov + 1, n - 1);
	else if (writev(r->w->fd, iov, n) < 0 && errno != ENOENT) /* ENOENT: interrupted or aborted meanwhile */
		fb_log("reply to %s (unique %llu): %s", fuse_opcode_name(r->in->opcode) ? fuse_opcode_name(r->in->opcode) : "?",
		       (unsigned long long)r->in->unique, strerror(errno));
	finish(r, 0);
}

void reply_buf(struct fb_req *r, const void *data, size_t len)
{
	struct iovec iov[2] = { { 0 }, { .iov_base = (void *)data, .iov_len = len } };
	reply_iov(r, iov, len ? 2 : 1);
}

void reply_err(struct fb_req *r, int err)
{
	if (err == 0) {
		reply_buf(r, NULL, 0);
		return;
	}
	struct fuse_out_header out = { .len = sizeof out, .error = -err, .unique = r->in->unique };
	leave_gauge(r);
	if (r->ring)
		uring_reply(r, &out, NULL, 0);
	else if (write(r->w->fd, &out, sizeof out) < 0 && errno != ENOENT)
		fb_log("error reply to unique %llu: %s", (unsigned long long)r->in->unique, strerror(errno));
	r->bytes = 0;
	finish(r, err);
}

void reply_none(struct fb_req *r)
{
	leave_gauge(r);
	finish(r, 0);
}
