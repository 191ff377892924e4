/* The parent side of `create`: load and check the bundle once, prepare everything that can be
 * prepared outside the container (namespaces to join, cgroup, compiled seccomp, exec.fifo),
 * clone the init, answer its messages (docs/create-sequence.md), record the state. On any
 * failure, undo in reverse: kill the child, remove the cgroup, remove the state dir. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "caps.h"
#include "cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "init.h"
#include "log.h"
#include "netdevices.h"
#include "resctrl.h"
#include "namespaces.h"
#include "oci-state.h"
#include "seccomp-profile.h"
#include "security.h"
#include "spawn.h"
#include "terminal.h"
#include "trace.h"
#include "util.h"

struct create_job {
    const struct tr_ctx *ctx;
    const struct tr_create_opts *o;
    bool for_run;
    struct tr_container *c;
    struct oci_spec *spec;
    char *bundle, *rootfs;
    struct ns_plan ns;
    struct caps_plan caps;
    struct seccomp_plan *seccomp;
    struct cgroup_mgr *cg;
    struct cgroup_mount_entry *cgroup_mounts;
    size_t cgroup_mounts_len;
    struct mount_sources msrc;     /* bind sources the init's user namespace may not reach */
    int fifo_fd;
    struct spawn_session sp;       /* the init: pid, pidfd, channel, pty */
    bool rootless, hooks_started;
    const char *hook_phase;        /* the hooks running or last run for the init, until SECCOMP_FD */
    bool netdevs_moved;   /* linux.netDevices are in the init's namespace: back on undo */
    const struct oci_resources *resources;  /* linux.resources, or res below */
    struct oci_resources res;               /* shallow copy with the default device rules */
    struct oci_device_cgroup *dev_rules;
    int cleanup_fds[3];            /* reserve_cleanup_fds */
};

/* undo needs fds of its own (the cgroup dirs' opendir, the state dir walk): held from the
 * start and given back to it, so that EMFILE in the middle of create cannot strand the
 * state dir. An fd table too small for even these fails before anything is made. */
