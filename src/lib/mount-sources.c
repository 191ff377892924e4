/* Bind-mount sources the init cannot reach itself. The init is cloned straight into its new
 * user namespace, whose mapped root has no rights on host directories it does not own: a
 * source inside a 0700 directory of the host root cannot even be looked up from there.
 * So the runtime, after the clone and before SETUP_DONE, enters the init's (still untouched)
 * mount namespace, clones each bind source there as a detached tree (open_tree
 * OPEN_TREE_CLONE) with its own rights, returns, and sends the trees to the init
 * (MOUNT_SOURCE), which attaches them with move_mount after mount_setattr.
 * Cloning inside the init's namespace, not ours, matters: the mounts there were copied into a
 * namespace owned by the container's user namespace, so the kernel locked the flags they
 * inherit from the host (ro, nosuid, nodev, noexec, atime: MNT_LOCK_*), and a clone keeps the
 * locks. A tree cloned in our own namespace carries the same flags unlocked, for the
 * container's root to clear with a remount (runc opens sources in the container's mount
 * namespace for the same reason). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>
#include "log.h"
#include "rootfs-internal.h"
#include "util.h"

/* open_tree without mount_setattr (5.2 .. 5.11) cannot set flags on a detached tree: then
 * the child opens the sources itself, as before. */
static bool have_mount_setattr(void)
{
    /* a size below the first version of struct mount_attr: EINVAL before anything is looked
     * at (an empty change of a valid size returns 0 before even checking the fd) */
    return mount_setattr(-1, "", AT_EMPTY_PATH, NULL, 0) < 0 && errno != ENOSYS;
}

/* The tree to attach for mount m; NOT_OURS when the child should open the source itself: not
 * a bind, idmap (the child sets the mapping up on a clone of its own), or options the child
 * will report as invalid. */
#define NOT_OURS (-2)
static int open_source(const struct oci_mount *m, size_t idx, const char *cwd, struct tr_err *err)
{
    struct mount_plan p;
    struct tr_err scratch;
    if (mount_plan_from_options(m->options, m->options_len, &p, &scratch) < 0)
        return NOT_OURS;
    bool bind = p.bind || (m->type && streq(m->type, "bind")), rec = p.recursive_bind, idmap = p.idmap;
    mount_plan_free(&p);
    if (!bind || idmap || !m->source || !*m->source || !m->destination)
        return NOT_OURS;
    /* a relative source names what the init would find from the runtime's cwd, which setns
     * left behind */
    _cleanup_free_ char *abs = m->source[0] == '/' ? NULL : xasprintf("%s/%s", cwd, m->source);
    int fd = open_tree(AT_FDCWD, abs ? abs : m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
    if (fd < 0)   /* the text the child would give */
        return tr_fail(err, errno, "mounts[%zu] (%s): bind source %s", idx, m->destination, m->source);
    return fd;
}

static int clone_all(const struct oci_spec *spec, struct mount_sources *out, const char *cwd, struct tr_err *err)
{
    for (size_t i = 0; i < spec->mounts_len; i++) {
        int fd = open_source(&spec->mounts[i], i, cwd, err);
        if (fd < 0 && fd != NOT_OURS && err->code == EPERM) {
            /* may not clone mounts here after all: the init, with the same rights on the
             * host as we have, opens the sources itself */
            tr_debug("bind sources left to the init: %s", err->msg);
            tr_err_clear(err);
            mount_sources_close(out);
            return 0;
        }
        if (fd < 0 && fd != NOT_OURS)
            return -1;
        out->fd[i] = fd < 0 ? -1 : fd;
    }
    return 0;
}

int mount_sources_open(pid_t init_pid, const struct oci_spec *spec, struct mount_sources *out, struct tr_err *err)
{
    char path[64];
    memset(out, 0, sizeof(*out));
    if (!spec->mounts_len || !have_mount_setattr())
        return 0;
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    _cleanup_close_ int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    snprintf(path, sizeof path, "/proc/%d/ns/mnt", (int) init_pid);
    _cleanup_close_ int init_ns = open(path, O_RDONLY | O_CLOEXEC);
    if (init_ns < 0 && (errno == EACCES || errno == EPERM)) {
        /* not ours to enter (ptrace access refused): the init opens the sources itself */
        tr_debug("bind sources left to the init: open %s: %s", path, strerror(errno));
        return 0;
    }
    if (!cwd || own < 0 || here < 0 || init_ns < 0)
        return tr_fail(err, errno, "bind sources: open %s", init_ns < 0 ? path : "the runtime's own mount namespace");
    if (setns(init_ns, CLONE_NEWNS) < 0) {
        if (errno != EPERM)
            return tr_fail(err, errno, "bind sources: setns into the container's mount namespace");
        /* an unprivileged runtime (no CAP_SYS_ADMIN/CAP_SYS_CHROOT where it runs) has the same
         * rights on the host as the init: the init opens the sources itself */
        tr_debug("bind sources left to the init: setns into its mount namespace: %s", strerror(errno));
        return 0;
    }
    out->fd = xmalloc(spec->mounts_len * sizeof(*out->fd));
    out->len = spec->mounts_len;
    for (size_t i = 0; i < spec->mounts_len; i++)
        out->fd[i] = -1;
    int rc = clone_all(spec, out, cwd, err);
    /* setns(CLONE_NEWNS) also moved our root and cwd to that namespace's: both come back */
    if (setns(own, CLONE_NEWNS) < 0 || fchdir(here) < 0) {
        struct tr_err scratch;
        mount_sources_close(out);
        return tr_fail(rc < 0 ? &scratch : err, errno, "bind sources: return to the runtime's own mount namespace");
    }
    if (rc < 0)
        mount_sources_close(out);
    return rc;
}

void mount_sources_expect(struct mount_sources *ms, size_t len)
{
    mount_sources_close(ms);
    if (!len)
        return;
    ms->fd = xmalloc(len * sizeof(*ms->fd));
    ms->len = len;
    for (size_t i = 0; i < len; i++)
        ms->fd[i] = -1;
}

int mount_sources_put(struct mount_sources *ms, size_t idx, int fd)
{
    if (idx >= ms->len || ms->fd[idx] >= 0) {
        close(fd);
        return -1;
    }
    ms->fd[idx] = fd;
    return 0;
}

int mount_sources_take(struct mount_sources *ms, size_t idx)
{
    if (!ms || idx >= ms->len)
        return -1;
    int fd = ms->fd[idx];
    ms->fd[idx] = -1;
    return fd;
}

void mount_sources_close(struct mount_sources *ms)
{
    if (!ms)
        return;
    for (size_t i = 0; i < ms->len; i++)
        if (ms->fd[i] >= 0)
            close(ms->fd[i]);
    free(ms->fd);
    ms->fd = NULL;
    ms->len = 0;
}
