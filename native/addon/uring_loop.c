/* io_uring (fio's io_uring engine) through raw syscalls, so no liburing is needed to build: `depth`
 * I/Os kept in flight, each op timed from just before the io_uring_enter that submitted it to the
 * return of the io_uring_enter (or ring peek) that reaped its completion. Options: fixed buffers
 * (IORING_REGISTER_BUFFERS, READ_FIXED/WRITE_FIXED) and a registered file (IOSQE_FIXED_FILE). */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "loops.h"
#include "offsets.h"

struct uslot {
    uint64_t t0;
    void *buf;
};

struct ring {
    int fd;
    void *sq_ptr, *cq_ptr;
    size_t sq_len, cq_len;
    struct io_uring_sqe *sqes;
    size_t sqes_len;
    _Atomic unsigned *sq_head, *sq_tail, *cq_head, *cq_tail;
    unsigned *sq_mask, *cq_mask, *sq_array;
    struct io_uring_cqe *cqes;
};

static int sys_setup(unsigned entries, struct io_uring_params *p)
{
    return (int)syscall(SYS_io_uring_setup, entries, p);
}

static int sys_enter(int fd, unsigned submit, unsigned min_complete, unsigned flags)
{
    return (int)syscall(SYS_io_uring_enter, fd, submit, min_complete, flags, NULL, 0);
}

static int sys_register(int fd, unsigned op, const void *arg, unsigned n)
{
    return (int)syscall(SYS_io_uring_register, fd, op, arg, n);
}

static void ring_free(struct ring *r)
{
    if (r->sqes && r->sqes != MAP_FAILED)
        munmap(r->sqes, r->sqes_len);
    if (r->cq_ptr && r->cq_ptr != MAP_FAILED && r->cq_ptr != r->sq_ptr)
        munmap(r->cq_ptr, r->cq_len);
    if (r->sq_ptr && r->sq_ptr != MAP_FAILED)
        munmap(r->sq_ptr, r->sq_len);
    /* Closing the ring fd waits for (or cancels) what is still in flight. */
    if (r->fd >= 0)
        close(r->fd);
}

