/* `exec`: a new process in a running container. It joins every namespace the container has
 * (user first), its cgroup, and takes the process's own caps, rlimits and seccomp. It is made
 * non-dumpable until execve so that nothing in the container can reach the runtime through
 * /proc/<pid>/exe or its memory (CVE-2019-5736 class). */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "affinity.h"
#include "caps.h"
#include "cgroup.h"
#include "container-internal.h"
#include "keyring.h"
#include "log.h"
#include "namespaces.h"
#include "oci-state.h"
#include "procfs.h"
#include "process-setup.h"
#include "seccomp-profile.h"
#include "security.h"
#include "spawn.h"
#include "terminal.h"
#include "trace.h"
#include "util.h"

struct exec_job {
    const struct tr_exec_opts *o;
    struct tr_container c;
    struct oci_spec *spec;
    struct oci_process *file_proc;     /* from --process, owned */
    struct oci_process proc;           /* what runs: shallow, see build_process */
    char **env_owned, **caps_owned;    /* arrays this file allocated for proc */
    struct oci_capabilities caps_spec;
    struct caps_plan caps;
    struct seccomp_plan *seccomp;
    struct ns_plan ns;
    struct cgroup_mgr *cg;
    int *procs_fds; size_t procs_fds_len;   /* --ignore-paused into a paused container: the
                                              * process joins the cgroup itself (exec-join.c) */
    char *pid_file, *console_socket, *pidfd_socket;   /* absolute: joining a mount ns moves our cwd */
    struct spawn_session sp;           /* the process: pid, pidfd, channel, pty */
    bool rootless;
    const char *root;                  /* state root */
};

/* --env KEY=VAL replaces KEY from the container's env or is appended. */
static char **merge_env(char **base, size_t n, char **extra, size_t m, size_t *out_len)
{
    char **env = xzalloc((n + m + 1) * sizeof *env);
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        env[len++] = base[i];
    for (size_t i = 0; i < m; i++) {
        size_t kl = strcspn(extra[i], "=");
        size_t j;
        for (j = 0; j < len; j++)
            if (strncmp(env[j], extra[i], kl) == 0 && env[j][kl] == '=')
                break;
        env[j] = extra[i];
        if (j == len)
            len++;
    }
    *out_len = len;
    return env;
}

static char **add_caps(char **set, size_t n, char **add, size_t m, size_t *out_len)
{
    char **v = xzalloc((n + m + 1) * sizeof *v);
    memcpy(v, set, n * sizeof *v);
    memcpy(v + n, add, m * sizeof *v);
    *out_len = n + m;
    return v;
}

/* A decimal uint32: digits only (no sign, no space). */
static int parse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    if (!s[0] || !isdigit((unsigned char) s[0]) || parse_u64(s, &v) < 0 || v > UINT32_MAX)
        return -1;
    *out = (uint32_t) v;
    return 0;
}

int tr_parse_user(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid, struct tr_err *err)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char *colon = strchr(copy, ':');
    if (colon)
        *colon = '\0';
    *has_gid = colon != NULL;
    if (parse_u32(copy, uid) < 0 || (colon && parse_u32(colon + 1, gid) < 0))
        return tr_failx(err, "invalid user \"%s\": expected <uid>[:<gid>] in decimal", s);
    return 0;
}

static int parse_user(const char *s, struct oci_user *u, struct tr_err *err)
{
    uint32_t uid, gid;
    bool has_gid;
    if (tr_parse_user(s, &uid, &gid, &has_gid, err) < 0)
        return -1;
    u->uid = uid;
    if (has_gid)
        u->gid = gid;
    return 0;
}

