/* libocispec: good configs parsed and checked field by field (full.json covers every Linux
 * member tinyrun knows; nerdctl.json is what `nerdctl run alpine` hands to the runtime). */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spec.h"
#include "util.h"
#include "tap.h"

/* tap.h's is_s() declares a variable that shadows the one inside ok(): use a local one. */
#define is_s(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
    int m_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; ok(m_, __VA_ARGS__); \
    if (!m_) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)

static char *fixture(const char *name, size_t *len)
{
    const char *srcdir = getenv("srcdir");
    _cleanup_free_ char *path = xasprintf("%s/tests/unit/fixtures/spec/%s", srcdir ? srcdir : ".", name);
    struct tr_err err;
    char *s = read_file(path, len, &err);
    if (!s) {
        printf("Bail out! %s\n", err.msg);
        exit(1);
    }
    return s;
}

static struct oci_spec *load_fixture(const char *name)
{
    size_t len;
    _cleanup_free_ char *text = fixture(name, &len);
    struct tr_err err = { 0 };
    struct oci_spec *s = oci_parse(text, len, "config.json", &err);
    ok(s != NULL, "%s parses%s%s", name, s ? "" : ": ", s ? "" : err.msg);
    if (!s)
        exit(done_testing());
    int r = oci_validate(s, "config.json", &err);
    ok(r == 0, "%s validates%s%s", name, r == 0 ? "" : ": ", r == 0 ? "" : err.msg);
    return s;
}

static void test_top_and_mounts(const struct oci_spec *s)
{
    is_s(s->oci_version, "1.2.0", "ociVersion");
    is_s(s->root_path, "rootfs", "root.path");
    ok(s->root_readonly, "root.readonly");
    is_s(s->hostname, "full", "hostname");
    is_s(s->domainname, "example.org", "domainname");
    ok(s->mounts_len == 3, "3 mounts");
    is_s(s->mounts[0].destination, "/proc", "mounts[0].destination");
    is_s(s->mounts[0].type, "proc", "mounts[0].type");
    ok(s->mounts[0].options == NULL && s->mounts[0].options_len == 0, "mounts[0] has no options");
    is_s(s->mounts[1].source, "/srv/data", "mounts[1].source");
    ok(s->mounts[1].options_len == 2 && streq(s->mounts[1].options[1], "ro") && s->mounts[1].options[2] == NULL,
       "mounts[1].options, NULL-terminated");
    ok(s->mounts[1].uid_mappings_len == 1 && s->mounts[1].uid_mappings[0].host_id == 100000
       && s->mounts[1].uid_mappings[0].size == 65536, "mounts[1].uidMappings");
    ok(s->mounts[1].gid_mappings_len == 1 && s->mounts[1].gid_mappings[0].host_id == 200000, "mounts[1].gidMappings");
    ok(s->mounts[2].type == NULL && streq(s->mounts[2].destination, "relative/dst"),
       "relative destination accepted, type absent = NULL");
    ok(s->annotations_len == 2 && streq(oci_annotation(s, "nerdctl/name"), "full")
       && oci_annotation(s, "nope") == NULL, "annotations + oci_annotation");
}

