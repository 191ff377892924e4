/* The lowest cgroup layer (fs.h): the hierarchy set, the cgroupfs steps v1 and v2 share, and the
 * control-file operations. Includes no backend and not the manager. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include "cgroup/fs.h"
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

/* One process discovers the hierarchies up to four times (create's pending record, create,
 * the delete after run...): the result is kept with its /proc/self/mountinfo open, and reused
 * while a poll of it reports no change to the mount table (proc(5): POLLPRI) in the same
 * process and mount namespace (a child, or after an unshare or setns, discovers afresh). v2
 * controllers are read each time: they change without a mount. */
static struct {
    pid_t pid;
    ino_t mntns;                /* an unshare or setns in the same process: discover afresh */
    int fd;
    enum cgroup_layout layout;
    struct cgroup_mgr m;        /* only nh and h[]: name, mnt, root, v2, and v1's ctrls */
} discovered = { .fd = -1 };

static void forget_discovered(void)
{
    if (discovered.fd >= 0)
        close(discovered.fd);
    for (size_t i = 0; i < discovered.m.nh; i++) {
        struct cg_hier *h = &discovered.m.h[i];
        free(h->name); free(h->mnt); free(h->root);
        strvfreep(&h->ctrls);
    }
    free(discovered.m.h);
    memset(&discovered, 0, sizeof discovered);
    discovered.fd = -1;
}

static char **copy_strv(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = xzalloc((n + 1) * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

/* into the cache (read_v2 false: v2 controllers are not kept) or out of it (read afresh) */
static void copy_hiers(struct cgroup_mgr *to, const struct cgroup_mgr *from, bool read_v2)
{
    for (size_t i = 0; i < from->nh; i++) {
        const struct cg_hier *f = &from->h[i];
        struct cg_hier *h = add_hier(to, f->mnt, f->v2);
        if (!h)
            continue;
        h->root = f->root ? xstrdup(f->root) : NULL;
        if (!f->v2)
            h->ctrls = copy_strv(f->ctrls);
        else if (read_v2)
            cg_refresh_v2_ctrls(h, f->mnt);
    }
}

static ino_t own_mount_ns(void)
{
    struct stat st;
    return stat("/proc/self/ns/mnt", &st) == 0 ? st.st_ino : 0;
}

static bool discovered_still_valid(void)
{
    struct pollfd p = { .fd = discovered.fd, .events = POLLPRI };
    return discovered.fd >= 0 && discovered.pid == getpid() && discovered.mntns != 0 &&
           discovered.mntns == own_mount_ns() && poll(&p, 1, 0) == 0;
}

static int discover_hiers(struct cgroup_mgr *m, FILE *f, struct tr_err *err);

int cg_discover(struct cgroup_mgr *m, struct tr_err *err)
{
    if (discovered_still_valid()) {
        m->layout = discovered.layout;
        copy_hiers(m, &discovered.m, true);
        return 0;
    }
    forget_discovered();
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "open /proc/self/mountinfo");
    /* the layout after the open: a mount in between shows in the next poll */
    m->layout = cgroup_detect_layout();
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    _cleanup_fclose_ FILE *f = copy >= 0 ? fdopen(copy, "re") : NULL;
    if (!f) {
        int e = errno;
        if (copy >= 0)
            close(copy);
        close(fd);
        return tr_fail(err, e, "read /proc/self/mountinfo");
    }
    if (discover_hiers(m, f, err) < 0) {
        close(fd);
        return -1;
    }
    discovered.pid = getpid();
    discovered.mntns = own_mount_ns();
    discovered.fd = fd;
    discovered.layout = m->layout;
    copy_hiers(&discovered.m, m, false);
    return 0;
}

static int discover_hiers(struct cgroup_mgr *m, FILE *f, struct tr_err *err)
{
    if (m->layout == CGROUP_LAYOUT_UNIFIED)
        cg_refresh_v2_ctrls(add_hier(m, CG_ROOT, true), CG_ROOT);
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
int cg_set_paths(struct cgroup_mgr *m, const char *cgroups_path, bool resolve, struct tr_err *err)
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
        struct cg_hier *p = cg_v2_hier(m);
        if (!p)
            p = cg_find_hier(m, "cpu");
        if (!p)
            p = &m->h[0];
        m->path = xstrdup(p->path);
    }
    return 0;
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
        _cleanup_free_ char *s = cg_path_exists(buf)
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
int cg_refuse_frozen(struct cgroup_mgr *m, struct tr_err *err)
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

char *cg_esc(const char *s)
{
    char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        if (*s == ' ' || *s == '%' || *s == ':' || *s == '\n')
            o += sprintf(o, "%%%02X", (unsigned char) *s);
        else
            *o++ = *s;
    }
    *o = '\0';
    return out;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *cg_unesc(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            *o++ = (char) (hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else
            *o++ = s[i];
    }
    *o = '\0';
    return out;
}

static const char *kind_name(enum cgroup_layout l)
{
    return l == CGROUP_LAYOUT_UNIFIED ? "v2" : l == CGROUP_LAYOUT_HYBRID ? "hybrid" : "v1";
}

/* ---- the cgroupfs steps v1 and v2 share ---- */

static void disable(struct cgroup_mgr *m, const struct tr_err *why, bool asked)
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
}

