/* The JSON objects other programs read: the ready line, the exit line, the stats reply, and the
 * fragments they share. */
#ifndef FB_REPORT_H
#define FB_REPORT_H

#include "json.h"

/* Appends the fields of the ready object (no braces): event, pid, mountpoint, ..., passthrough. */
void report_ready_fields(struct fb_sb *sb);
/* Appends the fields of the stats reply (no braces): ok, sinceNs, ops, init, policy, delays, ... */
void report_stats_fields(struct fb_sb *sb);
void report_policy(struct fb_sb *sb); /* "policy":{...} */
void report_delays(struct fb_sb *sb); /* "delays":{...} */

/* Prints one line on stdout and flushes. */
void report_ready_line(void);
void report_exit_line(const char *reason);

#endif
