/* Delay injection: hold a request for a configured time before serving it, to model slow storage.
 * Waits sleep on a condition variable (no CPU burnt) that an INTERRUPT for the request can cut short. */
#ifndef FB_DELAY_H
#define FB_DELAY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opslot.h"

/* Parses "write=200us,read=1ms,getattr=0" (units ns|us|ms|s, a bare number is ns; "none" or "" = no
 * delays). Opcodes not named get 0. Returns 0, or -1 with a message in err. */
int delay_parse(const char *text, uint64_t out[FB_OPSLOTS], char *err, size_t errlen);

void delay_set_all(const uint64_t ns[FB_OPSLOTS]);
void delay_get_all(uint64_t ns[FB_OPSLOTS]);
uint64_t delay_for(uint32_t opcode);

/* One per worker thread: where an INTERRUPT finds the request that thread is holding. */
struct fb_waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint64_t unique; /* request being held, 0 if none */
	bool interrupted;
};

void delay_waiter_init(struct fb_waiter *w);
void delay_waiter_destroy(struct fb_waiter *w);
/* Makes the waiters visible to delay_interrupt(); called once before the workers start. */
void delay_register_waiters(struct fb_waiter *const *waiters, unsigned n);
/* The same for the io_uring entries' waiters (uring.c), a set of its own. */
void delay_register_ring_waiters(struct fb_waiter *const *waiters, unsigned n);

/* Holds request `unique` for ns nanoseconds. Returns true if an INTERRUPT for it arrived (before or
 * during the wait): the caller then answers EINTR. */
bool delay_wait(struct fb_waiter *w, uint64_t unique, uint64_t ns);

/* Handles FUSE_INTERRUPT for `unique`. */
void delay_interrupt(uint64_t unique);

/* Shutting down: every held request is served now and no new one is held. */
void delay_shutdown(void);

#endif
