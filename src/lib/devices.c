/* /dev of the container: the default nodes of runtime-linux.md, linux.devices, /dev/ptmx, the
 * /dev/fd and std{in,out,err} links, and /dev/console. Nodes are made with mknod; where that is
 * refused (rootless, user namespace), an empty file gets the host node bind-mounted on it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "log.h"
#include "rootfs-internal.h"
#include "util.h"

static const struct oci_device default_devices[] = {
    { .path = (char *) "/dev/null", .type = 'c', .major = 1, .minor = 3 },
    { .path = (char *) "/dev/zero", .type = 'c', .major = 1, .minor = 5 },
    { .path = (char *) "/dev/full", .type = 'c', .major = 1, .minor = 7 },
    { .path = (char *) "/dev/random", .type = 'c', .major = 1, .minor = 8 },
    { .path = (char *) "/dev/urandom", .type = 'c', .major = 1, .minor = 9 },
    { .path = (char *) "/dev/tty", .type = 'c', .major = 5, .minor = 0 },
};

static int name_of(const char *base, char name[NAME_MAX + 1], struct tr_err *err)
{
    size_t n = strcspn(base, "/");
    if (n == 0 || n > NAME_MAX)
        return tr_fail(err, EINVAL, "bad device path");
    memcpy(name, base, n);
    name[n] = '\0';
    return 0;
}

/* An existing non-directory at the path is replaced, so the node has the requested numbers. */
static int clear_path(int parent, const char *name, struct tr_err *err)
{
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : tr_fail(err, errno, "stat");
    if (S_ISDIR(st.st_mode))
        return tr_fail(err, EISDIR, "path exists as a directory");
    if (unlinkat(parent, name, 0) < 0)
        return tr_fail(err, errno, "remove the existing file");
    return 0;
}

/* Bind the host node of the same path onto an empty file. */
static int bind_host_node(int root, int parent, const char *name, const char *host_path, const char *dest,
                          struct tr_err *err)
{
    int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f < 0)
        return tr_fail(err, errno, "create bind target");
    close(f);
    _cleanup_close_ int target = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0)
        return tr_fail(err, errno, "open bind target");
    struct bind_attrs a = { .idmap_userns_fd = -1 };
    _cleanup_close_ int tree = bind_on_fd(host_path, -1, &a, root, target, dest, err);
    return tree < 0 ? -1 : 0;
}

static bool overridden(const struct oci_linux *lx, const char *path)
{
    for (size_t i = 0; lx && i < lx->devices_len; i++)
        if (lx->devices[i].path && streq(lx->devices[i].path, path))
            return true;
    return false;
}

/* What the nodes made in one directory need after mknod: a mode the umask changed, an owner
 * other than the creator (a setgid directory hands down its group). Learnt once per directory. */
struct node_dir { int fd; mode_t umask; uid_t uid; gid_t gid; bool setgid; };

/* mask: the umask mknod will apply (07777 when not known: the mode is always set after). */
static int node_dir_open(struct node_dir *nd, int fd, mode_t mask, struct tr_err *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return tr_fail(err, errno, "stat the device directory");
    nd->fd = fd;
    nd->umask = mask;
    nd->uid = geteuid();
    nd->gid = getegid();
    nd->setgid = (st.st_mode & S_ISGID) != 0;
    return 0;
}

