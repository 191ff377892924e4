/* linux.resources -> (controller, file, value) writes for cgroup v1 and v2. Pure: no I/O.
 * Conversions follow runc's so that a container gets the same limits under either runtime;
 * docs/cgroups.md lists them. */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup/res.h"
#include "log.h"
#include "util.h"

#define JP "linux.resources."

void cg_writes_add(struct cg_writes *w, const char *ctrl, const char *file, char *value_owned,
                   const char *jpath, unsigned flags)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 16;
        w->v = xrealloc(w->v, w->cap * sizeof *w->v);
    }
    w->v[w->n++] = (struct cg_write) {
        .ctrl = xstrdup(ctrl), .file = xstrdup(file), .value = value_owned,
        .jpath = xstrdup(jpath), .flags = flags,
    };
}

static struct cg_write *last(struct cg_writes *w) { return &w->v[w->n - 1]; }

void cg_writes_free(struct cg_writes *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct cg_write *x = &w->v[i];
        free(x->ctrl); free(x->file); free(x->value); free(x->alt_file);
        free(x->alt_value); free(x->usage_file); free(x->jpath);
    }
    free(w->v);
    w->v = NULL;
    w->n = w->cap = 0;
}

/* v clamped to lo..hi, mapped linearly onto the v2 weight range 1..10000; 0 stays 0 (unset). */
static uint64_t to_v2_weight(uint64_t v, uint64_t lo, uint64_t hi)
{
    if (v == 0)
        return 0;
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    return 1 + (v - lo) * 9999 / (hi - lo);
}

uint64_t cg_shares_to_weight(uint64_t shares) { return to_v2_weight(shares, 2, 262144); }
uint64_t cg_blkio_to_io_weight(uint64_t w) { return to_v2_weight(w, 10, 1000); }

int cg_swap_v2(int64_t swap, int64_t limit, int64_t *out, struct tr_err *err)
{
    /* v1 compatibility: an unlimited memory with no swap given means unlimited swap too. */
    if (limit == -1 && swap == 0) { *out = -1; return 0; }
    if (swap == -1 || swap == 0) { *out = swap; return 0; }
    if (limit == 0 || limit == -1)
        return tr_failx(err, JP "memory.swap: a swap limit needs a memory limit on cgroup v2");
    if (limit < 0)
        return tr_failx(err, JP "memory.limit: invalid value %" PRId64, limit);
    if (swap < limit)
        return tr_failx(err, JP "memory.swap: %" PRId64 " is below memory.limit %" PRId64
                        " (swap is memory+swap)", swap, limit);
    *out = swap - limit;
    return 0;
}

static char *num_or_max(int64_t v) { return v < 0 ? xstrdup("max") : xasprintf("%" PRId64, v); }

char *cg_device_rule_v1(const struct oci_device_cgroup *d)
{
    const char *type = d->type && *d->type ? d->type : "a";
    char maj[24] = "*", min[24] = "*";
    if (d->has_major && d->major >= 0)
        snprintf(maj, sizeof maj, "%" PRId64, d->major);
    if (d->has_minor && d->minor >= 0)
        snprintf(min, sizeof min, "%" PRId64, d->minor);
    return xasprintf("%s %s:%s %s", type, maj, min, d->access && *d->access ? d->access : "rwm");
}

bool cg_memsw_first(uint64_t cur_limit, const char *new_memsw)
{
    uint64_t v;
    if (streq(new_memsw, "-1"))
        return true;
    return parse_u64(new_memsw, &v) == 0 && cur_limit < v;
}

