#include "args.h"

#include "delay.h"
#include "log.h"
#include "policy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: fusebench-server --backing DIR --mountpoint DIR [options]\n"
	"\n"
	"A passthrough FUSE filesystem over DIR speaking raw /dev/fuse, with per-opcode statistics.\n"
	"\n"
	"  --mode M            cached|direct|parallel|passthrough|passthrough-direct|passthrough-parallel\n"
	"                      (default parallel): the FOPEN_* flags replied to OPEN/CREATE\n"
	"  --fopen LIST        raw FOPEN flag names, e.g. DIRECT_IO,PARALLEL_DIRECT_WRITES (overrides --mode;\n"
	"                      \"none\" = 0)\n"
	"  --init LIST         allow-mmap,async-dio,writeback,no-passthrough: INIT options besides the base set\n"
	"  --delay LIST        per-opcode hold time, e.g. write=200us,read=1ms (units ns|us|ms|s)\n"
	"  --backend B         disk (default) or null (READ returns zeros, WRITE drops the data)\n"
	"  --threads N         most worker threads, each on its own cloned /dev/fuse fd; the pool grows on\n"
	"                      demand up to N (1..1024, default 256)\n"
	"  --threads-initial N threads started with the mount (1..1024, at most --threads; default 2)\n"
	"  --transport T       dev (default: read/writev on /dev/fuse) or uring (FUSE over io_uring when the\n"
	"                      kernel offers it at INIT; /dev/fuse otherwise, and the ready line says why)\n"
	"  --uring-depth N     with uring: ring entries per CPU queue, each served by its own thread (default 16)\n"
	"  --max-write BYTES   max_write in the INIT reply (default 1048576)\n"
	"  --stack-depth N     max_stack_depth in the INIT reply (default 1)\n"
	"  --max-background N  max_background in the INIT reply, 1..65535 (default 64; congestion_threshold = 3/4)\n"
	"  --control PATH      Unix socket for the JSON-lines control protocol (default none)\n"
	"  --attr-timeout S    attribute cache timeout in seconds (default 1.0)\n"
	"  --entry-timeout S   name cache timeout in seconds (default 1.0)\n"
	"  --getxattr E        enosys (default) or enodata: the answer to GETXATTR/LISTXATTR\n"
	"  --die-with-parent   get SIGTERM when the parent process dies\n"
	"  --fsname NAME       mount source shown in /proc/mounts (default fusebench)\n"
	"  --corrupt-read N    self-test only: flip one byte of the Nth READ reply carrying data (proves a\n"
	"                      data checker such as `fusebench verify` catches a bad server; default off)\n"
	"  --verbose           log every request to stderr\n"
	"  --help              this text\n"
	"\n"
	"Prints one JSON line {\"event\":\"ready\",...} on stdout once mounted, and {\"event\":\"exit\",...} at exit.\n"
	"SIGTERM/SIGINT unmount and exit 0. Exit 2: bad usage; 1: failure.\n";

static void usage_error(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "fusebench-server: ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, "\nRun fusebench-server --help for the options.\n");
	exit(2);
}

static unsigned long parse_uint(const char *opt, const char *v, unsigned long min, unsigned long max)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < min || n > max) {
		char range[64];
		snprintf(range, sizeof range, "%lu..%lu", min, max);
		usage_error("%s needs an integer in %s", opt, range);
	}
	return n;
}

static unsigned long long parse_u64(const char *opt, const char *v, unsigned long long min)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < min)
		usage_error("%s needs an integer >= 1, got \"%s\"", opt, v);
	return n;
}

static double parse_seconds(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (errno || end == v || *end || !(d >= 0) || !isfinite(d) || d > 1e9)
		usage_error("%s needs a number of seconds >= 0, got \"%s\"", opt, v);
	return d;
}

static unsigned parse_init(const char *v)
{
	unsigned opts = 0;
	const char *p = v;
	while (*p) {
		size_t n = strcspn(p, ",+");
		if (n == 4 && strncmp(p, "none", 4) == 0)
			;
		else if (n == 10 && strncmp(p, "allow-mmap", n) == 0)
			opts |= FB_INIT_ALLOW_MMAP;
		else if (n == 9 && strncmp(p, "async-dio", n) == 0)
			opts |= FB_INIT_ASYNC_DIO;
		else if (n == 9 && strncmp(p, "writeback", n) == 0)
			opts |= FB_INIT_WRITEBACK;
		else if (n == 14 && strncmp(p, "no-passthrough", n) == 0)
			opts |= FB_INIT_NO_PASSTHROUGH;
		else if (n > 0) {
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)n, p);
			usage_error("unknown --init option \"%s\" (known: %s)", name,
				    "allow-mmap, async-dio, writeback, no-passthrough");
		}
		p += n;
		if (*p)
			p++;
	}
	return opts;
}