static void test_process(const struct oci_process *p)
{
    ok(p->terminal, "process.terminal");
    ok(p->has_console_size && p->console_size.height == 25 && p->console_size.width == 80, "consoleSize");
    ok(p->user.uid == 1000 && p->user.gid == 1001, "user.uid/gid");
    ok(p->user.has_umask && p->user.umask == 18, "user.umask");
    ok(p->user.additional_gids_len == 2 && p->user.additional_gids[1] == 4294967295u, "user.additionalGids (uint32 max)");
    is_s(p->user.username, "ignored", "user.username kept");
    ok(p->args_len == 3 && streq(p->args[2], "echo hi") && p->args[3] == NULL, "args, NULL-terminated");
    ok(p->env_len == 2 && streq(p->env[1], "TERM=xterm") && p->env[2] == NULL, "env");
    is_s(p->cwd, "/home", "cwd");
    ok(p->capabilities && p->capabilities->bounding_len == 2 && p->capabilities->effective_len == 1
       && p->capabilities->inheritable_len == 0 && p->capabilities->inheritable != NULL
       && p->capabilities->permitted_len == 2 && p->capabilities->ambient_len == 1
       && streq(p->capabilities->ambient[0], "CAP_KILL"), "capabilities, 5 sets");
    ok(p->rlimits_len == 2 && streq(p->rlimits[0].type, "RLIMIT_NOFILE") && p->rlimits[0].hard == 4096
       && p->rlimits[0].soft == 1024, "rlimits[0]");
    ok(p->rlimits[1].hard == UINT64_MAX && p->rlimits[1].soft == UINT64_MAX, "rlimits[1] = RLIM_INFINITY (uint64 max)");
    ok(p->no_new_privileges, "noNewPrivileges");
    is_s(p->apparmor_profile, "nerdctl-default", "apparmorProfile");
    ok(p->has_oom_score_adj && p->oom_score_adj == -999, "oomScoreAdj");
    is_s(p->selinux_label, "system_u:system_r:container_t:s0:c1,c2", "selinuxLabel");
    ok(p->io_priority && streq(p->io_priority->class_, "IOPRIO_CLASS_BE") && p->io_priority->priority == 4, "ioPriority");
    const struct oci_scheduler *sc = p->scheduler;
    ok(sc && streq(sc->policy, "SCHED_DEADLINE") && sc->has_nice && sc->nice == -5 && sc->has_priority
       && sc->priority == 0 && sc->flags_len == 1 && sc->has_runtime && sc->runtime == 1000000
       && sc->has_deadline && sc->deadline == 2000000 && sc->has_period && sc->period == 3000000, "scheduler");
    is_s(p->exec_cpu_affinity_initial, "0-1", "execCPUAffinity.initial");
    is_s(p->exec_cpu_affinity_final, "2", "execCPUAffinity.final");
}

static void test_hooks(const struct oci_spec *s)
{
    const struct oci_hooks *h = &s->hooks;
    ok(h->len[OCI_HOOK_PRESTART] == 1 && streq(h->list[OCI_HOOK_PRESTART][0].path, "/usr/bin/old-prestart"),
       "hooks.prestart (deprecated, still parsed)");
    const struct oci_hook *cr = &h->list[OCI_HOOK_CREATE_RUNTIME][0];
    ok(h->len[OCI_HOOK_CREATE_RUNTIME] == 1 && cr->args_len == 4 && streq(cr->args[3], "createRuntime")
       && cr->env_len == 1 && cr->has_timeout && cr->timeout == 30, "hooks.createRuntime with args/env/timeout");
    ok(h->len[OCI_HOOK_CREATE_CONTAINER] == 2 && streq(h->list[OCI_HOOK_CREATE_CONTAINER][1].path, "/bin/cc2"),
       "hooks.createContainer");
    ok(h->len[OCI_HOOK_START_CONTAINER] == 1 && h->len[OCI_HOOK_POSTSTART] == 1 && h->len[OCI_HOOK_POSTSTOP] == 1
       && !h->list[OCI_HOOK_POSTSTART][0].has_timeout, "startContainer, poststart, poststop");
    is_s(oci_hook_kind_name(OCI_HOOK_PRESTART), "prestart", "hook kind name prestart");
    is_s(oci_hook_kind_name(OCI_HOOK_CREATE_RUNTIME), "createRuntime", "hook kind name createRuntime");
    is_s(oci_hook_kind_name(OCI_HOOK_CREATE_CONTAINER), "createContainer", "hook kind name createContainer");
    is_s(oci_hook_kind_name(OCI_HOOK_START_CONTAINER), "startContainer", "hook kind name startContainer");
    is_s(oci_hook_kind_name(OCI_HOOK_POSTSTART), "poststart", "hook kind name poststart");
    is_s(oci_hook_kind_name(OCI_HOOK_POSTSTOP), "poststop", "hook kind name poststop");
}

