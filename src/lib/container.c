/* Host-side lifecycle: start, state, kill, delete, list, and the state JSON the hooks get. create
 * is create.c (handlers of the spawn session, spawn.c), its child side init.c; run is run.c;
 * exec is exec.c; the cgroup verbs are ops.c; one container's live details container-info.c. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "cgroup.h"
#include "container-internal.h"
#include "hooks.h"
#include "namespaces.h"
#include "spawn.h"
#include "log.h"
#include "netdevices.h"
#include "oci-state.h"
#include "resctrl.h"
#include "util.h"

/* As runc 1.1.5 (shouldHonorXDGRuntimeDir): a user, and root of a non-initial user namespace
 * (unshare --map-root-user, RootlessKit), cannot write /run; real root keeps /run/tinyrun even
 * with XDG_RUNTIME_DIR=/run/user/0 set, and so does USER=root in a user namespace (sudo there).
 * --rootless does not enter into it: it is about cgroup errors, as in runc. */
static bool honor_xdg_runtime_dir(void)
{
    if (geteuid() != 0)
        return true;
    if (!ns_in_child_userns())
        return false;
    const char *user = getenv("USER");
    return !user || !streq(user, "root");
}

const char *tr_state_root(const struct tr_ctx *ctx)
{
    static char buf[4096];
    const char *xdg;
    if (ctx->root && *ctx->root)
        return ctx->root;
    if ((xdg = getenv("XDG_RUNTIME_DIR")) && *xdg && honor_xdg_runtime_dir()) {
        snprintf(buf, sizeof buf, "%s/tinyrun", xdg);
        return buf;
    }
    return "/run/tinyrun";
}

bool tr_is_rootless(const struct tr_ctx *ctx)
{
    if (ctx->rootless >= 0)
        return ctx->rootless == 1;
    return geteuid() != 0 || ns_in_child_userns();
}

/* The state dir's owner, as runc names a container's owner (its state dir's uid): the name is
 * looked up when asked for (state, list), not at every create. Read from /etc/passwd, as runc's
 * user package does, not getpwuid: that needs glibc's NSS modules at run time, which a static
 * binary cannot load safely. NIS compat lines (+name, -name) name no user. */
static char *owner_of(const char *dir)
{
    struct stat st;
    struct passwd *pw;
    _cleanup_fclose_ FILE *f = NULL;
    if (stat(dir, &st) < 0)
        return xstrdup("");
    if ((f = fopen("/etc/passwd", "re")))
        while ((pw = fgetpwent(f)))
            if (pw->pw_uid == st.st_uid && pw->pw_name[0] && !strchr("+-", pw->pw_name[0]))
                return xstrdup(pw->pw_name);
    return xasprintf("#%u", (unsigned) st.st_uid);
}

char *container_state_json(struct tr_container *c, const struct oci_spec *spec, const char *status,
                           bool pretty, bool extras, struct tr_err *err)
{
    struct oci_state st = oci_state_of(spec, c->id, c->runstate ? c->runstate->bundle : NULL, status,
                                       c->runstate && !streq(status, "stopped") ? c->runstate->pid : 0);
    _cleanup_free_ char *owner = NULL;
    if (extras && c->runstate) {
        st.rootfs = c->runstate->rootfs;
        st.created = c->runstate->created;
        st.owner = owner = owner_of(c->dir);
    }
    return oci_state_to_json(&st, pretty, err);
}

void container_run_hooks_warn(struct tr_container *c, const struct oci_spec *spec, enum oci_hook_kind kind,
                              const char *status)
{
    struct tr_err err;
    _cleanup_free_ char *json = NULL;
    if (!spec || spec->hooks.len[kind] == 0)
        return;
    json = container_state_json(c, spec, status, false, false, &err);
    if (!json) {
        tr_warn("%s hooks: %s", oci_hook_kind_name(kind), err.msg);
        return;
    }
    hooks_run_warn(spec->hooks.list[kind], spec->hooks.len[kind], kind, json);
}

/* ---- start ---------------------------------------------------------------------------- */

/* Both waits of start are bounded: the init's exit (pidfd) or a timeout end them too.
 * Returns 0 when the fifo has something (data or end of file), 1 when the init exited. */
