/* Statistics as runc's `events --stats` "data" object, written with a tiny JSON builder
 * (libocispec is the only yajl user). Missing files simply leave their fields out. */
#include "config.h"
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "cgroup/backend.h"
#include "cgroup/psi.h"
#include "json-out.h"
#include "util.h"

struct jb { char *s; size_t len, cap; int depth; bool first[16]; };

static void jb_raw(struct jb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jb_raw(struct jb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->len + (size_t) n + 1 > b->cap) {
        b->cap = (b->len + (size_t) n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t) n;
}

static void jb_put(void *b, const char *piece, size_t len) { jb_raw(b, "%.*s", (int) len, piece); }

static void jb_str_esc(struct jb *b, const char *s)
{
    jb_raw(b, "\"");
    json_escape_each(s, jb_put, b);
    jb_raw(b, "\"");
}

static void jb_key(struct jb *b, const char *k)
{
    if (!b->first[b->depth])
        jb_raw(b, ",");
    b->first[b->depth] = false;
    if (k) {
        jb_str_esc(b, k);
        jb_raw(b, ":");
    }
}
static void jb_open(struct jb *b, const char *k, char c) { jb_key(b, k); jb_raw(b, "%c", c); b->first[++b->depth] = true; }
static void jb_close(struct jb *b, char c) { b->depth--; jb_raw(b, "%c", c); }
static void jb_u64(struct jb *b, const char *k, uint64_t v) { jb_key(b, k); jb_raw(b, "%" PRIu64, v); }
static void jb_str(struct jb *b, const char *k, const char *v) { jb_key(b, k); jb_str_esc(b, v); }

static bool rd(const char *dir, const char *file, uint64_t *v) { return dir && cg_read_u64(dir, file, v) == 0; }
static void field(struct jb *b, const char *k, const char *dir, const char *file)
{
    uint64_t v;
    if (rd(dir, file, &v))
        jb_u64(b, k, v);
}

/* every "key value" line of file as an object */
static void kv_object(struct jb *b, const char *k, const char *dir, const char *file)
{
    struct tr_err e;
    _cleanup_free_ char *s = dir ? cg_read(dir, file, &e) : NULL;
    if (!s)
        return;
    jb_open(b, k, '{');
    for (char *sv = NULL, *l = strtok_r(s, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv)) {
        char *sp = strchr(l, ' ');
        uint64_t v;
        if (!sp)
            continue;
        *sp = '\0';
        if (parse_u64(sp + 1, &v) == 0)
            jb_u64(b, l, v);
    }
    jb_close(b, '}');
}

static void u64_list(struct jb *b, const char *k, const char *dir, const char *file)
{
    struct tr_err e;
    _cleanup_free_ char *s = dir ? cg_read(dir, file, &e) : NULL;
    if (!s)
        return;
    jb_open(b, k, '[');
    for (char *sv = NULL, *t = strtok_r(s, " \n", &sv); t; t = strtok_r(NULL, " \n", &sv)) {
        uint64_t v;
        if (parse_u64(t, &v) == 0)
            jb_u64(b, NULL, v);
    }
    jb_close(b, ']');
}

/* hugepage sizes of this machine as cgroup names ("2MB", "1GB") */
static size_t page_sizes(char names[][16], size_t max)
{
    DIR *d = opendir("/sys/kernel/mm/hugepages");
    size_t n = 0;
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        unsigned long kb;
        if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
            continue;
        if (kb % (1024 * 1024) == 0)
            snprintf(names[n++], 16, "%luGB", kb / (1024 * 1024));
        else if (kb % 1024 == 0)
            snprintf(names[n++], 16, "%luMB", kb / 1024);
        else
            snprintf(names[n++], 16, "%luKB", kb);
    }
    closedir(d);
    return n;
}

static void hugetlb(struct jb *b, const char *v1dir, const char *v2dir)
{
    char names[8][16];
    size_t n = page_sizes(names, 8);
    if (n == 0 || (!v1dir && !v2dir))
        return;
    jb_open(b, "hugetlb", '{');
    for (size_t i = 0; i < n; i++) {
        char f[64];
        uint64_t v;
        jb_open(b, names[i], '{');
        if (v1dir) {
            snprintf(f, sizeof f, "hugetlb.%s.usage_in_bytes", names[i]); field(b, "usage", v1dir, f);
            snprintf(f, sizeof f, "hugetlb.%s.max_usage_in_bytes", names[i]); field(b, "max", v1dir, f);
            snprintf(f, sizeof f, "hugetlb.%s.failcnt", names[i]); field(b, "failcnt", v1dir, f);
        } else {
            snprintf(f, sizeof f, "hugetlb.%s.current", names[i]); field(b, "usage", v2dir, f);
            snprintf(f, sizeof f, "hugetlb.%s.events", names[i]);
            if (cg_read_keyed(v2dir, f, "max", &v))
                jb_u64(b, "failcnt", v);
        }
        jb_close(b, '}');
    }
    jb_close(b, '}');
}