static void test_linux(const struct oci_spec *s)
{
    const struct oci_linux *l = s->linux_;
    ok(l->namespaces_len == 8, "8 namespaces");
    for (int t = 0; t < OCI_NS__COUNT; t++)
        ok(oci_find_namespace(s, (enum oci_ns_type) t) != NULL
           && oci_ns_type_from_name(oci_ns_type_name((enum oci_ns_type) t)) == t,
           "namespace %s found, name round-trips", oci_ns_type_name((enum oci_ns_type) t));
    is_s(oci_find_namespace(s, OCI_NS_NETWORK)->path, "/var/run/netns/cni-1", "network namespace path");
    ok(oci_ns_type_from_name("net") == -1, "\"net\" is not a namespace type name");
    ok(l->uid_mappings_len == 2 && l->uid_mappings[1].container_id == 1 && l->uid_mappings[1].host_id == 524288
       && l->uid_mappings[1].size == 65536, "uidMappings");
    ok(l->gid_mappings_len == 1, "gidMappings");
    ok(l->time_offsets_len == 2 && streq(l->time_offsets[0].clock, "monotonic") && l->time_offsets[0].secs == -3600
       && l->time_offsets[0].nanosecs == 500 && streq(l->time_offsets[1].clock, "boottime")
       && l->time_offsets[1].secs == 86400, "timeOffsets");
    const struct oci_device *d = l->devices;
    ok(l->devices_len == 2 && d[0].type == 'c' && d[0].major == 10 && d[0].minor == 229 && d[0].has_file_mode
       && d[0].file_mode == 438 && d[0].has_uid && d[0].has_gid, "devices[0]");
    ok(d[1].type == 'p' && !d[1].has_major && !d[1].has_file_mode, "devices[1] fifo without major/minor");
    is_s(l->cgroups_path, "system.slice:nerdctl:full", "cgroupsPath");
    ok(l->sysctl_len == 2 && streq(l->sysctl[0].key, "net.ipv4.ip_unprivileged_port_start")
       && streq(l->sysctl[0].value, "0"), "sysctl");
    is_s(l->rootfs_propagation, "rslave", "rootfsPropagation");
    ok(l->masked_paths_len == 2 && l->readonly_paths_len == 1, "maskedPaths/readonlyPaths");
    is_s(l->mount_label, "system_u:object_r:container_file_t:s0:c1,c2", "mountLabel");
    ok(l->personality && streq(l->personality->domain, "LINUX32") && l->personality->flags_len == 0, "personality");
    ok(l->intel_rdt && l->intel_rdt->present && streq(l->intel_rdt->clos_id, "guaranteed")
       && streq(l->intel_rdt->l3_cache_schema, "L3:0=7f") && streq(l->intel_rdt->mem_bw_schema, "MB:0=20"),
       "intelRdt parsed and marked present");
}

