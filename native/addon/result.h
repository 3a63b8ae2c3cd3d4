#ifndef FUSEBENCH_RESULT_H
#define FUSEBENCH_RESULT_H

#include <stddef.h>
#include <stdint.h>

/* Pseudo-errnos for outcomes that are not an errno. */
#define RES_SHORT (-1)
#define RES_SIGBUS (-2)

/* Distinct error kinds one loop can report; more than this collapse into the last slot. */
#define RES_ERR_SLOTS 32

struct dvec {
    double *v;
    size_t len, cap;
};

struct err_slot {
    int code; /* errno, or RES_SHORT / RES_SIGBUS */
    uint64_t count;
};

/* What one timed loop produced. Filled on any thread; turned into JS only on the JS thread. */
struct io_result {
    uint64_t ops, bytes;
    struct dvec lat, starts;
    int record_starts;
    int out_of_memory; /* a vector could not grow: the loop stopped early (reported as ENOMEM) */
    struct err_slot errs[RES_ERR_SLOTS];
    int nerrs;
    uint64_t start_ns, end_ns;
};

/* expected_ops sizes the first allocation (0 = unknown). Returns 0, or -1 when out of memory. */
int result_init(struct io_result *r, int record_starts, uint64_t expected_ops);
void result_free(struct io_result *r);

/* Records one successful op. Returns -1 when the vectors cannot grow (the loop should stop). */
int result_ok(struct io_result *r, uint64_t t0, uint64_t t1, uint64_t bytes);
void result_err(struct io_result *r, int code);

/* A loop that could not start: counts `err` in an empty window and returns 1; 0 when err is 0. */
int result_failed_start(struct io_result *r, int err);

/* Name used as the key in the JS errors object ("EBADF", "SHORT", "SIGBUS", "ERRNO_524"). */
const char *result_code_name(int code, char *buf, size_t len);

#endif
