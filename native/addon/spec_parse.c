#include "spec_parse.h"

#include <limits.h>
#include <unistd.h>

#include "cursor.h"
#include "napi_util.h"

/* pread/pwrite move at most 0x7ffff000 bytes per call; 1 GiB keeps well under it. */
#define MAX_BLOCK (1ll << 30)
/* io_setup allocates ring memory per event; fio caps iodepth far lower in practice. */
#define MAX_DEPTH 4096

static const char *const OPS[] = {"pread", "pwrite", NULL};
static const char *const PATTERNS[] = {"random", "sequential", "extend", NULL};
static const char *const MMAP_OPS[] = {"read", "write", NULL};
static const char *const MMAP_PATTERNS[] = {"sequential", "random", NULL};

static int limits(napi_env env, const char *ctx, uint64_t max_ops, uint64_t deadline_ns)
{
    if (max_ops == 0 && deadline_ns == 0) {
        throw_range(env, "%s: maxOps = 0 (unlimited) needs a deadlineNs", ctx);
        return -1;
    }
    return 0;
}

int parse_loop_spec(napi_env env, napi_value obj, const char *ctx, enum loop_kind kind, struct loop_spec *s)
{
    int64_t fd, bs, off, range, max_ops, fill, cursor = -1, depth = 1;
    int op, pat, present;
    if (arg_object(env, obj, ctx) != 0)
        return -1;
    if (get_int(env, obj, ctx, "fd", 1, 0, 0, INT_MAX, &fd) != 0 ||
        get_choice(env, obj, ctx, "op", OPS, &op) != 0 ||
        get_int(env, obj, ctx, "blockSize", 1, 0, 1, MAX_BLOCK, &bs) != 0 ||
        get_choice(env, obj, ctx, "pattern", PATTERNS, &pat) != 0 ||
        get_int(env, obj, ctx, "offset", 1, 0, 0, MAX_SAFE_INT, &off) != 0 ||
        get_int(env, obj, ctx, "range", pat != PAT_EXTEND, 0, 0, MAX_SAFE_INT, &range) != 0 ||
        get_int(env, obj, ctx, "maxOps", 1, 0, 0, MAX_SAFE_INT, &max_ops) != 0 ||
        get_ns(env, obj, ctx, "deadlineNs", 1, &s->deadline_ns) != 0 ||
        get_seed(env, obj, ctx, "seed", &s->seed) != 0 ||
        get_bool(env, obj, ctx, "recordStarts", 0, &s->record_starts) != 0 ||
        get_int(env, obj, ctx, "fill", 0, -1, 0, 255, &fill) != 0 ||
        has_prop(env, obj, "cursor", &present) != 0)
        return -1;
    if (present) {
        if (pat != PAT_EXTEND) {
            throw_range(env, "%s.cursor applies only to pattern 'extend'", ctx);
            return -1;
        }
        if (get_int(env, obj, ctx, "cursor", 1, 0, 0, MAX_SAFE_INT, &cursor) != 0)
            return -1;
    }
    if (kind != LOOP_SYNC && get_int(env, obj, ctx, "depth", 1, 0, 1, MAX_DEPTH, &depth) != 0)
        return -1;
    s->uring_fixed_buffers = s->uring_registered_file = 0;
    if (kind == LOOP_URING && (get_bool(env, obj, ctx, "fixedBuffers", 0, &s->uring_fixed_buffers) != 0 ||
                               get_bool(env, obj, ctx, "registeredFile", 0, &s->uring_registered_file) != 0))
        return -1;
    if (pat != PAT_EXTEND && range < bs) {
        throw_range(env, "%s.range (%lld) must hold at least one block of %lld bytes for pattern '%s'", ctx,
                    (long long)range, (long long)bs, PATTERNS[pat]);
        return -1;
    }
    if (limits(env, ctx, (uint64_t)max_ops, s->deadline_ns) != 0)
        return -1;
    s->fd = (int)fd;
    s->op = op == 0 ? OP_PREAD : OP_PWRITE;
    s->block_size = (uint64_t)bs;
    s->pattern = (enum io_pattern)pat;
    s->offset = (uint64_t)off;
    s->range = (uint64_t)range;
    s->max_ops = (uint64_t)max_ops;
    s->fill = (int)fill;
    s->cursor = cursor >= 0 ? cursor_slot(cursor) : -1;
    s->depth = (unsigned)depth;
    return 0;
}

int parse_mmap_spec(napi_env env, napi_value obj, const char *ctx, struct mmap_spec *s)
{
    int64_t fd, off, len, max_ops;
    int op, pat;
    const int64_t page = sysconf(_SC_PAGESIZE);
    if (arg_object(env, obj, ctx) != 0)
        return -1;
    if (get_int(env, obj, ctx, "fd", 1, 0, 0, INT_MAX, &fd) != 0 ||
        get_choice(env, obj, ctx, "op", MMAP_OPS, &op) != 0 ||
        get_int(env, obj, ctx, "offset", 1, 0, 0, MAX_SAFE_INT, &off) != 0 ||
        /* The random pass order is a uint32 page permutation. */
        get_int(env, obj, ctx, "length", 1, 0, 1, (int64_t)UINT32_MAX * page, &len) != 0 ||
        get_choice(env, obj, ctx, "pattern", MMAP_PATTERNS, &pat) != 0 ||
        get_int(env, obj, ctx, "maxOps", 1, 0, 0, MAX_SAFE_INT, &max_ops) != 0 ||
        get_ns(env, obj, ctx, "deadlineNs", 1, &s->deadline_ns) != 0 ||
        get_seed(env, obj, ctx, "seed", &s->seed) != 0 ||
        get_bool(env, obj, ctx, "recordStarts", 0, &s->record_starts) != 0)
        return -1;
    if (off % page != 0) {
        throw_range(env, "%s.offset (%lld) must be a multiple of the page size (%lld)", ctx, (long long)off,
                    (long long)page);
        return -1;
    }
    if (limits(env, ctx, (uint64_t)max_ops, s->deadline_ns) != 0)
        return -1;
    s->fd = (int)fd;
    s->write = op == 1;
    s->offset = (uint64_t)off;
    s->length = (uint64_t)len;
    s->random = pat == 1;
    s->max_ops = (uint64_t)max_ops;
    return 0;
}