static int build_process(struct exec_job *j, struct tr_err *err)
{
    const struct tr_exec_opts *o = j->o;
    if (o->process_file) {
        size_t len;
        _cleanup_free_ char *json = read_file(o->process_file, &len, err);
        if (!json)
            return tr_prefix(err, "--process");
        j->file_proc = oci_parse_process(json, len, o->process_file, err);
        if (!j->file_proc || oci_validate_process(j->file_proc, o->process_file, err) < 0)
            return -1;
        j->proc = *j->file_proc;
        return 0;
    }
    if (o->args_len == 0)
        return tr_failx(err, "exec: missing the command to run; usage: tinyrun exec [options] <container-id> <command> [args...]");
    j->proc = *j->spec->process;
    j->proc.args = o->args;
    j->proc.args_len = o->args_len;
    j->proc.terminal = o->tty;
    j->proc.has_console_size = false;
    if (o->cwd)
        j->proc.cwd = (char *) o->cwd;
    if (o->env_len) {
        j->env_owned = merge_env(j->proc.env, j->proc.env_len, o->env, o->env_len, &j->proc.env_len);
        j->proc.env = j->env_owned;
    }
    if (o->user && parse_user(o->user, &j->proc.user, err) < 0)
        return -1;
    if (o->additional_gids_len) {
        j->proc.user.additional_gids = o->additional_gids;
        j->proc.user.additional_gids_len = o->additional_gids_len;
    }
    if (o->no_new_privs)
        j->proc.no_new_privileges = true;
    if (o->apparmor)
        j->proc.apparmor_profile = (char *) o->apparmor;
    bool label;
    if (selinux_label_check("--process-label", o->process_label, &label, err) < 0)
        return -1;
    if (label)
        j->proc.selinux_label = (char *) o->process_label;
    if (o->add_caps_len && j->proc.capabilities) {
        struct oci_capabilities *c = &j->caps_spec;
        *c = *j->proc.capabilities;
        /* runc adds --cap to bounding, effective and permitted. */
        c->bounding = add_caps(c->bounding, c->bounding_len, o->add_caps, o->add_caps_len, &c->bounding_len);
        c->effective = add_caps(c->effective, c->effective_len, o->add_caps, o->add_caps_len, &c->effective_len);
        c->permitted = add_caps(c->permitted, c->permitted_len, o->add_caps, o->add_caps_len, &c->permitted_len);
        j->proc.capabilities = c;
    }
    return 0;
}

static int open_container_namespaces(struct exec_job *j, struct tr_err *err)
{
    memset(&j->ns, 0, sizeof j->ns);
    for (int t = 0; t < OCI_NS__COUNT; t++)
        j->ns.join_fd[t] = j->ns.own_fd[t] = -1;
    for (int t = 0; t < OCI_NS__COUNT; t++) {
        char path[64];
        if (!oci_find_namespace(j->spec, (enum oci_ns_type) t))
            continue;
        /* the init's own time namespace is the host's until it execs (timens.h); its
         * children's is the container's */
        const struct ns_proc_name *n = &ns_proc_names[t];
        snprintf(path, sizeof path, "/proc/%d/ns/%s", (int) j->c.runstate->pid,
                 t == OCI_NS_TIME ? n->for_children : n->self);
        j->ns.has[t] = true;
        j->ns.join_fd[t] = open(path, O_RDONLY | O_CLOEXEC);
        if (j->ns.join_fd[t] < 0)
            return tr_fail(err, errno, "open %s", path);
    }
    return 0;
}

static char *absolute(const char *p)
{
    char cwd[PATH_MAX];
    if (!p)
        return NULL;
    if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
        return xstrdup(p);
    return xasprintf("%s/%s", cwd, p);
}

static int prepare(struct exec_job *j, struct tr_err *err)
{
    enum tr_status st;
    const struct oci_linux *l;
    st = state_status(&j->c);
    if (st == TR_PAUSED && !j->o->ignore_paused)
        return tr_failx(err, "cannot exec in container %s: it is paused (resume it, or use --ignore-paused)", j->c.id);
    if (st != TR_RUNNING && st != TR_CREATED && st != TR_PAUSED)
        return tr_failx(err, "cannot exec in container %s: it is %s", j->c.id, tr_status_name(st));
    j->spec = state_load_spec(&j->c, err);
    if (!j->spec || build_process(j, err) < 0 || security_validate_process(&j->proc, err) < 0)
        return -1;
    l = j->spec->linux_;
    if (j->proc.terminal && !j->o->console_socket && j->o->detach)
        return tr_failx(err, "exec: --tty with --detach needs --console-socket");
    if (caps_plan_from_spec(j->proc.capabilities, "process.capabilities", &j->caps, err) < 0)
        return -1;
    if (l && l->seccomp) {
        _cleanup_free_ char *cache = xasprintf("%s/.seccomp-cache", j->root);
        seccomp_set_cache_dir(cache);
    }
    if (seccomp_compile(l ? l->seccomp : NULL, "linux.seccomp", &j->seccomp, err) < 0)
        return -1;
    if (j->c.runstate->cgroup && !(j->cg = cgroup_load(j->c.runstate->cgroup, err)))
        return -1;
    if (j->o->cgroups_len && !j->cg)
        return tr_failx(err, "exec --cgroup: container %s has no cgroup", j->c.id);
    if (j->cg && cgroup_select_sub(j->cg, j->o->cgroups, j->o->cgroups_len, err) < 0)
        return -1;
    if (st == TR_PAUSED && cgroup_procs_fds(j->cg, &j->procs_fds, &j->procs_fds_len, err) < 0)
        return -1;
    j->pid_file = absolute(j->o->pid_file);
    j->console_socket = absolute(j->o->console_socket);
    j->pidfd_socket = absolute(j->o->pidfd_socket);
    j->sp.console_socket = j->console_socket;
    j->sp.who = "exec process";
    if (open_container_namespaces(j, err) < 0)
        return -1;
    return spawn_session_open(&j->sp, err);
}