/* The default path's parent (/tinyrun) is shared by every container and stays once made, as
 * runc and crun leave the parents of any cgroupsPath: removed by the last container, it cost
 * every sequential `run` a mkdir and an rmdir per hierarchy, and a create racing that removal
 * failed its leaf's mkdir. Only the leaf counts as made. */
bool cg_default_path(const struct cgroup_opts *o)
{
    return !o->cgroups_path || !*o->cgroups_path;
}

static void keep_shared_parent(struct cgroup_mgr *m, const struct cgroup_opts *o)
{
    if (cg_default_path(o) && m->created > 1)
        m->created = 1;
}

int cg_fs_create(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err)
{
    /* before any mkdir: a frozen cgroup someone made is left as it was */
    if (cg_set_paths(m, o->cgroups_path, true, err) < 0 || cg_refuse_frozen(m, err) < 0)
        return -1;
    for (size_t i = 0; i < m->nh; i++) {
        int r = cg_mkdir_path(m, &m->h[i], err);
        keep_shared_parent(m, o);
        if (r < 0) {
            if (m->rootless && cg_is_perm_error(err->code)) {
                disable(m, err, !cg_default_path(o));
                return 0;
            }
            tr_prefix(err, "linux.cgroupsPath");
            for (size_t j = 0; m->created && j <= i; j++)
                cg_rmdir_path(m, &m->h[j]);
            return -1;
        }
        if (m->h[i].v2)
            cg_refresh_v2_ctrls(&m->h[i], m->h[i].dir);
    }
    return 0;
}

int cg_fs_enter(struct cgroup_mgr *m, pid_t pid, struct tr_err *err)
{
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

int cg_fs_remove(struct cgroup_mgr *m, struct tr_err *err)
{
    int r = 0;
    for (size_t i = 0; i < m->nh; i++) {
        if (cg_rmdir_path(m, &m->h[i]) < 0 && cg_path_exists(m->h[i].dir))
            r = tr_fail(err, EBUSY, "remove cgroup %s", m->h[i].dir);
    }
    return r;
}

char *cg_fs_save_head(struct cgroup_mgr *m)
{
    _cleanup_free_ char *p = cg_esc(m->path ? m->path : "");
    return xasprintf("%s:%s", kind_name(m->layout), p);
}

int cg_fs_load_head(struct cgroup_mgr *m, const char *head, size_t n, struct tr_err *err)
{
    _cleanup_free_ char *h = strndup(head, n);
    if (!h)
        abort();
    char *colon = strchr(h, ':');
    if (!colon)
        return tr_failx(err, "saved cgroup \"%s\": unknown form", h);
    *colon = '\0';
    if (!streq(h, kind_name(m->layout)))
        return tr_failx(err, "saved cgroup is for a %s layout but this host now has %s", h,
                        kind_name(m->layout));
    m->path = cg_unesc(colon + 1, strlen(colon + 1));
    return 0;
}

static void note_created(struct cgroup_mgr *m, struct cg_hier *h, const char *dir)
{
    int depth = 0;   /* levels from dir down to the leaf, dir included */
    for (const char *p = h->dir + strlen(dir); *p; p++)
        depth += *p == '/';
    if (depth + 1 > m->created)
        m->created = depth + 1;
}

/* A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks until they are set:
 * copy them from the parent (recursively fixing empty parents first). known[i]: the parent's
 * value of cpuset_files[i] when the level above was read or set here (NULL: read it), updated
 * to this level's value for the next one. created: dir was just made, so it is not read (empty,
 * or with the parent's cgroup.clone_children already the parent's values: written again). */
static const char *const cpuset_files[] = { "cpuset.cpus", "cpuset.mems" };

static int cpuset_init(const char *dir, bool created, char **known, struct tr_err *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(cpuset_files); i++) {
        const char *file = cpuset_files[i];
        _cleanup_free_ char *cur = created ? xstrdup("") : cg_read(dir, file, err);
        if (!cur)
            return -1;
        if (*cur) {
            free(known[i]);
            known[i] = steal_ptr(&cur);
            continue;
        }
        _cleanup_free_ char *parent = xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
            return tr_failx(err, "%s/%s is empty at the top of the cpuset hierarchy", dir, file);
        *slash = '\0';
        _cleanup_free_ char *pv = known[i] ? xstrdup(known[i]) : cg_read(parent, file, err);
        if (!pv)
            return -1;
        if (!*pv) {
            char *above[ARRAY_SIZE(cpuset_files)] = { NULL, NULL };
            int r = cpuset_init(parent, false, above, err);
            for (size_t k = 0; k < ARRAY_SIZE(above); k++)
                free(above[k]);
            if (r < 0)
                return -1;
            free(pv);
            pv = cg_read(parent, file, err);
            if (!pv)
                return -1;
        }
        if (cg_write(dir, file, pv, err) < 0)
            return -1;
        free(known[i]);
        known[i] = steal_ptr(&pv);
    }
    return 0;
}

