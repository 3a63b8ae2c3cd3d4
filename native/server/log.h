/* Diagnostics go to stderr only: stdout carries the ready/exit JSON lines other programs parse. */
#ifndef FB_LOG_H
#define FB_LOG_H

#include <stdbool.h>

extern bool fb_verbose;

void fb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like fb_log, only with --verbose. */
void fb_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
