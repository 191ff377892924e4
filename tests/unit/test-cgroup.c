/* Pure cgroup mappings: resources -> files (v1, v2), conversions, paths, systemd properties,
 * device rules (v1 strings and eBPF). No kernel, no root. */
#include "config.h"
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup/res.h"
#include "tap.h"
#include "util.h"

/* tap.h's is_str shadows its own variable inside ok(): use a function instead */
static bool str_same(const char *g, const char *w)
{
    bool c = (g && w) ? strcmp(g, w) == 0 : g == w;
    if (!c)
        printf("#   got:  '%s'\n#   want: '%s'\n", g ? g : "(null)", w ? w : "(null)");
    return c;
}
#undef is_str
#define is_str(got, want, ...) ok(str_same((got), (want)), __VA_ARGS__)

static const struct cg_write *find(const struct cg_writes *w, const char *file, int nth)
{
    for (size_t i = 0; i < w->n; i++)
        if (streq(w->v[i].file, file) && nth-- == 0)
            return &w->v[i];
    return NULL;
}
static const char *val(const struct cg_writes *w, const char *file) { const struct cg_write *x = find(w, file, 0); return x ? x->value : NULL; }
static const char *jp(const struct cg_writes *w, const char *file) { const struct cg_write *x = find(w, file, 0); return x ? x->jpath : NULL; }
static const char *ctrl(const struct cg_writes *w, const char *file) { const struct cg_write *x = find(w, file, 0); return x ? x->ctrl : NULL; }

static struct oci_memory mem = { .has_limit = true, .limit = 1 << 30, .has_reservation = true, .reservation = 1 << 29,
    .has_swap = true, .swap = 2LL << 30, .has_kernel = true, .kernel = 1 << 28, .has_kernel_tcp = true,
    .kernel_tcp = 1 << 27, .has_swappiness = true, .swappiness = 60, .has_disable_oom_killer = true,
    .disable_oom_killer = true, .has_use_hierarchy = true, .use_hierarchy = true,
    .has_check_before_update = true, .check_before_update = true };
static struct oci_cpu cpu = { .has_shares = true, .shares = 1024, .has_quota = true, .quota = 50000,
    .has_period = true, .period = 100000, .has_burst = true, .burst = 1000, .has_realtime_runtime = true,
    .realtime_runtime = 0, .has_realtime_period = true, .realtime_period = 0, .cpus = "0-1", .mems = "0",
    .has_idle = true, .idle = 1 };
static struct oci_weight_device wd[] = { { .major = 8, .minor = 0, .has_weight = true, .weight = 500,
    .has_leaf_weight = true, .leaf_weight = 300 } };
static struct oci_throttle_device rbps[] = { { 8, 0, 1048576 } }, wbps[] = { { 8, 0, 2097152 } },
    riops[] = { { 8, 16, 100 } }, wiops[] = { { 8, 16, 200 } };
static struct oci_blkio blk = { .has_weight = true, .weight = 500, .has_leaf_weight = true, .leaf_weight = 400,
    .weight_device = wd, .weight_device_len = 1, .throttle_read_bps = rbps, .throttle_read_bps_len = 1,
    .throttle_write_bps = wbps, .throttle_write_bps_len = 1, .throttle_read_iops = riops,
    .throttle_read_iops_len = 1, .throttle_write_iops = wiops, .throttle_write_iops_len = 1 };
static struct oci_hugepage_limit huge[] = { { "2MB", 4194304 } };
static struct oci_net_priority prio[] = { { "eth0", 5 } };
static struct oci_rdma_limit rdma[] = { { "mlx5_1", true, 3, true, 10000 } };
static struct oci_device_cgroup devs[] = {
    { .allow = false, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 1, .has_minor = true, .minor = 3, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 136, .access = "rw" },
    { .allow = true, .type = "b", .has_major = true, .major = 8, .has_minor = true, .minor = 0, .access = "r" },
};
static struct oci_kv unified[] = { { "memory.high", "1073741824" }, { "pids.max", "77" } };

