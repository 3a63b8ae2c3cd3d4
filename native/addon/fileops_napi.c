/* The file operations Node has no call for, one syscall each, for `fusebench verify`:
 * copy_file_range(2) with explicit offsets, fallocate(2) with its mode bits, and a MAP_SHARED
 * read or write of a byte range (the write msync'd before the unmap). Errors throw Node-style
 * system errors (.code = errno name); a mapping that cannot be served throws code 'SIGBUS'. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exports.h"
#include "napi_util.h"
#include "sigbus.h"

static int arg_buffer(napi_env env, napi_value v, const char *what, void **data, size_t *len)
{
    bool is;
    if (napi_check(env, napi_is_buffer(env, v, &is), "is buffer") != 0)
        return -1;
    if (!is) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s must be a Buffer", what);
        return -1;
    }
    return napi_check(env, napi_get_buffer_info(env, v, data, len), "get buffer");
}

static napi_value number(napi_env env, double d)
{
    napi_value v;
    if (napi_check(env, napi_create_double(env, d, &v), "create number") != 0)
        return NULL;
    return v;
}

napi_value js_copy_file_range(napi_env env, napi_callback_info info)
{
    napi_value argv[5];
    int64_t fd_in, off_in, fd_out, off_out, len;
    if (get_args(env, info, 5, 5, argv, "copyFileRange(fdIn, offIn, fdOut, offOut, length)") != 0 ||
        arg_int(env, argv[0], "copyFileRange: fdIn", 0, INT32_MAX, &fd_in) != 0 ||
        arg_int(env, argv[1], "copyFileRange: offIn", 0, MAX_SAFE_INT, &off_in) != 0 ||
        arg_int(env, argv[2], "copyFileRange: fdOut", 0, INT32_MAX, &fd_out) != 0 ||
        arg_int(env, argv[3], "copyFileRange: offOut", 0, MAX_SAFE_INT, &off_out) != 0 ||
        arg_int(env, argv[4], "copyFileRange: length", 0, INT32_MAX, &len) != 0)
        return NULL;
    off_t in = (off_t)off_in, out = (off_t)off_out;
    ssize_t n;
    do
        n = copy_file_range((int)fd_in, &in, (int)fd_out, &out, (size_t)len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        throw_errno(env, errno, "copy_file_range", NULL);
        return NULL;
    }
    return number(env, (double)n);
}

napi_value js_fallocate(napi_env env, napi_callback_info info)
{
    napi_value argv[4];
    int64_t fd, mode, off, len;
    if (get_args(env, info, 4, 4, argv, "fallocate(fd, mode, offset, length)") != 0 ||
        arg_int(env, argv[0], "fallocate: fd", 0, INT32_MAX, &fd) != 0 ||
        arg_int(env, argv[1], "fallocate: mode", 0, INT32_MAX, &mode) != 0 ||
        arg_int(env, argv[2], "fallocate: offset", 0, MAX_SAFE_INT, &off) != 0 ||
        arg_int(env, argv[3], "fallocate: length", 1, MAX_SAFE_INT, &len) != 0)
        return NULL;
    int rc;
    do
        rc = fallocate((int)fd, (int)mode, (off_t)off, (off_t)len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        throw_errno(env, errno, "fallocate", NULL);
    return NULL;
}

/* Maps the pages covering [off, off+len) of fd MAP_SHARED, copies between them and buf (a write
 * is msync'd with MS_SYNC, so it has reached the filesystem when this returns), unmaps. */
static napi_value mapped_copy(napi_env env, napi_callback_info info, bool write)
{
    const char *fn = write ? "mapWrite(fd, offset, data)" : "mapRead(fd, offset, into)";
    napi_value argv[3];
    int64_t fd, off;
    void *buf;
    size_t len;
    if (get_args(env, info, 3, 3, argv, fn) != 0 || arg_int(env, argv[0], "fd", 0, INT32_MAX, &fd) != 0 ||
        arg_int(env, argv[1], "offset", 0, MAX_SAFE_INT, &off) != 0 ||
        arg_buffer(env, argv[2], write ? "data" : "into", &buf, &len) != 0)
        return NULL;
    if (len == 0) {
        throw_range(env, "%s: the buffer must not be empty", fn);
        return NULL;
    }
    long page = sysconf(_SC_PAGESIZE);
    off_t base = (off_t)(off - off % page);
    size_t span = (size_t)(off - base) + len;
    int prot = PROT_READ | (write ? PROT_WRITE : 0);
    uint8_t *map = mmap(NULL, span, prot, MAP_SHARED, (int)fd, base);
    if (map == MAP_FAILED) {
        throw_errno(env, errno, "mmap", NULL);
        return NULL;
    }
    sigbus_guard_install();
    uint8_t *at = map + (off - base);
    int rc = write ? guarded_copy(at, buf, len) : guarded_copy(buf, at, len);
    int err = 0;
    if (rc == 0 && write && msync(map, span, MS_SYNC) != 0)
        err = errno;
    munmap(map, span);
    if (rc != 0)
        throw_code(env, "SIGBUS", "a mapped page could not be served (beyond end of file, or an I/O error)");
    else if (err != 0)
        throw_errno(env, err, "msync", NULL);
    return NULL;
}

napi_value js_map_read(napi_env env, napi_callback_info info)
{
    return mapped_copy(env, info, false);
}

napi_value js_map_write(napi_env env, napi_callback_info info)
{
    return mapped_copy(env, info, true);
}

int make_falloc_flags(napi_env env, napi_value *out)
{
    static const struct named_int FLAGS[] = {
        {"KEEP_SIZE", FALLOC_FL_KEEP_SIZE},
        {"PUNCH_HOLE", FALLOC_FL_PUNCH_HOLE},
        {"ZERO_RANGE", FALLOC_FL_ZERO_RANGE},
    };
    return frozen_int_table(env, FLAGS, sizeof FLAGS / sizeof FLAGS[0], out);
}
