/* Mount primitives that act on an O_PATH fd resolved inside the rootfs.
 * Bind mounts use the new mount API: open_tree(OPEN_TREE_CLONE) makes a detached copy of the
 * source, mount_setattr changes only the attributes the config names (so the flags a user
 * namespace locks on the source, nosuid/nodev/noexec/ro/atime, are kept without having to
 * restate them), idmap is applied while detached, and move_mount attaches it to the fd. The
 * legacy remount path (statvfs-preserved flags) is kept for kernels without these calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rootfs-internal.h"
#include "sys.h"
#include "util.h"

#define ATIME_MS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

int mount_fs_on_fd(const char *source, const char *fstype, unsigned long flags, const char *data,
                   int target_fd, const char *dest, struct tr_err *err)
{
    struct fd_path p = fd_path(target_fd);
    if (tr_sys->mount(source, p.s, fstype, flags, data) < 0)
        return tr_fail(err, errno, "mount %s on %s", fstype ? fstype : source, dest);
    return 0;
}

static int setattr(int fd, unsigned int at, unsigned long long set, unsigned long long clr,
                   unsigned long long prop, int userns)
{
    struct mount_attr a = { .attr_set = set, .attr_clr = clr, .propagation = prop };
    if (userns >= 0)
        a.userns_fd = (unsigned long long) userns;
    return tr_sys->mount_setattr(fd, "", AT_EMPTY_PATH | at, &a, sizeof(a));
}

/* Kernels before 5.12 (no mount_setattr) or 5.2 (no open_tree): mount(2) MS_BIND on the
 * target fd, then MS_REMOUNT|MS_BIND with the flags asked for plus those the source already has
 * (statvfs), so nothing a user namespace locked is dropped, the same result as mount_setattr
 * changing only the named flags. Returns an fd of the new mount (looked up again in root). */
static int bind_legacy(const char *source, int source_dirfd, const struct bind_attrs *a, int root,
                       int target_fd, const char *dest, struct tr_err *err)
{
    struct fd_path sp = fd_path(source_dirfd), tp = fd_path(target_fd);
    const char *src = source && *source ? source : sp.s;
    const char *name = source && *source ? source : dest;
    if (a->rattr_set || a->rattr_clr || a->idmap_userns_fd >= 0)
        return tr_fail(err, ENOSYS, "bind %s on %s: recursive attributes and idmap need mount_setattr "
                                    "(Linux 5.12)", name, dest);
    if (tr_sys->mount(src, tp.s, NULL, MS_BIND | (a->recursive ? MS_REC : 0), NULL) < 0)
        return tr_fail(err, errno, "bind %s on %s", name, dest);
    /* the magic link names the covered directory: look dest up again to reach the new mount */
    _cleanup_close_ int top = resolve_in_root(root, dest, O_PATH, 0);
    if (top < 0)
        return tr_fail(err, errno, "open %s after binding", dest);
    if (!a->flags && !a->clear_flags)
        return steal_fd(&top);
    struct statvfs sv;
    if (fstatvfs(top, &sv) < 0)
        return tr_fail(err, errno, "statvfs %s", dest);
    unsigned long keep = ms_flags_from_statvfs(sv.f_flag);
    if ((a->flags | a->clear_flags) & ATIME_MS)
        keep &= ~(unsigned long) ATIME_MS;   /* an explicit atime choice replaces the source's */
    unsigned long flags = a->flags | (keep & ~a->clear_flags);
    struct fd_path np = fd_path(top);
    if (tr_sys->mount(NULL, np.s, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0) {
        int e = errno;
        tr_fail(err, e, "remount bind %s on %s", name, dest);
        if (e == EPERM)
            tr_hint(err, "a flag locked by the user namespace cannot be cleared on this source");
        return -1;
    }
    return steal_fd(&top);
}

/* The attributes of a on the detached tree, then attach it on target_fd. 1: the kernel has
 * no mount_setattr (nothing attached, tree unchanged). */
static int attach_tree(int tree, const struct bind_attrs *a, int target_fd, const char *name, const char *dest,
                       struct tr_err *err)
{
    if ((a->rattr_set || a->rattr_clr) && setattr(tree, AT_RECURSIVE, a->rattr_set, a->rattr_clr, 0, -1) < 0) {
        if (errno == ENOSYS)
            return 1;
        return tr_fail(err, errno, "bind %s on %s: mount_setattr (recursive)", name, dest);
    }
    unsigned long long set, clr;
    ms_to_mount_attr(a->flags, a->clear_flags, &set, &clr);
    if ((set || clr) && setattr(tree, 0, set, clr, 0, -1) < 0) {
        int e = errno;
        if (e == ENOSYS)
            return 1;
        tr_fail(err, e, "bind %s on %s: mount_setattr", name, dest);
        if (e == EPERM)
            tr_hint(err, "a flag locked by the user namespace (ro, nosuid, nodev, noexec or atime) "
                         "cannot be cleared on this source");
        return -1;
    }
    if (a->idmap_userns_fd >= 0 &&
        setattr(tree, a->idmap_recursive ? AT_RECURSIVE : 0, MOUNT_ATTR_IDMAP, 0, 0, a->idmap_userns_fd) < 0)
        return tr_fail(err, errno, "bind %s on %s: mount_setattr idmap", name, dest);
    if (tr_sys->move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return tr_fail(err, errno, "bind %s on %s: move_mount", name, dest);
    return 0;
}

int bind_on_fd(const char *source, int source_dirfd, const struct bind_attrs *a, int root, int target_fd,
               const char *dest, struct tr_err *err)
{
    unsigned int fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (a->recursive ? AT_RECURSIVE : 0);
    const char *name = source && *source ? source : dest;
    if (!source || !*source)
        fl |= AT_EMPTY_PATH;
    _cleanup_close_ int tree = tr_sys->open_tree(source_dirfd >= 0 ? source_dirfd : AT_FDCWD, source ? source : "", fl);
    if (tree < 0 && errno == ENOSYS)
        return bind_legacy(source, source_dirfd, a, root, target_fd, dest, err);
    if (tree < 0)
        return tr_fail(err, errno, "bind %s on %s: open_tree", name, dest);
    int rc = attach_tree(tree, a, target_fd, name, dest, err);
    if (rc > 0)   /* the detached copy is dropped when tree is closed */
        return bind_legacy(source, source_dirfd, a, root, target_fd, dest, err);
    return rc < 0 ? -1 : steal_fd(&tree);
}

int bind_tree_on_fd(int tree, const struct bind_attrs *a, int target_fd, const char *name, const char *dest,
                    struct tr_err *err)
{
    int rc = attach_tree(tree, a, target_fd, name, dest, err);
    if (rc > 0)
        return tr_fail(err, ENOSYS, "bind %s on %s: mount_setattr", name, dest);
    return rc;
}

int mount_set_flags(int fd, unsigned long set, unsigned long clear, bool recursive, const char *dest,
                    struct tr_err *err)
{
    unsigned long long as, ac;
    ms_to_mount_attr(set, clear, &as, &ac);
    if (setattr(fd, recursive ? AT_RECURSIVE : 0, as, ac, 0, -1) == 0)
        return 0;
    if (errno != ENOSYS || recursive)
        return tr_fail(err, errno, "mount_setattr %s", dest);
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0)
        return tr_fail(err, errno, "statvfs %s", dest);
    unsigned long cur = ms_flags_from_statvfs(sv.f_flag);
    if ((set | clear) & ATIME_MS)
        cur &= ~(unsigned long) ATIME_MS;
    struct fd_path p = fd_path(fd);
    if (tr_sys->mount(NULL, p.s, NULL, MS_BIND | MS_REMOUNT | ((cur & ~clear) | set), NULL) < 0)
        return tr_fail(err, errno, "remount %s", dest);
    return 0;
}

int mount_set_propagation(int fd, unsigned long prop, const char *dest, struct tr_err *err)
{
    unsigned long kind = prop & ~(unsigned long) MS_REC;
    if (!kind)
        return 0;
    if (setattr(fd, (prop & MS_REC) ? AT_RECURSIVE : 0, 0, 0, kind, -1) == 0)
        return 0;
    if (errno != ENOSYS)
        return tr_fail(err, errno, "set propagation of %s", dest);
    struct fd_path p = fd_path(fd);
    if (tr_sys->mount(NULL, p.s, NULL, prop, NULL) < 0)
        return tr_fail(err, errno, "set propagation of %s", dest);
    return 0;
}

static int write_idmap(const char *path, const struct oci_idmap *m, size_t n, struct tr_err *err)
{
    char buf[4096];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
        if (w < 0 || (size_t) w >= sizeof(buf) - len)
            return tr_failx(err, "%s: too many mappings", path);
        len += (size_t) w;
    }
    return write_file(path, buf, len, 0, err);
}

