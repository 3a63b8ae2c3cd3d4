/* writeBatchAsync(spec) → Promise: the JS side of write_batch.c (see bench/native/io.ts WriteBatchSpec). */
#include <stdlib.h>
#include <string.h>

#include "exports.h"
#include "napi_util.h"
#include "write_batch.h"

#define MAX_GROUPS 100000
#define MAX_WRITERS 64
#define MAX_ROUNDS 1024

struct batch_job {
    struct wb_batch b;
    napi_async_work work;
    napi_deferred deferred;
};

/* obj[name] as an array; *len its length. */
static int get_array(napi_env env, napi_value obj, const char *ctx, const char *name, napi_value *out, uint32_t *len)
{
    bool is;
    if (napi_check(env, napi_get_named_property(env, obj, name, out), "get property") != 0 ||
        napi_check(env, napi_is_array(env, *out, &is), "is array") != 0)
        return -1;
    if (!is) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s.%s must be an array", ctx, name);
        return -1;
    }
    return napi_check(env, napi_get_array_length(env, *out, len), "array length");
}

static int parse_writer(napi_env env, napi_value v, unsigned rounds, struct wb_writer *w)
{
    static const char ctx[] = "writeBatch writer";
    int64_t fd;
    napi_value offs;
    uint32_t n;
    if (arg_object(env, v, ctx) != 0 || get_int(env, v, ctx, "fd", 1, 0, 0, INT32_MAX, &fd) != 0 ||
        get_array(env, v, ctx, "offsets", &offs, &n) != 0)
        return -1;
    if (n != rounds) {
        throw_range(env, "%s.offsets must hold one offset per round (%u), not %u", ctx, rounds, n);
        return -1;
    }
    w->fd = (int)fd;
    w->offsets = calloc(rounds ? rounds : 1, sizeof *w->offsets);
    if (!w->offsets) {
        napi_throw_error(env, "ENOMEM", "out of memory");
        return -1;
    }
    for (uint32_t r = 0; r < n; r++) {
        napi_value e;
        int64_t off;
        if (napi_check(env, napi_get_element(env, offs, r, &e), "get element") != 0 ||
            arg_int(env, e, "writeBatch offset", 0, INT64_C(1) << 50, &off) != 0)
            return -1;
        w->offsets[r] = (uint64_t)off;
    }
    return 0;
}

static int parse(napi_env env, napi_value spec, struct wb_batch *b)
{
    static const char ctx[] = "writeBatch spec";
    static const char *const engines[] = {"psync", "libaio", NULL};
    int64_t bs, rounds;
    napi_value groups;
    uint32_t ng;
    if (arg_object(env, spec, ctx) != 0 ||
        get_int(env, spec, ctx, "blockSize", 1, 0, 512, 1 << 24, &bs) != 0 ||
        get_int(env, spec, ctx, "rounds", 1, 0, 1, MAX_ROUNDS, &rounds) != 0 ||
        get_array(env, spec, ctx, "groups", &groups, &ng) != 0)
        return -1;
    if (ng > MAX_GROUPS) {
        throw_range(env, "%s.groups: at most %d groups", ctx, MAX_GROUPS);
        return -1;
    }
    b->block_size = (uint32_t)bs;
    b->rounds = (unsigned)rounds;
    b->groups = calloc(ng ? ng : 1, sizeof *b->groups);
    if (!b->groups) {
        napi_throw_error(env, "ENOMEM", "out of memory");
        return -1;
    }
    b->ngroups = ng;
    for (uint32_t i = 0; i < ng; i++) {
        struct wb_group *g = &b->groups[i];
        napi_value gv, ws;
        uint32_t nw;
        int engine;
        if (napi_check(env, napi_get_element(env, groups, i, &gv), "get element") != 0 ||
            arg_object(env, gv, "writeBatch group") != 0 ||
            get_choice(env, gv, "writeBatch group", "engine", engines, &engine) != 0 ||
            get_array(env, gv, "writeBatch group", "writers", &ws, &nw) != 0)
            return -1;
        if (nw < 1 || nw > MAX_WRITERS) {
            throw_range(env, "writeBatch group: 1..%d writers, not %u", MAX_WRITERS, nw);
            return -1;
        }
        g->engine = engine == 1 ? WB_LIBAIO : WB_PSYNC;
        g->writers = calloc(nw, sizeof *g->writers);
        if (!g->writers) {
            napi_throw_error(env, "ENOMEM", "out of memory");
            return -1;
        }
        g->nwriters = nw;
        for (uint32_t k = 0; k < nw; k++) {
            napi_value wv;
            if (napi_check(env, napi_get_element(env, ws, k, &wv), "get element") != 0 ||
                parse_writer(env, wv, b->rounds, &g->writers[k]) != 0)
                return -1;
        }
    }
    return 0;
}

