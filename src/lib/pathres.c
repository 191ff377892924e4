/* Path resolution inside the container rootfs. Every lookup goes through openat2 with
 * RESOLVE_IN_ROOT, so ".." and absolute symlinks stop at the rootfs and a symlink planted in
 * the image cannot send a mount, a device node or a mask outside it (CVE-2021-30465 class).
 * Magic links (/proc/self/root...) are refused. Mounts then target the resolved O_PATH fd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rootfs-internal.h"
#include "sys.h"
#include "util.h"

int root_dir_open(const char *path, struct tr_err *err)
{
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "open %s", path);
    return fd;
}

static const char *skip_slashes(const char *p)
{
    while (*p == '/')
        p++;
    return *p ? p : ".";
}

/* Kernels without openat2 (< 5.6): the same walk in userspace. Each component is opened with
 * O_NOFOLLOW from the fd of its parent; ".." pops a stack of ancestor fds (never above the
 * root); a symlink is never followed by the kernel, its text is spliced into the rest of the
 * path and resolved from the root (absolute) or the current directory (relative). Magic
 * links are thus only ever followed as text, inside the root. No O_CREAT. */
#define WALK_DEPTH 256
static int walk_in_root(int root, const char *path, int flags)
{
    int stack[WALK_DEPTH], depth = 0, links = 0, result = -1, e = 0;
    char *rest = xstrdup(path);
    stack[0] = fcntl(root, F_DUPFD_CLOEXEC, 3);
    if (stack[0] < 0) {
        free(rest);
        return -1;
    }
    char *p = rest;
    for (;;) {
        while (*p == '/')
            p++;
        if (!*p) {   /* the path ended on a directory (or was empty) */
            result = openat(stack[depth], ".", flags | O_CLOEXEC);
            e = errno;
            break;
        }
        char *end = strchrnul(p, '/');
        char saved = *end;
        *end = '\0';
        bool last = true;
        for (const char *q = end + (saved ? 1 : 0); saved && *q; q++)
            if (*q != '/') { last = false; break; }
        if (streq(p, ".") || streq(p, "..")) {
            if (p[1] == '.' && depth > 0)
                close(stack[depth--]);
            *end = saved;
            p = end;
            continue;
        }
        int fd = openat(stack[depth], p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            e = errno;
            if (fd >= 0) close(fd);
            break;
        }
        if (S_ISLNK(st.st_mode) && (!last || !(flags & O_NOFOLLOW))) {
            char link[PATH_MAX];
            ssize_t n = readlinkat(fd, "", link, sizeof(link) - 1);
            close(fd);
            if (++links > 40 || n < 0) {
                e = n < 0 ? errno : ELOOP;
                break;
            }
            link[n] = '\0';
            char *next = xasprintf("%s/%s", link, saved ? end + 1 : "");
            free(rest);
            rest = p = next;
            if (link[0] == '/')
                while (depth > 0)
                    close(stack[depth--]);
            continue;
        }
        if (last) {
            /* reopen with the caller's flags; O_NOFOLLOW: a swap to a symlink since the check fails */
            result = (flags & ~(O_NOFOLLOW | O_CLOEXEC)) == O_PATH ? fd
                     : openat(stack[depth], p, flags | O_NOFOLLOW | O_CLOEXEC);
            e = errno;
            if (result != fd)
                close(fd);
            break;
        }
        if (!S_ISDIR(st.st_mode) || depth + 1 >= WALK_DEPTH) {
            e = S_ISDIR(st.st_mode) ? ENAMETOOLONG : ENOTDIR;
            close(fd);
            break;
        }
        stack[++depth] = fd;
        *end = saved;
        p = end;
    }
    while (depth >= 0)
        close(stack[depth--]);
    free(rest);
    if (result < 0)
        errno = e;
    return result;
}