/* Enable in dir's cgroup.subtree_control every controller dir offers, one at a time so that
 * one refusal (not delegated, or processes in dir: the no-internal-process rule) does not stop
 * the others. Refusals are logged; the write that needs the controller reports the error. */
static void enable_controllers(const char *dir)
{
    struct tr_err e;
    _cleanup_free_ char *avail = cg_read(dir, "cgroup.controllers", &e);
    _cleanup_free_ char *on = cg_read(dir, "cgroup.subtree_control", &e);
    if (!avail || !on) {
        tr_debug("%s: cannot read its controllers: %s", dir, e.msg);
        return;
    }
    char *save = NULL;
    for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
        bool enabled = false;
        _cleanup_free_ char *copy = xstrdup(on);
        char *s2 = NULL;
        for (char *o = strtok_r(copy, " \n", &s2); o; o = strtok_r(NULL, " \n", &s2))
            if (streq(o, c))
                enabled = true;
        if (enabled)
            continue;
        _cleanup_free_ char *plus = xasprintf("+%s", c);
        if (cg_write(dir, "cgroup.subtree_control", plus, &e) < 0)
            tr_debug("enable controller %s in %s/cgroup.subtree_control: %s", c, dir, e.msg);
    }
}

/* mkdir every missing level of h->dir; v1 cpuset levels get cpus/mems from their parent when
 * empty, v2 parents get their controllers enabled in cgroup.subtree_control. */
int cg_mkdir_path(struct cgroup_mgr *m, struct cg_hier *h, struct tr_err *err)
{
    size_t ml = strlen(h->mnt);
    bool cpuset = !h->v2 && cg_hier_has(h, "cpuset");
    char *known[ARRAY_SIZE(cpuset_files)] = { NULL, NULL };
    int r = 0;
    /* v1, the usual case: the parents exist (the shared /tinyrun stays), so the leaf alone is
     * made. The walk below would make each parent again (EEXIST), and every mkdir takes the
     * hierarchy's directory lock for writing: parallel creates queue on it. Anything else
     * (a parent missing, the leaf there already) takes the walk. */
    if (!h->v2 && cg_path_mkdir(h->dir) == 0) {
        note_created(m, h, h->dir);
        if (cpuset)
            r = cpuset_init(h->dir, true, known, err);
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
            free(known[i]);
        return r;
    }
    _cleanup_free_ char *buf = xstrdup(h->dir);
    char *p = buf + ml;
    while (*p == '/') {
        char *slash = strchr(p + 1, '/');
        if (slash)
            *slash = '\0';
        if (h->v2) {
            char *cut = strrchr(buf, '/');
            *cut = '\0';
            enable_controllers(buf);
            *cut = '/';
        }
        bool created = cg_path_mkdir(buf) == 0;
        if (created)
            note_created(m, h, buf);
        else if (errno != EEXIST) {
            r = tr_fail(err, errno, "mkdir %s", buf);
            break;
        }
        if (cpuset && (r = cpuset_init(buf, created, known, err)) < 0)
            break;
        if (!slash)
            break;
        *slash = '/';
        p = slash;
    }
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        free(known[i]);
    return r;
}

