/* Name operations: every one is relative to the parent's O_PATH fd with a single checked name
 * component, so nothing can reach outside the backing directory. */
#include "ops.h"

#include "inode.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Looks `name` up in `dir` after a successful create and replies with its entry. */
static void reply_new_entry(struct fb_req *r, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		reply_err(r, errno);
		return;
	}
	struct fuse_entry_out out;
	int e = make_entry(fd, &out);
	if (e)
		reply_err(r, e);
	else
		reply_buf(r, &out, sizeof out);
}

/* The parent directory and the checked name at body offset `off`; replies and returns NULL on error. */
static const char *dir_and_name(struct fb_req *r, size_t off, size_t *next)
{
	const char *name = req_string(r, off, next);
	if (!name || !r->ino) {
		reply_err(r, EINVAL);
		return NULL;
	}
	int e = check_name(name);
	if (e) {
		reply_err(r, e);
		return NULL;
	}
	return name;
}

void op_lookup(struct fb_req *r)
{
	const char *name = dir_and_name(r, 0, NULL);
	if (name)
		reply_new_entry(r, r->ino->fd, name);
}

void op_forget(struct fb_req *r)
{
	const struct fuse_forget_in *in = req_arg(r, sizeof *in);
	if (in)
		inode_forget(r->in->nodeid, in->nlookup);
	reply_none(r);
}

void op_batch_forget(struct fb_req *r)
{
	const struct fuse_batch_forget_in *in = req_arg(r, sizeof *in);
	if (in) {
		const struct fuse_forget_one *one = (const void *)(r->arg + sizeof *in);
		size_t room = (r->arglen - sizeof *in) / sizeof *one;
		for (uint32_t i = 0; i < in->count && i < room; i++)
			inode_forget(one[i].nodeid, one[i].nlookup);
	}
	reply_none(r);
}

void op_mknod(struct fb_req *r)
{
	const struct fuse_mknod_in *in = req_arg(r, sizeof *in);
	if (!in) {
		reply_err(r, EINVAL);
		return;
	}
	const char *name = dir_and_name(r, sizeof *in, NULL);
	if (!name)
		return;
	/* Device nodes would let the mount's users reach devices through the backing dir. */
	if (!S_ISREG(in->mode) && !S_ISFIFO(in->mode)) {
		reply_err(r, EPERM);
		return;
	}
	if (mknodat(r->ino->fd, name, in->mode, 0) < 0) {
		reply_err(r, errno);
		return;
	}
	own_new_entry(r, r->ino->fd, name);
	reply_new_entry(r, r->ino->fd, name);
}

void op_mkdir(struct fb_req *r)
{
	const struct fuse_mkdir_in *in = req_arg(r, sizeof *in);
	if (!in) {
		reply_err(r, EINVAL);
		return;
	}
	const char *name = dir_and_name(r, sizeof *in, NULL);
	if (!name)
		return;
	if (mkdirat(r->ino->fd, name, in->mode) < 0) {
		reply_err(r, errno);
		return;
	}
	own_new_entry(r, r->ino->fd, name);
	reply_new_entry(r, r->ino->fd, name);
}

void op_symlink(struct fb_req *r)
{
	size_t next;
	const char *name = dir_and_name(r, 0, &next);
	if (!name)
		return;
	const char *target = req_string(r, next, NULL);
	if (!target) {
		reply_err(r, EINVAL);
		return;
	}
	if (symlinkat(target, r->ino->fd, name) < 0) {
		reply_err(r, errno);
		return;
	}
	own_new_entry(r, r->ino->fd, name);
	reply_new_entry(r, r->ino->fd, name);
}

void op_link(struct fb_req *r)
{
	const struct fuse_link_in *in = req_arg(r, sizeof *in);
	struct fb_inode *old = in ? inode_get(in->oldnodeid) : NULL;
	if (!old) {
		reply_err(r, EINVAL);
		return;
	}
	const char *name = dir_and_name(r, sizeof *in, NULL);
	if (!name)
		return;
	/* AT_EMPTY_PATH links the O_PATH fd's inode itself (needs CAP_DAC_READ_SEARCH); without it, the
	 * /proc magic link resolves to the same inode. */
	if (linkat(old->fd, "", r->ino->fd, name, AT_EMPTY_PATH) < 0) {
		char path[32];
		inode_proc_path(old, path);
		if ((errno != ENOENT && errno != EPERM) || linkat(AT_FDCWD, path, r->ino->fd, name, AT_SYMLINK_FOLLOW) < 0) {
			reply_err(r, errno);
			return;
		}
	}
	reply_new_entry(r, r->ino->fd, name);
}

static void remove_entry(struct fb_req *r, int flags)
{
	const char *name = dir_and_name(r, 0, NULL);
	if (!name)
		return;
	reply_err(r, unlinkat(r->ino->fd, name, flags) < 0 ? errno : 0);
}

void op_unlink(struct fb_req *r)
{
	remove_entry(r, 0);
}

void op_rmdir(struct fb_req *r)
{
	remove_entry(r, AT_REMOVEDIR);
}

static void do_rename(struct fb_req *r, uint64_t newdir_id, unsigned flags, size_t off)
{
	struct fb_inode *newdir = inode_get(newdir_id);
	size_t next;
	const char *oldname = dir_and_name(r, off, &next);
	if (!oldname)
		return;
	const char *newname = req_string(r, next, NULL);
	if (!newname || !newdir) {
		reply_err(r, EINVAL);
		return;
	}
	int e = check_name(newname);
	if (e) {
		reply_err(r, e);
		return;
	}
	int rc = flags ? renameat2(r->ino->fd, oldname, newdir->fd, newname, flags)
		       : renameat(r->ino->fd, oldname, newdir->fd, newname);
	reply_err(r, rc < 0 ? errno : 0);
}

void op_rename(struct fb_req *r)
{
	const struct fuse_rename_in *in = req_arg(r, sizeof *in);
	if (!in) {
		reply_err(r, EINVAL);
		return;
	}
	do_rename(r, in->newdir, 0, sizeof *in);
}

void op_rename2(struct fb_req *r)
{
	const struct fuse_rename2_in *in = req_arg(r, sizeof *in);
	if (!in) {
		reply_err(r, EINVAL);
		return;
	}
	do_rename(r, in->newdir, in->flags, sizeof *in);
}
