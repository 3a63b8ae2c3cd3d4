/* Many small groups of writers, each group on its own file, all released at once: the lattice sweep
 * runs thousands of open-flag combinations concurrently in one mount this way. Within a group the
 * writers pass a barrier before every round, so each round's writes start together (and an extending
 * round only begins once the previous one has moved EOF). Pure C; runs on a libuv pool thread. */
#ifndef FUSEBENCH_WRITE_BATCH_H
#define FUSEBENCH_WRITE_BATCH_H

#include <stdint.h>

enum wb_engine { WB_PSYNC, WB_LIBAIO };

struct wb_writer {
    int fd;
    uint64_t *offsets; /* one per round */
    /* out */
    uint32_t ok; /* writes that transferred the whole block */
    int first_error; /* 0, an errno, or RES_SHORT */
};

struct wb_group {
    enum wb_engine engine;
    unsigned nwriters;
    struct wb_writer *writers;
};

struct wb_batch {
    uint32_t block_size;
    unsigned rounds;
    unsigned ngroups;
    struct wb_group *groups;
    /* out: set when the threads could not all be started (nothing was written then) */
    int setup_error;
};

void wb_run(struct wb_batch *b);
void wb_free(struct wb_batch *b);

#endif
