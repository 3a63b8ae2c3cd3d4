#include "control.h"

#include "clock.h"
#include "delay.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "report.h"
#include "backing.h"
#include "stats.h"
#include "opslot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CLIENTS 32
#define MAX_LINE 65536

struct client {
	int fd;
	char *buf;
	size_t len;
};

static int listen_fd = -1;
static char *sock_path;
static struct client clients[MAX_CLIENTS];
static int n_clients;
static struct jarena arena; /* one request at a time: the main thread */

int control_init(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	chmod(path, 0600);
	listen_fd = fd;
	sock_path = strdup(path);
	return 0;
}

int control_pollfds(struct pollfd *pfds, int max)
{
	int n = 0;
	if (listen_fd < 0 || max < 1)
		return 0;
	pfds[n++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
	for (int i = 0; i < n_clients && n < max; i++)
		pfds[n++] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
	return n;
}

static void drop_client(int i)
{
	close(clients[i].fd);
	free(clients[i].buf);
	clients[i] = clients[--n_clients];
}

/* Replies are small and clients are ours; a client that stops reading for 2 s is dropped. */
static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };
				if (poll(&pf, 1, 2000) <= 0)
					return -1;
				continue;
			}
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void error_reply(struct fb_sb *out, const char *msg)
{
	out->len = 0;
	sb_puts(out, "{\"ok\":false,\"error\":");
	sb_jstr(out, msg);
	sb_putc(out, '}');
}

/* Applies {"cmd":"policy",...}; returns NULL or an error message. */
static const char *cmd_policy(const struct jval *req, char *err, size_t errlen)
{
	struct fb_policy p = policy_get();
	const struct jval *mode = json_get(req, "mode");
	const struct jval *fopen = json_get(req, "fopen");
	const struct jval *per_open = json_get(req, "backingPerOpen");
	const struct jval *on_error = json_get(req, "backingFailure");
	if (mode && fopen)
		return "give either \"mode\" or \"fopen\", not both";
	if (mode) {
		if (mode->type != J_STR)
			return "\"mode\" must be a string";
		int m = policy_mode_by_name(mode->str, mode->len);
		if (m < 0)
			return "unknown mode (known: cached, direct, parallel, passthrough, passthrough-direct, "
			       "passthrough-parallel)";
		p.mode = m;
		p.fopen = policy_mode_fopen(m);
	}
	if (fopen) {
		uint32_t flags = 0;
		if (fopen->type == J_STR) {
			if (policy_parse_fopen(fopen->str, &flags, err, errlen) < 0)
				return err;
		} else if (fopen->type == J_ARR) {
			for (const struct jval *e = fopen->child; e; e = e->next) {
				uint32_t f;
				if (e->type != J_STR)
					return "\"fopen\" must be an array of flag names";
				if (policy_parse_fopen(e->str, &f, err, errlen) < 0)
					return err;
				flags |= f;
			}
		} else {
			return "\"fopen\" must be an array of flag names";
		}
		p.mode = -1;
		p.fopen = flags;
	}
	if (per_open) {
		if (per_open->type != J_BOOL)
			return "\"backingPerOpen\" must be true or false";
		p.backing_per_open = per_open->b;
	}
	if (on_error) {
		if (on_error->type != J_STR)
			return "\"backingFailure\" must be \"fail-open\" or \"reply-anyway\"";
		if (on_error->len == 9 && memcmp(on_error->str, "fail-open", 9) == 0)
			p.reply_on_backing_error = false;
		else if (on_error->len == 12 && memcmp(on_error->str, "reply-anyway", 12) == 0)
			p.reply_on_backing_error = true;
		else
			return "\"backingFailure\" must be \"fail-open\" or \"reply-anyway\"";
	}
	policy_set(&p);
	return NULL;
}

/* Slot of a kernel opcode name (any case), 0 if none. */
static unsigned slot_by_name(const char *name)
{
	for (unsigned s = 1; s < FB_OPSLOTS; s++) {
		char nb[16];
		if (strcasecmp(fb_opslot_name(s, nb), name) == 0)
			return s;
	}
	return 0;
}

static bool only_keys(const struct jval *req, const char *const *allowed)
{
	for (const struct jval *m = req->child; m; m = m->next) {
		bool ok = false;
		for (int i = 0; allowed[i]; i++)
			ok |= strcmp(m->key, allowed[i]) == 0;
		if (!ok)
			return false;
	}
	return true;
}

