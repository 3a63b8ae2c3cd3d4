#include "uring.h"

#include "clock.h"
#include "delay.h"
#include "log.h"
#include "serve.h"
#include "session.h"
#include "ring.h"
#include "worker.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

/* Bytes before the payload buffer. The entry's header buffer sits at its start; a request is rebuilt
 * contiguously (fuse_in_header, op_in, payload) at its end, right before the payload, so handlers read
 * it like a request read from /dev/fuse and write data is never copied. READ and READDIR build their
 * replies at w.buf + 4096, i.e. in the payload buffer itself, which is then committed in place. */
#define PREFIX 4096
_Static_assert(sizeof(struct fuse_uring_req_header) + sizeof(struct fuse_in_header) + FUSE_URING_OP_IN_OUT_SZ <= PREFIX,
	       "prefix holds the header buffer and a rebuilt request head");

enum ent_state { ENT_STARTING, ENT_SERVING, ENT_FAILED, ENT_DONE };

struct fb_ring_ent {
	struct fb_worker w; /* buf, bufsize and waiter as a /dev/fuse worker has them; fd unused (-1) */
	unsigned qid;
	struct fb_ring ring;
	struct fuse_uring_req_header *hdr; /* = w.buf */
	char *payload; /* = w.buf + PREFIX */
	size_t payload_len;
	struct iovec iov[2]; /* what REGISTER hands the kernel */
	bool replied; /* uring_reply filled the entry for the request being served */
	enum ent_state state; /* under lock */
	int error; /* ENT_FAILED: why */
	bool started, joined;
};

static struct fb_ring_ent *ents;
static struct fb_waiter **ent_waiters;
static unsigned n_ents, n_queues, n_started, n_done;
static _Atomic uint64_t ring_requests;
static bool active;
static char reason[256];
/* 128-byte SQEs for URING_CMD; 6.1+: completions run only when this thread waits for them. */
#define RING_FLAGS (IORING_SETUP_SQE128 | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;

/* ---- deciding ----------------------------------------------------------------------------------- */

bool uring_wanted(void)
{
	if (g_session.cfg.transport != FB_TRANSPORT_URING)
		return false;
	struct fb_ring r;
	int e = ring_init(&r, 2, RING_FLAGS);
	if (e) {
		snprintf(reason, sizeof reason,
			 "io_uring_setup with 128-byte SQEs failed: %s (io_uring off in sysctl kernel.io_uring_disabled, "
			 "or a kernel without it)",
			 strerror(e));
		return false;
	}
	ring_free(&r);
	return true;
}

/* Number of CPUs in a /sys/devices/system/cpu list ("0-3,8-11"); 0 if unreadable. */
static unsigned cpu_count(const char *path, bool *online, unsigned n_online)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[4096];
	unsigned n = 0;
	if (fgets(line, sizeof line, f)) {
		char *p = line;
		while (*p && *p != '\n') {
			char *end;
			unsigned long a = strtoul(p, &end, 10), b = a;
			if (end == p)
				break;
			if (*end == '-')
				b = strtoul(end + 1, &end, 10);
			for (unsigned long c = a; c <= b && c < 65536; c++) {
				n++;
				if (online && c < n_online)
					online[c] = true;
			}
			p = *end == ',' ? end + 1 : end;
		}
	}
	fclose(f);
	return n;
}

/* ---- one entry ---------------------------------------------------------------------------------- */

