#include "policy.h"

#include "fuse_abi.h"
#include "fuse_names.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	uint32_t fopen;
} modes[FB_MODE_COUNT] = {
	{ "cached", 0 },
	{ "direct", FOPEN_DIRECT_IO },
	{ "parallel", FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES },
	{ "passthrough", FOPEN_PASSTHROUGH },
	{ "passthrough-direct", FOPEN_PASSTHROUGH | FOPEN_DIRECT_IO },
	{ "passthrough-parallel", FOPEN_PASSTHROUGH | FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES },
};

int policy_mode_by_name(const char *name, size_t len)
{
	for (int i = 0; i < FB_MODE_COUNT; i++)
		if (strlen(modes[i].name) == len && memcmp(modes[i].name, name, len) == 0)
			return i;
	return -1;
}

const char *policy_mode_name(int mode)
{
	return mode >= 0 && mode < FB_MODE_COUNT ? modes[mode].name : NULL;
}

uint32_t policy_mode_fopen(int mode)
{
	return mode >= 0 && mode < FB_MODE_COUNT ? modes[mode].fopen : 0;
}

int policy_parse_fopen(const char *text, uint32_t *flags, char *err, size_t errlen)
{
	uint32_t f = 0;
	if (strcmp(text, "none") == 0 || text[0] == '\0') {
		*flags = 0;
		return 0;
	}
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, ",|");
		if (n == 0) {
			snprintf(err, errlen, "empty FOPEN flag name in \"%s\"", text);
			return -1;
		}
		int bit = fuse_fopen_bit_by_name(p, (uint32_t)n);
		if (bit < 0) {
			snprintf(err, errlen,
				 "unknown FOPEN flag \"%.*s\" (known: DIRECT_IO, KEEP_CACHE, NONSEEKABLE, CACHE_DIR, STREAM, "
				 "NOFLUSH, PARALLEL_DIRECT_WRITES, PASSTHROUGH, or none)",
				 (int)n, p);
			return -1;
		}
		f |= 1u << bit;
		p += n;
		if (*p)
			p++;
	}
	*flags = f;
	return 0;
}

/* Opens take a snapshot under a lock: policy changes are rare, and a torn read of mode vs flags would
 * report one policy while applying another. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fb_policy current = { .mode = 2, .fopen = FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES };

void policy_set(const struct fb_policy *p)
{
	pthread_mutex_lock(&lock);
	current = *p;
	pthread_mutex_unlock(&lock);
}

struct fb_policy policy_get(void)
{
	pthread_mutex_lock(&lock);
	struct fb_policy p = current;
	pthread_mutex_unlock(&lock);
	return p;
}
