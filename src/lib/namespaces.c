#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "namespaces.h"
#include "sys.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const unsigned long ns_flags[OCI_NS__COUNT] = {
    [OCI_NS_PID] = CLONE_NEWPID, [OCI_NS_NETWORK] = CLONE_NEWNET, [OCI_NS_MOUNT] = CLONE_NEWNS,
    [OCI_NS_IPC] = CLONE_NEWIPC, [OCI_NS_UTS] = CLONE_NEWUTS, [OCI_NS_USER] = CLONE_NEWUSER,
    [OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = CLONE_NEWTIME,
};
const struct ns_proc_name ns_proc_names[OCI_NS__COUNT] = {
    [OCI_NS_PID] = { "pid", "pid_for_children" }, [OCI_NS_NETWORK] = { "net", "net" },
    [OCI_NS_MOUNT] = { "mnt", "mnt" }, [OCI_NS_IPC] = { "ipc", "ipc" }, [OCI_NS_UTS] = { "uts", "uts" },
    [OCI_NS_USER] = { "user", "user" }, [OCI_NS_CGROUP] = { "cgroup", "cgroup" },
    [OCI_NS_TIME] = { "time", "time_for_children" },
};

static int type_of_flag(int flag)
{
    for (int t = 0; t < OCI_NS__COUNT; t++)
        if ((int) ns_flags[t] == flag)
            return t;
    return -1;
}

static int open_ns_path(struct ns_plan *p, size_t idx, const struct oci_namespace *ns, struct tr_err *err)
{
    int fd = open(ns->path, O_RDONLY | O_CLOEXEC), kind, t;
    if (fd < 0)
        return tr_fail(err, errno, "linux.namespaces[%zu].path: open %s", idx, ns->path);
    kind = ioctl(fd, NS_GET_NSTYPE);
    if (kind < 0) {
        int e = errno;
        close(fd);
        return tr_fail(err, e == ENOTTY ? 0 : e, "linux.namespaces[%zu].path: %s is not a namespace file%s",
                       idx, ns->path, e == ENOTTY ? " (expected /proc/<pid>/ns/<type> or a bind mount of one)" : "");
    }
    t = type_of_flag(kind);
    if (t != (int) ns->type) {
        close(fd);
        return tr_failx(err, "linux.namespaces[%zu].path: %s is a %s namespace, not %s", idx, ns->path,
                        t >= 0 ? oci_ns_type_name((enum oci_ns_type) t) : "unknown",
                        oci_ns_type_name(ns->type));
    }
    p->join_fd[ns->type] = fd;
    return 0;
}

int ns_plan_init(struct ns_plan *p, const struct oci_spec *spec, struct tr_err *err)
{
    memset(p, 0, sizeof *p);
    for (int t = 0; t < OCI_NS__COUNT; t++)
        p->join_fd[t] = p->own_fd[t] = -1;
    if (!spec->linux_)
        return 0;
    for (size_t i = 0; i < spec->linux_->namespaces_len; i++) {
        const struct oci_namespace *ns = &spec->linux_->namespaces[i];
        p->has[ns->type] = true;
        if (ns->path && *ns->path) {
            if (open_ns_path(p, i, ns, err) < 0) {
                ns_plan_close(p);
                return -1;
            }
        } else {
            p->new_flags |= ns_flags[ns->type];
        }
    }
    if (p->new_flags & CLONE_NEWCGROUP) {
        p->new_flags &= ~(unsigned long) CLONE_NEWCGROUP;
        p->late_cgroupns = true;
    }
    if (p->new_flags & CLONE_NEWTIME) {
        p->new_flags &= ~(unsigned long) CLONE_NEWTIME;
        p->late_timens = true;
    }
    if ((p->new_flags & CLONE_NEWNET) && p->join_fd[OCI_NS_USER] < 0 && !spec->linux_->net_devices_len) {
        p->new_flags &= ~(unsigned long) CLONE_NEWNET;
        p->late_netns = true;
    }
    return 0;
}

void ns_plan_close(struct ns_plan *p)
{
    for (int t = 0; t < OCI_NS__COUNT; t++) {
        if (p->join_fd[t] >= 0)
            close(p->join_fd[t]);
        if (p->own_fd[t] >= 0)
            close(p->own_fd[t]);
        p->join_fd[t] = p->own_fd[t] = -1;
    }
}

/* Mount last: once in the container's mount namespace, /proc is the container's and
 * /proc/self no longer names us. */
static const enum oci_ns_type join_order[] = {
    OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_MOUNT,
};

/* Just before clone: enter every joined namespace except user. */
int ns_parent_enter(struct ns_plan *p, struct tr_err *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
        enum oci_ns_type t = join_order[i];
        char path[64];
        if (p->join_fd[t] < 0)
            continue;
        /* pid and time are entered for the child only: save those we give it */
        snprintf(path, sizeof path, "/proc/self/ns/%s", ns_proc_names[t].for_children);
        p->own_fd[t] = open(path, O_RDONLY | O_CLOEXEC);
        if (p->own_fd[t] < 0)
            return tr_fail(err, errno, "open %s", path);
    }
    for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
        enum oci_ns_type t = join_order[i];
        if (p->join_fd[t] >= 0 && tr_sys->setns(p->join_fd[t], (int) ns_flags[t]) < 0)
            return tr_fail(err, errno, "linux.namespaces: setns into the %s namespace", oci_ns_type_name(t));
    }
    return 0;
}

