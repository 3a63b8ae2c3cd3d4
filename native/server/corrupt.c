#include "corrupt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "log.h"
#include "session.h"

static atomic_uint_fast64_t reads_with_data;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool done;
	uint64_t nodeid, offset, read_offset, size;
} hit;

void corrupt_read_reply(uint64_t nodeid, uint64_t offset, char *data, size_t n)
{
	uint64_t want = g_session.cfg.corrupt_read;
	if (want == 0 || n == 0)
		return;
	if (atomic_fetch_add_explicit(&reads_with_data, 1, memory_order_relaxed) + 1 != want)
		return;
	/* The middle byte, not the first: a checker that only ever reported the start of the read it
	 * compared would then give the wrong offset. */
	size_t at = n / 2;
	data[at] = (char)~data[at];
	pthread_mutex_lock(&lock);
	hit.done = true;
	hit.nodeid = nodeid;
	hit.offset = offset + at;
	hit.read_offset = offset;
	hit.size = n;
	pthread_mutex_unlock(&lock);
	fb_log("--corrupt-read %llu: flipped the byte at offset %llu of inode %llu (READ of %zu bytes at %llu)",
	       (unsigned long long)want, (unsigned long long)(offset + at), (unsigned long long)nodeid, n,
	       (unsigned long long)offset);
}

void corrupt_json(struct fb_sb *sb)
{
	sb_key(sb, "corruptRead");
	if (g_session.cfg.corrupt_read == 0) {
		sb_puts(sb, "null");
		return;
	}
	pthread_mutex_lock(&lock);
	sb_printf(sb, "{\"n\":%llu,\"done\":%s", (unsigned long long)g_session.cfg.corrupt_read,
		  hit.done ? "true" : "false");
	if (hit.done)
		sb_printf(sb, ",\"nodeid\":%llu,\"offset\":%llu,\"readOffset\":%llu,\"size\":%llu",
			  (unsigned long long)hit.nodeid, (unsigned long long)hit.offset,
			  (unsigned long long)hit.read_offset, (unsigned long long)hit.size);
	pthread_mutex_unlock(&lock);
	sb_putc(sb, '}');
}
