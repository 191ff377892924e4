/* cgroupfs file operations shared by the v1 and v2 backends: read/write of control files,
 * directory creation and removal, joining, listing pids, and applying a list of writes. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cgroup/internal.h"
#include "log.h"
#include "util.h"

int cg_write(const char *dir, const char *file, const char *value, struct tr_err *err)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "write %s", p);
    if (write_all(fd, value, strlen(value)) < 0)
        return tr_fail(err, errno, "write %s", p);
    return 0;
}

char *cg_read(const char *dir, const char *file, struct tr_err *err)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    size_t len;
    char *s = read_file(p, &len, err);
    if (s && len > 0 && s[len - 1] == '\n')
        s[len - 1] = '\0';
    return s;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
    struct tr_err e;
    _cleanup_free_ char *s = cg_read(dir, file, &e);
    if (!s)
        return -1;
    if (streq(s, "max")) {
        *out = UINT64_MAX;
        return 0;
    }
    return parse_u64(s, out);
}

static void note_created(struct cgroup_mgr *m, struct cg_hier *h, const char *dir)
{
    int depth = 0;   /* levels from dir down to the leaf, dir included */
    for (const char *p = h->dir + strlen(dir); *p; p++)
        depth += *p == '/';
    if (depth + 1 > m->created)
        m->created = depth + 1;
}

/* mkdir every missing level of h->dir; v1 cpuset levels get cpus/mems from their parent when
 * empty, v2 parents get their controllers enabled in cgroup.subtree_control. */
int cg_mkdir_path(struct cgroup_mgr *m, struct cg_hier *h, struct tr_err *err)
{
    size_t ml = strlen(h->mnt);
    bool cpuset = !h->v2 && cg_hier_has(h, "cpuset");
    _cleanup_free_ char *buf = xstrdup(h->dir);
    char *p = buf + ml;
    while (*p == '/') {
        char *slash = strchr(p + 1, '/');
        if (slash)
            *slash = '\0';
        if (h->v2) {
            char *cut = strrchr(buf, '/');
            *cut = '\0';
            int r = cg_v2_enable_controllers(m, buf, err);
            *cut = '/';
            if (r < 0)
                return -1;
        }
        if (mkdir(buf, 0755) == 0)
            note_created(m, h, buf);
        else if (errno != EEXIST)
            return tr_fail(err, errno, "mkdir %s", buf);
        if (cpuset && cg_v1_cpuset_init(buf, err) < 0)
            return -1;
        if (!slash)
            break;
        *slash = '/';
        p = slash;
    }
    return 0;
}

/* rmdir the leaf (retrying while the last processes exit) then the empty parents we created. */
int cg_rmdir_path(struct cgroup_mgr *m, struct cg_hier *h)
{
    int tries = 0;
    /* children first: a container may have made sub-cgroups (delegation) */
    DIR *d = opendir(h->dir);
    if (d) {
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
    while (rmdir(h->dir) < 0) {
        if (errno == ENOENT)
            break;
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
        if (rmdir(buf) < 0)
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
    DIR *d = opendir(dir);
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
    if (!v2list && !v2_root_offers(cg_v2_hier(m), w->ctrl))
        return cg_soft_fail(m, err, 0, "%s: the %s cgroup controller is not mounted on this host (no "
                            "cgroup v1 hierarchy under " CG_ROOT " has it): mount it or remove the setting",
                            w->jpath, w->ctrl);
    struct cg_hier *h = cg_v2_hier(m);
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
        struct cg_hier *h = cg_find_hier(m, w->ctrl);
        if (!h && m->layout == CGROUP_LAYOUT_HYBRID && cg_v2_hier(m) && cg_hier_has(cg_v2_hier(m), w->ctrl))
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
        if (write_one(h, w, err) == 0)
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