static struct oci_resources full(void)
{
    return (struct oci_resources) { .devices = devs, .devices_len = 4, .memory = &mem, .cpu = &cpu,
        .has_pids_limit = true, .pids_limit = 100, .block_io = &blk, .hugepage_limits = huge,
        .hugepage_limits_len = 1, .has_net_class_id = true, .net_class_id = 0x100001,
        .net_priorities = prio, .net_priorities_len = 1, .rdma = rdma, .rdma_len = 1 };
}

static void test_conversions(void)
{
    ok(cg_shares_to_weight(2) == 1, "shares 2 -> weight 1");
    ok(cg_shares_to_weight(1024) == 39, "shares 1024 -> weight 39 (runc)");
    ok(cg_shares_to_weight(262144) == 10000, "shares 262144 -> weight 10000");
    ok(cg_shares_to_weight(0) == 0, "shares 0 -> unset");
    ok(cg_blkio_to_io_weight(10) == 1, "blkio 10 -> io 1");
    ok(cg_blkio_to_io_weight(500) == 4950, "blkio 500 -> io 4950");
    ok(cg_blkio_to_io_weight(1000) == 10000, "blkio 1000 -> io 10000");
    int64_t sw;
    struct tr_err err = { 0 };
    ok(cg_swap_v2(2 << 20, 1 << 20, &sw, &err) == 0 && sw == 1 << 20, "v2 swap = swap - limit");
    ok(cg_swap_v2(-1, 1 << 20, &sw, &err) == 0 && sw == -1, "v2 swap -1 -> max");
    ok(cg_swap_v2(0, -1, &sw, &err) == 0 && sw == -1, "v2 unlimited memory, unset swap -> max swap");
    ok(cg_swap_v2(0, 1 << 20, &sw, &err) == 0 && sw == 0, "v2 swap 0 -> leave alone");
    ok(cg_swap_v2(1 << 19, 1 << 20, &sw, &err) < 0 && strstr(err.msg, "memory.swap"), "v2 swap < limit refused: %s", err.msg);
    ok(cg_swap_v2(1 << 20, 0, &sw, &err) < 0, "v2 swap without limit refused");
}

