/* `restore`: a new container <id> from a bundle and a criu image. The cgroup is made as create
 * makes it and criu runs inside it, so the restored tree starts there (--cgroup-root maps the
 * dumped cgroup onto it too); criu restores the namespaces and the mount tree onto root.path,
 * the bind mounts mapped to their sources by --external. criu detaches (--restore-detached):
 * without --detach we are the subreaper the restored init falls back to, and wait for it as
 * `run` does. On failure: criu kills what it restored, we remove the cgroup and the state. */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cgroup.h"
#include "container-internal.h"
#include "criu.h"
#include "log.h"
#include "spawn.h"
#include "util.h"

struct restore_job {
    const struct tr_ctx *ctx;
    const struct tr_restore_opts *o;
    struct tr_container c;
    struct oci_spec *spec;
    char *bundle, *rootfs, *images, *work;
    struct cgroup_mgr *cg;
    pid_t pid;
};

/* What the criu command line cannot do, refused before anything is made. */
static int check_opts(const struct tr_restore_opts *o, struct tr_err *err)
{
    if (o->console_socket)
        return tr_failx(err, "restore --console-socket: not supported: handing the restored terminal's "
                        "master to a socket needs criu's RPC mode (orphan_pts_master), which tinyrun does not use");
    if (o->no_pivot)
        return tr_failx(err, "restore --no-pivot: not supported: criu 3.17's command line always "
                        "pivots into the restored root");
    if (o->no_subreaper && !o->detach)
        return tr_failx(err, "restore --no-subreaper: only with --detach (without a subreaper tinyrun "
                        "could not wait for the restored process)");
    return 0;
}

static int check_images(const char *images, struct tr_err *err)
{
    struct stat st;
    _cleanup_free_ char *inv = xasprintf("%s/inventory.img", images);
    if (stat(images, &st) < 0)
        return tr_fail(err, errno, "restore --image-path %s", images);
    if (stat(inv, &st) < 0)
        return tr_fail(err, errno, "restore --image-path %s: no checkpoint there (%s)", images, inv);
    return 0;
}

static int make_cgroup(struct restore_job *j, struct tr_err *err)
{
    const struct oci_linux *l = j->spec->linux_;
    struct cgroup_opts co = {
        .id = j->c.id, .cgroups_path = l ? l->cgroups_path : NULL, .systemd = j->ctx->systemd_cgroup,
        .rootless = tr_is_rootless(j->ctx),   /* resources: after criu (restore_created) */
    };
    j->cg = cgroup_create(&co, err);
    return j->cg ? 0 : -1;
}

/* Resources are applied after criu is done: the device rules would deny criu the mknod of the
 * container's /dev nodes (its tmpfs content). */
static int enter_cgroup(pid_t criu, void *data, struct tr_err *err)
{
    struct restore_job *j = data;
    return cgroup_enter(j->cg, criu, err);
}

static int run_criu(struct restore_job *j, struct tr_err *err)
{
    struct criu_argv a = { 0 };
    _cleanup_free_ char *pidfile = xasprintf("%s/criu-restore.pid", j->c.dir);
    _cleanup_free_ char *log = xasprintf("%s/restore.log", j->work);
    _cleanup_free_ char *pid = NULL;
    int rc;
    criu_argv_begin(&a, criu_binary(j->ctx), "restore", j->images, j->work, j->rootfs);
    rc = criu_add_common(&a, &j->o->c, err);
    if (rc == 0) {
        criu_arg(&a, "--restore-detached");
        criu_arg(&a, "--pidfile=%s", pidfile);
        criu_arg(&a, "--cgroup-root=%s", cgroup_relative_path(j->cg));
        criu_add_bind_mounts(&a, j->spec, true);
        rc = criu_exec(&a, log, enter_cgroup, j, err);
    }
    criu_argv_free(&a);
    if (rc < 0)
        return -1;
    if (!(pid = read_file(pidfile, NULL, err)))
        return tr_prefix(err, "criu restore: the restored pid");
    pid[strcspn(pid, " \n")] = '\0';
    if (parse_int(pid, &j->pid) < 0 || j->pid <= 0)
        return tr_failx(err, "criu restore: %s: \"%s\" is not a pid", pidfile, pid);
    unlink(pidfile);
    return 0;
}

