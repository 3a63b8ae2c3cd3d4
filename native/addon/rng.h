#ifndef FUSEBENCH_RNG_H
#define FUSEBENCH_RNG_H

#include <stdint.h>

/* splitmix64: every seed (0 included) gives a full-period, well-mixed stream, so job seeds
 * 1, 2, 3... do not produce correlated offsets. */
static inline uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif
