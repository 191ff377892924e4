/* Tables for linux.resources (and the whole of `update --resources FILE`). */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "parse-internal.h"

static const char *const devcg_types[] = { "a", "c", "b", NULL };

static int devcg_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_device_cgroup *d = obj;
    if (d->access && (d->access[strspn(d->access, "rwm")] != '\0'))
        return oci_perr_key(c, "access", "expected a combination of r, w and m, got \"%.20s\"", d->access);
    /* -1 is "any" (as runc), like an absent number */
    if (d->has_major && oci_range(c, "major", d->major, -1, OCI_MAJOR_MAX, "-1 for any, else 12 bits") < 0)
        return -1;
    if (d->has_minor && oci_range(c, "minor", d->minor, -1, OCI_MINOR_MAX, "-1 for any, else 20 bits") < 0)
        return -1;
    return 0;
}

/* blkio and io files take "major:minor": a wrapped or negative number names another disk. */
static int devnum_check(struct oci_pctx *c, int64_t major, int64_t minor)
{
    if (oci_range(c, "major", major, 0, OCI_MAJOR_MAX, "a device major number has 12 bits") < 0)
        return -1;
    return oci_range(c, "minor", minor, 0, OCI_MINOR_MAX, "a device minor number has 20 bits");
}
static int weight_dev_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_weight_device *d = obj;
    return devnum_check(c, d->major, d->minor);
}
static int throttle_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_throttle_device *d = obj;
    return devnum_check(c, d->major, d->minor);
}

/* -1 is "unlimited"; any other negative size would be written as is and refused by the
 * kernel with a bare EINVAL. (swappiness is checked where it is applied: cgroup-res.c.) */
static int memory_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_memory *m = obj;
    static const char why[] = "-1 for unlimited, else bytes";
    if ((m->has_limit && oci_range(c, "limit", m->limit, -1, INT64_MAX, why) < 0) ||
        (m->has_reservation && oci_range(c, "reservation", m->reservation, -1, INT64_MAX, why) < 0) ||
        (m->has_swap && oci_range(c, "swap", m->swap, -1, INT64_MAX, why) < 0) ||
        (m->has_kernel && oci_range(c, "kernel", m->kernel, -1, INT64_MAX, why) < 0) ||
        (m->has_kernel_tcp && oci_range(c, "kernelTCP", m->kernel_tcp, -1, INT64_MAX, why) < 0))
        return -1;
    return 0;
}

static int cpu_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_cpu *p = obj;
    if (p->has_quota && oci_range(c, "quota", p->quota, -1, INT64_MAX, "-1 for unlimited, else microseconds") < 0)
        return -1;
    if (p->has_realtime_runtime &&
        oci_range(c, "realtimeRuntime", p->realtime_runtime, -1, INT64_MAX, "-1 for unlimited, else microseconds") < 0)
        return -1;
    return 0;
}

static const struct oci_field devcg_fields[] = {
    FB(struct oci_device_cgroup, "allow", allow, F_REQUIRED),
    FE(struct oci_device_cgroup, "type", type, 0, devcg_types, "device cgroup type"),
    FNH(struct oci_device_cgroup, "major", K_I64, major),
    FNH(struct oci_device_cgroup, "minor", K_I64, minor),
    FS(struct oci_device_cgroup, "access", access, 0),
};
static TYPE(devcg_type, struct oci_device_cgroup, devcg_fields, devcg_check);

static const struct oci_field memory_fields[] = {
    FNH(struct oci_memory, "limit", K_I64, limit),
    FNH(struct oci_memory, "reservation", K_I64, reservation),
    FNH(struct oci_memory, "swap", K_I64, swap),
    FNH(struct oci_memory, "kernel", K_I64, kernel),
    FNH(struct oci_memory, "kernelTCP", K_I64, kernel_tcp),
    FNH(struct oci_memory, "swappiness", K_U64, swappiness),
    FBH(struct oci_memory, "disableOOMKiller", disable_oom_killer),
    FBH(struct oci_memory, "useHierarchy", use_hierarchy),
    FBH(struct oci_memory, "checkBeforeUpdate", check_before_update),
};
static TYPE(memory_type, struct oci_memory, memory_fields, memory_check);

static const struct oci_field cpu_fields[] = {
    FNH(struct oci_cpu, "shares", K_U64, shares),
    FNH(struct oci_cpu, "quota", K_I64, quota),
    FNH(struct oci_cpu, "burst", K_U64, burst),
    FNH(struct oci_cpu, "period", K_U64, period),
    FNH(struct oci_cpu, "realtimeRuntime", K_I64, realtime_runtime),
    FNH(struct oci_cpu, "realtimePeriod", K_U64, realtime_period),
    FS(struct oci_cpu, "cpus", cpus, 0),
    FS(struct oci_cpu, "mems", mems, 0),
    FNH(struct oci_cpu, "idle", K_I64, idle),
};
static TYPE(cpu_type, struct oci_cpu, cpu_fields, cpu_check);

