/* pread/pwrite loop: fio's psync engine, one synchronous syscall per op. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "loops.h"
#include "offsets.h"

void run_io_loop(const struct loop_spec *s, struct io_result *r)
{
    if (result_failed_start(r, result_init(r, s->record_starts, s->max_ops) != 0 ? ENOMEM : 0))
        return;
    void *buf = io_buffer_alloc(s->block_size, s->fill, s->seed);
    if (!buf) {
        result_failed_start(r, ENOMEM);
        return;
    }
    struct offgen g;
    offgen_init(&g, s);
    const size_t bs = (size_t)s->block_size;
    const int fd = s->fd;
    const int write = s->op == OP_PWRITE;
    uint64_t attempts = 0;
    uint64_t now = mono_ns();
    r->start_ns = now;

    while ((s->max_ops == 0 || attempts < s->max_ops) && (s->deadline_ns == 0 || now < s->deadline_ns)) {
        off_t off = (off_t)offgen_next(&g);
        ssize_t n;
        struct timespec a, b;
        /* Only the syscall sits between the two clock reads. */
        if (write) {
            mono_raw(&a);
            n = pwrite(fd, buf, bs, off);
            mono_raw(&b);
        } else {
            mono_raw(&a);
            n = pread(fd, buf, bs, off);
            mono_raw(&b);
        }
        int err = errno; /* the vDSO clock read leaves errno alone */
        uint64_t t0 = ts_ns(&a), t1 = ts_ns(&b);
        attempts++;
        now = t1;
        if (n == (ssize_t)bs) {
            if (result_ok(r, t0, t1, bs) != 0)
                break;
        } else if (n < 0) {
            result_err(r, err);
        } else {
            result_err(r, RES_SHORT);
        }
    }
    r->end_ns = now;
    free(buf);
}