static void test_resources(const struct oci_resources *r)
{
    ok(r->devices_len == 2 && !r->devices[0].allow && r->devices[0].type == NULL && !r->devices[0].has_major
       && streq(r->devices[0].access, "rwm") && r->devices[1].allow && streq(r->devices[1].type, "c")
       && r->devices[1].has_major && r->devices[1].major == 1 && r->devices[1].minor == 3, "resources.devices");
    const struct oci_memory *m = r->memory;
    ok(m && m->has_limit && m->limit == 536870912 && m->has_reservation && m->has_swap && m->swap == -1
       && m->has_kernel && m->kernel == 1 && m->has_kernel_tcp && m->kernel_tcp == 2 && m->has_swappiness
       && m->swappiness == 60 && m->has_disable_oom_killer && m->disable_oom_killer && m->has_use_hierarchy
       && !m->use_hierarchy && m->has_check_before_update && m->check_before_update, "memory");
    const struct oci_cpu *c = r->cpu;
    ok(c && c->has_shares && c->shares == 1024 && c->has_quota && c->quota == 50000 && c->has_burst
       && c->burst == 1000 && c->has_period && c->period == 100000 && c->has_realtime_runtime
       && c->realtime_runtime == 0 && c->has_realtime_period && c->realtime_period == 0 && streq(c->cpus, "0-3")
       && streq(c->mems, "0") && c->has_idle && c->idle == 1, "cpu");
    ok(r->has_pids_limit && r->pids_limit == 100, "pids.limit");
    const struct oci_blkio *b = r->block_io;
    ok(b && b->has_weight && b->weight == 500 && b->has_leaf_weight && b->leaf_weight == 300, "blockIO weights");
    ok(b->weight_device_len == 1 && b->weight_device[0].major == 8 && b->weight_device[0].has_weight
       && b->weight_device[0].weight == 600 && b->weight_device[0].has_leaf_weight
       && b->weight_device[0].leaf_weight == 100, "blockIO.weightDevice");
    ok(b->throttle_read_bps_len == 1 && b->throttle_read_bps[0].rate == 1048576 && b->throttle_write_bps_len == 1
       && b->throttle_write_bps[0].minor == 16 && b->throttle_read_iops[0].rate == 100
       && b->throttle_write_iops[0].rate == 200, "blockIO throttles");
    ok(r->hugepage_limits_len == 1 && streq(r->hugepage_limits[0].page_size, "2MB")
       && r->hugepage_limits[0].limit == 209715200, "hugepageLimits");
    ok(r->has_net_class_id && r->net_class_id == 1048577 && r->net_priorities_len == 1
       && streq(r->net_priorities[0].name, "eth0") && r->net_priorities[0].priority == 500, "network");
    ok(r->rdma_len == 1 && streq(r->rdma[0].device, "mlx5_1") && r->rdma[0].has_hca_handles
       && r->rdma[0].hca_handles == 3 && r->rdma[0].hca_objects == 10000, "rdma");
    ok(r->unified_len == 2 && streq(r->unified[1].key, "io.weight") && streq(r->unified[1].value, "default 100"),
       "unified");
}

static void test_seccomp(const struct oci_seccomp *sc)
{
    ok(sc && streq(sc->default_action, "SCMP_ACT_ERRNO") && sc->has_default_errno_ret && sc->default_errno_ret == 1,
       "seccomp.defaultAction/defaultErrnoRet");
    ok(sc->architectures_len == 2 && streq(sc->architectures[0], "SCMP_ARCH_X86_64") && sc->flags_len == 1,
       "seccomp.architectures/flags kept as strings");
    is_s(sc->listener_path, "/run/user/1000/bypass4netns/full.sock", "seccomp.listenerPath");
    is_s(sc->listener_metadata, "meta", "seccomp.listenerMetadata");
    ok(sc->syscalls_len == 3 && sc->syscalls[0].names_len == 2 && streq(sc->syscalls[0].action, "SCMP_ACT_NOTIFY")
       && !sc->syscalls[0].has_errno_ret, "syscalls[0]");
    ok(sc->syscalls[1].has_errno_ret && sc->syscalls[1].errno_ret == 38, "syscalls[1].errnoRet");
    const struct oci_seccomp_arg *a = sc->syscalls[2].args;
    ok(sc->syscalls[2].args_len == 2 && a[0].index == 0 && a[0].value == 4294967295u && a[0].value_two == 0
       && streq(a[0].op, "SCMP_CMP_EQ"), "syscalls[2].args[0]");
    ok(a[1].index == 1 && a[1].value == UINT64_MAX && a[1].value_two == 2080505856
       && streq(a[1].op, "SCMP_CMP_MASKED_EQ"), "syscalls[2].args[1]: uint64 max exact");
}

