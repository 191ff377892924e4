/* Where an exec'd process joins the container's cgroup, when it is not simply "the container's
 * cgroup, by the runtime, before the process runs":
 *   exec --cgroup  an existing sub-cgroup instead, runc's [<controller>[,<controller>]:]<path>
 *                  (a bare path for every hierarchy; per-controller paths are v1 only);
 *   exec --ignore-paused  into a frozen cgroup: the process moves itself as its very last act
 *                  before execve, through cgroup.procs files the runtime opened (the kernel
 *                  checks the opener's credentials), so its setup is done (and bounded) while
 *                  it is thawed, and nothing of its own runs before it is frozen. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup/fs.h"
#include "util.h"

/* "a/b" with no empty, "." or ".." component: a sub-cgroup cannot climb out of the container's. */
static bool sub_path_ok(const char *p)
{
    _cleanup_free_ char *copy = xstrdup(p);
    char *save = NULL;
    if (!p[0] || p[0] == '/')
        return false;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
        if (streq(c, ".") || streq(c, ".."))
            return false;
    return true;
}

/* Does hierarchy h carry controller ctrl ("memory", "name=systemd")? The unified mount of a
 * hybrid host takes only the bare form. */
static bool hier_takes(const struct cg_hier *h, const char *ctrl, size_t len)
{
    if (h->v2)
        return false;
    for (char **c = h->ctrls; c && *c; c++)
        if (strlen(*c) == len && strncmp(*c, ctrl, len) == 0)
            return true;
    return false;
}

/* The sub-path of h the --cgroup values give (a controller's own before the bare one), or NULL. */
static const char *sub_for(const struct cg_hier *h, char *const *specs, size_t n)
{
    const char *bare = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *colon = strchr(specs[i], ':');
        if (!colon) {
            bare = specs[i];
            continue;
        }
        for (const char *c = specs[i]; c < colon;) {
            size_t len = strcspn(c, ",:");
            if (hier_takes(h, c, len))
                return colon + 1;
            c += len + (c[len] == ',');
        }
    }
    return bare;
}

/* Every controller a "ctrl,ctrl:path" value names must be mounted. */
static int check_spec(struct cgroup_mgr *m, const char *spec, size_t nspecs, struct tr_err *err)
{
    const char *colon = strchr(spec, ':');
    if (!colon) {
        if (nspecs != 1)
            return tr_failx(err, "exec --cgroup %s: a path without <controller>: must be the only --cgroup", spec);
        return sub_path_ok(spec) ? 0
            : tr_failx(err, "exec --cgroup %s: expected a relative path inside the container's cgroup (no \"..\")", spec);
    }
    if (m->layout == CGROUP_LAYOUT_UNIFIED)
        return tr_failx(err, "exec --cgroup %s: cgroup v2 has one hierarchy: give the path without <controller>:", spec);
    if (colon == spec || !sub_path_ok(colon + 1) || strchr(colon + 1, ':'))
        return tr_failx(err, "exec --cgroup %s: expected [<controller>[,<controller>]:]<relative path>", spec);
    for (const char *c = spec; c < colon;) {
        size_t len = strcspn(c, ",:");
        bool found = false;
        for (size_t i = 0; i < m->nh && !found; i++)
            found = hier_takes(&m->h[i], c, len);
        if (!found)
            return tr_failx(err, "exec --cgroup %s: no mounted cgroup hierarchy has the controller \"%.*s\"",
                            spec, (int) len, c);
        c += len + (c[len] == ',');
    }
    return 0;
}

int cgroup_select_sub(struct cgroup_mgr *m, char *const *specs, size_t n, struct tr_err *err)
{
    if (!n)
        return 0;
    if (!m || m->disabled)
        return tr_failx(err, "exec --cgroup: the container has no cgroup of its own to take a sub-cgroup of");
    for (size_t i = 0; i < n; i++)
        if (check_spec(m, specs[i], n, err) < 0)
            return -1;
    for (size_t i = 0; i < m->nh; i++) {
        struct cg_hier *h = &m->h[i];
        const char *sub = sub_for(h, specs, n);
        struct stat st;
        if (!sub)
            continue;
        char *dir = xasprintf("%s/%s", h->dir, sub);
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
            tr_fail(err, errno ? errno : ENOTDIR, "exec --cgroup %s: sub-cgroup %s (create it first)", sub, dir);
            free(dir);
            return -1;
        }
        free(h->dir);
        h->dir = dir;
        char *path = xasprintf("%s/%s", h->path, sub);
        free(h->path);
        h->path = path;
    }
    return 0;
}

int cgroup_procs_fds(struct cgroup_mgr *m, int **fds, size_t *n, struct tr_err *err)
{
    size_t k = 0, frozen_at = SIZE_MAX;
    *fds = NULL;
    *n = 0;
    if (!m || m->disabled)
        return 0;
    int *v = xzalloc((m->nh ? m->nh : 1) * sizeof *v);
    for (size_t i = 0; i < m->nh; i++) {
        const char *state = NULL;
        _cleanup_free_ char *where = cg_frozen_level(&m->h[i], &state);
        if (where && frozen_at == SIZE_MAX) {
            frozen_at = i;   /* opened last: once in it, the process stops at the next return */
            continue;
        }
        _cleanup_free_ char *f = xasprintf("%s/cgroup.procs", m->h[i].dir);
        if ((v[k] = cg_path_open(f, O_WRONLY | O_CLOEXEC)) < 0)
            goto fail;
        k++;
    }
    if (frozen_at != SIZE_MAX) {
        _cleanup_free_ char *f = xasprintf("%s/cgroup.procs", m->h[frozen_at].dir);
        if ((v[k] = cg_path_open(f, O_WRONLY | O_CLOEXEC)) < 0)
            goto fail;
        k++;
    }
    *fds = v;
    *n = k;
    return 0;
fail:
    tr_fail(err, errno, "exec --ignore-paused: open the cgroup.procs of %s", m->path ? m->path : "the container");
    for (size_t i = 0; i < k; i++)
        close(v[i]);
    free(v);
    return -1;
}
