/* The control socket: a Unix stream socket, one JSON request per line, one JSON reply line each.
 * Served by the main thread from its poll() loop; several clients may be connected. */
#ifndef FB_CONTROL_H
#define FB_CONTROL_H

#include <poll.h>

/* Binds and listens on path (a stale socket file is replaced). Returns 0 or -errno. */
int control_init(const char *path);
/* Adds the listening socket and the clients to pfds (at most max); returns how many were added. */
int control_pollfds(struct pollfd *pfds, int max);
/* Handles the events poll() reported on the entries control_pollfds() added. */
void control_handle(const struct pollfd *pfds, int n);
/* Closes everything and removes the socket file. */
void control_close(void);

#endif