static void test_nerdctl(void)
{
    struct oci_spec *s = load_fixture("nerdctl.json");
    const struct oci_process *p = s->process;
    ok(p->rlimits == NULL && p->rlimits_len == 0, "\"rlimits\": null = absent");
    ok(p->io_priority == NULL && p->scheduler == NULL, "null objects = absent");
    ok(!p->terminal && !p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == 0, "process flags");
    ok(p->capabilities->bounding_len == 14 && p->capabilities->ambient == NULL, "14 default caps, no ambient");
    ok(p->user.additional_gids_len == 11, "additionalGids");
    ok(s->mounts_len == 10 && streq(s->mounts[6].type, "cgroup") && streq(s->mounts[9].destination, "/etc/hostname")
       && streq(s->mounts[9].options[1], "rprivate"), "mounts");
    ok(s->hooks.len[OCI_HOOK_CREATE_RUNTIME] == 1 && s->hooks.len[OCI_HOOK_POSTSTOP] == 1
       && s->hooks.len[OCI_HOOK_PRESTART] == 0, "createRuntime + poststop hooks");
    is_s(oci_annotation(s, "nerdctl/state-dir"), "/var/lib/nerdctl/1935db59/containers/default/3b5d8e3c6a4f",
           "nerdctl/state-dir annotation");
    const struct oci_resources *r = s->linux_->resources;
    ok(r->memory && !r->memory->has_limit, "memory: {} parses to an empty object");
    ok(r->cpu->has_realtime_runtime && r->cpu->realtime_runtime == 0, "cpu.realtimeRuntime 0 is present");
    ok(!r->has_pids_limit && r->block_io == NULL, "pids/blockIO null = absent");
    ok(r->unified != NULL && r->unified_len == 0, "unified: {} = empty map");
    ok(r->devices_len == 12 && r->devices[8].has_major && !r->devices[8].has_minor, "device rule without minor");
    ok(s->linux_->namespaces_len == 6 && oci_find_namespace(s, OCI_NS_USER) == NULL, "no user namespace");
    ok(s->linux_->seccomp->syscalls_len == 6 && streq(s->linux_->seccomp->syscalls[0].names[7], "getpeername"),
       "bypass4netns notify rule");
    oci_free(s);
}

static void test_standalone(void)
{
    size_t len;
    struct tr_err err = { 0 };
    _cleanup_free_ char *pj = fixture("process.json", &len);
    struct oci_process *p = oci_parse_process(pj, len, "process.json", &err);
    ok(p != NULL, "process.json parses %s", p ? "" : err.msg);
    ok(p && p->user.uid == 1000 && p->args_len == 2 && streq(p->args[1], "aux") && p->no_new_privileges
       && p->capabilities->bounding_len == 1, "process.json fields");
    oci_process_free(p);
    _cleanup_free_ char *rj = fixture("resources.json", &len);
    struct oci_resources *r = oci_parse_resources(rj, len, "resources", &err);
    ok(r != NULL, "resources.json parses %s", r ? "" : err.msg);
    ok(r && r->memory->limit == 104857600 && r->memory->swap == 209715200 && r->cpu->quota == 200000
       && r->has_pids_limit && r->pids_limit == 64 && r->block_io->weight == 100 && r->unified_len == 1,
       "resources.json fields");
    oci_resources_free(r);
    /* `update --resources -` with an empty object is legal: nothing to change */
    r = oci_parse_resources("{}", 2, "resources", &err);
    ok(r && !r->memory && !r->cpu && !r->has_pids_limit, "empty resources object");
    oci_resources_free(r);
    oci_process_free(NULL);
    oci_resources_free(NULL);
    oci_free(NULL);
    ok(1, "free functions accept NULL");
}

static void test_misc(void)
{
    struct tr_err err = { 0 };
    /* a duplicated key is refused (Go's encoding/json keeps the last, others the first) */
    const char *dup = "{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\",\"hostname\":\"b\",\"root\":{\"path\":\"r\"}}";
    struct oci_spec *s = oci_parse(dup, strlen(dup), "config.json", &err);
    ok(s == NULL && strstr(err.msg, "config.json: duplicate key \"hostname\""), "duplicate key refused: %s", err.msg);
    const char *min = "{\"ociVersion\":\"1.0.0\",\"hostname\":\"b\",\"root\":{\"path\":\"r\"}}";
    s = oci_parse(min, strlen(min), "config.json", &err);
    ok(s && streq(s->hostname, "b") && s->process == NULL && s->linux_ == NULL, "minimal spec parses");
    ok(s && oci_validate(s, "config.json", &err) == 0, "a spec without process/linux validates");
    ok(s && oci_find_namespace(s, OCI_NS_PID) == NULL, "oci_find_namespace without linux");
    oci_free(s);
    /* text not NUL-terminated at len: only len bytes are read */
    const char *cut = "{\"ociVersion\":\"1.0.0\"}GARBAGE";
    s = oci_parse(cut, 22, "config.json", &err);
    ok(s && streq(s->oci_version, "1.0.0"), "parses exactly len bytes");
    oci_free(s);
    /* comments are tolerated as yajl_tree does */
    const char *cm = "{ /* c */ \"ociVersion\":\"1.0.0\", \"root\": {\"path\": \"r\"}}";
    s = oci_parse(cm, strlen(cm), "config.json", &err);
    ok(s != NULL, "comments tolerated");
    oci_free(s);
}

