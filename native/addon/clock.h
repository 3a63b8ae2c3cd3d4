#ifndef FUSEBENCH_CLOCK_H
#define FUSEBENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC goes through the vDSO: no syscall, so it adds tens of ns, not a kernel entry,
 * to every timed operation. */
static inline uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* For the timed regions: read the clock raw and convert afterwards, so not even the ns
 * arithmetic sits between the clock read and the operation measured. */
static inline void mono_raw(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
}

static inline uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

#endif