static void rmdir_children(struct cgroup_mgr *m, struct cg_hier *h)
{
    DIR *d = cg_path_opendir(h->dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_type == DT_DIR && de->d_name[0] != '.') {
            struct cg_hier sub = *h;
            sub.dir = xasprintf("%s/%s", h->dir, de->d_name);
            struct cgroup_mgr tmp = *m;
            tmp.created = 0;
            cg_rmdir_path(&tmp, &sub);
            free(sub.dir);
        }
    }
    closedir(d);
}

/* rmdir the leaf (retrying while the last processes exit) then the empty parents we created. */
int cg_rmdir_path(struct cgroup_mgr *m, struct cg_hier *h)
{
    int tries = 0;
    bool scanned = false;
    while (cg_path_rmdir(h->dir) < 0) {
        if (errno == ENOENT)
            break;
        /* EBUSY: processes still exiting, or sub-cgroups (delegation) to remove first; the
         * scan is only made then (4 syscalls per hierarchy saved in the usual case) */
        if (errno == EBUSY && !scanned) {
            scanned = true;
            rmdir_children(m, h);
            continue;
        }
        if (errno != EBUSY || ++tries > 200) {
            tr_debug("rmdir %s: %s", h->dir, strerror(errno));
            return -1;
        }
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    _cleanup_free_ char *buf = xstrdup(h->dir);
    size_t ml = strlen(h->mnt);
    for (int level = 1; level < m->created; level++) {
        char *slash = strrchr(buf + ml, '/');
        if (!slash || slash == buf + ml)
            break;
        *slash = '\0';
        if (cg_path_rmdir(buf) < 0)
            break;   /* not empty: another container uses it */
    }
    return 0;
}

/* cgroup v2 lets no process join a cgroup below one that holds processes of its own once
 * controllers are enabled there (the no-internal-process rule: EBUSY, or EOPNOTSUPP when only
 * threaded controllers could be enabled): name the parent that holds them. */
static void hint_internal_processes(const struct cg_hier *h, struct tr_err *err)
{
    _cleanup_free_ char *dir = xstrdup(h->dir);
    size_t root = strlen(h->mnt);
    for (char *slash = strrchr(dir, '/'); slash && slash > dir + root; slash = strrchr(dir, '/')) {
        *slash = '\0';
        struct tr_err e;
        _cleanup_free_ char *procs = cg_read(dir, "cgroup.procs", &e);
        if (procs && *procs) {
            tr_hint(err, "%s holds processes, and cgroup v2 lets no process join a cgroup below one "
                    "that does (no-internal-process rule): use a linux.cgroupsPath whose parents hold no "
                    "processes", dir);
            return;
        }
    }
}

int cg_enter_pid(struct cg_hier *h, pid_t pid, struct tr_err *err)
{
    char s[24];
    snprintf(s, sizeof s, "%d", (int) pid);
    if (cg_write(h->dir, "cgroup.procs", s, err) == 0)
        return 0;
    if (h->v2 && (err->code == EBUSY || err->code == EOPNOTSUPP))
        hint_internal_processes(h, err);
    return -1;
}

int cg_read_pids_rec(const char *dir, pid_t **pids, size_t *n, size_t *cap, struct tr_err *err)
{
    _cleanup_free_ char *s = cg_read(dir, "cgroup.procs", err);
    if (!s)
        return -1;
    for (char *save = NULL, *tok = strtok_r(s, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
        int pid;
        if (parse_int(tok, &pid) < 0)
            continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *pids = xrealloc(*pids, *cap * sizeof **pids);
        }
        (*pids)[(*n)++] = pid;
    }
    DIR *d = cg_path_opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
        r = cg_read_pids_rec(sub, pids, n, cap, err);
    }
    closedir(d);
    return r;
}

/* The controller exists on the v2 mount (its root offers it) but was not enabled down to the
 * container's cgroup: hybrid, where v1 does not have it either. */
static bool v2_root_offers(const struct cg_hier *h, const char *ctrl)
{
    struct tr_err e;
    _cleanup_free_ char *s = h ? cg_read(h->mnt, "cgroup.controllers", &e) : NULL;
    for (char *save = NULL, *c = s ? strtok_r(s, " \n", &save) : NULL; c; c = strtok_r(NULL, " \n", &save))
        if (streq(c, ctrl))
            return true;
    return false;
}

