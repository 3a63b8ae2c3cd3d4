/* --corrupt-read N: a self-test switch for data checkers (`fusebench verify`), never on in a
 * measurement. The Nth READ reply that carries data gets one byte changed (every bit of its middle
 * byte flipped) after it was read from the backing file, as a server bug would. */
#ifndef FB_CORRUPT_H
#define FB_CORRUPT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* Called for every READ reply of n > 0 bytes read at `offset` of inode `nodeid`, before it is sent;
 * changes `data` when this is the chosen reply. No-op (one relaxed load) while the switch is off. */
void corrupt_read_reply(uint64_t nodeid, uint64_t offset, char *data, size_t n);

/* `"corruptRead":null` when off, else `"corruptRead":{"n":N,"done":B,"nodeid":I,"offset":O,
 * "readOffset":R,"size":S}` (offset = the file offset of the changed byte; the last four only once
 * done). */
void corrupt_json(struct fb_sb *sb);

#endif