/* pids.limit is stored in oci_resources itself. */
static const struct oci_field pids_fields[] = {
    { "limit", K_I64, F_REQUIRED, offsetof(struct oci_resources, pids_limit),
      offsetof(struct oci_resources, has_pids_limit), 0, NULL, 0, NULL, NULL },
};
static TYPE(pids_type, struct oci_resources, pids_fields, NULL);

static const struct oci_field weight_dev_fields[] = {
    FN(struct oci_weight_device, "major", K_I64, major, F_REQUIRED),
    FN(struct oci_weight_device, "minor", K_I64, minor, F_REQUIRED),
    FNH(struct oci_weight_device, "weight", K_U16, weight),
    FNH(struct oci_weight_device, "leafWeight", K_U16, leaf_weight),
};
static TYPE(weight_dev_type, struct oci_weight_device, weight_dev_fields, weight_dev_check);

static const struct oci_field throttle_fields[] = {
    FN(struct oci_throttle_device, "major", K_I64, major, F_REQUIRED),
    FN(struct oci_throttle_device, "minor", K_I64, minor, F_REQUIRED),
    FN(struct oci_throttle_device, "rate", K_U64, rate, F_REQUIRED),
};
static TYPE(throttle_type, struct oci_throttle_device, throttle_fields, throttle_check);

static const struct oci_field blkio_fields[] = {
    FNH(struct oci_blkio, "weight", K_U16, weight),
    FNH(struct oci_blkio, "leafWeight", K_U16, leaf_weight),
    FA(struct oci_blkio, "weightDevice", weight_device, weight_dev_type),
    FA(struct oci_blkio, "throttleReadBpsDevice", throttle_read_bps, throttle_type),
    FA(struct oci_blkio, "throttleWriteBpsDevice", throttle_write_bps, throttle_type),
    FA(struct oci_blkio, "throttleReadIOPSDevice", throttle_read_iops, throttle_type),
    FA(struct oci_blkio, "throttleWriteIOPSDevice", throttle_write_iops, throttle_type),
};
static TYPE(blkio_type, struct oci_blkio, blkio_fields, NULL);

static const struct oci_field hugepage_fields[] = {
    FS(struct oci_hugepage_limit, "pageSize", page_size, F_REQUIRED),
    FN(struct oci_hugepage_limit, "limit", K_U64, limit, F_REQUIRED),
};
static TYPE(hugepage_type, struct oci_hugepage_limit, hugepage_fields, NULL);

static const struct oci_field netprio_fields[] = {
    FS(struct oci_net_priority, "name", name, F_REQUIRED),
    FN(struct oci_net_priority, "priority", K_U32, priority, F_REQUIRED),
};
static TYPE(netprio_type, struct oci_net_priority, netprio_fields, NULL);

/* network.{classID,priorities} are stored in oci_resources itself. */
static const struct oci_field network_fields[] = {
    { "classID", K_U32, 0, offsetof(struct oci_resources, net_class_id),
      offsetof(struct oci_resources, has_net_class_id), 0, NULL, 0, NULL, NULL },
    FA(struct oci_resources, "priorities", net_priorities, netprio_type),
};
static TYPE(network_type, struct oci_resources, network_fields, NULL);

static const struct oci_field rdma_fields[] = {
    FNH(struct oci_rdma_limit, "hcaHandles", K_U32, hca_handles),
    FNH(struct oci_rdma_limit, "hcaObjects", K_U32, hca_objects),
};
static TYPE(rdma_type, struct oci_rdma_limit, rdma_fields, NULL);

static const struct oci_field resources_fields[] = {
    FA(struct oci_resources, "devices", devices, devcg_type),
    FO(struct oci_resources, "memory", memory, memory_type),
    FO(struct oci_resources, "cpu", cpu, cpu_type),
    FI0("pids", pids_type),
    FO(struct oci_resources, "blockIO", block_io, blkio_type),
    FA(struct oci_resources, "hugepageLimits", hugepage_limits, hugepage_type),
    FI0("network", network_type),
    FM(struct oci_resources, "rdma", rdma, rdma_type, struct oci_rdma_limit, device, NULL, NULL),
    FKV(struct oci_resources, "unified", unified),
};
TYPE(oci_resources_type, struct oci_resources, resources_fields, NULL);

struct oci_resources *oci_parse_resources(const char *json, size_t len, const char *origin, struct tr_err *err)
{
    return oci_parse_document(&oci_resources_type, json, len, origin, err);
}

void oci_resources_free(struct oci_resources *r)
{
    oci_free_object(&oci_resources_type, r);
    free(r);
}