static int restore_created(struct restore_job *j, struct tr_err *err)
{
    if (check_images(j->images, err) < 0 || mkdir_p(j->work, 0700, err) < 0)
        return -1;
    if (bundle_load(j->o->bundle, NULL, &j->c, &j->spec, &j->bundle, &j->rootfs, err) < 0)
        return -1;
    if (make_cgroup(j, err) < 0 || run_criu(j, err) < 0)
        return -1;
    if (cgroup_apply(j->cg, j->spec->linux_ ? j->spec->linux_->resources : NULL, false, err) < 0)
        return tr_prefix(err, "restore: linux.resources");
    const struct container_record_args r = {
        .verb = "restore", .pid = j->pid, .bundle = j->bundle, .rootfs = j->rootfs, .cg = j->cg,
        .systemd = j->ctx->systemd_cgroup, .rootless = tr_is_rootless(j->ctx),
        .pid_file = j->o->pid_file,
    };
    return container_record(&j->c, &r, err);
}

static void undo(struct restore_job *j)
{
    struct tr_err e2;
    if (j->pid > 0) {
        int pidfd = (int) syscall(SYS_pidfd_open, j->pid, 0);
        if (pidfd >= 0 && spawn_kill_and_reap(j->pid, pidfd) < 0)
            tr_warn("cleanup after failed restore: pid %d did not die", (int) j->pid);
        if (pidfd >= 0)
            close(pidfd);
    }
    if (j->cg && cgroup_destroy(j->cg, &e2) < 0)
        tr_warn("cleanup after failed restore: %s", e2.msg);
    if (state_remove(&j->c, &e2) < 0)
        tr_warn("cleanup after failed restore: %s", e2.msg);
}

static int wait_restored(struct restore_job *j, const sigset_t *set, int *exit_code, struct tr_err *err)
{
    int pidfd = state_open_pidfd(&j->c), rc;
    if (pidfd < 0)
        return tr_fail(err, errno, "restore: the restored process (pid %d)", (int) j->pid);
    if (flock(j->c.dirfd, LOCK_UN) < 0)
        tr_debug("restore: unlock %s: %s", j->c.dir, strerror(errno));
    rc = wait_forwarding(j->pid, pidfd, set, exit_code, err);
    close(pidfd);
    delete_after_run(j->ctx, &j->c, j->spec);
    return rc;
}

int tr_restore(const struct tr_ctx *ctx, const struct tr_restore_opts *o, int *exit_code,
               struct tr_err *err)
{
    struct restore_job j = { .ctx = ctx, .o = o };
    sigset_t set, old;
    int rc;
    *exit_code = 0;
    if (check_opts(o, err) < 0)
        return -1;
    criu_dirs(&o->c, &j.images, &j.work);
    forwardable_signals(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    /* The restored init is criu's child; when criu detaches it falls back to us. */
    if (!o->detach && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        rc = tr_fail(err, errno, "prctl PR_SET_CHILD_SUBREAPER");
        goto out;
    }
    rc = state_reserve(tr_state_root(ctx), o->id, &j.c, err);
    if (rc < 0)
        goto out;
    rc = restore_created(&j, err);
    if (rc < 0)
        undo(&j);
    else if (!o->detach)
        rc = wait_restored(&j, &set, exit_code, err);
    state_close(&j.c);
out:
    sigprocmask(SIG_SETMASK, &old, NULL);
    cgroup_free(j.cg);
    oci_free(j.spec);
    free(j.bundle);
    free(j.rootfs);
    free(j.images);
    free(j.work);
    return rc;
}