static int memory_writes(const struct oci_memory *mem, bool v2, struct cg_writes *w, struct tr_err *err)
{
    if (!v2) {
        /* OCI swap on v1 is already memory+swap. As runc: an unlimited memory with no swap given
         * makes memsw unlimited too (left at its old value, it would refuse the new memory limit);
         * optional, as without swap accounting the file does not exist. */
        int64_t memsw = mem->has_swap && mem->swap != 0 ? mem->swap
                      : mem->has_limit && mem->limit == -1 ? -1 : 0;
        if (mem->has_limit && mem->limit != 0) {
            cg_writes_add(w, "memory", "memory.limit_in_bytes", xasprintf("%" PRId64, mem->limit),
                          JP "memory.limit", mem->has_check_before_update && mem->check_before_update
                          ? CG_W_CHECK_USAGE : 0);
            if (last(w)->flags & CG_W_CHECK_USAGE)
                last(w)->usage_file = xstrdup("memory.usage_in_bytes");
            if (memsw != 0)
                last(w)->flags |= CG_W_MEMSW_PAIR;
        }
        if (memsw != 0)
            cg_writes_add(w, "memory", "memory.memsw.limit_in_bytes", xasprintf("%" PRId64, memsw),
                          JP "memory.swap", memsw == -1 ? CG_W_OPTIONAL : 0);
        if (mem->has_reservation && mem->reservation != 0)
            cg_writes_add(w, "memory", "memory.soft_limit_in_bytes",
                          xasprintf("%" PRId64, mem->reservation), JP "memory.reservation", 0);
        if (mem->has_kernel)
            cg_writes_add(w, "memory", "memory.kmem.limit_in_bytes",
                          xasprintf("%" PRId64, mem->kernel), JP "memory.kernel", CG_W_OPTIONAL);
        if (mem->has_kernel_tcp)
            cg_writes_add(w, "memory", "memory.kmem.tcp.limit_in_bytes",
                          xasprintf("%" PRId64, mem->kernel_tcp), JP "memory.kernelTCP", CG_W_OPTIONAL);
        if (mem->has_swappiness && mem->swappiness <= 100)
            cg_writes_add(w, "memory", "memory.swappiness",
                          xasprintf("%" PRIu64, mem->swappiness), JP "memory.swappiness", 0);
        else if (mem->has_swappiness && mem->swappiness != UINT64_MAX && mem->swappiness != (uint64_t) -1)
            return tr_failx(err, JP "memory.swappiness: %" PRIu64 " is out of range 0-100",
                            mem->swappiness);
        if (mem->has_disable_oom_killer && mem->disable_oom_killer)
            cg_writes_add(w, "memory", "memory.oom_control", xstrdup("1"),
                          JP "memory.disableOOMKiller", 0);
        if (mem->has_use_hierarchy)
            cg_writes_add(w, "memory", "memory.use_hierarchy", xstrdup(mem->use_hierarchy ? "1" : "0"),
                          JP "memory.useHierarchy", CG_W_OPTIONAL);
        return 0;
    }
    if (mem->has_limit && mem->limit != 0) {
        cg_writes_add(w, "memory", "memory.max", num_or_max(mem->limit), JP "memory.limit",
                      mem->has_check_before_update && mem->check_before_update ? CG_W_CHECK_USAGE : 0);
        if (last(w)->flags & CG_W_CHECK_USAGE)
            last(w)->usage_file = xstrdup("memory.current");
    }
    if (mem->has_swap || (mem->has_limit && mem->limit == -1)) {
        int64_t sw;
        if (cg_swap_v2(mem->has_swap ? mem->swap : 0, mem->has_limit ? mem->limit : 0, &sw, err) < 0)
            return -1;
        /* without swap accounting the file is missing: "unlimited" is then already true */
        if (sw != 0)
            cg_writes_add(w, "memory", "memory.swap.max", num_or_max(sw), JP "memory.swap",
                          sw == -1 ? CG_W_OPTIONAL : 0);
    }
    if (mem->has_reservation && mem->reservation != 0)
        cg_writes_add(w, "memory", "memory.low", num_or_max(mem->reservation), JP "memory.reservation", 0);
    if (mem->has_kernel || mem->has_kernel_tcp)
        tr_debug("cgroup v2 has no kernel memory limits: linux.resources.memory.kernel/kernelTCP ignored");
    if (mem->has_swappiness)
        tr_debug("cgroup v2 has no memory.swappiness: linux.resources.memory.swappiness ignored");
    if (mem->has_disable_oom_killer && mem->disable_oom_killer)
        tr_debug("cgroup v2 cannot disable the OOM killer: linux.resources.memory.disableOOMKiller ignored");
    return 0;
}

