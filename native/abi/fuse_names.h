/* Kernel names of FUSE opcodes, INIT bits and FOPEN bits ("WRITE", "ASYNC_DIO", "DIRECT_IO"): the
 * vocabulary of every report, so each is spelled exactly once, in fuse_names.c. */
#ifndef FUSEBENCH_FUSE_NAMES_H
#define FUSEBENCH_FUSE_NAMES_H

#include <stdint.h>

/* "WRITE" for FUSE_WRITE; NULL for numbers 7.45 does not define. */
const char *fuse_opcode_name(uint32_t opcode);
/* The opcode for a name, case-insensitive, with or without "FUSE_"; -1 if unknown. */
int fuse_opcode_by_name(const char *name, uint32_t len);

/* "ASYNC_DIO" for bit 15; NULL for bits 7.45 does not define (report them as "BIT<n>"). */
const char *fuse_init_bit_name(unsigned bit);
/* The bit number for a name, case-insensitive, with or without "FUSE_"; -1 if unknown. */
int fuse_init_bit_by_name(const char *name, uint32_t len);

/* "DIRECT_IO" for bit 0 of open_flags; NULL past FOPEN_PASSTHROUGH. */
const char *fuse_fopen_bit_name(unsigned bit);
/* The bit number for a name, case-insensitive, with or without "FOPEN_"; -1 if unknown. */
int fuse_fopen_bit_by_name(const char *name, uint32_t len);

#define FUSE_INIT_BITS 64
#define FUSE_FOPEN_BITS 8

#endif
