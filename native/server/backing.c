#include "backing.h"

#include "fuse_abi.h"
#include "inode.h"
#include "log.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static _Atomic uint64_t n_opens, n_closes, n_open_errors;
static _Atomic int64_t n_live;

static int ioctl_open(int fd)
{
	struct fuse_backing_map map = { .fd = fd, .flags = 0, .padding = 0 };
	int id = ioctl(g_session.dev_fd, FUSE_DEV_IOC_BACKING_OPEN, &map);
	return id < 0 ? -errno : id;
}

static int ioctl_close(int id)
{
	uint32_t v = (uint32_t)id;
	return ioctl(g_session.dev_fd, FUSE_DEV_IOC_BACKING_CLOSE, &v) < 0 ? -errno : 0;
}

static int counted_open(int fd)
{
	int id = ioctl_open(fd);
	if (id > 0) {
		atomic_fetch_add(&n_opens, 1);
		atomic_fetch_add(&n_live, 1);
	} else {
		atomic_fetch_add(&n_open_errors, 1);
		if (id == 0) /* the kernel never returns 0; treat it as the failure it would be */
			id = -EIO;
		fb_debug("BACKING_OPEN failed: %s", strerror(-id));
	}
	return id;
}

static void counted_close(int id)
{
	int rc = ioctl_close(id);
	atomic_fetch_add(&n_closes, 1);
	atomic_fetch_sub(&n_live, 1);
	if (rc < 0)
		fb_log("BACKING_CLOSE of id %d failed: %s", id, strerror(-rc));
}

int backing_acquire(struct fb_inode *ino, int fd, bool per_open)
{
	if (per_open)
		return counted_open(fd);
	/* The ioctl runs under the inode lock so two first opens cannot attach two different ids (the
	 * kernel would refuse the second open). It does no I/O. */
	pthread_mutex_lock(&ino->lock);
	int id = ino->backing_id;
	if (id == 0) {
		id = counted_open(fd);
		if (id > 0)
			ino->backing_id = id;
	}
	if (id > 0)
		ino->backing_users++;
	pthread_mutex_unlock(&ino->lock);
	return id;
}

void backing_release(struct fb_inode *ino, int id, bool per_open)
{
	if (per_open) {
		counted_close(id);
		return;
	}
	int close_id = 0;
	pthread_mutex_lock(&ino->lock);
	if (ino->backing_id == id && ino->backing_users > 0 && --ino->backing_users == 0) {
		close_id = id;
		ino->backing_id = 0;
	}
	pthread_mutex_unlock(&ino->lock);
	if (close_id)
		counted_close(close_id);
}

static const char *hint(int err)
{
	const struct fb_init_info *in = &g_session.init;
	static char buf[128];
	if (err == ENOTTY || err == EINVAL)
		return "kernel has no FUSE_DEV_IOC_BACKING_OPEN (added in 6.9) or rejected the request";
	if (!(in->offered & FUSE_PASSTHROUGH))
		return "kernel does not offer FUSE_PASSTHROUGH at INIT";
	if (!(in->negotiated & FUSE_PASSTHROUGH))
		return "passthrough not requested (--init no-passthrough)";
	if (in->negotiated & FUSE_WRITEBACK_CACHE)
		return "passthrough not negotiated: WRITEBACK_CACHE set";
	if (in->max_stack_depth == 0 || in->max_stack_depth > 2) {
		snprintf(buf, sizeof buf, "passthrough not negotiated: max_stack_depth %u (must be 1 or 2)",
			 in->max_stack_depth);
		return buf;
	}
	if (err == EPERM && geteuid() != 0)
		return "BACKING_OPEN needs CAP_SYS_ADMIN; not root (mounted with fusermount3)";
	if (err == ELOOP)
		return "backing filesystem is stacked deeper than max_stack_depth allows";
	return NULL;
}

void backing_probe(void)
{
	int fd = open(g_session.backing, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("fusebench-probe", MFD_CLOEXEC);
	if (fd < 0) {
		g_session.passthrough_usable = false;
		snprintf(g_session.passthrough_reason, sizeof g_session.passthrough_reason,
			 "cannot create a probe file: %s", strerror(errno));
		return;
	}
	int id = ioctl_open(fd);
	close(fd);
	if (id > 0) {
		int rc = ioctl_close(id);
		if (rc < 0)
			fb_log("probe BACKING_CLOSE failed: %s", strerror(-rc));
		g_session.passthrough_usable = true;
		g_session.passthrough_reason[0] = '\0';
		return;
	}
	int err = id < 0 ? -id : EIO;
	const char *h = hint(err);
	g_session.passthrough_usable = false;
	snprintf(g_session.passthrough_reason, sizeof g_session.passthrough_reason, "BACKING_OPEN: %s%s%s%s",
		 strerror(err), h ? " (" : "", h ? h : "", h ? ")" : "");
}

void backing_stats_json(struct fb_sb *sb)
{
	sb_printf(sb, "\"backing\":{\"opens\":%llu,\"closes\":%llu,\"openErrors\":%llu,\"live\":%lld}",
		  (unsigned long long)atomic_load(&n_opens), (unsigned long long)atomic_load(&n_closes),
		  (unsigned long long)atomic_load(&n_open_errors), (long long)atomic_load(&n_live));
}

void backing_stats_reset(void)
{
	/* "live" is a state, not a counter: it survives a reset. */
	atomic_store(&n_opens, 0);
	atomic_store(&n_closes, 0);
	atomic_store(&n_open_errors, 0);
}