int resolve_in_root(int root, const char *path, int flags, mode_t mode)
{
    static bool no_openat2;
    struct open_how how = {
        .flags = (unsigned long long) (flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    const char *rel = skip_slashes(path);
    for (int tries = 0; !no_openat2; tries++) {
        long fd = tr_sys->openat2(root, rel, &how, sizeof(how));
        if (fd < 0 && errno == ENOSYS) {
            no_openat2 = true;
            break;
        }
        /* EAGAIN: a concurrent rename in the tree; the kernel asks us to retry */
        if (fd >= 0 || errno != EAGAIN || tries > 32)
            return (int) fd;
    }
    if (flags & O_CREAT) {
        errno = ENOSYS;
        return -1;
    }
    return walk_in_root(root, rel, flags);
}

struct fd_path fd_path(int fd)
{
    struct fd_path p;
    snprintf(p.s, sizeof(p.s), "/proc/self/fd/%d", fd);
    return p;
}

/* The path to continue with when component comp (of dir prefix, followed by rest) is a
 * dangling symlink: its target joined with rest. NULL when comp is not a symlink. */
static char *through_dangling(int dir, const char *comp, const char *prefix, size_t plen_before,
                              const char *rest)
{
    char link[PATH_MAX];
    ssize_t l = readlinkat(dir, comp, link, sizeof(link) - 1);
    if (l <= 0)
        return NULL;
    link[l] = '\0';
    if (link[0] == '/')
        return xasprintf("%s/%s", link, rest);
    return xasprintf("%.*s/%s/%s", (int) plen_before, prefix, link, rest);
}

static int mkdir_in_root_depth(int root, const char *path, mode_t mode, int depth, struct tr_err *err);

int mkdir_in_root(int root, const char *path, mode_t mode, struct tr_err *err)
{
    return mkdir_in_root_depth(root, path, mode, 0, err);
}

static int mkdir_in_root_depth(int root, const char *path, mode_t mode, int depth, struct tr_err *err)
{
    _cleanup_free_ char *prefix = xmalloc(strlen(path) + 2);
    size_t plen = 0;
    int cur = resolve_in_root(root, ".", O_PATH | O_DIRECTORY, 0);
    if (cur < 0)
        return tr_fail(err, errno, "open rootfs");
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t n = (size_t) (end - p);
        if (n == 0)
            break;
        char comp[NAME_MAX + 1];
        if (n > NAME_MAX) {
            close(cur);
            return tr_fail(err, ENAMETOOLONG, "mkdir %s", path);
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        size_t plen_before = plen;
        prefix[plen++] = '/';
        memcpy(prefix + plen, p, n);
        plen += n;
        prefix[plen] = '\0';
        p = end;
        if (streq(comp, ".") || streq(comp, ".."))
            goto reopen;    /* resolved (and clamped at the root) by openat2 below */
        /* mkdirat never follows a symlink in the last component: an existing symlink gives
         * EEXIST and is then followed by openat2, inside the root. */
        if (mkdirat(cur, comp, mode) < 0 && errno != EEXIST) {
            int e = errno;
            close(cur);
            return tr_fail(err, e, "mkdir %s in rootfs", prefix);
        }
    reopen:;
        int next = resolve_in_root(root, prefix, O_PATH | O_DIRECTORY, 0);
        if (next < 0 && errno == ENOENT && depth < 40) {
            /* a dangling symlink: create its target, still inside the root (as runc does) */
            _cleanup_free_ char *again = through_dangling(cur, comp, prefix, plen_before, p);
            if (again) {
                close(cur);
                return mkdir_in_root_depth(root, again, mode, depth + 1, err);
            }
            errno = ENOENT;
        }
        if (next < 0) {
            int e = errno;
            close(cur);
            return tr_fail(err, e, "open %s in rootfs", prefix);
        }
        close(cur);
        cur = next;
    }
    return cur;
}

/* Split path into a malloc'd parent and a pointer to the last component. */
static char *split_parent(const char *path, const char **base)
{
    char *dir = xstrdup(path);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash) {
        *base = path;
        dir[0] = '\0';
        return dir;
    }
    *base = path + (slash - dir) + 1;
    slash[slash == dir ? 1 : 0] = '\0';
    return dir;
}

int open_parent_in_root(int root, const char *path, const char **base, struct tr_err *err)
{
    _cleanup_free_ char *dir = split_parent(path, base);
    size_t blen = strcspn(*base, "/");
    if (blen == 0 || (blen == 1 && (*base)[0] == '.') || (blen == 2 && !strncmp(*base, "..", 2)))
        return tr_fail(err, EINVAL, "%s: not a path to a file", path);
    return mkdir_in_root(root, *dir ? dir : "/", 0755, err);
}

/* A symlink at path whose target is missing: its target, resolved against path's directory.
 * NULL when path's last component is not a symlink. */
static char *dangling_target(int parent, const char *base, const char *path)
{
    char name[NAME_MAX + 1], link[PATH_MAX];
    size_t n = strcspn(base, "/");
    if (n > NAME_MAX)
        return NULL;
    memcpy(name, base, n);
    name[n] = '\0';
    ssize_t l = readlinkat(parent, name, link, sizeof(link) - 1);
    if (l <= 0)
        return NULL;
    link[l] = '\0';
    if (link[0] == '/')
        return xstrdup(link);
    const char *b;
    _cleanup_free_ char *dir = split_parent(path, &b);
    return xasprintf("%s/%s", dir, link);
}

static int open_target_depth(int root, const char *path, bool want_dir, int depth, struct tr_err *err)
{
    int fd = resolve_in_root(root, path, O_PATH, 0);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT)
        return tr_fail(err, errno, "open %s in rootfs", path);
    const char *base;
    _cleanup_close_ int parent = open_parent_in_root(root, path, &base, err);
    if (parent < 0)
        return -1;
    _cleanup_free_ char *target = dangling_target(parent, base, path);
    if (target) {
        /* e.g. /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf: create the link's
         * target (in the root), as runc does */
        if (depth > 40)
            return tr_fail(err, ELOOP, "open %s in rootfs", path);
        return open_target_depth(root, target, want_dir, depth + 1, err);
    }
    char name[NAME_MAX + 1];
    size_t n = strcspn(base, "/");
    memcpy(name, base, n < NAME_MAX ? n : NAME_MAX);
    name[n < NAME_MAX ? n : NAME_MAX] = '\0';
    if (want_dir) {
        if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
            return tr_fail(err, errno, "mkdir %s in rootfs", path);
    } else {
        int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
        if (f < 0 && errno != EEXIST)
            return tr_fail(err, errno, "create %s in rootfs", path);
        if (f >= 0)
            close(f);
    }
    fd = resolve_in_root(root, path, O_PATH, 0);
    if (fd < 0)
        return tr_fail(err, errno, "open %s in rootfs", path);
    return fd;
}

int open_mount_target(int root, const char *path, bool want_dir, struct tr_err *err)
{
    return open_target_depth(root, path, want_dir, 0, err);
}
