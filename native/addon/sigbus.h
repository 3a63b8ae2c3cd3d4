#ifndef FUSEBENCH_SIGBUS_H
#define FUSEBENCH_SIGBUS_H

#include <stddef.h>
#include <stdint.h>

/* A fault on a mapped file that cannot be served (past EOF, a read error from the FUSE server)
 * raises SIGBUS; in a benchmark that is an outcome to count, not a reason to kill Node. */

/* Installs the process-wide handler once; safe to call from any thread, every time. */
void sigbus_guard_install(void);

enum touch { TOUCH_READ, TOUCH_STORE, TOUCH_REWRITE };

/* Touches one byte at p: a load (TOUCH_READ), a store of `val` (TOUCH_STORE), or a store of the
 * byte just loaded (TOUCH_REWRITE: dirties the page without changing the file). Reads the clock
 * right before and after. Returns 0 with *t0 and *t1 set, or -1 if the touch raised SIGBUS. */
int guarded_touch(volatile uint8_t *p, enum touch how, uint8_t val, uint64_t *t0, uint64_t *t1);

/* memcpy(dst, src, n) where either side may be a file mapping. Returns 0, or -1 if a page could not
 * be served (SIGBUS); the copy is then partial. */
int guarded_copy(void *dst, const void *src, size_t n);

#endif
