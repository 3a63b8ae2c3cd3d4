/* sendfile(2), one call: the splice read path of the source file (do_splice_direct -> ->splice_read),
 * which probe splice-read-stale shows reading the FUSE page cache. copy_file_range lives in
 * fileops_napi.c. */
#include <errno.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "exports.h"
#include "napi_util.h"

static napi_value count_or_throw(napi_env env, ssize_t n, const char *syscall)
{
    if (n < 0) {
        throw_errno(env, errno, syscall, NULL);
        return NULL;
    }
    napi_value out;
    return napi_check(env, napi_create_int64(env, n, &out), "create number") == 0 ? out : NULL;
}

/* sendFile(outFd, inFd, offset, len) -> bytes sent. */
napi_value js_send_file(napi_env env, napi_callback_info info)
{
    napi_value argv[4];
    int64_t out_fd, in_fd, off, len;
    if (get_args(env, info, 4, 4, argv, "sendFile(outFd, inFd, offset, len)") != 0 ||
        arg_int(env, argv[0], "sendFile: outFd", 0, INT32_MAX, &out_fd) != 0 ||
        arg_int(env, argv[1], "sendFile: inFd", 0, INT32_MAX, &in_fd) != 0 ||
        arg_int(env, argv[2], "sendFile: offset", 0, MAX_SAFE_INT, &off) != 0 ||
        arg_int(env, argv[3], "sendFile: len", 0, MAX_SAFE_INT, &len) != 0)
        return NULL;
    off_t o = (off_t)off;
    return count_or_throw(env, sendfile((int)out_fd, (int)in_fd, &o, (size_t)len), "sendfile");
}