/* A setting whose controller this host cannot give the container is refused, as runc and crun
 * do (a limit silently not applied is worse than a failed create); rootless: a warning
 * (cg_soft_fail), as documented in docs/cgroups.md. */
static int missing_controller(struct cgroup_mgr *m, const struct cg_write *w, bool v2list, struct tr_err *err)
{
    struct cg_hier *h = cg_v2_hier(m);
    /* v2list: target() found the v2 mount, so h is there */
    if (!h || (!v2list && !v2_root_offers(h, w->ctrl)))
        return cg_soft_fail(m, err, 0, "%s: the %s cgroup controller is not mounted on this host (no "
                            "cgroup v1 hierarchy under " CG_ROOT " has it): mount it or remove the setting",
                            w->jpath, w->ctrl);
    _cleanup_free_ char *parent = xstrdup(h->dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash > parent + strlen(h->mnt))
        *slash = '\0';
    else
        snprintf(parent, strlen(parent) + 1, "%s", h->mnt);
    return cg_soft_fail(m, err, 0, "%s: the %s cgroup controller is not enabled for %s (it is not in "
                        "%s/cgroup.subtree_control): enable it there (echo +%s > %s/cgroup.subtree_control) "
                        "or remove the setting", w->jpath, w->ctrl, h->dir, parent, w->ctrl, parent);
}

/* The directory a write goes to, or NULL to skip it (*skip_reason set for logs). */
static struct cg_hier *target(struct cgroup_mgr *m, const struct cg_write *w, bool v2list, const char **why)
{
    *why = NULL;
    if (!v2list) {
        struct cg_hier *h = cg_find_hier(m, w->ctrl), *v2 = cg_v2_hier(m);
        if (!h && m->layout == CGROUP_LAYOUT_HYBRID && v2 && cg_hier_has(v2, w->ctrl))
            *why = "";   /* written through the v2 list */
        else if (!h)
            *why = "is not mounted";
        return h;
    }
    struct cg_hier *h = cg_v2_hier(m);
    if (!h)
        return NULL;
    if (m->layout == CGROUP_LAYOUT_HYBRID && !(w->flags & CG_W_UNIFIED)) {
        /* hybrid: the v2 mount only gets the controllers v1 does not have (hugetlb here) */
        if (cg_find_hier(m, w->ctrl) || !cg_hier_has(h, w->ctrl)) {
            *why = "";
            return NULL;
        }
    }
    if (!(w->flags & CG_W_UNIFIED) && !cg_hier_has(h, w->ctrl)) {
        *why = "is not enabled for this cgroup (not delegated?)";
        return NULL;
    }
    return h;
}

static int check_usage(const struct cg_hier *h, const struct cg_write *w, struct tr_err *err)
{
    uint64_t usage, want;
    if (streq(w->value, "max") || streq(w->value, "-1") || parse_u64(w->value, &want) < 0)
        return 0;
    if (cg_read_u64(h->dir, w->usage_file, &usage) < 0)
        return 0;
    if (want < usage) {
        tr_fail(err, EBUSY, "%s: write %s/%s", w->jpath, h->dir, w->file);
        return tr_hint(err, "the new limit %" PRIu64 " is below current usage %" PRIu64, want, usage);
    }
    return 0;
}

static bool already_default_deny(const struct cg_hier *h)
{
    struct tr_err e;
    _cleanup_free_ char *l = cg_read(h->dir, "devices.list", &e);
    return l && !strstr(l, "a *:* rwm");
}

static int write_one(const struct cg_hier *h, const struct cg_write *w, struct tr_err *err)
{
    if (cg_write(h->dir, w->file, w->value, err) == 0)
        return 0;
    if (err->code == ENOENT && w->alt_file) {
        if (cg_write(h->dir, w->alt_file, w->alt_value ? w->alt_value : w->value, err) == 0)
            return 0;
        if (err->code == ENOENT)   /* say that both were tried (no BFQ and no weight support) */
            return tr_fail(err, ENOENT, "write %s/%s (nor %s)", h->dir, w->file, w->alt_file);
    }
    return -1;
}

/* A failed write that may be let go (optional file, rootless): 0; otherwise -1 with err naming
 * the JSON path. */
