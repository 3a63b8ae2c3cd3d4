/* Opcode dispatch and the attribute/entry helpers every op file uses. */
#include "ops.h"

#include "inode.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <unistd.h>

static uint64_t attr_sec, entry_sec;
static uint32_t attr_nsec, entry_nsec;

static void split(double s, uint64_t *sec, uint32_t *nsec)
{
	double whole = floor(s);
	*sec = (uint64_t)whole;
	*nsec = (uint32_t)llround((s - whole) * 1e9);
	if (*nsec >= 1000000000u) {
		*sec += 1;
		*nsec -= 1000000000u;
	}
}

void ops_set_timeouts(double attr_s, double entry_s)
{
	split(attr_s, &attr_sec, &attr_nsec);
	split(entry_s, &entry_sec, &entry_nsec);
}

void fill_attr(struct fuse_attr *a, const struct stat *st)
{
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
	a->flags = 0;
}

void fill_attr_out(struct fuse_attr_out *out, const struct stat *st)
{
	out->attr_valid = attr_sec;
	out->attr_valid_nsec = attr_nsec;
	out->dummy = 0;
	fill_attr(&out->attr, st);
}

int make_entry(int fd, struct fuse_entry_out *out)
{
	struct stat st;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int e = errno;
		close(fd);
		return e;
	}
	struct fb_inode *ino = inode_ref_fd(fd, &st);
	if (!ino)
		return ENOMEM;
	out->nodeid = inode_nodeid(ino);
	out->generation = ino->generation;
	out->entry_valid = entry_sec;
	out->entry_valid_nsec = entry_nsec;
	out->attr_valid = attr_sec;
	out->attr_valid_nsec = attr_nsec;
	fill_attr(&out->attr, &st);
	return 0;
}

void own_new_entry(const struct fb_req *r, int dirfd, const char *name)
{
	/* Running as root for another user: without this every new file would be root's, and the kernel
	 * (default_permissions) would then deny the creator access to it. */
	if (geteuid() != 0 || (r->in->uid == 0 && r->in->gid == 0))
		return;
	(void)fchownat(dirfd, name, r->in->uid, r->in->gid, AT_SYMLINK_NOFOLLOW);
}

void op_enosys(struct fb_req *r)
{
	reply_err(r, ENOSYS);
}

static const fb_handler handlers[FUSE_OPCODE_END] = {
	[FUSE_LOOKUP] = op_lookup,
	[FUSE_FORGET] = op_forget,
	[FUSE_GETATTR] = op_getattr,
	[FUSE_SETATTR] = op_setattr,
	[FUSE_READLINK] = op_readlink,
	[FUSE_SYMLINK] = op_symlink,
	[FUSE_MKNOD] = op_mknod,
	[FUSE_MKDIR] = op_mkdir,
	[FUSE_UNLINK] = op_unlink,
	[FUSE_RMDIR] = op_rmdir,
	[FUSE_RENAME] = op_rename,
	[FUSE_LINK] = op_link,
	[FUSE_OPEN] = op_open,
	[FUSE_READ] = op_read,
	[FUSE_WRITE] = op_write,
	[FUSE_STATFS] = op_statfs,
	[FUSE_RELEASE] = op_release,
	[FUSE_FSYNC] = op_fsync,
	[FUSE_GETXATTR] = op_getxattr,
	[FUSE_LISTXATTR] = op_listxattr,
	[FUSE_FLUSH] = op_flush,
	[FUSE_OPENDIR] = op_opendir,
	[FUSE_READDIR] = op_readdir,
	[FUSE_RELEASEDIR] = op_releasedir,
	[FUSE_FSYNCDIR] = op_fsyncdir,
	[FUSE_CREATE] = op_create,
	[FUSE_INTERRUPT] = op_interrupt,
	[FUSE_DESTROY] = op_destroy,
	[FUSE_BATCH_FORGET] = op_batch_forget,
	[FUSE_FALLOCATE] = op_fallocate,
	[FUSE_RENAME2] = op_rename2,
	[FUSE_LSEEK] = op_lseek,
	[FUSE_COPY_FILE_RANGE] = op_copy_file_range,
	[FUSE_COPY_FILE_RANGE_64] = op_copy_file_range,
};

fb_handler ops_handler(uint32_t opcode)
{
	if (opcode < FUSE_OPCODE_END && handlers[opcode])
		return handlers[opcode];
	return op_enosys;
}

bool ops_has_reply(uint32_t opcode)
{
	return opcode != FUSE_FORGET && opcode != FUSE_BATCH_FORGET && opcode != FUSE_INTERRUPT;
}
