#include "init.h"

#include "args.h"
#include "fuse_abi.h"
#include "log.h"
#include "session.h"
#include "uring.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Without FUSE_MAX_PAGES the kernel uses this many pages per request. */
#define KERNEL_DEFAULT_MAX_PAGES 32

static unsigned max_pages_limit(void)
{
	unsigned limit = 256; /* the kernel's default when the sysctl (6.13+) is missing */
	FILE *f = fopen("/proc/sys/fs/fuse/max_pages_limit", "r");
	if (f) {
		if (fscanf(f, "%u", &limit) != 1 || limit == 0)
			limit = 256;
		fclose(f);
	}
	return limit > 65535 ? 65535 : limit;
}

unsigned init_max_pages_for(unsigned max_write)
{
	unsigned pages = max_write / 4096;
	unsigned limit = max_pages_limit();
	if (pages > limit)
		pages = limit;
	return pages ? pages : 1;
}

/* What we ask for: the base set plus --init options, and OVER_IO_URING with --transport uring. Never
 * SPLICE_*, locks or READDIRPLUS: each would change what the benchmark measures or need support this
 * server does not have. */
static uint64_t wanted(unsigned opts)
{
	uint64_t w = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_BIG_WRITES | FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES |
		     FUSE_INIT_EXT;
	if (!(opts & FB_INIT_NO_PASSTHROUGH))
		w |= FUSE_PASSTHROUGH;
	if (opts & FB_INIT_ASYNC_DIO)
		w |= FUSE_ASYNC_DIO;
	if (opts & FB_INIT_ALLOW_MMAP)
		w |= FUSE_DIRECT_IO_ALLOW_MMAP;
	if (opts & FB_INIT_WRITEBACK)
		w |= FUSE_WRITEBACK_CACHE;
	if (uring_wanted())
		w |= FUSE_OVER_IO_URING;
	return w;
}

int init_handshake(char *buf, size_t bufsize, char *err, size_t errlen)
{
	int fd = g_session.dev_fd;
	ssize_t n;
	const struct fuse_in_header *hdr = (const void *)buf;
	for (;;) {
		n = read(fd, buf, bufsize);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < 0) {
			snprintf(err, errlen, "reading INIT from /dev/fuse: %s", strerror(errno));
			return -1;
		}
		if ((size_t)n >= sizeof *hdr && hdr->opcode == FUSE_INIT)
			break;
		fb_log("request %u before INIT: ignored", (size_t)n >= sizeof *hdr ? hdr->opcode : 0);
	}
	struct fuse_init_in in = { 0 };
	size_t inlen = (size_t)n - sizeof *hdr;
	memcpy(&in, buf + sizeof *hdr, inlen < sizeof in ? inlen : sizeof in);

	struct fb_init_info *info = &g_session.init;
	const struct fb_config *cfg = &g_session.cfg;
	info->kernel_major = in.major;
	info->kernel_minor = in.minor;
	if (in.major != FUSE_KERNEL_VERSION) {
		snprintf(err, errlen, "kernel speaks FUSE protocol %u.%u, this server only %d.x", in.major, in.minor,
			 FUSE_KERNEL_VERSION);
		struct fuse_out_header out = { .len = sizeof out, .error = -EPROTO, .unique = hdr->unique };
		(void)!write(fd, &out, sizeof out);
		return -1;
	}
	info->minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor : FUSE_KERNEL_MINOR_VERSION;
	info->offered = in.flags;
	if ((in.flags & FUSE_INIT_EXT) && inlen >= offsetof(struct fuse_init_in, flags2) + sizeof in.flags2)
		info->offered |= (uint64_t)in.flags2 << 32;
	info->requested = wanted(cfg->init_opts);
	info->negotiated = info->requested & info->offered;
	info->max_write = cfg->max_write;
	info->max_pages = (info->negotiated & FUSE_MAX_PAGES) ? init_max_pages_for(cfg->max_write) : KERNEL_DEFAULT_MAX_PAGES;
	info->max_stack_depth = cfg->stack_depth;
	info->max_readahead = in.max_readahead;
	info->time_gran = 1;
	/* Above the kernel's default of 12 so that async reads and async DIO (many requests per file)
	 * are not throttled before they reach us (64 unless --max-background says otherwise). */
	info->max_background = cfg->max_background;
	info->congestion_threshold = (uint16_t)(cfg->max_background - cfg->max_background / 4);

	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = info->minor,
		.max_readahead = info->max_readahead,
		.flags = (uint32_t)info->negotiated,
		.max_background = info->max_background,
		.congestion_threshold = info->congestion_threshold,
		.max_write = info->max_write,
		.time_gran = info->time_gran,
		.max_pages = (uint16_t)info->max_pages,
		.map_alignment = 0,
		.flags2 = (uint32_t)(info->negotiated >> 32),
		.max_stack_depth = info->max_stack_depth,
		.request_timeout = 0,
	};
	/* Kernels before 7.23 expect the short reply. */
	size_t outlen = info->minor >= 23 ? sizeof out : 24;
	struct fuse_out_header oh = { .len = (uint32_t)(sizeof oh + outlen), .error = 0, .unique = hdr->unique };
	struct iovec iov[2] = { { &oh, sizeof oh }, { &out, outlen } };
	if (writev(fd, iov, 2) < 0) {
		snprintf(err, errlen, "replying to INIT: %s", strerror(errno));
		return -1;
	}
	return 0;
}
