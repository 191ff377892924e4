/* The container's filesystem view, built by the init child inside its new mount namespace.
 * Two phases around the hooks the spec places between them, then the console:
 *   rootfs_prepare  (before createRuntime/createContainer hooks): propagation, the rootfs made a
 *                   mount point, config mounts in order, /dev (tmpfs + default nodes + symlinks
 *                   + linux.devices), /sys/fs/cgroup.
 *   rootfs_finalize (after createContainer hooks): pivot_root (or chroot with no_pivot),
 *                   masked and read-only paths, read-only root, rootfsPropagation.
 *   rootfs_console_bind (the init's terminal step): the pty slave on /dev/console, by fd.
 * Every target is resolved inside the rootfs (openat2 RESOLVE_IN_ROOT or an equivalent walk),
 * so a symlink in the rootfs never sends a mount outside it. */
#ifndef TINYRUN_ROOTFS_H
#define TINYRUN_ROOTFS_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "cgroup.h"
#include "error.h"
#include "spec.h"

/* Bind-mount sources cloned by the runtime (mount-sources.c) for an init in a new user
 * namespace that could not reach them: fd[i] is a detached mount tree for spec->mounts[i], or
 * -1 when the init opens the source itself. */
struct mount_sources {
    int *fd;
    size_t len;
};
/* Runtime, after the clone and before SETUP_DONE: inside the init's mount namespace, one
 * open_tree(OPEN_TREE_CLONE) per bind mount (none when the kernel lacks mount_setattr, or the
 * runtime may not enter that namespace or clone mounts there). */
int mount_sources_open(pid_t init_pid, const struct oci_spec *spec, struct mount_sources *out, struct tr_err *err);
/* Init: make room for the trees the runtime will send (MOUNT_SOURCE), all -1. */
void mount_sources_expect(struct mount_sources *ms, size_t len);
/* Init: the tree for mounts[idx] arrived; a bad index closes it (0 stored, -1 refused). */
int mount_sources_put(struct mount_sources *ms, size_t idx, int fd);
/* The tree of mounts[idx], ownership to the caller (-1 if none). */
int mount_sources_take(struct mount_sources *ms, size_t idx);
void mount_sources_close(struct mount_sources *ms);

struct rootfs_ctx {
    const struct oci_spec *spec;
    const char *rootfs;             /* absolute host path of root.path (realpath'd) */
    bool no_pivot;                  /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
    bool rootless;                  /* mknod refused: bind-mount host nodes instead */
    bool in_userns;                 /* locked mount flags must be kept on remounts */
    bool new_netns;                 /* sysfs can be mounted (else bind the host /sys) */
    bool new_cgroupns;
    const struct cgroup_mount_entry *cgroup_mounts; size_t cgroup_mounts_len;
    struct mount_sources *sources;  /* or NULL; rootfs_prepare takes and closes them */
};

int rootfs_prepare(const struct rootfs_ctx *c, struct tr_err *err);
/* pivot_root (or --no-pivot), linux.rootfsPropagation, then maskedPaths, readonlyPaths,
 * root.readonly and the propagation of "/" once inside. linux.sysctl is written before, through
 * the runtime's private procfs (procfs.h), so /proc/sys may already be read-only here. */
int rootfs_finalize(const struct rootfs_ctx *c, struct tr_err *err);
/* After pivot_root: bind the pty slave of master (from the master, TIOCGPTPEER) on
 * /dev/console, which must be absent, a file or a character device; a symlink is refused
 * (CVE-2025-52565 class). */
int rootfs_console_bind(int master, struct tr_err *err);

/* Parse an OCI mount options list into flags/propagation/data (exposed for unit tests). */
struct mount_plan {
    unsigned long flags;            /* MS_* for mount(2) */
    unsigned long clear_flags;      /* flags explicitly cleared (rw, suid, dev, exec, ...) */
    unsigned long propagation;      /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE (+MS_REC) */
    unsigned long long attr_set, attr_clr;   /* mount_setattr for rro, ratime... (recursive) */
    bool bind, recursive_bind;
    bool tmpcopyup;
    char *data;                     /* remaining comma-joined fs options (malloc'd) or NULL */
    bool idmap, recursive_idmap;    /* "idmap"/"ridmap": MOUNT_ATTR_IDMAP with the mount's maps */
};
int mount_plan_from_options(char *const *opts, size_t n, struct mount_plan *out, struct tr_err *err);
void mount_plan_free(struct mount_plan *p);

#endif
