#ifndef FUSEBENCH_EXPORTS_H
#define FUSEBENCH_EXPORTS_H

#include <node_api.h>

/* Timed loops (loops_napi.c). */
napi_value js_io_loop(napi_env env, napi_callback_info info);
napi_value js_io_loop_async(napi_env env, napi_callback_info info);
napi_value js_aio_loop(napi_env env, napi_callback_info info);
napi_value js_aio_loop_async(napi_env env, napi_callback_info info);
napi_value js_mmap_loop(napi_env env, napi_callback_info info);
napi_value js_mmap_loop_async(napi_env env, napi_callback_info info);
napi_value js_uring_loop(napi_env env, napi_callback_info info);
napi_value js_uring_loop_async(napi_env env, napi_callback_info info);

/* Files, memory, clock, cursors (files_napi.c). */
napi_value js_open_file(napi_env env, napi_callback_info info);
napi_value js_close_file(napi_env env, napi_callback_info info);
napi_value js_aligned_buffer(napi_env env, napi_callback_info info);
napi_value js_monotonic_ns(napi_env env, napi_callback_info info);
napi_value js_reset_cursor(napi_env env, napi_callback_info info);
/* The O_* flag values of this platform, frozen. */
int make_open_flags(napi_env env, napi_value *out);

/* Long-lived mappings for probes and interferers (mapping_napi.c). */
napi_value js_map_file(napi_env env, napi_callback_info info);
napi_value js_touch_mapping(napi_env env, napi_callback_info info);
napi_value js_unmap_file(napi_env env, napi_callback_info info);

/* copy_file_range, fallocate, MAP_SHARED range read/write (fileops_napi.c). */
napi_value js_copy_file_range(napi_env env, napi_callback_info info);
napi_value js_fallocate(napi_env env, napi_callback_info info);
napi_value js_map_read(napi_env env, napi_callback_info info);
napi_value js_map_write(napi_env env, napi_callback_info info);
/* The FALLOC_FL_* values of this platform, frozen. */
int make_falloc_flags(napi_env env, napi_value *out);

/* Concurrent writers, one pthread each (writers_napi.c). */
napi_value js_concurrent_pwrite(napi_env env, napi_callback_info info);

/* sendfile(2), the splice read path (sendfile_napi.c). */
napi_value js_send_file(napi_env env, napi_callback_info info);
/* Groups of concurrent writers on many files at once, for the lattice sweep (write_batch_napi.c). */
napi_value js_write_batch_async(napi_env env, napi_callback_info info);

#endif
