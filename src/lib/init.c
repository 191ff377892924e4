#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "hooks.h"
#include "init.h"
#include "log.h"
#include "netdev.h"
#include "procfs.h"
#include "process.h"
#include "rootfs.h"
#include "security.h"
#include "spawn.h"
#include "terminal.h"
#include "util.h"

struct init_state {
    const struct init_args *a;
    const struct oci_process *proc;
    int host_pid;               /* our pid as the runtime sees it (for hook state JSON) */
    char *exe;                  /* resolved process.args[0] */
    int start_fd;               /* exec.fifo write end once `start` opened it; closes at execve */
    pid_t fifo_opener;          /* > 0: the helper that opens exec.fifo (no /proc) */
};

static char *state_json(struct init_state *s, const char *status, struct tr_err *err)
{
    const struct oci_spec *spec = s->a->spec;
    struct oci_state st = {
        .oci_version = spec->oci_version, .id = s->a->id, .status = status, .pid = s->host_pid,
        .bundle = s->a->bundle, .annotations = spec->annotations, .annotations_len = spec->annotations_len,
    };
    return oci_state_to_json(&st, false, err);
}

static int step_wait_setup(struct init_state *s, struct tr_err *err)
{
    struct chan_msg m;
    int fd;
    /* bind sources the runtime cloned for us (mount-sources.c) come first */
    if (s->a->ns->has[OCI_NS_USER] && s->a->mount_sources)
        mount_sources_expect(s->a->mount_sources, s->a->spec->mounts_len);
    for (;;) {
        int type = chan_expect_either(s->a->sock, MSG_SETUP_DONE, MSG_MOUNT_SOURCE, &m, &fd, err);
        if (type < 0)
            return -1;
        if (type == MSG_SETUP_DONE)
            break;
        if (fd < 0 || m.value < 0 || mount_sources_put(s->a->mount_sources, (size_t) m.value, fd) < 0)
            return tr_failx(err, "spawn channel: MOUNT_SOURCE for mounts[%d] without a usable fd", (int) m.value);
    }
    if (fd >= 0)
        close(fd);
    s->host_pid = m.value;
    /* Become root of a new user namespace now that the maps exist. */
    if (s->a->ns->new_flags & CLONE_NEWUSER) {
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            return tr_fail(err, errno, "linux.uidMappings: become uid 0 in the new user namespace (is 0 mapped?)");
    }
    return ns_child_join_user(s->a->ns, err);
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
    if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
        return tr_fail(err, errno, "hostname: sethostname \"%s\"", spec->hostname);
    if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
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
    struct chan_msg m;
    if (chan_send(s->a->sock, MSG_RUN_HOOKS, 0, NULL, -1, err) < 0)
        return -1;
    return chan_expect(s->a->sock, MSG_HOOKS_DONE, &m, NULL, err);
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
        if (chroot(s->a->rootfs) < 0 || chdir("/") < 0)
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
    return chan_send(s->a->sock, MSG_PTY_MASTER, 0, slave, master, err);
}

/* Before the rootfs exists, while /proc is still the runtime's: a private procfs for every
 * /proc write (procfs.h), and oomScoreAdj written at once (as runc's nsexec does), so that
 * nothing the image, the mounts or a hook put at the container's /proc can take the write. */
static int step_private_procfs(struct init_state *s, struct tr_err *err)
{
    if (procfs_handle(err) < 0)
        return tr_prefix(err, "open the runtime's private procfs");
    return oom_score_adj_apply(s->proc, err);
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
    if (process_sched_apply(s->a->spec, s->proc, err) < 0)
        return -1;
    s->exe = proc_find_executable(s->proc, err);
    /* Out of the fd table before process.cwd is entered (procfs.h); back for exec.fifo. */
    return s->exe ? procfs_handle_hide(err) : -1;
}

static int step_drop_privileges(struct init_state *s, struct tr_err *err)
{
    const struct init_args *a = s->a;
    struct proc_ctx pc = {
        .proc = s->proc, .caps = a->caps, .seccomp = a->seccomp, .sock = a->sock,
        .preserve_fds = a->preserve_fds, .rootless = a->rootless,
    };
    return proc_drop_privileges(&pc, err);
}

/* Without /proc in the container the O_PATH fifo_fd cannot be reopened for writing, and no
 * fd of a directory outside the root may stay in the init while it resolves paths the config
 * names (process.cwd = /proc/self/fd/N: CVE-2024-21626). So a helper sharing the init's fd
 * table (CLONE_FILES, not CLONE_FS) takes the state dir as its cwd, closes the dir fd for
 * both, stops until the init saw that, then blocks opening exec.fifo for writing. The fd it
 * gets lands in the shared table; its exit status is that fd's number. */