static void test_v1(void)
{
    struct oci_resources r = full();
    struct cg_writes w = { 0 };
    struct tr_err err = { 0 };
    ok(cg_res_writes(&r, false, false, &w, &err) == 0, "v1 mapping ok");
    is_str(val(&w, "memory.limit_in_bytes"), "1073741824", "v1 memory.limit_in_bytes");
    is_str(jp(&w, "memory.limit_in_bytes"), "linux.resources.memory.limit", "v1 limit json path");
    ok(find(&w, "memory.limit_in_bytes", 0)->flags & CG_W_CHECK_USAGE, "checkBeforeUpdate flag on limit");
    is_str(find(&w, "memory.limit_in_bytes", 0)->usage_file, "memory.usage_in_bytes", "v1 usage file");
    is_str(val(&w, "memory.memsw.limit_in_bytes"), "2147483648", "v1 memsw = swap (memory+swap)");
    is_str(val(&w, "memory.soft_limit_in_bytes"), "536870912", "v1 reservation");
    is_str(val(&w, "memory.kmem.limit_in_bytes"), "268435456", "v1 kernel");
    ok(find(&w, "memory.kmem.limit_in_bytes", 0)->flags & CG_W_OPTIONAL, "v1 kernel is optional");
    is_str(val(&w, "memory.kmem.tcp.limit_in_bytes"), "134217728", "v1 kernelTCP");
    is_str(val(&w, "memory.swappiness"), "60", "v1 swappiness");
    is_str(val(&w, "memory.oom_control"), "1", "v1 disableOOMKiller");
    is_str(val(&w, "memory.use_hierarchy"), "1", "v1 useHierarchy");
    is_str(val(&w, "cpu.shares"), "1024", "v1 cpu.shares");
    is_str(val(&w, "cpu.cfs_quota_us"), "50000", "v1 quota");
    is_str(val(&w, "cpu.cfs_period_us"), "100000", "v1 period");
    ok(find(&w, "cpu.cfs_period_us", 0) < find(&w, "cpu.cfs_quota_us", 0), "v1 period written before quota");
    is_str(val(&w, "cpu.cfs_burst_us"), "1000", "v1 burst");
    ok(!find(&w, "cpu.rt_runtime_us", 0) && !find(&w, "cpu.rt_period_us", 0), "v1 realtime 0/0 = unset");
    is_str(val(&w, "cpuset.cpus"), "0-1", "v1 cpuset.cpus");
    is_str(ctrl(&w, "cpuset.cpus"), "cpuset", "cpuset.cpus goes to the cpuset controller");
    is_str(val(&w, "cpuset.mems"), "0", "v1 cpuset.mems");
    is_str(val(&w, "cpu.idle"), "1", "v1 cpu.idle");
    is_str(val(&w, "pids.max"), "100", "v1 pids.max");
    is_str(val(&w, "blkio.weight"), "500", "v1 blkio.weight");
    is_str(find(&w, "blkio.weight", 0)->alt_file, "blkio.bfq.weight", "v1 blkio.weight falls back to bfq");
    is_str(val(&w, "blkio.leaf_weight"), "400", "v1 leaf weight");
    is_str(val(&w, "blkio.weight_device"), "8:0 500", "v1 weight_device");
    is_str(val(&w, "blkio.leaf_weight_device"), "8:0 300", "v1 leaf_weight_device");
    is_str(val(&w, "blkio.throttle.read_bps_device"), "8:0 1048576", "v1 read bps");
    is_str(jp(&w, "blkio.throttle.read_bps_device"), "linux.resources.blockIO.throttleReadBpsDevice[0]", "throttle json path");
    is_str(val(&w, "blkio.throttle.write_bps_device"), "8:0 2097152", "v1 write bps");
    is_str(val(&w, "blkio.throttle.read_iops_device"), "8:16 100", "v1 read iops");
    is_str(val(&w, "blkio.throttle.write_iops_device"), "8:16 200", "v1 write iops");
    is_str(val(&w, "hugetlb.2MB.limit_in_bytes"), "4194304", "v1 hugetlb");
    is_str(val(&w, "hugetlb.2MB.rsvd.limit_in_bytes"), "4194304", "v1 hugetlb reservations (rsvd)");
    ok(find(&w, "hugetlb.2MB.rsvd.limit_in_bytes", 0)->flags & CG_W_OPTIONAL, "v1 rsvd optional (kernels before 5.7)");
    is_str(val(&w, "net_cls.classid"), "1048577", "v1 net_cls.classid");
    is_str(val(&w, "net_prio.ifpriomap"), "eth0 5", "v1 net_prio.ifpriomap");
    is_str(val(&w, "rdma.max"), "mlx5_1 hca_handle=3 hca_object=10000", "v1 rdma.max");
    is_str(val(&w, "devices.deny"), "a", "v1 devices: deny all first");
    is_str(find(&w, "devices.deny", 1)->value, "a *:* rwm", "v1 devices[0] deny rule");
    is_str(find(&w, "devices.allow", 0)->value, "c 1:3 rwm", "v1 devices[1]");
    is_str(find(&w, "devices.allow", 1)->value, "c 136:* rw", "v1 devices[2] wildcard minor");
    is_str(find(&w, "devices.allow", 2)->value, "b 8:0 r", "v1 devices[3]");
    ok(find(&w, "devices.deny", 0) < find(&w, "devices.allow", 0), "v1 device rules in order");
    cg_writes_free(&w);

    /* unified on v1 */
    r.unified = unified;
    r.unified_len = 2;
    ok(cg_res_writes(&r, false, false, &w, &err) < 0, "unified rejected on pure v1");
    is_str(err.msg, "linux.resources.unified requires cgroup v2", "unified v1 error text");
    cg_writes_free(&w);
    ok(cg_res_writes(&r, false, true, &w, &err) == 0 && !find(&w, "memory.high", 0), "hybrid: unified left to the v2 list");
    cg_writes_free(&w);

    /* realtime set on v1 */
    struct oci_cpu c2 = { .has_realtime_runtime = true, .realtime_runtime = 950000, .has_realtime_period = true,
                          .realtime_period = 1000000 };
    struct oci_resources r2 = { .cpu = &c2 };
    ok(cg_res_writes(&r2, false, false, &w, &err) == 0, "v1 realtime");
    is_str(val(&w, "cpu.rt_period_us"), "1000000", "v1 rt_period_us");
    is_str(val(&w, "cpu.rt_runtime_us"), "950000", "v1 rt_runtime_us");
    cg_writes_free(&w);
    struct oci_resources r3 = { .has_pids_limit = true, .pids_limit = 0 };
    cg_res_writes(&r3, false, false, &w, &err);
    is_str(val(&w, "pids.max"), "max", "pids limit 0 -> max");
    cg_writes_free(&w);
    r3.pids_limit = -1;
    cg_res_writes(&r3, true, false, &w, &err);
    is_str(val(&w, "pids.max"), "max", "pids limit -1 -> max (v2)");
    cg_writes_free(&w);
}

