/* `tinyrun spec`: the same config.json `runc spec` (and `runc spec --rootless`) writes. */
#include <config.h>
#include <stdlib.h>
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

static const struct oci_config_changes no_changes = { .terminal = true, .root_readonly = true };

/* The default env with c->env merged in: same name replaces, a new one is appended. */
static const char **merged_env(const struct oci_config_changes *c)
{
    static const char *const base[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL,
    };
    size_t n = 0, extra = 0;
    while (c->env && c->env[extra])
        extra++;
    const char **env = xzalloc((ARRAY_SIZE(base) + extra) * sizeof *env);
    for (; base[n]; n++)
        env[n] = base[n];
    for (size_t i = 0; i < extra; i++) {
        size_t klen = strcspn(c->env[i], "="), k = 0;
        while (k < n && !(strncmp(env[k], c->env[i], klen) == 0 && env[k][klen] == '='))
            k++;
        env[k] = c->env[i];
        if (k == n)
            n++;
    }
    env[n] = NULL;
    return env;
}

static void gen_process(struct oci_gen *j, const struct oci_config_changes *c)
{
    static const char *const default_args[] = { "sh", NULL };
    const char **env = merged_env(c);
    oci_gen_key(j, "process");
    oci_gen_map_open(j);
    oci_gen_key_bool(j, "terminal", c->terminal);
    oci_gen_key(j, "user");
    oci_gen_map_open(j);
    oci_gen_key_int(j, "uid", c->set_user ? c->user_uid : 0);
    oci_gen_key_int(j, "gid", c->set_user ? c->user_gid : 0);
    oci_gen_map_close(j);
    oci_gen_key_strv(j, "args", c->args ? c->args : default_args);
    oci_gen_key_strv(j, "env", env);
    free(env);
    oci_gen_key_str(j, "cwd", c->cwd ? c->cwd : "/");
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

static void gen_bind(struct oci_gen *j, const struct oci_config_bind *b)
{
    const char *opts[] = { "rbind", b->readonly ? "ro" : "rw", NULL };
    oci_gen_map_open(j);
    oci_gen_key_str(j, "destination", b->destination);
    oci_gen_key_str(j, "type", "bind");
    oci_gen_key_str(j, "source", b->source);
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

static void gen_limits(struct oci_gen *j, const struct oci_config_changes *c)
{
    if (c->memory) {
        oci_gen_key(j, "memory");
        oci_gen_map_open(j);
        oci_gen_key_int(j, "limit", c->memory);
        oci_gen_map_close(j);
    }
    if (c->cpu_quota) {
        oci_gen_key(j, "cpu");
        oci_gen_map_open(j);
        oci_gen_key_int(j, "quota", c->cpu_quota);
        oci_gen_key_int(j, "period", c->cpu_period);
        oci_gen_map_close(j);
    }
    if (c->pids) {
        oci_gen_key(j, "pids");
        oci_gen_map_open(j);
        oci_gen_key_int(j, "limit", c->pids);
        oci_gen_map_close(j);
    }
}

static void gen_resources(struct oci_gen *j, bool rootless, const struct oci_config_changes *c)
{
    if (rootless && !c->memory && !c->cpu_quota && !c->pids)
        return;
    oci_gen_key(j, "resources");
    oci_gen_map_open(j);
    /* a rootless runtime cannot manage the device cgroup, so only the rootful spec has it */
    if (!rootless) {
        oci_gen_key(j, "devices");
        oci_gen_array_open(j);
        oci_gen_map_open(j);
        oci_gen_key_bool(j, "allow", false);
        oci_gen_key_str(j, "access", "rwm");
        oci_gen_map_close(j);
        oci_gen_array_close(j);
    }
    gen_limits(j, c);
    oci_gen_map_close(j);
}

static void gen_linux(struct oci_gen *j, bool rootless, unsigned uid, unsigned gid,
                      const struct oci_config_changes *c)
{
    oci_gen_key(j, "linux");
    oci_gen_map_open(j);
    if (rootless) {
        gen_idmap(j, "uidMappings", uid);
        gen_idmap(j, "gidMappings", gid);
    }
    gen_resources(j, rootless, c);
    oci_gen_key(j, "namespaces");
    oci_gen_array_open(j);
    /* runc's order; user replaces network when rootless */
    gen_ns(j, "pid");
    if (c->network > 0 || (c->network == 0 && !rootless))
        gen_ns(j, "network");
    gen_ns(j, "ipc");
    gen_ns(j, "uts");
    gen_ns(j, "mount");
    if (cgroup2_unified())
        gen_ns(j, "cgroup");
    if (rootless)
        gen_ns(j, "user");
    oci_gen_array_close(j);
    oci_gen_key_strv(j, "maskedPaths", masked_paths);
    oci_gen_key_strv(j, "readonlyPaths", readonly_paths);
    oci_gen_map_close(j);
}

static void gen_hook(struct oci_gen *j, const char *kind, const char *const *hook)
{
    if (!hook)
        return;
    oci_gen_key(j, kind);
    oci_gen_array_open(j);
    oci_gen_map_open(j);
    oci_gen_key_str(j, "path", hook[0]);
    oci_gen_key_strv(j, "args", hook + 1);
    oci_gen_map_close(j);
    oci_gen_array_close(j);
}

static void gen_extras(struct oci_gen *j, const struct oci_config_changes *c)
{
    if (c->create_runtime_hook || c->poststop_hook) {
        oci_gen_key(j, "hooks");
        oci_gen_map_open(j);
        gen_hook(j, "createRuntime", c->create_runtime_hook);
        gen_hook(j, "createContainer", c->create_container_hook);
        gen_hook(j, "poststop", c->poststop_hook);
        oci_gen_map_close(j);
    }
    if (c->annotations && c->annotations[0]) {
        oci_gen_key(j, "annotations");
        oci_gen_map_open(j);
        for (size_t i = 0; c->annotations[i] && c->annotations[i + 1]; i += 2)
            oci_gen_key_str(j, c->annotations[i], c->annotations[i + 1]);
        oci_gen_map_close(j);
    }
}

char *oci_default_config_json(bool rootless, unsigned uid, unsigned gid)
{
    return oci_config_json(rootless, uid, gid, &no_changes);
}

char *oci_config_json(bool rootless, unsigned uid, unsigned gid,
                      const struct oci_config_changes *c)
{
    struct tr_err err;
    struct oci_gen j;
    if (oci_gen_open(&j, "\t", &err) < 0)
        return NULL;
    oci_gen_map_open(&j);
    oci_gen_key_str(&j, "ociVersion", OCI_VERSION);
    gen_process(&j, c);
    oci_gen_key(&j, "root");
    oci_gen_map_open(&j);
    oci_gen_key_str(&j, "path", c->root_path ? c->root_path : "rootfs");
    oci_gen_key_bool(&j, "readonly", c->root_readonly);
    oci_gen_map_close(&j);
    oci_gen_key_str(&j, "hostname", c->hostname ? c->hostname : "tinyrun");
    oci_gen_key(&j, "mounts");
    oci_gen_array_open(&j);
    for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++)
        gen_mount(&j, &default_mounts[i], rootless);
    for (size_t i = 0; i < c->binds_len; i++)
        gen_bind(&j, &c->binds[i]);
    oci_gen_array_close(&j);
    gen_extras(&j, c);
    gen_linux(&j, rootless, uid, gid, c);
    oci_gen_map_close(&j);
    return oci_gen_finish(&j, true, "default config", &err);
}
