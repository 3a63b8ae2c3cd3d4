#include "cursor.h"

#include <stdatomic.h>

static _Atomic uint64_t cursors[CURSOR_SLOTS];

int cursor_slot(int64_t id)
{
    return (int)(id % CURSOR_SLOTS);
}

void cursor_reset(int64_t id, uint64_t value)
{
    atomic_store(&cursors[cursor_slot(id)], value);
}

uint64_t cursor_take(int slot, uint64_t by)
{
    return atomic_fetch_add(&cursors[slot], by);
}
