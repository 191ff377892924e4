/* The cgroup manager: layout detection, hierarchy discovery, path resolution, and dispatch of
 * each operation to the v1/v2 files (cgroup-fs.c, cgroup-v1.c, cgroup-v2.c) and, for
 * --systemd-cgroup, to the transient unit (cgroup-systemd.c). See docs/cgroups.md. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/statfs.h>
#include "cgroup/internal.h"
#include "log.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

enum cgroup_layout cgroup_detect_layout(void)
{
    struct statfs s;
    if (statfs(CG_ROOT, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
        return CGROUP_LAYOUT_UNIFIED;
    if (statfs(CG_UNIFIED_HYBRID, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
        return CGROUP_LAYOUT_HYBRID;
    return CGROUP_LAYOUT_LEGACY;
}

bool cgroup_detect_rootless(void)
{
    if (geteuid() != 0)
        return true;
    struct tr_err e;
    _cleanup_free_ char *map = read_file("/proc/self/uid_map", NULL, &e);
    if (!map)
        return false;
    unsigned long a, b, c;
    /* the initial user namespace maps everything: "0 0 4294967295" */
    return !(sscanf(map, " %lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL);
}

bool cg_hier_has(const struct cg_hier *h, const char *ctrl)
{
    for (char **c = h->ctrls; c && *c; c++)
        if (streq(*c, ctrl))
            return true;
    return false;
}

struct cg_hier *cg_find_hier(struct cgroup_mgr *m, const char *ctrl)
{
    for (size_t i = 0; i < m->nh; i++)
        if (!m->h[i].v2 && cg_hier_has(&m->h[i], ctrl))
            return &m->h[i];
    return NULL;
}

struct cg_hier *cg_v2_hier(struct cgroup_mgr *m)
{
    for (size_t i = 0; i < m->nh; i++)
        if (m->h[i].v2)
            return &m->h[i];
    return NULL;
}

struct cg_hier *cg_primary_hier(struct cgroup_mgr *m)
{
    if (m->layout == CGROUP_LAYOUT_UNIFIED)
        return cg_v2_hier(m);
    static const char *pref[] = { "freezer", "pids", "memory", "cpu" };
    for (size_t i = 0; i < ARRAY_SIZE(pref); i++)
        if (cg_find_hier(m, pref[i]))
            return cg_find_hier(m, pref[i]);
    return m->nh ? &m->h[0] : NULL;
}

bool cg_is_perm_error(int e) { return e == EACCES || e == EPERM || e == EROFS; }

int cg_soft_fail(struct cgroup_mgr *m, struct tr_err *err, int code, const char *fmt, ...)
{
    struct tr_err tmp;
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!m->rootless)
        return tr_fail(err, code, "%s", msg);
    tr_fail(&tmp, code, "%s", msg);
    if (!m->warned)
        tr_warn("rootless: %s: cgroup setting skipped (further ones are logged at debug level)", tmp.msg);
    else
        tr_debug("rootless: %s: cgroup setting skipped", tmp.msg);
    m->warned = true;
    return 0;
}

/* ---- discovery ---- */

static char **split_ctrls(const char *s, char sep)
{
    size_t n = 0;
    char **v = xzalloc(sizeof *v);
    _cleanup_free_ char *copy = xstrdup(s);
    char seps[3] = { sep, '\n', 0 }, *save = NULL;
    for (char *t = strtok_r(copy, seps, &save); t; t = strtok_r(NULL, seps, &save)) {
        static const char *opts[] = { "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
                                      "nsdelegate", "memory_recursiveprot", "favordynmods",
                                      "memory_localevents", "memory_hugetlb_accounting", "relatime" };
        bool skip = !strncmp(t, "release_agent=", 14);
        for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
            skip |= streq(t, opts[i]);
        if (skip)
            continue;
        v = xrealloc(v, (n + 2) * sizeof *v);
        v[n++] = xstrdup(t);
        v[n] = NULL;
    }
    return v;
}

static struct cg_hier *add_hier(struct cgroup_mgr *m, const char *mnt, bool v2)
{
    for (size_t i = 0; i < m->nh; i++)
        if (streq(m->h[i].mnt, mnt))
            return NULL;
    m->h = xrealloc(m->h, (m->nh + 1) * sizeof *m->h);
    struct cg_hier *h = &m->h[m->nh++];
    memset(h, 0, sizeof *h);
    h->mnt = xstrdup(mnt);
    const char *base = strrchr(mnt, '/');
    h->name = xstrdup(streq(mnt, CG_ROOT) ? "" : base + 1);
    h->v2 = v2;
    return h;
}

