/* Passthrough backing ids (FUSE_DEV_IOC_BACKING_OPEN/CLOSE). One id per inode, shared by all its
 * passthrough opens and closed at the last RELEASE; or, with the backingPerOpen policy, a fresh id per
 * open (the kernel refuses the second one with EIO: a probe shows exactly that). */
#ifndef FB_BACKING_H
#define FB_BACKING_H

#include <stdbool.h>

#include "json.h"

struct fb_inode;

/* A backing id for an open of `ino` whose server-side fd is `fd`. Returns id > 0 or -errno. */
int backing_acquire(struct fb_inode *ino, int fd, bool per_open);
/* The open that got `id` from backing_acquire is released. */
void backing_release(struct fb_inode *ino, int id, bool per_open);

/* Tries BACKING_OPEN + BACKING_CLOSE on a temporary file after INIT and records in g_session whether
 * passthrough is usable, and why not. */
void backing_probe(void);

/* Appends `"backing":{...}` counters. */
void backing_stats_json(struct fb_sb *sb);
void backing_stats_reset(void);

#endif
