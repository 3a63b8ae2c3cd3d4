/* Attributes: answered from the backing inode (fstat), so the server's view of size wins, also for
 * passthrough files whose data the kernel writes directly. */
#include "ops.h"

#include "inode.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static struct fb_file *file_of(uint64_t fh)
{
	return (struct fb_file *)(uintptr_t)fh;
}

static void reply_stat(struct fb_req *r, int fd)
{
	struct stat st;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		reply_err(r, errno);
		return;
	}
	struct fuse_attr_out out;
	fill_attr_out(&out, &st);
	reply_buf(r, &out, sizeof out);
}

void op_getattr(struct fb_req *r)
{
	const struct fuse_getattr_in *in = req_arg(r, sizeof *in);
	if (!r->ino) {
		reply_err(r, EINVAL);
		return;
	}
	if (in && (in->getattr_flags & FUSE_GETATTR_FH) && in->fh && S_ISREG(r->ino->type))
		reply_stat(r, file_of(in->fh)->fd);
	else
		reply_stat(r, r->ino->fd);
}

static struct timespec ts_of(uint32_t valid, uint32_t set_bit, uint32_t now_bit, uint64_t sec, uint32_t nsec)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = UTIME_OMIT };
	if (valid & now_bit)
		ts.tv_nsec = UTIME_NOW;
	else if (valid & set_bit) {
		ts.tv_sec = (time_t)sec;
		ts.tv_nsec = nsec;
	}
	return ts;
}

void op_setattr(struct fb_req *r)
{
	const struct fuse_setattr_in *in = req_arg(r, sizeof *in);
	if (!in || !r->ino) {
		reply_err(r, EINVAL);
		return;
	}
	struct fb_inode *ino = r->ino;
	/* An fh is only meaningful for regular files (ftruncate, futimens on an open file). */
	int fhfd = (in->valid & FATTR_FH) && in->fh && S_ISREG(ino->type) ? file_of(in->fh)->fd : -1;
	char path[32];
	inode_proc_path(ino, path);
	int rc = 0;

	/* Ownership first: chown clears set-id bits that a mode in the same request may set again. */
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = (in->valid & FATTR_UID) ? in->uid : (uid_t)-1;
		gid_t gid = (in->valid & FATTR_GID) ? in->gid : (gid_t)-1;
		rc = fchownat(ino->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	}
	if (rc == 0 && (in->valid & FATTR_MODE))
		rc = fhfd >= 0 ? fchmod(fhfd, in->mode & 07777) : chmod(path, in->mode & 07777);
	if (rc == 0 && (in->valid & FATTR_SIZE)) {
		if (fhfd >= 0)
			rc = ftruncate(fhfd, (off_t)in->size);
		else if (S_ISREG(ino->type))
			rc = truncate(path, (off_t)in->size);
		else
			rc = (errno = S_ISDIR(ino->type) ? EISDIR : EINVAL, -1);
	}
	if (rc == 0 && (in->valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW))) {
		struct timespec ts[2] = {
			ts_of(in->valid, FATTR_ATIME, FATTR_ATIME_NOW, in->atime, in->atimensec),
			ts_of(in->valid, FATTR_MTIME, FATTR_MTIME_NOW, in->mtime, in->mtimensec),
		};
		rc = fhfd >= 0 ? futimens(fhfd, ts) : utimensat(ino->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
	}
	if (rc < 0) {
		reply_err(r, errno);
		return;
	}
	reply_stat(r, fhfd >= 0 ? fhfd : ino->fd);
}

void op_readlink(struct fb_req *r)
{
	if (!r->ino) {
		reply_err(r, EINVAL);
		return;
	}
	char buf[PATH_MAX];
	ssize_t n = readlinkat(r->ino->fd, "", buf, sizeof buf);
	if (n < 0)
		reply_err(r, errno);
	else
		reply_buf(r, buf, (size_t)n);
}
