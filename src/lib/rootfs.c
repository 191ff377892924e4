/* The container's filesystem: rootfs_prepare (propagation, the rootfs made a mount point,
 * config mounts in order, /dev, console) and rootfs_finalize (pivot_root or MS_MOVE+chroot,
 * masked and read-only paths, read-only root, final propagation). See rootfs.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "log.h"
#include "rootfs-internal.h"
#include "security.h"
#include "util.h"

static const struct { const char *name; unsigned long flags; } propagations[] = {
    { "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
    { "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* linux.rootfsPropagation -> MS_* (0 when unset). */
static int root_propagation(const struct rootfs_ctx *c, unsigned long *out, struct tr_err *err)
{
    const char *p = c->spec->linux_ ? c->spec->linux_->rootfs_propagation : NULL;
    *out = 0;
    if (!p || !*p)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
        if (streq(p, propagations[i].name)) {
            *out = propagations[i].flags;
            return 0;
        }
    return tr_failx(err, "linux.rootfsPropagation: unknown value \"%s\" (want shared, slave, private, "
                         "unbindable or their r* forms)", p);
}

static bool mnt_id_of(int fd, unsigned long long *id)
{
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
        return false;
    *id = stx.stx_mnt_id;
    return true;
}

/* The optional "shared:N" field of the mountinfo line of mount id is on. */
static bool mount_is_shared(unsigned long long want)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long long id;
        if (sscanf(line, "%llu", &id) != 1 || id != want)
            continue;
        char *sep = strstr(line, " - ");
        char *sh = strstr(line, " shared:");
        return sh && (!sep || sh < sep);
    }
    return true;   /* unknown: make it private, harmless for the pivot */
}

/* O_PATH fd of the root of the mount that contains fd's directory: walk ".." while the mount
 * id stays the same (".." at a mount root crosses into the parent mount). */
static int mount_root_of(int fd, unsigned long long id)
{
    int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    for (int depth = 0; cur >= 0 && depth < 4096; depth++) {
        struct stat a, b;
        unsigned long long pid;
        int par = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (par < 0)
            break;
        if (!mnt_id_of(par, &pid) || pid != id || (fstat(cur, &a) == 0 && fstat(par, &b) == 0 &&
                                                   a.st_ino == b.st_ino && a.st_dev == b.st_dev)) {
            close(par);
            break;
        }
        close(cur);
        cur = par;
    }
    return cur;
}

/* pivot_root refuses a new root whose parent mount is shared, and a bind under a shared parent
 * would propagate out of this namespace: make the mount holding the rootfs private (only
 * that one, and only when shared, like runc). */
static int parent_mount_private(const struct rootfs_ctx *c, struct tr_err *err)
{
    _cleanup_close_ int fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    unsigned long long id;
    if (fd < 0)
        return tr_fail(err, errno, "root.path: open %s", c->rootfs);
    if (!mnt_id_of(fd, &id) || !mount_is_shared(id))
        return 0;
    _cleanup_close_ int top = mount_root_of(fd, id);
    if (top < 0)
        return tr_fail(err, errno, "root.path: find the mount holding %s", c->rootfs);
    if (mount_set_propagation(top, MS_PRIVATE, c->rootfs, err) < 0)
        return tr_prefix(err, "root.path: parent mount");
    return 0;
}

static int prepare_root_mount(const struct rootfs_ctx *c, struct tr_err *err)
{
    unsigned long prop;
    if (root_propagation(c, &prop, err) < 0)
        return -1;
    /* runc's default: rslave, so host mounts still reach us but nothing we do reaches the host.
     * An unbindable / could not be bound onto itself below: it is private until then (neither
     * receives nor sends propagation), and unbindable once the container's / is set up. */
    unsigned long first = !prop ? MS_SLAVE | MS_REC
                          : (prop & MS_UNBINDABLE) ? MS_PRIVATE | (prop & MS_REC) : prop;
    if (mount(NULL, "/", NULL, first, NULL) < 0)
        return tr_fail(err, errno, "linux.rootfsPropagation: set propagation of /");
    if (parent_mount_private(c, err) < 0)
        return -1;
    if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return tr_fail(err, errno, "root.path: bind %s onto itself", c->rootfs);
    return 0;
}

