/* Request statistics: per opcode counts, bytes, errors and a service-time histogram; per (inode, opcode)
 * in-flight gauges (current, max, time integral) that show which kernel locking path ran. A request is in
 * flight from the return of its read() on /dev/fuse until just before its reply is written (see
 * stats_gauge_end); its service time runs until the reply has been written.
 *
 * Cost: relaxed atomics per opcode, and the inode's own mutex around a few arithmetic operations at
 * the start and end of each request. No global lock on the request path except when a (inode, opcode)
 * pair is seen for the first time. */
#ifndef FB_STATS_H
#define FB_STATS_H

#include <stdint.h>

#include "json.h"

struct fb_inode;
struct fb_gauge;

void stats_init(uint64_t now);

/* Request read at t0 for `ino` (may be NULL: then only per-opcode counters). Returns the gauge to hand
 * to stats_end. */
struct fb_gauge *stats_begin(struct fb_inode *ino, unsigned slot, uint64_t t0);
/* The request stops counting as in flight at t (on its inode's gauge and for its opcode): called just BEFORE the reply is written, because once the
 * kernel has the reply it may drop the inode and FORGET it, freeing the gauge. */
void stats_gauge_end(struct fb_gauge *g, unsigned slot, uint64_t t);
/* Reply written (or, for requests without a reply, handled) at t1. error: 0 or an errno. */
void stats_end(unsigned slot, uint64_t t0, uint64_t t1, int error, uint64_t bytes);

/* The inode is going away: keep what its gauges saw in the per-opcode aggregates. */
void stats_inode_retire(struct fb_inode *ino);

/* Worker threads: one holds one request from the return of its read() until the request is done. Counts
 * how many are busy at once (an atomic increment, a max and a decrement per request) and how often a
 * request took the last free thread while the pool could not grow: then every thread was busy, and
 * any further request waited in the kernel for one (the server, not the kernel, was the limit). */
unsigned stats_thread_busy(void); /* returns how many are busy now, this one included */
void stats_thread_done(void);
unsigned stats_threads_busy_now(void);
void stats_pool_full(void);
/* Appends `"threadsBusyMax":N,"threadsAllBusy":N` (since the last reset). */
void stats_threads_json(struct fb_sb *sb);

/* Zeroes counters, histograms and windows; current in-flight counts stay. */
void stats_reset(uint64_t now);

/* Appends `"sinceNs":N,"ops":{...}` (the body of the stats reply). */
void stats_json(struct fb_sb *sb, uint64_t now);
/* Appends `"windowNs":N,"ops":{...}` for the window since the last call (or reset), then starts a new one. */
void stats_window_json(struct fb_sb *sb, uint64_t now);

/* Appends `"inodes":[{"nodeid","ino","count","maxInFlight","inFlight"},...]`: one entry per live inode
 * that has seen opcode `slot` (ino = the backing st_ino, which is also what the kernel shows), with the
 * requests begun and the max in flight on it since the last reset. Lets a client that runs many
 * files at once in one mount read each file's own counts. */
void stats_inodes_json(struct fb_sb *sb, unsigned slot);

#endif
