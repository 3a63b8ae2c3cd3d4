#ifndef FUSEBENCH_LOOPS_H
#define FUSEBENCH_LOOPS_H

#include "result.h"
#include "spec.h"

/* The timed loops. Pure C, no N-API: they run on worker threads and on libuv pool threads.
 * Every failure (including setup: allocation, io_setup, mmap) ends up in `r` as an error count;
 * `r` must be released with result_free() whatever happened. */
void run_io_loop(const struct loop_spec *s, struct io_result *r);
void run_aio_loop(const struct loop_spec *s, struct io_result *r);
void run_uring_loop(const struct loop_spec *s, struct io_result *r);
void run_mmap_loop(const struct mmap_spec *s, struct io_result *r);

#endif
