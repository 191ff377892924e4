/* The mount primitives (src/lib/mount-ops.c) without root: mount options -> the plan -> the
 * calls made, against the fake syscall seam. The new mount API's sequence (open_tree, then
 * mount_setattr on the detached tree, then move_mount), the fallbacks on kernels without it
 * (mount(2) plus a remount that keeps the source's flags, read with a real statvfs of a temp
 * dir), and the errors. Checked to fail: applying the per-mount flags after move_mount, or
 * remounting without the statvfs flags in bind_legacy, breaks the logs compared below. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "fake-sys.h"
#include "rootfs-internal.h"
#include "util.h"
#include "tap.h"

static char root_dir[64];
static int root = -1, target = -1;

/* As rootfs-mounts.c builds them outside a user namespace: options -> struct bind_attrs. */
static struct bind_attrs attrs_of(const char *options)
{
    char *opts[16], *copy = xstrdup(options), *save = NULL;
    size_t n = 0;
    struct mount_plan p;
    struct tr_err err = { 0 };
    for (char *o = strtok_r(copy, ",", &save); o && n < ARRAY_SIZE(opts); o = strtok_r(NULL, ",", &save))
        opts[n++] = o;
    if (mount_plan_from_options(opts, n, &p, &err) < 0) {
        printf("# %s: %s\n", options, err.msg);
        abort();
    }
    struct bind_attrs a = {
        .recursive = p.recursive_bind, .flags = p.flags & ~(unsigned long) (MS_BIND | MS_REC),
        .clear_flags = p.clear_flags, .rattr_set = p.attr_set, .rattr_clr = p.attr_clr,
        .idmap_userns_fd = -1, .idmap_recursive = p.recursive_idmap,
    };
    mount_plan_free(&p);
    free(copy);
    return a;
}

