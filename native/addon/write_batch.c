#include "write_batch.h"

#include <errno.h>
#include <linux/aio_abi.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "offsets.h"
#include "result.h"

/* The start gate: threads wait until every thread exists, so a failed pthread_create can still
 * release them all (with `abort` set) instead of leaving a barrier one short forever. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open, abort;
};

struct group_sync {
    pthread_barrier_t round;
};

struct thread_arg {
    struct wb_batch *b;
    struct wb_group *g;
    struct wb_writer *w;
    struct group_sync *sync;
    struct gate *gate;
};

static int one_aio(aio_context_t ctx, int fd, void *buf, uint32_t len, uint64_t off)
{
    struct iocb cb;
    memset(&cb, 0, sizeof cb);
    cb.aio_lio_opcode = IOCB_CMD_PWRITE;
    cb.aio_fildes = (uint32_t)fd;
    cb.aio_buf = (uint64_t)(uintptr_t)buf;
    cb.aio_nbytes = len;
    cb.aio_offset = (int64_t)off;
    struct iocb *cbp = &cb;
    long rc;
    do
        rc = syscall(SYS_io_submit, ctx, 1, &cbp);
    while (rc < 0 && errno == EINTR);
    if (rc != 1)
        return rc < 0 ? errno : EAGAIN;
    struct io_event ev;
    do
        rc = syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL);
    while (rc < 0 && errno == EINTR);
    if (rc != 1)
        return rc < 0 ? errno : EIO;
    if (ev.res < 0)
        return (int)-ev.res;
    return (uint64_t)ev.res == len ? 0 : RES_SHORT;
}

static int one_psync(int fd, void *buf, uint32_t len, uint64_t off)
{
    ssize_t n;
    do
        n = pwrite(fd, buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno;
    return (size_t)n == len ? 0 : RES_SHORT;
}

static void *writer_main(void *p)
{
    struct thread_arg *a = p;
    pthread_mutex_lock(&a->gate->mu);
    while (!a->gate->open)
        pthread_cond_wait(&a->gate->cv, &a->gate->mu);
    bool abort = a->gate->abort;
    pthread_mutex_unlock(&a->gate->mu);
    if (abort)
        return NULL;

    struct wb_writer *w = a->w;
    uint32_t len = a->b->block_size;
    void *buf = io_buffer_alloc(len, -1, (uint64_t)(uintptr_t)w);
    aio_context_t ctx = 0;
    int setup = buf ? 0 : ENOMEM;
    if (!setup && a->g->engine == WB_LIBAIO && syscall(SYS_io_setup, 1, &ctx) != 0)
        setup = errno;
    /* Every writer passes every barrier, even after a failure: the others wait for it. */
    for (unsigned r = 0; r < a->b->rounds; r++) {
        pthread_barrier_wait(&a->sync->round);
        int e = setup;
        if (!e)
            e = a->g->engine == WB_LIBAIO ? one_aio(ctx, w->fd, buf, len, w->offsets[r])
                                          : one_psync(w->fd, buf, len, w->offsets[r]);
        if (e == 0)
            w->ok++;
        else if (!w->first_error)
            w->first_error = e;
    }
    if (ctx)
        syscall(SYS_io_destroy, ctx);
    free(buf);
    return NULL;
}

void wb_run(struct wb_batch *b)
{
    unsigned total = 0;
    for (unsigned i = 0; i < b->ngroups; i++)
        total += b->groups[i].nwriters;
    struct gate gate = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
    struct group_sync *syncs = calloc(b->ngroups ? b->ngroups : 1, sizeof *syncs);
    struct thread_arg *args = calloc(total ? total : 1, sizeof *args);
    pthread_t *tids = calloc(total ? total : 1, sizeof *tids);
    if (!syncs || !args || !tids) {
        b->setup_error = ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < b->ngroups; i++)
        pthread_barrier_init(&syncs[i].round, NULL, b->groups[i].nwriters ? b->groups[i].nwriters : 1);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 128 * 1024); /* thousands of threads that only call pwrite */
    unsigned started = 0;
    for (unsigned i = 0; i < b->ngroups && !b->setup_error; i++) {
        struct wb_group *g = &b->groups[i];
        for (unsigned k = 0; k < g->nwriters; k++) {
            struct thread_arg *a = &args[started];
            *a = (struct thread_arg){ .b = b, .g = g, .w = &g->writers[k], .sync = &syncs[i], .gate = &gate };
            int rc = pthread_create(&tids[started], &attr, writer_main, a);
            if (rc) {
                b->setup_error = rc;
                break;
            }
            started++;
        }
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&gate.mu);
    gate.open = true;
    gate.abort = b->setup_error != 0;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    for (unsigned i = 0; i < b->ngroups; i++)
        pthread_barrier_destroy(&syncs[i].round);
out:
    free(syncs);
    free(args);
    free(tids);
}

void wb_free(struct wb_batch *b)
{
    if (!b->groups)
        return;
    for (unsigned i = 0; i < b->ngroups; i++) {
        struct wb_group *g = &b->groups[i];
        if (g->writers)
            for (unsigned k = 0; k < g->nwriters; k++)
                free(g->writers[k].offsets);
        free(g->writers);
    }
    free(b->groups);
    b->groups = NULL;
}
