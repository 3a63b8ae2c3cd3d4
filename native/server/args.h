/* Command line of fusebench-server (the contract with bench/server/args.ts; README.md documents it). */
#ifndef FB_ARGS_H
#define FB_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "opslot.h"

enum fb_backend { FB_BACKEND_DISK, FB_BACKEND_NULL };
enum fb_getxattr { FB_GETXATTR_ENOSYS, FB_GETXATTR_ENODATA };
/* How requests reach the server: read()/writev() on /dev/fuse, or FUSE-over-io_uring (uring.c). */
enum fb_transport { FB_TRANSPORT_DEV, FB_TRANSPORT_URING };

/* INIT options (--init) */
#define FB_INIT_ALLOW_MMAP (1u << 0)
#define FB_INIT_ASYNC_DIO (1u << 1)
#define FB_INIT_WRITEBACK (1u << 2)
#define FB_INIT_NO_PASSTHROUGH (1u << 3)

struct fb_config {
	const char *backing; /* as given; resolved later */
	const char *mountpoint;
	int mode; /* -1 when --fopen is given */
	uint32_t fopen;
	unsigned init_opts; /* FB_INIT_* */
	uint64_t delays[FB_OPSLOTS];
	enum fb_backend backend;
	unsigned threads;
	unsigned threads_initial; /* started with the mount; capped at threads */
	uint32_t max_write;
	uint32_t stack_depth;
	uint16_t max_background; /* INIT reply; congestion_threshold is 3/4 of it */
	const char *control; /* NULL: no control socket */
	double attr_timeout, entry_timeout;
	enum fb_getxattr getxattr;
	bool die_with_parent;
	const char *fsname;
	uint64_t corrupt_read; /* --corrupt-read N (self-test): 0 = off */
	enum fb_transport transport;
	unsigned uring_depth; /* ring entries (each with its own thread) per queue of an online CPU */
};

/* Parses argv into cfg. Exits 2 with a message on bad usage, 0 after --help. */
void args_parse(int argc, char **argv, struct fb_config *cfg);

#endif