static int wait_fifo(struct tr_container *c, int fifo, int pidfd, int timeout_ms, const char *awaited,
                     struct tr_err *err)
{
    struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
    for (;;) {
        int n = poll(p, 2, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tr_fail(err, errno, "poll exec.fifo");
        if (n == 0)
            return tr_failx(err, "container %s: the init (pid %d) did not %s within %d s; it is left as it is "
                            "(is its cgroup frozen? is it stopped?): `delete --force` removes it",
                            c->id, (int) c->runstate->pid, awaited, timeout_ms / 1000);
        /* An init that wrote and exec'd a process that exits at once fires both; its byte may
         * land between poll's two checks, so the read decides, not revents. */
        if (p[0].revents & (POLLIN | POLLHUP))
            return 0;
        if (p[1].revents)
            return 1;
    }
}

/* After the init's "0" (startContainer hooks done), its write end closes at execve: read to
 * the end of file, so that poststart runs once the process has started. Anything else than
 * "0" is the init's error text. */
static int wait_init_started(struct tr_container *c, int fifo, int pidfd, char first, struct tr_err *err)
{
    char buf[sizeof err->msg];
    size_t len = 0;
    for (;;) {
        int w = wait_fifo(c, fifo, pidfd, SPAWN_STEP_TIMEOUT_S * 1000, "exec the process", err);
        ssize_t n;
        if (w < 0)
            return -1;
        n = read(fifo, buf + len, first == '0' ? sizeof buf : sizeof buf - 1 - len);
        if (n == 0 || (n < 0 && errno == EAGAIN && w == 1))
            break;
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            return tr_fail(err, errno, "read %s/exec.fifo", c->dir);
        if (n > 0 && first != '0')
            len += (size_t) n;
        if (len == sizeof buf - 1)
            break;
    }
    if (first == '0')
        return 0;
    buf[len] = '\0';
    return tr_failx(err, "container %s: %s", c->id, len ? buf : "the init process failed before its process started");
}

/* The startContainer hooks run in the init before its byte: their timeouts add to the wait;
 * one without a timeout lifts the bound (only the init's exit ends it). */
static int first_byte_timeout_ms(const struct oci_spec *spec)
{
    long long ms = SPAWN_STEP_TIMEOUT_S * 1000LL;
    for (size_t i = 0; spec && i < spec->hooks.len[OCI_HOOK_START_CONTAINER]; i++) {
        const struct oci_hook *k = &spec->hooks.list[OCI_HOOK_START_CONTAINER][i];
        if (!k->has_timeout || k->timeout <= 0)
            return -1;
        ms += k->timeout * 1000LL;
    }
    return ms > INT_MAX ? -1 : (int) ms;
}

/* Opens exec.fifo for reading (which lets the init's blocked open for writing return), then
 * waits for its byte, or for the init to die. */
static int release_init(struct tr_container *c, const struct oci_spec *spec, struct tr_err *err)
{
    /* The pidfd first: opening the fifo lets the init go on, and a process that exits at once
     * may be reaped before a later pidfd_open could find it. */
    _cleanup_close_ int pidfd = state_open_pidfd(c);
    if (pidfd < 0)
        return tr_failx(err, "container %s: the init process exited before start", c->id);
    _cleanup_close_ int fifo = openat(c->dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo < 0)
        return tr_fail(err, errno, "open %s/exec.fifo", c->dir);
    char first;
    if (wait_fifo(c, fifo, pidfd, first_byte_timeout_ms(spec), "run its startContainer hooks and report", err) < 0)
        return -1;
    if (read(fifo, &first, 1) != 1)
        return tr_failx(err, "container %s: the init process exited before start", c->id);
    /* The init reads nothing more from the fifo: it is done with it either way. */
    if (unlinkat(c->dirfd, "exec.fifo", 0) < 0)
        return tr_fail(err, errno, "remove %s/exec.fifo", c->dir);
    return wait_init_started(c, fifo, pidfd, first, err);
}

static int kill_and_wait(struct tr_container *c, struct cgroup_mgr *m, struct tr_err *err);

/* runtime-spec 1.3 (runtime.md, lifecycle step 9): a failing poststart hook is an error and
 * the container is stopped; poststop then runs at delete, as after a failing startContainer
 * hook (`run` deletes at once). Before 1.3 it was a warning, and the runtime-tools validation
 * suite for those versions expects start to succeed: the config's ociVersion decides. */
static int run_poststart(struct tr_container *c, const struct oci_spec *spec, struct tr_err *err)
{
    const struct oci_hooks *h = &spec->hooks;
    _cleanup_free_ char *json = NULL;
    struct tr_err e2;
    if (!oci_version_at_least(spec, 1, 3)) {
        container_run_hooks_warn(c, spec, OCI_HOOK_POSTSTART, "running");
        return 0;
    }
    if (h->len[OCI_HOOK_POSTSTART] == 0)
        return 0;
    json = container_state_json(c, spec, "running", false, false, err);
    if (json && hooks_run(h->list[OCI_HOOK_POSTSTART], h->len[OCI_HOOK_POSTSTART], OCI_HOOK_POSTSTART, json,
                          err) == 0)
        return 0;
    struct cgroup_mgr *m = c->runstate && c->runstate->cgroup ? cgroup_load(c->runstate->cgroup, &e2) : NULL;
    kill_and_wait(c, m, &e2);
    cgroup_free(m);
    return tr_prefix(err, "container %s stopped (ociVersion %s: a failed poststart hook stops the container)",
                     c->id, spec->oci_version);
}

int container_start_locked(struct tr_container *c, const struct oci_spec *held, struct tr_err *err)
{
    enum tr_status st = state_status(c);
    struct oci_spec *loaded = NULL;
    const struct oci_spec *spec = held;
    struct tr_err spec_err;
    int rc;
    if (st != TR_CREATED)
        return tr_failx(err, "cannot start container %s: it is %s, not created", c->id, tr_status_name(st));
    /* Before the release: the startContainer hooks' timeouts bound the wait. */
    if (!spec)
        spec = loaded = state_load_spec(c, &spec_err);
    rc = release_init(c, spec, err);
    if (rc == 0 && !spec) {
        *err = spec_err;
        rc = tr_prefix(err, "container %s started, but poststart hooks cannot run", c->id);
    } else if (rc == 0) {
        rc = run_poststart(c, spec, err);
    }
    oci_free(loaded);
    return rc;
}

int tr_start(const struct tr_ctx *ctx, const char *id, struct tr_err *err)
{
    struct tr_container c;
    int rc;
    if (state_open(tr_state_root(ctx), id, true, &c, err) < 0)
        return -1;
    rc = container_start_locked(&c, NULL, err);
    state_close(&c);
    return rc;
}

/* ---- state, list ---------------------------------------------------------------------- */

char *tr_state_json(const struct tr_ctx *ctx, const char *id, struct tr_err *err)
{
    struct tr_container c;
    struct oci_spec *spec = NULL;
    struct tr_err ignore;
    char *json;
    if (state_open(tr_state_root(ctx), id, false, &c, err) < 0)
        return NULL;
    if (c.runstate)
        spec = state_load_spec(&c, &ignore);
    json = container_state_json(&c, spec, tr_status_name(state_status(&c)), true, true, err);
    oci_free(spec);
    state_close(&c);
    return json;
}

static int list_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct tr_list_entry *) a)->id, ((const struct tr_list_entry *) b)->id);
}