void args_parse(int argc, char **argv, struct fb_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->mode = policy_mode_by_name("parallel", 8);
	cfg->fopen = policy_mode_fopen(cfg->mode);
	cfg->backend = FB_BACKEND_DISK;
	cfg->threads = 256;
	cfg->threads_initial = 2;
	cfg->max_write = 1u << 20;
	cfg->stack_depth = 1;
	cfg->max_background = 64;
	cfg->attr_timeout = 1.0;
	cfg->entry_timeout = 1.0;
	cfg->getxattr = FB_GETXATTR_ENOSYS;
	cfg->fsname = "fusebench";
	cfg->transport = FB_TRANSPORT_DEV;
	cfg->uring_depth = 16;
	const char *mode = NULL, *fopen = NULL;

	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];
		if (strncmp(arg, "--", 2) != 0)
			usage_error("unexpected argument \"%s\"%s", arg, "");
		const char *name = arg + 2;
		const char *val = NULL;
		char namebuf[64];
		char *eq = strchr(arg, '=');
		if (eq) {
			snprintf(namebuf, sizeof namebuf, "%.*s", (int)(eq - name), name);
			name = namebuf;
			val = eq + 1;
		}
		/* Flags without a value. */
		if (strcmp(name, "help") == 0) {
			fputs(usage_text, stdout);
			exit(0);
		}
		if (strcmp(name, "die-with-parent") == 0 || strcmp(name, "verbose") == 0) {
			if (val)
				usage_error("--%s takes no value%s", name, "");
			if (name[0] == 'd')
				cfg->die_with_parent = true;
			else
				fb_verbose = true;
			continue;
		}
		static const char *const with_value[] = { "backing", "mountpoint", "mode", "fopen", "init", "delay",
							   "backend", "threads", "threads-initial", "max-write", "stack-depth", "max-background", "control",
							   "attr-timeout", "entry-timeout", "getxattr", "fsname", "corrupt-read", "transport",
							   "uring-depth", NULL };
		bool known = false;
		for (int k = 0; with_value[k]; k++)
			known |= strcmp(name, with_value[k]) == 0;
		if (!known)
			usage_error("unknown option --%s%s", name, "");
		if (!val) {
			if (i + 1 >= argc)
				usage_error("--%s needs a value%s", name, "");
			val = argv[++i];
		}
		char err[256];
		if (strcmp(name, "backing") == 0)
			cfg->backing = val;
		else if (strcmp(name, "mountpoint") == 0)
			cfg->mountpoint = val;
		else if (strcmp(name, "mode") == 0)
			mode = val;
		else if (strcmp(name, "fopen") == 0)
			fopen = val;
		else if (strcmp(name, "init") == 0)
			cfg->init_opts |= parse_init(val);
		else if (strcmp(name, "delay") == 0) {
			if (delay_parse(val, cfg->delays, err, sizeof err) < 0)
				usage_error("--delay: %s%s", err, "");
		} else if (strcmp(name, "backend") == 0) {
			if (strcmp(val, "disk") == 0)
				cfg->backend = FB_BACKEND_DISK;
			else if (strcmp(val, "null") == 0)
				cfg->backend = FB_BACKEND_NULL;
			else
				usage_error("--backend must be disk or null, not \"%s\"%s", val, "");
		} else if (strcmp(name, "threads") == 0)
			cfg->threads = (unsigned)parse_uint("--threads", val, 1, 1024);
		else if (strcmp(name, "threads-initial") == 0)
			cfg->threads_initial = (unsigned)parse_uint("--threads-initial", val, 1, 1024);
		else if (strcmp(name, "max-write") == 0)
			cfg->max_write = (uint32_t)parse_uint("--max-write", val, 4096, 64u << 20);
		else if (strcmp(name, "stack-depth") == 0)
			cfg->stack_depth = (uint32_t)parse_uint("--stack-depth", val, 0, 255);
		else if (strcmp(name, "max-background") == 0)
			cfg->max_background = (uint16_t)parse_uint("--max-background", val, 1, 65535);
		else if (strcmp(name, "control") == 0)
			cfg->control = val;
		else if (strcmp(name, "attr-timeout") == 0)
			cfg->attr_timeout = parse_seconds("--attr-timeout", val);
		else if (strcmp(name, "entry-timeout") == 0)
			cfg->entry_timeout = parse_seconds("--entry-timeout", val);
		else if (strcmp(name, "getxattr") == 0) {
			if (strcmp(val, "enosys") == 0)
				cfg->getxattr = FB_GETXATTR_ENOSYS;
			else if (strcmp(val, "enodata") == 0)
				cfg->getxattr = FB_GETXATTR_ENODATA;
			else
				usage_error("--getxattr must be enosys or enodata, not \"%s\"%s", val, "");
		} else if (strcmp(name, "corrupt-read") == 0) {
			cfg->corrupt_read = parse_u64("--corrupt-read", val, 1);
		} else if (strcmp(name, "transport") == 0) {
			if (strcmp(val, "dev") == 0)
				cfg->transport = FB_TRANSPORT_DEV;
			else if (strcmp(val, "uring") == 0)
				cfg->transport = FB_TRANSPORT_URING;
			else
				usage_error("--transport must be dev or uring, not \"%s\"%s", val, "");
		} else if (strcmp(name, "uring-depth") == 0) {
			cfg->uring_depth = (unsigned)parse_uint("--uring-depth", val, 1, 256);
		} else if (strcmp(name, "fsname") == 0) {
			if (!val[0] || strpbrk(val, ", \t\n"))
				usage_error("--fsname must be non-empty without commas or spaces: \"%s\"%s", val, "");
			cfg->fsname = val;
		}
	}
	if (!cfg->backing || !cfg->mountpoint)
		usage_error("--backing DIR and --mountpoint DIR are required%s%s", "", "");
	if (mode) {
		cfg->mode = policy_mode_by_name(mode, strlen(mode));
		if (cfg->mode < 0)
			usage_error("unknown --mode \"%s\" (known: %s)", mode,
				    "cached, direct, parallel, passthrough, passthrough-direct, passthrough-parallel");
		cfg->fopen = policy_mode_fopen(cfg->mode);
	}
	if (fopen) {
		char err[256];
		if (policy_parse_fopen(fopen, &cfg->fopen, err, sizeof err) < 0)
			usage_error("--fopen: %s%s", err, "");
		cfg->mode = -1;
	}
	if (cfg->control && strlen(cfg->control) >= 108)
		usage_error("--control path is too long for a Unix socket (max 107 bytes): %s%s", cfg->control, "");
}
