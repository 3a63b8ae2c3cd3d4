#include "napi_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_SAFE 9007199254740991.0

int napi_check(napi_env env, napi_status st, const char *what)
{
    if (st == napi_ok)
        return 0;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) {
        const napi_extended_error_info *info = NULL;
        napi_get_last_error_info(env, &info);
        char msg[256];
        snprintf(msg, sizeof msg, "%s failed: %s", what,
                 info && info->error_message ? info->error_message : "N-API error");
        napi_throw_error(env, NULL, msg);
    }
    return -1;
}

void throw_type(napi_env env, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    napi_throw_type_error(env, code, msg);
}

void throw_range(napi_env env, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
}

static void set_str(napi_env env, napi_value obj, const char *key, const char *val)
{
    napi_value v;
    if (napi_create_string_utf8(env, val, NAPI_AUTO_LENGTH, &v) == napi_ok)
        napi_set_named_property(env, obj, key, v);
}

static void throw_with(napi_env env, const char *code, const char *msg, int err, const char *syscall,
                       const char *path)
{
    napi_value jmsg, error;
    if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg) != napi_ok ||
        napi_create_error(env, NULL, jmsg, &error) != napi_ok) {
        napi_throw_error(env, code, msg);
        return;
    }
    set_str(env, error, "code", code);
    if (err > 0) {
        napi_value n;
        if (napi_create_int32(env, err, &n) == napi_ok)
            napi_set_named_property(env, error, "errno", n);
    }
    if (syscall)
        set_str(env, error, "syscall", syscall);
    if (path)
        set_str(env, error, "path", path);
    napi_throw(env, error);
}

void throw_errno(napi_env env, int err, const char *syscall, const char *path)
{
    char namebuf[32], msg[1024];
    const char *name = result_code_name(err, namebuf, sizeof namebuf);
    if (path)
        snprintf(msg, sizeof msg, "%s: %s, %s '%s'", name, strerror(err), syscall, path);
    else
        snprintf(msg, sizeof msg, "%s: %s, %s", name, strerror(err), syscall);
    throw_with(env, name, msg, err, syscall, path);
}

void throw_code(napi_env env, const char *code, const char *msg)
{
    char full[512];
    snprintf(full, sizeof full, "%s: %s", code, msg);
    throw_with(env, code, full, 0, NULL, NULL);
}

int arg_object(napi_env env, napi_value v, const char *what)
{
    napi_valuetype t;
    if (napi_check(env, napi_typeof(env, v, &t), "typeof") != 0)
        return -1;
    if (t != napi_object) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s must be an object", what);
        return -1;
    }
    return 0;
}

int has_prop(napi_env env, napi_value obj, const char *name, int *out)
{
    napi_value v;
    napi_valuetype t;
    if (napi_check(env, napi_get_named_property(env, obj, name, &v), "get property") != 0 ||
        napi_check(env, napi_typeof(env, v, &t), "typeof") != 0)
        return -1;
    *out = t != napi_undefined;
    return 0;
}

/* Fetches obj[name] as a number. Returns 1 if present, 0 if undefined, -1 on error/thrown. */
static int get_number(napi_env env, napi_value obj, const char *ctx, const char *name, double *out)
{
    napi_value v;
    napi_valuetype t;
    if (napi_check(env, napi_get_named_property(env, obj, name, &v), "get property") != 0 ||
        napi_check(env, napi_typeof(env, v, &t), "typeof") != 0)
        return -1;
    if (t == napi_undefined)
        return 0;
    if (t != napi_number) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s.%s must be a number", ctx, name);
        return -1;
    }
    if (napi_check(env, napi_get_value_double(env, v, out), "get number") != 0)
        return -1;
    if (!isfinite(*out)) {
        throw_range(env, "%s.%s must be a finite number, got %g", ctx, name, *out);
        return -1;
    }
    return 1;
}