int tr_list(const struct tr_ctx *ctx, struct tr_list_entry **out, size_t *n, struct tr_err *err)
{
    const char *root = tr_state_root(ctx);
    DIR *d = opendir(root);
    struct dirent *de;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    if (!d)
        return errno == ENOENT ? 0 : tr_fail(err, errno, "open the state root %s", root);
    while ((de = readdir(d))) {
        struct tr_container c;
        struct tr_err ignore;
        struct tr_list_entry *e;
        if (de->d_name[0] == '.' || state_open(root, de->d_name, false, &c, &ignore) < 0)
            continue;
        if (*n == cap)
            *out = xrealloc(*out, (cap = cap ? cap * 2 : 8) * sizeof **out);
        e = &(*out)[(*n)++];
        memset(e, 0, sizeof *e);
        e->id = xstrdup(c.id);
        e->status = xstrdup(tr_status_name(state_status(&c)));
        e->pid = c.runstate && !streq(e->status, "stopped") ? c.runstate->pid : 0;
        e->bundle = xstrdup(c.runstate && c.runstate->bundle ? c.runstate->bundle : "");
        e->rootfs = xstrdup(c.runstate && c.runstate->rootfs ? c.runstate->rootfs : "");
        e->created = xstrdup(c.runstate && c.runstate->created ? c.runstate->created : "");
        e->owner = owner_of(c.dir);
        state_close(&c);
    }
    closedir(d);
    /* readdir order is the directory's hash order; runc (os.ReadDir) lists by id */
    if (*n > 1)
        qsort(*out, *n, sizeof **out, list_entry_cmp);
    return 0;
}

