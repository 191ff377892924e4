/* The cgroup manager: the public API of cgroup.h over one ops table per backend (backend.h:
 * v1.c, v2.c, systemd.c). The table is chosen once, at create (or load, persist.c); every call
 * below goes through it. What every backend shares, the hierarchies and their files, is in fs.c.
 * See docs/cgroups.md. */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include "cgroup/backend.h"
#include "log.h"
#include "util.h"

struct cgroup_mgr *cgroup_create(const struct cgroup_opts *o, struct tr_err *err)
{
    struct cgroup_mgr *m = xzalloc(sizeof *m);
    m->id = xstrdup(o->id ? o->id : "");
    m->rootless = o->rootless;
    if (cg_discover(m, err) < 0)
        goto fail;
    m->ops = o->systemd ? &cg_systemd_ops : cg_fs_backend(m->layout);
    if (m->ops->create(m, o, err) < 0)
        goto fail;
    return m;
fail:
    cgroup_free(m);
    return NULL;
}

int cgroup_leaf_fd(struct cgroup_mgr *m)
{
    if (!m || m->disabled)
        return -1;
    return m->ops->leaf_fd(m);
}

int cgroup_enter(struct cgroup_mgr *m, pid_t pid, struct tr_err *err)
{
    if (!m || m->disabled)
        return 0;
    return m->ops->enter(m, pid, err);
}

int cgroup_apply(struct cgroup_mgr *m, const struct oci_resources *res, bool update, struct tr_err *err)
{
    if (m && m->disabled && update && res)
        tr_warn("update: the container has no cgroup (rootless without cgroup delegation): "
                "resource limits are not applied");
    if (!m || m->disabled || !res)
        return 0;
    struct oci_resources nodev;
    if (m->rootless && res->devices_len) {
        /* as runc: no device cgroup rootless (the user namespace already keeps host devices out
         * of reach); nerdctl always sends rules, so this must not warn in every container log */
        tr_debug("rootless: linux.resources.devices not applied");
        nodev = *res;
        nodev.devices = NULL;
        nodev.devices_len = 0;
        res = &nodev;
    }
    if (m->ops->check && m->ops->check(m, res, err) < 0)
        return -1;
    return m->ops->apply(m, res, update, err);
}

int cgroup_freeze(struct cgroup_mgr *m, bool frozen, struct tr_err *err)
{
    if (!m || m->disabled)
        return tr_failx(err, "%s: the container has no cgroup (rootless without cgroup delegation)",
                        frozen ? "pause" : "resume");
    return m->ops->freeze(m, frozen, err);
}

int cgroup_is_frozen(struct cgroup_mgr *m, struct tr_err *err)
{
    if (!m || m->disabled)
        return 0;
    return m->ops->is_frozen(m, err);
}

int cgroup_pids(struct cgroup_mgr *m, pid_t **pids, size_t *n, struct tr_err *err)
{
    *pids = NULL;
    *n = 0;
    if (!m || m->disabled)
        return 0;   /* no cgroup: the caller knows only the init pid (cgroup_is_disabled) */
    struct cg_hier *h = cg_primary_hier(m);
    size_t cap = 0;
    if (cg_read_pids_rec(h->dir, pids, n, &cap, err) < 0) {
        free(*pids);
        *pids = NULL;
        *n = 0;
        return -1;
    }
    return 0;
}

int cgroup_kill_all(struct cgroup_mgr *m, int sig, struct tr_err *err)
{
    if (!m || m->disabled)
        return 0;   /* no cgroup: the caller signals the init pid itself (cgroup_is_disabled) */
    if (sig == SIGKILL && m->ops->kill_all) {
        int k = m->ops->kill_all(m, err);
        if (k <= 0)
            return k;
    }
    /* freeze first so nothing forks away between listing and signalling */
    struct tr_err fe;
    int was = cgroup_is_frozen(m, &fe);
    bool froze = was == 0 && cgroup_freeze(m, true, &fe) == 0;
    pid_t *pids;
    size_t n;
    int r = cgroup_pids(m, &pids, &n, err);
    for (size_t i = 0; r == 0 && i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH)
            r = tr_fail(err, errno, "kill --all: kill(%d, %d)", (int) pids[i], sig);
    free(pids);
    if (froze || (was == 1 && sig == SIGKILL))
        cgroup_freeze(m, false, &fe);
    return r;
}

char *cgroup_stats_json(struct cgroup_mgr *m, struct tr_err *err)
{
    if (!m || m->disabled) {
        tr_failx(err, "events --stats: the container has no cgroup (rootless without cgroup delegation)");
        return NULL;
    }
    return m->ops->stats_json(m, err);
}

int64_t cgroup_oom_kill_count(struct cgroup_mgr *m)
{
    if (!m || m->disabled)
        return -1;
    return m->ops->oom_kill_count(m);
}

int cgroup_destroy(struct cgroup_mgr *m, struct tr_err *err)
{
    if (!m || m->disabled)
        return 0;
    struct tr_err e;
    pid_t *pids = NULL;
    size_t n = 0;
    if (cgroup_pids(m, &pids, &n, &e) == 0 && n > 0)
        cgroup_kill_all(m, SIGKILL, &e);
    free(pids);
    return m->ops->destroy(m, err);
}

void cgroup_free(struct cgroup_mgr *m)
{
    if (!m)
        return;
    if (m->ops && m->ops->free_priv)
        m->ops->free_priv(m);
    for (size_t i = 0; i < m->nh; i++) {
        struct cg_hier *h = &m->h[i];
        free(h->name); free(h->mnt); free(h->root); free(h->path); free(h->dir);
        strvfreep(&h->ctrls);
    }
    free(m->h);
    free(m->id); free(m->path);
    free(m);
}

bool cgroup_is_disabled(struct cgroup_mgr *m)
{
    return !m || m->disabled;
}

const char *cgroup_relative_path(struct cgroup_mgr *m)
{
    return m && !m->disabled && m->path ? m->path : "";
}