/* --ignore-paused, past READY: into the frozen cgroup last, where the process stops before it
 * runs anything of its own; the runtime checks that it got there (joined_paused_cgroup). */
static void join_paused_cgroup(struct exec_job *j)
{
    for (size_t i = 0; i < j->procs_fds_len; i++) {
        if (write(j->procs_fds[i], "0", 1) != 1) {
            char msg[160];
            snprintf(msg, sizeof msg, "tinyrun: exec --ignore-paused: join the container's cgroup: %s\n",
                     strerror(errno));
            (void) !write(STDERR_FILENO, msg, strlen(msg));
            _exit(255);
        }
    }
}

static int child_steps(struct exec_job *j, struct tr_err *err)
{
    struct spawn_setup_msg m;
    int sock = j->sp.sock[1];
    struct proc_ctx pc = { .proc = &j->proc, .caps = &j->caps, .preserve_fds = j->o->preserve_fds,
                           .rootless = j->rootless };
    bool late = proc_seccomp_after_nnp(&j->proc);
    _cleanup_free_ char *exe = NULL;
    /* Before the user namespace: this non-dumpable process's /proc files belong to the host
     * root, whom a container root is not (and as runc's nsexec does it, before the join). */
    if (oom_score_adj_apply(0, &j->proc, err) < 0)
        return -1;
    tr_trace("exec", "join the user namespace, wait for setup");
    if (ns_child_join_user(&j->ns, err) < 0)
        return -1;
    if (spawn_recv_setup(sock, &m, err) < 0)
        return -1;
    if (!m.setup_done) {
        close(m.fd);
        return tr_failx(err, "spawn channel: expected SETUP_DONE, got MOUNT_SOURCE");
    }
    /* as runc's setns init: the container's keyring by its name, not the caller's */
    if (!j->c.runstate->no_new_keyring && keyring_join_session(j->c.id, j->ns.has[OCI_NS_USER], err) < 0)
        return -1;
    if (j->proc.terminal) {
        _cleanup_free_ char *slave = NULL;
        int master = pty_open(&slave, err);
        if (master < 0)
            return tr_prefix(err, "exec --tty");
        /* Sized before anything runs on it: a --process file's consoleSize (as runc), or
         * in the foreground the caller's terminal, still our stdio here (the relay then
         * keeps it up to date). */
        if (j->proc.has_console_size &&
            pty_set_size(master, j->proc.console_size.height, j->proc.console_size.width, err) < 0)
            return tr_prefix(err, "process.consoleSize");
        if (!j->proc.has_console_size && !j->console_socket)
            pty_copy_caller_size(master);
        if (pty_make_controlling(slave, err) < 0 || pty_chown_slave(slave, j->proc.user.uid, err) < 0)
            return tr_prefix(err, "exec --tty");
        if (spawn_send_pty_master(sock, master, slave, err) < 0)
            return -1;
        close(master);
    }
    /* the private procfs out of the fd table before --cwd is entered (procfs.h) */
    tr_trace("exec", "rlimits, find the program, seccomp, privileges");
    if (proc_apply_rlimits(&j->proc, err) < 0 || process_sched_apply(j->spec, &j->proc, err) < 0 ||
        affinity_apply_final(&j->proc, true, err) < 0 || procfs_handle_hide(err) < 0)
        return -1;
    if (!(exe = proc_find_executable(&j->proc, err)))
        return -1;
    /* the same steps as the init's (init.c): seccomp before or after the privileges */
    if ((!late && spawn_child_seccomp(sock, j->seccomp, err) < 0) || proc_drop_privileges(&pc, err) < 0 ||
        (late && spawn_child_seccomp(sock, j->seccomp, err) < 0) || proc_finish(&pc, err) < 0 ||
        security_labels_apply(&j->proc, err) < 0)
        return -1;
    /* With --detach the runtime exits right after READY: the process must outlive it. */
    if (prctl(PR_SET_PDEATHSIG, 0) < 0)
        return tr_fail(err, errno, "prctl(PR_SET_PDEATHSIG)");
    if (spawn_send_ready(sock, err) < 0)
        return -1;
    join_paused_cgroup(j);
    tr_trace("exec", "execve");
    proc_execve(exe, &j->proc);
}

