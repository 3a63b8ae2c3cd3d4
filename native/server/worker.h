/* Worker threads: each reads requests from its own cloned /dev/fuse fd (FUSE_DEV_IOC_CLONE) into its
 * own reusable buffer, serves them and writes the replies to the same fd. */
#ifndef FB_WORKER_H
#define FB_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "delay.h"

struct fb_worker {
	unsigned index;
	pthread_t thread;
	bool running; /* thread created */
	int fd;
	char *buf;
	size_t bufsize;
	struct fb_waiter waiter;
};

/* Why the workers stopped serving (the main thread's exit reason). */
enum fb_stop { FB_STOP_NONE, FB_STOP_UNMOUNTED, FB_STOP_ERROR };

/* Starts `initial` workers, each on an fd cloned from the session fd; more start on demand (whenever a
 * request takes the last idle reader) up to n. stop_fd (an eventfd) is written when a worker stops
 * because the connection went away (ENODEV) or failed. Returns 0 or -errno. */
int workers_start(unsigned n, unsigned initial, int stop_fd);
/* How many workers have been started so far. */
unsigned workers_started(void);
/* Whether each worker has its own cloned fd (false: they share the session fd). */
bool workers_cloned(void);
/* Why the first worker stopped. */
enum fb_stop workers_stop_reason(void);
/* Waits up to timeout_ms for every worker to finish; returns true if all did (and were joined). */
bool workers_join(unsigned timeout_ms);
/* Frees buffers and fds of joined workers. */
void workers_free(void);

#endif
