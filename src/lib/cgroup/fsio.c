/* The cgroup control-file and directory operations (fs.h), by path. Paths below /sys/fs/cgroup
 * are walked from one cached fd of that directory: an absolute walk revalidates sysfs's "fs"
 * and "cgroup" dentries under the sysfs kernfs lock, which every network namespace takes for
 * writing as it is made and torn down (its loopback's sysfs files), so parallel containers
 * queued there at every cgroup file they opened (perf sched: kernfs_dop_revalidate). The fd is
 * only used by the process that opened it: a cloned init has a mount namespace of its own. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup.h"
#include "cgroup/fs.h"
#include "util.h"

static int root_fd = -1;
static pid_t root_pid;

/* path as (dirfd, relative path): from the cached /sys/fs/cgroup fd when below it */
static const char *at(const char *path, int *dirfd)
{
    static const size_t n = sizeof CG_ROOT - 1;
    *dirfd = AT_FDCWD;
    if (strncmp(path, CG_ROOT "/", n + 1) || !path[n + 1])
        return path;
    pid_t self = getpid();
    if (root_fd >= 0 && root_pid != self)
        return path;   /* inherited across a fork: not ours to use */
    if (root_fd < 0) {
        root_fd = open(CG_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
        root_pid = self;
        if (root_fd < 0)
            return path;
    }
    *dirfd = root_fd;
    return path + n + 1;
}

void cgroup_drop_inherited_fds(void)
{
    if (root_fd >= 0 && root_pid != getpid()) {
        close(root_fd);
        root_fd = -1;
    }
}

int cg_path_open(const char *path, int flags)
{
    int dfd;
    const char *rel = at(path, &dfd);
    return openat(dfd, rel, flags);
}

int cg_path_mkdir(const char *path)
{
    int dfd;
    const char *rel = at(path, &dfd);
    return mkdirat(dfd, rel, 0755);
}

int cg_path_rmdir(const char *path)
{
    int dfd;
    const char *rel = at(path, &dfd);
    return unlinkat(dfd, rel, AT_REMOVEDIR);
}

bool cg_path_exists(const char *path)
{
    int dfd;
    const char *rel = at(path, &dfd);
    return faccessat(dfd, rel, F_OK, 0) == 0;
}

DIR *cg_path_opendir(const char *path)
{
    int fd = cg_path_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0)
        close(fd);
    return d;
}

int cg_write(const char *dir, const char *file, const char *value, struct tr_err *err)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = cg_path_open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "write %s", p);
    if (write_all(fd, value, strlen(value)) < 0)
        return tr_fail(err, errno, "write %s", p);
    return 0;
}

char *cg_read(const char *dir, const char *file, struct tr_err *err)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = cg_path_open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        tr_fail(err, errno, "open %s", p);
        return NULL;
    }
    size_t len;
    char *s = read_fd_all(fd, p, &len, err);
    if (!s)
        return NULL;
    if (len > 0 && s[len - 1] == '\n')
        s[len - 1] = '\0';
    return s;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out)
{
    struct tr_err e;
    _cleanup_free_ char *s = cg_read(dir, file, &e);
    if (!s)
        return -1;
    if (streq(s, "max")) {
        *out = UINT64_MAX;
        return 0;
    }
    return parse_u64(s, out);
}

bool cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out)
{
    struct tr_err e;
    _cleanup_free_ char *s = dir ? cg_read(dir, file, &e) : NULL;
    size_t kl = strlen(key);
    for (char *save = NULL, *l = s ? strtok_r(s, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
        if (!strncmp(l, key, kl) && l[kl] == ' ' && parse_u64(l + kl + 1, out) == 0)
            return true;
    return false;
}

