/* Request handlers, one per opcode, grouped by file: ops_entry.c (names), ops_attr.c (attributes,
 * links, statfs, xattrs), ops_file.c (open/read/write/...), ops_dir.c (directories), ops_misc.c. */
#ifndef FB_OPS_H
#define FB_OPS_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fuse_abi.h"
#include "request.h"

struct fb_inode;

/* What an OPEN/CREATE fh points to. */
struct fb_file {
	int fd;
	struct fb_inode *inode;
	int backing_id; /* > 0 when replied with FOPEN_PASSTHROUGH */
	bool backing_per_open;
};

/* What an OPENDIR fh points to. */
struct fb_dir {
	int fd;
	pthread_mutex_t lock;
	off_t pos; /* offset of the next entry to return */
	char *buf; /* getdents64 entries read but not yet returned */
	size_t len, off;
};

typedef void (*fb_handler)(struct fb_req *r);
/* Handler for an opcode; a handler answering ENOSYS for anything not listed. */
fb_handler ops_handler(uint32_t opcode);
/* Whether the opcode gets a reply at all. */
bool ops_has_reply(uint32_t opcode);

/* Attribute/entry timeouts from the command line. */
void ops_set_timeouts(double attr_s, double entry_s);

/* ---- shared by the op files ---- */
void fill_attr(struct fuse_attr *a, const struct stat *st);
void fill_attr_out(struct fuse_attr_out *out, const struct stat *st);
/* Turns an O_PATH fd of a new or found entry into an entry reply (takes a lookup reference). Consumes
 * fd. Returns 0 or an errno. */
int make_entry(int fd, struct fuse_entry_out *out);
/* Gives a freshly created entry the requester's ownership when we run as root for someone else. */
void own_new_entry(const struct fb_req *r, int dirfd, const char *name);

void op_lookup(struct fb_req *r);
void op_forget(struct fb_req *r);
void op_batch_forget(struct fb_req *r);
void op_mknod(struct fb_req *r);
void op_mkdir(struct fb_req *r);
void op_symlink(struct fb_req *r);
void op_link(struct fb_req *r);
void op_unlink(struct fb_req *r);
void op_rmdir(struct fb_req *r);
void op_rename(struct fb_req *r);
void op_rename2(struct fb_req *r);

void op_getattr(struct fb_req *r);
void op_setattr(struct fb_req *r);
void op_readlink(struct fb_req *r);
void op_statfs(struct fb_req *r);
void op_getxattr(struct fb_req *r);
void op_listxattr(struct fb_req *r);

void op_open(struct fb_req *r);
void op_create(struct fb_req *r);
void op_read(struct fb_req *r);
void op_write(struct fb_req *r);
void op_flush(struct fb_req *r);
void op_release(struct fb_req *r);
void op_fsync(struct fb_req *r);
void op_fallocate(struct fb_req *r);
void op_lseek(struct fb_req *r);
void op_copy_file_range(struct fb_req *r);

void op_opendir(struct fb_req *r);
void op_readdir(struct fb_req *r);
void op_releasedir(struct fb_req *r);
void op_fsyncdir(struct fb_req *r);

void op_interrupt(struct fb_req *r);
void op_destroy(struct fb_req *r);
void op_enosys(struct fb_req *r);

/* null backend (nullback.c) */
void null_read(struct fb_req *r, struct fb_file *f, const struct fuse_read_in *in);
void null_write(struct fb_req *r, struct fb_file *f, const struct fuse_write_in *in, const char *data);
/* Grows the backing file to at least end bytes (data is never stored). Returns 0 or an errno. */
int null_extend(struct fb_file *f, uint64_t end);
/* Allocates the shared zero page run READs of the null backend reply with. */
int null_init(size_t max_read);
void null_free(void);

#endif
