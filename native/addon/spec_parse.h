#ifndef FUSEBENCH_SPEC_PARSE_H
#define FUSEBENCH_SPEC_PARSE_H

#include <node_api.h>

#include "spec.h"

/* JS spec → C spec. A bad spec is a programming error: TypeError/RangeError, returns -1. */
enum loop_kind { LOOP_SYNC, LOOP_AIO, LOOP_URING };
int parse_loop_spec(napi_env env, napi_value obj, const char *ctx, enum loop_kind kind, struct loop_spec *s);
int parse_mmap_spec(napi_env env, napi_value obj, const char *ctx, struct mmap_spec *s);

#endif
