/* statfs, the xattr answers chosen by --getxattr, INTERRUPT and DESTROY. */
#include "ops.h"

#include "delay.h"
#include "inode.h"
#include "log.h"
#include "session.h"

#include <errno.h>
#include <sys/statvfs.h>

void op_statfs(struct fb_req *r)
{
	struct statvfs sv;
	if (fstatvfs(inode_root()->fd, &sv) < 0) {
		reply_err(r, errno);
		return;
	}
	struct fuse_statfs_out out = { .st = {
		.blocks = sv.f_blocks,
		.bfree = sv.f_bfree,
		.bavail = sv.f_bavail,
		.files = sv.f_files,
		.ffree = sv.f_ffree,
		.bsize = (uint32_t)sv.f_bsize,
		.namelen = (uint32_t)sv.f_namemax,
		.frsize = (uint32_t)sv.f_frsize,
	} };
	reply_buf(r, &out, sizeof out);
}

/* ENOSYS once makes the kernel stop asking (no security.capability GETXATTR before every write);
 * ENODATA is what libfuse's passthrough_hp says, at one round trip per write. */
void op_getxattr(struct fb_req *r)
{
	reply_err(r, g_session.cfg.getxattr == FB_GETXATTR_ENOSYS ? ENOSYS : ENODATA);
}

void op_listxattr(struct fb_req *r)
{
	if (g_session.cfg.getxattr == FB_GETXATTR_ENOSYS) {
		reply_err(r, ENOSYS);
		return;
	}
	/* No attributes: a size query gets 0, a read gets an empty list. */
	const struct fuse_getxattr_in *in = req_arg(r, sizeof *in);
	if (in && in->size == 0) {
		struct fuse_getxattr_out out = { .size = 0, .padding = 0 };
		reply_buf(r, &out, sizeof out);
	} else {
		reply_buf(r, NULL, 0);
	}
}

void op_interrupt(struct fb_req *r)
{
	const struct fuse_interrupt_in *in = req_arg(r, sizeof *in);
	if (in) {
		fb_debug("INTERRUPT of unique %llu", (unsigned long long)in->unique);
		delay_interrupt(in->unique);
	}
	reply_none(r);
}

void op_destroy(struct fb_req *r)
{
	reply_err(r, 0);
}