static int reserve_cleanup_fds(struct create_job *j, struct tr_err *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(j->cleanup_fds); i++)
        if ((j->cleanup_fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
            return tr_fail(err, errno, "reserve file descriptors for the cleanup of a failed create "
                           "(is `ulimit -n` too small?)");
    return 0;
}

static void release_cleanup_fds(struct create_job *j)
{
    for (size_t i = 0; i < ARRAY_SIZE(j->cleanup_fds); i++)
        if (j->cleanup_fds[i] >= 0) {
            close(j->cleanup_fds[i]);
            j->cleanup_fds[i] = -1;
        }
}

int bundle_load(const char *bundle_arg, const char *config_json, struct tr_container *c,
                struct oci_spec **spec, char **bundle, char **rootfs, struct tr_err *err)
{
    char real[PATH_MAX];
    size_t len;
    _cleanup_free_ char *cfg_path = NULL, *json = NULL, *root = NULL;
    if (!realpath(bundle_arg ? bundle_arg : ".", real))
        return tr_fail(err, errno, "bundle %s", bundle_arg ? bundle_arg : ".");
    *bundle = xstrdup(real);
    cfg_path = xasprintf("%s/config.json", *bundle);
    if (config_json)   /* quick mode's generated config (src/quick/) */
        len = strlen(json = xstrdup(config_json));
    else
        json = read_file(cfg_path, &len, err);
    if (!json)
        return tr_hint(err, "is --bundle right?");
    *spec = oci_parse(json, len, "config.json", err);
    if (!*spec || oci_validate(*spec, "config.json", err) < 0)
        return -1;
    /* delete (poststop hooks, annotations) reads this copy: the bundle may change later. */
    if (write_file_at(c->dirfd, "config.json", json, len, err) < 0)
        return tr_prefix(err, "state dir %s", c->dir);
    if (!(*spec)->process)
        return tr_failx(err, "config.json: process: required to create a container");
    root = (*spec)->root_path[0] == '/' ? xstrdup((*spec)->root_path)
                                        : xasprintf("%s/%s", *bundle, (*spec)->root_path);
    if (!realpath(root, real))
        return tr_fail(err, errno, "config.json: root.path: %s", root);
    *rootfs = xstrdup(real);
    return 0;
}

static int load_bundle(struct create_job *j, struct tr_err *err)
{
    return bundle_load(j->o->bundle, j->o->config_json, j->c, &j->spec, &j->bundle, &j->rootfs, err);
}

static int check_spec(struct create_job *j, struct tr_err *err)
{
    const struct oci_spec *s = j->spec;
    const struct oci_namespace *uts = oci_find_namespace(s, OCI_NS_UTS);
    if (s->linux_ && resctrl_check(RESCTRL_ROOT, s->linux_->intel_rdt, err) < 0)
        return tr_prefix(err, "config.json");
    /* A uts namespace joined by path is fine (runc and crun set the name there too); without
     * one, the name would be the host's own. */
    if ((s->hostname || s->domainname) && !uts)
        return tr_failx(err, "config.json: %s: setting it needs a uts namespace; add {\"type\": \"uts\"} to linux.namespaces",
                        s->hostname ? "hostname" : "domainname");
    if (s->process->terminal && !j->o->console_socket && !j->for_run)
        return tr_failx(err, "config.json: process.terminal is true but no --console-socket was given; "
                        "pass one or set terminal to false");
    if (netdevices_check(s, j->rootless, err) < 0)
        return tr_prefix(err, "config.json");
    return security_validate(s, err);
}

/* Without a mount namespace, runc 1.1 and crun 1.8 do every mount of the config in the
 * runtime's own mount namespace, then chroot: the mounts land on the host and stay there after
 * delete. tinyrun chroots too, but refuses what would have to be mounted (or, for devices,
 * created in the image) on the host, rather than leave it behind or skip it silently. */
static int check_without_mount_ns(const struct create_job *j, struct tr_err *err)
{
    const struct oci_spec *s = j->spec;
    const struct oci_linux *l = s->linux_;
    const char *what = NULL;
    if (oci_find_namespace(s, OCI_NS_MOUNT))
        return 0;
    if (s->mounts_len)
        what = "mounts";
    else if (s->root_readonly)
        what = "root.readonly";
    else if (l && l->masked_paths_len)
        what = "linux.maskedPaths";
    else if (l && l->readonly_paths_len)
        what = "linux.readonlyPaths";
    else if (l && l->devices_len)
        what = "linux.devices";
    else if (l && l->rootfs_propagation)
        what = "linux.rootfsPropagation";
    else if (l && l->mount_label)
        what = "linux.mountLabel";
    if (!what)
        return 0;
    return tr_failx(err, "config.json: %s: needs a new mount namespace (without one it would be applied to the "
                    "host's mounts and stay there); add {\"type\": \"mount\"} to linux.namespaces or remove %s",
                    what, what);
}

static bool wants_cgroup_mount(const struct oci_spec *s)
{
    for (size_t i = 0; i < s->mounts_len; i++)
        if (s->mounts[i].type && streq(s->mounts[i].type, "cgroup"))
            return true;
    return false;
}

/* As runc and crun do, a device cgroup that denies by default still lets the container use
 * the nodes the runtime itself creates (/dev/null, the pty...). linux.devices entries get no
 * automatic rule: linux.resources.devices decides about them (runc does the same). */
static const struct oci_device_cgroup default_device_rules[] = {
    { .allow = true, .type = "c", .access = "m" }, { .allow = true, .type = "b", .access = "m" },
    { .allow = true, .type = "c", .has_major = true, .major = 1, .has_minor = true, .minor = 3, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 1, .has_minor = true, .minor = 5, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 1, .has_minor = true, .minor = 7, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 1, .has_minor = true, .minor = 8, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 1, .has_minor = true, .minor = 9, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 5, .has_minor = true, .minor = 0, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 5, .has_minor = true, .minor = 1, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 5, .has_minor = true, .minor = 2, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 136, .access = "rwm" },
    { .allow = true, .type = "c", .has_major = true, .major = 10, .has_minor = true, .minor = 200, .access = "rwm" },
};

static void add_default_device_rules(struct create_job *j)
{
    const struct oci_linux *l = j->spec->linux_;
    const struct oci_resources *r = l ? l->resources : NULL;
    size_t n, k = 0;
    if (!r || r->devices_len == 0)
        return;
    n = r->devices_len + ARRAY_SIZE(default_device_rules);
    j->res = *r;
    j->res.devices = j->dev_rules = xzalloc(n * sizeof *j->dev_rules);
    memcpy(j->dev_rules, r->devices, r->devices_len * sizeof *r->devices);
    k = r->devices_len;
    memcpy(j->dev_rules + k, default_device_rules, sizeof default_device_rules);
    k += ARRAY_SIZE(default_device_rules);
    j->res.devices_len = k;
    j->resources = &j->res;
}

/* A create killed from here on leaves delete --force the cgroup to remove (state.h). */
static int record_pending_cgroup(struct create_job *j, const struct cgroup_opts *cg_opts, struct tr_err *err)
{
    struct tr_err ignore;
    j->c->pending.cgroup = cgroup_plan_serialize(cg_opts, &ignore);
    return j->c->pending.cgroup ? state_save_pending(j->c, err) : 0;
}

/* ... and the init to kill, before it is moved into its cgroup (v1) or gets far. With
 * --systemd-cgroup this is also the first record of the transient unit: cgroup_enter (after
 * this) is where StartTransientUnit is called, so a create killed once the unit exists has
 * named it for delete --force (tests/unit/test-cgroup-systemd.c, systemd.bats). */
static int record_pending_init(struct create_job *j, struct tr_err *err)
{
    free(j->c->pending.cgroup);
    j->c->pending.cgroup = cgroup_serialize(j->cg);
    j->c->pending.pid = j->sp.pid;
    j->c->pending.start_time = proc_start_time(j->sp.pid);
    return state_save_pending(j->c, err);
}

static int prepare(struct create_job *j, struct tr_err *err)
{
    const struct oci_linux *l = j->spec->linux_;
    struct cgroup_opts cg_opts = {
        .id = j->c->id, .cgroups_path = l ? l->cgroups_path : NULL, .systemd = j->ctx->systemd_cgroup,
        .rootless = j->rootless,
    };
    _cleanup_free_ char *fifo = xasprintf("%s/exec.fifo", j->c->dir);
    tr_trace("runtime", "prepare: caps, seccomp, namespaces");
    if (caps_plan_from_spec(j->spec->process->capabilities, "process.capabilities", &j->caps, err) < 0)
        return tr_prefix(err, "config.json");
    if (l && l->seccomp) {
        /* Compiling a default profile costs 10-20 ms; the result is cached per exact profile. */
        _cleanup_free_ char *cache = xasprintf("%s/.seccomp-cache", tr_state_root(j->ctx));
        seccomp_set_cache_dir(cache);
    }
    if (seccomp_compile(l ? l->seccomp : NULL, "linux.seccomp", &j->seccomp, err) < 0)
        return tr_prefix(err, "config.json");
    if (ns_plan_init(&j->ns, j->spec, err) < 0)
        return tr_prefix(err, "config.json");
    /* 0622: the init opens it for writing after switching to process.user (as runc does);
     * the state root is 0700, so nobody else can reach it by path. */
    if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0)
        return tr_fail(err, errno, "mkfifo %s", fifo);
    j->fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
    if (j->fifo_fd < 0)
        return tr_fail(err, errno, "open %s", fifo);
    j->resources = l ? l->resources : NULL;
    add_default_device_rules(j);
    tr_trace("runtime", "cgroup: create");
    cg_opts.resources = j->resources;
    if (record_pending_cgroup(j, &cg_opts, err) < 0)
        return -1;
    j->cg = cgroup_create(&cg_opts, err);
    if (!j->cg)
        return -1;
    if (wants_cgroup_mount(j->spec) && cgroup_mount_entries(j->cg, &j->cgroup_mounts, &j->cgroup_mounts_len, err) < 0)
        return -1;
    return spawn_session_open(&j->sp, err);
}