/* Returns 0 or an errno. */
static int ring_init(struct ring *r, unsigned depth)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    memset(r, 0, sizeof *r);
    r->fd = sys_setup(depth, &p);
    if (r->fd < 0) {
        r->fd = -1;
        return errno;
    }
    r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && r->cq_len > r->sq_len)
        r->sq_len = r->cq_len;
    r->sq_ptr = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    if (r->sq_ptr == MAP_FAILED)
        return errno;
    r->cq_ptr = single ? r->sq_ptr
                       : mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
                              IORING_OFF_CQ_RING);
    if (r->cq_ptr == MAP_FAILED)
        return errno;
    r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED)
        return errno;
    char *sq = r->sq_ptr, *cq = r->cq_ptr;
    r->sq_head = (_Atomic unsigned *)(sq + p.sq_off.head);
    r->sq_tail = (_Atomic unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (_Atomic unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (_Atomic unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    return 0;
}

struct uring_state {
    struct ring ring;
    struct uslot *slots;
    unsigned *free_slots;
    unsigned nfree;
    int fixed_file; /* registered as index 0 */
};

static void state_free(struct uring_state *st, unsigned depth)
{
    ring_free(&st->ring);
    if (st->slots)
        for (unsigned i = 0; i < depth; i++)
            free(st->slots[i].buf);
    free(st->slots);
    free(st->free_slots);
}

static int state_init(struct uring_state *st, const struct loop_spec *s)
{
    st->ring.fd = -1;
    st->slots = calloc(s->depth, sizeof *st->slots);
    st->free_slots = calloc(s->depth, sizeof *st->free_slots);
    if (!st->slots || !st->free_slots)
        return ENOMEM;
    for (unsigned i = 0; i < s->depth; i++) {
        st->slots[i].buf = io_buffer_alloc(s->block_size, s->fill, s->seed + i);
        if (!st->slots[i].buf)
            return ENOMEM;
        st->free_slots[st->nfree++] = i;
    }
    int e = ring_init(&st->ring, s->depth);
    if (e)
        return e;
    if (s->uring_fixed_buffers) {
        struct iovec *iov = calloc(s->depth, sizeof *iov);
        if (!iov)
            return ENOMEM;
        for (unsigned i = 0; i < s->depth; i++)
            iov[i] = (struct iovec){ .iov_base = st->slots[i].buf, .iov_len = s->block_size };
        int rc = sys_register(st->ring.fd, IORING_REGISTER_BUFFERS, iov, s->depth);
        e = errno;
        free(iov);
        if (rc < 0)
            return e;
    }
    if (s->uring_registered_file) {
        if (sys_register(st->ring.fd, IORING_REGISTER_FILES, &s->fd, 1) < 0)
            return errno;
        st->fixed_file = 1;
    }
    return 0;
}

static void prep(struct uring_state *st, const struct loop_spec *s, unsigned idx, uint64_t off)
{
    struct ring *r = &st->ring;
    unsigned tail = atomic_load_explicit(r->sq_tail, memory_order_relaxed);
    unsigned at = tail & *r->sq_mask;
    struct io_uring_sqe *sqe = &r->sqes[at];
    memset(sqe, 0, sizeof *sqe);
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
    sqe->addr = (uint64_t)(uintptr_t)st->slots[idx].buf;
    sqe->len = (uint32_t)s->block_size;
    sqe->off = off;
    sqe->user_data = idx;
    r->sq_array[at] = at;
    atomic_store_explicit(r->sq_tail, tail + 1, memory_order_release);
}

void run_uring_loop(const struct loop_spec *s, struct io_result *r)
{
    struct uring_state st;
    memset(&st, 0, sizeof st);
    int err = 0;
    if (result_init(r, s->record_starts, s->max_ops) != 0)
        err = ENOMEM;
    else
        err = state_init(&st, s);
    if (err) {
        result_err(r, err);
        r->start_ns = r->end_ns = mono_ns();
        state_free(&st, s->depth);
        return;
    }

    struct offgen g;
    offgen_init(&g, s);
    struct ring *ring = &st.ring;
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
        state_free(&st, s->depth);
        return;
    }

    /* batch[0..n): slots whose SQEs are published but not yet consumed by the kernel, in ring order. */
    unsigned n = 0;
    for (;;) {
        while (!stop && st.nfree > 0 && (s->max_ops == 0 || attempts < s->max_ops) &&
               (s->deadline_ns == 0 || now < s->deadline_ns)) {
            unsigned idx = st.free_slots[--st.nfree];
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
        int rc = sys_enter(ring->fd, n, 1, IORING_ENTER_GETEVENTS);
        if (rc < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY) {
            result_err(r, errno);
            /* Whatever is in flight completes or is cancelled when the ring is closed. */
            break;
        }
        unsigned took = rc > 0 ? ((unsigned)rc < n ? (unsigned)rc : n) : 0;
        for (unsigned i = 0; i < took; i++)
            st.slots[batch[i]].t0 = t0;
        memmove(batch, batch + took, (n - took) * sizeof *batch);
        n -= took;
        inflight += took;
        uint64_t t1 = mono_ns();
        now = t1;
        unsigned head = atomic_load_explicit(ring->cq_head, memory_order_relaxed);
        unsigned tail = atomic_load_explicit(ring->cq_tail, memory_order_acquire);
        for (; head != tail; head++) {
            struct io_uring_cqe *cqe = &ring->cqes[head & *ring->cq_mask];
            unsigned idx = (unsigned)cqe->user_data;
            if (cqe->res < 0)
                result_err(r, -cqe->res);
            else if ((uint64_t)cqe->res != bs)
                result_err(r, RES_SHORT);
            else if (result_ok(r, st.slots[idx].t0, t1, bs) != 0)
                stop = 1;
            inflight--;
            st.free_slots[st.nfree++] = idx;
        }
        atomic_store_explicit(ring->cq_head, head, memory_order_release);
        if (inflight == 0 && n == 0 &&
            (stop || (s->max_ops != 0 && attempts >= s->max_ops) || (s->deadline_ns != 0 && now >= s->deadline_ns)))
            break;
    }
    free(batch);
    r->end_ns = now;
    state_free(&st, s->depth);
}
