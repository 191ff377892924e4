/* tmpcopyup: copy what a tmpfs is about to hide into the new tmpfs (files, directories,
 * symlinks, device nodes and fifos, with modes and owners), as runc and crun do. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rootfs-internal.h"
#include "util.h"

static void closedirp(DIR **d) { if (*d) closedir(*d); }

static int copy_data(int from_dir, int to_dir, const char *name, const struct stat *st, struct tr_err *err)
{
    _cleanup_close_ int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return tr_fail(err, errno, "open %s", name);
    _cleanup_close_ int out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                     st->st_mode & 07777);
    if (out < 0)
        return tr_fail(err, errno, "create %s", name);
    for (;;) {
        ssize_t n = sendfile(out, in, NULL, 1 << 20);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return tr_fail(err, errno, "copy %s", name);
        }
    }
    return 0;
}

static int copy_entry(int from_dir, int to_dir, const char *name, struct tr_err *err)
{
    struct stat st;
    if (fstatat(from_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return tr_fail(err, errno, "stat %s", name);
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
        if (mkdirat(to_dir, name, 0700) < 0 && errno != EEXIST)
            return tr_fail(err, errno, "mkdir %s", name);
        _cleanup_close_ int sub_from = openat(from_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int sub_to = openat(to_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub_from < 0 || sub_to < 0)
            return tr_fail(err, errno, "open %s", name);
        if (copy_tree(sub_from, sub_to, err) < 0)
            return tr_prefix(err, "%s", name);
        break;
    }
    case S_IFREG:
        if (copy_data(from_dir, to_dir, name, &st, err) < 0)
            return -1;
        break;
    case S_IFLNK: {
        char target[4096];
        ssize_t n = readlinkat(from_dir, name, target, sizeof(target) - 1);
        if (n < 0)
            return tr_fail(err, errno, "readlink %s", name);
        target[n] = '\0';
        if (symlinkat(target, to_dir, name) < 0)
            return tr_fail(err, errno, "symlink %s", name);
        break;
    }
    default:
        if (mknodat(to_dir, name, st.st_mode, st.st_rdev) < 0)
            return tr_fail(err, errno, "mknod %s", name);
        break;
    }
    if (fchownat(to_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        return tr_fail(err, errno, "chown %s", name);
    if (!S_ISLNK(st.st_mode) && fchmodat(to_dir, name, st.st_mode & 07777, 0) < 0)
        return tr_fail(err, errno, "chmod %s", name);
    return 0;
}

int copy_tree(int from_dir, int to_dir, struct tr_err *err)
{
    int dfd = openat(from_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return tr_fail(err, errno, "open directory");
    __attribute__((cleanup(closedirp))) DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return tr_fail(err, errno, "opendir");
    }
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
            continue;
        if (copy_entry(from_dir, to_dir, de->d_name, err) < 0)
            return -1;
    }
    if (errno)
        return tr_fail(err, errno, "readdir");
    return 0;
}