/* The log expected for a bind through the new API, with fd numbers filled in. */
static char *expect(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *expect(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}

static void test_bind_new_api(void)
{
    struct tr_err err = { 0 };
    struct bind_attrs a = attrs_of("bind,ro,nosuid");
    fake_reset();
    int fd = bind_on_fd("/src", -1, &a, root, target, "/dst", &err);
    ok(fd >= 0 && fd == fake->last_tree, "bind ro,nosuid: the result is the attached tree");
    _cleanup_free_ char *want = expect("open_tree(AT_FDCWD, /src, CLONE)\n"
                                       "mount_setattr(tree, set RDONLY|NOSUID, clr 0, prop 0)\n"
                                       "move_mount(tree, fd %d)\n", target);
    is_str(fake->log, want, "bind ro,nosuid: clone, set only the named flags while detached, attach");
    close(fd);

    a = attrs_of("rbind,rro,rw,noatime");
    fake_reset();
    fd = bind_on_fd("/src", -1, &a, root, target, "/dst", &err);
    _cleanup_free_ char *want2 = expect("open_tree(AT_FDCWD, /src, CLONE, RECURSIVE)\n"
                                        "mount_setattr(tree, RECURSIVE, set RDONLY, clr 0, prop 0)\n"
                                        "mount_setattr(tree, set NOATIME, clr RDONLY|NOATIME|STRICTATIME|0x40, prop 0)\n"
                                        "move_mount(tree, fd %d)\n", target);
    is_str(fake->log, want2, "rbind rro,rw,noatime: the recursive attribute first, then the top mount's "
                             "(rw clears ro; an atime choice replaces the whole atime field)");
    close(fd);

    a = attrs_of("bind");
    a.idmap_userns_fd = 0;
    a.idmap_recursive = true;
    fake_reset();
    fd = bind_on_fd("", target, &a, root, target, "/dst", &err);
    _cleanup_free_ char *want3 = expect("open_tree(dirfd, \"\", CLONE, EMPTY_PATH)\n"
                                        "mount_setattr(tree, RECURSIVE, set IDMAP, clr 0, prop 0, userns)\n"
                                        "move_mount(tree, fd %d)\n", target);
    is_str(fake->log, want3, "bind of a dirfd with ridmap: the idmap is applied recursively while detached");
    close(fd);

    fake_reset();
    int tree = open("/dev/null", O_RDONLY | O_CLOEXEC);
    fake->last_tree = tree;
    a = attrs_of("bind,nodev");
    ok(bind_tree_on_fd(tree, &a, target, "/src", "/dst", &err) == 0, "bind_tree_on_fd");
    _cleanup_free_ char *want4 = expect("mount_setattr(tree, set NODEV, clr 0, prop 0)\nmove_mount(tree, fd %d)\n",
                                        target);
    is_str(fake->log, want4, "a tree the runtime cloned: no open_tree, the same attributes");
    close(tree);
}

static void test_bind_errors(void)
{
    struct tr_err err = { 0 };
    struct bind_attrs a = attrs_of("bind,rw");
    fake_reset();
    fake_fail("mount_setattr", 1, EPERM);
    ok(bind_on_fd("/src", -1, &a, root, target, "/dst", &err) < 0, "a locked flag: refused");
    is_str(err.msg, "bind /src on /dst: mount_setattr: Operation not permitted; a flag locked by the user "
                    "namespace (ro, nosuid, nodev, noexec or atime) cannot be cleared on this source",
           "the error says which flags a user namespace locks");
    ok(strstr(fake->log, "move_mount") == NULL, "and nothing is attached");

    a = attrs_of("bind");
    fake_reset();
    fake_fail("move_mount", 1, ENOENT);
    ok(bind_on_fd("/src", -1, &a, root, target, "/dst", &err) < 0, "move_mount fails");
    is_str(err.msg, "bind /src on /dst: move_mount: No such file or directory", "named");

    fake_reset();
    fake_fail("open_tree", 1, ENOENT);
    ok(bind_on_fd("/src", -1, &a, root, target, "/dst", &err) < 0, "open_tree fails");
    is_str(err.msg, "bind /src on /dst: open_tree: No such file or directory", "named");
    is_str(fake->log, "open_tree(AT_FDCWD, /src, CLONE)\n  -> No such file or directory\n", "no fallback for ENOENT");

    a = attrs_of("rbind,rro");
    fake_reset();
    fake_fail("open_tree", 1, ENOSYS);
    ok(bind_on_fd("/src", -1, &a, root, target, "/dst", &err) < 0, "rro without the new mount API");
    is_str(err.msg, "bind /src on /dst: recursive attributes and idmap need mount_setattr (Linux 5.12): "
                    "Function not implemented", "refused, with the kernel version it needs");
}

/* The source's flags as the legacy remount keeps them. */
static const char *kept_flags(int fd)
{
    struct statvfs sv;
    if (fstatvfs(fd, &sv) < 0)
        abort();
    return fake_flags(fake_ms_flags, ms_flags_from_statvfs(sv.f_flag) | MS_BIND | MS_REMOUNT | MS_RDONLY);
}

static void test_bind_legacy(void)
{
    struct tr_err err = { 0 };
    struct bind_attrs a = attrs_of("bind,ro");
    fake_reset();
    fake_fail("open_tree", 1, ENOSYS);
    int fd = bind_on_fd("/src", -1, &a, root, target, "/dst", &err);
    ok(fd >= 0 && fd != target, "no open_tree: bound with mount(2), the result looked up again%s", err.msg);
    struct fd_path tp = fd_path(target), np = fd_path(fd);
    _cleanup_free_ char *want = expect("open_tree(AT_FDCWD, /src, CLONE)\n  -> Function not implemented\n"
                                       "mount(/src, %s, NULL, BIND, NULL)\n"
                                       "mount(NULL, %s, NULL, %s, NULL)\n", tp.s, np.s, kept_flags(fd));
    is_str(fake->log, want, "bind, then a remount with ro plus the flags the source has (statvfs)");
    close(fd);

    /* open_tree exists but mount_setattr does not (5.2 to 5.11): the clone is dropped */
    fake_reset();
    fake_fail("mount_setattr", 1, ENOSYS);
    fd = bind_on_fd("/src", -1, &a, root, target, "/dst", &err);
    ok(fd >= 0 && strstr(fake->log, "move_mount") == NULL && strstr(fake->log, "mount(/src, ") != NULL,
       "no mount_setattr: the detached tree is not attached, mount(2) binds instead");
    close(fd);

    a = attrs_of("bind");
    fake_reset();
    fake_fail("open_tree", 1, ENOSYS);
    fd = bind_on_fd("/src", -1, &a, root, target, "/dst", &err);
    _cleanup_free_ char *want2 = expect("open_tree(AT_FDCWD, /src, CLONE)\n  -> Function not implemented\n"
                                        "mount(/src, %s, NULL, BIND, NULL)\n", tp.s);
    is_str(fake->log, want2, "a plain bind needs no remount");
    close(fd);
}

static void test_flags_and_propagation(void)
{
    struct tr_err err = { 0 };
    struct fd_path tp = fd_path(target);
    fake_reset();
    ok(mount_set_flags(target, MS_RDONLY | MS_NOEXEC, MS_NOSUID, true, "/dst", &err) == 0, "mount_set_flags");
    _cleanup_free_ char *want = expect("mount_setattr(fd %d, RECURSIVE, set RDONLY|NOEXEC, clr NOSUID, prop 0)\n", target);
    is_str(fake->log, want, "flags -> attributes, recursively");

    fake_reset();
    fake_fail("mount_setattr", 1, ENOSYS);
    ok(mount_set_flags(target, MS_RDONLY, 0, false, "/dst", &err) == 0, "mount_set_flags without mount_setattr");
    _cleanup_free_ char *want2 = expect("mount_setattr(fd %d, set RDONLY, clr 0, prop 0)\n  -> Function not implemented\n"
                                        "mount(NULL, %s, NULL, %s, NULL)\n", target, tp.s, kept_flags(target));
    is_str(fake->log, want2, "a remount that keeps the mount's other flags");

    fake_reset();
    fake_fail("mount_setattr", 1, ENOSYS);
    ok(mount_set_flags(target, MS_RDONLY, 0, true, "/dst", &err) < 0, "recursive without mount_setattr");
    is_str(err.msg, "mount_setattr /dst: Function not implemented", "refused: a remount is not recursive");

    fake_reset();
    ok(mount_set_propagation(target, MS_REC | MS_PRIVATE, "/dst", &err) == 0, "rprivate");
    _cleanup_free_ char *want3 = expect("mount_setattr(fd %d, RECURSIVE, set 0, clr 0, prop PRIVATE)\n", target);
    is_str(fake->log, want3, "propagation through mount_setattr, recursive");
    fake_reset();
    fake_fail("mount_setattr", 1, ENOSYS);
    ok(mount_set_propagation(target, MS_SLAVE, "/dst", &err) == 0, "slave without mount_setattr");
    _cleanup_free_ char *want4 = expect("mount_setattr(fd %d, set 0, clr 0, prop SLAVE)\n  -> Function not implemented\n"
                                        "mount(NULL, %s, NULL, SLAVE, NULL)\n", target, tp.s);
    is_str(fake->log, want4, "falls back to mount(2) with the propagation flag");
    fake_reset();
    ok(mount_set_propagation(target, MS_REC, "/dst", &err) == 0 && fake->len == 0, "no propagation: no call");
    ok(mount_setattr_fd(target, true, 0, 0, "/dst", &err) == 0 && fake->len == 0, "no attributes: no call");
    fake_fail("mount_setattr", 1, EINVAL);
    ok(mount_setattr_fd(target, true, MOUNT_ATTR_RDONLY, 0, "/dst", &err) < 0, "mount_setattr_fd fails");
    is_str(err.msg, "mount_setattr (recursive) /dst: Invalid argument", "named, with the recursion");
}

static void test_mount_fs(void)
{
    struct tr_err err = { 0 };
    struct fd_path tp = fd_path(target);
    struct bind_attrs a = attrs_of("nosuid,nodev,size=64k");
    fake_reset();
    ok(mount_fs_on_fd("tmpfs", "tmpfs", a.flags, "size=64k", target, "/dst", &err) == 0, "mount_fs_on_fd");
    _cleanup_free_ char *want = expect("mount(tmpfs, %s, tmpfs, NOSUID|NODEV, size=64k)\n", tp.s);
    is_str(fake->log, want, "on the target's fd path, with the data");
    fake_fail("mount", 1, ENODEV);
    ok(mount_fs_on_fd("none", "nofs", 0, NULL, target, "/dst", &err) < 0, "an unknown filesystem");
    is_str(err.msg, "mount nofs on /dst: No such device", "the error names the type and the destination");
}

int main(void)
{
    snprintf(root_dir, sizeof root_dir, "/tmp/test-mount-ops.XXXXXX");
    if (fake_install() < 0 || !mkdtemp(root_dir))
        return 1;
    _cleanup_free_ char *dst = xasprintf("%s/dst", root_dir);
    if (mkdir(dst, 0755) < 0 || (root = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        (target = open(dst, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
        return 1;
    test_bind_new_api();
    test_bind_errors();
    test_bind_legacy();
    test_flags_and_propagation();
    test_mount_fs();
    rmdir(dst);
    rmdir(root_dir);
    return done_testing();
}
