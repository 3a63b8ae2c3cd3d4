/* The inode table: nodeid <-> backing inode. A nodeid is the address of its fb_inode (root: 1), so
 * requests resolve without a lookup; (st_dev, st_ino) identifies the backing inode, so hard links share
 * one nodeid. Each entry holds an O_PATH|O_NOFOLLOW fd: every name operation is relative to it. */
#ifndef FB_INODE_H
#define FB_INODE_H

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct fb_gauge;

struct fb_inode {
	int fd; /* O_PATH | O_NOFOLLOW */
	dev_t dev;
	ino_t ino;
	mode_t type; /* S_IFMT bits */
	uint64_t generation;
	uint64_t nlookup; /* under the table lock */
	struct fb_inode *hnext; /* hash chain, under the table lock */

	/* Per-inode lock: the in-flight gauges below and the passthrough backing id. Never held across I/O. */
	pthread_mutex_t lock;
	struct fb_gauge *gauges; /* one per opcode seen on this inode */
	int backing_id; /* shared backing id for passthrough opens, 0 if none */
	unsigned backing_users; /* opens using backing_id */
};

/* Opens the backing directory as the root inode (nodeid 1). Returns 0 or -errno. */
int inode_table_init(const char *backing);
/* Frees every entry (at exit, after the workers are gone). */
void inode_table_destroy(void);

struct fb_inode *inode_root(void);
/* The inode for a nodeid the kernel sent; NULL for 0. */
struct fb_inode *inode_get(uint64_t nodeid);
uint64_t inode_nodeid(const struct fb_inode *ino);

/* Finds or adds the inode for an O_PATH fd (consumed either way) whose stat is *st, and takes one
 * lookup reference. Returns NULL on ENOMEM (fd closed). */
struct fb_inode *inode_ref_fd(int fd, const struct stat *st);
/* Drops n lookup references (FORGET); the entry goes at 0. */
void inode_forget(uint64_t nodeid, uint64_t n);

/* Number of live entries (for stats). */
unsigned long inode_count(void);

/* "/proc/self/fd/<fd>": re-opens exactly this inode with new flags, without a path that could escape. */
void inode_proc_path(const struct fb_inode *ino, char buf[32]);

#endif
