#include "stats.h"

#include "inode.h"
#include "opslot.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- service-time histogram: 8 sub-buckets per power of two (12.5% resolution), exact below 8 ns ---- */
#define SUB_BITS 3
#define SUB (1u << SUB_BITS)
#define MAX_EXP 43 /* ~2.4 hours; longer values land in the last bucket */
#define NBUCKETS (SUB + (MAX_EXP - SUB_BITS + 1) * SUB)

static unsigned bucket_of(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	if (msb > MAX_EXP)
		return NBUCKETS - 1;
	unsigned sub = (unsigned)(v >> (msb - SUB_BITS)) & (SUB - 1);
	return SUB + (msb - SUB_BITS) * SUB + sub;
}

/* Largest value that falls into bucket b. */
static uint64_t bucket_upper(unsigned b)
{
	if (b < SUB)
		return b;
	unsigned msb = (b - SUB) / SUB + SUB_BITS;
	unsigned sub = (b - SUB) % SUB;
	return ((uint64_t)(SUB + sub + 1) << (msb - SUB_BITS)) - 1;
}

struct op_counters {
	_Atomic uint64_t count, bytes, errors, wcount;
	_Atomic uint32_t cur, max, wmax; /* across all inodes */
	_Atomic uint64_t max_ns;
	_Atomic uint64_t hist[NBUCKETS];
};

static struct op_counters ops[FB_OPSLOTS];

/* ---- in-flight gauges --------------------------------------------------------------------------- */
struct fb_gauge {
	struct fb_gauge *next; /* in the inode's list, under the inode lock */
	struct fb_gauge *rprev, *rnext; /* in the registry, under registry_lock */
	struct fb_inode *inode;
	unsigned slot;
	/* under the inode lock: */
	uint32_t cur, max, wmax;
	uint64_t started; /* requests begun since reset: per-inode counts for `inodes` */
	uint64_t last_ns;
	uint64_t integral, busy; /* sum of cur*dt, and time with cur > 0, since reset */
	uint64_t wintegral, wbusy; /* the same since the window started */
};

/* The best (largest integral) and max per opcode of gauges whose inode was forgotten. */
struct retired {
	uint32_t max, wmax;
	uint64_t integral, busy, wintegral, wbusy;
};

/* Lock order: registry_lock, then an inode lock. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fb_gauge *registry;
static struct retired retired[FB_OPSLOTS];
static uint64_t since_ns, window_ns; /* under registry_lock */

void stats_init(uint64_t now)
{
	since_ns = window_ns = now;
}

static void fold(struct fb_gauge *g, uint64_t t)
{
	if (t <= g->last_ns)
		return;
	uint64_t dt = t - g->last_ns;
	if (g->cur) {
		g->integral += g->cur * dt;
		g->busy += dt;
		g->wintegral += g->cur * dt;
		g->wbusy += dt;
	}
	g->last_ns = t;
}

static void atomic_max32(_Atomic uint32_t *m, uint32_t v)
{
	uint32_t old = atomic_load_explicit(m, memory_order_relaxed);
	while (v > old && !atomic_compare_exchange_weak_explicit(m, &old, v, memory_order_relaxed, memory_order_relaxed))
		;
}

static void atomic_max64(_Atomic uint64_t *m, uint64_t v)
{
	uint64_t old = atomic_load_explicit(m, memory_order_relaxed);
	while (v > old && !atomic_compare_exchange_weak_explicit(m, &old, v, memory_order_relaxed, memory_order_relaxed))
		;
}

/* ---- worker threads ------------------------------------------------------------------------------ */
static _Atomic uint32_t threads_busy, threads_busy_max;
static _Atomic uint64_t threads_all_busy;

unsigned stats_thread_busy(void)
{
	uint32_t n = atomic_fetch_add_explicit(&threads_busy, 1, memory_order_relaxed) + 1;
	atomic_max32(&threads_busy_max, n);
	return n;
}

unsigned stats_threads_busy_now(void)
{
	return atomic_load_explicit(&threads_busy, memory_order_relaxed);
}

void stats_thread_done(void)
{
	atomic_fetch_sub_explicit(&threads_busy, 1, memory_order_relaxed);
}

void stats_pool_full(void)
{
	atomic_fetch_add_explicit(&threads_all_busy, 1, memory_order_relaxed);
}

