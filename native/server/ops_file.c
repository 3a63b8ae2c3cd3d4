/* Regular file I/O. OPEN/CREATE reply with the FOPEN_* flags of the current policy; READ/WRITE go to
 * the backing fd with pread/pwrite at the offset the kernel sent. */
#include "corrupt.h"
#include "ops.h"

#include "backing.h"
#include "inode.h"
#include "policy.h"
#include "session.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct fb_file *file_of(uint64_t fh)
{
	return (struct fb_file *)(uintptr_t)fh;
}

/* The flags the backing file is opened with. O_DIRECT: request buffers are not aligned (the user's
 * O_DIRECT still applies to passthrough I/O, which the kernel does with its own open). O_APPEND: the
 * kernel already chose the offset; pwrite on an O_APPEND fd would ignore it. */
static int backing_flags(uint32_t flags)
{
	int f = (int)flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT | O_APPEND | O_NOFOLLOW);
	/* With writeback caching the kernel reads pages of write-only files to fill partial writes. */
	if ((g_session.init.negotiated & FUSE_WRITEBACK_CACHE) && (f & O_ACCMODE) == O_WRONLY)
		f = (f & ~O_ACCMODE) | O_RDWR;
	return f | O_CLOEXEC;
}

/* Wraps an opened fd into an fh with the policy's flags. Returns 0 or an errno (fd then closed). */
static int make_file(struct fb_inode *ino, int fd, struct fuse_open_out *out)
{
	struct fb_policy p = policy_get();
	uint32_t flags = S_ISREG(ino->type) ? p.fopen : 0;
	struct fb_file *f = malloc(sizeof *f);
	if (!f) {
		close(fd);
		return ENOMEM;
	}
	f->fd = fd;
	f->inode = ino;
	f->backing_id = 0;
	f->backing_per_open = p.backing_per_open;
	if (flags & FOPEN_PASSTHROUGH) {
		/* No silent fallback: a failed BACKING_OPEN is the open's error (and counted). */
		int id = backing_acquire(ino, fd, p.backing_per_open);
		if (id < 0 && !p.reply_on_backing_error) {
			close(fd);
			free(f);
			return -id;
		}
		f->backing_id = id > 0 ? id : 0;
	}
	out->fh = (uint64_t)(uintptr_t)f;
	out->open_flags = flags;
	out->backing_id = f->backing_id;
	return 0;
}

static void free_file(struct fb_file *f)
{
	if (f->backing_id > 0)
		backing_release(f->inode, f->backing_id, f->backing_per_open);
	close(f->fd);
	free(f);
}

void op_open(struct fb_req *r)
{
	const struct fuse_open_in *in = req_arg(r, sizeof *in);
	if (!in || !r->ino) {
		reply_err(r, EINVAL);
		return;
	}
	char path[32];
	inode_proc_path(r->ino, path);
	int fd = open(path, backing_flags(in->flags));
	if (fd < 0) {
		reply_err(r, errno);
		return;
	}
	struct fuse_open_out out = { 0 };
	int e = make_file(r->ino, fd, &out);
	if (e)
		reply_err(r, e);
	else
		reply_buf(r, &out, sizeof out);
}

void op_create(struct fb_req *r)
{
	const struct fuse_create_in *in = req_arg(r, sizeof *in);
	const char *name = in ? req_string(r, sizeof *in, NULL) : NULL;
	if (!name || !r->ino) {
		reply_err(r, EINVAL);
		return;
	}
	int e = check_name(name);
	if (e) {
		reply_err(r, e);
		return;
	}
	int fd = openat(r->ino->fd, name, backing_flags(in->flags) | O_CREAT | (int)(in->flags & O_EXCL) | O_NOFOLLOW,
			in->mode);
	if (fd < 0) {
		reply_err(r, errno);
		return;
	}
	own_new_entry(r, r->ino->fd, name);
	/* The O_PATH fd for the table comes from the open file itself, not from the name again. */
	char path[32];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int pfd = open(path, O_PATH | O_CLOEXEC);
	struct {
		struct fuse_entry_out entry;
		struct fuse_open_out open;
	} out = { 0 };
	if (pfd < 0 || (e = make_entry(pfd, &out.entry)) != 0) {
		e = pfd < 0 ? errno : e;
		close(fd);
		reply_err(r, e);
		return;
	}
	e = make_file(inode_get(out.entry.nodeid), fd, &out.open);
	if (e) {
		/* The kernel will not learn about this entry: give back the reference make_entry took. */
		inode_forget(out.entry.nodeid, 1);
		reply_err(r, e);
		return;
	}
	reply_buf(r, &out, sizeof out);
}