static __attribute__((noreturn)) void fifo_opener_main(int dirfd)
{
    int fd;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (fchdir(dirfd) < 0)
        _exit(255);
    close(dirfd);
    raise(SIGSTOP);
    do
        fd = open("exec.fifo", O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    _exit(fd >= 0 && fd < 255 ? fd : 255);
}

static int step_fifo_opener(struct init_state *s, struct tr_err *err)
{
    int st;
    pid_t pid;
    if (s->a->fifo_dirfd < 0)
        return 0;
    pid = (pid_t) syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0)
        return tr_fail(err, errno, "clone the exec.fifo opener");
    if (pid == 0)
        fifo_opener_main(s->a->fifo_dirfd);
    s->fifo_opener = pid;
    while (waitpid(pid, &st, WUNTRACED) < 0)
        if (errno != EINTR)
            return tr_fail(err, errno, "wait for the exec.fifo opener");
    if (!WIFSTOPPED(st))
        return tr_failx(err, "the exec.fifo opener could not enter the state dir");
    kill(pid, SIGCONT);
    return 0;
}

/* Tell the parent we are created; from here on nobody reads the channel. Before that, prove
 * that the blocking open of step_wait_start can succeed, as the process user and after the
 * root change: without a reader, a non-blocking open for writing of a fifo fails with ENXIO
 * and nothing else. Any other error must fail create, not leave a "created" container
 * whose init is already dead. */
static int step_ready(struct init_state *s, struct tr_err *err)
{
    char path[64];
    int fd;
    snprintf(path, sizeof path, "/proc/self/fd/%d", s->a->fifo_fd);
    fd = s->fifo_opener > 0 ? -2 : open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    else if (fd == -1 && errno != ENXIO)
        return tr_fail(err, errno, "open exec.fifo for writing (through /proc/self/fd)");
    if (prctl(PR_SET_PDEATHSIG, 0) < 0)
        return tr_fail(err, errno, "prctl(PR_SET_PDEATHSIG)");
    if (chan_send(s->a->sock, MSG_READY, 0, NULL, -1, err) < 0)
        return -1;
    close(s->a->sock);
    return 0;
}

/* Blocks until `start` opens exec.fifo. The byte is written only after the startContainer
 * hooks (step_report_started), and the O_CLOEXEC write end closes at execve: `start` reads the
 * byte, then waits for that end of file before it runs poststart (runtime.md, start). */
static int step_wait_start(struct init_state *s, struct tr_err *err)
{
    int fd, st;
    if (s->fifo_opener > 0) {
        while (waitpid(s->fifo_opener, &st, 0) < 0)
            if (errno != EINTR)
                return tr_fail(err, errno, "wait for the exec.fifo opener");
        if (!WIFEXITED(st) || WEXITSTATUS(st) == 255)
            return tr_failx(err, "open exec.fifo for writing: the opener failed");
        fd = WEXITSTATUS(st);
    } else {
        /* Through the private procfs: the container's /proc/self/fd may be anything (procfs.h). */
        fd = procfs_reopen(s->a->fifo_fd, O_WRONLY, err);
        if (fd < 0)
            return tr_prefix(err, "open exec.fifo for writing");
    }
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
    { "wait for the runtime's setup", step_wait_setup, false },
    { "bring up the loopback", step_loopback, false },
    { "start the exec.fifo opener", step_fifo_opener, false },
    { "set hostname", step_hostname, false },
    { "open a private procfs", step_private_procfs, false },
    { "apply sysctl", step_sysctl, false },
    { "prepare the rootfs", step_rootfs_prepare, false },
    { "run prestart and createRuntime hooks", step_runtime_hooks, false },
    { "run createContainer hooks", step_create_container_hooks, false },
    { "enter the rootfs", step_rootfs_finalize, false },
    { "set up the terminal", step_terminal, false },
    { "apply process attributes", step_process_attrs, false },
    { "drop privileges", step_drop_privileges, false },
    { "report created", step_ready, false },
    { "wait for start", step_wait_start, true },
    { "run startContainer hooks", step_start_hooks, true },
    { "report started", step_report_started, true },
};

void init_main(const struct init_args *a)
{
    struct init_state s = { .a = a, .proc = a->spec->process, .start_fd = -1 };
    struct tr_err err = { 0 };
    sigset_t none;
    /* `run` blocks the signals it forwards; the container starts with none blocked. */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* If the runtime dies before the container is created, so does the container. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* Until execve nothing else may read our memory or /proc/<pid>/exe (the runtime binary):
     * in a shared pid namespace other container processes can see us (CVE-2019-5736 class). */
    prctl(PR_SET_DUMPABLE, 0);
    tr_log_quiet_stderr();
    for (size_t i = 0; i < ARRAY_SIZE(init_steps); i++) {
        if (init_steps[i].run(&s, &err) == 0)
            continue;
        if (!init_steps[i].after_ready)
            chan_die(a->sock, &err);
        /* After ready nobody waits on the channel: `start` gets the error through exec.fifo
         * (anything but "0" is an error text), the container's stderr too. */
        if (s.start_fd >= 0)
            dprintf(s.start_fd, "1%s", err.msg);
        dprintf(STDERR_FILENO, "tinyrun: %s\n", err.msg);
        tr_log_error_line(err.msg);
        _exit(1);
    }
    proc_execve(s.exe, s.proc);
}
