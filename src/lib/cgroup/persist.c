/* Persisting a manager between tinyrun processes (create -> delete/kill/pause/update/ps/events)
 * and describing the container's /sys/fs/cgroup.
 *
 * Serialised form, one line (docs/cgroups.md):
 *   <kind>:<path> [@<hierarchy>=<path>]... [created=<levels>] [rootless]
 *   systemd:<slice>:<unit>:<path> [...same options...]
 *   disabled
 * kind is v1 (legacy), hybrid or v2 (unified); @<hierarchy> gives a hierarchy whose path differs
 * from <path> (relative cgroupsPath: each v1 hierarchy is relative to our own cgroup in it);
 * created=N: the last N levels of the path were made by tinyrun (destroy removes them if empty).
 * Paths are %-escaped for space, '%', ':' and newline (cg_esc). The head is the backend's
 * (cg_ops save_head/load_head); the options are common. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "cgroup/backend.h"
#include "log.h"
#include "util.h"

char *cgroup_serialize(struct cgroup_mgr *m)
{
    if (!m || m->disabled)
        return xstrdup("disabled");
    char *s = m->ops->save_head(m);
    for (size_t i = 0; i < m->nh; i++) {
        if (m->h[i].path && m->path && !streq(m->h[i].path, m->path)) {
            _cleanup_free_ char *hp = cg_esc(m->h[i].path), *hn = cg_esc(m->h[i].name);
            char *t = xasprintf("%s @%s=%s", s, hn, hp);
            free(s);
            s = t;
        }
    }
    if (m->created) {
        char *t = xasprintf("%s created=%d", s, m->created);
        free(s);
        s = t;
    }
    if (m->rootless) {
        char *t = xasprintf("%s rootless", s);
        free(s);
        s = t;
    }
    return s;
}

/* Levels of h->dir that do not exist yet: what cg_mkdir_path will make. */
static int missing_levels(const struct cg_hier *h)
{
    _cleanup_free_ char *buf = xstrdup(h->dir);
    size_t ml = strlen(h->mnt);
    int n = 0;
    while (strlen(buf) > ml && !cg_path_exists(buf) && errno == ENOENT) {
        n++;
        *strrchr(buf, '/') = '\0';
    }
    return n;
}

char *cgroup_plan_serialize(const struct cgroup_opts *o, struct tr_err *err)
{
    if (o->systemd)
        return NULL;   /* the unit's path is the systemd manager's answer: recorded after create */
    struct cgroup_mgr *m = xzalloc(sizeof *m);
    char *s = NULL;
    m->id = xstrdup(o->id ? o->id : "");
    m->rootless = o->rootless;
    if (cg_discover(m, err) == 0 && cg_set_paths(m, o->cgroups_path, true, err) == 0) {
        m->ops = cg_fs_backend(m->layout);
        /* The default leaf (/tinyrun/<id>) is the only level create counts there, and it is
         * tinyrun's by its name: no walk up the path in every hierarchy to learn it. */
        bool default_path = cg_default_path(o);
        for (size_t i = 0; i < m->nh && !default_path; i++) {
            int n = missing_levels(&m->h[i]);
            if (n > m->created)
                m->created = n;
        }
        if (default_path)
            m->created = 1;
        s = cgroup_serialize(m);
    }
    cgroup_free(m);
    return s;
}

static int parse_opt(struct cgroup_mgr *m, const char *t, size_t n, struct tr_err *err)
{
    if (n == 8 && !strncmp(t, "rootless", 8)) {
        m->rootless = true;
        return 0;
    }
    if (n > 8 && !strncmp(t, "created=", 8)) {
        _cleanup_free_ char *v = strndup(t + 8, n - 8);
        if (!v || parse_int(v, &m->created) < 0 || m->created < 0)
            return tr_failx(err, "saved cgroup: bad \"%.*s\"", (int) n, t);
        return 0;
    }
    const char *eq = memchr(t, '=', n);
    if (t[0] == '@' && eq) {
        _cleanup_free_ char *name = cg_unesc(t + 1, (size_t) (eq - t - 1));
        for (size_t i = 0; i < m->nh; i++)
            if (streq(m->h[i].name, name)) {
                free(m->h[i].path);
                m->h[i].path = cg_unesc(eq + 1, n - (size_t) (eq - t) - 1);
            }
        return 0;
    }
    return tr_failx(err, "saved cgroup: unknown option \"%.*s\"", (int) n, t);
}

struct cgroup_mgr *cgroup_load(const char *saved, struct tr_err *err)
{
    struct cgroup_mgr *m = xzalloc(sizeof *m);
    m->id = xstrdup("");
    if (!saved || !*saved || !strncmp(saved, "disabled", 8)) {
        m->disabled = true;
        return m;
    }
    const char *sp = strchrnul(saved, ' ');
    size_t hl = (size_t) (sp - saved);
    while (hl && saved[hl - 1] == '\n')
        hl--;
    if (cg_discover(m, err) < 0)
        goto fail;
    m->ops = !strncmp(saved, "systemd:", 8) ? &cg_systemd_ops : cg_fs_backend(m->layout);
    if (m->ops->load_head(m, saved, hl, err) < 0)
        goto fail;
    for (const char *t = sp; *t;) {
        while (*t == ' ' || *t == '\n')
            t++;
        size_t n = strcspn(t, " \n");
        if (n && parse_opt(m, t, n, err) < 0)
            goto fail;
        t += n;
    }
    for (size_t i = 0; i < m->nh; i++) {
        struct cg_hier *h = &m->h[i];
        if (!h->path)
            h->path = xstrdup(m->path);
        h->dir = xasprintf("%s%s", h->mnt, h->path);
        if (h->v2)
            cg_refresh_v2_ctrls(h, h->dir);
    }
    return m;
fail:
    cgroup_free(m);
    return NULL;
}

int cgroup_mount_entries(struct cgroup_mgr *m, struct cgroup_mount_entry **out, size_t *n, struct tr_err *err)
{
    *out = NULL;
    *n = 0;
    if (!m || m->disabled)
        return 0;
    struct cgroup_mount_entry *v = xzalloc(m->nh * sizeof *v);
    for (size_t i = 0; i < m->nh; i++) {
        v[i].name = xstrdup(m->h[i].name);
        v[i].host_path = xstrdup(m->h[i].dir);
    }
    *out = v;
    *n = m->nh;
    (void) err;
    return 0;
}

void cgroup_mount_entries_free(struct cgroup_mount_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].host_path);
    }
    free(e);
}
