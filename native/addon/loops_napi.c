/* JS entry points of the timed loops: synchronous (workers may block) and Promise-returning
 * (the loop runs on a libuv pool thread so the main thread stays responsive). */
#include <stdlib.h>
#include <string.h>

#include "exports.h"
#include "loops.h"
#include "napi_util.h"
#include "spec_parse.h"

enum kind { K_IO, K_AIO, K_MMAP, K_URING };

struct job {
    enum kind kind;
    union {
        struct loop_spec loop;
        struct mmap_spec mmap;
    } spec;
    struct io_result res;
    napi_async_work work;
    napi_deferred deferred;
};

static const char *const NAMES[] = {"ioLoop spec", "aioLoop spec", "mmapLoop spec", "uringLoop spec"};

static int parse(napi_env env, napi_callback_info info, struct job *j)
{
    size_t argc = 1;
    napi_value argv[1];
    if (napi_check(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "get arguments") != 0)
        return -1;
    if (argc < 1) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s is required", NAMES[j->kind]);
        return -1;
    }
    if (j->kind == K_MMAP)
        return parse_mmap_spec(env, argv[0], NAMES[j->kind], &j->spec.mmap);
    return parse_loop_spec(env, argv[0], NAMES[j->kind],
                           j->kind == K_AIO ? LOOP_AIO : j->kind == K_URING ? LOOP_URING : LOOP_SYNC, &j->spec.loop);
}

static void run(struct job *j)
{
    switch (j->kind) {
    case K_IO:
        run_io_loop(&j->spec.loop, &j->res);
        break;
    case K_AIO:
        run_aio_loop(&j->spec.loop, &j->res);
        break;
    case K_MMAP:
        run_mmap_loop(&j->spec.mmap, &j->res);
        break;
    case K_URING:
        run_uring_loop(&j->spec.loop, &j->res);
        break;
    }
}

static napi_value run_sync(napi_env env, napi_callback_info info, enum kind kind)
{
    struct job j;
    memset(&j, 0, sizeof j);
    j.kind = kind;
    if (parse(env, info, &j) != 0)
        return NULL;
    run(&j);
    napi_value out = NULL;
    if (result_to_js(env, &j.res, &out) != 0)
        out = NULL;
    result_free(&j.res);
    return out;
}

static void execute(napi_env env, void *data)
{
    (void)env; /* pool thread: no N-API calls allowed here */
    run(data);
}

static void complete(napi_env env, napi_status status, void *data)
{
    struct job *j = data;
    napi_value out, err;
    if (status != napi_ok) {
        napi_value msg;
        napi_create_string_utf8(env, "I/O loop was cancelled", NAPI_AUTO_LENGTH, &msg);
        napi_create_error(env, NULL, msg, &err);
        napi_reject_deferred(env, j->deferred, err);
    } else if (result_to_js(env, &j->res, &out) == 0) {
        napi_resolve_deferred(env, j->deferred, out);
    } else {
        napi_get_and_clear_last_exception(env, &err);
        napi_reject_deferred(env, j->deferred, err);
    }
    napi_delete_async_work(env, j->work);
    result_free(&j->res);
    free(j);
}

static napi_value run_async(napi_env env, napi_callback_info info, enum kind kind)
{
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        napi_throw_error(env, "ENOMEM", "out of memory");
        return NULL;
    }
    j->kind = kind;
    if (parse(env, info, j) != 0) {
        free(j);
        return NULL;
    }
    napi_value promise, name;
    static const char *const RES[] = {"fusebench.ioLoop", "fusebench.aioLoop", "fusebench.mmapLoop",
                                      "fusebench.uringLoop"};
    if (napi_check(env, napi_create_string_utf8(env, RES[kind], NAPI_AUTO_LENGTH, &name), "create string") != 0 ||
        napi_check(env, napi_create_async_work(env, NULL, name, execute, complete, j, &j->work),
                   "create async work") != 0) {
        free(j);
        return NULL;
    }
    if (napi_check(env, napi_create_promise(env, &j->deferred, &promise), "create promise") != 0) {
        napi_delete_async_work(env, j->work);
        free(j);
        return NULL;
    }
    if (napi_check(env, napi_queue_async_work(env, j->work), "queue async work") != 0) {
        /* The promise is dropped unresolved; the exception is what the caller sees. */
        napi_delete_async_work(env, j->work);
        free(j);
        return NULL;
    }
    return promise;
}

napi_value js_io_loop(napi_env env, napi_callback_info info) { return run_sync(env, info, K_IO); }
napi_value js_io_loop_async(napi_env env, napi_callback_info info) { return run_async(env, info, K_IO); }
napi_value js_aio_loop(napi_env env, napi_callback_info info) { return run_sync(env, info, K_AIO); }
napi_value js_aio_loop_async(napi_env env, napi_callback_info info) { return run_async(env, info, K_AIO); }
napi_value js_mmap_loop(napi_env env, napi_callback_info info) { return run_sync(env, info, K_MMAP); }
napi_value js_mmap_loop_async(napi_env env, napi_callback_info info) { return run_async(env, info, K_MMAP); }
napi_value js_uring_loop(napi_env env, napi_callback_info info) { return run_sync(env, info, K_URING); }
napi_value js_uring_loop_async(napi_env env, napi_callback_info info) { return run_async(env, info, K_URING); }
