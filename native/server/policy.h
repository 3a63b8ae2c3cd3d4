/* The open policy: which FOPEN_* flags OPEN and CREATE of regular files reply with, and how backing ids
 * are handed out. Set from the CLI, changed at run time by the control socket, read by every open. */
#ifndef FB_POLICY_H
#define FB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FB_MODE_COUNT 6

/* Index of a mode name ("parallel"), or -1. */
int policy_mode_by_name(const char *name, size_t len);
const char *policy_mode_name(int mode);
uint32_t policy_mode_fopen(int mode);

/* Parses "DIRECT_IO,PARALLEL_DIRECT_WRITES" (also '|' separated, FOPEN_ prefix optional, "none" = 0).
 * Returns 0, or -1 with a message in err. */
int policy_parse_fopen(const char *text, uint32_t *flags, char *err, size_t errlen);

struct fb_policy {
	int mode; /* -1 when set from a raw flag list */
	uint32_t fopen;
	bool backing_per_open;
	/* When BACKING_OPEN fails, still reply FOPEN_PASSTHROUGH (backing id 0) so the kernel's own
	 * reaction to a passthrough open it cannot honour is observable; by default the open fails with
	 * the BACKING_OPEN errno instead. */
	bool reply_on_backing_error;
};

void policy_set(const struct fb_policy *p);
struct fb_policy policy_get(void);

#endif