static void test_v2(void)
{
    struct oci_resources r = full();
    r.unified = unified;
    r.unified_len = 2;
    struct cg_writes w = { 0 };
    struct tr_err err = { 0 };
    ok(cg_res_writes(&r, true, true, &w, &err) == 0, "v2 mapping ok: %s", w.n ? "" : err.msg);
    is_str(val(&w, "memory.max"), "1073741824", "v2 memory.max");
    is_str(find(&w, "memory.max", 0)->usage_file, "memory.current", "v2 usage file");
    is_str(val(&w, "memory.swap.max"), "1073741824", "v2 memory.swap.max = swap - limit");
    is_str(val(&w, "memory.low"), "536870912", "v2 reservation -> memory.low");
    ok(!find(&w, "memory.swappiness", 0) && !find(&w, "memory.oom_control", 0) && !find(&w, "memory.kmem.limit_in_bytes", 0),
       "v2: swappiness/oom/kmem not written");
    is_str(val(&w, "cpu.weight"), "39", "v2 cpu.weight from shares");
    is_str(jp(&w, "cpu.weight"), "linux.resources.cpu.shares", "v2 weight json path names shares");
    is_str(val(&w, "cpu.max"), "50000 100000", "v2 cpu.max");
    is_str(val(&w, "cpu.max.burst"), "1000", "v2 cpu.max.burst");
    is_str(val(&w, "cpuset.cpus"), "0-1", "v2 cpuset.cpus");
    is_str(val(&w, "cpu.idle"), "1", "v2 cpu.idle");
    is_str(val(&w, "pids.max"), "100", "v2 pids.max");
    is_str(val(&w, "io.bfq.weight"), "500", "v2 io.bfq.weight takes the blkio scale");
    is_str(find(&w, "io.bfq.weight", 0)->alt_file, "io.weight", "v2 falls back to io.weight");
    is_str(find(&w, "io.bfq.weight", 0)->alt_value, "4950", "v2 io.weight converted");
    is_str(find(&w, "io.bfq.weight", 1)->value, "8:0 500", "v2 per-device bfq weight");
    is_str(find(&w, "io.bfq.weight", 1)->alt_value, "8:0 4950", "v2 per-device io.weight");
    is_str(find(&w, "io.max", 0)->value, "8:0 rbps=1048576", "v2 io.max rbps");
    is_str(find(&w, "io.max", 1)->value, "8:0 wbps=2097152", "v2 io.max wbps");
    is_str(find(&w, "io.max", 2)->value, "8:16 riops=100", "v2 io.max riops");
    is_str(find(&w, "io.max", 3)->value, "8:16 wiops=200", "v2 io.max wiops");
    is_str(val(&w, "hugetlb.2MB.max"), "4194304", "v2 hugetlb.2MB.max");
    is_str(val(&w, "hugetlb.2MB.rsvd.max"), "4194304", "v2 hugetlb.2MB.rsvd.max");
    ok(find(&w, "hugetlb.2MB.rsvd.max", 0)->flags & CG_W_OPTIONAL, "v2 rsvd optional (kernels before 5.7)");
    ok(!find(&w, "net_cls.classid", 0) && !find(&w, "net_prio.ifpriomap", 0), "v2: network ignored");
    is_str(val(&w, "rdma.max"), "mlx5_1 hca_handle=3 hca_object=10000", "v2 rdma.max");
    ok(!find(&w, "devices.allow", 0) && !find(&w, "devices.deny", 0), "v2: devices go to eBPF, not files");
    is_str(val(&w, "memory.high"), "1073741824", "v2 unified written verbatim");
    is_str(ctrl(&w, "memory.high"), "memory", "unified controller from the key");
    is_str(jp(&w, "memory.high"), "linux.resources.unified[\"memory.high\"]", "unified json path");
    ok(find(&w, "memory.high", 0)->flags & CG_W_UNIFIED, "unified flag");
    ok(find(&w, "pids.max", 1) && streq(find(&w, "pids.max", 1)->value, "77"), "unified after typed fields (wins)");
    cg_writes_free(&w);

    struct oci_cpu c0 = { .has_realtime_runtime = true, .has_realtime_period = true };
    struct oci_resources r0 = { .cpu = &c0 };
    ok(cg_res_writes(&r0, true, true, &w, &err) == 0 && w.n == 0, "v2 realtime 0/0 (nerdctl) = unset");
    cg_writes_free(&w);
    c0.realtime_runtime = 1000;
    ok(cg_res_writes(&r0, true, true, &w, &err) < 0 && strstr(err.msg, "cpu.realtimeRuntime"),
       "v2 realtime set is an error: %s", err.msg);
    cg_writes_free(&w);
    struct oci_cpu cq = { .has_quota = true, .quota = -1 };
    struct oci_resources rq = { .cpu = &cq };
    cg_res_writes(&rq, true, true, &w, &err);
    is_str(val(&w, "cpu.max"), "max", "v2 quota -1 -> max");
    cg_writes_free(&w);
    struct oci_cpu cp = { .has_period = true, .period = 50000 };
    rq.cpu = &cp;
    cg_res_writes(&rq, true, true, &w, &err);
    is_str(val(&w, "cpu.max"), "max 50000", "v2 period only -> max period");
    cg_writes_free(&w);
    struct oci_memory m1 = { .has_limit = true, .limit = -1 };
    struct oci_resources rm = { .memory = &m1 };
    cg_res_writes(&rm, true, true, &w, &err);
    is_str(val(&w, "memory.max"), "max", "v2 limit -1 -> max");
    is_str(val(&w, "memory.swap.max"), "max", "v2 unlimited memory -> unlimited swap");
    cg_writes_free(&w);
    struct oci_memory empty = { 0 };
    rm.memory = &empty;
    ok(cg_res_writes(&rm, true, true, &w, &err) == 0 && w.n == 0, "memory {} writes nothing");
    cg_writes_free(&w);
    struct oci_kv bad[] = { { "../etc", "x" } };
    struct oci_resources rb = { .unified = bad, .unified_len = 1 };
    ok(cg_res_writes(&rb, true, true, &w, &err) < 0 && strstr(err.msg, "unified[\"../etc\"]"), "bad unified key: %s", err.msg);
    cg_writes_free(&w);
}