void stats_threads_json(struct fb_sb *sb)
{
	sb_printf(sb, "\"threadsBusyMax\":%u,\"threadsAllBusy\":%llu", atomic_load(&threads_busy_max),
		  (unsigned long long)atomic_load(&threads_all_busy));
}

/* Caller holds ino->lock. */
static struct fb_gauge *find_gauge(struct fb_inode *ino, unsigned slot)
{
	for (struct fb_gauge *g = ino->gauges; g; g = g->next)
		if (g->slot == slot)
			return g;
	return NULL;
}

/* Returns with ino->lock held; NULL only if out of memory. */
static struct fb_gauge *create_gauge(struct fb_inode *ino, unsigned slot, uint64_t t0)
{
	struct fb_gauge *n = calloc(1, sizeof *n);
	pthread_mutex_lock(&registry_lock);
	pthread_mutex_lock(&ino->lock);
	struct fb_gauge *g = find_gauge(ino, slot);
	if (!g && n) {
		g = n;
		n = NULL;
		g->inode = ino;
		g->slot = slot;
		g->last_ns = t0;
		g->next = ino->gauges;
		ino->gauges = g;
		g->rnext = registry;
		if (registry)
			registry->rprev = g;
		registry = g;
	}
	pthread_mutex_unlock(&registry_lock);
	free(n);
	return g;
}

struct fb_gauge *stats_begin(struct fb_inode *ino, unsigned slot, uint64_t t0)
{
	struct op_counters *c = &ops[slot];
	uint32_t all = atomic_fetch_add_explicit(&c->cur, 1, memory_order_relaxed) + 1;
	atomic_max32(&c->max, all);
	atomic_max32(&c->wmax, all);
	if (!ino)
		return NULL;
	pthread_mutex_lock(&ino->lock);
	struct fb_gauge *g = find_gauge(ino, slot);
	if (!g) {
		pthread_mutex_unlock(&ino->lock);
		g = create_gauge(ino, slot, t0);
	}
	if (g) {
		fold(g, t0);
		g->started++;
		g->cur++;
		if (g->cur > g->max)
			g->max = g->cur;
		if (g->cur > g->wmax)
			g->wmax = g->cur;
	}
	pthread_mutex_unlock(&ino->lock);
	return g;
}

void stats_gauge_end(struct fb_gauge *g, unsigned slot, uint64_t t)
{
	atomic_fetch_sub_explicit(&ops[slot].cur, 1, memory_order_relaxed);
	if (!g)
		return;
	pthread_mutex_lock(&g->inode->lock);
	fold(g, t);
	g->cur--;
	pthread_mutex_unlock(&g->inode->lock);
}

void stats_end(unsigned slot, uint64_t t0, uint64_t t1, int error, uint64_t bytes)
{
	struct op_counters *c = &ops[slot];
	atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->wcount, 1, memory_order_relaxed);
	if (bytes)
		atomic_fetch_add_explicit(&c->bytes, bytes, memory_order_relaxed);
	if (error)
		atomic_fetch_add_explicit(&c->errors, 1, memory_order_relaxed);
	uint64_t ns = t1 > t0 ? t1 - t0 : 0;
	atomic_fetch_add_explicit(&c->hist[bucket_of(ns)], 1, memory_order_relaxed);
	atomic_max64(&c->max_ns, ns);
}

/* Keeps the larger-integral (integral, busy) pair: the inode whose mean concurrency is reported. */
static void keep_best(uint64_t *bi, uint64_t *bb, uint64_t i, uint64_t b)
{
	if (i > *bi || (i == *bi && b > *bb)) {
		*bi = i;
		*bb = b;
	}
}

void stats_inode_retire(struct fb_inode *ino)
{
	uint64_t now = 0;
	pthread_mutex_lock(&registry_lock);
	pthread_mutex_lock(&ino->lock);
	struct fb_gauge *g = ino->gauges;
	while (g) {
		if (!now) {
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		}
		fold(g, now);
		struct retired *r = &retired[g->slot];
		if (g->max > r->max)
			r->max = g->max;
		if (g->wmax > r->wmax)
			r->wmax = g->wmax;
		keep_best(&r->integral, &r->busy, g->integral, g->busy);
		keep_best(&r->wintegral, &r->wbusy, g->wintegral, g->wbusy);
		if (g->rprev)
			g->rprev->rnext = g->rnext;
		else
			registry = g->rnext;
		if (g->rnext)
			g->rnext->rprev = g->rprev;
		struct fb_gauge *next = g->next;
		free(g);
		g = next;
	}
	ino->gauges = NULL;
	pthread_mutex_unlock(&ino->lock);
	pthread_mutex_unlock(&registry_lock);
}

