/* Shared pieces of the rootfs module (rootfs.c, rootfs-mounts.c, mount-opts.c, mount-ops.c,
 * pathres.c, devices.c). Not part of the public API. */
#ifndef TINYRUN_ROOTFS_INTERNAL_H
#define TINYRUN_ROOTFS_INTERNAL_H
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "rootfs.h"
#include "spec.h"

/* ---- pathres.c: resolution inside the rootfs (openat2 RESOLVE_IN_ROOT|NO_MAGICLINKS) ---- */
/* O_PATH|O_DIRECTORY fd of a host directory (the rootfs, or "/" after pivot_root). */
int root_dir_open(const char *path, struct tr_err *err);
/* openat2(root, path, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS); path may start with '/'.
 * Returns the fd or -1 with errno set (no tr_err: callers decide whether ENOENT is fatal). */
int resolve_in_root(int root, const char *path, int flags, mode_t mode);
/* mkdir -p inside the root, each component resolved in the root; returns an O_PATH fd of the
 * final directory. */
int mkdir_in_root(int root, const char *path, mode_t mode, struct tr_err *err);
/* O_PATH fd of path inside root, created when missing as an empty file (want_dir false) or a
 * directory (want_dir true), parents created as directories 0755. An existing path of the
 * other kind is returned as is (the mount then fails with a clear errno). */
int open_mount_target(int root, const char *path, bool want_dir, struct tr_err *err);
/* O_PATH fd of the parent directory of path (created) and the last component in *base
 * (points into path). Fails with EINVAL for "/", "." and "..". */
int open_parent_in_root(int root, const char *path, const char **base, struct tr_err *err);
/* "/proc/self/fd/N" for mount(2) on an O_PATH fd. */
struct fd_path { char s[40]; };
struct fd_path fd_path(int fd);

/* ---- mount-ops.c: mount primitives on resolved fds ---- */
/* mount(2) a filesystem onto target_fd (via /proc/self/fd/N). */
int mount_fs_on_fd(const char *source, const char *fstype, unsigned long flags, const char *data,
                   int target_fd, const char *dest, struct tr_err *err);
/* Per-mount attributes for a bind built with open_tree. */
struct bind_attrs {
    bool recursive;                          /* rbind */
    unsigned long flags, clear_flags;        /* MS_RDONLY/NOSUID/NODEV/NOEXEC/atime (top only) */
    unsigned long long rattr_set, rattr_clr; /* mount_setattr AT_RECURSIVE */
    int idmap_userns_fd;                     /* -1 = none */
    bool idmap_recursive;
};
/* Bind source (a host path, or source_dirfd itself when source is "") onto target_fd, the
 * attributes applied while detached (open_tree + mount_setattr + move_mount); falls back to
 * mount(2) + a statvfs-preserving remount on kernels without those calls. dest is the target's
 * path inside root (looked up again in the fallback). Returns an fd of the new mount. */
int bind_on_fd(const char *source, int source_dirfd, const struct bind_attrs *a, int root, int target_fd,
               const char *dest, struct tr_err *err);
/* The same with a detached tree already cloned by the runtime (mount-sources.c): attributes
 * applied, then attached on target_fd. tree stays the caller's. name: the source, for errors. */
int bind_tree_on_fd(int tree, const struct bind_attrs *a, int target_fd, const char *name, const char *dest,
                    struct tr_err *err);
/* Change per-mount flags of the mount at fd (mount_setattr; statvfs remount fallback). Only
 * the flags named in set/clear change: locked flags of a user namespace are kept. */
int mount_set_flags(int fd, unsigned long set, unsigned long clear, bool recursive, const char *dest,
                    struct tr_err *err);
/* Raw MOUNT_ATTR_* change (rro, rnosuid...) on the mount at fd. */
int mount_setattr_fd(int fd, bool recursive, unsigned long long set, unsigned long long clr,
                     const char *dest, struct tr_err *err);
int mount_set_propagation(int fd, unsigned long propagation, const char *dest, struct tr_err *err);
/* statvfs f_flag -> the MS_* flags that a user namespace locks. */
unsigned long ms_flags_from_statvfs(unsigned long f_flag);
/* MS_* per-mount flags -> MOUNT_ATTR_* bits (set and clear masks). */
void ms_to_mount_attr(unsigned long set, unsigned long clear, unsigned long long *attr_set,
                      unsigned long long *attr_clr);
/* A user namespace fd with the mount's uid/gid mappings (for MOUNT_ATTR_IDMAP). */
int idmap_userns_open(const struct oci_mount *m, struct tr_err *err);

/* ---- rootfs-mounts.c ---- */
struct rootfs_run {               /* state shared by the steps of rootfs_prepare */
    const struct rootfs_ctx *c;
    int root;                     /* O_PATH fd of the rootfs mount (after the self bind) */
    bool setup_dev;               /* /dev is not a bind mount: create nodes and links */
};
int mount_one(struct rootfs_run *r, size_t idx, const struct oci_mount *m, struct tr_err *err);
/* m (parsed as p) is a read-only mount on /dev: mount_one mounts it writable and rootfs_protect
 * makes it read-only at the end. */
bool mount_is_readonly_dev(const struct oci_mount *m, const struct mount_plan *p);
int copy_tree(int from_dir, int to_dir, struct tr_err *err);

/* ---- devices.c ---- */
int devices_setup(struct rootfs_run *r, struct tr_err *err);

#endif