/* Unknown properties are ignored (runtime-spec), and named to a handler when one is set: their
 * JSON paths, objects in arrays included, never the keys of maps (annotations, sysctl). */
static char unknown_seen[512];
static void collect_unknown(const char *origin, const char *path)
{
    size_t n = strlen(unknown_seen);
    snprintf(unknown_seen + n, sizeof unknown_seen - n, "%s:%s;", origin, path);
}

static void test_unknown_properties(void)
{
    struct tr_err err = { 0 };
    const char *j = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"hooks\":{\"postStop\":[]},"
                    "\"mounts\":[{\"destination\":\"/x\",\"optoins\":[]}],\"annotations\":{\"free.key\":\"v\"},"
                    "\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},\"fooBar\":1}}";
    struct oci_spec *s = oci_parse(j, strlen(j), "config.json", &err);
    ok(s != NULL, "unknown properties are no error: %s", err.msg);
    ok(unknown_seen[0] == '\0', "no handler: nothing looked for");
    oci_free(s);
    oci_set_unknown_handler(collect_unknown);
    s = oci_parse(j, strlen(j), "config.json", &err);
    oci_set_unknown_handler(NULL);
    ok(s != NULL, "with a handler, still no error");
    is_str(unknown_seen, "config.json:mounts[0].optoins;config.json:hooks.postStop;config.json:linux.fooBar;",
           "each unknown property by its path; map keys are not properties");
    oci_free(s);
}

/* The real containerd and docker default profiles (the security area's fixtures) as
 * linux.seccomp: all their rules, MASKED_EQ args and errnoRet values must parse. */
static void test_real_profiles(void)
{
    static const char *const names[] = { "containerd-default.json", "docker-default.json" };
    const char *srcdir = getenv("srcdir");
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        _cleanup_free_ char *path = xasprintf("%s/tests/fixtures/seccomp/%s", srcdir ? srcdir : ".", names[i]);
        struct tr_err err = { 0 };
        size_t len;
        _cleanup_free_ char *profile = read_file(path, &len, &err);
        if (!profile) {
            skip("seccomp fixture not present");
            continue;
        }
        _cleanup_free_ char *cfg = xasprintf("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},"
                                             "\"linux\":{\"seccomp\":%s}}", profile);
        struct oci_spec *s = oci_parse(cfg, strlen(cfg), "config.json", &err);
        size_t masked = 0;
        for (size_t k = 0; s && k < s->linux_->seccomp->syscalls_len; k++)
            for (size_t a = 0; a < s->linux_->seccomp->syscalls[k].args_len; a++)
                masked += streq(s->linux_->seccomp->syscalls[k].args[a].op, "SCMP_CMP_MASKED_EQ");
        ok(s && s->linux_->seccomp->syscalls_len >= 5 && s->linux_->seccomp->syscalls[0].names_len > 100 && masked > 0,
           "%s parses as linux.seccomp (%zu rules, %zu MASKED_EQ args)%s%s", names[i],
           s ? s->linux_->seccomp->syscalls_len : 0, masked, s ? "" : ": ", s ? "" : err.msg);
        oci_free(s);
    }
}

int main(void)
{
    struct oci_spec *s = load_fixture("full.json");
    test_top_and_mounts(s);
    test_process(s->process);
    test_hooks(s);
    test_linux(s);
    test_resources(s->linux_->resources);
    test_seccomp(s->linux_->seccomp);
    oci_free(s);
    test_nerdctl();
    test_standalone();
    test_misc();
    test_unknown_properties();
    test_real_profiles();
    return done_testing();
}