/* v2 controllers usable in dir (its cgroup.controllers, i.e. enabled by the parent). */
void cg_refresh_v2_ctrls(struct cg_hier *h, const char *dir)
{
    struct tr_err e;
    _cleanup_free_ char *s = cg_read(dir, "cgroup.controllers", &e);
    if (!s)
        return;
    _cleanup_strv_ char **old = h->ctrls;
    h->ctrls = split_ctrls(s, ' ');
}

int cg_discover(struct cgroup_mgr *m, struct tr_err *err)
{
    m->layout = cgroup_detect_layout();
    if (m->layout == CGROUP_LAYOUT_UNIFIED)
        cg_refresh_v2_ctrls(add_hier(m, CG_ROOT, true), CG_ROOT);
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return tr_fail(err, errno, "open /proc/self/mountinfo");
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char root[512], mnt[512], fstype[64], src[256], opts[1024];
        char *sep = strstr(line, " - ");
        if (!sep || sscanf(line, "%*s %*s %*s %511s %511s", root, mnt) != 2 ||
            sscanf(sep + 3, "%63s %255s %1023s", fstype, src, opts) != 3)
            continue;
        struct cg_hier *h = NULL;
        if (m->layout == CGROUP_LAYOUT_UNIFIED) {
            if (streq(mnt, CG_ROOT) && streq(fstype, "cgroup2"))
                h = &m->h[0];
        } else if (strncmp(mnt, CG_ROOT "/", strlen(CG_ROOT) + 1) != 0 || strchr(mnt + strlen(CG_ROOT) + 1, '/')) {
            continue;
        } else if (streq(fstype, "cgroup")) {
            if ((h = add_hier(m, mnt, false)))
                h->ctrls = split_ctrls(opts, ',');
        } else if (streq(fstype, "cgroup2") && m->layout == CGROUP_LAYOUT_HYBRID && streq(mnt, CG_UNIFIED_HYBRID)) {
            if ((h = add_hier(m, mnt, true)))
                cg_refresh_v2_ctrls(h, mnt);
        }
        /* a mount of a subtree (a container that bind-mounts its own cgroup): /proc/self/cgroup
         * paths are relative to the real root, so remember what this mount shows */
        if (h && !streq(root, "/")) {
            free(h->root);
            h->root = xstrdup(root);
        }
    }
    free(line);
    if (m->nh == 0)
        return tr_failx(err, "no cgroup hierarchy is mounted under " CG_ROOT);
    return 0;
}

/* own cgroup as seen inside the mount of h */
static char *own_in_mount(const struct cg_hier *h, const char *self)
{
    char *own = cg_own_cgroup(self, h->v2 ? "" : h->ctrls[0] ? h->ctrls[0] : "");
    size_t rl = h->root ? strlen(h->root) : 0;
    if (own && rl && !strncmp(own, h->root, rl) && (own[rl] == '/' || own[rl] == '\0'))
        memmove(own, own + rl, strlen(own + rl) + 1);
    return own;
}

/* h->path/h->dir from the cgroupsPath (cgroupfs driver) or the systemd path in m->path. */
static int set_paths(struct cgroup_mgr *m, const char *cgroups_path, bool resolve, struct tr_err *err)
{
    struct tr_err e;
    _cleanup_free_ char *self = resolve ? read_file("/proc/self/cgroup", NULL, &e) : NULL;
    for (size_t i = 0; i < m->nh; i++) {
        struct cg_hier *h = &m->h[i];
        if (!resolve) {
            if (!h->path)
                h->path = xstrdup(m->path);
        } else {
            _cleanup_free_ char *own = self ? own_in_mount(h, self) : NULL;
            h->path = cg_resolve_fs_path(cgroups_path, m->id, own, err);
            if (!h->path)
                return -1;
        }
        free(h->dir);
        h->dir = xasprintf("%s%s", h->mnt, h->path);
    }
    if (resolve) {
        struct cg_hier *p = cg_v2_hier(m) ? cg_v2_hier(m) : cg_find_hier(m, "cpu") ? cg_find_hier(m, "cpu") : &m->h[0];
        m->path = xstrdup(p->path);
    }
    return 0;
}

static struct cgroup_mgr *disable(struct cgroup_mgr *m, const struct tr_err *why, bool asked)
{
    /* an empty cgroupsPath in rootless is what nerdctl sends for --cgroup-manager=none: no
     * warning then (it would land in the container's log, our stderr being its stdio) */
    if (asked)
        tr_warn("rootless: cannot use cgroups (%s): running without a cgroup, resource limits are not applied",
                why->msg);
    else
        tr_debug("rootless: no cgroupsPath and no writable cgroup (%s): running without a cgroup", why->msg);
    for (size_t i = 0; m->created && i < m->nh; i++)
        cg_rmdir_path(m, &m->h[i]);
    m->disabled = true;
    return m;
}

