/* fusebench-loop: the harness's own pwrite loop (native/addon/io_loop.c) in a plain C process, with
 * pthreads instead of Piscina workers. `perf fidelity` runs it beside our harness and fio: when fio
 * disagrees with both, the difference is fio's, not Node's or Piscina's. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "loops.h"

struct job {
    pthread_t thread;
    const char *path;
    uint64_t seed;
    struct io_result r;
    int open_errno;
};

static pthread_barrier_t barrier;
static uint64_t lead_in_ns, window_ns;
static _Atomic uint64_t go_ns;

static void run(struct job *j, int fd, uint64_t deadline, struct io_result *r)
{
    struct loop_spec s = {
        .fd = fd,
        .op = OP_PWRITE,
        .block_size = 4096,
        .pattern = PAT_RANDOM,
        .offset = 0,
        .deadline_ns = deadline,
        .seed = j->seed,
        .fill = -1,
        .cursor = -1,
    };
    struct stat st;
    s.range = fstat(fd, &st) == 0 ? (uint64_t)st.st_size / 4096 * 4096 : 0;
    if (s.range < 4096) {
        result_init(r, 0, 1);
        result_err(r, EINVAL);
        return;
    }
    run_io_loop(&s, r);
}

static void *job_main(void *arg)
{
    struct job *j = arg;
    int fd = open(j->path, O_RDWR | O_DIRECT | O_CLOEXEC);
    j->open_errno = fd < 0 ? errno : 0;
    /* Every job passes both barriers, even one that failed to open, or the others would wait forever. */
    if (fd >= 0) {
        struct io_result lead;
        run(j, fd, mono_ns() + lead_in_ns, &lead);
        result_free(&lead);
    }
    if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
        go_ns = mono_ns();
    pthread_barrier_wait(&barrier);
    if (fd >= 0) {
        run(j, fd, go_ns + window_ns, &j->r);
        close(fd);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static uint64_t parse_u64(const char *what, const char *s, uint64_t lo, uint64_t hi)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "fusebench-loop: %s must be an integer in [%llu, %llu], not \"%s\"\n", what,
                (unsigned long long)lo, (unsigned long long)hi, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: fusebench-loop FILE JOBS LEAD_IN_MS WINDOW_MS SEED\n"
                        "  JOBS threads of 4 KiB O_DIRECT random pwrite over FILE (its whole size): each runs\n"
                        "  LEAD_IN_MS unmeasured, then all run WINDOW_MS timed from one start. Prints one JSON\n"
                        "  line: ops, iops, p50Ns, meanNs.\n");
        return 2;
    }
    unsigned jobs = (unsigned)parse_u64("JOBS", argv[2], 1, 256);
    lead_in_ns = parse_u64("LEAD_IN_MS", argv[3], 0, 3600000) * 1000000u;
    window_ns = parse_u64("WINDOW_MS", argv[4], 1, 3600000) * 1000000u;
    uint64_t seed = parse_u64("SEED", argv[5], 0, UINT64_MAX);

    struct job *js = calloc(jobs, sizeof *js);
    if (!js || pthread_barrier_init(&barrier, NULL, jobs) != 0) {
        fprintf(stderr, "fusebench-loop: out of memory\n");
        return 1;
    }
    for (unsigned i = 0; i < jobs; i++) {
        js[i].path = argv[1];
        js[i].seed = seed + i;
        int rc = pthread_create(&js[i].thread, NULL, job_main, &js[i]);
        if (rc != 0) {
            /* The barrier counts on every job: without one of them, nothing can start. */
            fprintf(stderr, "fusebench-loop: cannot start job %u: %s\n", i, strerror(rc));
            return 1;
        }
    }
    size_t total = 0;
    uint64_t start = UINT64_MAX, end = 0;
    int failed = 0;
    for (unsigned i = 0; i < jobs; i++) {
        pthread_join(js[i].thread, NULL);
        struct io_result *r = &js[i].r;
        if (js[i].open_errno) {
            fprintf(stderr, "fusebench-loop: open %s: %s\n", argv[1], strerror(js[i].open_errno));
            failed = 1;
            continue;
        }
        for (int e = 0; e < r->nerrs; e++) {
            char name[32];
            fprintf(stderr, "fusebench-loop: job %u: %llu × %s\n", i, (unsigned long long)r->errs[e].count,
                    result_code_name(r->errs[e].code, name, sizeof name));
            failed = 1;
        }
        total += r->lat.len;
        if (r->start_ns < start)
            start = r->start_ns;
        if (r->end_ns > end)
            end = r->end_ns;
    }
    if (failed)
        return 1;
    double *all = malloc((total ? total : 1) * sizeof *all);
    if (!all) {
        fprintf(stderr, "fusebench-loop: out of memory\n");
        return 1;
    }
    size_t k = 0;
    double sum = 0;
    for (unsigned i = 0; i < jobs; i++) {
        memcpy(all + k, js[i].r.lat.v, js[i].r.lat.len * sizeof *all);
        k += js[i].r.lat.len;
        result_free(&js[i].r);
    }
    for (size_t i = 0; i < total; i++)
        sum += all[i];
    qsort(all, total, sizeof *all, cmp_double);
    /* Nearest rank, as the harness's histograms report a percentile. */
    double p50 = total ? all[(total + 1) / 2 - 1] : 0;
    double secs = end > start ? (double)(end - start) / 1e9 : 0;
    printf("{\"ops\":%zu,\"iops\":%.1f,\"p50Ns\":%.0f,\"meanNs\":%.1f}\n", total, secs > 0 ? (double)total / secs : 0, p50,
           total ? sum / (double)total : 0);
    free(all);
    free(js);
    return 0;
}
