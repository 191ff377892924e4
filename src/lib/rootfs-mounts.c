/* One config.json mount into the rootfs: bind/rbind (dirs and files), proc, sysfs (host /sys
 * bind when it cannot be mounted), tmpfs (+tmpcopyup), mqueue, cgroup (v2 or a tmpfs of v1
 * hierarchies), anything else with data options. Targets are resolved inside the rootfs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "log.h"
#include "rootfs-internal.h"
#include "security.h"
#include "util.h"

/* Per-mount flags: the only ones a bind mount (or mount_setattr) can change. */
#define PER_MOUNT_MS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | \
                      MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW)

static int mount_cgroup(struct rootfs_run *r, const struct oci_mount *m, const struct mount_plan *p,
                        struct tr_err *err);

static int open_top(struct rootfs_run *r, const char *dest, struct tr_err *err)
{
    int fd = resolve_in_root(r->root, dest, O_PATH, 0);
    if (fd < 0)
        return tr_fail(err, errno, "open %s in rootfs after mounting", dest);
    return fd;
}

/* After a mount landed on dest: recursive attributes (rro...) and propagation. */
static int finish_mount(struct rootfs_run *r, const char *dest, const struct mount_plan *p, int top,
                        struct tr_err *err)
{
    _cleanup_close_ int own = -1;
    if (!p->attr_set && !p->attr_clr && !(p->propagation & ~(unsigned long) MS_REC))
        return 0;
    if (top < 0 && (top = own = open_top(r, dest, err)) < 0)
        return -1;
    if (mount_setattr_fd(top, true, p->attr_set, p->attr_clr, dest, err) < 0)
        return -1;
    return mount_set_propagation(top, p->propagation, dest, err);
}

static bool wants_label(const char *type)
{
    return !streq(type, "proc") && !streq(type, "sysfs") && !streq(type, "mqueue") &&
           !streq(type, "cgroup") && !streq(type, "cgroup2");
}

static int mount_fs(struct rootfs_run *r, const struct oci_mount *m, const struct mount_plan *p,
                    const char *type, unsigned long flags, struct tr_err *err)
{
    const struct oci_linux *lx = r->c->spec->linux_;
    _cleanup_free_ char *labeled = NULL;
    if (lx && lx->mount_label && wants_label(type) && selinux_enabled())
        labeled = selinux_mount_options(lx->mount_label, p->data);
    _cleanup_close_ int fd = open_mount_target(r->root, m->destination, true, err);
    if (fd < 0)
        return -1;
    const char *src = m->source && *m->source ? m->source : type;
    return mount_fs_on_fd(src, type, flags, labeled ? labeled : p->data, fd, m->destination, err);
}

/* Bind src on dest; pre >= 0 is src already cloned by the runtime (mount-sources.c), owned. */
static int bind_path_pre(struct rootfs_run *r, const char *src, int pre, const char *dest, const struct mount_plan *p,
                         bool recursive, const struct oci_mount *m, struct tr_err *err)
{
    _cleanup_close_ int own = pre;
    struct stat st;
    if ((pre >= 0 ? fstat(pre, &st) : stat(src, &st)) < 0)
        return tr_fail(err, errno, "bind source %s", src);
    _cleanup_close_ int fd = open_mount_target(r->root, dest, S_ISDIR(st.st_mode), err);
    if (fd < 0)
        return -1;
    struct bind_attrs a = {
        .recursive = recursive,
        .flags = p->flags & PER_MOUNT_MS,
        /* In a user namespace the source's ro/nosuid/nodev/noexec/atime may be locked: never
         * clear them (runc keeps them too); elsewhere an explicit "rw", "suid"... is honoured. */
        .clear_flags = r->c->in_userns ? 0 : p->clear_flags & PER_MOUNT_MS,
        .rattr_set = p->attr_set, .rattr_clr = p->attr_clr,
        .idmap_userns_fd = -1, .idmap_recursive = p->recursive_idmap,
    };
    _cleanup_close_ int userns = -1;
    if (p->idmap && m) {
        if (!m->uid_mappings_len || !m->gid_mappings_len)
            return tr_failx(err, "\"idmap\" needs uidMappings and gidMappings");
        if ((userns = idmap_userns_open(m, err)) < 0)
            return -1;
        a.idmap_userns_fd = userns;
    }
    if (pre >= 0) {
        if (bind_tree_on_fd(pre, &a, fd, src, dest, err) < 0)
            return -1;
        return mount_set_propagation(pre, p->propagation, dest, err);
    }
    _cleanup_close_ int tree = bind_on_fd(src, -1, &a, r->root, fd, dest, err);
    if (tree < 0)
        return -1;
    return mount_set_propagation(tree, p->propagation, dest, err);
}