static int cpu_writes(const struct oci_cpu *cpu, bool v2, struct cg_writes *w, struct tr_err *err)
{
    if (cpu->has_shares && cpu->shares != 0) {
        if (v2)
            cg_writes_add(w, "cpu", "cpu.weight", xasprintf("%" PRIu64, cg_shares_to_weight(cpu->shares)),
                          JP "cpu.shares", 0);
        else
            cg_writes_add(w, "cpu", "cpu.shares", xasprintf("%" PRIu64, cpu->shares), JP "cpu.shares", 0);
    }
    int64_t quota = cpu->has_quota ? cpu->quota : 0;
    uint64_t period = cpu->has_period ? cpu->period : 0;
    if (v2 && (quota != 0 || period != 0)) {
        char *v = quota > 0 ? xasprintf("%" PRId64, quota) : xstrdup("max");
        if (period != 0) {
            char *t = xasprintf("%s %" PRIu64, v, period);
            free(v);
            v = t;
        }
        cg_writes_add(w, "cpu", "cpu.max", v, cpu->has_quota ? JP "cpu.quota" : JP "cpu.period", 0);
    } else if (!v2) {
        /* Period first: a quota is checked against the current period. */
        if (period != 0)
            cg_writes_add(w, "cpu", "cpu.cfs_period_us", xasprintf("%" PRIu64, period), JP "cpu.period",
                          quota != 0 ? CG_W_SWAP_ORDER : 0);
        if (quota != 0)
            cg_writes_add(w, "cpu", "cpu.cfs_quota_us", xasprintf("%" PRId64, quota), JP "cpu.quota", 0);
    }
    if (cpu->has_burst)
        cg_writes_add(w, "cpu", v2 ? "cpu.max.burst" : "cpu.cfs_burst_us",
                      xasprintf("%" PRIu64, cpu->burst), JP "cpu.burst", 0);
    /* nerdctl always sends realtimeRuntime=0 realtimePeriod=0: that means "not set". */
    int64_t rt_rt = cpu->has_realtime_runtime ? cpu->realtime_runtime : 0;
    uint64_t rt_p = cpu->has_realtime_period ? cpu->realtime_period : 0;
    if (v2 && (rt_rt != 0 || rt_p != 0))
        return tr_failx(err, JP "cpu.%s: realtime scheduling limits are not supported on cgroup v2",
                        rt_rt != 0 ? "realtimeRuntime" : "realtimePeriod");
    if (!v2 && rt_p != 0)
        cg_writes_add(w, "cpu", "cpu.rt_period_us", xasprintf("%" PRIu64, rt_p), JP "cpu.realtimePeriod",
                      rt_rt != 0 ? CG_W_SWAP_ORDER : 0);
    if (!v2 && rt_rt != 0)
        cg_writes_add(w, "cpu", "cpu.rt_runtime_us", xasprintf("%" PRId64, rt_rt), JP "cpu.realtimeRuntime", 0);
    if (cpu->cpus && *cpu->cpus)
        cg_writes_add(w, "cpuset", "cpuset.cpus", xstrdup(cpu->cpus), JP "cpu.cpus", 0);
    if (cpu->mems && *cpu->mems)
        cg_writes_add(w, "cpuset", "cpuset.mems", xstrdup(cpu->mems), JP "cpu.mems", 0);
    if (cpu->has_idle)
        cg_writes_add(w, "cpu", "cpu.idle", xasprintf("%" PRId64, cpu->idle), JP "cpu.idle",
                      v2 ? 0 : CG_W_OPTIONAL);
    return 0;
}

static void weight_pair(struct cg_writes *w, const char *file, const char *alt, char *v, char *altv,
                        const char *jpath)
{
    cg_writes_add(w, "io", file, v, jpath, 0);
    last(w)->alt_file = xstrdup(alt);
    last(w)->alt_value = altv;
}

static void throttle(struct cg_writes *w, bool v2, const struct oci_throttle_device *d, size_t n,
                     const char *v1file, const char *v2key, const char *jname)
{
    for (size_t i = 0; i < n; i++) {
        char jp[128];
        snprintf(jp, sizeof jp, JP "blockIO.%s[%zu]", jname, i);
        if (v2)
            cg_writes_add(w, "io", "io.max", xasprintf("%" PRId64 ":%" PRId64 " %s=%" PRIu64, d[i].major,
                          d[i].minor, v2key, d[i].rate), jp, 0);
        else
            cg_writes_add(w, "blkio", v1file, xasprintf("%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major,
                          d[i].minor, d[i].rate), jp, 0);
    }
}

