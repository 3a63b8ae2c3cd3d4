#include "inode.h"

#include "log.h"
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fb_inode **buckets;
static size_t nbuckets;
static unsigned long count;
static struct fb_inode *root;
static _Atomic uint64_t next_generation = 1;

static size_t hash(dev_t dev, ino_t ino, size_t n)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ (h >> 29)) & (n - 1);
}

/* Caller holds table_lock. Doubling keeps chains short for trees of any size (tar x of big archives). */
static void grow(void)
{
	size_t n = nbuckets * 2;
	struct fb_inode **nb = calloc(n, sizeof *nb);
	if (!nb)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < nbuckets; i++) {
		struct fb_inode *e = buckets[i];
		while (e) {
			struct fb_inode *next = e->hnext;
			size_t h = hash(e->dev, e->ino, n);
			e->hnext = nb[h];
			nb[h] = e;
			e = next;
		}
	}
	free(buckets);
	buckets = nb;
	nbuckets = n;
}

static struct fb_inode *new_inode(int fd, const struct stat *st)
{
	struct fb_inode *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->fd = fd;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->type = st->st_mode & S_IFMT;
	e->generation = atomic_fetch_add(&next_generation, 1);
	pthread_mutex_init(&e->lock, NULL);
	return e;
}

static void free_inode(struct fb_inode *e)
{
	stats_inode_retire(e);
	close(e->fd);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int inode_table_init(const char *backing)
{
	int fd = open(backing, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	nbuckets = 4096;
	buckets = calloc(nbuckets, sizeof *buckets);
	root = new_inode(fd, &st);
	if (!buckets || !root) {
		close(fd);
		return -ENOMEM;
	}
	root->nlookup = 1; /* never forgotten */
	buckets[hash(st.st_dev, st.st_ino, nbuckets)] = root;
	count = 1;
	return 0;
}

void inode_table_destroy(void)
{
	pthread_mutex_lock(&table_lock);
	for (size_t i = 0; i < nbuckets; i++) {
		struct fb_inode *e = buckets[i];
		while (e) {
			struct fb_inode *next = e->hnext;
			free_inode(e);
			e = next;
		}
	}
	free(buckets);
	buckets = NULL;
	nbuckets = 0;
	count = 0;
	root = NULL;
	pthread_mutex_unlock(&table_lock);
}

struct fb_inode *inode_root(void)
{
	return root;
}

struct fb_inode *inode_get(uint64_t nodeid)
{
	if (nodeid == 0)
		return NULL;
	if (nodeid == 1)
		return root;
	return (struct fb_inode *)(uintptr_t)nodeid;
}

uint64_t inode_nodeid(const struct fb_inode *ino)
{
	return ino == root ? 1 : (uint64_t)(uintptr_t)ino;
}

struct fb_inode *inode_ref_fd(int fd, const struct stat *st)
{
	pthread_mutex_lock(&table_lock);
	size_t h = hash(st->st_dev, st->st_ino, nbuckets);
	for (struct fb_inode *e = buckets[h]; e; e = e->hnext) {
		if (e->dev == st->st_dev && e->ino == st->st_ino) {
			e->nlookup++;
			pthread_mutex_unlock(&table_lock);
			close(fd);
			return e;
		}
	}
	struct fb_inode *e = new_inode(fd, st);
	if (!e) {
		pthread_mutex_unlock(&table_lock);
		close(fd);
		return NULL;
	}
	e->nlookup = 1;
	e->hnext = buckets[h];
	buckets[h] = e;
	if (++count > nbuckets * 2)
		grow();
	pthread_mutex_unlock(&table_lock);
	return e;
}

void inode_forget(uint64_t nodeid, uint64_t n)
{
	struct fb_inode *e = inode_get(nodeid);
	if (!e || e == root)
		return;
	pthread_mutex_lock(&table_lock);
	if (n > e->nlookup) {
		fb_log("FORGET of %llu lookups on nodeid %#llx that has only %llu", (unsigned long long)n,
		       (unsigned long long)nodeid, (unsigned long long)e->nlookup);
		n = e->nlookup;
	}
	e->nlookup -= n;
	bool gone = e->nlookup == 0;
	if (gone) {
		struct fb_inode **pp = &buckets[hash(e->dev, e->ino, nbuckets)];
		while (*pp && *pp != e)
			pp = &(*pp)->hnext;
		if (*pp)
			*pp = e->hnext;
		count--;
	}
	pthread_mutex_unlock(&table_lock);
	if (gone)
		free_inode(e);
}

unsigned long inode_count(void)
{
	pthread_mutex_lock(&table_lock);
	unsigned long n = count;
	pthread_mutex_unlock(&table_lock);
	return n;
}

void inode_proc_path(const struct fb_inode *ino, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", ino->fd);
}
