#include "worker.h"

#include "clock.h"
#include "delay.h"
#include "fuse_abi.h"
#include "fuse_names.h"
#include "inode.h"
#include "log.h"
#include "ops.h"
#include "request.h"
#include "session.h"
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static struct fb_worker *workers;
static struct fb_waiter **waiters;
static unsigned n_workers;
static int stop_efd = -1;
static _Atomic int stop_reason = FB_STOP_NONE;

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond;
static unsigned n_done;
static bool *joined;

static void signal_stop(enum fb_stop why)
{
	int expected = FB_STOP_NONE;
	atomic_compare_exchange_strong(&stop_reason, &expected, (int)why);
	uint64_t one = 1;
	if (write(stop_efd, &one, sizeof one) < 0)
		fb_log("cannot wake the main thread: %s", strerror(errno));
}

static void serve(struct fb_worker *w, size_t n, uint64_t t0)
{
	const struct fuse_in_header *in = (const void *)w->buf;
	size_t ext = (size_t)in->total_extlen * 8;
	if (n < sizeof *in || in->len != n || n - sizeof *in < ext) {
		fb_log("malformed request (%zu bytes read, header says %u): ignored", n, n >= sizeof *in ? in->len : 0);
		return;
	}
	uint32_t op = in->opcode;
	bool has_reply = ops_has_reply(op);
	struct fb_req r = {
		.w = w,
		.in = in,
		.arg = w->buf + sizeof *in,
		.arglen = n - sizeof *in - ext,
		.ino = inode_get(in->nodeid),
		.slot = fb_opslot(op),
		.t0 = t0,
	};
	/* FORGETs may free the very inode they name: no gauge for requests without a reply. */
	r.gauge = stats_begin(has_reply ? r.ino : NULL, r.slot, t0);
	if (fb_verbose) {
		const char *name = fuse_opcode_name(op);
		fb_debug("%s unique=%llu nodeid=%#llx len=%u", name ? name : "?", (unsigned long long)in->unique,
			 (unsigned long long)in->nodeid, in->len);
	}
	uint64_t d = has_reply ? delay_for(op) : 0;
	if (d && delay_wait(&w->waiter, in->unique, d)) {
		reply_err(&r, EINTR);
		return;
	}
	ops_handler(op)(&r);
	if (!r.replied) {
		fb_log("BUG: %u handled without a reply", op);
		if (has_reply)
			reply_err(&r, EIO);
		else
			reply_none(&r);
	}
}

static void *worker_main(void *arg)
{
	struct fb_worker *w = arg;
	enum fb_stop why = FB_STOP_NONE;
	for (;;) {
		ssize_t n = read(w->fd, w->buf, w->bufsize);
		uint64_t t0 = fb_now_ns();
		if (n < 0) {
			/* ENOENT: the request was interrupted before we got it. EINTR/EAGAIN: retry. */
			if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
				continue;
			if (errno == ENODEV) {
				why = FB_STOP_UNMOUNTED;
			} else {
				fb_log("worker %u: read /dev/fuse: %s", w->index, strerror(errno));
				why = FB_STOP_ERROR;
			}
			break;
		}
		serve(w, (size_t)n, t0);
	}
	pthread_mutex_lock(&done_lock);
	n_done++;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&done_lock);
	signal_stop(why);
	return NULL;
}

int workers_start(unsigned n, int stop_fd)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&done_cond, &ca);
	pthread_condattr_destroy(&ca);
	stop_efd = stop_fd;
	workers = calloc(n, sizeof *workers);
	waiters = calloc(n, sizeof *waiters);
	joined = calloc(n, sizeof *joined);
	if (!workers || !waiters || !joined)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		struct fb_worker *w = &workers[i];
		w->index = i;
		w->fd = -1;
		delay_waiter_init(&w->waiter);
		waiters[i] = &w->waiter;
	}
	n_workers = n;
	delay_register_waiters(waiters, n);
	for (unsigned i = 0; i < n; i++) {
		struct fb_worker *w = &workers[i];
		w->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
		if (w->fd < 0)
			return -errno;
		uint32_t session_fd = (uint32_t)g_session.dev_fd;
		if (ioctl(w->fd, FUSE_DEV_IOC_CLONE, &session_fd) < 0)
			return -errno;
		w->bufsize = g_session.bufsize;
		if (posix_memalign((void **)&w->buf, 4096, w->bufsize) != 0)
			return -ENOMEM;
		int rc = pthread_create(&w->thread, NULL, worker_main, w);
		if (rc != 0)
			return -rc;
		w->running = true;
	}
	return 0;
}

enum fb_stop workers_stop_reason(void)
{
	return (enum fb_stop)atomic_load(&stop_reason);
}

bool workers_join(unsigned timeout_ms)
{
	unsigned started = 0;
	for (unsigned i = 0; i < n_workers; i++)
		started += workers[i].running;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&done_lock);
	while (n_done < started)
		if (pthread_cond_timedwait(&done_cond, &done_lock, &ts) == ETIMEDOUT)
			break;
	bool all = n_done >= started;
	pthread_mutex_unlock(&done_lock);
	if (!all)
		return false;
	for (unsigned i = 0; i < n_workers; i++)
		if (workers[i].running && !joined[i]) {
			pthread_join(workers[i].thread, NULL);
			joined[i] = true;
		}
	return true;
}

void workers_free(void)
{
	for (unsigned i = 0; i < n_workers; i++) {
		struct fb_worker *w = &workers[i];
		if (w->running && !joined[i])
			return; /* still blocked in the kernel: leave everything to process exit */
	}
	for (unsigned i = 0; i < n_workers; i++) {
		struct fb_worker *w = &workers[i];
		if (w->fd >= 0)
			close(w->fd);
		free(w->buf);
		delay_waiter_destroy(&w->waiter);
	}
	free(workers);
	free(waiters);
	free(joined);
	workers = NULL;
	waiters = NULL;
	joined = NULL;
	n_workers = 0;
	delay_register_waiters(NULL, 0);
}