static bool dev_is_bind(const struct oci_spec *s)
{
    for (size_t i = 0; i < s->mounts_len; i++) {
        const struct oci_mount *m = &s->mounts[i];
        const char *d = m->destination;
        if (!d || strcmp(d, "/dev") != 0)
            continue;
        struct mount_plan p;
        struct tr_err e;
        bool bind = m->type && streq(m->type, "bind");
        if (mount_plan_from_options(m->options, m->options_len, &p, &e) == 0) {
            bind = bind || p.bind;
            mount_plan_free(&p);
        }
        if (bind)
            return true;
    }
    return false;
}

int rootfs_prepare(const struct rootfs_ctx *c, struct tr_err *err)
{
    if (!c->rootfs || c->rootfs[0] != '/')
        return tr_failx(err, "root.path: the rootfs must be an absolute path");
    mode_t old_umask = umask(022);   /* directories we create must be usable by any user */
    int rc = -1;
    if (prepare_root_mount(c, err) < 0)
        goto out;
    struct rootfs_run r = { .c = c, .root = root_dir_open(c->rootfs, err), .setup_dev = !dev_is_bind(c->spec) };
    if (r.root < 0) {
        tr_prefix(err, "root.path");
        goto out;
    }
    for (size_t i = 0; i < c->spec->mounts_len; i++)
        if (mount_one(&r, i, &c->spec->mounts[i], err) < 0)
            goto out_root;
    if (devices_setup(&r, err) < 0)
        goto out_root;
    rc = 0;
out_root:
    close(r.root);
out:
    mount_sources_close(c->sources);   /* the ones not attached (a failure, or no mount) */
    umask(old_umask);
    return rc;
}

static int do_pivot(const struct rootfs_ctx *c, struct tr_err *err)
{
    _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0)
        return tr_fail(err, errno, "open /");
    _cleanup_close_ int newroot = open(c->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (newroot < 0)
        return tr_fail(err, errno, "root.path: open %s", c->rootfs);
    if (fchdir(newroot) < 0)
        return tr_fail(err, errno, "root.path: chdir %s", c->rootfs);
    /* new root and put_old the same: the old root ends up stacked on "." and is detached */
    if (syscall(SYS_pivot_root, ".", ".") < 0) {
        int e = errno;
        tr_fail(err, e, "root.path: pivot_root into %s", c->rootfs);
        if (e == EINVAL)
            tr_hint(err, "is the rootfs on a ramfs? use --no-pivot");
        return -1;
    }
    if (fchdir(oldroot) < 0)
        return tr_fail(err, errno, "fchdir to the old root");
    /* slave first, so the unmount below cannot propagate to the host */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return tr_fail(err, errno, "make the old root rslave");
    if (umount2(".", MNT_DETACH) < 0)
        return tr_fail(err, errno, "detach the old root");
    if (chdir("/") < 0)
        return tr_fail(err, errno, "chdir /");
    return 0;
}

static bool path_under(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0' || (n == 1 && dir[0] == '/'));
}

/* --no-pivot: hide what we can of the host first (runc does the same), then move the rootfs
 * onto / and chroot. The host tree stays attached below, so this is weaker than pivot_root. */
static void detach_host_mounts(const char *rootfs)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096], **mps = NULL;
    size_t n = 0;
    while (f && fgets(line, sizeof(line), f)) {
        char mp[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
            continue;
        if (streq(mp, "/") || path_under(mp, rootfs) || path_under(rootfs, mp))
            continue;
        mps = xrealloc(mps, (n + 1) * sizeof(*mps));
        mps[n++] = xstrdup(mp);   /* octal escapes (\040) only make umount fail: harmless */
    }
    while (n--) {   /* children after parents in mountinfo: undo in reverse */
        if (umount2(mps[n], MNT_DETACH) < 0)
            tr_debug("--no-pivot: cannot detach %s: %s", mps[n], strerror(errno));
        free(mps[n]);
    }
    free(mps);
}

