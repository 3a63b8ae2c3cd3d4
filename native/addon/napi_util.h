#ifndef FUSEBENCH_NAPI_UTIL_H
#define FUSEBENCH_NAPI_UTIL_H

#include <node_api.h>
#include <stdint.h>

#include "result.h"

/* Helpers return 0 on success, -1 with a JS exception pending. */

/* Number.MAX_SAFE_INTEGER: the largest integer a JS number holds exactly. */
#define MAX_SAFE_INT 9007199254740991ll

/* napi_status != napi_ok → throw a generic Error (if none is pending) and yield -1. */
int napi_check(napi_env env, napi_status st, const char *what);

/* Codes follow Node: ERR_INVALID_ARG_TYPE (wrong JS type), ERR_INVALID_ARG_VALUE (right type, not
 * an accepted value), ERR_OUT_OF_RANGE (RangeError). */
void throw_type(napi_env env, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void throw_range(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Node-style system error: message "ENOENT: No such file or directory, open 'x'", .code, .errno
 * (positive, as C sees it), .syscall and, when given, .path. */
void throw_errno(napi_env env, int err, const char *syscall, const char *path);
/* Same shape for a non-errno outcome such as "SIGBUS". */
void throw_code(napi_env env, const char *code, const char *msg);

int arg_object(napi_env env, napi_value v, const char *what);

/* The call's arguments into argv[0..want): fewer than `need` throws ERR_INVALID_ARG_TYPE naming `fn`
 * (its signature); missing optional ones read as undefined. */
int get_args(napi_env env, napi_callback_info info, size_t want, size_t need, napi_value *argv, const char *fn);

/* A frozen object of named integer constants (open flags, fallocate modes) for JavaScript. */
struct named_int {
    const char *name;
    int value;
};
int frozen_int_table(napi_env env, const struct named_int *t, size_t n, napi_value *out);

/* Property getters: a missing or undefined property takes `def` unless `required`.
 * Integers must be finite, integral and within [min, max]. */
int get_int(napi_env env, napi_value obj, const char *ctx, const char *name, int required, int64_t def,
            int64_t min, int64_t max, int64_t *out);
/* A non-negative finite number, rounded up to an integer (deadlines may be computed fractions). */
int get_ns(napi_env env, napi_value obj, const char *ctx, const char *name, int required, uint64_t *out);
/* Any finite number, truncated and reinterpreted as 64 bits (seeds). */
int get_seed(napi_env env, napi_value obj, const char *ctx, const char *name, uint64_t *out);
int get_bool(napi_env env, napi_value obj, const char *ctx, const char *name, int def, int *out);
/* One of `choices` (NULL-terminated); *out is its index. */
int get_choice(napi_env env, napi_value obj, const char *ctx, const char *name, const char *const *choices,
               int *out);
/* Optional property present (not undefined)? */
int has_prop(napi_env env, napi_value obj, const char *name, int *out);

/* Integer argument by position (same rules as get_int). */
int arg_int(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t *out);

/* The JS LoopResult. */
int result_to_js(napi_env env, const struct io_result *r, napi_value *out);

#endif