static void set_state(struct fb_ring_ent *e, enum ent_state s, int error)
{
	pthread_mutex_lock(&lock);
	e->state = s;
	e->error = error;
	if (s == ENT_DONE)
		n_done++;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void queue_cmd(struct fb_ring *ring, uint32_t op, uint16_t qid, uint64_t commit_id, struct iovec *iov)
{
	struct io_uring_sqe *sqe = ring_sqe(ring);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = g_session.dev_fd;
	sqe->cmd_op = op;
	if (iov) {
		sqe->addr = (uint64_t)(uintptr_t)iov;
		sqe->len = 2;
	}
	struct fuse_uring_cmd_req *c = (struct fuse_uring_cmd_req *)(void *)sqe->cmd;
	c->commit_id = commit_id;
	c->qid = qid;
	sqe->user_data = op;
	ring_publish(ring);
}

/* A REGISTER either fails at once (a completion is waiting when io_uring_enter returns) or parks the
 * entry until a request arrives. Returns 0 or the errno. */
static int register_entry(struct fb_ring_ent *e)
{
	for (int tries = 0;; tries++) {
		queue_cmd(&e->ring, FUSE_IO_URING_CMD_REGISTER, (uint16_t)e->qid, 0, e->iov);
		int err;
		while ((err = ring_enter(&e->ring, 0, NULL)) == EINTR)
			;
		if (err)
			return err;
		struct io_uring_cqe *cqe = ring_cqe(&e->ring);
		if (!cqe)
			return 0;
		int res = cqe->res;
		ring_cqe_seen(&e->ring);
		/* EAGAIN: the kernel has not finished processing our INIT reply yet. */
		if (res == -EAGAIN && tries < 1000) {
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
			continue;
		}
		return res < 0 ? -res : EIO;
	}
}

/* The request in the entry, rebuilt as /dev/fuse would have delivered it, through the shared handlers. */
static void serve_entry(struct fb_ring_ent *e, uint64_t t0)
{
	const struct fuse_in_header *kin = (const void *)e->hdr->in_out;
	size_t psz = e->hdr->ring_ent_in_out.payload_sz;
	/* in.len counts every argument; what the payload does not hold went to op_in. */
	size_t oplen = kin->len >= sizeof *kin + psz ? kin->len - sizeof *kin - psz : SIZE_MAX;
	size_t ext = (size_t)kin->total_extlen * 8;
	e->replied = false;
	if (psz > e->payload_len || oplen > FUSE_URING_OP_IN_OUT_SZ || ext > oplen + psz) {
		fb_log("malformed ring request (opcode %u, len %u, payload %zu): answered EIO", kin->opcode, kin->len, psz);
		struct fuse_out_header out = { .len = sizeof out, .error = -EIO, .unique = kin->unique };
		memcpy(e->hdr->in_out, &out, sizeof out);
		e->hdr->ring_ent_in_out.payload_sz = 0;
		return;
	}
	char *body = e->payload - oplen;
	memcpy(body, e->hdr->op_in, oplen);
	struct fuse_in_header *in = (struct fuse_in_header *)(void *)(body - sizeof *in);
	memcpy(in, kin, sizeof *in);
	atomic_fetch_add_explicit(&ring_requests, 1, memory_order_relaxed);
	struct fb_req r = {
		.w = &e->w,
		.in = in,
		.arg = body,
		.arglen = oplen + psz - ext,
		.t0 = t0,
		.ring = e,
	};
	serve_request(&r);
	if (!e->replied) {
		/* Only opcodes without a reply (FORGET, INTERRUPT) end here, and the kernel never sends those
		 * over the ring; the entry must still be committed to get the next request. */
		fb_log("ring request opcode %u left without a reply: answered EIO", in->opcode);
		struct fuse_out_header out = { .len = sizeof out, .error = -EIO, .unique = in->unique };
		memcpy(e->hdr->in_out, &out, sizeof out);
		e->hdr->ring_ent_in_out.payload_sz = 0;
	}
}

void uring_reply(struct fb_req *r, const struct fuse_out_header *out, const struct iovec *iov, int n)
{
	struct fb_ring_ent *e = r->ring;
	struct fuse_out_header oh = *out;
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (oh.error == 0 && total > e->payload_len) {
		fb_log("reply of %zu bytes does not fit the ring payload (%zu): answered EIO", total, e->payload_len);
		oh.error = -EIO;
	}
	if (oh.error != 0)
		total = 0;
	size_t off = 0;
	for (int i = 0; i < n && total; i++) {
		/* READ/READDIR data was built in the payload buffer already. */
		if (iov[i].iov_base != e->payload + off)
			memmove(e->payload + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	oh.len = (uint32_t)(sizeof oh + total);
	memcpy(e->hdr->in_out, &oh, sizeof oh);
	e->hdr->ring_ent_in_out.payload_sz = (uint32_t)total;
	e->replied = true;
}

static bool connection_gone(int err)
{
	return err == ENOTCONN || err == ECONNABORTED || err == ECANCELED || err == ENODEV;
}

static void *ent_main(void *arg)
{
	struct fb_ring_ent *e = arg;
	int err = ring_init(&e->ring, 2, RING_FLAGS);
	if (!err)
		err = register_entry(e);
	set_state(e, err ? ENT_FAILED : ENT_SERVING, err);
	while (!err) {
		err = ring_enter(&e->ring, 1, NULL);
		if (err == EINTR) {
			err = 0;
			continue;
		}
		if (err) {
			fb_log("ring entry of queue %u: io_uring_enter: %s", e->qid, strerror(err));
			break;
		}
		struct io_uring_cqe *cqe = ring_cqe(&e->ring);
		if (!cqe)
			continue;
		uint64_t t0 = fb_now_ns();
		int res = cqe->res;
		ring_cqe_seen(&e->ring);
		if (res < 0) {
			/* The connection is gone (unmount, abort) or the ring refused the commit. */
			if (!connection_gone(-res))
				fb_log("ring entry of queue %u: %s", e->qid, strerror(-res));
			break;
		}
		uint64_t commit_id = e->hdr->ring_ent_in_out.commit_id;
		serve_entry(e, t0);
		queue_cmd(&e->ring, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, (uint16_t)e->qid, commit_id, NULL);
	}
	ring_free(&e->ring);
	set_state(e, ENT_DONE, e->error);
	return NULL;
}

/* ---- the set of entries ------------------------------------------------------------------------- */

static int alloc_entries(const bool *online, unsigned depth)
{
	const struct fb_init_info *in = &g_session.init;
	/* What the kernel requires of every payload buffer (fuse_uring_create). */
	size_t payload = in->max_write;
	if (payload < (size_t)in->max_pages * 4096)
		payload = (size_t)in->max_pages * 4096;
	if (payload < FUSE_MIN_READ_BUFFER)
		payload = FUSE_MIN_READ_BUFFER;
	unsigned total = 0;
	for (unsigned q = 0; q < n_queues; q++)
		total += online[q] ? depth : 1;
	ents = calloc(total, sizeof *ents);
	ent_waiters = calloc(total, sizeof *ent_waiters);
	if (!ents || !ent_waiters)
		return ENOMEM;
	/* n_ents counts the entries fully set up, which are the ones uring_free releases. */
	for (unsigned q = 0; q < n_queues; q++) {
		for (unsigned k = 0; k < (online[q] ? depth : 1); k++) {
			struct fb_ring_ent *e = &ents[n_ents];
			e->qid = q;
			e->ring.fd = -1;
			e->w.index = n_ents;
			e->w.fd = -1;
			e->w.bufsize = PREFIX + payload;
			if (posix_memalign((void **)&e->w.buf, 4096, e->w.bufsize) != 0) {
				e->w.buf = NULL;
				return ENOMEM;
			}
			e->hdr = (struct fuse_uring_req_header *)(void *)e->w.buf;
			e->payload = e->w.buf + PREFIX;
			e->payload_len = payload;
			e->iov[0] = (struct iovec){ .iov_base = e->hdr, .iov_len = sizeof *e->hdr };
			e->iov[1] = (struct iovec){ .iov_base = e->payload, .iov_len = payload };
			delay_waiter_init(&e->w.waiter);
			ent_waiters[n_ents++] = &e->w.waiter;
		}
	}
	delay_register_ring_waiters(ent_waiters, n_ents);
	return 0;
}

/* Starts entry i's thread and waits until it has registered or failed. Returns 0 or the errno. */
static int start_entry(unsigned i)
{
	struct fb_ring_ent *e = &ents[i];
	int rc = pthread_create(&e->w.thread, NULL, ent_main, e);
	if (rc)
		return rc;
	pthread_mutex_lock(&lock);
	e->started = true;
	n_started++;
	while (e->state == ENT_STARTING)
		pthread_cond_wait(&cond, &lock);
	int err = e->state == ENT_FAILED ? e->error : 0;
	pthread_mutex_unlock(&lock);
	return err;
}

/* Before any entry is registered the kernel holds every request until the ring is complete; a REGISTER
 * it refuses (here: a queue index past the last one) makes it give up the ring for this connection and
 * serve /dev/fuse instead (fuse_uring_cmd clears fc->io_uring). */
static void give_up_ring(void)
{
	struct fb_ring r;
	if (ring_init(&r, 2, RING_FLAGS) != 0) {
		fb_log("cannot give up the io_uring: requests on this mount stay blocked until it is unmounted");
		return;
	}
	static struct fuse_uring_req_header h;
	struct iovec iov[2] = { { &h, sizeof h }, { NULL, 0 } };
	queue_cmd(&r, FUSE_IO_URING_CMD_REGISTER, UINT16_MAX, 0, iov);
	while (ring_enter(&r, 0, NULL) == EINTR)
		;
	ring_free(&r);
}

int uring_start(char *err, size_t errlen)
{
	const struct fb_config *cfg = &g_session.cfg;
	if (cfg->transport != FB_TRANSPORT_URING)
		return 0;
	if (!(g_session.init.negotiated & FUSE_OVER_IO_URING)) {
		if (!reason[0]) /* uring_wanted() did not rule it out: the kernel did */
			snprintf(reason, sizeof reason,
				 "the kernel did not offer FUSE_OVER_IO_URING at INIT (it needs CONFIG_FUSE_IO_URING and "
				 "the fuse module parameter enable_uring=Y)");
		return 0;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cond, &ca);
	pthread_condattr_destroy(&ca);

	int nconf = get_nprocs_conf();
	unsigned limit = nconf > 0 ? (unsigned)nconf : 1;
	if (limit < 4096)
		limit = 4096;
	bool *online = calloc(limit, sizeof *online);
	if (!online) {
		give_up_ring();
		snprintf(reason, sizeof reason, "registering the first io_uring entry failed: %s", strerror(ENOMEM));
		return 0;
	}
	/* The kernel makes one queue per possible CPU and queues a request on its caller's CPU. */
	n_queues = cpu_count("/sys/devices/system/cpu/possible", NULL, 0);
	if (n_queues == 0)
		n_queues = nconf > 0 ? (unsigned)nconf : 1;
	if (cpu_count("/sys/devices/system/cpu/online", online, limit) == 0)
		for (unsigned q = 0; q < n_queues && q < limit; q++)
			online[q] = true;
	int e = alloc_entries(online, cfg->uring_depth);
	free(online);
	if (e == 0)
		e = start_entry(0);
	if (e) {
		/* Some REGISTER failures already sent the kernel back to /dev/fuse, others (and anything
		 * before a REGISTER) did not; giving up twice does no harm. */
		give_up_ring();
		snprintf(reason, sizeof reason, "registering the first io_uring entry failed: %s", strerror(e));
		return 0;
	}
	for (unsigned i = 1; i < n_ents; i++) {
		e = start_entry(i);
		if (e) {
			snprintf(err, errlen, "registering io_uring entry %u (queue %u): %s; the ring is incomplete", i,
				 ents[i].qid, strerror(e));
			return -1;
		}
	}
	active = true;
	return 0;
}

void uring_transport_json(struct fb_sb *sb)
{
	bool uring = g_session.cfg.transport == FB_TRANSPORT_URING;
	sb_printf(sb, "\"transport\":{\"requested\":\"%s\",\"active\":%s,\"reason\":", uring ? "uring" : "dev",
		  !uring || active ? "true" : "false");
	if (!uring || active)
		sb_puts(sb, "null");
	else
		sb_jstr(sb, reason);
	if (active)
		sb_printf(sb, ",\"queues\":%u,\"depth\":%u,\"entries\":%u,\"ringRequests\":%llu", n_queues,
			  g_session.cfg.uring_depth, n_ents, (unsigned long long)atomic_load(&ring_requests));
	sb_putc(sb, '}');
}

bool uring_join(unsigned timeout_ms)
{
	if (!ents)
		return true;
	struct timespec ts = fb_deadline_ms(timeout_ms);
	pthread_mutex_lock(&lock);
	while (n_done < n_started)
		if (pthread_cond_timedwait(&cond, &lock, &ts) == ETIMEDOUT)
			break;
	bool all = n_done >= n_started;
	pthread_mutex_unlock(&lock);
	if (!all)
		return false;
	for (unsigned i = 0; i < n_ents; i++)
		if (ents[i].started && !ents[i].joined) {
			pthread_join(ents[i].w.thread, NULL);
			ents[i].joined = true;
		}
	return true;
}

void uring_free(void)
{
	if (!ents)
		return;
	for (unsigned i = 0; i < n_ents; i++)
		if (ents[i].started && !ents[i].joined)
			return; /* still in the kernel: leave it to process exit */
	delay_register_ring_waiters(NULL, 0);
	for (unsigned i = 0; i < n_ents; i++) {
		free(ents[i].w.buf);
		delay_waiter_destroy(&ents[i].w.waiter);
	}
	free(ents);
	free(ent_waiters);
	ents = NULL;
	ent_waiters = NULL;
	n_ents = 0;
}
