#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include "affinity.h"
#include "hooks.h"
#include "init.h"
#include "keyring.h"
#include "log.h"
#include "netdev.h"
#include "oci-state.h"
#include "procfs.h"
#include "process-setup.h"
#include "rootfs.h"
#include "security.h"
#include "spawn.h"
#include "sys.h"
#include "terminal.h"
#include "timens.h"
#include "trace.h"
#include "util.h"

/* struct init_state is in init.h: tests/unit/test-init-steps.c makes one to drive the steps. */

static char *state_json(struct init_state *s, const char *status, struct tr_err *err)
{
    struct oci_state st = oci_state_of(s->a->spec, s->a->id, s->a->bundle, status, s->host_pid);
    return oci_state_to_json(&st, false, err);
}

/* First: nothing may be in the new time namespace before its offsets are written (timens.h). */
static int step_time_namespace(struct init_state *s, struct tr_err *err)
{
    return s->a->ns->late_timens ? timens_unshare(s->a->spec->linux_, err) : 0;
}

/* Before waiting for the runtime: the kernel makes the namespace while the runtime attaches us
 * to the cgroup (namespaces.h late_netns). In a new user namespace we already hold its caps. */
static int step_network_namespace(struct init_state *s, struct tr_err *err)
{
    if (s->a->ns->late_netns && tr_sys->unshare(CLONE_NEWNET) < 0)
        return tr_fail(err, errno, "linux.namespaces: network: unshare a new network namespace");
    return 0;
}

/* Where the init waits for SETUP_DONE. In a user namespace of its own (new or joined) it waits
 * first: its ids are unmapped until the runtime writes the maps, and the keyring, sysctl and
 * procfs steps need them. Otherwise nothing before the rootfs needs the runtime (its cgroup
 * matters from the cgroup namespace and the cgroup mount on), so the keyring, loopback,
 * hostname, procfs and sysctl steps run while the runtime attaches it to its cgroup and
 * applies the limits. With netDevices, early too: a sysctl may name a device moved in then. */
static bool waits_for_setup_first(const struct init_state *s)
{
    const struct ns_plan *ns = s->a->ns;
    const struct oci_linux *l = s->a->spec->linux_;
    return ns->has[OCI_NS_USER] || (l && l->net_devices_len);
}

static int wait_setup(struct init_state *s, struct tr_err *err)
{
    struct spawn_setup_msg m;
    /* bind sources the runtime cloned for us (mount-sources.c) come first */
    if (s->a->ns->has[OCI_NS_USER] && s->a->mount_sources)
        mount_sources_expect(s->a->mount_sources, s->a->spec->mounts_len);
    for (;;) {
        if (spawn_recv_setup(s->a->sock, &m, err) < 0)
            return -1;
        if (m.setup_done)
            break;
        if (mount_sources_put(s->a->mount_sources, m.index, m.fd) < 0)
            return tr_failx(err, "spawn channel: MOUNT_SOURCE for mounts[%d] without a usable fd", (int) m.index);
    }
    s->host_pid = m.host_pid;
    spawn_child_setup_done();
    /* Become root of a new user namespace now that the maps exist. */
    if (s->a->ns->new_flags & CLONE_NEWUSER) {
        if (tr_sys->setresgid(0, 0, 0) < 0 || tr_sys->setresuid(0, 0, 0) < 0)
            return tr_fail(err, errno, "linux.uidMappings: become uid 0 in the new user namespace (is 0 mapped?)");
    }
    return ns_child_join_user(s->a->ns, err);
}

static int step_wait_setup_first(struct init_state *s, struct tr_err *err)
{
    return waits_for_setup_first(s) ? wait_setup(s, err) : 0;
}

static int step_wait_setup_before_rootfs(struct init_state *s, struct tr_err *err)
{
    return waits_for_setup_first(s) ? 0 : wait_setup(s, err);
}

static int step_session_keyring(struct init_state *s, struct tr_err *err)
{
    return s->a->no_new_keyring ? 0 : keyring_join_session(s->a->id, s->a->ns->has[OCI_NS_USER], err);
}

/* As runc and crun: only a network namespace the runtime created gets its lo brought up; a
 * joined one belongs to whoever made it, and its lo stays as they left it. */