static void test_paths(void)
{
    struct tr_err err = { 0 };
    char *p;
    is_str(p = cg_resolve_fs_path("", "abc", "/user.slice", &err), "/tinyrun/abc", "empty -> /tinyrun/<id>"); free(p);
    is_str(p = cg_resolve_fs_path(NULL, "abc", NULL, &err), "/tinyrun/abc", "NULL -> /tinyrun/<id>"); free(p);
    is_str(p = cg_resolve_fs_path("/default/abc", "abc", "/own", &err), "/default/abc", "absolute stays"); free(p);
    is_str(p = cg_resolve_fs_path("//a/./b/", "abc", "/own", &err), "/a/b", "absolute normalised"); free(p);
    is_str(p = cg_resolve_fs_path("foo/abc", "abc", "/own/x", &err), "/own/x/foo/abc", "relative under own cgroup"); free(p);
    is_str(p = cg_resolve_fs_path("foo", "abc", "", &err), "/foo", "relative under root cgroup"); free(p);
    ok(cg_resolve_fs_path("/a/../b", "abc", "", &err) == NULL && strstr(err.msg, ".."), "\"..\" refused: %s", err.msg);
    ok(cg_resolve_fs_path("/", "abc", "/own", &err) == NULL && strstr(err.msg, "the root cgroup"), "\"/\" refused: %s", err.msg);
    ok(cg_resolve_fs_path(".", "abc", "/own", &err) == NULL && strstr(err.msg, "own cgroup"), "\".\" refused: %s", err.msg);
    ok(cg_resolve_fs_path("./", "abc", "", &err) == NULL, "\"./\" under the root refused");
    const char *self = "12:pids:/a\n4:memory:/process_api/xyz\n3:cpu,cpuacct:/c\n1:name=systemd:/\n0::/u/v\n";
    is_str(p = cg_own_cgroup(self, "memory"), "/process_api/xyz", "own memory cgroup"); free(p);
    is_str(p = cg_own_cgroup(self, "cpuacct"), "/c", "own cgroup, joint controllers"); free(p);
    is_str(p = cg_own_cgroup(self, "name=systemd"), "", "own named hierarchy at root"); free(p);
    is_str(p = cg_own_cgroup(self, ""), "/u/v", "own v2 cgroup"); free(p);
    ok(cg_own_cgroup(self, "rdma") == NULL, "absent controller");
}

