#include "delay.h"

#include "clock.h"
#include "fuse_names.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>

static _Atomic uint64_t delays[FB_OPSLOTS];

static int parse_duration(const char *s, size_t len, uint64_t *ns)
{
	char buf[64];
	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (errno || end == buf || !(v >= 0) || !isfinite(v))
		return -1;
	double mult;
	if (*end == '\0' || strcmp(end, "ns") == 0)
		mult = 1;
	else if (strcmp(end, "us") == 0)
		mult = 1e3;
	else if (strcmp(end, "ms") == 0)
		mult = 1e6;
	else if (strcmp(end, "s") == 0)
		mult = 1e9;
	else
		return -1;
	double r = v * mult;
	if (r > 3600e9) /* an hour: anything longer is a typo and would only hang the mount */
		return -1;
	*ns = (uint64_t)llround(r);
	return 0;
}

int delay_parse(const char *text, uint64_t out[FB_OPSLOTS], char *err, size_t errlen)
{
	memset(out, 0, sizeof(uint64_t) * FB_OPSLOTS);
	if (text[0] == '\0' || strcasecmp(text, "none") == 0)
		return 0;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		if (!eq) {
			snprintf(err, errlen, "delay \"%.*s\" is not OPCODE=DURATION (e.g. write=200us)", (int)n, p);
			return -1;
		}
		int op = fuse_opcode_by_name(p, (uint32_t)(eq - p));
		if (op <= 0 || op >= FB_OPSLOTS) {
			snprintf(err, errlen, "unknown opcode \"%.*s\" in delay (use kernel names: write, read, getattr, ...)",
				 (int)(eq - p), p);
			return -1;
		}
		uint64_t ns;
		if (parse_duration(eq + 1, n - (size_t)(eq + 1 - p), &ns) < 0) {
			snprintf(err, errlen, "bad duration \"%.*s\" in delay (e.g. 200us, 1ms, 0; units ns|us|ms|s, at most 1 hour)",
				 (int)(n - (size_t)(eq + 1 - p)), eq + 1);
			return -1;
		}
		out[op] = ns;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

void delay_set_all(const uint64_t ns[FB_OPSLOTS])
{
	for (unsigned i = 0; i < FB_OPSLOTS; i++)
		atomic_store_explicit(&delays[i], ns[i], memory_order_relaxed);
}

void delay_get_all(uint64_t ns[FB_OPSLOTS])
{
	for (unsigned i = 0; i < FB_OPSLOTS; i++)
		ns[i] = atomic_load_explicit(&delays[i], memory_order_relaxed);
}

uint64_t delay_for(uint32_t opcode)
{
	return atomic_load_explicit(&delays[fb_opslot(opcode)], memory_order_relaxed);
}

/* ---- waiting and interrupts ---------------------------------------------------------------------- */

/* Two sets: the /dev/fuse workers' (worker.c) and the io_uring entries' (uring.c). */
static struct fb_waiter *const *all_waiters;
static unsigned n_waiters;
static struct fb_waiter *const *ring_waiters;
static unsigned n_ring_waiters;
static _Atomic bool shutting_down;

/* The i-th waiter of both sets together; caller holds early_lock (registration happens before the
 * threads that use it start, or after they stopped). */
static struct fb_waiter *waiter_at(unsigned i)
{
	return i < n_waiters ? all_waiters[i] : ring_waiters[i - n_waiters];
}

/* An INTERRUPT can be read by one thread before the thread holding the request has registered it:
 * remember the last few so the wait that starts late still sees it. */
#define EARLY_SLOTS 64
static pthread_mutex_t early_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t early[EARLY_SLOTS];
static unsigned early_next;

void delay_waiter_init(struct fb_waiter *w)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&w->lock, NULL);
	w->unique = 0;
	w->interrupted = false;
}

void delay_waiter_destroy(struct fb_waiter *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

void delay_register_waiters(struct fb_waiter *const *waiters, unsigned n)
{
	pthread_mutex_lock(&early_lock);
	all_waiters = waiters;
	n_waiters = n;
	pthread_mutex_unlock(&early_lock);
}

void delay_register_ring_waiters(struct fb_waiter *const *waiters, unsigned n)
{
	pthread_mutex_lock(&early_lock);
	ring_waiters = waiters;
	n_ring_waiters = n;
	pthread_mutex_unlock(&early_lock);
}

/* Caller holds early_lock. */
static bool take_early(uint64_t unique)
{
	for (unsigned i = 0; i < EARLY_SLOTS; i++) {
		if (early[i] == unique) {
			early[i] = 0;
			return true;
		}
	}
	return false;
}

/* An injected delay is a measured quantity: the default timer slack (50 us) lets every 1 ms hold run
 * up to 5 % long, which `perf scale` showed as a 0.82-0.85x ceiling at 1-16 writers. A slack of 1 % of
 * the hold keeps that within the goal, while still letting the kernel fold nearby expiries into one
 * interrupt when many holds are pending (with 1 ns, 64 writers did about 15 % fewer writes on 2 CPUs). */
static void set_timer_slack(uint64_t hold_ns)
{
	static _Thread_local unsigned long current;
	unsigned long want = (unsigned long)(hold_ns / 100);
	if (want < 1)
		want = 1;
	if (want > 50000)
		want = 50000;
	if (want != current && prctl(PR_SET_TIMERSLACK, want) == 0)
		current = want;
}

bool delay_wait(struct fb_waiter *w, uint64_t unique, uint64_t ns)
{
	set_timer_slack(ns);
	uint64_t deadline = fb_now_ns() + ns;
	struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull), .tv_nsec = (long)(deadline % 1000000000ull) };
	/* early_lock orders this against delay_interrupt(): the INTERRUPT either finds the waiter or left
	 * its unique in the early list, never neither. */
	pthread_mutex_lock(&early_lock);
	pthread_mutex_lock(&w->lock);
	w->unique = unique;
	w->interrupted = take_early(unique);
	pthread_mutex_unlock(&early_lock);
	while (!w->interrupted && !atomic_load(&shutting_down)) {
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT)
			break;
	}
	bool intr = w->interrupted;
	w->unique = 0;
	w->interrupted = false;
	pthread_mutex_unlock(&w->lock);
	return intr;
}

void delay_interrupt(uint64_t unique)
{
	pthread_mutex_lock(&early_lock);
	bool hit = false;
	for (unsigned i = 0; i < n_waiters + n_ring_waiters && !hit; i++) {
		struct fb_waiter *w = waiter_at(i);
		pthread_mutex_lock(&w->lock);
		if (w->unique == unique) {
			w->interrupted = true;
			pthread_cond_signal(&w->cond);
			hit = true;
		}
		pthread_mutex_unlock(&w->lock);
	}
	if (!hit) {
		early[early_next] = unique;
		early_next = (early_next + 1) % EARLY_SLOTS;
	}
	pthread_mutex_unlock(&early_lock);
}

void delay_shutdown(void)
{
	atomic_store(&shutting_down, true);
	pthread_mutex_lock(&early_lock);
	for (unsigned i = 0; i < n_waiters + n_ring_waiters; i++) {
		struct fb_waiter *w = waiter_at(i);
		pthread_mutex_lock(&w->lock);
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	pthread_mutex_unlock(&early_lock);
}