static napi_value code_or_null(napi_env env, int code)
{
    napi_value v;
    if (!code) {
        napi_get_null(env, &v);
        return v;
    }
    char buf[32];
    napi_create_string_utf8(env, result_code_name(code, buf, sizeof buf), NAPI_AUTO_LENGTH, &v);
    return v;
}

static int to_js(napi_env env, const struct wb_batch *b, napi_value *out)
{
    napi_value groups;
    if (napi_check(env, napi_create_object(env, out), "create object") != 0 ||
        napi_check(env, napi_create_array_with_length(env, b->ngroups, &groups), "create array") != 0 ||
        napi_check(env, napi_set_named_property(env, *out, "setupError", code_or_null(env, b->setup_error)), "set") != 0 ||
        napi_check(env, napi_set_named_property(env, *out, "groups", groups), "set") != 0)
        return -1;
    for (unsigned i = 0; i < b->ngroups; i++) {
        const struct wb_group *g = &b->groups[i];
        napi_value go, ws;
        if (napi_check(env, napi_create_object(env, &go), "create object") != 0 ||
            napi_check(env, napi_create_array_with_length(env, g->nwriters, &ws), "create array") != 0 ||
            napi_check(env, napi_set_named_property(env, go, "writers", ws), "set") != 0 ||
            napi_check(env, napi_set_element(env, groups, i, go), "set element") != 0)
            return -1;
        for (unsigned k = 0; k < g->nwriters; k++) {
            napi_value wo, ok;
            if (napi_check(env, napi_create_object(env, &wo), "create object") != 0 ||
                napi_check(env, napi_create_uint32(env, g->writers[k].ok, &ok), "create number") != 0 ||
                napi_check(env, napi_set_named_property(env, wo, "ok", ok), "set") != 0 ||
                napi_check(env, napi_set_named_property(env, wo, "error", code_or_null(env, g->writers[k].first_error)), "set") != 0 ||
                napi_check(env, napi_set_element(env, ws, k, wo), "set element") != 0)
                return -1;
        }
    }
    return 0;
}

static void execute(napi_env env, void *data)
{
    (void)env; /* pool thread: no N-API calls allowed here */
    wb_run(&((struct batch_job *)data)->b);
}

static void complete(napi_env env, napi_status status, void *data)
{
    struct batch_job *j = data;
    napi_value out, err;
    if (status != napi_ok) {
        napi_value msg;
        napi_create_string_utf8(env, "write batch was cancelled", NAPI_AUTO_LENGTH, &msg);
        napi_create_error(env, NULL, msg, &err);
        napi_reject_deferred(env, j->deferred, err);
    } else if (to_js(env, &j->b, &out) == 0) {
        napi_resolve_deferred(env, j->deferred, out);
    } else {
        napi_get_and_clear_last_exception(env, &err);
        napi_reject_deferred(env, j->deferred, err);
    }
    napi_delete_async_work(env, j->work);
    wb_free(&j->b);
    free(j);
}

napi_value js_write_batch_async(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], promise, name;
    if (napi_check(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "get arguments") != 0)
        return NULL;
    if (argc < 1) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "writeBatchAsync(spec) needs a spec");
        return NULL;
    }
    struct batch_job *j = calloc(1, sizeof *j);
    if (!j) {
        napi_throw_error(env, "ENOMEM", "out of memory");
        return NULL;
    }
    if (parse(env, argv[0], &j->b) != 0 ||
        napi_check(env, napi_create_string_utf8(env, "fusebench.writeBatch", NAPI_AUTO_LENGTH, &name), "create string") != 0 ||
        napi_check(env, napi_create_async_work(env, NULL, name, execute, complete, j, &j->work), "create async work") != 0) {
        wb_free(&j->b);
        free(j);
        return NULL;
    }
    if (napi_check(env, napi_create_promise(env, &j->deferred, &promise), "create promise") != 0 ||
        napi_check(env, napi_queue_async_work(env, j->work), "queue async work") != 0) {
        napi_delete_async_work(env, j->work);
        wb_free(&j->b);
        free(j);
        return NULL;
    }
    return promise;
}