/* Just after clone: back to our own namespaces. */
int ns_parent_restore(struct ns_plan *p, struct tr_err *err)
{
    int rc = 0;
    /* Mount first, so that the other own namespaces are restored from our own view. */
    for (size_t i = ARRAY_SIZE(join_order); i-- > 0;) {
        enum oci_ns_type t = join_order[i];
        if (p->own_fd[t] < 0)
            continue;
        if (tr_sys->setns(p->own_fd[t], (int) ns_flags[t]) < 0 && rc == 0)
            rc = tr_fail(err, errno, "return to the runtime's own %s namespace", oci_ns_type_name(t));
        close(p->own_fd[t]);
        p->own_fd[t] = -1;
    }
    return rc;
}

/* Every namespace but user first, while our own user namespace's capabilities count; one
 * refused with EPERM (owned by the user namespace we join) is retried after the user one. */
int ns_join_all(struct ns_plan *p, struct tr_err *err)
{
    bool later[OCI_NS__COUNT] = { false };
    bool has_user = p->join_fd[OCI_NS_USER] >= 0;
    for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
        enum oci_ns_type t = join_order[i];
        if (p->join_fd[t] < 0 || tr_sys->setns(p->join_fd[t], (int) ns_flags[t]) == 0)
            continue;
        if (errno != EPERM || !has_user)
            return tr_fail(err, errno, "linux.namespaces: setns into the %s namespace", oci_ns_type_name(t));
        later[t] = true;
    }
    if (has_user && tr_sys->setns(p->join_fd[OCI_NS_USER], CLONE_NEWUSER) < 0)
        return tr_fail(err, errno, "linux.namespaces: setns into the user namespace");
    for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
        enum oci_ns_type t = join_order[i];
        if (later[t] && tr_sys->setns(p->join_fd[t], (int) ns_flags[t]) < 0)
            return tr_fail(err, errno, "linux.namespaces: setns into the %s namespace (after the user one)",
                           oci_ns_type_name(t));
    }
    return 0;
}

int ns_child_join_user(struct ns_plan *p, struct tr_err *err)
{
    /* The join helper entered the user namespace; the ids are still the unmapped ones. */
    if (p->joined_in_helper && p->join_fd[OCI_NS_USER] >= 0 &&
        (tr_sys->setresgid(0, 0, 0) < 0 || tr_sys->setresuid(0, 0, 0) < 0))
        return tr_fail(err, errno, "become root in the joined user namespace (is uid 0 mapped?)");
    if (p->late_cgroupns && tr_sys->unshare(CLONE_NEWCGROUP) < 0)
        return tr_fail(err, errno, "linux.namespaces: unshare the cgroup namespace");
    return 0;
}

static char *format_map(const struct oci_idmap *m, size_t n)
{
    size_t cap = n * 40 + 1, len = 0;
    char *s = xmalloc(cap);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t) snprintf(s + len, cap - len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
    return s;
}

/* newuidmap/newgidmap take "pid c h s [c h s...]" on the command line. */
static int run_idmap_helper(const char *tool, pid_t pid, const struct oci_idmap *m, size_t n, struct tr_err *err)
{
    char **argv = xzalloc((n * 3 + 3) * sizeof *argv);
    int status;
    pid_t child;
    argv[0] = (char *) tool;
    argv[1] = xasprintf("%d", (int) pid);
    for (size_t i = 0; i < n; i++) {
        argv[2 + i * 3] = xasprintf("%u", m[i].container_id);
        argv[3 + i * 3] = xasprintf("%u", m[i].host_id);
        argv[4 + i * 3] = xasprintf("%u", m[i].size);
    }
    child = fork();
    if (child == 0) {
        execvp(tool, argv);
        _exit(127);
    }
    for (size_t i = 1; argv[i]; i++)
        free(argv[i]);
    free(argv);
    if (child < 0)
        return tr_fail(err, errno, "fork %s", tool);
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return tr_failx(err, "%s for pid %d failed (status %d); check /etc/subuid and /etc/subgid", tool,
                        (int) pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

static int write_map(pid_t pid, const char *file, const char *tool, const struct oci_idmap *m, size_t n,
                     const char *json_path, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int) pid, file);
    _cleanup_free_ char *text = format_map(m, n);
    struct tr_err e2;
    if (n == 0)
        return 0;
    if (write_file(path, text, strlen(text), 0, &e2) == 0)
        return 0;
    if ((e2.code == EPERM || e2.code == EINVAL) && geteuid() != 0)
        return run_idmap_helper(tool, pid, m, n, err);
    *err = e2;
    return tr_prefix(err, "%s", json_path);
}

int ns_write_id_maps(pid_t pid, const struct oci_spec *spec, struct tr_err *err)
{
    const struct oci_linux *l = spec->linux_;
    if (!l)
        return 0;
    if (geteuid() != 0 && l->gid_mappings_len == 1 && l->gid_mappings[0].size == 1) {
        /* An unprivileged writer may map its own gid only after denying setgroups. */
        _cleanup_free_ char *sg = xasprintf("/proc/%d/setgroups", (int) pid);
        struct tr_err ignore;
        write_file(sg, "deny", 4, 0, &ignore);
    }
    if (write_map(pid, "uid_map", "newuidmap", l->uid_mappings, l->uid_mappings_len, "linux.uidMappings", err) < 0)
        return -1;
    return write_map(pid, "gid_map", "newgidmap", l->gid_mappings, l->gid_mappings_len, "linux.gidMappings", err);
}

bool ns_in_child_userns(void)
{
    char buf[256];
    unsigned long a, b, c;
    FILE *f = fopen("/proc/self/uid_map", "re");
    bool initial = false;
    if (!f)
        return false;
    if (fgets(buf, sizeof buf, f) && sscanf(buf, "%lu %lu %lu", &a, &b, &c) == 3)
        initial = a == 0 && b == 0 && c == 4294967295UL;
    fclose(f);
    return !initial;
}