static int check_int(napi_env env, const char *ctx, const char *name, double d, int64_t min, int64_t max,
                     int64_t *out)
{
    if (d != trunc(d) || fabs(d) > MAX_SAFE) {
        throw_range(env, "%s%s%s must be a safe integer, got %g", ctx, ctx[0] ? "." : "", name, d);
        return -1;
    }
    int64_t i = (int64_t)d;
    if (i < min || i > max) {
        throw_range(env, "%s%s%s must be in [%lld, %lld], got %lld", ctx, ctx[0] ? "." : "", name,
                    (long long)min, (long long)max, (long long)i);
        return -1;
    }
    *out = i;
    return 0;
}

int get_int(napi_env env, napi_value obj, const char *ctx, const char *name, int required, int64_t def,
            int64_t min, int64_t max, int64_t *out)
{
    double d;
    int p = get_number(env, obj, ctx, name, &d);
    if (p < 0)
        return -1;
    if (p == 0) {
        if (required) {
            throw_type(env, "ERR_INVALID_ARG_TYPE", "%s.%s is required (a number)", ctx, name);
            return -1;
        }
        *out = def;
        return 0;
    }
    return check_int(env, ctx, name, d, min, max, out);
}

int get_ns(napi_env env, napi_value obj, const char *ctx, const char *name, int required, uint64_t *out)
{
    double d;
    int p = get_number(env, obj, ctx, name, &d);
    if (p < 0)
        return -1;
    if (p == 0) {
        if (required) {
            throw_type(env, "ERR_INVALID_ARG_TYPE", "%s.%s is required (a number)", ctx, name);
            return -1;
        }
        *out = 0;
        return 0;
    }
    if (d < 0 || d > 1.8e19) {
        throw_range(env, "%s.%s must be >= 0 (ns), got %g", ctx, name, d);
        return -1;
    }
    *out = (uint64_t)ceil(d);
    return 0;
}

int get_seed(napi_env env, napi_value obj, const char *ctx, const char *name, uint64_t *out)
{
    double d;
    int p = get_number(env, obj, ctx, name, &d);
    if (p < 0)
        return -1;
    if (p == 0) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s.%s is required (a number)", ctx, name);
        return -1;
    }
    d = trunc(d);
    if (fabs(d) > MAX_SAFE) {
        throw_range(env, "%s.%s must be a safe integer, got %g", ctx, name, d);
        return -1;
    }
    *out = (uint64_t)(int64_t)d;
    return 0;
}

int get_bool(napi_env env, napi_value obj, const char *ctx, const char *name, int def, int *out)
{
    napi_value v;
    napi_valuetype t;
    if (napi_check(env, napi_get_named_property(env, obj, name, &v), "get property") != 0 ||
        napi_check(env, napi_typeof(env, v, &t), "typeof") != 0)
        return -1;
    if (t == napi_undefined) {
        *out = def;
        return 0;
    }
    if (t != napi_boolean) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s.%s must be a boolean", ctx, name);
        return -1;
    }
    bool b;
    if (napi_check(env, napi_get_value_bool(env, v, &b), "get boolean") != 0)
        return -1;
    *out = b;
    return 0;
}

