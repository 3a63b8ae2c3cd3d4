#include "sigbus.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "clock.h"

struct guard {
    sigjmp_buf jb;
    volatile sig_atomic_t armed;
};

/* One jump buffer per thread: workers and pool threads touch their own mappings concurrently. */
static _Thread_local struct guard tls_guard;
static struct sigaction previous;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    struct guard *g = &tls_guard;
    if (g->armed) {
        g->armed = 0;
        siglongjmp(g->jb, 1);
    }
    /* Not one of our touches: behave as if we had never been installed. */
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, si, uc);
    } else if (previous.sa_handler == SIG_DFL || previous.sa_handler == SIG_IGN) {
        /* Restore the default and return: the faulting instruction re-runs and the process dies
         * with the usual SIGBUS (a synchronous fault cannot be ignored anyway). */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigaction(SIGBUS, &dfl, NULL);
    } else {
        previous.sa_handler(sig);
    }
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sigemptyset(&sa.sa_mask);
    /* SA_NODEFER: we leave the handler by siglongjmp to a buffer saved without the signal mask
     * (saving it would cost a sigprocmask syscall per touch); SIGBUS must not stay blocked, or
     * the next fault in this thread would kill the process. */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGBUS, &sa, &previous);
}

void sigbus_guard_install(void)
{
    pthread_once(&once, install);
}

int guarded_touch(volatile uint8_t *p, enum touch how, uint8_t val, uint64_t *t0, uint64_t *t1)
{
    struct guard *g = &tls_guard;
    if (sigsetjmp(g->jb, 0) != 0)
        return -1;
    g->armed = 1;
    struct timespec a, b;
    mono_raw(&a);
    switch (how) {
    case TOUCH_READ:
        (void)*p;
        break;
    case TOUCH_STORE:
        *p = val;
        break;
    case TOUCH_REWRITE:
        *p = *p;
        break;
    }
    mono_raw(&b);
    g->armed = 0;
    *t0 = ts_ns(&a);
    *t1 = ts_ns(&b);
    return 0;
}

int guarded_copy(void *dst, const void *src, size_t n)
{
    struct guard *g = &tls_guard;
    if (sigsetjmp(g->jb, 0) != 0)
        return -1;
    g->armed = 1;
    memcpy(dst, src, n);
    g->armed = 0;
    return 0;
}
