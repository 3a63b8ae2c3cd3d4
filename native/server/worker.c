#include "worker.h"

#include "clock.h"
#include "delay.h"
#include "fuse_abi.h"
#include "log.h"
#include "request.h"
#include "serve.h"
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

/* The pool starts small and grows on demand, up to --threads: when a request arrives and every thread
 * started so far holds one, another thread starts. The kernel wakes idle readers in FIFO order, so a
 * pool larger than the load only spreads requests over cache-cold threads; growing on demand keeps it
 * as large as the concurrency actually seen (delayed requests each hold a thread).
 *
 * Busy means holding a request (stats_thread_busy .. stats_thread_done), not "not in read()": a thread
 * that has replied and not yet re-entered read() is free, only waiting for a CPU. Counting it as taken
 * would start threads (and report a full pool) whenever the CPUs are short, which on a loaded machine
 * is most of the time. Once the pool cannot grow (the ceiling, or a thread that could not start), a
 * request that finds every thread busy is counted (stats_pool_full): any further request then waits in
 * the kernel for a thread, so the server, not the kernel, may be the limit. */
static _Atomic unsigned n_started; /* written under done_lock, read on the request path */
static _Atomic bool capped; /* the pool cannot grow any more */
static bool spawn_failed; /* under done_lock */
static bool clone_ok = true; /* under done_lock */

static void *worker_main(void *arg);

/* Caller holds done_lock. */
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
	int rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0)
		return -rc;
	w->running = true;
	n_started++;
	return 0;
}

/* Called by a request that found every started thread busy. Returns whether the pool is full: no
 * thread is free and none could be added. */
static bool grow(void)
{
	if (atomic_load_explicit(&capped, memory_order_relaxed))
		return true;
	bool full = false;
	pthread_mutex_lock(&done_lock);
	/* Another request may have added one meanwhile: one busy moment starts one thread, not several. */
	if (stats_threads_busy_now() >= n_started && atomic_load(&stop_reason) == FB_STOP_NONE) {
		if (n_started < n_workers && !spawn_failed) {
			int rc = start_one();
			if (rc < 0) {
				spawn_failed = true;
				fb_log("cannot start worker %u (staying at %u): %s", (unsigned)n_started, (unsigned)n_started,
				       strerror(-rc));
			}
		}
		if (n_started >= n_workers || spawn_failed) {
			atomic_store(&capped, true);
			full = stats_threads_busy_now() >= n_started;
		}
	}
	pthread_mutex_unlock(&done_lock);
	return full;
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
		if (stats_thread_busy() >= atomic_load_explicit(&n_started, memory_order_relaxed) && grow())
			stats_pool_full();
		serve(w, (size_t)n, t0);
		stats_thread_done();
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
	if (n_started >= n)
		atomic_store(&capped, true);
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
	struct timespec ts = fb_deadline_ms(timeout_ms);
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
