#include "report.h"

#include "backing.h"
#include "clock.h"
#include "corrupt.h"
#include "delay.h"
#include "fuse_abi.h"
#include "fuse_names.h"
#include "inode.h"
#include "log.h"
#include "policy.h"
#include "session.h"
#include "stats.h"
#include "uring.h"
#include "worker.h"

#include <stdio.h>
#include <unistd.h>

static void init_flag_list(struct fb_sb *sb, const char *key, uint64_t flags)
{
	sb_key(sb, key);
	sb_putc(sb, '[');
	for (unsigned b = 0; b < FUSE_INIT_BITS; b++) {
		if (!(flags & (1ULL << b)))
			continue;
		const char *n = fuse_init_bit_name(b);
		if (n)
			sb_jstr(sb, n);
		else
			sb_printf(sb, "\"BIT%u\"", b); /* newer than 7.45: reported, never used */
		sb_putc(sb, ',');
	}
	sb_trim_comma(sb);
	sb_puts(sb, "],");
}

static void fopen_list(struct fb_sb *sb, uint32_t flags)
{
	sb_putc(sb, '[');
	for (unsigned b = 0; b < 32; b++) {
		if (!(flags & (1u << b)))
			continue;
		const char *n = fuse_fopen_bit_name(b);
		if (n)
			sb_jstr(sb, n);
		else
			sb_printf(sb, "\"BIT%u\"", b);
		sb_putc(sb, ',');
	}
	sb_trim_comma(sb);
	sb_putc(sb, ']');
}

static void report_init(struct fb_sb *sb)
{
	const struct fb_init_info *in = &g_session.init;
	sb_puts(sb, "\"init\":{");
	sb_printf(sb, "\"kernelProtocol\":\"%u.%u\",\"protocol\":\"%d.%u\",", in->kernel_major, in->kernel_minor,
		  FUSE_KERNEL_VERSION, in->minor);
	init_flag_list(sb, "offered", in->offered);
	init_flag_list(sb, "requested", in->requested);
	init_flag_list(sb, "negotiated", in->negotiated);
	sb_printf(sb,
		  "\"maxWrite\":%u,\"maxPages\":%u,\"maxStackDepth\":%u,\"maxReadahead\":%u,\"maxBackground\":%u,"
		  "\"congestionThreshold\":%u,\"timeGran\":%u}",
		  in->max_write, in->max_pages, in->max_stack_depth, in->max_readahead, in->max_background,
		  in->congestion_threshold, in->time_gran);
}

/* The open policy's fields, shared by the ready line and the "policy" object of stats/info. */
static void policy_fields(struct fb_sb *sb, const struct fb_policy *p)
{
	sb_puts(sb, "\"mode\":");
	if (p->mode >= 0)
		sb_jstr(sb, policy_mode_name(p->mode));
	else
		sb_puts(sb, "null");
	sb_puts(sb, ",\"fopen\":");
	fopen_list(sb, p->fopen);
	sb_printf(sb, ",\"backingPerOpen\":%s,\"backingFailure\":\"%s\"", p->backing_per_open ? "true" : "false",
		  p->reply_on_backing_error ? "reply-anyway" : "fail-open");
}

void report_policy(struct fb_sb *sb)
{
	struct fb_policy p = policy_get();
	sb_puts(sb, "\"policy\":{");
	policy_fields(sb, &p);
	sb_putc(sb, '}');
}

void report_delays(struct fb_sb *sb)
{
	uint64_t d[FB_OPSLOTS];
	delay_get_all(d);
	sb_puts(sb, "\"delays\":{");
	for (unsigned s = 1; s < FB_OPSLOTS; s++)
		if (d[s]) {
			char nb[16];
			sb_key(sb, fb_opslot_name(s, nb));
			sb_printf(sb, "%llu,", (unsigned long long)d[s]);
		}
	sb_trim_comma(sb);
	sb_putc(sb, '}');
}

static const char *backend_name(void)
{
	return g_session.cfg.backend == FB_BACKEND_NULL ? "null" : "disk";
}

void report_ready_fields(struct fb_sb *sb)
{
	const struct fb_session *s = &g_session;
	struct fb_policy p = policy_get();
	sb_printf(sb, "\"event\":\"ready\",\"pid\":%d,", (int)getpid());
	sb_key(sb, "mountpoint");
	sb_jstr(sb, s->mountpoint);
	sb_putc(sb, ',');
	sb_key(sb, "backing");
	sb_jstr(sb, s->backing);
	sb_printf(sb, ",\"connection\":%u,\"control\":", s->connection);
	if (s->cfg.control)
		sb_jstr(sb, s->cfg.control);
	else
		sb_puts(sb, "null");
	sb_putc(sb, ',');
	policy_fields(sb, &p);
	sb_printf(sb, ",\"backend\":\"%s\",\"threads\":%u,\"clonedFds\":%s,", backend_name(), s->cfg.threads,
		  workers_cloned() ? "true" : "false");
	report_delays(sb);
	sb_printf(sb, ",\"getxattr\":\"%s\",", s->cfg.getxattr == FB_GETXATTR_ENOSYS ? "enosys" : "enodata");
	report_init(sb);
	sb_printf(sb, ",\"mountedWith\":\"%s\",\"passthrough\":{\"usable\":%s,\"reason\":",
		  s->via_fusermount ? "fusermount3" : "mount", s->passthrough_usable ? "true" : "false");
	if (s->passthrough_usable)
		sb_puts(sb, "null");
	else
		sb_jstr(sb, s->passthrough_reason);
	sb_puts(sb, "},");
	corrupt_json(sb);
	sb_putc(sb, ',');
	uring_transport_json(sb);
}

void report_stats_fields(struct fb_sb *sb)
{
	sb_puts(sb, "\"ok\":true,");
	stats_json(sb, fb_now_ns());
	sb_putc(sb, ',');
	report_init(sb);
	sb_putc(sb, ',');
	report_policy(sb);
	sb_putc(sb, ',');
	report_delays(sb);
	sb_printf(sb, ",\"backend\":\"%s\",\"getxattr\":\"%s\",\"threads\":%u,\"threadsStarted\":%u,",
		  backend_name(), g_session.cfg.getxattr == FB_GETXATTR_ENOSYS ? "enosys" : "enodata", g_session.cfg.threads,
		  workers_started());
	stats_threads_json(sb);
	sb_printf(sb, ",\"inodes\":%lu,", inode_count());
	uring_transport_json(sb);
	sb_putc(sb, ',');
	backing_stats_json(sb);
	sb_putc(sb, ',');
	corrupt_json(sb);
}

static void print_line(struct fb_sb *sb)
{
	if (sb->oom) {
		fb_log("out of memory building a JSON line");
		return;
	}
	fputs(sb->buf, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void report_ready_line(void)
{
	struct fb_sb sb;
	sb_init(&sb);
	sb_putc(&sb, '{');
	report_ready_fields(&sb);
	sb_putc(&sb, '}');
	print_line(&sb);
	sb_free(&sb);
}

void report_exit_line(const char *reason)
{
	struct fb_sb sb;
	sb_init(&sb);
	sb_puts(&sb, "{\"event\":\"exit\",\"reason\":");
	sb_jstr(&sb, reason);
	sb_puts(&sb, ",\"stats\":{");
	report_stats_fields(&sb);
	sb_puts(&sb, "}}");
	print_line(&sb);
	sb_free(&sb);
}
