/* Linux native AIO (fio's libaio engine) through raw syscalls: `depth` I/Os kept in flight, each
 * op timed from just before its io_submit to the return of the io_getevents that reaped it. */
#include <errno.h>
#include <linux/aio_abi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "loops.h"
#include "offsets.h"
#include "slots.h"

static long sys_io_setup(unsigned nr, aio_context_t *ctx)
{
    return syscall(SYS_io_setup, nr, ctx);
}

static long sys_io_destroy(aio_context_t ctx)
{
    return syscall(SYS_io_destroy, ctx);
}

static long sys_io_submit(aio_context_t ctx, long nr, struct iocb **cbs)
{
    return syscall(SYS_io_submit, ctx, nr, cbs);
}

static long sys_io_getevents(aio_context_t ctx, long min_nr, long nr, struct io_event *ev)
{
    return syscall(SYS_io_getevents, ctx, min_nr, nr, ev, NULL);
}

struct aio_state {
    aio_context_t ctx;
    struct io_slots slots;
    struct iocb *cbs; /* one per slot */
    struct io_event *events;
    int ctx_ok;
};

static void aio_state_free(struct aio_state *st)
{
    /* io_destroy waits for anything still in flight, so the buffers are safe to free after it. */
    if (st->ctx_ok)
        sys_io_destroy(st->ctx);
    io_slots_free(&st->slots);
    free(st->cbs);
    free(st->events);
}

static int aio_state_init(struct aio_state *st, const struct loop_spec *s)
{
    int e = io_slots_init(&st->slots, s);
    if (e)
        return e;
    st->cbs = calloc(s->depth, sizeof *st->cbs);
    st->events = calloc(s->depth, sizeof *st->events);
    if (!st->cbs || !st->events)
        return ENOMEM;
    if (sys_io_setup(s->depth, &st->ctx) != 0)
        return errno;
    st->ctx_ok = 1;
    return 0;
}

void run_aio_loop(const struct loop_spec *s, struct io_result *r)
{
    struct aio_state st;
    memset(&st, 0, sizeof st);
    int err = result_init(r, s->record_starts, s->max_ops) != 0 ? ENOMEM : aio_state_init(&st, s);
    if (result_failed_start(r, err)) {
        aio_state_free(&st);
        return;
    }

    struct offgen g;
    offgen_init(&g, s);
    const uint16_t opcode = s->op == OP_PWRITE ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    const uint64_t bs = s->block_size;
    uint64_t attempts = 0;
    unsigned inflight = 0;
    int stop = 0;
    uint64_t now = mono_ns();
    r->start_ns = now;

    for (;;) {
        while (!stop && st.slots.nfree > 0 && (s->max_ops == 0 || attempts < s->max_ops) &&
               (s->deadline_ns == 0 || now < s->deadline_ns)) {
            unsigned idx = io_slot_take(&st.slots);
            struct iocb *cbp = &st.cbs[idx];
            memset(cbp, 0, sizeof *cbp);
            cbp->aio_data = idx;
            cbp->aio_lio_opcode = opcode;
            cbp->aio_fildes = (uint32_t)s->fd;
            cbp->aio_buf = (uint64_t)(uintptr_t)st.slots.buf[idx];
            cbp->aio_nbytes = bs;
            cbp->aio_offset = (int64_t)offgen_next(&g);
            attempts++;
            struct timespec a;
            mono_raw(&a);
            long rc = sys_io_submit(st.ctx, 1, &cbp);
            st.slots.t0[idx] = ts_ns(&a);
            if (rc == 1) {
                inflight++;
                now = st.slots.t0[idx];
            } else {
                /* 0 would mean "not queued, no reason given": count it as EAGAIN. */
                result_err(r, rc < 0 ? errno : EAGAIN);
                io_slot_put(&st.slots, idx);
                now = mono_ns();
            }
        }
        if (inflight == 0) {
            if (!stop && (s->max_ops == 0 || attempts < s->max_ops) && (s->deadline_ns == 0 || now < s->deadline_ns))
                continue; /* every submit failed; keep counting until a limit is reached */
            break;
        }
        long n = sys_io_getevents(st.ctx, 1, inflight, st.events);
        uint64_t t1 = mono_ns();
        now = t1;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            result_err(r, errno);
            break; /* io_destroy in aio_state_free still waits for what is in flight */
        }
        for (long i = 0; i < n; i++) {
            struct io_event *ev = &st.events[i];
            unsigned idx = (unsigned)ev->data;
            int64_t res = ev->res;
            if (res < 0)
                result_err(r, (int)-res);
            else if ((uint64_t)res != bs)
                result_err(r, RES_SHORT);
            else if (result_ok(r, st.slots.t0[idx], t1, bs) != 0)
                stop = 1; /* out of memory: drain, submit nothing more */
            inflight--;
            io_slot_put(&st.slots, idx);
        }
    }
    r->end_ns = now;
    aio_state_free(&st);
}
