#include "log.h"

#include <stdarg.h>
#include <stdio.h>

bool fb_verbose;

static void vlog(const char *fmt, va_list ap)
{
	/* One fprintf per line so lines from different threads do not interleave mid-line. */
	char line[1024];
	vsnprintf(line, sizeof line, fmt, ap);
	fprintf(stderr, "fusebench-server: %s\n", line);
}

void fb_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void fb_debug(const char *fmt, ...)
{
	if (!fb_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
