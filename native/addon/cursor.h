#ifndef FUSEBENCH_CURSOR_H
#define FUSEBENCH_CURSOR_H

#include <stdint.h>

/* Process-wide offsets shared by every worker thread (the addon's statics are per process), so N
 * extending writers each take the next block past everything taken before. Ids map onto a fixed
 * table modulo CURSOR_SLOTS. */
#define CURSOR_SLOTS 1024

void cursor_reset(int64_t id, uint64_t value);
/* Returns the cursor's value and advances it by `by`, atomically. */
uint64_t cursor_take(int slot, uint64_t by);
int cursor_slot(int64_t id);

#endif
