/* Tables for the "linux" object of config.json (resources and seccomp have their own files). */
#include <config.h>
#include "parse-internal.h"

static const struct oci_field idmap_fields[] = {
    FN(struct oci_idmap, "containerID", K_U32, container_id, F_REQUIRED),
    FN(struct oci_idmap, "hostID", K_U32, host_id, F_REQUIRED),
    FN(struct oci_idmap, "size", K_U32, size, F_REQUIRED),
};
/* The kernel refuses such a map line with a bare EINVAL; say which entry and why here. */
static int idmap_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_idmap *m = obj;
    uint64_t room = 1ull << 32;
    if (m->size == 0)
        return oci_perr_key(c, "size", "must be at least 1");
    if (oci_urange(c, "size", m->size, room - m->container_id, "containerID + size must fit in 32 bits") < 0)
        return -1;
    return oci_urange(c, "size", m->size, room - m->host_id, "hostID + size must fit in 32 bits");
}
TYPE(oci_idmap_type, struct oci_idmap, idmap_fields, idmap_check);

static const struct oci_field ns_fields[] = {
    FN(struct oci_namespace, "type", K_NSTYPE, type, F_REQUIRED),
    FS(struct oci_namespace, "path", path, 0),
};
static TYPE(ns_type, struct oci_namespace, ns_fields, NULL);

static const char *const clocks[] = { "monotonic", "boottime", NULL };
static const struct oci_field time_offset_fields[] = {
    FN(struct oci_time_offset, "secs", K_I64, secs, 0),
    FN(struct oci_time_offset, "nanosecs", K_U32, nanosecs, 0),
};
static int time_offset_check(struct oci_pctx *c, const void *obj)
{
    return oci_urange(c, "nanosecs", ((const struct oci_time_offset *) obj)->nanosecs, 999999999, "below one second");
}
static TYPE(time_offset_type, struct oci_time_offset, time_offset_fields, time_offset_check);

static const char *const device_types[] = { "c", "b", "u", "p", NULL };

/* The spec requires major/minor for every device type except fifos. makedev() would take a
 * larger number and the kernel would keep only its low bits: 2^40 became device 0:3. */
static int device_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_device *d = obj;
    if (d->type != 'p' && !d->has_major)
        return oci_perr_key(c, "major", "required for device type \"%c\"", d->type);
    if (d->type != 'p' && !d->has_minor)
        return oci_perr_key(c, "minor", "required for device type \"%c\"", d->type);
    if (d->has_major && oci_range(c, "major", d->major, 0, OCI_MAJOR_MAX, "a device major number has 12 bits") < 0)
        return -1;
    if (d->has_minor && oci_range(c, "minor", d->minor, 0, OCI_MINOR_MAX, "a device minor number has 20 bits") < 0)
        return -1;
    if (d->has_uid && oci_urange(c, "uid", d->uid, OCI_ID_MAX, "4294967295 means \"unchanged\" to chown") < 0)
        return -1;
    if (d->has_gid && oci_urange(c, "gid", d->gid, OCI_ID_MAX, "4294967295 means \"unchanged\" to chown") < 0)
        return -1;
    return 0;
}

static const struct oci_field device_fields[] = {
    FS(struct oci_device, "path", path, F_REQUIRED),
    { "type", K_CHAR, F_REQUIRED, offsetof(struct oci_device, type), NO_OFF, 0, NULL, 0, device_types, "device type" },
    FNH(struct oci_device, "major", K_I64, major),
    FNH(struct oci_device, "minor", K_I64, minor),
    FNH(struct oci_device, "fileMode", K_U32, file_mode),
    FNH(struct oci_device, "uid", K_U32, uid),
    FNH(struct oci_device, "gid", K_U32, gid),
};
static TYPE(device_type, struct oci_device, device_fields, device_check);

static const char *const propagations[] = {
    "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable", NULL,
};
static const char *const personality_domains[] = { "LINUX", "LINUX32", NULL };

static const struct oci_field personality_fields[] = {
    FE(struct oci_personality, "domain", domain, F_REQUIRED, personality_domains, "personality domain"),
    FV(struct oci_personality, "flags", flags),
};
static TYPE(personality_type, struct oci_personality, personality_fields, NULL);

static int intel_rdt_seen(struct oci_pctx *c, const void *obj)
{
    (void) c;
    ((struct oci_intel_rdt *) obj)->present = true;
    return 0;
}

static const struct oci_field intel_rdt_fields[] = {
    FS(struct oci_intel_rdt, "closID", clos_id, 0),
    FS(struct oci_intel_rdt, "l3CacheSchema", l3_cache_schema, 0),
    FS(struct oci_intel_rdt, "memBwSchema", mem_bw_schema, 0),
    FV(struct oci_intel_rdt, "schemata", schemata),
    FB(struct oci_intel_rdt, "enableMonitoring", enable_monitoring, 0),
};
static TYPE(intel_rdt_type, struct oci_intel_rdt, intel_rdt_fields, intel_rdt_seen);

static const char *const mpol_modes[] = {
    "MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED_MANY",
    "MPOL_WEIGHTED_INTERLEAVE", NULL,
};
static const char *const mpol_flags[] = {
    "MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES", "MPOL_F_NUMA_BALANCING", NULL,
};
static const struct oci_field mempolicy_fields[] = {
    FE(struct oci_memory_policy, "mode", mode, F_REQUIRED, mpol_modes, "memory policy mode"),
    FS(struct oci_memory_policy, "nodes", nodes, 0),
    FVE(struct oci_memory_policy, "flags", flags, mpol_flags, "memory policy flag"),
};
static TYPE(mempolicy_type, struct oci_memory_policy, mempolicy_fields, NULL);
static const struct oci_field net_device_fields[] = {
    FS(struct oci_net_device, "name", name, 0),
};
static TYPE(net_device_type, struct oci_net_device, net_device_fields, NULL);

static const struct oci_field linux_fields[] = {
    FA(struct oci_linux, "namespaces", namespaces, ns_type),
    FA(struct oci_linux, "uidMappings", uid_mappings, oci_idmap_type),
    FA(struct oci_linux, "gidMappings", gid_mappings, oci_idmap_type),
    FM(struct oci_linux, "timeOffsets", time_offsets, time_offset_type, struct oci_time_offset, clock,
       clocks, "clock"),
    FA(struct oci_linux, "devices", devices, device_type),
    FS(struct oci_linux, "cgroupsPath", cgroups_path, 0),
    FO(struct oci_linux, "resources", resources, oci_resources_type),
    FKV(struct oci_linux, "sysctl", sysctl),
    FO(struct oci_linux, "seccomp", seccomp, oci_seccomp_type),
    FE(struct oci_linux, "rootfsPropagation", rootfs_propagation, 0, propagations, "rootfsPropagation"),
    FV(struct oci_linux, "maskedPaths", masked_paths),
    FV(struct oci_linux, "readonlyPaths", readonly_paths),
    FS(struct oci_linux, "mountLabel", mount_label, 0),
    FO(struct oci_linux, "personality", personality, personality_type),
    FO(struct oci_linux, "intelRdt", intel_rdt, intel_rdt_type),
    FO(struct oci_linux, "memoryPolicy", memory_policy, mempolicy_type),
    FM(struct oci_linux, "netDevices", net_devices, net_device_type, struct oci_net_device, host_name, NULL, NULL),
};
TYPE(oci_linux_type, struct oci_linux, linux_fields, NULL);
