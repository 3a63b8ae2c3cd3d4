/* Several pwrite(2)s at the same moment, one pthread each, for `fusebench verify`: writers on
 * disjoint ranges of one file must all land, whichever lock the kernel takes for them (the shared
 * parallel-DIO path lets them overlap in the server). Every thread is created first and waits at a
 * gate that opens for all at once, so the writes really are concurrent; the call returns when all
 * have finished. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "exports.h"
#include "napi_util.h"

#define MAX_WRITERS 16

/* 0: wait, 1: write, -1: give up (a thread could not be created, nothing is written). */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int state;
};

struct writer {
    int fd;
    int64_t off;
    const uint8_t *data;
    size_t len;
    struct gate *gate;
    size_t done;
    int err;
};

static int gate_wait(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    while (g->state == 0)
        pthread_cond_wait(&g->changed, &g->lock);
    int s = g->state;
    pthread_mutex_unlock(&g->lock);
    return s;
}

static void gate_open(struct gate *g, int state)
{
    pthread_mutex_lock(&g->lock);
    g->state = state;
    pthread_cond_broadcast(&g->changed);
    pthread_mutex_unlock(&g->lock);
}

static void *write_all(void *arg)
{
    struct writer *w = arg;
    if (w->gate && gate_wait(w->gate) < 0)
        return NULL;
    while (w->done < w->len) {
        ssize_t n = pwrite(w->fd, w->data + w->done, w->len - w->done, (off_t)(w->off + (int64_t)w->done));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            w->err = errno;
            break;
        }
        if (n == 0)
            break;
        w->done += (size_t)n;
    }
    return NULL;
}

static int get_writer(napi_env env, napi_value arr, uint32_t i, struct writer *w)
{
    napi_value o, data;
    int64_t fd, off;
    bool is;
    void *p;
    if (napi_check(env, napi_get_element(env, arr, i, &o), "get element") != 0 ||
        arg_object(env, o, "concurrentPwrite: each write") != 0 ||
        get_int(env, o, "write", "fd", 1, 0, 0, INT32_MAX, &fd) != 0 ||
        get_int(env, o, "write", "offset", 1, 0, 0, MAX_SAFE_INT, &off) != 0 ||
        napi_check(env, napi_get_named_property(env, o, "data", &data), "get property") != 0 ||
        napi_check(env, napi_is_buffer(env, data, &is), "is buffer") != 0)
        return -1;
    if (!is) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "concurrentPwrite: write.data must be a Buffer");
        return -1;
    }
    if (napi_check(env, napi_get_buffer_info(env, data, &p, &w->len), "get buffer") != 0)
        return -1;
    w->fd = (int)fd;
    w->off = off;
    w->data = p;
    return 0;
}

napi_value js_concurrent_pwrite(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value arr;
    bool is_array;
    uint32_t n;
    if (napi_check(env, napi_get_cb_info(env, info, &argc, &arr, NULL, NULL), "get arguments") != 0 ||
        napi_check(env, napi_is_array(env, arr, &is_array), "is array") != 0)
        return NULL;
    if (argc < 1 || !is_array) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "concurrentPwrite(writes) needs an array of {fd, offset, data}");
        return NULL;
    }
    if (napi_check(env, napi_get_array_length(env, arr, &n), "array length") != 0)
        return NULL;
    if (n < 1 || n > MAX_WRITERS) {
        throw_range(env, "concurrentPwrite: 1..%d writes, got %u", MAX_WRITERS, n);
        return NULL;
    }
    struct writer w[MAX_WRITERS] = {0};
    pthread_t tid[MAX_WRITERS];
    struct gate gate = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    for (uint32_t i = 0; i < n; i++)
        if (get_writer(env, arr, i, &w[i]) != 0)
            return NULL;
    /* The JS thread is writer 0; the others wait at the gate. */
    uint32_t started = 0;
    int create_err = 0;
    for (uint32_t i = 1; i < n && create_err == 0; i++) {
        w[i].gate = &gate;
        create_err = pthread_create(&tid[i], NULL, write_all, &w[i]);
        if (create_err == 0)
            started++;
    }
    gate_open(&gate, create_err == 0 ? 1 : -1);
    if (create_err == 0)
        write_all(&w[0]);
    for (uint32_t i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&gate.lock);
    pthread_cond_destroy(&gate.changed);
    if (create_err != 0) {
        throw_errno(env, create_err, "pthread_create", NULL);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (w[i].err != 0) {
            char what[64];
            snprintf(what, sizeof what, "pwrite (writer %u of %u)", i + 1, n);
            throw_errno(env, w[i].err, what, NULL);
            return NULL;
        }
    }
    napi_value out;
    if (napi_check(env, napi_create_array_with_length(env, n, &out), "create array") != 0)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        napi_value v;
        if (napi_check(env, napi_create_double(env, (double)w[i].done, &v), "create number") != 0 ||
            napi_check(env, napi_set_element(env, out, i, v), "set element") != 0)
            return NULL;
    }
    return out;
}