/* The frozen level at or above h->dir, or NULL. v1 freezer: freezer.state of the deepest existing
 * level is the effective state (a child of a frozen parent reads FROZEN or FREEZING too). v2: the
 * cgroup.freeze knob of every existing level, as "frozen" in cgroup.events lags behind a freeze
 * in progress and a parent's knob freezes every child. *state: what was read. */
char *cg_frozen_level(const struct cg_hier *h, const char **state)
{
    bool v1 = !h->v2 && cg_hier_has(h, "freezer");
    if (!v1 && !h->v2)
        return NULL;
    _cleanup_free_ char *buf = xstrdup(h->dir);
    size_t ml = strlen(h->mnt);
    while (strlen(buf) > ml) {
        struct tr_err e;
        _cleanup_free_ char *s = access(buf, F_OK) == 0
            ? cg_read(buf, v1 ? "freezer.state" : "cgroup.freeze", &e) : NULL;
        if (s && v1) {
            if (streq(s, "THAWED"))
                return NULL;
            *state = streq(s, "FROZEN") ? "freezer.state FROZEN" : "freezer.state FREEZING";
            return steal_ptr(&buf);
        }
        if (s && streq(s, "1")) {
            *state = "cgroup.freeze 1";
            return steal_ptr(&buf);
        }
        *strrchr(buf, '/') = '\0';
    }
    return NULL;
}

/* Refuse a cgroup that is frozen (runc: "container's cgroup unexpectedly frozen"): the init
 * would stop in the refrigerator before it could report, and only a thaw frees it. Checked
 * before any process is cloned or moved into it. */
static int refuse_frozen(struct cgroup_mgr *m, struct tr_err *err)
{
    for (size_t i = 0; i < m->nh; i++) {
        const char *state = NULL;
        _cleanup_free_ char *where = cg_frozen_level(&m->h[i], &state);
        if (!where)
            continue;
        bool v1 = !m->h[i].v2;
        _cleanup_free_ char *who = streq(where, m->h[i].dir) ? xasprintf("cgroup %s", where)
            : xasprintf("cgroup %s (parent of %s)", where, m->h[i].dir);
        return tr_failx(err, "linux.cgroupsPath: %s is frozen (%s): the container's process "
                       "would hang in it; thaw it (echo %s > %s/%s) or use another cgroupsPath",
                       who, state, v1 ? "THAWED" : "0", where, v1 ? "freezer.state" : "cgroup.freeze");
    }
    return 0;
}

struct cgroup_mgr *cgroup_create(const struct cgroup_opts *o, struct tr_err *err)
{
    struct cgroup_mgr *m = xzalloc(sizeof *m);
    m->id = xstrdup(o->id ? o->id : "");
    m->rootless = o->rootless;
    m->driver = o->systemd ? CG_DRV_SYSTEMD : CG_DRV_FS;
    m->create_res = o->resources;
    if (cg_discover(m, err) < 0)
        goto fail;
    if (o->systemd) {
#ifdef HAVE_SYSTEMD
        if (cg_systemd_create(m, o, err) < 0 || set_paths(m, NULL, false, err) < 0 ||
            refuse_frozen(m, err) < 0)
            goto fail;
        return m;
#else
        tr_failx(err, "--systemd-cgroup: tinyrun was built without sd-bus (libsystemd); rebuild with "
                 "libsystemd-dev installed, or drop --systemd-cgroup to use the cgroupfs driver");
        goto fail;
#endif
    }
    /* before any mkdir: a frozen cgroup someone made is left as it was */
    if (set_paths(m, o->cgroups_path, true, err) < 0 || refuse_frozen(m, err) < 0)
        goto fail;
    for (size_t i = 0; i < m->nh; i++) {
        if (cg_mkdir_path(m, &m->h[i], err) < 0) {
            if (m->rootless && cg_is_perm_error(err->code))
                return disable(m, err, o->cgroups_path && *o->cgroups_path);
            tr_prefix(err, "linux.cgroupsPath");
            for (size_t j = 0; m->created && j <= i; j++)
                cg_rmdir_path(m, &m->h[j]);
            goto fail;
        }
        if (m->h[i].v2)
            cg_refresh_v2_ctrls(&m->h[i], m->h[i].dir);
    }
    return m;
fail:
    cgroup_free(m);
    return NULL;
}