static void test_systemd_paths(void)
{
    struct tr_err err = { 0 };
    char *p, *slice = NULL, *unit = NULL;
    is_str(p = cg_sd_expand_slice("a-b-c.slice", &err), "/a.slice/a-b.slice/a-b-c.slice", "nested slice"); free(p);
    is_str(p = cg_sd_expand_slice("system.slice", &err), "/system.slice", "system.slice"); free(p);
    is_str(p = cg_sd_expand_slice("-.slice", &err), "", "root slice"); free(p);
    is_str(p = cg_sd_expand_slice("kubepods-besteffort-pod1234.slice", &err),
           "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice", "k8s pod slice"); free(p);
    ok(cg_sd_expand_slice("a--b.slice", &err) == NULL, "a--b.slice refused");
    ok(cg_sd_expand_slice("-a.slice", &err) == NULL, "-a.slice refused");
    ok(cg_sd_expand_slice("a-.slice", &err) == NULL, "a-.slice refused");
    ok(cg_sd_expand_slice("foo", &err) == NULL && strstr(err.msg, "invalid slice name"), "no .slice suffix refused");
    ok(cg_sd_expand_slice("a/b.slice", &err) == NULL, "slash refused");

    ok(cg_sd_parse_path("system.slice:nerdctl:abc", "abc", false, &slice, &unit, &err) == 0, "nerdctl form");
    is_str(slice, "system.slice", "slice");
    is_str(unit, "nerdctl-abc.scope", "unit <prefix>-<name>.scope");
    free(slice); free(unit);
    ok(cg_sd_parse_path("kubepods-besteffort-pod1.slice:cri-containerd:xyz", "xyz", false, &slice, &unit, &err) == 0,
       "k8s form");
    is_str(unit, "cri-containerd-xyz.scope", "k8s unit");
    free(slice); free(unit);
    cg_sd_parse_path("user.slice::n", "abc", true, &slice, &unit, &err);
    is_str(unit, "n.scope", "empty prefix -> <name>.scope");
    free(slice); free(unit);
    cg_sd_parse_path("system.slice:x:machine-foo.slice", "abc", false, &slice, &unit, &err);
    is_str(unit, "machine-foo.slice", "a .slice name is used as is");
    free(slice); free(unit);
    cg_sd_parse_path(":nerdctl:abc", "abc", true, &slice, &unit, &err);
    is_str(slice, "user.slice", "rootless default slice");
    free(slice); free(unit);
    cg_sd_parse_path("", "abc", false, &slice, &unit, &err);
    is_str(unit, "tinyrun-abc.scope", "empty cgroupsPath -> tinyrun-<id>.scope");
    free(slice); free(unit);
    ok(cg_sd_parse_path("/foo", "abc", false, &slice, &unit, &err) < 0, "/foo refused");
    is_str(err.msg, "linux.cgroupsPath: expected \"slice:prefix:name\" with --systemd-cgroup, got \"/foo\"",
           "bad form error text");
    ok(cg_sd_parse_path("a:b", "abc", false, &slice, &unit, &err) < 0, "two fields refused");
    ok(cg_sd_parse_path("a:b:c:d", "abc", false, &slice, &unit, &err) < 0, "four fields refused");
    ok(cg_sd_parse_path("bad:p:n", "abc", false, &slice, &unit, &err) < 0 && strstr(err.msg, "slice"), "bad slice refused");
    ok(cg_sd_parse_path("system.slice:p:", "abc", false, &slice, &unit, &err) < 0, "empty name refused");

    ok(cg_map_uid("         0       1000          1\n         1     524288 1073741824\n", 0) == 1000, "uid 0 -> host 1000");
    ok(cg_map_uid("0 1000 1\n1 524288 1073741824\n", 5) == 524292, "uid 5 -> subuid");
    ok(cg_map_uid("0 0 4294967295\n", 0) == 0, "initial ns");
    ok(cg_map_uid("1 100 1\n", 0) == -1, "unmapped");
}