static __attribute__((noreturn)) void run_child(struct create_job *j)
{
    struct init_args a = {
        .spec = j->spec, .id = j->c->id, .bundle = j->bundle, .rootfs = j->rootfs,
        .sock = j->sp.sock[1], .fifo_fd = j->fifo_fd, .ns = &j->ns, .caps = &j->caps,
        .seccomp = j->seccomp, .cgroup_mounts = j->cgroup_mounts, .cgroup_mounts_len = j->cgroup_mounts_len,
        .mount_sources = &j->msrc,
        .no_pivot = j->o->no_pivot, .no_new_keyring = j->o->no_new_keyring, .rootless = j->rootless,
        .in_userns = j->ns.has[OCI_NS_USER] || ns_in_child_userns(),
        .preserve_fds = j->o->preserve_fds,
    };
    /* The state dir lock belongs to the runtime process, not to the container. */
    close(j->c->dirfd);
    init_main(&a);
}

static int init_wait_failed(void *ctx, uint32_t awaited, int timeout_ms, struct tr_err *err);

/* The init, in its new user namespace, may not reach every bind source: clone them for it
 * (mount-sources.c) and send them before SETUP_DONE. */
static int send_mount_sources(struct create_job *j, struct tr_err *err)
{
    if (!j->ns.has[OCI_NS_USER] || !j->ns.has[OCI_NS_MOUNT])
        return 0;
    if (mount_sources_open(j->sp.pid, j->spec, &j->msrc, err) < 0)
        return -1;
    for (size_t i = 0; i < j->msrc.len; i++) {
        int fd = mount_sources_take(&j->msrc, i);
        if (fd < 0)
            continue;
        int rc = spawn_send_mount_source(&j->sp, i, fd, err);
        close(fd);
        if (rc < 0)
            return -1;
    }
    mount_sources_close(&j->msrc);
    return 0;
}