int cgroup_leaf_fd(struct cgroup_mgr *m)
{
    /* systemd: the scope exists only once cgroup_enter started it (later processes: exec) */
    if (!m || m->disabled || m->layout != CGROUP_LAYOUT_UNIFIED || (m->driver == CG_DRV_SYSTEMD && !m->unit_started))
        return -1;
    struct cg_hier *h = cg_v2_hier(m);
    return h ? open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
}

int cgroup_enter(struct cgroup_mgr *m, pid_t pid, struct tr_err *err)
{
    if (!m || m->disabled)
        return 0;
#ifdef HAVE_SYSTEMD
    if (m->driver == CG_DRV_SYSTEMD && !m->unit_started) {
        if (cg_systemd_start(m, pid, err) < 0)
            return -1;
        /* systemd placed pid in the unit; v1 hierarchies it does not manage still need it */
        for (size_t i = 0; i < m->nh; i++) {
            struct cg_hier *h = &m->h[i];
            if (h->v2 && m->layout == CGROUP_LAYOUT_UNIFIED) {
                /* systemd enables only the controllers its unit properties need (no hugetlb,
                 * no rdma...): enable the rest along the path, as runc does; refusals are logged */
                if (cg_mkdir_path(m, h, err) < 0 && cg_soft_fail(m, err, err->code, "%s", err->msg) < 0)
                    return -1;
                cg_refresh_v2_ctrls(h, h->dir);
                /* a slice unit gets no PIDs=: the process joins it here (a no-op for a scope) */
                if (cg_enter_pid(h, pid, err) < 0 && cg_soft_fail(m, err, err->code, "%s", err->msg) < 0)
                    return -1;
                continue;
            }
            if (cg_mkdir_path(m, h, err) < 0 || cg_enter_pid(h, pid, err) < 0) {
                if (cg_soft_fail(m, err, err->code, "%s", err->msg) < 0)
                    return -1;
            }
            if (h->v2)
                cg_refresh_v2_ctrls(h, h->dir);
        }
        /* the slices above the unit are systemd's: destroy only ever removes the unit's dir */
        if (m->created > 1)
            m->created = 1;
        return 0;
    }
#endif
    for (size_t i = 0; i < m->nh; i++) {
        if (cg_enter_pid(&m->h[i], pid, err) < 0) {
            int e = err->code;
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            if (cg_soft_fail(m, err, 0, "%s", msg) < 0) {
                err->code = e;
                return -1;
            }
        }
    }
    return 0;
}

/* Hybrid: the v2 mount gets only what v1 cannot take (controllers mounted on v2 only, such as
 * hugetlb here, and linux.resources.unified). */
static void hybrid_v2_subset(struct cgroup_mgr *m, const struct oci_resources *r, struct oci_resources *out)
{
    memset(out, 0, sizeof *out);
    struct cg_hier *h = cg_v2_hier(m);
    if (!h)
        return;
#define V2ONLY(c) (!cg_find_hier(m, c) && cg_hier_has(h, c))
    if (V2ONLY("hugetlb")) { out->hugepage_limits = r->hugepage_limits; out->hugepage_limits_len = r->hugepage_limits_len; }
    if (V2ONLY("rdma")) { out->rdma = r->rdma; out->rdma_len = r->rdma_len; }
    if (V2ONLY("memory")) out->memory = r->memory;
    if (V2ONLY("cpu")) out->cpu = r->cpu;
    if (V2ONLY("pids")) { out->has_pids_limit = r->has_pids_limit; out->pids_limit = r->pids_limit; }
    if (V2ONLY("io")) out->block_io = r->block_io;
#undef V2ONLY
    out->unified = r->unified;
    out->unified_len = r->unified_len;
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
    struct cg_writes w = { 0 };
    int r = 0;
    if (m->layout == CGROUP_LAYOUT_UNIFIED && (res->has_net_class_id || res->net_priorities_len) &&
        cg_soft_fail(m, err, 0, "linux.resources.network.%s: cgroup v2 has no net_cls/net_prio controller "
                     "(this host mounts only cgroup v2): remove the setting",
                     res->has_net_class_id ? "classID" : "priorities") < 0)
        return -1;
#ifdef HAVE_SYSTEMD
    if (update && m->driver == CG_DRV_SYSTEMD && cg_systemd_update(m, res, err) < 0)
        return -1;
#endif
    if (m->layout != CGROUP_LAYOUT_UNIFIED) {
        r = cg_res_writes(res, false, m->layout == CGROUP_LAYOUT_HYBRID, &w, err);
        if (r == 0)
            r = cg_apply_writes(m, &w, false, update, err);
        cg_writes_free(&w);
    }
    if (r == 0 && cg_v2_hier(m)) {
        struct oci_resources sub;
        const struct oci_resources *r2 = res;
        if (m->layout == CGROUP_LAYOUT_HYBRID) {
            hybrid_v2_subset(m, res, &sub);
            r2 = &sub;
        }
        r = cg_res_writes(r2, true, true, &w, err);
        if (r == 0)
            r = cg_apply_writes(m, &w, true, update, err);
        cg_writes_free(&w);
        if (r == 0 && m->layout == CGROUP_LAYOUT_UNIFIED)
            r = cg_v2_apply_devices(m, cg_v2_hier(m), res, err);
    }
    return r;
}

