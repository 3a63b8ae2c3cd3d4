/* fusebench-holdloop: THREADS threads that do nothing but the server's hold of a delayed request (a
 * timed wait on a condition variable, CLOCK_MONOTONIC, as native/server/delay.c waits), back to back.
 * `perf scale` runs it as the control of its 1 ms WRITE delay: how many holds per second this machine
 * completes at that concurrency with no FUSE, no I/O and no server at all, and the CPU they take. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static pthread_barrier_t barrier;
static uint64_t hold_ns, lead_in_ns, window_ns;
static _Atomic uint64_t go_ns, go_cpu_ns, holds, held_ns;

/* Holds until the deadline passes; returns how many holds ended by then and their total length. */
static uint64_t hold_until(pthread_mutex_t *m, pthread_cond_t *c, uint64_t deadline, uint64_t *total_ns)
{
	uint64_t n = 0;
	*total_ns = 0;
	pthread_mutex_lock(m);
	for (uint64_t t = mono_ns(); t < deadline; n++) {
		uint64_t until = t + hold_ns;
		struct timespec ts = { .tv_sec = (time_t)(until / 1000000000ull), .tv_nsec = (long)(until % 1000000000ull) };
		while (pthread_cond_timedwait(c, m, &ts) != ETIMEDOUT)
			; /* nobody signals: only a spurious wake-up lands here */
		uint64_t after = mono_ns();
		*total_ns += after - t;
		t = after;
	}
	pthread_mutex_unlock(m);
	return n;
}

static void *thread_main(void *arg)
{
	(void)arg;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c, &ca);
	pthread_condattr_destroy(&ca);
	uint64_t ignored;
	hold_until(&m, &c, mono_ns() + lead_in_ns, &ignored);
	if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) {
		go_cpu_ns = cpu_ns();
		go_ns = mono_ns();
	}
	pthread_barrier_wait(&barrier);
	uint64_t total;
	holds += hold_until(&m, &c, go_ns + window_ns, &total);
	held_ns += total;
	pthread_cond_destroy(&c);
	return NULL;
}

static uint64_t parse_u64(const char *what, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "fusebench-holdloop: %s must be an integer in [%llu, %llu], not \"%s\"\n", what,
			(unsigned long long)lo, (unsigned long long)hi, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: fusebench-holdloop THREADS HOLD_US LEAD_IN_MS WINDOW_MS\n"
				"  THREADS threads each holding HOLD_US (a condition variable's timed wait) back to back:\n"
				"  LEAD_IN_MS unmeasured, then WINDOW_MS timed from one start. Prints one JSON line:\n"
				"  holds, holdsPerSec, meanHoldNs, cpus (CPUs' worth of time the process used in the window).\n");
		return 2;
	}
	unsigned threads = (unsigned)parse_u64("THREADS", argv[1], 1, 4096);
	hold_ns = parse_u64("HOLD_US", argv[2], 1, 3600000000ull) * 1000u;
	lead_in_ns = parse_u64("LEAD_IN_MS", argv[3], 0, 3600000) * 1000000u;
	window_ns = parse_u64("WINDOW_MS", argv[4], 1, 3600000) * 1000000u;
	/* The same timer slack as the server's holds: 1 % of the hold, at most the default 50 us
	 * (set_timer_slack in native/server/delay.c). Threads inherit it. */
	unsigned long slack = (unsigned long)(hold_ns / 100);
	prctl(PR_SET_TIMERSLACK, slack < 1 ? 1UL : slack > 50000 ? 50000UL : slack);
	pthread_t *ts = calloc(threads, sizeof *ts);
	if (!ts || pthread_barrier_init(&barrier, NULL, threads) != 0) {
		fprintf(stderr, "fusebench-holdloop: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < threads; i++) {
		int rc = pthread_create(&ts[i], NULL, thread_main, NULL);
		if (rc != 0) {
			/* The barrier counts on every thread: without one of them, nothing can start. */
			fprintf(stderr, "fusebench-holdloop: cannot start thread %u: %s\n", i, strerror(rc));
			return 1;
		}
	}
	for (unsigned i = 0; i < threads; i++)
		pthread_join(ts[i], NULL);
	uint64_t end = mono_ns(), cpu = cpu_ns() - go_cpu_ns;
	double secs = (double)(end - go_ns) / 1e9;
	printf("{\"holds\":%llu,\"holdsPerSec\":%.1f,\"meanHoldNs\":%.0f,\"cpus\":%.3f}\n", (unsigned long long)holds,
	       (double)holds / secs, holds ? (double)held_ns / (double)holds : 0, (double)cpu / 1e9 / secs);
	free(ts);
	return 0;
}
