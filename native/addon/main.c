/* fusebench_io: timed I/O loops in C for the benchmark's workers (see bench/native/io.ts). */
#include <node_api.h>

#include "exports.h"
#include "napi_util.h"

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */)
{
    static const struct {
        const char *name;
        napi_callback fn;
    } FNS[] = {
        {"ioLoop", js_io_loop},
        {"ioLoopAsync", js_io_loop_async},
        {"aioLoop", js_aio_loop},
        {"aioLoopAsync", js_aio_loop_async},
        {"mmapLoop", js_mmap_loop},
        {"mmapLoopAsync", js_mmap_loop_async},
        {"uringLoop", js_uring_loop},
        {"uringLoopAsync", js_uring_loop_async},
        {"openFile", js_open_file},
        {"closeFile", js_close_file},
        {"alignedBuffer", js_aligned_buffer},
        {"mapFile", js_map_file},
        {"touchMapping", js_touch_mapping},
        {"unmapFile", js_unmap_file},
        {"monotonicNs", js_monotonic_ns},
        {"resetCursor", js_reset_cursor},
        {"copyFileRange", js_copy_file_range},
        {"sendFile", js_send_file},
        {"fallocate", js_fallocate},
        {"mapRead", js_map_read},
        {"mapWrite", js_map_write},
        {"concurrentPwrite", js_concurrent_pwrite},
        {"writeBatchAsync", js_write_batch_async},
    };
    for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++) {
        napi_value f;
        if (napi_check(env, napi_create_function(env, FNS[i].name, NAPI_AUTO_LENGTH, FNS[i].fn, NULL, &f),
                       "create function") != 0 ||
            napi_check(env, napi_set_named_property(env, exports, FNS[i].name, f), "set export") != 0)
            return NULL;
    }
    napi_value o;
    if (make_open_flags(env, &o) != 0 ||
        napi_check(env, napi_set_named_property(env, exports, "O", o), "set export") != 0)
        return NULL;
    napi_value falloc;
    if (make_falloc_flags(env, &falloc) != 0 ||
        napi_check(env, napi_set_named_property(env, exports, "FALLOC", falloc), "set export") != 0)
        return NULL;
    return exports;
}