/* The hierarchy whose freezer we use: v1 freezer, else the v2 dir (cgroup.freeze). */
static struct cg_hier *freezer(struct cgroup_mgr *m, bool *v1)
{
    struct cg_hier *h = m->layout == CGROUP_LAYOUT_UNIFIED ? NULL : cg_find_hier(m, "freezer");
    *v1 = h != NULL;
    return h ? h : cg_v2_hier(m);
}

int cgroup_freeze(struct cgroup_mgr *m, bool frozen, struct tr_err *err)
{
    if (!m || m->disabled)
        return tr_failx(err, "%s: the container has no cgroup (rootless without cgroup delegation)",
                        frozen ? "pause" : "resume");
    bool v1;
    struct cg_hier *h = freezer(m, &v1);
    if (!h)
        return tr_failx(err, "%s: no freezer cgroup controller is mounted", frozen ? "pause" : "resume");
    return v1 ? cg_v1_freeze(m, h, frozen, err) : cg_v2_freeze(h, frozen, err);
}

int cgroup_is_frozen(struct cgroup_mgr *m, struct tr_err *err)
{
    if (!m || m->disabled)
        return 0;
    bool v1;
    struct cg_hier *h = freezer(m, &v1);
    if (!h)
        return 0;
    return v1 ? cg_v1_is_frozen(h, err) : cg_v2_is_frozen(h, err);
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
    struct cg_hier *v2 = cg_v2_hier(m);
    if (sig == SIGKILL && m->layout == CGROUP_LAYOUT_UNIFIED && v2) {
        struct tr_err e;
        if (cg_write(v2->dir, "cgroup.kill", "1", &e) == 0)
            return 0;
        if (e.code != ENOENT)
            return tr_fail(err, e.code, "kill --all: %s", e.msg);
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
    return m->layout == CGROUP_LAYOUT_UNIFIED ? cg_stats_v2(m, err) : cg_stats_v1(m, err);
}

static int64_t keyed(const char *dir, const char *file, const char *key)
{
    struct tr_err e;
    _cleanup_free_ char *s = dir ? cg_read(dir, file, &e) : NULL;
    size_t kl = strlen(key);
    for (char *save = NULL, *l = s ? strtok_r(s, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        uint64_t v;
        if (!strncmp(l, key, kl) && l[kl] == ' ' && parse_u64(l + kl + 1, &v) == 0)
            return (int64_t) v;
    }
    return -1;
}

int64_t cgroup_oom_kill_count(struct cgroup_mgr *m)
{
    if (!m || m->disabled)
        return -1;
    if (m->layout == CGROUP_LAYOUT_UNIFIED)
        return keyed(cg_v2_hier(m)->dir, "memory.events", "oom_kill");
    struct cg_hier *h = cg_find_hier(m, "memory");
    return keyed(h ? h->dir : NULL, "memory.oom_control", "oom_kill");
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
#ifdef HAVE_SYSTEMD
    if (m->driver == CG_DRV_SYSTEMD && cg_systemd_stop(m, &e) < 0)
        tr_warn("%s", e.msg);
#endif
    int r = 0;
    for (size_t i = 0; i < m->nh; i++) {
        if (cg_rmdir_path(m, &m->h[i]) < 0 && access(m->h[i].dir, F_OK) == 0)
            r = tr_fail(err, EBUSY, "remove cgroup %s", m->h[i].dir);
    }
    return r;
}

void cgroup_free(struct cgroup_mgr *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nh; i++) {
        struct cg_hier *h = &m->h[i];
        free(h->name); free(h->mnt); free(h->root); free(h->path); free(h->dir);
        strvfreep(&h->ctrls);
    }
    free(m->h);
    free(m->id); free(m->path); free(m->slice); free(m->unit);
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
