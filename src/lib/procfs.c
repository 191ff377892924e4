/* Trusted procfs: see procfs.h. The model is runc's pathrs-lite procfs handle and crun's
 * proc_fd: open a private instance where the kernel allows it, then resolve each file below
 * its root fd so that nothing the container mounted or linked can be in the way. */
#define _GNU_SOURCE
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fdpass.h"
#include "procfs.h"
#include "util.h"

#ifndef PROC_ROOT_INO
#define PROC_ROOT_INO 1
#endif

static int cached_proc = -1;
static int stash_sock = -1;   /* holds cached_proc in flight while hidden */

bool procfs_fd_is_proc(int fd)
{
    struct statfs sf;
    return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* A new procfs superblock of our pid namespace, detached: no path, no submount, nothing the
 * container can reach. Refused in a user namespace that does not own our pid namespace, or
 * where no /proc is fully visible (mount_too_revealing): the callers fall back. */
static int private_instance(void)
{
    _cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return -1;
    return fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

/* The /proc mount alone: a file bound over /proc/self/oom_score_adj is a submount and is
 * not part of the copy. */
static int cloned_proc_mount(void)
{
    return open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
}

static int check_root(int fd, const char *how, struct tr_err *err)
{
    struct stat st;
    if (!procfs_fd_is_proc(fd))
        return tr_failx(err, "procfs (%s): not a procfs (statfs type differs); refusing to write "
                        "kernel settings through it", how);
    if (fstat(fd, &st) < 0)
        return tr_fail(err, errno, "procfs (%s): fstat", how);
    if (!S_ISDIR(st.st_mode) || st.st_ino != PROC_ROOT_INO)
        return tr_failx(err, "procfs (%s): not the root of a procfs; refusing to write kernel "
                        "settings through it", how);
    return 0;
}

int procfs_handle_hide(struct tr_err *err)
{
    int sv[2];
    if (cached_proc < 0)
        return 0;
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
        return tr_fail(err, errno, "hide the private procfs fd: socketpair");
    if (send_fd(sv[1], cached_proc, "p", 1, err) < 0) {
        close(sv[0]);
        close(sv[1]);
        return tr_prefix(err, "hide the private procfs fd");
    }
    /* the message stays queued on sv[0] once the sending end is gone */
    close(sv[1]);
    close(cached_proc);
    cached_proc = -1;
    stash_sock = sv[0];
    return 0;
}

static int unhide(struct tr_err *err)
{
    char byte;
    int fd = -1;
    /* DONTWAIT: the message was queued before the sender closed; never block on its absence */
    ssize_t n = recv_with_fd(stash_sock, MSG_DONTWAIT, &byte, 1, &fd, err);
    close(stash_sock);
    stash_sock = -1;
    if (n < 0)
        return tr_prefix(err, "get the private procfs fd back from its socket");
    if (fd < 0)
        return tr_failx(err, "get the private procfs fd back from its socket: no fd in the message");
    cached_proc = fd;
    return fd;
}

int procfs_handle(struct tr_err *err)
{
    if (cached_proc >= 0)
        return cached_proc;
    if (stash_sock >= 0)
        return unhide(err);
    const char *how = "fsopen";
    int fd = private_instance();
    if (fd < 0) {
        how = "open_tree /proc";
        fd = cloned_proc_mount();
    }
    if (fd < 0) {
        how = "/proc";
        fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return tr_fail(err, errno, "open a procfs (fsopen, open_tree and open of /proc failed)");
    if (check_root(fd, how, err) < 0) {
        close(fd);
        return -1;
    }
    cached_proc = fd;
    return fd;
}

void procfs_handle_drop(void)
{
    if (cached_proc >= 0)
        close(cached_proc);
    if (stash_sock >= 0)
        close(stash_sock);
    cached_proc = stash_sock = -1;
}

int procfs_open_at(int proc, const char *rel, int flags, struct tr_err *err)
{
    /* openat2 refuses O_NOCTTY with O_PATH (EINVAL) */
    int extra = (flags & O_PATH) ? O_CLOEXEC : O_CLOEXEC | O_NOCTTY;
    struct open_how h = {
        .flags = (unsigned long long) (flags | extra),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
    };
    while (*rel == '/')
        rel++;
    _cleanup_close_ int fd = (int) syscall(SYS_openat2, proc, rel, &h, sizeof h);
    if (fd < 0)
        return tr_fail(err, errno, "open /proc/%s", rel);
    if (!procfs_fd_is_proc(fd))
        return tr_failx(err, "/proc/%s: not a procfs file; refusing to write it", rel);
    return steal_fd(&fd);
}

int procfs_write(const char *rel, const char *buf, size_t len, struct tr_err *err)
{
    int proc = procfs_handle(err);
    if (proc < 0)
        return -1;
    _cleanup_close_ int fd = procfs_open_at(proc, rel, O_WRONLY, err);
    if (fd < 0)
        return -1;
    ssize_t w;
    do
        w = write(fd, buf, len);
    while (w < 0 && errno == EINTR);
    /* the value up to a NUL (an LSM label is written with its NUL) */
    int shown = (int) strnlen(buf, len);
    if (w < 0)
        return tr_fail(err, errno, "write \"%.*s\" to /proc/%s", shown, buf, rel);
    if ((size_t) w != len)
        return tr_fail(err, EIO, "write \"%.*s\" to /proc/%s: short write (%zd of %zu bytes)", shown, buf,
                       rel, w, len);
    return 0;
}

int procfs_reopen(int fd, int flags, struct tr_err *err)
{
    int proc = procfs_handle(err);
    if (proc < 0)
        return -1;
    /* self/fd resolved with every RESOLVE_ restriction (procfs_open_at), then one plain
     * lookup of <fd> in it: openat2 cannot follow a magic link under RESOLVE_BENEATH or
     * RESOLVE_NO_XDEV, and in that directory of our own procfs only the kernel's links exist. */
    _cleanup_close_ int dir = procfs_open_at(proc, "self/fd", O_PATH | O_DIRECTORY, err);
    if (dir < 0)
        return -1;
    char name[16];
    snprintf(name, sizeof name, "%d", fd);
    int nfd;
    do
        nfd = openat(dir, name, flags | O_CLOEXEC | O_NOCTTY);
    while (nfd < 0 && errno == EINTR);
    if (nfd < 0)
        return tr_fail(err, errno, "reopen fd %d through the runtime's private procfs", fd);
    struct stat a, b;
    if (fstat(fd, &a) < 0 || fstat(nfd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        close(nfd);
        return tr_failx(err, "reopen fd %d through the runtime's private procfs: got another file", fd);
    }
    return nfd;
}
