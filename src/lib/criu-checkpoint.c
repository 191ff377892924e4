/* `checkpoint`: criu dump (or pre-dump) of a running container's process tree into
 * --image-path; without --leave-running (and not a pre-dump) criu has killed the tree and the
 * container is deleted, as runc does, so that `restore` can take the same id. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "container-internal.h"
#include "criu.h"
#include "log.h"
#include "util.h"

/* The namespaces criu must be told about: it dumps the container's own ones, but one joined by
 * path (linux.namespaces[].path) belongs to someone else. */
static int check_namespaces(const struct oci_spec *spec, struct tr_err *err)
{
    const struct oci_linux *l = spec->linux_;
    for (size_t i = 0; l && i < l->namespaces_len; i++)
        if (l->namespaces[i].path && *l->namespaces[i].path)
            return tr_failx(err, "checkpoint: linux.namespaces[%zu] joins %s: checkpointing a container "
                            "that shares a namespace with another process is not supported by tinyrun",
                            i, l->namespaces[i].path);
    return 0;
}

static int add_dump_options(struct criu_argv *a, const struct tr_checkpoint_opts *o, pid_t pid,
                            struct tr_err *err)
{
    criu_arg(a, "--tree=%d", (int) pid);
    if (criu_add_common(a, &o->c, err) < 0)
        return -1;
    if (o->leave_running && !o->pre_dump)
        criu_arg(a, "--leave-running");
    /* Memory tracking makes the next dump with --parent-path write only what changed. */
    if (o->pre_dump || o->parent_path)
        criu_arg(a, "--track-mem");
    if (o->parent_path)
        criu_arg(a, "--prev-images-dir=%s", o->parent_path);
    if (o->status_fd >= 0) {
        if (fcntl(o->status_fd, F_GETFD) < 0)
            return tr_fail(err, errno, "--status-fd %d", o->status_fd);
        criu_arg(a, "--status-fd=%d", o->status_fd);
    }
    if (o->page_server) {
        const char *colon = strrchr(o->page_server, ':');
        if (!colon || colon == o->page_server || !colon[1])
            return tr_failx(err, "--page-server \"%s\": expected ADDRESS:PORT", o->page_server);
        criu_arg(a, "--page-server");
        criu_arg(a, "--address=%.*s", (int) (colon - o->page_server), o->page_server);
        criu_arg(a, "--port=%s", colon + 1);
    }
    return 0;
}

static int prepare_dirs(const char *images, const char *work, struct tr_err *err)
{
    if (mkdir_p(images, 0700, err) < 0)
        return tr_prefix(err, "--image-path");
    if (mkdir_p(work, 0700, err) < 0)
        return tr_prefix(err, "--work-path");
    return 0;
}

static int dump_locked(const struct tr_ctx *ctx, struct tr_container *c, const struct tr_checkpoint_opts *o,
                       struct tr_err *err)
{
    enum tr_status st = state_status(c);
    _cleanup_free_ char *images = NULL, *work = NULL, *log = NULL;
    struct criu_argv a = { 0 };
    struct oci_spec *spec;
    const char *action = o->pre_dump ? "pre-dump" : "dump";
    int rc = -1;
    if (st == TR_PAUSED)
        return tr_failx(err, "checkpoint: container %s is paused; resume it first (tinyrun does not "
                        "hand criu the frozen cgroup)", c->id);
    if (st != TR_RUNNING)
        return tr_failx(err, "checkpoint: container %s is not running: %s", c->id, tr_status_name(st));
    if (!(spec = state_load_spec(c, err)))
        return -1;
    criu_dirs(&o->c, &images, &work);
    if (check_namespaces(spec, err) < 0 || prepare_dirs(images, work, err) < 0)
        goto out;
    criu_argv_begin(&a, criu_binary(ctx), action, images, work, c->runstate->rootfs);
    if (add_dump_options(&a, o, c->runstate->pid, err) < 0)
        goto out;
    criu_add_bind_mounts(&a, spec, false);
    log = xasprintf("%s/%s.log", work, action);
    rc = criu_exec(&a, log, NULL, NULL, err);
    if (rc == 0 && !o->leave_running && !o->pre_dump) {
        struct tr_err e2;
        if (container_destroy_locked(c, spec, true, &e2) < 0)
            tr_warn("checkpoint: delete %s after the dump: %s", c->id, e2.msg);
    }
out:
    criu_argv_free(&a);
    oci_free(spec);
    return rc;
}

int tr_checkpoint(const struct tr_ctx *ctx, const struct tr_checkpoint_opts *o, struct tr_err *err)
{
    struct tr_container c;
    int rc;
    if (o->pre_dump && o->leave_running)
        tr_debug("checkpoint: --pre-dump always leaves the container running");
    if (o->c.lazy_pages && !o->page_server && o->status_fd < 0)
        return tr_failx(err, "checkpoint --lazy-pages: needs --page-server or --status-fd (criu keeps "
                        "serving the pages until the restore has fetched them)");
    if (state_open(tr_state_root(ctx), o->id, true, &c, err) < 0)
        return -1;
    rc = dump_locked(ctx, &c, o, err);
    state_close(&c);
    return rc;
}
