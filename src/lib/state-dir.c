#include "config.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "cgroup.h"
#include "state-dir.h"
#include "state-pending.h"
#include "util.h"

static const char *const status_names[] = { "creating", "created", "running", "paused", "stopped" };
const char *tr_status_name(enum tr_status s) { return status_names[s]; }

int state_validate_id(const char *id, struct tr_err *err)
{
    if (!id || !*id)
        return tr_failx(err, "missing container ID");
    if (id[0] == '.' || strlen(id) > 1024)
        return tr_failx(err, "invalid container ID \"%s\": it may not start with '.' (reserved for the runtime's own files)", id);
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char) *p) && !strchr("_+-.", *p))
            return tr_failx(err, "invalid container ID \"%s\": use only letters, digits and _+-.", id);
    return 0;
}

static int ensure_root(const char *root, struct tr_err *err)
{
    struct stat st;
    if (stat(root, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : tr_failx(err, "state root %s is not a directory", root);
    if (mkdir_p(root, 0700, err) < 0)
        return tr_prefix(err, "create the state root (--root)");
    return 0;
}

static int lock_dir(struct tr_container *c, struct tr_err *err)
{
    while (flock(c->dirfd, LOCK_EX) < 0)
        if (errno != EINTR)
            return tr_fail(err, errno, "lock %s", c->dir);
    return 0;
}

int state_reserve(const char *root, const char *id, struct tr_container *c, struct tr_err *err)
{
    memset(c, 0, sizeof *c);
    c->dirfd = -1;
    if (state_validate_id(id, err) < 0 || ensure_root(root, err) < 0)
        return -1;
    c->id = xstrdup(id);
    c->dir = xasprintf("%s/%s", root, id);
    if (mkdir(c->dir, 0711) < 0) {
        int e = errno;
        state_close(c);
        if (e == EEXIST)
            return tr_failx(err, "container %s already exists; pick another ID or delete it first", id);
        return tr_fail(err, e, "mkdir %s/%s", root, id);
    }
    c->dirfd = open(c->dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (c->dirfd < 0 || lock_dir(c, err) < 0) {
        if (c->dirfd < 0)
            tr_fail(err, errno, "open %s", c->dir);
        rmdir(c->dir);
        state_close(c);
        return -1;
    }
    return 0;
}

#define PENDING_FILE "creating"

/* A torn or missing record leaves fields empty: delete then removes what it can name. */
static void load_pending(struct tr_container *c)
{
    struct tr_err ignore;
    _cleanup_free_ char *txt = read_file_at(c->dirfd, PENDING_FILE, NULL, &ignore);
    pending_record_clear(&c->pending);
    pending_record_parse(txt, &c->pending);
}

int state_save_pending(struct tr_container *c, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/" PENDING_FILE, c->dir);
    _cleanup_free_ char *txt = pending_record_format(&c->pending);
    return write_file_atomic(path, txt, strlen(txt), 0600, err);
}

int state_try_lock(struct tr_container *c, struct tr_err *err)
{
    while (flock(c->dirfd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return 1;
        if (errno != EINTR)
            return tr_fail(err, errno, "lock %s", c->dir);
    }
    return 0;
}

#define DELETED_MARK "deleted"

int state_mark_deleted(struct tr_container *c, struct tr_err *err)
{
    _cleanup_close_ int fd = openat(c->dirfd, DELETED_MARK, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    return fd < 0 ? tr_fail(err, errno, "mark %s/" DELETED_MARK, c->dir) : 0;
}

bool state_is_marked_deleted(struct tr_container *c)
{
    return c->dirfd >= 0 && faccessat(c->dirfd, DELETED_MARK, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int state_open(const char *root, const char *id, bool lock, struct tr_container *c, struct tr_err *err)
{
    _cleanup_free_ char *json = NULL;
    memset(c, 0, sizeof *c);
    c->dirfd = -1;
    if (state_validate_id(id, err) < 0)
        return -1;
    c->id = xstrdup(id);
    c->dir = xasprintf("%s/%s", root, id);
    c->dirfd = open(c->dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (c->dirfd < 0) {
        int e = errno;
        state_close(c);
        if (e == ENOENT)
            return tr_failx(err, "container %s does not exist", id);
        return tr_fail(err, e, "open %s/%s", root, id);
    }
    if (lock && lock_dir(c, err) < 0) {
        state_close(c);
        return -1;
    }
    json = read_file_at(c->dirfd, "state.json", NULL, err);
    if (!json) {
        if (err->code == ENOENT) {
            /* Reserved by a create still in progress (or one that died: delete --force). */
            tr_err_clear(err);
            load_pending(c);
            return 0;
        }
        state_close(c);
        return tr_prefix(err, "container %s", id);
    }
    c->runstate = oci_runstate_parse(json, "state.json", err);
    if (!c->runstate) {
        state_close(c);
        return tr_prefix(err, "container %s", id);
    }
    return 0;
}

void state_close(struct tr_container *c)
{
    if (c->dirfd >= 0)
        close(c->dirfd);
    oci_runstate_free(c->runstate);
    free(c->pending.cgroup);
    free(c->id);
    free(c->dir);
    memset(c, 0, sizeof *c);
    c->dirfd = -1;
}

int state_save(struct tr_container *c, struct tr_err *err)
{
    _cleanup_free_ char *json = oci_runstate_to_json(c->runstate);
    _cleanup_free_ char *path = xasprintf("%s/state.json", c->dir);
    if (!json)
        return tr_failx(err, "out of memory");
    return write_file_atomic(path, json, strlen(json), 0600, err);
}

static int remove_tree_at(int parent, const char *name, struct tr_err *err)
{
    int fd = openat(parent, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d;
    struct dirent *de;
    if (fd < 0) {
        if (errno == ENOTDIR || errno == ELOOP) {
            if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
                return tr_fail(err, errno, "unlink %s", name);
            return 0;
        }
        return errno == ENOENT ? 0 : tr_fail(err, errno, "open %s", name);
    }
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return tr_fail(err, errno, "fdopendir %s", name);
    }
    while ((de = readdir(d))) {
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) {
            /* a file, fifo or symlink: no open to learn that it is not a directory */
            if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                tr_fail(err, errno, "unlink %s", de->d_name);
                closedir(d);
                return -1;
            }
            continue;
        }
        if (remove_tree_at(dirfd(d), de->d_name, err) < 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return tr_fail(err, errno, "rmdir %s", name);
    return 0;
}

int state_remove(struct tr_container *c, struct tr_err *err)
{
    if (!c->dir)
        return 0;
    return remove_tree_at(AT_FDCWD, c->dir, err);
}

struct oci_spec *state_load_spec(struct tr_container *c, struct tr_err *err)
{
    size_t len;
    _cleanup_free_ char *json = read_file_at(c->dirfd, "config.json", &len, err);
    if (!json)
        return NULL;
    return oci_parse(json, len, "saved config.json", err);
}

unsigned long long proc_start_time(pid_t pid)
{
    char path[64], buf[1024];
    _cleanup_close_ int fd = -1;
    ssize_t n;
    char *p;
    unsigned long long start = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    p = strrchr(buf, ')');   /* comm may contain spaces and parens */
    if (!p || p[1] != ' ')
        return 0;
    /* After ") ": field 3 (state) ... field 22 (starttime). */
    if (p[2] == 'Z' || p[2] == 'X')
        return 0;
    p += 2;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (p)
        start = strtoull(p, NULL, 10);
    return start;
}

int state_open_pidfd(struct tr_container *c)
{
    int fd;
    pid_t pid = c->runstate ? c->runstate->pid : c->pending.pid;
    unsigned long long start = c->runstate ? c->runstate->start_time : c->pending.start_time;
    if (pid <= 0) {
        errno = ESRCH;
        return -1;
    }
    fd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return -1;
    /* Checked after opening the pidfd: if the start time still matches now, the pidfd refers to
     * our process and cannot be recycled any more. */
    if (proc_start_time(pid) != start) {
        close(fd);
        errno = ESRCH;
        return -1;
    }
    return fd;
}

enum tr_status state_status(struct tr_container *c)
{
    struct cgroup_mgr *m;
    struct tr_err ignore;
    int frozen = 0;
    if (!c->runstate || c->runstate->pid <= 0)
        return TR_CREATING;
    if (proc_start_time(c->runstate->pid) != c->runstate->start_time)
        return TR_STOPPED;
    if (faccessat(c->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return TR_CREATED;
    if (c->runstate->cgroup && (m = cgroup_load(c->runstate->cgroup, &ignore))) {
        frozen = cgroup_is_frozen(m, &ignore);
        cgroup_free(m);
    }
    return frozen == 1 ? TR_PAUSED : TR_RUNNING;
}