static int spawn_init(struct create_job *j, struct tr_err *err)
{
    tr_trace("runtime", "clone the init");
    if (spawn_session_clone(&j->sp, &j->ns, cgroup_leaf_fd(j->cg), err) < 0)
        return -1;
    if (j->sp.pid == 0)
        run_child(j);
    if (record_pending_init(j, err) < 0)
        return -1;
    if ((j->ns.new_flags & CLONE_NEWUSER) && ns_write_id_maps(j->sp.pid, j->spec, err) < 0)
        return -1;
    /* the init's own write would fail in its user namespace (init.c step_private_procfs) */
    if (j->ns.has[OCI_NS_USER] && oom_score_adj_apply(j->sp.pid, j->spec->process, err) < 0)
        return -1;
    tr_trace("runtime", "cgroup: enter and apply limits");
    if (!j->sp.into_cgroup && cgroup_enter(j->cg, j->sp.pid, err) < 0)
        return -1;
    if (cgroup_apply(j->cg, j->resources, false, err) < 0)
        return -1;
    if (j->spec->linux_ && resctrl_apply(RESCTRL_ROOT, j->spec->linux_->intel_rdt, j->c->id, j->sp.pid, err) < 0)
        return -1;
    if (netdevices_move_in(j->spec, j->sp.pid, err) < 0)
        return -1;
    j->netdevs_moved = true;
    tr_trace("runtime", "send mount sources, setup done");
    if (send_mount_sources(j, err) < 0)
        return err->code == EPIPE ? init_wait_failed(j, MSG_RUN_HOOKS, 0, err) : -1;
    if (spawn_send_setup_done(&j->sp, err) < 0)
        return err->code == EPIPE ? init_wait_failed(j, MSG_RUN_HOOKS, 0, err) : -1;
    return 0;
}

static char *creating_state(struct create_job *j, const char *status, struct tr_err *err)
{
    struct oci_state st = oci_state_of(j->spec, j->c->id, j->bundle, status, j->sp.pid);
    return oci_state_to_json(&st, false, err);
}

static void hint_signal(const struct create_job *j, int sig, struct tr_err *err);

/* A SIGKILL sent (by a hook) but not yet acted on: the init is as good as dead, and its exit
 * follows as soon as it runs. /proc/PID/status SigPnd/ShdPnd, bit 9. */
static bool sigkill_pending(pid_t pid)
{
    char path[64];
    struct tr_err ignore;
    snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    _cleanup_free_ char *st = read_file(path, NULL, &ignore);
    for (char *l = st; l && *l; l = strchrnul(l, '\n'), l += *l == '\n') {
        unsigned long long mask;
        if ((sscanf(l, "SigPnd: %llx", &mask) == 1 || sscanf(l, "ShdPnd: %llx", &mask) == 1) &&
            (mask & (1ULL << (SIGKILL - 1))))
            return true;
    }
    return false;
}

/* A hook may kill the init (so may the OOM killer): name its fate and the hooks it died in,
 * not the send to it that fails next. wait_ms: how long to give a dying init to be reaped
 * (0: only if it is gone already). Returns 0 while the init lives. */