void op_read(struct fb_req *r)
{
	const struct fuse_read_in *in = req_arg(r, sizeof *in);
	if (!in) {
		reply_err(r, EINVAL);
		return;
	}
	struct fb_file *f = file_of(in->fh);
	if (g_session.cfg.backend == FB_BACKEND_NULL) {
		null_read(r, f, in);
		return;
	}
	/* The data goes into this thread's buffer past the request (page aligned, room for max_pages). */
	char *data = r->w->buf + 4096;
	size_t room = r->w->bufsize - 4096;
	size_t want = in->size < room ? in->size : room;
	uint64_t off = in->offset;
	ssize_t n = pread(f->fd, data, want, (off_t)off);
	if (n < 0) {
		reply_err(r, errno);
		return;
	}
	r->bytes = (uint64_t)n;
	corrupt_read_reply(r->in->nodeid, off, data, (size_t)n);
	reply_buf(r, data, (size_t)n);
}

void op_write(struct fb_req *r)
{
	const struct fuse_write_in *in = req_arg(r, sizeof *in);
	if (!in || r->arglen - sizeof *in < in->size) {
		reply_err(r, EINVAL);
		return;
	}
	struct fb_file *f = file_of(in->fh);
	const char *data = r->arg + sizeof *in;
	if (g_session.cfg.backend == FB_BACKEND_NULL) {
		null_write(r, f, in, data);
		return;
	}
	size_t done = 0;
	while (done < in->size) {
		ssize_t n = pwrite(f->fd, data + done, in->size - done, (off_t)(in->offset + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (done == 0) {
				reply_err(r, errno);
				return;
			}
			break;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	r->bytes = done;
	struct fuse_write_out out = { .size = (uint32_t)done, .padding = 0 };
	reply_buf(r, &out, sizeof out);
}

void op_flush(struct fb_req *r)
{
	reply_err(r, 0);
}

void op_release(struct fb_req *r)
{
	const struct fuse_release_in *in = req_arg(r, sizeof *in);
	if (in && in->fh)
		free_file(file_of(in->fh));
	reply_err(r, 0);
}

void op_fsync(struct fb_req *r)
{
	const struct fuse_fsync_in *in = req_arg(r, sizeof *in);
	if (!in || !in->fh) {
		reply_err(r, EINVAL);
		return;
	}
	int fd = file_of(in->fh)->fd;
	int rc = (in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(fd) : fsync(fd);
	reply_err(r, rc < 0 ? errno : 0);
}

void op_fallocate(struct fb_req *r)
{
	const struct fuse_fallocate_in *in = req_arg(r, sizeof *in);
	if (!in || !in->fh) {
		reply_err(r, EINVAL);
		return;
	}
	int rc = fallocate(file_of(in->fh)->fd, (int)in->mode, (off_t)in->offset, (off_t)in->length);
	reply_err(r, rc < 0 ? errno : 0);
}

void op_lseek(struct fb_req *r)
{
	const struct fuse_lseek_in *in = req_arg(r, sizeof *in);
	if (!in || !in->fh) {
		reply_err(r, EINVAL);
		return;
	}
	off_t o = lseek(file_of(in->fh)->fd, (off_t)in->offset, (int)in->whence);
	if (o < 0) {
		reply_err(r, errno);
		return;
	}
	struct fuse_lseek_out out = { .offset = (uint64_t)o };
	reply_buf(r, &out, sizeof out);
}

/* COPY_FILE_RANGE(_64) is answered here, on the backing fds, never with ENOSYS. ENOSYS sends the
 * kernel to its splice fallback (vfs_copy_file_range -> splice_file_range -> fuse_splice_read), and
 * for an FOPEN_DIRECT_IO file that reads through the FUSE inode's page cache (filemap_splice_read),
 * which nothing keeps current once a passthrough mmap has written the backing file: the copy then
 * carries stale data (probe splice-read-stale). The _64 variant replies with a 64-bit count. */
void op_copy_file_range(struct fb_req *r)
{
	const struct fuse_copy_file_range_in *in = req_arg(r, sizeof *in);
	if (!in || !in->fh_in || !in->fh_out) {
		reply_err(r, EINVAL);
		return;
	}
	struct fb_file *src = file_of(in->fh_in), *dst = file_of(in->fh_out);
	uint64_t done = 0;
	if (g_session.cfg.backend == FB_BACKEND_NULL) {
		/* No data is stored: only the size a copy would give, as null_write does. */
		int e = null_extend(dst, in->off_out + in->len);
		if (e) {
			reply_err(r, e);
			return;
		}
		done = in->len;
	} else {
		loff_t off_in = (loff_t)in->off_in, off_out = (loff_t)in->off_out;
		while (done < in->len) {
			ssize_t n = copy_file_range(src->fd, &off_in, dst->fd, &off_out, in->len - done,
						    (unsigned int)in->flags);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (done == 0) {
					reply_err(r, errno);
					return;
				}
				break;
			}
			if (n == 0) /* end of the source file */
				break;
			done += (uint64_t)n;
		}
	}
	r->bytes = done;
	if (r->in->opcode == FUSE_COPY_FILE_RANGE_64) {
		struct fuse_copy_file_range_out out = { .bytes_copied = done };
		reply_buf(r, &out, sizeof out);
	} else {
		/* The 32-bit reply: the kernel never asks for more than fits (it caps len below 4 GiB). */
		struct fuse_write_out out = { .size = (uint32_t)done, .padding = 0 };
		reply_buf(r, &out, sizeof out);
	}
}