void stats_reset(uint64_t now)
{
	pthread_mutex_lock(&registry_lock);
	for (struct fb_gauge *g = registry; g; g = g->rnext) {
		pthread_mutex_lock(&g->inode->lock);
		fold(g, now);
		g->max = g->wmax = g->cur;
		g->started = 0;
		g->integral = g->busy = g->wintegral = g->wbusy = 0;
		pthread_mutex_unlock(&g->inode->lock);
	}
	memset(retired, 0, sizeof retired);
	for (unsigned s = 0; s < FB_OPSLOTS; s++) {
		struct op_counters *c = &ops[s];
		atomic_store(&c->count, 0);
		atomic_store(&c->bytes, 0);
		atomic_store(&c->errors, 0);
		atomic_store(&c->wcount, 0);
		uint32_t cur = atomic_load(&c->cur);
		atomic_store(&c->max, cur);
		atomic_store(&c->wmax, cur);
		atomic_store(&c->max_ns, 0);
		for (unsigned b = 0; b < NBUCKETS; b++)
			atomic_store_explicit(&c->hist[b], 0, memory_order_relaxed);
	}
	atomic_store(&threads_busy_max, atomic_load(&threads_busy));
	atomic_store(&threads_all_busy, 0);
	since_ns = window_ns = now;
	pthread_mutex_unlock(&registry_lock);
}

/* Per-opcode in-flight summary over all inodes. */
struct inflight {
	uint32_t max_per_inode;
	uint64_t best_integral, best_busy;
};

static double mean_of(const struct inflight *f)
{
	return f->best_busy ? (double)f->best_integral / (double)f->best_busy : 0.0;
}

/* Caller holds registry_lock. window: summarise the window (and start a new one) instead of the
 * totals since reset. */
static void collect(struct inflight out[FB_OPSLOTS], uint64_t now, bool window)
{
	for (unsigned s = 0; s < FB_OPSLOTS; s++) {
		const struct retired *r = &retired[s];
		out[s].max_per_inode = window ? r->wmax : r->max;
		out[s].best_integral = window ? r->wintegral : r->integral;
		out[s].best_busy = window ? r->wbusy : r->busy;
	}
	for (struct fb_gauge *g = registry; g; g = g->rnext) {
		struct inflight *f = &out[g->slot];
		pthread_mutex_lock(&g->inode->lock);
		fold(g, now);
		uint32_t max = window ? g->wmax : g->max;
		if (max > f->max_per_inode)
			f->max_per_inode = max;
		if (window) {
			keep_best(&f->best_integral, &f->best_busy, g->wintegral, g->wbusy);
			/* A new window starts with what is in flight right now. */
			g->wmax = g->cur;
			g->wintegral = g->wbusy = 0;
		} else {
			keep_best(&f->best_integral, &f->best_busy, g->integral, g->busy);
		}
		pthread_mutex_unlock(&g->inode->lock);
	}
	if (window)
		for (unsigned s = 0; s < FB_OPSLOTS; s++) {
			retired[s].wmax = 0;
			retired[s].wintegral = retired[s].wbusy = 0;
		}
}

static void percentiles(const uint64_t *hist, uint64_t total, uint64_t max_ns, uint64_t *p50, uint64_t *p99)
{
	uint64_t want50 = (total + 1) / 2, want99 = total - total / 100;
	uint64_t seen = 0;
	*p50 = *p99 = 0;
	bool got50 = false;
	for (unsigned b = 0; b < NBUCKETS; b++) {
		seen += hist[b];
		uint64_t up = bucket_upper(b);
		if (up > max_ns)
			up = max_ns;
		if (!got50 && seen >= want50 && want50) {
			*p50 = up;
			got50 = true;
		}
		if (seen >= want99 && want99) {
			*p99 = up;
			return;
		}
	}
}

