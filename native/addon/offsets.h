#ifndef FUSEBENCH_OFFSETS_H
#define FUSEBENCH_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"

/* Where the next I/O of a loop goes. Extend advances when an offset is taken (not when the I/O
 * succeeds), so ioLoop and aioLoop, which has several writes in flight, behave alike. */
struct offgen {
    enum io_pattern pattern;
    uint64_t base, bs, slots, seq, rng;
    int cursor;
};

void offgen_init(struct offgen *g, const struct loop_spec *s);
uint64_t offgen_next(struct offgen *g);

/* Page-aligned (O_DIRECT-safe) buffer of at least `size` bytes, filled once: `fill` >= 0 is a
 * byte value, otherwise bytes derived from `seed`. NULL when out of memory; release with free(). */
void *io_buffer_alloc(uint64_t size, int fill, uint64_t seed);

#endif