static int bind_path(struct rootfs_run *r, const char *src, const char *dest, const struct mount_plan *p,
                     bool recursive, const struct oci_mount *m, struct tr_err *err)
{
    return bind_path_pre(r, src, -1, dest, p, recursive, m, err);
}

static int do_bind(struct rootfs_run *r, size_t idx, const struct oci_mount *m, const struct mount_plan *p,
                   struct tr_err *err)
{
    int pre = mount_sources_take(r->c->sources, idx);
    if (!m->source || !*m->source) {
        if (pre >= 0)
            close(pre);
        return tr_failx(err, "bind mount without a source");
    }
    return bind_path_pre(r, m->source, pre, m->destination, p, p->recursive_bind, m, err);
}

/* sysfs can only be mounted by a user namespace that owns the network namespace: otherwise
 * (rootless with the host network) bind the host /sys, as runc does. */
static int do_sysfs(struct rootfs_run *r, const struct oci_mount *m, const struct mount_plan *p, struct tr_err *err)
{
    if (r->c->new_netns || !r->c->in_userns) {
        if (mount_fs(r, m, p, "sysfs", p->flags, err) == 0)
            return finish_mount(r, m->destination, p, -1, err);
        if (err->code != EPERM && err->code != EBUSY)
            return -1;
        tr_debug("%s: sysfs mount refused (%s), binding the host /sys", m->destination, err->msg);
        tr_err_clear(err);
    }
    /* rro (k8s asks for it on /sys with host network + userns) reaches the host submounts too */
    return bind_path(r, "/sys", m->destination, p, true, NULL, err);
}

static int do_mqueue(struct rootfs_run *r, const struct oci_mount *m, const struct mount_plan *p, struct tr_err *err)
{
    if (mount_fs(r, m, p, "mqueue", p->flags, err) == 0)
        return finish_mount(r, m->destination, p, -1, err);
    /* an ipc namespace not owned by our user namespace: show the host's instead */
    if (err->code != EPERM || access("/dev/mqueue", F_OK) < 0)
        return -1;
    tr_err_clear(err);
    return bind_path(r, "/dev/mqueue", m->destination, p, false, NULL, err);
}

static int do_tmpfs(struct rootfs_run *r, const struct oci_mount *m, const struct mount_plan *p, struct tr_err *err)
{
    if (!p->tmpcopyup) {
        if (mount_fs(r, m, p, "tmpfs", p->flags, err) < 0)
            return -1;
        return finish_mount(r, m->destination, p, -1, err);
    }
    /* keep a handle on the directory the tmpfs is about to cover, to copy from it */
    _cleanup_close_ int dirp = open_mount_target(r->root, m->destination, true, err);
    if (dirp < 0)
        return -1;
    _cleanup_close_ int old = resolve_in_root(r->root, m->destination, O_RDONLY | O_DIRECTORY, 0);
    if (old < 0)
        return tr_fail(err, errno, "open %s", m->destination);
    if (mount_fs(r, m, p, "tmpfs", p->flags & ~(unsigned long) MS_RDONLY, err) < 0)
        return -1;
    _cleanup_close_ int neu = resolve_in_root(r->root, m->destination, O_RDONLY | O_DIRECTORY, 0);
    if (neu < 0)
        return tr_fail(err, errno, "open %s", m->destination);
    if (copy_tree(old, neu, err) < 0)
        return tr_prefix(err, "tmpcopyup");
    if ((p->flags & MS_RDONLY) && mount_set_flags(neu, MS_RDONLY, 0, false, m->destination, err) < 0)
        return -1;
    return finish_mount(r, m->destination, p, neu, err);
}

/* Generic: proc, devpts, overlay, fuse... with the remaining options as fs data. */
/* data without its "gid=..." option (malloc'd). */
static char *drop_gid_option(const char *data)
{
    char *out = xstrdup(data), *w = out;
    for (const char *o = data; *o;) {
        size_t n = strcspn(o, ",");
        if (strncmp(o, "gid=", 4) != 0) {
            if (w != out)
                *w++ = ',';
            memcpy(w, o, n);
            w += n;
        }
        o += n + (o[n] == ',');
    }
    *w = '\0';
    return out;
}