static void blkio_writes(const struct oci_blkio *b, bool v2, struct cg_writes *w)
{
    if (b->has_weight && b->weight != 0) {
        if (v2)   /* BFQ takes the blkio scale itself; io.weight needs the conversion */
            weight_pair(w, "io.bfq.weight", "io.weight", xasprintf("%u", b->weight),
                        xasprintf("%" PRIu64, cg_blkio_to_io_weight(b->weight)), JP "blockIO.weight");
        else {
            cg_writes_add(w, "blkio", "blkio.weight", xasprintf("%u", b->weight), JP "blockIO.weight", 0);
            last(w)->alt_file = xstrdup("blkio.bfq.weight");
        }
    }
    if (b->has_leaf_weight && b->leaf_weight != 0) {
        if (v2)
            tr_debug("cgroup v2 has no leaf weight: linux.resources.blockIO.leafWeight ignored");
        else
            cg_writes_add(w, "blkio", "blkio.leaf_weight", xasprintf("%u", b->leaf_weight),
                          JP "blockIO.leafWeight", CG_W_OPTIONAL);
    }
    for (size_t i = 0; i < b->weight_device_len; i++) {
        const struct oci_weight_device *d = &b->weight_device[i];
        char jp[128];
        snprintf(jp, sizeof jp, JP "blockIO.weightDevice[%zu]", i);
        if (d->has_weight && v2)
            weight_pair(w, "io.bfq.weight", "io.weight",
                        xasprintf("%" PRId64 ":%" PRId64 " %u", d->major, d->minor, d->weight),
                        xasprintf("%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                  cg_blkio_to_io_weight(d->weight)), jp);
        else if (d->has_weight) {
            cg_writes_add(w, "blkio", "blkio.weight_device",
                          xasprintf("%" PRId64 ":%" PRId64 " %u", d->major, d->minor, d->weight), jp, 0);
            last(w)->alt_file = xstrdup("blkio.bfq.weight_device");
        }
        if (d->has_leaf_weight && !v2)
            cg_writes_add(w, "blkio", "blkio.leaf_weight_device",
                          xasprintf("%" PRId64 ":%" PRId64 " %u", d->major, d->minor, d->leaf_weight), jp,
                          CG_W_OPTIONAL);
    }
    throttle(w, v2, b->throttle_read_bps, b->throttle_read_bps_len, "blkio.throttle.read_bps_device",
             "rbps", "throttleReadBpsDevice");
    throttle(w, v2, b->throttle_write_bps, b->throttle_write_bps_len, "blkio.throttle.write_bps_device",
             "wbps", "throttleWriteBpsDevice");
    throttle(w, v2, b->throttle_read_iops, b->throttle_read_iops_len, "blkio.throttle.read_iops_device",
             "riops", "throttleReadIOPSDevice");
    throttle(w, v2, b->throttle_write_iops, b->throttle_write_iops_len, "blkio.throttle.write_iops_device",
             "wiops", "throttleWriteIOPSDevice");
}

static int misc_writes(const struct oci_resources *r, bool v2, struct cg_writes *w, struct tr_err *err)
{
    if (r->has_pids_limit)
        cg_writes_add(w, "pids", "pids.max", r->pids_limit > 0 ? xasprintf("%" PRId64, r->pids_limit)
                      : xstrdup("max"), JP "pids.limit", 0);
    for (size_t i = 0; i < r->hugepage_limits_len; i++) {
        const struct oci_hugepage_limit *h = &r->hugepage_limits[i];
        char jp[96], file[128];
        snprintf(jp, sizeof jp, JP "hugepageLimits[%zu]", i);
        if (!h->page_size || !*h->page_size || strchr(h->page_size, '/') || strchr(h->page_size, '.'))
            return tr_failx(err, "%s.pageSize: invalid page size \"%s\" (expected e.g. \"2MB\")", jp,
                            h->page_size ? h->page_size : "");
        snprintf(file, sizeof file, v2 ? "hugetlb.%s.max" : "hugetlb.%s.limit_in_bytes", h->page_size);
        cg_writes_add(w, "hugetlb", file, xasprintf("%" PRIu64, h->limit), jp, 0);
        /* runtime-spec 1.2 (config-linux.md "Huge page limits"): the limit goes to the
         * reservation counter where the kernel has one (5.7+), else only to the fault one;
         * without it a process can mmap past the limit and take SIGBUS when it touches the pages */
        snprintf(file, sizeof file, v2 ? "hugetlb.%s.rsvd.max" : "hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
        cg_writes_add(w, "hugetlb", file, xasprintf("%" PRIu64, h->limit), jp, CG_W_OPTIONAL);
    }
    if (!v2 && r->has_net_class_id)
        cg_writes_add(w, "net_cls", "net_cls.classid", xasprintf("%u", r->net_class_id),
                      JP "network.classID", 0);
    for (size_t i = 0; !v2 && i < r->net_priorities_len; i++) {
        char jp[96];
        snprintf(jp, sizeof jp, JP "network.priorities[%zu]", i);
        cg_writes_add(w, "net_prio", "net_prio.ifpriomap", xasprintf("%s %u", r->net_priorities[i].name,
                      r->net_priorities[i].priority), jp, 0);
    }
    /* v2 has no net_cls/net_prio: cgroup_apply refuses linux.resources.network there */
    for (size_t i = 0; i < r->rdma_len; i++) {
        const struct oci_rdma_limit *d = &r->rdma[i];
        char jp[96], h[32] = "", o[32] = "";
        snprintf(jp, sizeof jp, JP "rdma[\"%s\"]", d->device ? d->device : "");
        if (d->has_hca_handles)
            snprintf(h, sizeof h, " hca_handle=%u", d->hca_handles);
        if (d->has_hca_objects)
            snprintf(o, sizeof o, " hca_object=%u", d->hca_objects);
        if (*h || *o)
            cg_writes_add(w, "rdma", "rdma.max", xasprintf("%s%s%s", d->device, h, o), jp, 0);
    }
    return 0;
}

static int unified_writes(const struct oci_resources *r, bool v2, bool allow, struct cg_writes *w,
                          struct tr_err *err)
{
    if (r->unified_len == 0)
        return 0;
    if (!v2 && !allow)
        return tr_failx(err, JP "unified requires cgroup v2");
    if (!v2)
        return 0;
    for (size_t i = 0; i < r->unified_len; i++) {
        const char *k = r->unified[i].key;
        char jp[160];
        snprintf(jp, sizeof jp, JP "unified[\"%s\"]", k);
        const char *dot = strchr(k, '.');
        if (!dot || dot == k || strchr(k, '/') || streq(k, ".") || streq(k, ".."))
            return tr_failx(err, "%s: invalid cgroup file name", jp);
        char *ctrl = strndup(k, (size_t) (dot - k));
        cg_writes_add(w, ctrl, k, xstrdup(r->unified[i].value ? r->unified[i].value : ""), jp,
                      CG_W_UNIFIED);
        free(ctrl);
    }
    return 0;
}

int cg_res_writes(const struct oci_resources *r, bool v2, bool allow_unified, struct cg_writes *out,
                  struct tr_err *err)
{
    if (!r)
        return 0;
    if (r->memory && memory_writes(r->memory, v2, out, err) < 0)
        return -1;
    if (r->cpu && cpu_writes(r->cpu, v2, out, err) < 0)
        return -1;
    if (r->block_io)
        blkio_writes(r->block_io, v2, out);
    if (misc_writes(r, v2, out, err) < 0)
        return -1;
    if (!v2 && r->devices_len) {
        cg_writes_add(out, "devices", "devices.deny", xstrdup("a"), JP "devices", 0);
        for (size_t i = 0; i < r->devices_len; i++) {
            char jp[64];
            snprintf(jp, sizeof jp, JP "devices[%zu]", i);
            cg_writes_add(out, "devices", r->devices[i].allow ? "devices.allow" : "devices.deny",
                          cg_device_rule_v1(&r->devices[i]), jp, 0);
        }
    }
    return unified_writes(r, v2, allow_unified, out, err);
}