static int init_fate_during_hooks(struct create_job *j, int wait_ms, struct tr_err *err)
{
    char cause[128];
    struct pollfd p = { .fd = j->sp.pidfd, .events = POLLIN };
    int sig;
    if (!j->hook_phase || j->sp.pidfd < 0)
        return 0;
    if (sigkill_pending(j->sp.pid) && wait_ms < 1000)
        wait_ms = 1000;
    if (poll(&p, 1, wait_ms) <= 0)
        return 0;
    if ((sig = spawn_exit_cause(j->sp.pid, j->sp.pidfd, cause, sizeof cause)) < 0)
        return 0;
    tr_failx(err, "container init (pid %d) %s during %s hooks", (int) j->sp.pid, cause, j->hook_phase);
    hint_signal(j, sig, err);
    return -1;
}

/* prestart (deprecated) is the old name of "after create, before start": crun and the
 * runtime-tools validation suite give it status `created`; runc 1.1 gives `creating`.
 * createRuntime and createContainer run while the lifecycle is still in its create step
 * (runtime.md steps 4-6): `creating`. See docs/create-sequence.md. */
static int run_runtime_hooks(struct create_job *j, struct tr_err *err)
{
    const struct oci_hooks *h = &j->spec->hooks;
    _cleanup_free_ char *prestart = creating_state(j, "created", err);
    _cleanup_free_ char *json = prestart ? creating_state(j, "creating", err) : NULL;
    if (!json)
        return -1;
    j->hooks_started = true;
    if (h->len[OCI_HOOK_PRESTART])
        j->hook_phase = oci_hook_kind_name(OCI_HOOK_PRESTART);
    if (hooks_run(h->list[OCI_HOOK_PRESTART], h->len[OCI_HOOK_PRESTART], OCI_HOOK_PRESTART, prestart, err) < 0)
        return -1;
    if (init_fate_during_hooks(j, 0, err) < 0)
        return -1;
    if (h->len[OCI_HOOK_CREATE_RUNTIME])
        j->hook_phase = oci_hook_kind_name(OCI_HOOK_CREATE_RUNTIME);
    if (hooks_run(h->list[OCI_HOOK_CREATE_RUNTIME], h->len[OCI_HOOK_CREATE_RUNTIME],
                  OCI_HOOK_CREATE_RUNTIME, json, err) < 0)
        return -1;
    return init_fate_during_hooks(j, 0, err);
}

/* SECCOMP_FD: the listener goes to the agent with the state of the container process. */
static int on_seccomp_listener(void *ctx, int fd, struct tr_err *err)
{
    struct create_job *j = ctx;
    struct oci_state st = oci_state_of(j->spec, j->c->id, j->bundle, "creating", j->sp.pid);
    j->hook_phase = NULL;   /* the hooks are long done */
    return spawn_hand_over_listener(j->spec->linux_->seccomp, &st, fd, "config.json: ", err);
}

/* The createContainer hooks run in the init between HOOKS_DONE and READY: their timeouts
 * add to the wait; one without a timeout lifts the bound (only the init's exit ends it). */
static int ready_timeout_ms(void *ctx)
{
    const struct create_job *j = ctx;
    const struct oci_hooks *h = &j->spec->hooks;
    long long ms = SPAWN_STEP_TIMEOUT_S * 1000LL;
    for (size_t i = 0; i < h->len[OCI_HOOK_CREATE_CONTAINER]; i++) {
        const struct oci_hook *k = &h->list[OCI_HOOK_CREATE_CONTAINER][i];
        if (!k->has_timeout || k->timeout <= 0)
            return -1;
        ms += k->timeout * 1000LL;
    }
    return ms > INT_MAX ? -1 : (int) ms;
}

/* A killed init during setup with a memory limit is most often the OOM killer: say so. */
static void hint_signal(const struct create_job *j, int sig, struct tr_err *err)
{
    const struct oci_memory *mem = j->resources ? j->resources->memory : NULL;
    int64_t ooms;
    if (sig != SIGKILL || !mem || !mem->has_limit || mem->limit < 0)
        return;
    ooms = cgroup_oom_kill_count(j->cg);
    if (ooms > 0)
        tr_hint(err, "the OOM killer killed it (%lld OOM kill(s) in its cgroup): linux.resources.memory.limit "
                "%lld bytes is too low; raise it", (long long) ooms, (long long) mem->limit);
    else
        tr_hint(err, "likely the OOM killer: linux.resources.memory.limit is %lld bytes; raise it",
                (long long) mem->limit);
}