static int write_failed(struct cgroup_mgr *m, const struct cg_hier *h, const struct cg_write *w, int e,
                        struct tr_err *err)
{
    if ((w->flags & CG_W_OPTIONAL) && (e == ENOENT || e == EINVAL || e == EOPNOTSUPP)) {
        tr_debug("%s: %s: ignored", w->jpath, err->msg);
        return 0;
    }
    if (cg_is_perm_error(e) || (m->rootless && e == ENOENT))
        return cg_soft_fail(m, err, e, "%s: write %s/%s", w->jpath, h->dir, w->file);
    tr_prefix(err, "%s", w->jpath);
    if (e == EBUSY && (streq(w->ctrl, "memory")))
        tr_hint(err, "the new limit is below current usage");
    return -1;
}

/* Consecutive writes to one file share one open: each write() to a cgroup file is a request of
 * its own, and the v1 device rules are one a write (a dozen by default). */
struct open_cg_file {
    const struct cg_hier *h;
    const char *file;
    int fd;
};

static void open_cg_file_close(struct open_cg_file *of)
{
    if (of->fd >= 0)
        close(of->fd);
    of->fd = -1;
}

static int write_reusing(struct open_cg_file *of, const struct cg_hier *h, const struct cg_write *w,
                         struct tr_err *err)
{
    if (w->alt_file)
        return write_one(h, w, err);
    if (of->fd < 0 || of->h != h || !streq(of->file, w->file)) {
        open_cg_file_close(of);
        _cleanup_free_ char *p = xasprintf("%s/%s", h->dir, w->file);
        of->fd = cg_path_open(p, O_WRONLY | O_CLOEXEC);
        if (of->fd < 0)
            return tr_fail(err, errno, "write %s", p);
        of->h = h;
        of->file = w->file;
    }
    if (write_all(of->fd, w->value, strlen(w->value)) < 0) {
        int e = errno;
        open_cg_file_close(of);
        return tr_fail(err, e, "write %s/%s", h->dir, w->file);
    }
    return 0;
}

static int write_checked(struct cgroup_mgr *m, const struct cg_hier *h, const struct cg_write *w,
                         struct tr_err *err)
{
    return write_one(h, w, err) == 0 ? 0 : write_failed(m, h, w, err->code, err);
}

/* v1 memory limit + memsw: true when memsw must be written first (see cg_memsw_first). */
static bool memsw_goes_first(const struct cg_hier *h, const struct cg_write *memsw)
{
    uint64_t cur;
    return cg_read_u64(h->dir, "memory.limit_in_bytes", &cur) == 0 && cg_memsw_first(cur, memsw->value);
}

int cg_apply_writes(struct cgroup_mgr *m, const struct cg_writes *ws, bool v2list, bool update,
                    struct tr_err *err)
{
    __attribute__((cleanup(open_cg_file_close))) struct open_cg_file of = { .fd = -1 };
    for (size_t i = 0; i < ws->n; i++) {
        const struct cg_write *w = &ws->v[i];
        const char *why;
        struct cg_hier *h = target(m, w, v2list, &why);
        if (!h) {
            if (why && *why && missing_controller(m, w, v2list, err) < 0)
                return -1;
            continue;
        }
        if (update && (w->flags & CG_W_CHECK_USAGE) && check_usage(h, w, err) < 0)
            return -1;
        if (update && streq(w->file, "devices.deny") && streq(w->value, "a") && already_default_deny(h)) {
            /* a running container: resetting to deny-all would fail its opens until the allow
             * rules are back; the rules that follow are applied on top instead */
            continue;
        }
        if ((w->flags & CG_W_MEMSW_PAIR) && i + 1 < ws->n && memsw_goes_first(h, &ws->v[i + 1])) {
            if (write_checked(m, h, &ws->v[i + 1], err) < 0 || write_checked(m, h, w, err) < 0)
                return -1;
            i++;
            continue;
        }
        if (write_reusing(&of, h, w, err) == 0)
            continue;
        int e = err->code;
        if ((w->flags & CG_W_SWAP_ORDER) && i + 1 < ws->n && (e == EINVAL || e == EBUSY)) {
            /* e.g. a memory limit above the current memsw limit: write the pair's other half first */
            if (write_one(h, &ws->v[i + 1], err) == 0 && write_one(h, w, err) == 0) {
                i++;
                continue;
            }
            e = err->code;
        }
        if (write_failed(m, h, w, e, err) < 0)
            return -1;
    }
    return 0;
}
