/* io_uring (fio's io_uring engine) through raw syscalls, so no liburing is needed to build: `depth`
 * I/Os kept in flight, each op timed from just before the io_uring_enter that submitted it to the
 * return of the io_uring_enter (or ring peek) that reaped its completion. Options: fixed buffers
 * (IORING_REGISTER_BUFFERS, READ_FIXED/WRITE_FIXED) and a registered file (IOSQE_FIXED_FILE). */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "loops.h"
#include "offsets.h"
#include "ring.h"
#include "slots.h"

struct uring_state {
    struct fb_ring ring;
    struct io_slots slots;
    int fixed_file; /* registered as index 0 */
};

static void state_free(struct uring_state *st)
{
    ring_free(&st->ring);
    io_slots_free(&st->slots);
}

static int state_init(struct uring_state *st, const struct loop_spec *s)
{
    st->ring.fd = -1;
    int e = io_slots_init(&st->slots, s);
    if (e)
        return e;
    e = ring_init(&st->ring, s->depth, 0);
    if (e)
        return e;
    if (s->uring_fixed_buffers) {
        struct iovec *iov = calloc(s->depth, sizeof *iov);
        if (!iov)
            return ENOMEM;
        for (unsigned i = 0; i < s->depth; i++)
            iov[i] = (struct iovec){ .iov_base = st->slots.buf[i], .iov_len = s->block_size };
        e = ring_register(&st->ring, IORING_REGISTER_BUFFERS, iov, s->depth);
        free(iov);
        if (e)
            return e;
    }
    if (s->uring_registered_file) {
        e = ring_register(&st->ring, IORING_REGISTER_FILES, &s->fd, 1);
        if (e)
            return e;
        st->fixed_file = 1;
    }
    return 0;
}

static void prep(struct uring_state *st, const struct loop_spec *s, unsigned idx, uint64_t off)
{
    /* Never NULL: no more than `depth` SQEs are ever published and not yet consumed. */
    struct io_uring_sqe *sqe = ring_sqe(&st->ring);
    int write = s->op == OP_PWRITE;
    if (s->uring_fixed_buffers) {
        sqe->opcode = write ? IORING_OP_WRITE_FIXED : IORING_OP_READ_FIXED;
        sqe->buf_index = (uint16_t)idx;
    } else {
        sqe->opcode = write ? IORING_OP_WRITE : IORING_OP_READ;
    }
    if (st->fixed_file) {
        sqe->fd = 0;
        sqe->flags = IOSQE_FIXED_FILE;
    } else {
        sqe->fd = s->fd;
    }
    sqe->addr = (uint64_t)(uintptr_t)st->slots.buf[idx];
    sqe->len = (uint32_t)s->block_size;
    sqe->off = off;
    sqe->user_data = idx;
    ring_publish(&st->ring);
}

void run_uring_loop(const struct loop_spec *s, struct io_result *r)
{
    struct uring_state st;
    memset(&st, 0, sizeof st);
    int err = result_init(r, s->record_starts, s->max_ops) != 0 ? ENOMEM : state_init(&st, s);
    if (result_failed_start(r, err)) {
        state_free(&st);
        return;
    }

    struct offgen g;
    offgen_init(&g, s);
    struct fb_ring *ring = &st.ring;
    const uint64_t bs = s->block_size;
    uint64_t attempts = 0;
    unsigned inflight = 0;
    int stop = 0;
    uint64_t now = mono_ns();
    r->start_ns = now;
    unsigned *batch = calloc(s->depth, sizeof *batch);
    if (!batch) {
        result_err(r, ENOMEM);
        r->end_ns = now;
        state_free(&st);
        return;
    }

    /* batch[0..n): slots whose SQEs are published but not yet consumed by the kernel, in ring order. */
    unsigned n = 0;
    for (;;) {
        while (!stop && st.slots.nfree > 0 && (s->max_ops == 0 || attempts < s->max_ops) &&
               (s->deadline_ns == 0 || now < s->deadline_ns)) {
            unsigned idx = io_slot_take(&st.slots);
            prep(&st, s, idx, offgen_next(&g));
            batch[n++] = idx;
            attempts++;
        }
        /* One enter submits the batch and, when something is in flight, waits for one completion. */
        if (n == 0 && inflight == 0)
            break;
        struct timespec a;
        mono_raw(&a);
        uint64_t t0 = ts_ns(&a);
        unsigned took = 0;
        int e = ring_enter(ring, 1, &took);
        if (e && e != EINTR && e != EAGAIN && e != EBUSY) {
            result_err(r, e);
            /* Whatever is in flight completes or is cancelled when the ring is closed. */
            break;
        }
        for (unsigned i = 0; i < took; i++)
            st.slots.t0[batch[i]] = t0;
        memmove(batch, batch + took, (n - took) * sizeof *batch);
        n -= took;
        inflight += took;
        uint64_t t1 = mono_ns();
        now = t1;
        for (struct io_uring_cqe *cqe; (cqe = ring_cqe(ring)) != NULL; ring_cqe_seen(ring)) {
            unsigned idx = (unsigned)cqe->user_data;
            if (cqe->res < 0)
                result_err(r, -cqe->res);
            else if ((uint64_t)cqe->res != bs)
                result_err(r, RES_SHORT);
            else if (result_ok(r, st.slots.t0[idx], t1, bs) != 0)
                stop = 1;
            inflight--;
            io_slot_put(&st.slots, idx);
        }
        if (inflight == 0 && n == 0 &&
            (stop || (s->max_ops != 0 && attempts >= s->max_ops) || (s->deadline_ns != 0 && now >= s->deadline_ns)))
            break;
    }
    free(batch);
    r->end_ns = now;
    state_free(&st);
}
