/* mmap faults (fio's mmap engine, one byte per page): each touch of a not-yet-mapped page is a
 * page fault, timed on its own. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "loops.h"
#include "rng.h"
#include "sigbus.h"

static void shuffle(uint32_t *perm, uint64_t n, uint64_t *rng)
{
    for (uint64_t i = n - 1; i > 0; i--) {
        uint64_t j = rng_next(rng) % (i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

void run_mmap_loop(const struct mmap_spec *s, struct io_result *r)
{
    r->start_ns = r->end_ns = mono_ns();
    if (result_init(r, s->record_starts, s->max_ops) != 0) {
        result_err(r, ENOMEM);
        return;
    }
    const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    const uint64_t pages = (s->length + page - 1) / page;
    const size_t len = (size_t)s->length;
    uint32_t *perm = NULL;
    uint64_t rng = s->seed;
    if (s->random) {
        /* A permutation per pass, so one pass touches every page exactly once, as in sequential. */
        perm = malloc(pages * sizeof *perm);
        if (!perm) {
            result_err(r, ENOMEM);
            return;
        }
        for (uint64_t i = 0; i < pages; i++)
            perm[i] = (uint32_t)i;
        shuffle(perm, pages, &rng);
    }
    int prot = PROT_READ | (s->write ? PROT_WRITE : 0);
    uint8_t *base = mmap(NULL, len, prot, MAP_SHARED, s->fd, (off_t)s->offset);
    if (base == MAP_FAILED) {
        result_err(r, errno);
        free(perm);
        r->end_ns = mono_ns();
        return;
    }
    /* Same read-ahead hints as fio's mmap engine gives for the pattern. */
    madvise(base, len, s->random ? MADV_RANDOM : MADV_SEQUENTIAL);
    sigbus_guard_install();

    const uint8_t val = (uint8_t)(s->seed | 1);
    uint64_t attempts = 0, idx = 0;
    uint64_t now = mono_ns();
    r->start_ns = now;
    while ((s->max_ops == 0 || attempts < s->max_ops) && (s->deadline_ns == 0 || now < s->deadline_ns)) {
        if (idx == pages) {
            /* Every page has been touched: drop the PTEs so the next pass faults again. Untimed. */
            madvise(base, len, MADV_DONTNEED);
            if (perm)
                shuffle(perm, pages, &rng);
            idx = 0;
            now = mono_ns();
            continue;
        }
        uint64_t pg = perm ? perm[idx] : idx;
        idx++;
        attempts++;
        uint64_t t0, t1;
        if (guarded_touch(base + pg * page, s->write ? TOUCH_STORE : TOUCH_READ, val, &t0, &t1) == 0) {
            now = t1;
            if (result_ok(r, t0, t1, page) != 0)
                break;
        } else {
            now = mono_ns();
            result_err(r, RES_SIGBUS);
        }
    }
    r->end_ns = now;
    munmap(base, len);
    free(perm);
}
