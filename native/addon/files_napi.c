#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cursor.h"
#include "exports.h"
#include "napi_util.h"

static int is_undefined(napi_env env, napi_value v)
{
    napi_valuetype t;
    return napi_typeof(env, v, &t) == napi_ok && t == napi_undefined;
}

napi_value js_open_file(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    if (get_args(env, info, 3, 2, argv, "openFile(path, flags, mode?)") != 0)
        return NULL;
    napi_valuetype t;
    if (napi_check(env, napi_typeof(env, argv[0], &t), "typeof") != 0)
        return NULL;
    if (t != napi_string) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "openFile: path must be a string");
        return NULL;
    }
    size_t len;
    if (napi_check(env, napi_get_value_string_utf8(env, argv[0], NULL, 0, &len), "get string") != 0)
        return NULL;
    char *path = malloc(len + 1);
    if (!path) {
        throw_errno(env, ENOMEM, "open", NULL);
        return NULL;
    }
    int64_t flags, mode = 0644;
    napi_value out = NULL;
    if (napi_check(env, napi_get_value_string_utf8(env, argv[0], path, len + 1, &len), "get string") != 0 ||
        arg_int(env, argv[1], "openFile: flags", 0, INT32_MAX, &flags) != 0 ||
        (!is_undefined(env, argv[2]) && arg_int(env, argv[2], "openFile: mode", 0, 07777, &mode) != 0))
        goto done;
    if (strlen(path) != len) {
        throw_type(env, "ERR_INVALID_ARG_VALUE", "openFile: path must not contain NUL bytes");
        goto done;
    }
    /* O_CLOEXEC always: a descriptor leaked into a child (the server, a tool) would keep a caching
     * open or a shared mapping alive on the inode and silently change the lock path measured. */
    int fd = open(path, (int)flags | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        throw_errno(env, errno, "open", path);
        goto done;
    }
    napi_check(env, napi_create_int32(env, fd, &out), "create number");
done:
    free(path);
    return out;
}

napi_value js_close_file(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    int64_t fd;
    if (get_args(env, info, 1, 1, argv, "closeFile(fd)") != 0 ||
        arg_int(env, argv[0], "closeFile: fd", 0, INT32_MAX, &fd) != 0)
        return NULL;
    /* No retry on EINTR: on Linux the descriptor is already gone by then. */
    if (close((int)fd) != 0 && errno != EINTR)
        throw_errno(env, errno, "close", NULL);
    return NULL;
}

static void free_aligned(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    free(data);
}

napi_value js_aligned_buffer(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    int64_t size, align = 4096;
    if (get_args(env, info, 2, 1, argv, "alignedBuffer(size, alignment?)") != 0 ||
        arg_int(env, argv[0], "alignedBuffer: size", 1, (int64_t)1 << 32, &size) != 0 ||
        (!is_undefined(env, argv[1]) && arg_int(env, argv[1], "alignedBuffer: alignment", 8, 1 << 21, &align) != 0))
        return NULL;
    if (align & (align - 1)) {
        throw_range(env, "alignedBuffer: alignment must be a power of two, got %lld", (long long)align);
        return NULL;
    }
    void *p = NULL;
    int err = posix_memalign(&p, (size_t)align, (size_t)size);
    if (err != 0) {
        throw_errno(env, err, "posix_memalign", NULL);
        return NULL;
    }
    memset(p, 0, (size_t)size);
    napi_value buf;
    if (napi_check(env, napi_create_external_buffer(env, (size_t)size, p, free_aligned, NULL, &buf),
                   "create external Buffer") != 0) {
        free(p);
        return NULL;
    }
    return buf;
}

napi_value js_monotonic_ns(napi_env env, napi_callback_info info)
{
    (void)info;
    napi_value v;
    /* Exact while uptime < 2^53 ns (104 days); beyond that the double rounds to a few ns. */
    if (napi_check(env, napi_create_double(env, (double)mono_ns(), &v), "create number") != 0)
        return NULL;
    return v;
}

napi_value js_reset_cursor(napi_env env, napi_callback_info info)
{
    napi_value argv[2];
    int64_t id, value;
    if (get_args(env, info, 2, 2, argv, "resetCursor(id, value)") != 0 ||
        arg_int(env, argv[0], "resetCursor: id", 0, MAX_SAFE_INT, &id) != 0 ||
        arg_int(env, argv[1], "resetCursor: value", 0, MAX_SAFE_INT, &value) != 0)
        return NULL;
    cursor_reset(id, (uint64_t)value);
    return NULL;
}

int make_open_flags(napi_env env, napi_value *out)
{
    static const struct named_int FLAGS[] = {
        {"RDONLY", O_RDONLY}, {"WRONLY", O_WRONLY}, {"RDWR", O_RDWR},   {"CREAT", O_CREAT},
        {"TRUNC", O_TRUNC},   {"APPEND", O_APPEND}, {"DIRECT", O_DIRECT}, {"DSYNC", O_DSYNC},
        {"SYNC", O_SYNC},     {"EXCL", O_EXCL},     {"NOATIME", O_NOATIME},
    };
    return frozen_int_table(env, FLAGS, sizeof FLAGS / sizeof FLAGS[0], out);
}