static void blkio_v1(struct jb *b, const char *dir, const char *file, const char *key)
{
    struct tr_err e;
    _cleanup_free_ char *s = dir ? cg_read(dir, file, &e) : NULL;
    if (!s)
        return;
    jb_open(b, key, '[');
    for (char *sv = NULL, *l = strtok_r(s, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv)) {
        unsigned maj, min;
        char op[32];
        uint64_t v;
        if (sscanf(l, "%u:%u %31s %" SCNu64, &maj, &min, op, &v) != 4)
            continue;
        jb_open(b, NULL, '{');
        jb_u64(b, "major", maj); jb_u64(b, "minor", min); jb_str(b, "op", op); jb_u64(b, "value", v);
        jb_close(b, '}');
    }
    jb_close(b, ']');
}

static void mem_entry(struct jb *b, const char *k, const char *dir, const char *prefix)
{
    char f[96];
    jb_open(b, k, '{');
    snprintf(f, sizeof f, "%s.usage_in_bytes", prefix); field(b, "usage", dir, f);
    snprintf(f, sizeof f, "%s.max_usage_in_bytes", prefix); field(b, "max", dir, f);
    snprintf(f, sizeof f, "%s.failcnt", prefix); field(b, "failcnt", dir, f);
    snprintf(f, sizeof f, "%s.limit_in_bytes", prefix); field(b, "limit", dir, f);
    jb_close(b, '}');
}

static const char *dir_of(struct cg_hier *h) { return h ? h->dir : NULL; }

char *cg_stats_v1(struct cgroup_mgr *m, struct tr_err *err)
{
    struct jb b = { 0 };
    b.first[0] = true;
    const char *cpuacct = dir_of(cg_find_hier(m, "cpuacct")), *cpu = dir_of(cg_find_hier(m, "cpu"));
    const char *mem = dir_of(cg_find_hier(m, "memory"));
    jb_open(&b, NULL, '{');
    jb_open(&b, "cpu", '{');
    jb_open(&b, "usage", '{');
    field(&b, "total", cpuacct, "cpuacct.usage");
    u64_list(&b, "percpu", cpuacct, "cpuacct.usage_percpu");
    u64_list(&b, "percpu_kernel", cpuacct, "cpuacct.usage_percpu_sys");
    u64_list(&b, "percpu_user", cpuacct, "cpuacct.usage_percpu_user");
    uint64_t v, hz = (uint64_t) sysconf(_SC_CLK_TCK);
    if (cg_read_keyed(cpuacct, "cpuacct.stat", "system", &v))
        jb_u64(&b, "kernel", v * (1000000000ULL / hz));
    if (cg_read_keyed(cpuacct, "cpuacct.stat", "user", &v))
        jb_u64(&b, "user", v * (1000000000ULL / hz));
    jb_close(&b, '}');
    jb_open(&b, "throttling", '{');
    if (cg_read_keyed(cpu, "cpu.stat", "nr_periods", &v)) jb_u64(&b, "periods", v);
    if (cg_read_keyed(cpu, "cpu.stat", "nr_throttled", &v)) jb_u64(&b, "throttled_periods", v);
    if (cg_read_keyed(cpu, "cpu.stat", "throttled_time", &v)) jb_u64(&b, "throttled_time", v);
    jb_close(&b, '}');
    jb_close(&b, '}');
    jb_open(&b, "memory", '{');
    if (cg_read_keyed(mem, "memory.stat", "total_cache", &v) || cg_read_keyed(mem, "memory.stat", "cache", &v))
        jb_u64(&b, "cache", v);
    mem_entry(&b, "usage", mem, "memory");
    mem_entry(&b, "swap", mem, "memory.memsw");
    mem_entry(&b, "kernel", mem, "memory.kmem");
    mem_entry(&b, "kernelTCP", mem, "memory.kmem.tcp");
    kv_object(&b, "raw", mem, "memory.stat");
    jb_close(&b, '}');
    const char *pids = dir_of(cg_find_hier(m, "pids"));
    jb_open(&b, "pids", '{');
    field(&b, "current", pids, "pids.current");
    if (rd(pids, "pids.max", &v))
        jb_u64(&b, "limit", v == UINT64_MAX ? 0 : v);
    jb_close(&b, '}');
    const char *blk = dir_of(cg_find_hier(m, "blkio"));
    jb_open(&b, "blkio", '{');
    blkio_v1(&b, blk, "blkio.throttle.io_service_bytes_recursive", "ioServiceBytesRecursive");
    blkio_v1(&b, blk, "blkio.throttle.io_serviced_recursive", "ioServicedRecursive");
    jb_close(&b, '}');
    struct cg_hier *h1 = cg_find_hier(m, "hugetlb"), *h2 = cg_v2_hier(m);
    hugetlb(&b, dir_of(h1), !h1 && h2 && cg_hier_has(h2, "hugetlb") ? h2->dir : NULL);
    jb_close(&b, '}');
    (void) err;
    return b.s;
}

/* runc 1.2's "psi" object of cpu, memory and blkio: {some, full} of {avg10 avg60 avg300 total};
 * absent where the kernel keeps no pressure file (CONFIG_PSI off, psi=0, cgroup v1). */
