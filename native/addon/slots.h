/* The I/Os an asynchronous loop (libaio, io_uring) keeps in flight: one buffer and one submit time
 * per slot, and the stack of free slots. Buffers are distinct so that reads in flight together never
 * land in the same memory. */
#ifndef FUSEBENCH_SLOTS_H
#define FUSEBENCH_SLOTS_H

#include <stdint.h>

#include "spec.h"

struct io_slots {
    void **buf;
    uint64_t *t0;
    unsigned *free;
    unsigned nfree, depth;
};

/* `s->depth` slots of `s->block_size` bytes, filled as `s->fill` says. 0 or ENOMEM; io_slots_free
 * releases what was allocated either way. */
int io_slots_init(struct io_slots *p, const struct loop_spec *s);
void io_slots_free(struct io_slots *p);

static inline unsigned io_slot_take(struct io_slots *p)
{
    return p->free[--p->nfree];
}

static inline void io_slot_put(struct io_slots *p, unsigned i)
{
    p->free[p->nfree++] = i;
}

#endif