/* The wait for `awaited` ended without it: name the cause (exit, signal, silence). */
static int init_wait_failed(void *ctx, uint32_t awaited, int timeout_ms, struct tr_err *err)
{
    struct create_job *j = ctx;
    char cause[128];
    struct tr_err e2;
    int sig;
    if (err->code == ETIMEDOUT) {
        int frozen = cgroup_is_frozen(j->cg, &e2);
        char st = spawn_proc_state(j->sp.pid);
        tr_failx(err, "container init (pid %d) sent no %s within %d s and was killed: %s", (int) j->sp.pid,
                 chan_msg_name(awaited), timeout_ms / 1000,
                 frozen == 1 ? "its cgroup is frozen; check linux.cgroupsPath and who froze it" :
                 st == 'T' ? "it was stopped by a signal (SIGSTOP?); check who stopped it" :
                 "it is alive but silent; check whether its cgroup is frozen or a createContainer hook hangs");
        err->code = ETIMEDOUT;
        return -1;
    }
    if (err->code != EPIPE || (sig = spawn_exit_cause(j->sp.pid, j->sp.pidfd, cause, sizeof cause)) < 0)
        return tr_prefix(err, "container init");
    tr_failx(err, "container init (pid %d) %s before sending %s", (int) j->sp.pid, cause, chan_msg_name(awaited));
    hint_signal(j, sig, err);
    return -1;
}

/* READY, then the channel closes: from there the init only blocks in its exec.fifo open. An
 * init that died anyway makes create fail rather than record a created container. */
static int confirm_created(struct create_job *j, struct tr_err *err)
{
    char cause[128];
    if (spawn_session_wait_closed(&j->sp, SPAWN_STEP_TIMEOUT_S * 1000, err) < 0) {
        if (err->code != ETIMEDOUT)
            return -1;
        return tr_failx(err, "container init (pid %d) sent READY but did not close the spawn channel within %d s "
                        "and was killed: is its cgroup frozen, or does a seccomp notify agent not answer its close()?",
                        (int) j->sp.pid, SPAWN_STEP_TIMEOUT_S);
    }
    if (j->sp.pidfd >= 0) {
        struct pollfd p = { .fd = j->sp.pidfd, .events = POLLIN };
        if (poll(&p, 1, 0) == 0)
            return 0;
    }
    if (spawn_exit_cause(j->sp.pid, j->sp.pidfd, cause, sizeof cause) < 0)
        return 0;
    return tr_failx(err, "container init (pid %d) %s after READY, before reaching created", (int) j->sp.pid, cause);
}

static int on_run_hooks(void *ctx, struct tr_err *err)
{
    return run_runtime_hooks(ctx, err);
}

/* A hook, the listener hand-off or the answer failed: an init gone meanwhile is named. */
static int answer_failed(void *ctx, int timeout_ms, struct tr_err *err)
{
    struct create_job *j = ctx;
    if (err->code != EPIPE)
        return -1;
    /* HOOKS_DONE found the channel closed: the init died in (or right after) the hooks */
    if (init_fate_during_hooks(j, 1000, err) < 0)
        return -1;
    return init_wait_failed(ctx, MSG_READY, timeout_ms, err);
}

static int converse(struct create_job *j, struct tr_err *err)
{
    const struct spawn_handlers h = {
        .ctx = j, .run_hooks = hooks_create_exchange(&j->spec->hooks) ? on_run_hooks : NULL,
        .seccomp_listener = on_seccomp_listener,
        .ready_timeout_ms = ready_timeout_ms, .wait_failed = init_wait_failed, .answer_failed = answer_failed,
    };
    if (spawn_session_converse(&j->sp, &h, err) < 0)
        return -1;
    return confirm_created(j, err);
}

