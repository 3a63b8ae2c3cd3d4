/* The kernel's in-kernel copy paths, one call each: copy_file_range(2), sendfile(2) (the splice read
 * path, do_splice_direct -> ->splice_read), and a one-shot MAP_SHARED write. Probes use them to show
 * which cache a copy reads from. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exports.h"
#include "napi_util.h"

#define MAX_SAFE_INT 9007199254740991ll

static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *fn)
{
    size_t argc = n;
    if (napi_check(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "get arguments") != 0)
        return -1;
    if (argc < n) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s needs %zu arguments", fn, n);
        return -1;
    }
    return 0;
}

static napi_value count_or_throw(napi_env env, ssize_t n, const char *syscall)
{
    if (n < 0) {
        throw_errno(env, errno, syscall, NULL);
        return NULL;
    }
    napi_value out;
    return napi_check(env, napi_create_int64(env, n, &out), "create number") == 0 ? out : NULL;
}

/* copyFileRange(fdIn, offIn, fdOut, offOut, len) -> bytes copied (one call, as the syscall does). */
napi_value js_copy_file_range(napi_env env, napi_callback_info info)
{
    napi_value argv[5];
    int64_t fd_in, off_in, fd_out, off_out, len;
    if (get_args(env, info, 5, argv, "copyFileRange(fdIn, offIn, fdOut, offOut, len)") != 0 ||
        arg_int(env, argv[0], "copyFileRange: fdIn", 0, INT32_MAX, &fd_in) != 0 ||
        arg_int(env, argv[1], "copyFileRange: offIn", 0, MAX_SAFE_INT, &off_in) != 0 ||
        arg_int(env, argv[2], "copyFileRange: fdOut", 0, INT32_MAX, &fd_out) != 0 ||
        arg_int(env, argv[3], "copyFileRange: offOut", 0, MAX_SAFE_INT, &off_out) != 0 ||
        arg_int(env, argv[4], "copyFileRange: len", 0, MAX_SAFE_INT, &len) != 0)
        return NULL;
    loff_t in = (loff_t)off_in, out = (loff_t)off_out;
    return count_or_throw(env, copy_file_range((int)fd_in, &in, (int)fd_out, &out, (size_t)len, 0),
                          "copy_file_range");
}

/* sendFile(outFd, inFd, offset, len) -> bytes sent. */
napi_value js_send_file(napi_env env, napi_callback_info info)
{
    napi_value argv[4];
    int64_t out_fd, in_fd, off, len;
    if (get_args(env, info, 4, argv, "sendFile(outFd, inFd, offset, len)") != 0 ||
        arg_int(env, argv[0], "sendFile: outFd", 0, INT32_MAX, &out_fd) != 0 ||
        arg_int(env, argv[1], "sendFile: inFd", 0, INT32_MAX, &in_fd) != 0 ||
        arg_int(env, argv[2], "sendFile: offset", 0, MAX_SAFE_INT, &off) != 0 ||
        arg_int(env, argv[3], "sendFile: len", 0, MAX_SAFE_INT, &len) != 0)
        return NULL;
    off_t o = (off_t)off;
    return count_or_throw(env, sendfile((int)out_fd, (int)in_fd, &o, (size_t)len), "sendfile");
}

/* writeMapped(fd, offset, data): MAP_SHARED the pages under [offset, offset+len), copy data in,
 * msync(MS_SYNC), unmap. The data reaches whatever the kernel maps for the file. The range must lie
 * inside the file (checked first): a store past EOF would raise SIGBUS. */
napi_value js_write_mapped(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    int64_t fd, off;
    void *data;
    size_t len;
    bool is_buf;
    if (get_args(env, info, 3, argv, "writeMapped(fd, offset, data)") != 0 ||
        arg_int(env, argv[0], "writeMapped: fd", 0, INT32_MAX, &fd) != 0 ||
        arg_int(env, argv[1], "writeMapped: offset", 0, MAX_SAFE_INT, &off) != 0 ||
        napi_check(env, napi_is_buffer(env, argv[2], &is_buf), "is buffer") != 0)
        return NULL;
    if (!is_buf) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "writeMapped: data must be a Buffer");
        return NULL;
    }
    if (napi_check(env, napi_get_buffer_info(env, argv[2], &data, &len), "buffer info") != 0)
        return NULL;
    if (len == 0)
        return NULL;
    struct stat st;
    if (fstat((int)fd, &st) < 0) {
        throw_errno(env, errno, "fstat", NULL);
        return NULL;
    }
    if ((uint64_t)off + len > (uint64_t)st.st_size) {
        throw_range(env, "writeMapped: [%lld, +%zu) is past the end of the file (%lld bytes)", (long long)off,
                    len, (long long)st.st_size);
        return NULL;
    }
    long page = sysconf(_SC_PAGESIZE);
    off_t start = (off_t)off & ~(off_t)(page - 1);
    size_t span = (size_t)(off - start) + len;
    uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, start);
    if (m == MAP_FAILED) {
        throw_errno(env, errno, "mmap", NULL);
        return NULL;
    }
    memcpy(m + (off - start), data, len);
    int rc = msync(m, span, MS_SYNC);
    int e = errno;
    munmap(m, span);
    if (rc < 0)
        throw_errno(env, e, "msync", NULL);
    return NULL;
}
