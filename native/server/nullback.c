/* The null backend: data never touches the backing file (READ returns zeros, WRITE drops the data),
 * which isolates the cost of the FUSE path itself. Sizes stay truthful: reads stop at the backing
 * file's size and extending writes grow it with ftruncate. */
#include "ops.h"

#include "inode.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char *zeros;
static size_t zeros_len;

int null_init(size_t max_read)
{
	zeros = calloc(1, max_read);
	zeros_len = max_read;
	return zeros ? 0 : -ENOMEM;
}

void null_free(void)
{
	free(zeros);
	zeros = NULL;
}

void null_read(struct fb_req *r, struct fb_file *f, const struct fuse_read_in *in)
{
	struct stat st;
	if (fstat(f->fd, &st) < 0) {
		reply_err(r, errno);
		return;
	}
	uint64_t size = (uint64_t)st.st_size, n = 0;
	if (in->offset < size)
		n = size - in->offset < in->size ? size - in->offset : in->size;
	if (n > zeros_len)
		n = zeros_len;
	r->bytes = n;
	reply_buf(r, zeros, (size_t)n);
}

int null_extend(struct fb_file *f, uint64_t end)
{
	struct stat st;
	if (fstat(f->fd, &st) < 0)
		return errno;
	if ((uint64_t)st.st_size >= end)
		return 0;
	/* Re-checked under the inode lock: two extending writes must not shrink each other's size. */
	pthread_mutex_lock(&f->inode->lock);
	int rc = fstat(f->fd, &st);
	if (rc == 0 && (uint64_t)st.st_size < end)
		rc = ftruncate(f->fd, (off_t)end);
	int e = rc < 0 ? errno : 0;
	pthread_mutex_unlock(&f->inode->lock);
	return e;
}

void null_write(struct fb_req *r, struct fb_file *f, const struct fuse_write_in *in, const char *data)
{
	(void)data;
	int e = null_extend(f, in->offset + in->size);
	if (e) {
		reply_err(r, e);
		return;
	}
	r->bytes = in->size;
	struct fuse_write_out out = { .size = in->size, .padding = 0 };
	reply_buf(r, &out, sizeof out);
}