int container_record(struct tr_container *c, const struct container_record_args *r, struct tr_err *err)
{
    char created[64];
    struct oci_runstate *runstate = xzalloc(sizeof *runstate);
    rfc3339_now(created, sizeof created);
    runstate->id = xstrdup(c->id);
    runstate->pid = r->pid;
    runstate->start_time = proc_start_time(r->pid);
    runstate->bundle = xstrdup(r->bundle);
    runstate->rootfs = xstrdup(r->rootfs);
    runstate->created = xstrdup(created);
    runstate->cgroup = cgroup_serialize(r->cg);
    runstate->systemd = r->systemd;
    runstate->rootless = r->rootless;
    runstate->no_new_keyring = r->no_new_keyring;
    c->runstate = runstate;
    if (runstate->start_time == 0)
        return tr_failx(err, "the container init (pid %d) exited during %s", (int) r->pid, r->verb);
    if (state_save(c, err) < 0)
        return -1;
    if (r->pid_file) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%d", (int) r->pid);
        if (write_file_atomic(r->pid_file, buf, (size_t) n, 0644, err) < 0)
            return tr_prefix(err, "--pid-file");
    }
    return 0;
}

static int record(struct create_job *j, struct tr_err *err)
{
    const struct container_record_args r = {
        .verb = "create", .pid = j->sp.pid, .bundle = j->bundle, .rootfs = j->rootfs, .cg = j->cg,
        .systemd = j->ctx->systemd_cgroup, .rootless = j->rootless, .pid_file = j->o->pid_file,
        .no_new_keyring = j->o->no_new_keyring,
    };
    if (container_record(j->c, &r, err) < 0)
        return -1;
    if (j->o->pidfd_socket &&
        unix_socket_send_fd("pidfd socket", "--pidfd-socket", j->o->pidfd_socket, j->sp.pidfd, "pidfd", err) < 0)
        return -1;
    return 0;
}

static void undo(struct create_job *j)
{
    struct tr_err e2;
    release_cleanup_fds(j);
    if (j->netdevs_moved)
        netdevices_move_out(j->spec, j->sp.pid);
    if (j->sp.pid > 0) {
        /* A frozen task cannot die: thaw first, and never wait unboundedly. */
        if (cgroup_is_frozen(j->cg, &e2) == 1 && cgroup_freeze(j->cg, false, &e2) < 0)
            tr_warn("cleanup after failed create: %s", e2.msg);
        if (spawn_kill_and_reap(j->sp.pid, j->sp.pidfd) < 0)
            tr_warn("cleanup after failed create: the container init (pid %d) did not die within %d s of SIGKILL",
                    (int) j->sp.pid, SPAWN_STEP_TIMEOUT_S);
    }
    if (j->cg && cgroup_destroy(j->cg, &e2) < 0)
        tr_warn("cleanup after failed create: %s", e2.msg);
    if (j->spec && j->spec->linux_ && resctrl_remove(RESCTRL_ROOT, j->spec->linux_->intel_rdt, j->c->id, &e2) < 0)
        tr_warn("cleanup after failed create: %s", e2.msg);
    if (j->hooks_started) {
        /* runtime.md: a failed create-phase hook continues the lifecycle at delete: poststop. */
        struct oci_state st = oci_state_of(j->spec, j->c->id, j->bundle, "stopped", 0);
        _cleanup_free_ char *json = oci_state_to_json(&st, false, &e2);
        if (json)
            hooks_run_warn(j->spec->hooks.list[OCI_HOOK_POSTSTOP], j->spec->hooks.len[OCI_HOOK_POSTSTOP],
                           OCI_HOOK_POSTSTOP, json);
    }
    if (state_remove(j->c, &e2) < 0)
        tr_warn("cleanup after failed create: %s", e2.msg);
}

static void release(struct create_job *j)
{
    release_cleanup_fds(j);
    if (j->fifo_fd >= 0)
        close(j->fifo_fd);
    spawn_session_close(&j->sp);
    ns_plan_close(&j->ns);
    seccomp_plan_free(j->seccomp);
    cgroup_mount_entries_free(j->cgroup_mounts, j->cgroup_mounts_len);
    mount_sources_close(&j->msrc);
    cgroup_free(j->cg);
    oci_free(j->spec);
    free(j->bundle);
    free(j->rootfs);
    free(j->dev_rules);
}

/* create's own answer to the signals that end it (run has its own, run.c): from the clone on,
 * a SIGTERM, SIGINT or SIGHUP kills the init, which ends every wait on it, and create fails and
 * undoes itself instead of dying with the init, its cgroup and hooks left behind. While it
 * waits on one of its own hooks, hooks.c takes these signals and names the hook. */
static struct tr_container *volatile setup_aborting;
static volatile sig_atomic_t setup_abort_sig;

