#include "result.h"

#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Without a hint, start at 64 Ki entries (512 KiB) and double: a few reallocs per second of run. */
#define DEFAULT_CAP 65536u
#define MAX_FIRST_CAP (1u << 22)

static int dvec_reserve(struct dvec *d, size_t cap)
{
    double *nv = realloc(d->v, cap * sizeof *nv);
    if (!nv)
        return -1;
    d->v = nv;
    d->cap = cap;
    return 0;
}

static inline int dvec_push(struct dvec *d, double x)
{
    if (d->len == d->cap && dvec_reserve(d, d->cap ? d->cap * 2 : DEFAULT_CAP) != 0)
        return -1;
    d->v[d->len++] = x;
    return 0;
}

int result_init(struct io_result *r, int record_starts, uint64_t expected_ops)
{
    memset(r, 0, sizeof *r);
    r->record_starts = record_starts;
    size_t cap = DEFAULT_CAP;
    if (expected_ops > 0)
        cap = expected_ops < MAX_FIRST_CAP ? (size_t)expected_ops : MAX_FIRST_CAP;
    if (dvec_reserve(&r->lat, cap) != 0)
        return -1;
    if (record_starts && dvec_reserve(&r->starts, cap) != 0)
        return -1;
    return 0;
}

void result_free(struct io_result *r)
{
    free(r->lat.v);
    free(r->starts.v);
    r->lat.v = r->starts.v = NULL;
    r->lat.len = r->lat.cap = r->starts.len = r->starts.cap = 0;
}

int result_ok(struct io_result *r, uint64_t t0, uint64_t t1, uint64_t bytes)
{
    /* Latencies stay far below 2^53 ns, so the double is the exact integer. */
    if (dvec_push(&r->lat, (double)(t1 - t0)) != 0)
        goto oom;
    if (r->record_starts && dvec_push(&r->starts, (double)t0) != 0) {
        r->lat.len--;
        goto oom;
    }
    r->ops++;
    r->bytes += bytes;
    return 0;
oom:
    if (!r->out_of_memory) {
        r->out_of_memory = 1;
        result_err(r, ENOMEM);
    }
    return -1;
}

void result_err(struct io_result *r, int code)
{
    for (int i = 0; i < r->nerrs; i++) {
        if (r->errs[i].code == code) {
            r->errs[i].count++;
            return;
        }
    }
    if (r->nerrs < RES_ERR_SLOTS) {
        r->errs[r->nerrs].code = code;
        r->errs[r->nerrs].count = 1;
        r->nerrs++;
        return;
    }
    /* Table full: the last slot absorbs the rest rather than losing the count. */
    r->errs[RES_ERR_SLOTS - 1].count++;
}

const char *result_code_name(int code, char *buf, size_t len)
{
    if (code == RES_SHORT)
        return "SHORT";
    if (code == RES_SIGBUS)
        return "SIGBUS";
    const char *n = strerrorname_np(code);
    if (n)
        return n;
    /* Kernel-internal codes (ENOTSUPP 524...) can leak out of AIO completions; glibc has no name. */
    snprintf(buf, len, "ERRNO_%d", code);
    return buf;
}

int result_failed_start(struct io_result *r, int err)
{
    if (!err)
        return 0;
    result_err(r, err);
    r->start_ns = r->end_ns = mono_ns();
    return 1;
}