static int make_node(struct rootfs_run *r, const struct node_dir *nd, const char *name, const struct oci_device *d,
                     struct tr_err *err)
{
    mode_t kind;
    switch (d->type) {
    case 'c': case 'u': kind = S_IFCHR; break;
    case 'b': kind = S_IFBLK; break;
    case 'p': kind = S_IFIFO; break;
    default: return tr_failx(err, "unknown device type '%c' (want c, b, u or p)", d->type);
    }
    if (clear_path(nd->fd, name, err) < 0)
        return -1;
    mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
    bool bind = kind != S_IFIFO && r->c->rootless;
    if (!bind && mknodat(nd->fd, name, kind | perm, makedev((unsigned) d->major, (unsigned) d->minor)) < 0) {
        if (errno != EPERM || kind == S_IFIFO)
            return tr_fail(err, errno, "mknod");
        bind = true;   /* a user namespace: mknod of devices is never allowed there */
    }
    if (bind)
        return bind_host_node(r->root, nd->fd, name, d->path, d->path, err);
    /* mknod applied the umask and made the node ours: fix what differs from what was asked */
    if ((perm & nd->umask) && fchmodat(nd->fd, name, perm, 0) < 0)
        return tr_fail(err, errno, "chmod");
    uid_t uid = d->has_uid ? d->uid : 0;
    gid_t gid = d->has_gid ? d->gid : 0;
    if ((uid != nd->uid || gid != nd->gid || nd->setgid) && fchownat(nd->fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return tr_fail(err, errno, "chown");
    return 0;
}

static int create_device(struct rootfs_run *r, const struct oci_device *d, struct tr_err *err)
{
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(r->root, d->path, &base, err);
    char name[NAME_MAX + 1];
    struct node_dir nd;
    if (parent < 0 || name_of(base, name, err) < 0 || node_dir_open(&nd, parent, 07777, err) < 0)
        return -1;
    return make_node(r, &nd, name, d, err);
}

/* The default nodes all live in /dev: one resolution of it for all of them, and no umask
 * (so no chmod after each mknod). */
static int create_default_devices(struct rootfs_run *r, const struct oci_linux *lx, struct tr_err *err)
{
    _cleanup_close_ int dev = mkdir_in_root(r->root, "/dev", 0755, err);
    struct node_dir nd;
    if (dev < 0 || node_dir_open(&nd, dev, 0, err) < 0)
        return tr_prefix(err, "/dev");
    mode_t old_umask = umask(0);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(default_devices); i++) {
        const struct oci_device *d = &default_devices[i];
        if (!overridden(lx, d->path) && make_node(r, &nd, d->path + strlen("/dev/"), d, err) < 0)
            rc = tr_prefix(err, "default device %s", d->path);
    }
    umask(old_umask);
    return rc;
}

static int dev_links(struct rootfs_run *r, struct tr_err *err)
{
    static const char *const links[][2] = {
        { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
        { "/proc/kcore", "core" },
    };
    _cleanup_close_ int dev = mkdir_in_root(r->root, "/dev", 0755, err);
    if (dev < 0)
        return -1;
    /* a ptmx of the container's own devpts instance (newinstance) */
    if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
        return tr_fail(err, errno, "remove /dev/ptmx");
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
        return tr_fail(err, errno, "symlink /dev/ptmx -> pts/ptmx");
    for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
        if (streq(links[i][1], "core") && access("/proc/kcore", F_OK) < 0)
            continue;   /* as runc: only when the kernel has one */
        if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
            return tr_fail(err, errno, "symlink /dev/%s -> %s", links[i][1], links[i][0]);
    }
    return 0;
}

int devices_setup(struct rootfs_run *r, struct tr_err *err)
{
    const struct oci_linux *lx = r->c->spec->linux_;
    if (!r->setup_dev) {
        /* /dev is a bind of a host /dev: creating or replacing nodes there would touch the host */
        if (lx && lx->devices_len)
            tr_debug("/dev is a bind mount: linux.devices not created");
        return 0;
    }
    if (create_default_devices(r, lx, err) < 0)
        return -1;
    for (size_t i = 0; lx && i < lx->devices_len; i++) {
        const struct oci_device *d = &lx->devices[i];
        if (!d->path || d->path[0] != '/')
            return tr_failx(err, "linux.devices[%zu].path: must be an absolute path", i);
        if (create_device(r, d, err) < 0)
            return tr_prefix(err, "linux.devices[%zu] (%s)", i, d->path);
    }
    return dev_links(r, err);
}

/* The bind target for /dev/console in parent (the container's /dev): an existing regular file
 * or character device is covered, never unlinked (with /dev bound from the host or the image
 * it is theirs); a missing one is created empty. A symlink is refused, not followed: mount(2)
 * on the path would put the pty wherever the container points it, over a masked /proc file
 * for instance (CVE-2025-52565 class). Returns an O_PATH fd of the node itself. */
static int console_target(int parent, struct tr_err *err)
{
    struct stat st;
    if (fstatat(parent, "console", &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            return tr_fail(err, errno, "/dev/console: stat");
        int f = openat(parent, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f < 0)
            return tr_fail(err, errno, "/dev/console: create");
        close(f);
    } else if (S_ISLNK(st.st_mode)) {
        return tr_failx(err, "/dev/console is a symlink in the container: refusing to bind the pty "
                             "where it points (remove it from the image, or let the runtime mount /dev)");
    } else if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
        return tr_failx(err, "/dev/console in the container is not a file or a character device: "
                             "refusing to bind the pty on it");
    }
    int target = openat(parent, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0)
        return tr_fail(err, errno, "/dev/console: open");
    /* the same check on what was opened: the node may have been swapped since the stat */
    if (fstat(target, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))) {
        close(target);
        return tr_failx(err, "/dev/console in the container changed into a non-file while being "
                             "set up: refusing to bind the pty on it");
    }
    return target;
}

/* Bind the pty slave_fd on root's /dev/console as console_target allows it; err carries no
 * "/dev/console" prefix for a failed bind: the caller names the pty. */
static int bind_console(int root, int slave_fd, struct tr_err *err)
{
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root, "/dev/console", &base, err);
    if (parent < 0)
        return tr_prefix(err, "/dev/console");
    _cleanup_close_ int target = console_target(parent, err);
    if (target < 0)
        return -1;
    struct bind_attrs a = { .idmap_userns_fd = -1 };
    _cleanup_close_ int tree = bind_on_fd("", slave_fd, &a, root, target, "/dev/console", err);
    return tree < 0 ? -1 : 0;
}

/* Unix98 pty slaves: majors 136..143 (UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT). */
static bool is_pty_slave(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && major(st->st_rdev) >= 136 && major(st->st_rdev) < 144;
}

int rootfs_console_bind(int master, struct tr_err *err)
{
    /* The slave from the master itself (TIOCGPTPEER), not by its /dev/pts/N name: nothing the
     * container put at that path can be bound instead. */
    _cleanup_close_ int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (slave < 0)
        return tr_fail(err, errno, "/dev/console: open the pty slave (ioctl TIOCGPTPEER)");
    if (fstat(slave, &st) < 0 || !is_pty_slave(&st))
        return tr_failx(err, "/dev/console: the pty slave is not a pty device");
    _cleanup_close_ int root = root_dir_open("/", err);
    if (root < 0)
        return -1;
    if (bind_console(root, slave, err) < 0)
        return tr_prefix(err, "/dev/console (the pty)");
    return 0;
}
