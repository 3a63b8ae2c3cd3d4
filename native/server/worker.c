#include "worker.h"

#include "clock.h"
#include "delay.h"
#include "fuse_abi.h"
#include "log.h"
#include "request.h"
#include "serve.h"
#include "session.h"

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
	if (n < sizeof *in || in->len != n || n - sizeof *in < (size_t)in->total_extlen * 8) {
		fb_log("malformed request (%zu bytes read): ignored", n);
		return;
	}
	size_t ext = (size_t)in->total_extlen * 8;
	struct fb_req r = {
		.w = w,
		.in = in,
		.arg = w->buf + sizeof *in,
		.arglen = n - sizeof *in - ext,
		.t0 = t0,
	};
	serve_request(&r);
}

/* Threads blocked in (or about to enter) read(): when a request takes the last one, another starts,
 * up to --threads. The kernel wakes idle readers in FIFO order, so a pool larger than the load only
 * spreads requests over cache-cold threads; growing on demand keeps it as large as the concurrency
 * actually seen (delayed requests each hold a thread). */
static _Atomic int n_idle;
static unsigned n_started; /* under done_lock */
static bool spawn_failed; /* under done_lock */
static bool clone_ok = true; /* under done_lock */

static void *worker_main(void *arg);

/* Caller holds done_lock. Counts the new thread as idle before it runs, so one busy moment does not
 * start several. */
static int start_one(void)
{
	struct fb_worker *w = &workers[n_started];
	if (clone_ok) {
		w->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
		uint32_t session_fd = (uint32_t)g_session.dev_fd;
		if (w->fd >= 0 && ioctl(w->fd, FUSE_DEV_IOC_CLONE, &session_fd) < 0) {
			int e = errno;
			close(w->fd);
			w->fd = -1;
			errno = e;
		}
		if (w->fd < 0) {
			/* Not root with /dev/fuse mode 0600 (fusermount3 opened it for us), or no CLONE: every
			 * worker reads the session fd itself. Replies still go to the fd the request came from. */
			fb_log("cannot clone the /dev/fuse fd (%s): workers share the session fd", strerror(errno));
			clone_ok = false;
		}
	}
	if (!clone_ok) {
		w->fd = dup(g_session.dev_fd);
		if (w->fd < 0)
			return -errno;
		fcntl(w->fd, F_SETFD, FD_CLOEXEC);
	}
	w->bufsize = g_session.bufsize;
	if (!w->buf && posix_memalign((void **)&w->buf, 4096, w->bufsize) != 0) {
		w->buf = NULL;
		return -ENOMEM;
	}
	atomic_fetch_add(&n_idle, 1);
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0) {
		atomic_fetch_sub(&n_idle, 1);
		return -rc;
	}
	w->running = true;
	n_started++;
	return 0;
}

static void grow(void)
{
	pthread_mutex_lock(&done_lock);
	if (n_started < n_workers && !spawn_failed && atomic_load(&stop_reason) == FB_STOP_NONE) {
		int rc = start_one();
		if (rc < 0) {
			spawn_failed = true;
			fb_log("cannot start worker %u (staying at %u): %s", n_started, n_started, strerror(-rc));
		}
	}
	pthread_mutex_unlock(&done_lock);
}

static void *worker_main(void *arg)
{
	struct fb_worker *w = arg;
	enum fb_stop why = FB_STOP_NONE;
	for (bool first = true;; first = false) {
		if (!first)
			atomic_fetch_add(&n_idle, 1);
		ssize_t n = read(w->fd, w->buf, w->bufsize);
		uint64_t t0 = fb_now_ns();
		int idle = atomic_fetch_sub(&n_idle, 1) - 1;
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
		if (idle <= 0)
			grow();
		serve(w, (size_t)n, t0);
	}
	pthread_mutex_lock(&done_lock);
	n_done++;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&done_lock);
	signal_stop(why);
	return NULL;
}

int workers_start(unsigned n, unsigned initial, int stop_fd)
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
	int rc = 0;
	pthread_mutex_lock(&done_lock);
	while (rc == 0 && n_started < initial && n_started < n)
		rc = start_one();
	pthread_mutex_unlock(&done_lock);
	return rc;
}

unsigned workers_started(void)
{
	pthread_mutex_lock(&done_lock);
	unsigned n = n_started;
	pthread_mutex_unlock(&done_lock);
	return n;
}

enum fb_stop workers_stop_reason(void)
{
	return (enum fb_stop)atomic_load(&stop_reason);
}

bool workers_join(unsigned timeout_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&done_lock);
	while (n_done < n_started)
		if (pthread_cond_timedwait(&done_cond, &done_lock, &ts) == ETIMEDOUT)
			break;
	bool all = n_done >= n_started;
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

bool workers_cloned(void)
{
	pthread_mutex_lock(&done_lock);
	bool ok = clone_ok;
	pthread_mutex_unlock(&done_lock);
	return ok;
}
