#include "offsets.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "rng.h"

void offgen_init(struct offgen *g, const struct loop_spec *s)
{
    g->pattern = s->pattern;
    g->base = s->offset;
    g->bs = s->block_size;
    /* The spec parser guarantees range >= block size for the wrapping patterns. */
    g->slots = s->pattern == PAT_EXTEND ? 0 : s->range / s->block_size;
    g->seq = 0;
    g->rng = s->seed;
    g->cursor = s->cursor;
}

uint64_t offgen_next(struct offgen *g)
{
    switch (g->pattern) {
    case PAT_RANDOM:
        return g->base + (rng_next(&g->rng) % g->slots) * g->bs;
    case PAT_SEQUENTIAL: {
        uint64_t off = g->base + g->seq * g->bs;
        if (++g->seq == g->slots)
            g->seq = 0;
        return off;
    }
    case PAT_EXTEND:
        break;
    }
    if (g->cursor >= 0)
        return cursor_take(g->cursor, g->bs);
    return g->base + g->seq++ * g->bs;
}

void *io_buffer_alloc(uint64_t size, int fill, uint64_t seed)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t align = page > 4096 ? (size_t)page : 4096;
    size_t len = (size_t)((size + align - 1) / align * align);
    void *p = NULL;
    if (posix_memalign(&p, align, len) != 0)
        return NULL;
    if (fill >= 0) {
        memset(p, fill, len);
    } else {
        uint64_t st = seed ^ 0x5a17f11ull;
        unsigned char *b = p;
        for (size_t i = 0; i < len; i += 8) {
            uint64_t x = rng_next(&st);
            memcpy(b + i, &x, 8);
        }
    }
    return p;
}
