#ifndef FUSEBENCH_SPEC_H
#define FUSEBENCH_SPEC_H

#include <stdint.h>

enum io_op { OP_PREAD, OP_PWRITE };
enum io_pattern { PAT_RANDOM, PAT_SEQUENTIAL, PAT_EXTEND };

/* ioLoop / aioLoop, validated and converted from the JS spec. */
struct loop_spec {
    int fd;
    enum io_op op;
    uint64_t block_size;
    enum io_pattern pattern;
    uint64_t offset, range;
    uint64_t max_ops;     /* 0 = unlimited */
    uint64_t deadline_ns; /* 0 = none */
    uint64_t seed;
    int record_starts;
    int fill;   /* byte value, or -1 for a seed-derived pattern */
    int cursor; /* shared extend cursor slot, or -1 */
    unsigned depth; /* aioLoop, uringLoop */
    int uring_fixed_buffers, uring_registered_file; /* uringLoop only */
};

/* mmapLoop. */
struct mmap_spec {
    int fd;
    int write;
    uint64_t offset, length;
    int random;
    uint64_t max_ops, deadline_ns, seed;
    int record_starts;
};

#endif
