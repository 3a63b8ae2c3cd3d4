#include "serve.h"

#include "delay.h"
#include "fuse_names.h"
#include "inode.h"
#include "log.h"
#include "ops.h"
#include "stats.h"
#include "worker.h"

#include <errno.h>

void serve_request(struct fb_req *r)
{
	const struct fuse_in_header *in = r->in;
	uint32_t op = in->opcode;
	bool has_reply = ops_has_reply(op);
	r->ino = inode_get(in->nodeid);
	r->slot = fb_opslot(op);
	/* FORGETs may free the very inode they name: no gauge for requests without a reply. */
	r->gauge = stats_begin(has_reply ? r->ino : NULL, r->slot, r->t0);
	if (fb_verbose) {
		const char *name = fuse_opcode_name(op);
		fb_debug("%s unique=%llu nodeid=%#llx len=%u", name ? name : "?", (unsigned long long)in->unique,
			 (unsigned long long)in->nodeid, in->len);
	}
	uint64_t d = has_reply ? delay_for(op) : 0;
	if (d && delay_wait(&r->w->waiter, in->unique, d)) {
		reply_err(r, EINTR);
		return;
	}
	ops_handler(op)(r);
	if (!r->replied) {
		fb_log("BUG: %u handled without a reply", op);
		if (has_reply)
			reply_err(r, EIO);
		else
			reply_none(r);
	}
}
