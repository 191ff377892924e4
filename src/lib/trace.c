/* tinyrun --trace (trace.h). */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "trace.h"
#include "util.h"

#define TRACE_MAX 96

struct trace_event {
    uint64_t ns;                /* CLOCK_MONOTONIC */
    char who[8];
    char phase[56];
};

/* MAP_SHARED: the init child writes its events here and the runtime reads them. */
struct trace_page {
    uint32_t n;                 /* slots taken (atomic: both processes append) */
    uint64_t t0;                /* when the runtime started tracing */
    struct trace_event ev[TRACE_MAX];
};

static struct trace_page *page;
static bool as_json;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

void tr_trace_init(bool on, bool json)
{
    if (!on)
        return;
    void *p = mmap(NULL, sizeof *page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        tr_warn("--trace: mmap of the trace page failed: %m; no trace");
        return;
    }
    page = p;
    page->t0 = now_ns();
    as_json = json && tr_log_fd() >= 0;
}

void tr_trace(const char *who, const char *phase)
{
    if (!page)
        return;
    uint32_t i = __atomic_fetch_add(&page->n, 1, __ATOMIC_RELAXED);
    if (i >= TRACE_MAX)
        return;
    struct trace_event *e = &page->ev[i];
    snprintf(e->who, sizeof e->who, "%s", who);
    snprintf(e->phase, sizeof e->phase, "%s", phase);
    __atomic_store_n(&e->ns, now_ns(), __ATOMIC_RELEASE);
}

static int by_time(const void *a, const void *b)
{
    const struct trace_event *x = a, *y = b;
    return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static void emit(const struct trace_event *e, uint64_t end)
{
    double at = (double) (e->ns - page->t0) / 1e6;
    char line[256], dur[32] = "-", ts[64];
    if (end)
        snprintf(dur, sizeof dur, "%.3f", (double) (end - e->ns) / 1e6);
    if (!as_json) {
        int n = snprintf(line, sizeof line, "tinyrun trace: %s at=%.3f dur=%s %s\n", e->who, at, dur, e->phase);
        (void) !write(STDERR_FILENO, line, (size_t) n < sizeof line ? (size_t) n : sizeof line - 1);
        return;
    }
    rfc3339_now(ts, sizeof ts);
    int n = snprintf(line, sizeof line, "{\"level\":\"info\",\"msg\":\"trace\",\"who\":\"%s\",\"phase\":\"%s\","
                     "\"at_ms\":%.3f,\"dur_ms\":%s,\"time\":\"%s\"}\n", e->who, e->phase, at,
                     end ? dur : "null", ts);
    (void) !write(tr_log_fd(), line, (size_t) n < sizeof line ? (size_t) n : sizeof line - 1);
}

/* A process's last phase has no end we saw (the init's execve, or a wait still running),
 * except the runtime's own, which ends now. */
void tr_trace_report(void)
{
    if (!page)
        return;
    uint64_t end = now_ns();
    size_t n = __atomic_load_n(&page->n, __ATOMIC_ACQUIRE);
    n = n > TRACE_MAX ? TRACE_MAX : n;
    struct trace_event *ev = xmalloc(n * sizeof *ev + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (__atomic_load_n(&page->ev[i].ns, __ATOMIC_ACQUIRE))   /* a slot the init never filled */
            ev[k++] = page->ev[i];
    qsort(ev, k, sizeof *ev, by_time);
    for (size_t i = 0; i < k; i++) {
        uint64_t next = 0;
        for (size_t j = i + 1; j < k && !next; j++)
            if (streq(ev[j].who, ev[i].who))
                next = ev[j].ns;
        if (!next && streq(ev[i].who, "runtime"))
            next = end;
        emit(&ev[i], next);
    }
    free(ev);
}