void tr_list_free(struct tr_list_entry *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(l[i].id);
        free(l[i].status);
        free(l[i].bundle);
        free(l[i].rootfs);
        free(l[i].created);
        free(l[i].owner);
    }
    free(l);
}

/* ---- kill, delete --------------------------------------------------------------------- */

int tr_kill(const struct tr_ctx *ctx, const char *id, int sig, bool all, struct tr_err *err)
{
    struct tr_container c;
    enum tr_status st;
    int rc = 0;
    if (state_open(tr_state_root(ctx), id, false, &c, err) < 0)
        return -1;
    st = state_status(&c);
    if (st == TR_STOPPED || st == TR_CREATING) {
        state_close(&c);
        return tr_failx(err, "container %s: container not running", id);
    }
    struct cgroup_mgr *m = all && c.runstate->cgroup ? cgroup_load(c.runstate->cgroup, err) : NULL;
    if (all && c.runstate->cgroup && !m) {
        rc = -1;
    } else if (m && !cgroup_is_disabled(m)) {
        rc = cgroup_kill_all(m, sig, err);
    } else {
        /* No cgroup to walk (rootless without a writable hierarchy): the init is all we know. */
        int pidfd = state_open_pidfd(&c);
        if (pidfd < 0) {
            rc = tr_failx(err, "container %s: container not running", id);
        } else {
            if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                rc = errno == ESRCH ? tr_failx(err, "container %s: container not running", id)
                                    : tr_fail(err, errno, "kill container %s with signal %d", id, sig);
            close(pidfd);
        }
    }
    cgroup_free(m);
    state_close(&c);
    return rc;
}

/* SIGKILL everything and wait until the init is gone (bounded: a D-state process may linger). */
static int kill_and_wait(struct tr_container *c, struct cgroup_mgr *m, struct tr_err *err)
{
    int pidfd = state_open_pidfd(c);
    pid_t pid = c->runstate ? c->runstate->pid : c->pending.pid;
    struct tr_err ignore;
    if (m && !cgroup_is_disabled(m)) {
        cgroup_freeze(m, false, &ignore);
        cgroup_kill_all(m, SIGKILL, &ignore);
    }
    if (pidfd < 0)
        return 0;
    tr_debug("delete %s: SIGKILL to the init (pid %d)", c->id, (int) pid);
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    for (int i = 0; i < 100; i++) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        if (poll(&p, 1, 100) > 0)
            break;
    }
    /* Our own child (run, or a create in this process): reap it. */
    waitpid(pid, NULL, WNOHANG);
    close(pidfd);
    (void) err;
    return 0;
}

/* cgroup_destroy, naming with --debug each directory that was there and is gone now. */
static int destroy_cgroup_logged(struct tr_container *c, struct cgroup_mgr *m, struct tr_err *err)
{
    struct cgroup_mount_entry *e = NULL;
    size_t n = 0;
    struct tr_err ignore;
    bool *had = NULL;
    /* two access() per hierarchy (18 on a v1 host): only when the lines are shown */
    if (tr_log_debug_enabled() && cgroup_mount_entries(m, &e, &n, &ignore) == 0 && n) {
        had = xzalloc(n * sizeof *had);
        for (size_t i = 0; i < n; i++)
            had[i] = access(e[i].host_path, F_OK) == 0;
    }
    int rc = cgroup_destroy(m, err);
    for (size_t i = 0; had && i < n; i++)
        if (had[i] && access(e[i].host_path, F_OK) < 0)
            tr_debug("delete %s: removed cgroup %s", c->id, e[i].host_path);
    free(had);
    cgroup_mount_entries_free(e, n);
    return rc;
}

/* linux.netDevices back to the host before the init dies with its namespace (which would
 * destroy a virtual device); a stopped init's namespace is gone unless the config named one. */
static void return_net_devices(struct tr_container *c, const struct oci_spec *spec, enum tr_status st)
{
    int pidfd = st != TR_STOPPED ? state_open_pidfd(c) : -1;
    netdevices_move_out(spec, pidfd >= 0 ? c->runstate->pid : 0);
    if (pidfd >= 0)
        close(pidfd);
}