static __attribute__((noreturn)) void run_child(struct exec_job *j)
{
    struct tr_err err = { 0 };
    spawn_child_prologue(false);
    close(j->c.dirfd);
    child_steps(j, &err);
    spawn_die(j->sp.sock[1], &err);
}

static int spawn(struct exec_job *j, struct tr_err *err)
{
    bool self_join = j->procs_fds_len > 0;
    int leaf = j->cg && !self_join ? cgroup_leaf_fd(j->cg) : -1;
    /* Opened here, in the runtime's mount namespace, and inherited: the child is born in the
     * container's, whose /proc must never take the runtime's writes (procfs.h). */
    if (process_needs_procfs(&j->proc) && procfs_handle(err) < 0)
        return tr_prefix(err, "exec: open the runtime's private procfs");
    cpu_set_t own;
    bool initial;
    if (affinity_enter_initial(&j->proc, &own, &initial, err) < 0)
        return -1;
    int rc = spawn_session_clone(&j->sp, &j->ns, leaf, err);
    if (j->sp.pid == 0)
        run_child(j);
    affinity_restore(&own, initial);
    if (rc < 0)
        return -1;
    procfs_handle_drop();   /* the child has it */
    if (j->cg && !self_join && !j->sp.into_cgroup && cgroup_enter(j->cg, j->sp.pid, err) < 0) {
        /* Rootless on v2: moving a process needs write access to the common ancestor's
         * cgroup.procs, which a user session often lacks. The process still runs in every
         * namespace of the container, as with crun; only its accounting is elsewhere. */
        if (!j->rootless || (err->code != EACCES && err->code != EPERM && err->code != EROFS))
            return tr_prefix(err, "exec: join the container's cgroup");
        tr_warn("exec: cannot join the container's cgroup (%s); the process stays in the caller's", err->msg);
        tr_err_clear(err);
    }
    return spawn_send_setup_done(&j->sp, err);
}

/* SECCOMP_FD: the listener goes to the agent with the state of the new process. */
static int on_seccomp_listener(void *ctx, int fd, struct tr_err *err)
{
    struct exec_job *j = ctx;
    struct oci_state st = oci_state_of(j->spec, j->c.id, j->c.runstate->bundle, "running", j->c.runstate->pid);
    st.process_pid = j->sp.pid;
    return spawn_hand_over_listener(j->spec->linux_->seccomp, &st, fd, "", err);
}

/* The wait for READY ended without it: name the cause (exit, signal, silence). */
static int exec_wait_failed(void *ctx, uint32_t awaited, int timeout_ms, struct tr_err *err)
{
    struct exec_job *j = ctx;
    char cause[128];
    if (err->code == ETIMEDOUT) {
        tr_failx(err, "exec process (pid %d) sent no READY within %d s and was killed: %s", (int) j->sp.pid,
                 SPAWN_STEP_TIMEOUT_S, spawn_proc_state(j->sp.pid) == 'T' ? "it was stopped by a signal"
                 : "is the container's cgroup frozen (paused by hand, freezer.state or cgroup.freeze)?");
        err->code = ETIMEDOUT;
        return -1;
    }
    if (err->code == EPIPE && spawn_exit_cause(j->sp.pid, j->sp.pidfd, cause, sizeof cause) >= 0)
        return tr_failx(err, "exec process (pid %d) %s before sending READY", (int) j->sp.pid, cause);
    return tr_prefix(err, "exec process");
}

static int converse(struct exec_job *j, struct tr_err *err)
{
    const struct spawn_handlers h = {
        .ctx = j, .seccomp_listener = on_seccomp_listener, .wait_failed = exec_wait_failed,
    };
    return spawn_session_converse(&j->sp, &h, err);
}

