/* fusebench-server: mount, negotiate INIT, start the workers, report readiness, then serve the control
 * socket and wait for a signal or the unmount; unmount and report the final stats. */
#include "args.h"
#include "backing.h"
#include "clock.h"
#include "control.h"
#include "delay.h"
#include "init.h"
#include "inode.h"
#include "log.h"
#include "mount.h"
#include "ops.h"
#include "policy.h"
#include "report.h"
#include "session.h"
#include "stats.h"
#include "uring.h"
#include "worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

struct fb_session g_session = { .dev_fd = -1 };

static void fail(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "fusebench-server: ");
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	exit(1);
}

static void resolve_dir(const char *what, const char *given, char out[PATH_MAX])
{
	struct stat st;
	if (!realpath(given, out) || stat(out, &st) < 0)
		fail("%s: %s (create it first)", given, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		fail("%s %s is not a directory", what, given);
}

/* Request buffer: the kernel refuses read() below max(8192, header + write_in + max_write); READ and
 * READDIR replies are built past the first page, so that part must hold max_pages pages. */
static size_t buffer_size(unsigned max_write)
{
	size_t data = max_write;
	size_t pages = (size_t)init_max_pages_for(max_write) * 4096;
	if (pages < 32 * 4096)
		pages = 32 * 4096; /* the kernel's default if MAX_PAGES is not negotiated */
	if (data < pages)
		data = pages;
	if (data < 8192)
		data = 8192;
	return 4096 + data + 4096;
}

/* Serves the control socket until a signal arrives or the workers stop. Returns the exit reason. */
static const char *main_loop(int sig_fd, int stop_fd)
{
	for (;;) {
		struct pollfd pfds[40];
		pfds[0] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		pfds[1] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
		int nc = control_pollfds(pfds + 2, 38);
		int rc = poll(pfds, (nfds_t)(2 + nc), -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			fb_log("poll: %s", strerror(errno));
			return "error";
		}
		if (pfds[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
				fb_log("signal %u: unmounting", si.ssi_signo);
			return "signal";
		}
		if (pfds[1].revents & POLLIN)
			return workers_stop_reason() == FB_STOP_UNMOUNTED ? "unmounted" : "error";
		control_handle(pfds + 2, nc);
	}
}

int main(int argc, char **argv)
{
	struct fb_session *s = &g_session;
	args_parse(argc, argv, &s->cfg);
	if (s->cfg.die_with_parent) {
		pid_t parent = getppid();
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent) /* the parent died before prctl took effect */
			exit(1);
	}
	/* The kernel already applied the caller's umask (no FUSE_DONT_MASK): ours must not mask again. */
	umask(0);
	resolve_dir("backing directory", s->cfg.backing, s->backing);
	resolve_dir("mount point", s->cfg.mountpoint, s->mountpoint);
	int rc = inode_table_init(s->backing);
	if (rc < 0)
		fail("cannot open the backing directory %s: %s", s->backing, strerror(-rc));
	ops_set_timeouts(s->cfg.attr_timeout, s->cfg.entry_timeout);
	struct fb_policy pol = { .mode = s->cfg.mode, .fopen = s->cfg.fopen, .backing_per_open = false,
				.reply_on_backing_error = false };
	policy_set(&pol);
	delay_set_all(s->cfg.delays);
	s->bufsize = buffer_size(s->cfg.max_write);
	if (s->cfg.backend == FB_BACKEND_NULL && null_init(s->bufsize) < 0)
		fail("out of memory%s%s", "", "");

	/* Signals are taken through a signalfd in the main thread; every thread inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	int stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sig_fd < 0 || stop_fd < 0)
		fail("signalfd/eventfd: %s%s", strerror(errno), "");

	char err[512];
	if (mount_fuse(err, sizeof err) < 0)
		fail("%s%s", err, "");
	s->start_ns = fb_now_ns();
	stats_init(s->start_ns);

	char *buf = malloc(s->bufsize);
	if (!buf || init_handshake(buf, s->bufsize, err, sizeof err) < 0) {
		unmount_fuse();
		fail("%s%s", buf ? err : "out of memory", "");
	}
	free(buf);
	s->connection = mount_connection();
	/* With OVER_IO_URING negotiated every request now waits for the ring: nothing may touch the mount
	 * before uring_start has registered it (mount_connection and backing_probe do not). */
	if (uring_start(err, sizeof err) < 0) {
		unmount_fuse();
		mount_abort_connection();
		fail("%s%s", err, "");
	}
	backing_probe();
	if (s->cfg.control && (rc = control_init(s->cfg.control)) < 0) {
		unmount_fuse();
		fail("control socket %s: %s", s->cfg.control, strerror(-rc));
	}
	/* A few readers to begin with (--threads-initial); the pool grows with the concurrency the kernel
	 * sends (worker.c). */
	rc = workers_start(s->cfg.threads, s->cfg.threads_initial < s->cfg.threads ? s->cfg.threads_initial : s->cfg.threads,
			   stop_fd);
	if (rc < 0) {
		fb_log("starting workers: %s", strerror(-rc));
		unmount_fuse();
		workers_join(2000);
		control_close();
		exit(1);
	}
	report_ready_line();

	const char *reason = main_loop(sig_fd, stop_fd);
	/* Held requests are answered now: an unmount must not wait out a long injected delay. */
	delay_shutdown();
	bool detached = strcmp(reason, "unmounted") != 0 && unmount_fuse();
	/* Workers leave once the connection is gone (reads fail with ENODEV). A lazily detached mount with
	 * files still open keeps it alive: abort it through fusectl if mounted; otherwise our exit (closing
	 * every /dev/fuse fd) ends it. Either way the caller is not kept waiting long. */
	if (!workers_join(detached ? 500 : 3000) || !uring_join(1000)) {
		fb_log("workers still busy after unmount: aborting the connection");
		if (!mount_abort_connection() || !workers_join(1000) || !uring_join(1000))
			fb_log("exiting with the connection still open: it ends with this process");
	}
	report_exit_line(reason);
	control_close();
	workers_free();
	uring_free();
	inode_table_destroy();
	null_free();
	close(s->dev_fd);
	close(sig_fd);
	close(stop_fd);
	return strcmp(reason, "error") == 0 ? 1 : 0;
}
