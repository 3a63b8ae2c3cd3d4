/* Process-wide state fixed at start-up: configuration, mount, INIT outcome. Written by the main thread
 * before the workers start, read-only afterwards. */
#ifndef FB_SESSION_H
#define FB_SESSION_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"

struct fb_init_info {
	uint32_t kernel_major, kernel_minor; /* what the kernel sent */
	uint32_t minor; /* what we replied */
	uint64_t offered, requested, negotiated; /* 64-bit INIT flags (flags2 is the high word) */
	uint32_t max_write, max_pages, max_stack_depth, max_readahead, time_gran;
	uint16_t max_background, congestion_threshold;
};

struct fb_session {
	struct fb_config cfg;
	char backing[PATH_MAX];
	char mountpoint[PATH_MAX];
	int dev_fd; /* the /dev/fuse fd the mount was made with */
	bool via_fusermount; /* not root: mounted (and unmounted) by fusermount3 */
	unsigned connection; /* /sys/fs/fuse/connections/<N>; 0 if unknown */
	struct fb_init_info init;
	bool passthrough_usable;
	char passthrough_reason[256];
	size_t bufsize; /* per-thread request buffer */
	uint64_t start_ns;
};

extern struct fb_session g_session;

#endif
