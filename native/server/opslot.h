/* Per-opcode tables (stats, delays) are indexed by a slot: the opcode itself below FB_OPSLOTS (every
 * opcode 7.45 defines), slot 0 for anything larger (CUSE_INIT, future iomap opcodes). */
#ifndef FB_OPSLOT_H
#define FB_OPSLOT_H

#include <stdint.h>
#include <stdio.h>

#include "fuse_names.h"

#define FB_OPSLOTS 64

static inline unsigned fb_opslot(uint32_t opcode)
{
	return opcode < FB_OPSLOTS ? opcode : 0;
}

/* Kernel name of a slot ("WRITE"), "OTHER" for slot 0, "OP_<n>" for numbers without a name. */
static inline const char *fb_opslot_name(unsigned slot, char buf[16])
{
	if (slot == 0)
		return "OTHER";
	const char *n = fuse_opcode_name(slot);
	if (n)
		return n;
	snprintf(buf, 16, "OP_%u", slot);
	return buf;
}

#endif