static int do_move_root(const struct rootfs_ctx *c, struct tr_err *err)
{
    detach_host_mounts(c->rootfs);
    if (chdir(c->rootfs) < 0)
        return tr_fail(err, errno, "root.path: chdir %s", c->rootfs);
    if (mount(c->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return tr_fail(err, errno, "root.path: move %s onto /", c->rootfs);
    if (chroot(".") < 0)
        return tr_fail(err, errno, "root.path: chroot %s", c->rootfs);
    if (chdir("/") < 0)
        return tr_fail(err, errno, "chdir /");
    return 0;
}

static int mask_dir(int target, const char *path, const char *label, struct tr_err *err)
{
    _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0) {
        if (errno == ENOSYS)
            return mount_fs_on_fd("tmpfs", "tmpfs", MS_RDONLY, NULL, target, path, err);
        return tr_fail(err, errno, "fsopen tmpfs");
    }
    if (label && *label && fsconfig(fs, FSCONFIG_SET_STRING, "context", label, 0) < 0)
        return tr_fail(err, errno, "tmpfs context=%s", label);
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return tr_fail(err, errno, "create tmpfs");
    _cleanup_close_ int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
    if (mnt < 0)
        return tr_fail(err, errno, "fsmount tmpfs");
    if (move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return tr_fail(err, errno, "mount a read-only tmpfs on %s", path);
    return 0;
}

/* The container's /dev/null, opened once and checked on the fd that is then bound: a masked
 * path must get the null device and nothing else. A symlink (resolved inside the root), a
 * file, a directory or another device planted by the image or a hook would otherwise be bound
 * over the masked path, readable or writable there (CVE-2025-31133 class). */
static int open_null_device(int root, size_t idx, const char *p, struct tr_err *err)
{
    _cleanup_close_ int null = resolve_in_root(root, "/dev/null", O_PATH, 0);
    struct stat st;
    if (null < 0 || fstat(null, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        return tr_failx(err, "linux.maskedPaths[%zu] (%s): the container's /dev/null is missing or "
                             "not the null device (char 1:3): refusing to mask with it", idx, p);
    return steal_fd(&null);
}

static int mask_paths(int root, const struct oci_linux *lx, struct tr_err *err)
{
    _cleanup_close_ int null = -1;
    for (size_t i = 0; i < lx->masked_paths_len; i++) {
        const char *p = lx->masked_paths[i];
        _cleanup_close_ int fd = resolve_in_root(root, p, O_PATH, 0);
        struct stat st;
        if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
            continue;   /* nothing to hide */
        if (fd < 0 || fstat(fd, &st) < 0)
            return tr_fail(err, errno, "linux.maskedPaths[%zu] (%s): open", i, p);
        if (S_ISDIR(st.st_mode)) {
            if (mask_dir(fd, p, selinux_enabled() ? lx->mount_label : NULL, err) < 0)
                return tr_prefix(err, "linux.maskedPaths[%zu] (%s)", i, p);
            continue;
        }
        if (null < 0 && (null = open_null_device(root, i, p, err)) < 0)
            return -1;
        struct bind_attrs a = { .idmap_userns_fd = -1 };
        _cleanup_close_ int tree = bind_on_fd("", null, &a, root, fd, p, err);
        if (tree < 0)
            return tr_prefix(err, "linux.maskedPaths[%zu] (%s)", i, p);
    }
    return 0;
}

static int readonly_paths(int root, const struct oci_linux *lx, struct tr_err *err)
{
    for (size_t i = 0; i < lx->readonly_paths_len; i++) {
        const char *p = lx->readonly_paths[i];
        _cleanup_close_ int fd = resolve_in_root(root, p, O_PATH, 0);
        if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
            continue;
        if (fd < 0)
            return tr_fail(err, errno, "linux.readonlyPaths[%zu] (%s): open", i, p);
        /* rbind onto itself, read-only on top only (as runc); other flags are left as they are */
        struct bind_attrs a = { .recursive = true, .flags = MS_RDONLY, .idmap_userns_fd = -1 };
        _cleanup_close_ int tree = bind_on_fd("", fd, &a, root, fd, p, err);
        if (tree < 0)
            return tr_prefix(err, "linux.readonlyPaths[%zu] (%s)", i, p);
    }
    return 0;
}

static int rootfs_protect(const struct rootfs_ctx *c, struct tr_err *err);

int rootfs_finalize(const struct rootfs_ctx *c, struct tr_err *err)
{
    unsigned long prop;
    if (root_propagation(c, &prop, err) < 0)
        return -1;
    if ((c->no_pivot ? do_move_root(c, err) : do_pivot(c, err)) < 0)
        return -1;
    /* The rootfs bind took its propagation from the mount holding it, not from what
     * prepare_root_mount set on the old /: apply linux.rootfsPropagation to the new / (runc
     * does the same after pivot_root). Not unbindable yet: maskedPaths and readonlyPaths
     * still bind from below /; rootfs_protect applies it last. */
    if (prop && !(prop & MS_UNBINDABLE) && mount(NULL, "/", NULL, prop, NULL) < 0)
        return tr_fail(err, errno, "linux.rootfsPropagation: set the propagation of the new /");
    return rootfs_protect(c, err);
}

/* A read-only /dev was mounted writable so that it could be filled: make it read-only now. */
static int dev_readonly(int root, const struct oci_spec *spec, struct tr_err *err)
{
    bool ro = false;
    for (size_t i = 0; i < spec->mounts_len && !ro; i++) {
        struct mount_plan p;
        struct tr_err e;
        if (mount_plan_from_options(spec->mounts[i].options, spec->mounts[i].options_len, &p, &e) < 0)
            continue;   /* mount_one already failed on it */
        ro = mount_is_readonly_dev(&spec->mounts[i], &p);
        mount_plan_free(&p);
    }
    if (!ro)
        return 0;
    _cleanup_close_ int dev = resolve_in_root(root, "/dev", O_PATH | O_DIRECTORY, 0);
    if (dev < 0)
        return tr_fail(err, errno, "open /dev");
    return mount_set_flags(dev, MS_RDONLY, 0, false, "/dev", err);
}

/* Inside the root: maskedPaths, readonlyPaths, root.readonly, then rootfsPropagation of "/". */
static int rootfs_protect(const struct rootfs_ctx *c, struct tr_err *err)
{
    const struct oci_linux *lx = c->spec->linux_;
    unsigned long prop;
    if (root_propagation(c, &prop, err) < 0)
        return -1;
    mode_t old_umask = umask(022);
    int rc = -1;
    _cleanup_close_ int root = root_dir_open("/", err);
    if (root < 0)
        goto out;
    if (lx && (mask_paths(root, lx, err) < 0 || readonly_paths(root, lx, err) < 0))
        goto out;
    if (dev_readonly(root, c->spec, err) < 0) {
        tr_prefix(err, "mounts (/dev, ro)");
        goto out;
    }
    if (c->spec->root_readonly) {
        _cleanup_close_ int top = resolve_in_root(root, "/", O_PATH, 0);
        if (top < 0 || mount_set_flags(top, MS_RDONLY, 0, false, "/", err) < 0) {
            if (top < 0)
                tr_fail(err, errno, "open /");
            tr_prefix(err, "root.readonly");
            goto out;
        }
    }
    /* applied again on the new / (only now is "/" the container's root mount) */
    if (prop && mount(NULL, "/", NULL, prop, NULL) < 0) {
        tr_fail(err, errno, "linux.rootfsPropagation: set propagation of the container's /");
        goto out;
    }
    rc = 0;
out:
    umask(old_umask);
    return rc;
}
