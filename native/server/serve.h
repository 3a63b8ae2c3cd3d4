/* Serving one request, whichever transport brought it (worker.c: read() on /dev/fuse; uring.c: a
 * ring entry): in-flight gauge, injected delay, handler, reply. */
#ifndef FB_SERVE_H
#define FB_SERVE_H

#include "request.h"

/* r arrives with w, in, arg, arglen, t0 (and ring for io_uring) set; the rest is filled here. Returns
 * once the request has been replied to (or, without a reply, accounted for). */
void serve_request(struct fb_req *r);

#endif