int get_choice(napi_env env, napi_value obj, const char *ctx, const char *name, const char *const *choices,
               int *out)
{
    napi_value v;
    napi_valuetype t;
    if (napi_check(env, napi_get_named_property(env, obj, name, &v), "get property") != 0 ||
        napi_check(env, napi_typeof(env, v, &t), "typeof") != 0)
        return -1;
    char list[256] = "";
    for (int i = 0; choices[i]; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s'%s'", i ? ", " : "", choices[i]);
    }
    if (t != napi_string) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s.%s must be one of %s", ctx, name, list);
        return -1;
    }
    char buf[64];
    size_t len;
    if (napi_check(env, napi_get_value_string_utf8(env, v, buf, sizeof buf, &len), "get string") != 0)
        return -1;
    for (int i = 0; choices[i]; i++) {
        if (strcmp(buf, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    throw_type(env, "ERR_INVALID_ARG_VALUE", "%s.%s must be one of %s, got '%s'", ctx, name, list, buf);
    return -1;
}

int arg_int(napi_env env, napi_value v, const char *what, int64_t min, int64_t max, int64_t *out)
{
    napi_valuetype t;
    if (napi_check(env, napi_typeof(env, v, &t), "typeof") != 0)
        return -1;
    if (t != napi_number) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s must be a number", what);
        return -1;
    }
    double d;
    if (napi_check(env, napi_get_value_double(env, v, &d), "get number") != 0)
        return -1;
    if (!isfinite(d)) {
        throw_range(env, "%s must be a finite number", what);
        return -1;
    }
    return check_int(env, "", what, d, min, max, out);
}

static int float64_array(napi_env env, const struct dvec *d, napi_value *out)
{
    /* One copy at the end into a V8-owned buffer: a plain ArrayBuffer can be transferred
     * (Piscina.move, postMessage), which an external one cannot always be. */
    void *data = NULL;
    napi_value ab;
    size_t bytes = d->len * sizeof(double);
    if (napi_check(env, napi_create_arraybuffer(env, bytes, &data, &ab), "create ArrayBuffer") != 0)
        return -1;
    if (bytes)
        memcpy(data, d->v, bytes);
    return napi_check(env, napi_create_typedarray(env, napi_float64_array, d->len, ab, 0, out),
                      "create Float64Array");
}

static int set_num(napi_env env, napi_value obj, const char *key, double val)
{
    napi_value v;
    if (napi_check(env, napi_create_double(env, val, &v), "create number") != 0)
        return -1;
    return napi_check(env, napi_set_named_property(env, obj, key, v), "set property");
}

int result_to_js(napi_env env, const struct io_result *r, napi_value *out)
{
    napi_value obj, errors, lat;
    if (napi_check(env, napi_create_object(env, &obj), "create object") != 0 ||
        napi_check(env, napi_create_object(env, &errors), "create object") != 0)
        return -1;
    if (set_num(env, obj, "ops", (double)r->ops) != 0 || set_num(env, obj, "bytes", (double)r->bytes) != 0)
        return -1;
    if (float64_array(env, &r->lat, &lat) != 0 ||
        napi_check(env, napi_set_named_property(env, obj, "latenciesNs", lat), "set property") != 0)
        return -1;
    if (r->record_starts) {
        napi_value starts;
        if (float64_array(env, &r->starts, &starts) != 0 ||
            napi_check(env, napi_set_named_property(env, obj, "startsNs", starts), "set property") != 0)
            return -1;
    }
    for (int i = 0; i < r->nerrs; i++) {
        char buf[32];
        if (set_num(env, errors, result_code_name(r->errs[i].code, buf, sizeof buf), (double)r->errs[i].count) != 0)
            return -1;
    }
    if (napi_check(env, napi_set_named_property(env, obj, "errors", errors), "set property") != 0 ||
        set_num(env, obj, "startNs", (double)r->start_ns) != 0 || set_num(env, obj, "endNs", (double)r->end_ns) != 0)
        return -1;
    *out = obj;
    return 0;
}

int get_args(napi_env env, napi_callback_info info, size_t want, size_t need, napi_value *argv, const char *fn)
{
    size_t argc = want;
    if (napi_check(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "get arguments") != 0)
        return -1;
    if (argc < need) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "%s needs %zu argument%s", fn, need, need == 1 ? "" : "s");
        return -1;
    }
    for (size_t i = argc; i < want; i++)
        napi_get_undefined(env, &argv[i]);
    return 0;
}

int frozen_int_table(napi_env env, const struct named_int *t, size_t n, napi_value *out)
{
    napi_value o;
    if (napi_check(env, napi_create_object(env, &o), "create object") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        napi_value v;
        if (napi_check(env, napi_create_int32(env, t[i].value, &v), "create number") != 0 ||
            napi_check(env, napi_set_named_property(env, o, t[i].name, v), "set property") != 0)
            return -1;
    }
    if (napi_check(env, napi_object_freeze(env, o), "freeze") != 0)
        return -1;
    *out = o;
    return 0;
}