int container_destroy_locked(struct tr_container *c, const struct oci_spec *held, bool force, struct tr_err *err)
{
    enum tr_status st = state_status(c);
    struct cgroup_mgr *m = NULL;
    struct oci_spec *loaded = NULL;
    const struct oci_spec *spec = held;
    struct tr_err e2;
    int rc = 0;
    if ((st == TR_RUNNING || st == TR_PAUSED) && !force)
        return tr_failx(err, "cannot delete container %s that is not stopped: %s; stop it first or use --force",
                        c->id, tr_status_name(st));
    /* A create that died (kill -9) left no state.json: its pending record names the cgroup. */
    const char *saved_cg = c->runstate ? c->runstate->cgroup : c->pending.cgroup;
    if (saved_cg && !(m = cgroup_load(saved_cg, &e2)))
        tr_warn("container %s: %s", c->id, e2.msg);
    if (c->runstate && !spec)
        spec = loaded = state_load_spec(c, &e2);
    if (spec)
        return_net_devices(c, spec, st);
    if (st != TR_STOPPED)
        kill_and_wait(c, m, err);
    if (m && destroy_cgroup_logged(c, m, &e2) < 0)
        rc = (*err = e2, -1);
    cgroup_free(m);
    if (spec && spec->linux_ && resctrl_remove(RESCTRL_ROOT, spec->linux_->intel_rdt, c->id, &e2) < 0)
        tr_warn("container %s: %s", c->id, e2.msg);
    if (spec)
        container_run_hooks_warn(c, spec, OCI_HOOK_POSTSTOP, "stopped");
    oci_free(loaded);
    if (state_remove(c, &e2) < 0 && rc == 0)
        rc = (*err = e2, -1);
    else
        tr_debug("delete %s: removed the state dir %s", c->id, c->dir);
    return rc;
}

/* delete --force of a container whose create is still running (it holds the lock, there is no
 * state.json): mark it deleted, so that the create fails instead of reporting a container that
 * is gone, kill its init, and wait (bounded) for the create to undo itself and let go. */
static int abort_create(struct tr_container *c, struct tr_err *err)
{
    struct tr_err ignore;
    struct cgroup_mgr *m = c->pending.cgroup ? cgroup_load(c->pending.cgroup, &ignore) : NULL;
    if (state_mark_deleted(c, err) < 0) {
        cgroup_free(m);
        return -1;
    }
    tr_debug("delete %s: its create is still running: killing its init", c->id);
    kill_and_wait(c, m, err);
    cgroup_free(m);
    for (int i = 0; i < SPAWN_STEP_TIMEOUT_S * 100; i++) {
        int busy = state_try_lock(c, err);
        if (busy <= 0)
            return busy;
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return tr_failx(err, "container %s: its create did not end within %d s of delete --force killing its init "
                    "(a hook without a timeout?); try again once it has", c->id, SPAWN_STEP_TIMEOUT_S);
}

/* delete --force: never waits unboundedly for a create in progress (abort_create). */
static int open_for_force_delete(const char *root, const char *id, struct tr_container *c, struct tr_err *err)
{
    if (state_open(root, id, false, c, err) < 0)
        return -1;
    int busy = state_try_lock(c, err);
    if (busy == 0)
        return 0;
    if (busy == 1 && !c->runstate && abort_create(c, err) == 0) {
        /* the create's undo removed the dir, or died and left it: look again */
        state_close(c);
        return state_open(root, id, true, c, err);
    }
    if (busy == 1 && c->runstate) {
        state_close(c);
        return state_open(root, id, true, c, err);   /* another verb: it ends by itself */
    }
    state_close(c);
    return -1;
}

int tr_delete(const struct tr_ctx *ctx, const char *id, bool force, struct tr_err *err)
{
    struct tr_container c;
    int rc = force ? open_for_force_delete(tr_state_root(ctx), id, &c, err)
                   : state_open(tr_state_root(ctx), id, true, &c, err);
    if (rc < 0) {
        if (force && strstr(err->msg, "does not exist")) {
            tr_err_clear(err);
            return 0;
        }
        return -1;
    }
    rc = container_destroy_locked(&c, NULL, force, err);
    state_close(&c);
    return rc;
}