static void handle_line(const char *line, size_t len, struct fb_sb *out)
{
	const char *perr = NULL;
	struct jval *req = json_parse(line, len, &arena, &perr);
	if (!req) {
		error_reply(out, perr);
		return;
	}
	const struct jval *cmd = json_get(req, "cmd");
	if (req->type != J_OBJ || !cmd || cmd->type != J_STR) {
		error_reply(out, "expected an object with a string \"cmd\"");
		return;
	}
	const char *c = cmd->str;
	static const char *const just_cmd[] = { "cmd", NULL };
	static const char *const policy_keys[] = { "cmd", "mode", "fopen", "backingPerOpen", "backingFailure", NULL };
	static const char *const delay_keys[] = { "cmd", "delay", NULL };
	static const char *const inodes_keys[] = { "cmd", "op", NULL };
	if (strcmp(c, "stats") == 0 || strcmp(c, "window") == 0 || strcmp(c, "reset") == 0 || strcmp(c, "info") == 0) {
		if (!only_keys(req, just_cmd)) {
			error_reply(out, "unexpected member in request");
			return;
		}
	}
	sb_putc(out, '{');
	if (strcmp(c, "stats") == 0) {
		report_stats_fields(out);
	} else if (strcmp(c, "window") == 0) {
		sb_puts(out, "\"ok\":true,");
		stats_window_json(out, fb_now_ns());
	} else if (strcmp(c, "reset") == 0) {
		stats_reset(fb_now_ns());
		backing_stats_reset();
		sb_puts(out, "\"ok\":true");
	} else if (strcmp(c, "info") == 0) {
		sb_puts(out, "\"ok\":true,");
		report_ready_fields(out);
	} else if (strcmp(c, "policy") == 0) {
		char err[256];
		const char *e = only_keys(req, policy_keys) ? cmd_policy(req, err, sizeof err) : "unexpected member in request";
		if (e) {
			error_reply(out, e);
			return;
		}
		sb_puts(out, "\"ok\":true,");
		report_policy(out);
	} else if (strcmp(c, "delay") == 0) {
		const struct jval *d = json_get(req, "delay");
		if (!only_keys(req, delay_keys) || !d || d->type != J_STR) {
			error_reply(out, "expected {\"cmd\":\"delay\",\"delay\":\"write=50ms,read=0\"}");
			return;
		}
		uint64_t ns[FB_OPSLOTS];
		char err[256];
		if (delay_parse(d->str, ns, err, sizeof err) < 0) {
			error_reply(out, err);
			return;
		}
		delay_set_all(ns);
		sb_puts(out, "\"ok\":true,");
		report_delays(out);
	} else if (strcmp(c, "inodes") == 0) {
		const struct jval *op = json_get(req, "op");
		if (!only_keys(req, inodes_keys) || (op && op->type != J_STR)) {
			error_reply(out, "expected {\"cmd\":\"inodes\",\"op\":\"WRITE\"}");
			return;
		}
		unsigned slot = slot_by_name(op ? op->str : "WRITE");
		if (!slot) {
			error_reply(out, "unknown opcode name in \"op\"");
			return;
		}
		sb_puts(out, "\"ok\":true,");
		stats_inodes_json(out, slot);
	} else {
		error_reply(out, "unknown cmd (known: stats, window, reset, policy, delay, info, inodes)");
		return;
	}
	sb_putc(out, '}');
}

/* Serves every complete line in the client's buffer; returns -1 if the client must go. */
static int serve_client(struct client *cl)
{
	for (;;) {
		char *nl = memchr(cl->buf, '\n', cl->len);
		if (!nl)
			return cl->len >= MAX_LINE ? -1 : 0;
		size_t linelen = (size_t)(nl - cl->buf);
		struct fb_sb out;
		sb_init(&out);
		if (linelen && cl->buf[linelen - 1] == '\r')
			linelen--;
		handle_line(cl->buf, linelen, &out);
		if (out.oom)
			error_reply(&out, "out of memory");
		sb_putc(&out, '\n');
		int rc = out.oom ? -1 : send_all(cl->fd, out.buf, out.len);
		sb_free(&out);
		size_t used = (size_t)(nl - cl->buf) + 1;
		memmove(cl->buf, cl->buf + used, cl->len - used);
		cl->len -= used;
		if (rc < 0)
			return -1;
	}
}

void control_handle(const struct pollfd *pfds, int n)
{
	if (n < 1 || listen_fd < 0)
		return;
	/* Clients first, by fd (accepting may reorder the array). */
	for (int k = 1; k < n; k++) {
		if (!(pfds[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		int i = 0;
		while (i < n_clients && clients[i].fd != pfds[k].fd)
			i++;
		if (i == n_clients)
			continue;
		struct client *cl = &clients[i];
		ssize_t r = recv(cl->fd, cl->buf + cl->len, MAX_LINE - cl->len, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			drop_client(i);
			continue;
		}
		cl->len += (size_t)r;
		if (serve_client(cl) < 0)
			drop_client(i);
	}
	if (pfds[0].revents & POLLIN) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd >= 0) {
			char *buf = n_clients < MAX_CLIENTS ? malloc(MAX_LINE) : NULL;
			if (!buf) {
				fb_log("control socket: too many clients, refusing one");
				close(fd);
			} else {
				clients[n_clients++] = (struct client){ .fd = fd, .buf = buf, .len = 0 };
			}
		}
	}
}

void control_close(void)
{
	while (n_clients > 0)
		drop_client(n_clients - 1);
	if (listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
	if (sock_path) {
		unlink(sock_path);
		free(sock_path);
		sock_path = NULL;
	}
}
