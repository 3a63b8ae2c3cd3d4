/* The INIT handshake on the session fd, before any worker runs. */
#ifndef FB_INIT_H
#define FB_INIT_H

#include <stddef.h>

/* Reads the kernel's INIT, replies with our choice and fills g_session.init. buf/bufsize: a request
 * buffer as large as a worker's. Returns 0, or -1 with a message in err. */
int init_handshake(char *buf, size_t bufsize, char *err, size_t errlen);

/* Upper bound of max_pages for a max_write (before INIT: the kernel's limit is read from sysctl). */
unsigned init_max_pages_for(unsigned max_write);

#endif