void setup_abort_handler(int sig)
{
    struct tr_container *c = setup_aborting;
    setup_abort_sig = sig;
    if (c && c->pending.pid > 0)
        kill(c->pending.pid, SIGKILL);
}

void setup_abort_watch(struct tr_container *c)
{
    if (c)
        setup_abort_sig = 0;
    setup_aborting = c;
}

int setup_abort_signal(void) { return setup_abort_sig; }

static const int create_abort_signals[] = { SIGTERM, SIGINT, SIGHUP };

/* on: catch them (old: where the caller's actions go); off: put the caller's back. */
static void catch_create_abort(struct tr_container *c, bool on, struct sigaction *old)
{
    struct sigaction sa = { .sa_handler = setup_abort_handler };
    setup_abort_watch(on ? c : NULL);
    for (size_t i = 0; i < ARRAY_SIZE(create_abort_signals); i++)
        sigaction(create_abort_signals[i], on ? &sa : &old[i], on ? &old[i] : NULL);
}

static int create_interrupted(const struct create_job *j, struct tr_err *err)
{
    const char *abbrev = sigabbrev_np(setup_abort_sig);
    bool in_init_hooks = j->hooks_started && j->spec->hooks.len[OCI_HOOK_CREATE_CONTAINER] > 0;
    return tr_failx(err, "create %s: interrupted by SIG%s while %s: its init was killed and the container removed",
                    j->c->id, abbrev ? abbrev : "?",
                    in_init_hooks ? "the init ran its createContainer hooks or the steps after them"
                                  : "the container was being set up");
}

int container_create(const struct tr_ctx *ctx, const struct tr_create_opts *o, bool for_run,
                     struct tr_container *c, struct create_result *res, struct tr_err *err)
{
    struct sigaction old_actions[ARRAY_SIZE(create_abort_signals)];
    struct create_job j = { .ctx = ctx, .o = o, .for_run = for_run, .c = c, .fifo_fd = -1,
                            .cleanup_fds = { -1, -1, -1 } };
    int rc;
    spawn_session_init(&j.sp);
    j.sp.who = "container init";
    j.sp.console_socket = o->console_socket;
    for (int t = 0; t < OCI_NS__COUNT; t++)
        j.ns.join_fd[t] = j.ns.own_fd[t] = -1;
    j.rootless = tr_is_rootless(ctx);
    tr_trace("runtime", "reserve the state dir");
    if (reserve_cleanup_fds(&j, err) < 0 || state_reserve(tr_state_root(ctx), o->id, c, err) < 0) {
        release_cleanup_fds(&j);
        return -1;
    }
    tr_trace("runtime", "load spec");
    rc = load_bundle(&j, err);
    tr_trace("runtime", "validate");
    if (rc == 0)
        rc = check_spec(&j, err);
    if (rc == 0)
        rc = check_without_mount_ns(&j, err);
    if (rc == 0)
        rc = prepare(&j, err);
    if (!for_run)
        catch_create_abort(c, true, old_actions);
    if (rc == 0)
        rc = spawn_init(&j, err);
    tr_trace("runtime", "answer the init: hooks, ready");
    if (rc == 0)
        rc = converse(&j, err);
    tr_trace("runtime", "record the state");
    if (rc == 0)
        rc = record(&j, err);
    if (!for_run)
        catch_create_abort(c, false, old_actions);
    if (!for_run && setup_abort_sig && (rc == 0 || err->code != EINTR))
        rc = create_interrupted(&j, err);     /* a hook's own (EINTR) names it better */
    if (state_is_marked_deleted(c))
        rc = tr_failx(err, "container %s was deleted (delete --force) while being created", c->id);
    if (rc < 0) {
        undo(&j);
        release(&j);
        state_close(c);
        return -1;
    }
    res->pid = j.sp.pid;
    res->pidfd = steal_fd(&j.sp.pidfd);
    res->pty_master = steal_fd(&j.sp.pty_master);
    res->spec = steal_ptr(&j.spec);
    release(&j);
    return 0;
}

int tr_create(const struct tr_ctx *ctx, const struct tr_create_opts *o, struct tr_err *err)
{
    struct tr_container c;
    struct create_result res;
    if (container_create(ctx, o, false, &c, &res, err) < 0)
        return -1;
    if (res.pidfd >= 0)
        close(res.pidfd);
    oci_free(res.spec);
    state_close(&c);
    return 0;
}