/* Write the maps of the helper's user namespace (pid as /proc names it); open its ns file. */
static int idmap_fill(const char *hp, const struct oci_mount *m, struct tr_err *err)
{
    _cleanup_free_ char *uid = xasprintf("/proc/%s/uid_map", hp);
    _cleanup_free_ char *gid = xasprintf("/proc/%s/gid_map", hp);
    _cleanup_free_ char *ns = xasprintf("/proc/%s/ns/user", hp);
    if (write_idmap(uid, m->uid_mappings, m->uid_mappings_len, err) < 0 ||
        write_idmap(gid, m->gid_mappings, m->gid_mappings_len, err) < 0)
        return tr_prefix(err, "idmap");
    int fd = open(ns, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "idmap: open %s", ns);
    return fd;
}

/* The helper child unshares a user namespace and stops; we write its maps, open its ns file and
 * kill it. Its /proc entry is found through /proc/self as the helper sees it, so this works
 * from inside a new pid namespace whose /proc is still the host's. */
int idmap_userns_open(const struct oci_mount *m, struct tr_err *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return tr_fail(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return tr_fail(err, errno, "fork");
    }
    if (pid == 0) {
        char self[32] = "";
        close(pfd[0]);
        if (tr_sys->unshare(CLONE_NEWUSER) < 0 || readlink("/proc/self", self, sizeof(self) - 1) < 0)
            _exit(1);
        if (write(pfd[1], self, strlen(self)) < 0)
            _exit(1);
        close(pfd[1]);
        for (;;)
            pause();
    }
    close(pfd[1]);
    char hp[32] = "";
    ssize_t n = read(pfd[0], hp, sizeof(hp) - 1);
    close(pfd[0]);
    int fd = n > 0 ? idmap_fill(hp, m, err) : tr_failx(err, "idmap: helper could not create a user namespace");
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return fd;
}

int mount_setattr_fd(int fd, bool recursive, unsigned long long set, unsigned long long clr,
                     const char *dest, struct tr_err *err)
{
    if (!set && !clr)
        return 0;
    if (setattr(fd, recursive ? AT_RECURSIVE : 0, set, clr, 0, -1) < 0)
        return tr_fail(err, errno, "mount_setattr%s %s", recursive ? " (recursive)" : "", dest);
    return 0;
}