static void test_systemd_props(void)
{
    struct cg_sd_props p = { 0 };
    struct tr_err err = { 0 };
    struct oci_memory m = { .has_limit = true, .limit = 1 << 30, .has_swap = true, .swap = 2LL << 30 };
    struct oci_cpu c = { .has_shares = true, .shares = 1024, .has_quota = true, .quota = 50001, .has_period = true,
                         .period = 100000, .cpus = "0-2,9", .mems = "0" };
    struct oci_resources r = { .memory = &m, .cpu = &c, .has_pids_limit = true, .pids_limit = 0 };
    ok(cg_sd_build_props("nerdctl-abc.scope", "system.slice", "tinyrun container abc", 4242, &r, true, &p, &err) == 0,
       "props built");
    const struct cg_sd_prop *x;
    ok((x = cg_sd_find(&p, "Slice")) && streq(x->s, "system.slice"), "Slice");
    ok((x = cg_sd_find(&p, "Delegate")) && x->type == CG_SD_BOOL && x->b, "Delegate=true");
    ok((x = cg_sd_find(&p, "PIDs")) && x->npids == 1 && x->pids[0] == 4242, "PIDs=[pid]");
    ok((x = cg_sd_find(&p, "Description")) && streq(x->s, "tinyrun container abc"), "Description");
    ok((x = cg_sd_find(&p, "DefaultDependencies")) && !x->b, "DefaultDependencies=false");
    ok(cg_sd_find(&p, "MemoryAccounting")->b && cg_sd_find(&p, "CPUAccounting")->b &&
       cg_sd_find(&p, "IOAccounting")->b && cg_sd_find(&p, "TasksAccounting")->b, "accounting on");
    ok((x = cg_sd_find(&p, "MemoryMax")) && x->u == 1u << 30, "MemoryMax");
    ok((x = cg_sd_find(&p, "MemorySwapMax")) && x->u == 1u << 30, "MemorySwapMax = swap - limit");
    ok((x = cg_sd_find(&p, "CPUWeight")) && x->u == 39, "CPUWeight converted");
    ok((x = cg_sd_find(&p, "CPUQuotaPerSecUSec")) && x->u == 510000, "CPUQuotaPerSecUSec rounded up to 10ms: %llu",
       x ? (unsigned long long) x->u : 0ULL);
    ok((x = cg_sd_find(&p, "CPUQuotaPeriodUSec")) && x->u == 100000, "CPUQuotaPeriodUSec");
    ok((x = cg_sd_find(&p, "TasksMax")) && x->u == UINT64_MAX, "TasksMax 0 -> infinity");
    ok((x = cg_sd_find(&p, "AllowedCPUs")) && x->nbytes == 2 && x->bytes[0] == 0x07 && x->bytes[1] == 0x02,
       "AllowedCPUs bitmask");
    ok((x = cg_sd_find(&p, "AllowedMemoryNodes")) && x->nbytes == 1 && x->bytes[0] == 1, "AllowedMemoryNodes");
    cg_sd_props_free(&p);
    ok(cg_sd_build_props("x.scope", "system.slice", "d", 1, &r, false, &p, &err) == 0 && cg_sd_find(&p, "CPUShares")
       && cg_sd_find(&p, "MemoryLimit") && !cg_sd_find(&p, "CPUWeight") && !cg_sd_find(&p, "AllowedCPUs"),
       "v1 property names, no AllowedCPUs");
    cg_sd_props_free(&p);
    ok(cg_sd_build_props("machine-x.slice", "machine.slice", "d", 1, NULL, true, &p, &err) == 0 && !cg_sd_find(&p, "PIDs")
       && !cg_sd_find(&p, "Delegate") && !cg_sd_find(&p, "Slice") && cg_sd_find(&p, "Wants") &&
       streq(cg_sd_find(&p, "Wants")->s, "machine.slice"), "a slice unit: Wants=<parent>, no PIDs/Slice/Delegate");
    cg_sd_props_free(&p);
    size_t n;
    ok(cg_cpulist_to_mask("0-3,x", &n) == NULL, "bad cpu list refused");
}