void stats_json(struct fb_sb *sb, uint64_t now)
{
	struct inflight f[FB_OPSLOTS];
	pthread_mutex_lock(&registry_lock);
	collect(f, now, false);
	uint64_t since = now > since_ns ? now - since_ns : 0;
	pthread_mutex_unlock(&registry_lock);
	sb_printf(sb, "\"sinceNs\":%llu,\"ops\":{", (unsigned long long)since);
	for (unsigned i = 1; i <= FB_OPSLOTS; i++) {
		unsigned s = i % FB_OPSLOTS; /* slot 0 ("OTHER") last */
		struct op_counters *c = &ops[s];
		uint64_t count = atomic_load_explicit(&c->count, memory_order_relaxed);
		uint32_t max_all = atomic_load_explicit(&c->max, memory_order_relaxed);
		if (count == 0 && max_all == 0)
			continue;
		char nb[16];
		sb_key(sb, fb_opslot_name(s, nb));
		uint64_t hist[NBUCKETS], total = 0;
		for (unsigned b = 0; b < NBUCKETS; b++) {
			hist[b] = atomic_load_explicit(&c->hist[b], memory_order_relaxed);
			total += hist[b];
		}
		uint64_t max_ns = atomic_load_explicit(&c->max_ns, memory_order_relaxed), p50, p99;
		percentiles(hist, total, max_ns, &p50, &p99);
		sb_printf(sb,
			  "{\"count\":%llu,\"bytes\":%llu,\"errors\":%llu,\"maxInFlightPerInode\":%u,\"meanInFlight\":%.3f,"
			  "\"maxInFlight\":%u,\"service\":{\"p50Ns\":%llu,\"p99Ns\":%llu,\"maxNs\":%llu,\"buckets\":[",
			  (unsigned long long)count, (unsigned long long)atomic_load(&c->bytes),
			  (unsigned long long)atomic_load(&c->errors), f[s].max_per_inode, mean_of(&f[s]), max_all,
			  (unsigned long long)p50, (unsigned long long)p99, (unsigned long long)max_ns);
		for (unsigned b = 0; b < NBUCKETS; b++)
			if (hist[b])
				sb_printf(sb, "[%llu,%llu],", (unsigned long long)bucket_upper(b), (unsigned long long)hist[b]);
		sb_trim_comma(sb);
		sb_puts(sb, "]}},");
	}
	sb_trim_comma(sb);
	sb_putc(sb, '}');
}

void stats_window_json(struct fb_sb *sb, uint64_t now)
{
	struct inflight f[FB_OPSLOTS];
	uint64_t counts[FB_OPSLOTS];
	uint32_t max_all[FB_OPSLOTS];
	pthread_mutex_lock(&registry_lock);
	collect(f, now, true);
	for (unsigned s = 0; s < FB_OPSLOTS; s++) {
		struct op_counters *c = &ops[s];
		counts[s] = atomic_exchange(&c->wcount, 0);
		max_all[s] = atomic_exchange(&c->wmax, atomic_load(&c->cur));
	}
	uint64_t len = now > window_ns ? now - window_ns : 0;
	window_ns = now;
	pthread_mutex_unlock(&registry_lock);
	sb_printf(sb, "\"windowNs\":%llu,\"ops\":{", (unsigned long long)len);
	for (unsigned i = 1; i <= FB_OPSLOTS; i++) {
		unsigned s = i % FB_OPSLOTS;
		if (counts[s] == 0 && max_all[s] == 0)
			continue;
		char nb[16];
		sb_key(sb, fb_opslot_name(s, nb));
		sb_printf(sb, "{\"count\":%llu,\"maxInFlightPerInode\":%u,\"meanInFlight\":%.3f,\"maxInFlight\":%u},",
			  (unsigned long long)counts[s], f[s].max_per_inode, mean_of(&f[s]), max_all[s]);
	}
	sb_trim_comma(sb);
	sb_putc(sb, '}');
}

void stats_inodes_json(struct fb_sb *sb, unsigned slot)
{
	sb_puts(sb, "\"inodes\":[");
	pthread_mutex_lock(&registry_lock);
	for (struct fb_gauge *g = registry; g; g = g->rnext) {
		if (g->slot != slot)
			continue;
		struct fb_inode *ino = g->inode;
		pthread_mutex_lock(&ino->lock);
		sb_printf(sb, "{\"nodeid\":%llu,\"ino\":%llu,\"count\":%llu,\"maxInFlight\":%u,\"inFlight\":%u},",
			  (unsigned long long)inode_nodeid(ino), (unsigned long long)ino->ino,
			  (unsigned long long)g->started, g->max, g->cur);
		pthread_mutex_unlock(&ino->lock);
	}
	pthread_mutex_unlock(&registry_lock);
	sb_trim_comma(sb);
	sb_putc(sb, ']');
}
