/* `tinyrun spec`: the same config.json `runc spec` (and `runc spec --rootless`) writes. */
#include <config.h>
#include <string.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include "gen.h"
#include "spec.h"
#include "util.h"

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static const char *const masked_paths[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi", NULL,
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

struct default_mount {
    const char *destination, *type, *source;
    const char *options[8];
};

static const struct default_mount default_mounts[] = {
    { "/proc", "proc", "proc", { NULL } },
    { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
    { "/dev/pts", "devpts", "devpts",
      { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
    { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
    { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
    { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
    { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* Without its own network namespace a rootless container may not mount sysfs: bind the host's. */
static const struct default_mount rootless_sys = {
    "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL },
};

static void gen_process(struct oci_gen *j)
{
    static const char *const args[] = { "sh", NULL };
    static const char *const env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL,
    };
    oci_gen_key(j, "process");
    oci_gen_map_open(j);
    oci_gen_key_bool(j, "terminal", true);
    oci_gen_key(j, "user");
    oci_gen_map_open(j);
    oci_gen_key_int(j, "uid", 0);
    oci_gen_key_int(j, "gid", 0);
    oci_gen_map_close(j);
    oci_gen_key_strv(j, "args", args);
    oci_gen_key_strv(j, "env", env);
    oci_gen_key_str(j, "cwd", "/");
    oci_gen_key(j, "capabilities");
    oci_gen_map_open(j);
    oci_gen_key_strv(j, "bounding", default_caps);
    oci_gen_key_strv(j, "effective", default_caps);
    oci_gen_key_strv(j, "permitted", default_caps);
    oci_gen_key_strv(j, "ambient", default_caps);
    oci_gen_map_close(j);
    oci_gen_key(j, "rlimits");
    oci_gen_array_open(j);
    oci_gen_map_open(j);
    oci_gen_key_str(j, "type", "RLIMIT_NOFILE");
    oci_gen_key_int(j, "hard", 1024);
    oci_gen_key_int(j, "soft", 1024);
    oci_gen_map_close(j);
    oci_gen_array_close(j);
    oci_gen_key_bool(j, "noNewPrivileges", true);
    oci_gen_map_close(j);
}

static void gen_mount(struct oci_gen *j, const struct default_mount *m, bool rootless)
{
    const char *opts[8];
    size_t n = 0;
    if (rootless && streq(m->destination, "/sys"))
        m = &rootless_sys;
    /* uid=/gid= name ids that do not exist in a rootless user namespace. */
    for (size_t i = 0; m->options[i]; i++)
        if (!rootless || (strncmp(m->options[i], "gid=", 4) && strncmp(m->options[i], "uid=", 4)))
            opts[n++] = m->options[i];
    opts[n] = NULL;
    oci_gen_map_open(j);
    oci_gen_key_str(j, "destination", m->destination);
    oci_gen_key_str(j, "type", m->type);
    oci_gen_key_str(j, "source", m->source);
    if (n)
        oci_gen_key_strv(j, "options", opts);
    oci_gen_map_close(j);
}

static void gen_ns(struct oci_gen *j, const char *type)
{
    oci_gen_map_open(j);
    oci_gen_key_str(j, "type", type);
    oci_gen_map_close(j);
}

static void gen_idmap(struct oci_gen *j, const char *key, unsigned host_id)
{
    oci_gen_key(j, key);
    oci_gen_array_open(j);
    oci_gen_map_open(j);
    oci_gen_key_int(j, "containerID", 0);
    oci_gen_key_int(j, "hostID", host_id);
    oci_gen_key_int(j, "size", 1);
    oci_gen_map_close(j);
    oci_gen_array_close(j);
}

/* As runc does, a private cgroup namespace only on a pure cgroup v2 host: on v1/hybrid hosts
 * the container would see cgroup roots it cannot use consistently. */
static bool cgroup2_unified(void)
{
    struct statfs sfs;
    return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

static void gen_linux(struct oci_gen *j, bool rootless, unsigned uid, unsigned gid)
{
    /* runc's order; user replaces network when rootless */
    static const char *const ns_root[] = { "pid", "network", "ipc", "uts", "mount", NULL };
    static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", NULL };
    oci_gen_key(j, "linux");
    oci_gen_map_open(j);
    if (rootless) {
        gen_idmap(j, "uidMappings", uid);
        gen_idmap(j, "gidMappings", gid);
    } else {
        /* a rootless runtime cannot manage the device cgroup, so only the rootful spec has it */
        oci_gen_key(j, "resources");
        oci_gen_map_open(j);
        oci_gen_key(j, "devices");
        oci_gen_array_open(j);
        oci_gen_map_open(j);
        oci_gen_key_bool(j, "allow", false);
        oci_gen_key_str(j, "access", "rwm");
        oci_gen_map_close(j);
        oci_gen_array_close(j);
        oci_gen_map_close(j);
    }
    oci_gen_key(j, "namespaces");
    oci_gen_array_open(j);
    for (const char *const *ns = rootless ? ns_rootless : ns_root; *ns; ns++)
        gen_ns(j, *ns);
    if (cgroup2_unified())
        gen_ns(j, "cgroup");
    if (rootless)
        gen_ns(j, "user");
    oci_gen_array_close(j);
    oci_gen_key_strv(j, "maskedPaths", masked_paths);
    oci_gen_key_strv(j, "readonlyPaths", readonly_paths);
    oci_gen_map_close(j);
}

char *oci_default_config_json(bool rootless, unsigned uid, unsigned gid)
{
    struct tr_err err;
    struct oci_gen j;
    if (oci_gen_open(&j, "\t", &err) < 0)
        return NULL;
    oci_gen_map_open(&j);
    oci_gen_key_str(&j, "ociVersion", OCI_VERSION);
    gen_process(&j);
    oci_gen_key(&j, "root");
    oci_gen_map_open(&j);
    oci_gen_key_str(&j, "path", "rootfs");
    oci_gen_key_bool(&j, "readonly", true);
    oci_gen_map_close(&j);
    oci_gen_key_str(&j, "hostname", "tinyrun");
    oci_gen_key(&j, "mounts");
    oci_gen_array_open(&j);
    for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++)
        gen_mount(&j, &default_mounts[i], rootless);
    oci_gen_array_close(&j);
    gen_linux(&j, rootless, uid, gid);
    oci_gen_map_close(&j);
    return oci_gen_finish(&j, true, "default config", &err);
}
