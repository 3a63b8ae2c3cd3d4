/* Mappings that outlive one call: an interferer maps a file, keeps the mapping while writers run,
 * then unmaps it. JS only sees an integer handle. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exports.h"
#include "napi_util.h"
#include "sigbus.h"

struct mapping {
    int64_t id;
    uint8_t *addr;
    size_t len;
    int writable;
    struct mapping *next;
};

/* Process-wide, like the addon's statics: a handle from one thread is valid in another. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *mappings;
static int64_t next_id = 1;

/* Copies the entry for `id` (so no lock is held while touching). Returns 0, or -1 if unknown. */
static int find(int64_t id, struct mapping *copy)
{
    int rc = -1;
    pthread_mutex_lock(&lock);
    for (struct mapping *m = mappings; m; m = m->next) {
        if (m->id == id) {
            *copy = *m;
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

napi_value js_map_file(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    int64_t fd, len, off;
    int shared, write;
    if (get_args(env, info, 3, 3, argv, "mapFile(fd, length, opts)") != 0 ||
        arg_int(env, argv[0], "mapFile: fd", 0, INT32_MAX, &fd) != 0 ||
        arg_int(env, argv[1], "mapFile: length", 1, MAX_SAFE_INT, &len) != 0 ||
        arg_object(env, argv[2], "mapFile: opts") != 0 ||
        get_bool(env, argv[2], "mapFile opts", "shared", -1, &shared) != 0 ||
        get_bool(env, argv[2], "mapFile opts", "write", -1, &write) != 0 ||
        get_int(env, argv[2], "mapFile opts", "offset", 0, 0, 0, MAX_SAFE_INT, &off) != 0)
        return NULL;
    if (shared < 0 || write < 0) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "mapFile: opts.shared and opts.write are required booleans");
        return NULL;
    }
    long page = sysconf(_SC_PAGESIZE);
    if (off % page != 0) {
        throw_range(env, "mapFile: opts.offset (%lld) must be a multiple of the page size (%ld)", (long long)off,
                    page);
        return NULL;
    }
    struct mapping *m = calloc(1, sizeof *m);
    if (!m) {
        throw_errno(env, ENOMEM, "mmap", NULL);
        return NULL;
    }
    int prot = PROT_READ | (write ? PROT_WRITE : 0);
    void *addr = mmap(NULL, (size_t)len, prot, shared ? MAP_SHARED : MAP_PRIVATE, (int)fd, (off_t)off);
    if (addr == MAP_FAILED) {
        free(m);
        throw_errno(env, errno, "mmap", NULL);
        return NULL;
    }
    m->addr = addr;
    m->len = (size_t)len;
    m->writable = write;
    pthread_mutex_lock(&lock);
    m->id = next_id++;
    m->next = mappings;
    mappings = m;
    pthread_mutex_unlock(&lock);
    napi_value out;
    if (napi_check(env, napi_create_double(env, (double)m->id, &out), "create number") != 0)
        return NULL;
    return out;
}

napi_value js_touch_mapping(napi_env env, napi_callback_info info)
{
    napi_value argv[3];
    int64_t id, off;
    bool write;
    napi_valuetype t;
    if (get_args(env, info, 3, 3, argv, "touchMapping(handle, offset, write)") != 0 ||
        arg_int(env, argv[0], "touchMapping: handle", 1, MAX_SAFE_INT, &id) != 0 ||
        arg_int(env, argv[1], "touchMapping: offset", 0, MAX_SAFE_INT, &off) != 0 ||
        napi_check(env, napi_typeof(env, argv[2], &t), "typeof") != 0)
        return NULL;
    if (t != napi_boolean) {
        throw_type(env, "ERR_INVALID_ARG_TYPE", "touchMapping: write must be a boolean");
        return NULL;
    }
    napi_get_value_bool(env, argv[2], &write);
    struct mapping m;
    if (find(id, &m) != 0) {
        throw_range(env, "touchMapping: no mapping with handle %lld (unmapped already?)", (long long)id);
        return NULL;
    }
    if ((uint64_t)off >= m.len) {
        throw_range(env, "touchMapping: offset %lld is outside the mapping (length %zu)", (long long)off, m.len);
        return NULL;
    }
    if (write && !m.writable) {
        /* A store would raise SIGSEGV, which nothing here can survive. */
        throw_type(env, "ERR_INVALID_ARG_VALUE", "touchMapping: mapping %lld was not mapped for writing",
                   (long long)id);
        return NULL;
    }
    sigbus_guard_install();
    uint64_t t0, t1;
    volatile uint8_t *p = m.addr + off;
    /* A write stores back the byte it read, so probing a file does not change its content. */
    if (guarded_touch(p, write ? TOUCH_REWRITE : TOUCH_READ, 0, &t0, &t1) != 0)
        throw_code(env, "SIGBUS", "the page could not be faulted in (beyond end of file, or an I/O error)");
    return NULL;
}

napi_value js_unmap_file(napi_env env, napi_callback_info info)
{
    napi_value argv[1];
    int64_t id;
    if (get_args(env, info, 1, 1, argv, "unmapFile(handle)") != 0 ||
        arg_int(env, argv[0], "unmapFile: handle", 1, MAX_SAFE_INT, &id) != 0)
        return NULL;
    struct mapping *found = NULL;
    pthread_mutex_lock(&lock);
    for (struct mapping **pp = &mappings; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            found = *pp;
            *pp = found->next;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!found) {
        throw_range(env, "unmapFile: no mapping with handle %lld (unmapped already?)", (long long)id);
        return NULL;
    }
    int rc = munmap(found->addr, found->len);
    int err = errno;
    free(found);
    if (rc != 0)
        throw_errno(env, err, "munmap", NULL);
    return NULL;
}
