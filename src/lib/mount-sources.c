/* Bind-mount sources opened by the runtime before the init is cloned into a new user
 * namespace. The mapped root of that namespace has no rights on host directories it does not
 * own: a source inside a 0700 directory of the host root cannot even be looked up from there.
 * runc opens such sources from the host side, as crun does; here each one is cloned as a
 * detached mount tree (open_tree OPEN_TREE_CLONE) in the parent, the child inherits the fds and
 * attaches the trees with move_mount, after applying the per-mount attributes with
 * mount_setattr (both allowed on a detached tree from another mount namespace; cloning it
 * again or mount(2) through /proc/self/fd would not be). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
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
static int open_source(const struct oci_mount *m, size_t idx, struct tr_err *err)
{
    struct mount_plan p;
    struct tr_err scratch;
    if (mount_plan_from_options(m->options, m->options_len, &p, &scratch) < 0)
        return NOT_OURS;
    bool bind = p.bind || (m->type && streq(m->type, "bind")), rec = p.recursive_bind, idmap = p.idmap;
    mount_plan_free(&p);
    if (!bind || idmap || !m->source || !*m->source || !m->destination)
        return NOT_OURS;
    int fd = open_tree(AT_FDCWD, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
    if (fd < 0)   /* the text the child would give */
        return tr_fail(err, errno, "mounts[%zu] (%s): bind source %s", idx, m->destination, m->source);
    return fd;
}

int mount_sources_open(const struct oci_spec *spec, struct mount_sources *out, struct tr_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!spec->mounts_len || !have_mount_setattr())
        return 0;
    out->fd = xmalloc(spec->mounts_len * sizeof(*out->fd));
    out->len = spec->mounts_len;
    for (size_t i = 0; i < spec->mounts_len; i++)
        out->fd[i] = -1;
    for (size_t i = 0; i < spec->mounts_len; i++) {
        int fd = open_source(&spec->mounts[i], i, err);
        if (fd >= 0 || fd == NOT_OURS) {
            out->fd[i] = fd < 0 ? -1 : fd;
            continue;
        }
        mount_sources_close(out);
        if (err->code != EPERM)
            return -1;
        /* an unprivileged runtime (rootless) cannot clone mounts: the child, with the same
         * rights on the host as we have, opens the sources itself */
        tr_debug("bind sources left to the init: %s", err->msg);
        tr_err_clear(err);
        return 0;
    }
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