static int wait_exit(struct exec_job *j, const sigset_t *set, int *exit_code, struct tr_err *err)
{
    if (j->sp.pty_master >= 0 && tty_relay_forward(j->sp.pty_master, j->sp.pidfd, j->sp.pidfd, set, err) < 0)
        tr_warn("terminal relay: %s", err->msg);
    return wait_forwarding(j->sp.pid, j->sp.pidfd, set, exit_code, err);
}

/* After READY of an --ignore-paused process: it is in the container's cgroup within a bounded
 * time (it writes there right after READY), or it died trying. */
static int joined_paused_cgroup(struct exec_job *j, struct tr_err *err)
{
    for (int tries = 0; tries < SPAWN_STEP_TIMEOUT_S * 100; tries++) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (cgroup_pids(j->cg, &pids, &n, err) < 0)
            return tr_prefix(err, "exec --ignore-paused");
        for (size_t i = 0; i < n; i++)
            if (pids[i] == j->sp.pid)
                return 0;
        if (spawn_proc_state(j->sp.pid) == 'Z' || kill(j->sp.pid, 0) < 0)
            return tr_failx(err, "exec --ignore-paused: the process (pid %d) died before joining the paused container's cgroup",
                            (int) j->sp.pid);
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return tr_failx(err, "exec --ignore-paused: the process (pid %d) did not join the container's cgroup within %d s",
                    (int) j->sp.pid, SPAWN_STEP_TIMEOUT_S);
}

static void release(struct exec_job *j)
{
    for (size_t i = 0; i < j->procs_fds_len; i++)
        close(j->procs_fds[i]);
    free(j->procs_fds);
    spawn_session_close(&j->sp);
    ns_plan_close(&j->ns);
    seccomp_plan_free(j->seccomp);
    cgroup_free(j->cg);
    oci_process_free(j->file_proc);
    oci_free(j->spec);
    free(j->env_owned);
    free(j->caps_spec.bounding);
    free(j->caps_spec.effective);
    free(j->caps_spec.permitted);
    free(j->pid_file);
    free(j->console_socket);
    free(j->pidfd_socket);
    state_close(&j->c);
}

int tr_exec(const struct tr_ctx *ctx, const struct tr_exec_opts *o, int *exit_code, struct tr_err *err)
{
    struct exec_job j = { .o = o };
    sigset_t set, old;
    bool blocked = false;
    int rc;
    *exit_code = 0;
    spawn_session_init(&j.sp);
    j.rootless = tr_is_rootless(ctx);
    j.root = tr_state_root(ctx);
    forwardable_signals(&set);
    if (state_open(tr_state_root(ctx), o->id, false, &j.c, err) < 0)
        return -1;
    if (!j.c.runstate) {
        state_close(&j.c);
        return tr_failx(err, "cannot exec in container %s: it is still being created", o->id);
    }
    tr_trace("runtime", "prepare: process, namespaces, cgroup");
    rc = prepare(&j, err);
    tr_trace("runtime", "clone and answer the process");
    if (rc == 0 && !o->detach)
        blocked = sigprocmask(SIG_BLOCK, &set, &old) == 0;
    if (rc == 0)
        rc = spawn(&j, err);
    if (rc == 0)
        rc = converse(&j, err);
    if (rc == 0 && j.procs_fds_len)
        rc = joined_paused_cgroup(&j, err);
    if (rc == 0 && j.pid_file) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%d", (int) j.sp.pid);
        if ((rc = write_file_atomic(j.pid_file, buf, (size_t) n, 0644, err)) < 0)
            tr_prefix(err, "--pid-file");
    }
    if (rc == 0 && j.pidfd_socket)
        rc = unix_socket_send_fd("pidfd socket", "--pidfd-socket", j.pidfd_socket, j.sp.pidfd, "pidfd", err);
    /* a failed exec leaves no process behind: not even one whose pid file could not be
     * written (as runc), since the caller will never learn its pid */
    if (rc < 0 && j.sp.pid > 0 && spawn_kill_and_reap(j.sp.pid, j.sp.pidfd) < 0)
        /* In a frozen cgroup it dies when the container is thawed; never thaw it behind the
         * user's back. */
        tr_warn("exec: the failed process (pid %d) did not die within %d s of SIGKILL", (int) j.sp.pid,
                SPAWN_STEP_TIMEOUT_S);
    tr_trace("runtime", "wait for the process to exit");
    if (rc == 0 && !o->detach)
        rc = wait_exit(&j, &set, exit_code, err);
    if (blocked)
        sigprocmask(SIG_SETMASK, &old, NULL);
    release(&j);
    return rc;
}