static void test_bpf(void)
{
    struct tr_err err = { 0 };
    size_t n;
    struct bpf_insn *p = cg_bpf_device_prog(devs, 4, &n, &err);
    /* 6 prologue + rule3 (type, 3 access, major, minor, mov, exit = 8) + rule2 (type, 3 access, major, 2 = 7)
     * + rule1 (type, major, minor, 2 = 5) + rule0 deny-all unconditional (2), no default */
    ok(p != NULL, "device program built");
    ok(n == 6 + 8 + 7 + 5 + 2, "instruction count %zu", n);
    ok(p && p[n - 1].code == (BPF_JMP | BPF_EXIT) && p[n - 2].imm == 0, "ends with the deny-all verdict");
    bool jumps_ok = true;
    for (size_t i = 0; p && i < n; i++)
        if (BPF_CLASS(p[i].code) == BPF_JMP && BPF_OP(p[i].code) != BPF_EXIT &&
            (p[i].off <= 0 || i + 1 + (size_t) p[i].off >= n))
            jumps_ok = false;
    ok(jumps_ok, "every jump goes forward and stays inside the program");
    free(p);
    struct oci_device_cgroup allow_all[] = { { .allow = true } };
    p = cg_bpf_device_prog(allow_all, 1, &n, &err);
    ok(p && n == 8 && p[6].imm == 1, "allow-all: prologue + allow");
    free(p);
    struct oci_device_cgroup only_c[] = { { .allow = true, .type = "c", .has_major = true, .major = 1 } };
    p = cg_bpf_device_prog(only_c, 1, &n, &err);
    ok(p && n == 6 + 4 + 2, "no unconditional rule -> default deny appended");
    free(p);
    struct oci_device_cgroup bad[] = { { .allow = true, .type = "x" } };
    ok(cg_bpf_device_prog(bad, 1, &n, &err) == NULL && strstr(err.msg, "devices[0].type"), "bad type: %s", err.msg);
    struct oci_device_cgroup bada[] = { { .allow = true, .access = "rwz" } };
    ok(cg_bpf_device_prog(bada, 1, &n, &err) == NULL && strstr(err.msg, "devices[0].access"), "bad access");
}

int main(void)
{
    test_conversions();
    test_v1();
    test_v2();
    test_paths();
    test_systemd_paths();
    test_systemd_props();
    test_bpf();
    return done_testing();
}
