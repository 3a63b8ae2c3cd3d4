/* Directories: getdents64 on a directory fd per OPENDIR; the kernel's READDIR offset is the backing
 * filesystem's own d_off cookie, so seeking back (telldir/seekdir, restarts) is exact. */
#include "ops.h"

#include "inode.h"
#include "worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIRBUF 16384

static struct fb_dir *dir_of(uint64_t fh)
{
	return (struct fb_dir *)(uintptr_t)fh;
}

void op_opendir(struct fb_req *r)
{
	if (!r->ino) {
		reply_err(r, EINVAL);
		return;
	}
	char path[32];
	inode_proc_path(r->ino, path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		reply_err(r, errno);
		return;
	}
	struct fb_dir *d = calloc(1, sizeof *d);
	char *buf = malloc(DIRBUF);
	if (!d || !buf) {
		free(d);
		free(buf);
		close(fd);
		reply_err(r, ENOMEM);
		return;
	}
	d->fd = fd;
	d->buf = buf;
	pthread_mutex_init(&d->lock, NULL);
	struct fuse_open_out out = { .fh = (uint64_t)(uintptr_t)d, .open_flags = 0, .backing_id = 0 };
	reply_buf(r, &out, sizeof out);
}

void op_readdir(struct fb_req *r)
{
	const struct fuse_read_in *in = req_arg(r, sizeof *in);
	if (!in || !in->fh) {
		reply_err(r, EINVAL);
		return;
	}
	struct fb_dir *d = dir_of(in->fh);
	char *out = r->w->buf + 4096;
	size_t room = r->w->bufsize - 4096;
	size_t size = in->size < room ? in->size : room;
	size_t used = 0;
	int err = 0;

	pthread_mutex_lock(&d->lock);
	if ((off_t)in->offset != d->pos) {
		if (lseek(d->fd, (off_t)in->offset, SEEK_SET) < 0) {
			err = errno;
			goto out;
		}
		d->pos = (off_t)in->offset;
		d->len = d->off = 0;
	}
	for (;;) {
		if (d->off >= d->len) {
			ssize_t n = getdents64(d->fd, d->buf, DIRBUF);
			if (n < 0) {
				if (used == 0)
					err = errno;
				break;
			}
			if (n == 0)
				break;
			d->len = (size_t)n;
			d->off = 0;
		}
		struct dirent64 *de = (struct dirent64 *)(d->buf + d->off);
		size_t namelen = strlen(de->d_name);
		size_t entsize = FUSE_DIRENT_SIZE(namelen);
		if (used + entsize > size)
			break;
		struct fuse_dirent *fd = (struct fuse_dirent *)(out + used);
		fd->ino = de->d_ino;
		fd->off = (uint64_t)de->d_off;
		fd->namelen = (uint32_t)namelen;
		fd->type = de->d_type;
		memcpy(fd->name, de->d_name, namelen);
		memset(fd->name + namelen, 0, entsize - FUSE_NAME_OFFSET - namelen);
		used += entsize;
		d->off += de->d_reclen;
		d->pos = de->d_off;
	}
out:
	pthread_mutex_unlock(&d->lock);
	if (err)
		reply_err(r, err);
	else
		reply_buf(r, out, used);
}

void op_releasedir(struct fb_req *r)
{
	const struct fuse_release_in *in = req_arg(r, sizeof *in);
	if (in && in->fh) {
		struct fb_dir *d = dir_of(in->fh);
		close(d->fd);
		pthread_mutex_destroy(&d->lock);
		free(d->buf);
		free(d);
	}
	reply_err(r, 0);
}

void op_fsyncdir(struct fb_req *r)
{
	const struct fuse_fsync_in *in = req_arg(r, sizeof *in);
	if (!in || !in->fh) {
		reply_err(r, EINVAL);
		return;
	}
	int fd = dir_of(in->fh)->fd;
	int rc = (in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(fd) : fsync(fd);
	reply_err(r, rc < 0 ? errno : 0);
}