static void psi(struct jb *b, const char *dir, const char *file)
{
    struct tr_err e;
    struct cg_psi p;
    _cleanup_free_ char *s = cg_read(dir, file, &e);
    if (!s || cg_psi_parse(s, &p) < 0)
        return;
    jb_open(b, "psi", '{');
    for (int k = 0; k < 2; k++) {
        const struct cg_psi_line *l = k ? &p.full : &p.some;
        if (!l->present)
            continue;
        jb_open(b, k ? "full" : "some", '{');
        jb_key(b, "avg10"); jb_raw(b, "%g", l->avg10);
        jb_key(b, "avg60"); jb_raw(b, "%g", l->avg60);
        jb_key(b, "avg300"); jb_raw(b, "%g", l->avg300);
        jb_u64(b, "total", l->total);
        jb_close(b, '}');
    }
    jb_close(b, '}');
}

static void io_stat_v2(struct jb *b, const char *dir)
{
    struct tr_err e;
    _cleanup_free_ char *s = cg_read(dir, "io.stat", &e);
    static const struct { const char *key, *arr, *op; } map[] = {
        { "rbytes", "ioServiceBytesRecursive", "Read" }, { "wbytes", "ioServiceBytesRecursive", "Write" },
        { "rios", "ioServicedRecursive", "Read" }, { "wios", "ioServicedRecursive", "Write" },
    };
    jb_open(b, "blkio", '{');
    for (int pass = 0; s && pass < 2; pass++) {
        jb_open(b, map[pass * 2].arr, '[');
        _cleanup_free_ char *copy = xstrdup(s);
        for (char *sv = NULL, *l = strtok_r(copy, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv)) {
            unsigned maj, min;
            if (sscanf(l, "%u:%u", &maj, &min) != 2)
                continue;
            for (int k = pass * 2; k < pass * 2 + 2; k++) {
                char pat[32];
                snprintf(pat, sizeof pat, " %s=", map[k].key);
                char *p = strstr(l, pat);
                uint64_t v;
                if (!p || sscanf(p + strlen(pat), "%" SCNu64, &v) != 1)
                    continue;
                jb_open(b, NULL, '{');
                jb_u64(b, "major", maj); jb_u64(b, "minor", min); jb_str(b, "op", map[k].op); jb_u64(b, "value", v);
                jb_close(b, '}');
            }
        }
        jb_close(b, ']');
    }
    psi(b, dir, "io.pressure");
    jb_close(b, '}');
}

char *cg_stats_v2(struct cgroup_mgr *m, struct tr_err *err)
{
    struct jb b = { 0 };
    b.first[0] = true;
    const char *d = cg_v2_hier(m)->dir;
    uint64_t v;
    jb_open(&b, NULL, '{');
    jb_open(&b, "cpu", '{');
    jb_open(&b, "usage", '{');
    if (cg_read_keyed(d, "cpu.stat", "usage_usec", &v)) jb_u64(&b, "total", v * 1000);
    if (cg_read_keyed(d, "cpu.stat", "system_usec", &v)) jb_u64(&b, "kernel", v * 1000);
    if (cg_read_keyed(d, "cpu.stat", "user_usec", &v)) jb_u64(&b, "user", v * 1000);
    jb_close(&b, '}');
    jb_open(&b, "throttling", '{');
    if (cg_read_keyed(d, "cpu.stat", "nr_periods", &v)) jb_u64(&b, "periods", v);
    if (cg_read_keyed(d, "cpu.stat", "nr_throttled", &v)) jb_u64(&b, "throttled_periods", v);
    if (cg_read_keyed(d, "cpu.stat", "throttled_usec", &v)) jb_u64(&b, "throttled_time", v * 1000);
    jb_close(&b, '}');
    psi(&b, d, "cpu.pressure");
    jb_close(&b, '}');
    jb_open(&b, "memory", '{');
    if (cg_read_keyed(d, "memory.stat", "file", &v))
        jb_u64(&b, "cache", v);
    jb_open(&b, "usage", '{');
    field(&b, "usage", d, "memory.current");
    field(&b, "max", d, "memory.peak");
    field(&b, "limit", d, "memory.max");
    if (cg_read_keyed(d, "memory.events", "max", &v)) jb_u64(&b, "failcnt", v);
    jb_close(&b, '}');
    jb_open(&b, "swap", '{');
    field(&b, "usage", d, "memory.swap.current");
    field(&b, "max", d, "memory.swap.peak");
    field(&b, "limit", d, "memory.swap.max");
    if (cg_read_keyed(d, "memory.swap.events", "max", &v)) jb_u64(&b, "failcnt", v);
    jb_close(&b, '}');
    kv_object(&b, "raw", d, "memory.stat");
    psi(&b, d, "memory.pressure");
    jb_close(&b, '}');
    jb_open(&b, "pids", '{');
    field(&b, "current", d, "pids.current");
    if (rd(d, "pids.max", &v))
        jb_u64(&b, "limit", v == UINT64_MAX ? 0 : v);
    jb_close(&b, '}');
    io_stat_v2(&b, d);
    hugetlb(&b, NULL, d);
    jb_close(&b, '}');
    (void) err;
    return b.s;
}
