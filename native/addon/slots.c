#include "slots.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "offsets.h"

int io_slots_init(struct io_slots *p, const struct loop_spec *s)
{
    memset(p, 0, sizeof *p);
    p->buf = calloc(s->depth, sizeof *p->buf);
    p->t0 = calloc(s->depth, sizeof *p->t0);
    p->free = calloc(s->depth, sizeof *p->free);
    if (!p->buf || !p->t0 || !p->free)
        return ENOMEM;
    p->depth = s->depth;
    for (unsigned i = 0; i < s->depth; i++) {
        p->buf[i] = io_buffer_alloc(s->block_size, s->fill, s->seed + i);
        if (!p->buf[i])
            return ENOMEM;
        io_slot_put(p, i);
    }
    return 0;
}

void io_slots_free(struct io_slots *p)
{
    if (p->buf)
        for (unsigned i = 0; i < p->depth; i++)
            free(p->buf[i]);
    free(p->buf);
    free(p->t0);
    free(p->free);
    memset(p, 0, sizeof *p);
}