static int do_other(struct rootfs_run *r, const struct oci_mount *m, const struct mount_plan *p, struct tr_err *err)
{
    if (mount_fs(r, m, p, m->type, p->flags, err) < 0) {
        /* devpts refuses a gid= that the user namespace does not map (gid=5 with a single-id
         * map): retry without it, as crun does; the pty group is then the mapped root's */
        if (!streq(m->type, "devpts") || err->code != EINVAL || !p->data || !strstr(p->data, "gid="))
            return -1;
        tr_debug("%s: devpts refused %s (%s), retrying without gid=", m->destination, p->data, err->msg);
        tr_err_clear(err);
        struct mount_plan q = *p;
        _cleanup_free_ char *data = q.data = drop_gid_option(p->data);
        if (mount_fs(r, m, &q, m->type, q.flags, err) < 0)
            return -1;
    }
    return finish_mount(r, m->destination, p, -1, err);
}

/* Lexically clean an absolute path: no "//", ".", "..", trailing "/" (malloc'd). */
static char *clean_path(const char *in)
{
    char *out = xmalloc(strlen(in) + 2);
    size_t n = 0;
    for (const char *p = in; *p;) {
        while (*p == '/')
            p++;
        size_t len = strcspn(p, "/");
        if (len == 0 || (len == 1 && p[0] == '.')) {
            p += len;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (n > 0 && out[--n] != '/')
                ;
            p += len;
            continue;
        }
        out[n++] = '/';
        memcpy(out + n, p, len);
        n += len;
        p += len;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = '\0';
    return out;
}

/* Mounting over files below /proc would let a config hide or fake kernel files the runtime
 * relies on (CVE-2019-19921 class); only the files lxcfs-style tools replace are accepted.
 * Checked on the cleaned destination and on where it really resolves (a symlink into /proc). */
static int check_proc_target(struct rootfs_run *r, const struct oci_mount *m, struct tr_err *err)
{
    static const char *const allowed[] = {
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
        "/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev",
        "/proc/sys/kernel/ns_last_pid",
    };
    if (m->type && streq(m->type, "proc"))
        return 0;
    _cleanup_free_ char *d = clean_path(m->destination);
    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
        if (streq(d, allowed[i]))
            return 0;
    bool on_proc = strncmp(d, "/proc/", 6) == 0;
    _cleanup_close_ int fd = on_proc ? -1 : resolve_in_root(r->root, d, O_PATH, 0);
    struct statfs sf;
    if (fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
        on_proc = true;
    if (!on_proc)
        return 0;
    return tr_failx(err, "mounting over %s is not allowed: it is in procfs (only /proc itself or files "
                         "such as /proc/cpuinfo, /proc/meminfo, /proc/stat, /proc/uptime)", d);
}

/* proc and sysfs must land on a real directory of the rootfs: an image can ship /proc as a
 * symlink to anywhere in it, and following it would put procfs (and the masks and read-only
 * binds meant for /proc) at that place instead (CVE-2019-16884 class; runc and crun refuse). */
static int check_special_fs_target(struct rootfs_run *r, const char *type, const char *dest, struct tr_err *err)
{
    const char *base;
    char name[NAME_MAX + 1], link[PATH_MAX];
    struct stat st;
    _cleanup_close_ int parent = open_parent_in_root(r->root, dest, &base, err);
    if (parent < 0)
        return -1;
    size_t n = strcspn(base, "/");
    if (n > NAME_MAX)
        return tr_fail(err, ENAMETOOLONG, "%s", dest);
    memcpy(name, base, n);
    name[n] = '\0';
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : tr_fail(err, errno, "stat %s in rootfs", dest);
    if (S_ISLNK(st.st_mode)) {
        ssize_t l = readlinkat(parent, name, link, sizeof(link) - 1);
        link[l > 0 ? l : 0] = '\0';
        return tr_failx(err, "%s must be mounted on a directory, but %s in the rootfs is a symlink (to %s); "
                             "make it a directory in the image", type, dest, l > 0 ? link : "?");
    }
    if (!S_ISDIR(st.st_mode))
        return tr_failx(err, "%s must be mounted on a directory, but %s in the rootfs is not one", type, dest);
    return 0;
}

bool mount_is_readonly_dev(const struct oci_mount *m, const struct mount_plan *p)
{
    if (!m->destination || !(p->flags & MS_RDONLY))
        return false;
    _cleanup_free_ char *d = clean_path(m->destination);
    return streq(d, "/dev");
}

int mount_one(struct rootfs_run *r, size_t idx, const struct oci_mount *m, struct tr_err *err)
{
    struct mount_plan p;
    int rc;
    if (!m->destination || m->destination[0] != '/')
        return tr_failx(err, "mounts[%zu].destination: must be an absolute path", idx);
    if (mount_plan_from_options(m->options, m->options_len, &p, err) < 0)
        return tr_prefix(err, "mounts[%zu] (%s)", idx, m->destination);
    const char *type = m->type ? m->type : "";
    /* a read-only /dev is made read-only by rootfs_protect, once the nodes, links and the
     * mounts below it (pts, shm, mqueue) exist (runc and crun do the same) */
    if (mount_is_readonly_dev(m, &p))
        p.flags &= ~(unsigned long) MS_RDONLY;
    if (check_proc_target(r, m, err) < 0)
        rc = -1;
    else if ((streq(type, "proc") || streq(type, "sysfs")) && !p.bind &&
             check_special_fs_target(r, type, m->destination, err) < 0)
        rc = -1;
    else if (p.bind || streq(type, "bind"))
        rc = do_bind(r, idx, m, &p, err);
    else if (!*type)
        rc = tr_failx(err, "no type and no \"bind\"/\"rbind\" option");
    else if (streq(type, "sysfs"))
        rc = do_sysfs(r, m, &p, err);
    else if (streq(type, "mqueue"))
        rc = do_mqueue(r, m, &p, err);
    else if (streq(type, "tmpfs"))
        rc = do_tmpfs(r, m, &p, err);
    else if (streq(type, "cgroup"))
        rc = mount_cgroup(r, m, &p, err);
    else
        rc = do_other(r, m, &p, err);
    mount_plan_free(&p);
    if (rc < 0)
        return tr_prefix(err, "mounts[%zu] (%s)", idx, m->destination);
    return 0;
}

/* ---- cgroup ---- */

static int cgroup_v1_entry(struct rootfs_run *r, const char *dest, int destfd, const struct cgroup_mount_entry *e,
                           const struct mount_plan *p, struct tr_err *err)
{
    const char *dir = strncmp(e->name, "name=", 5) == 0 ? e->name + 5 : e->name;
    _cleanup_free_ char *path = xasprintf("%s/%s", dest, dir);
    struct mount_plan q = { .flags = p->flags & PER_MOUNT_MS };
    if (bind_path(r, e->host_path, path, &q, false, NULL, err) < 0)
        return -1;
    if (!strchr(dir, ','))
        return 0;
    /* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host */
    _cleanup_free_ char *names = xstrdup(dir);
    char *save = NULL;
    for (char *c = strtok_r(names, ",", &save); c; c = strtok_r(NULL, ",", &save))
        if (symlinkat(dir, destfd, c) < 0 && errno != EEXIST)
            return tr_fail(err, errno, "symlink %s/%s -> %s", dest, c, dir);
    return 0;
}

static int mount_cgroup(struct rootfs_run *r, const struct oci_mount *m, const struct mount_plan *p,
                        struct tr_err *err)
{
    const struct rootfs_ctx *c = r->c;
    const char *dest = m->destination;
    if (c->cgroup_mounts_len == 1 && !c->cgroup_mounts[0].name[0]) {
        if (c->new_cgroupns) {
            struct oci_mount m2 = *m;
            m2.source = "cgroup2";
            if (mount_fs(r, &m2, p, "cgroup2", p->flags, err) == 0)
                return finish_mount(r, dest, p, -1, err);
            if (err->code != EPERM && err->code != EBUSY)
                return -1;
            tr_debug("%s: cgroup2 mount refused (%s), binding %s", dest, err->msg, c->cgroup_mounts[0].host_path);
            tr_err_clear(err);
        }
        return bind_path(r, c->cgroup_mounts[0].host_path, dest, p, false, NULL, err);
    }
    if (c->cgroup_mounts_len == 0) {
        tr_warn("%s: no cgroup of the container to show; binding the host /sys/fs/cgroup", dest);
        return bind_path(r, "/sys/fs/cgroup", dest, p, true, NULL, err);
    }
    struct mount_plan t = { .flags = (p->flags & ~(unsigned long) MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            .data = (char *) "mode=755" };
    struct oci_mount tm = { .destination = m->destination, .type = (char *) "tmpfs", .source = (char *) "tmpfs" };
    if (mount_fs(r, &tm, &t, "tmpfs", t.flags, err) < 0)
        return -1;
    _cleanup_close_ int top = resolve_in_root(r->root, dest, O_PATH | O_DIRECTORY, 0);
    if (top < 0)
        return tr_fail(err, errno, "open %s", dest);
    for (size_t i = 0; i < c->cgroup_mounts_len; i++)
        if (cgroup_v1_entry(r, dest, top, &c->cgroup_mounts[i], p, err) < 0)
            return -1;
    if ((p->flags & MS_RDONLY) && mount_set_flags(top, MS_RDONLY, 0, false, dest, err) < 0)
        return -1;
    return finish_mount(r, dest, p, top, err);
}