static int step_loopback(struct init_state *s, struct tr_err *err)
{
    const struct ns_plan *ns = s->a->ns;
    if (!ns->has[OCI_NS_NETWORK] || ns->join_fd[OCI_NS_NETWORK] >= 0)
        return 0;
    if (netdev_loopback_up(err) < 0)
        return tr_prefix(err, "linux.namespaces: network: bring up lo in the new network namespace");
    return 0;
}

static int step_hostname(struct init_state *s, struct tr_err *err)
{
    const struct oci_spec *spec = s->a->spec;
    if (spec->hostname && tr_sys->sethostname(spec->hostname, strlen(spec->hostname)) < 0)
        return tr_fail(err, errno, "hostname: sethostname \"%s\"", spec->hostname);
    if (spec->domainname && tr_sys->setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
        return tr_fail(err, errno, "domainname: setdomainname \"%s\"", spec->domainname);
    return 0;
}

static void fill_rootfs_ctx(const struct init_state *s, struct rootfs_ctx *c)
{
    const struct init_args *a = s->a;
    memset(c, 0, sizeof *c);
    c->spec = a->spec;
    c->rootfs = a->rootfs;
    c->no_pivot = a->no_pivot;
    c->rootless = a->rootless;
    c->in_userns = a->in_userns;
    c->new_netns = a->ns->has[OCI_NS_NETWORK] && a->ns->join_fd[OCI_NS_NETWORK] < 0;
    c->new_cgroupns = a->ns->has[OCI_NS_CGROUP] && a->ns->join_fd[OCI_NS_CGROUP] < 0;
    c->cgroup_mounts = a->cgroup_mounts;
    c->cgroup_mounts_len = a->cgroup_mounts_len;
    c->sources = a->mount_sources;
}

static int step_rootfs_prepare(struct init_state *s, struct tr_err *err)
{
    struct rootfs_ctx c;
    if (!s->a->ns->has[OCI_NS_MOUNT])
        return 0;
    fill_rootfs_ctx(s, &c);
    return rootfs_prepare(&c, err);
}

/* prestart and createRuntime run in the runtime's namespaces: the parent runs them. */
static int step_runtime_hooks(struct init_state *s, struct tr_err *err)
{
    if (!hooks_create_exchange(&s->a->spec->hooks))
        return 0;
    if (spawn_send_run_hooks(s->a->sock, err) < 0)
        return -1;
    return spawn_recv_hooks_done(s->a->sock, err);
}

static int run_child_hooks(struct init_state *s, enum oci_hook_kind kind, const char *status, struct tr_err *err)
{
    const struct oci_hooks *h = &s->a->spec->hooks;
    _cleanup_free_ char *json = NULL;
    if (h->len[kind] == 0)
        return 0;
    json = state_json(s, status, err);
    if (!json)
        return -1;
    return hooks_run(h->list[kind], h->len[kind], kind, json, err);
}

static int step_create_container_hooks(struct init_state *s, struct tr_err *err)
{
    return run_child_hooks(s, OCI_HOOK_CREATE_CONTAINER, "creating", err);
}

static int step_rootfs_finalize(struct init_state *s, struct tr_err *err)
{
    struct rootfs_ctx c;
    if (!s->a->ns->has[OCI_NS_MOUNT]) {
        /* No mount namespace: the process runs in the runtime's filesystem, chrooted. */
        if (tr_sys->chroot(s->a->rootfs) < 0 || tr_sys->chdir("/") < 0)
            return tr_fail(err, errno, "root.path: chroot %s", s->a->rootfs);
        return 0;
    }
    fill_rootfs_ctx(s, &c);
    return rootfs_finalize(&c, err);
}

/* The pty comes from the container's own devpts; the slave becomes /dev/console and stdio,
 * the master goes to the parent (then to --console-socket or the caller's terminal). */
static int step_terminal(struct init_state *s, struct tr_err *err)
{
    _cleanup_free_ char *slave = NULL;
    _cleanup_close_ int master = -1;
    if (!s->proc->terminal) {
        if (setsid() < 0 && errno != EPERM)
            return tr_fail(err, errno, "setsid");
        return 0;
    }
    master = pty_open(&slave, err);
    if (master < 0)
        return tr_prefix(err, "process.terminal");
    if (s->proc->has_console_size &&
        pty_set_size(master, s->proc->console_size.height, s->proc->console_size.width, err) < 0)
        return tr_prefix(err, "process.consoleSize");
    if (s->a->ns->has[OCI_NS_MOUNT] && rootfs_console_bind(master, err) < 0)
        return tr_prefix(err, "process.terminal");
    if (pty_make_controlling(slave, err) < 0 || pty_chown_slave(slave, s->proc->user.uid, err) < 0)
        return tr_prefix(err, "process.terminal");
    return spawn_send_pty_master(s->a->sock, master, slave, err);
}

/* Before the rootfs exists, while /proc is still the runtime's: a private procfs for every
 * /proc write (procfs.h), and oomScoreAdj written at once (as runc's nsexec does), so that
 * nothing the image, the mounts or a hook put at the container's /proc can take the write. */
static int step_private_procfs(struct init_state *s, struct tr_err *err)
{
    if (procfs_handle(err) < 0)
        return tr_prefix(err, "open the runtime's private procfs");
    /* In a user namespace the init may not write its own (not the host's root, and lowering
     * needs CAP_SYS_RESOURCE there): the runtime wrote it before SETUP_DONE, as runc does. */
    if (s->a->ns->has[OCI_NS_USER])
        return 0;
    return oom_score_adj_apply(0, s->proc, err);
}

/* Before any mount: /proc/sys entries resolve against the writer's own net, ipc and uts
 * namespaces, and later the container's /proc/sys is read-only (readonlyPaths). */
static int step_sysctl(struct init_state *s, struct tr_err *err)
{
    return sysctl_apply(s->a->spec, err);
}

static int step_process_attrs(struct init_state *s, struct tr_err *err)
{
    if (proc_apply_rlimits(s->proc, err) < 0)
        return -1;
    if (process_sched_apply(s->a->spec, s->proc, err) < 0 || affinity_apply_final(s->proc, false, err) < 0)
        return -1;
    s->exe = proc_find_executable(s->proc, err);
    /* Out of the fd table before process.cwd is entered (procfs.h); back for exec.fifo. */
    return s->exe ? procfs_handle_hide(err) : -1;
}

/* The process-wide part of the last steps (process.h), shared by the init and exec. */
static int with_proc_ctx(const struct init_state *s, int (*fn)(const struct proc_ctx *, struct tr_err *),
                         struct tr_err *err)
{
    const struct proc_ctx pc = { .proc = s->proc, .caps = s->a->caps, .preserve_fds = s->a->preserve_fds,
                                 .rootless = s->a->rootless };
    return fn(&pc, err);
}

/* The seccomp filter, and its listener to the runtime (SECCOMP_FD, SECCOMP_DONE): before the
 * privileges are dropped when noNewPrivileges is false (loading needs CAP_SYS_ADMIN), after
 * PR_SET_NO_NEW_PRIVS when it is true. */
static int load_seccomp(const struct init_state *s, bool after_nnp, struct tr_err *err)
{
    if (proc_seccomp_after_nnp(s->proc) != after_nnp)
        return 0;
    return spawn_child_seccomp(s->a->sock, s->a->seccomp, err);
}

static int step_seccomp_privileged(struct init_state *s, struct tr_err *err)
{
    return load_seccomp(s, false, err);
}

static int step_drop_privileges(struct init_state *s, struct tr_err *err)
{
    return with_proc_ctx(s, proc_drop_privileges, err);
}

static int step_seccomp_nnp(struct init_state *s, struct tr_err *err)
{
    return load_seccomp(s, true, err);
}

static int step_finish_process(struct init_state *s, struct tr_err *err)
{
    return with_proc_ctx(s, proc_finish, err);
}

/* Tell the parent we are created; from here on nobody reads the channel. Before that, prove
 * that the blocking open of step_wait_start can succeed, as the process user and after the
 * root change: without a reader, a non-blocking open for writing of a fifo fails with ENXIO
 * and nothing else. Any other error must fail create, not leave a "created" container
 * whose init is already dead. */
static int step_ready(struct init_state *s, struct tr_err *err)
{
    /* Through the private procfs: the container's /proc/self/fd may be anything or nothing. */
    int fd = procfs_reopen(s->a->fifo_fd, O_WRONLY | O_NONBLOCK, err);
    if (fd >= 0)
        close(fd);
    else if (err->code != ENXIO)
        return tr_prefix(err, "open exec.fifo for writing");
    tr_err_clear(err);
    if (prctl(PR_SET_PDEATHSIG, 0) < 0)
        return tr_fail(err, errno, "prctl(PR_SET_PDEATHSIG)");
    if (spawn_send_ready(s->a->sock, err) < 0)
        return -1;
    close(s->a->sock);
    return 0;
}

/* Blocks until `start` opens exec.fifo. The byte is written only after the startContainer
 * hooks (step_report_started), and the O_CLOEXEC write end closes at execve: `start` reads the
 * byte, then waits for that end of file before it runs poststart (runtime.md, start). */
static int step_wait_start(struct init_state *s, struct tr_err *err)
{
    /* Through the private procfs: the container's /proc/self/fd may be anything (procfs.h). */
    int fd = procfs_reopen(s->a->fifo_fd, O_WRONLY, err);
    if (fd < 0)
        return tr_prefix(err, "open exec.fifo for writing");
    close(s->a->fifo_fd);
    s->start_fd = fd;
    return 0;
}

static int step_start_hooks(struct init_state *s, struct tr_err *err)
{
    if (run_child_hooks(s, OCI_HOOK_START_CONTAINER, "created", err) < 0)
        return -1;
    return security_labels_apply(s->proc, err);
}

static int step_report_started(struct init_state *s, struct tr_err *err)
{
    if (write(s->start_fd, "0", 1) != 1)
        return tr_fail(err, errno, "write exec.fifo");
    return 0;
}

struct init_step {
    const char *name;
    int (*run)(struct init_state *s, struct tr_err *err);
    bool after_ready;           /* errors can no longer go to the parent */
};

static const struct init_step init_steps[] = {
    { "enter a new time namespace", step_time_namespace, false },
    { "enter a new network namespace", step_network_namespace, false },
    { "wait for the runtime's setup (user namespace, netDevices)", step_wait_setup_first, false },
    { "join a new session keyring", step_session_keyring, false },
    { "bring up the loopback", step_loopback, false },
    { "set hostname", step_hostname, false },
    { "open a private procfs", step_private_procfs, false },
    { "apply sysctl", step_sysctl, false },
    { "wait for the runtime's setup", step_wait_setup_before_rootfs, false },
    { "prepare the rootfs", step_rootfs_prepare, false },
    { "run prestart and createRuntime hooks", step_runtime_hooks, false },
    { "run createContainer hooks", step_create_container_hooks, false },
    { "enter the rootfs", step_rootfs_finalize, false },
    { "set up the terminal", step_terminal, false },
    { "apply process attributes", step_process_attrs, false },
    { "load seccomp (before dropping privileges)", step_seccomp_privileged, false },
    { "drop privileges", step_drop_privileges, false },
    { "load seccomp (after no_new_privs)", step_seccomp_nnp, false },
    { "finish the process (umask, fds)", step_finish_process, false },
    { "report created", step_ready, false },
    { "wait for start", step_wait_start, true },
    { "run startContainer hooks", step_start_hooks, true },
    { "report started", step_report_started, true },
};

size_t init_step_count(void)
{
    return ARRAY_SIZE(init_steps);
}

const char *init_step_name(size_t i)
{
    return i < ARRAY_SIZE(init_steps) ? init_steps[i].name : NULL;
}

size_t init_run_steps(struct init_state *s, struct tr_err *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(init_steps); i++) {
        tr_trace("init", init_steps[i].name);
        if (init_steps[i].run(s, err) < 0)
            return i;
    }
    return ARRAY_SIZE(init_steps);
}

void init_report_failure(const struct init_state *s, size_t step, const struct tr_err *err)
{
    if (!init_steps[step].after_ready)
        spawn_die(s->a->sock, err);
    /* After ready nobody waits on the channel: `start` gets the error through exec.fifo
     * (anything but "0" is an error text), the container's stderr too. */
    if (s->start_fd >= 0)
        dprintf(s->start_fd, "1%s", err->msg);
    dprintf(STDERR_FILENO, "tinyrun: %s\n", err->msg);
    tr_log_error_line(err->msg);
    _exit(1);
}

void init_main(const struct init_args *a)
{
    struct init_state s = { .a = a, .proc = a->spec->process, .start_fd = -1 };
    struct tr_err err = { 0 };
    size_t failed;
    spawn_child_prologue((a->ns->new_flags & CLONE_NEWUSER) != 0);
    failed = init_run_steps(&s, &err);
    if (failed < ARRAY_SIZE(init_steps))
        init_report_failure(&s, failed, &err);
    tr_trace("init", "execve");
    proc_execve(s.exe, s.proc);
}
