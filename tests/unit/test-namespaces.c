/* The namespace plan (src/lib/namespaces.c) without root: linux.namespaces -> clone flags and
 * fds opened from paths (our own /proc/self/ns files, which anyone may open), the errors for
 * bad paths and duplicates, and the order of the joins against the fake syscall seam.
 * Checked to fail: moving OCI_NS_MOUNT out of the last place of join_order, or dropping the
 * EPERM retry after the user namespace in ns_join_all, breaks the logs compared below. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fake-sys.h"
#include "namespaces.h"
#include "util.h"
#include "tap.h"

/* linux_extra: more members of "linux" ("" or ", \"netDevices\": {...}"). */
static struct oci_spec *spec_with_linux(const char *namespaces, const char *linux_extra, struct tr_err *err)
{
    _cleanup_free_ char *json = xasprintf(
        "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
        " \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0}},"
        " \"linux\": {\"namespaces\": [%s]%s}}", namespaces, linux_extra);
    return oci_parse(json, strlen(json), "config.json", err);
}

static struct oci_spec *spec_with(const char *namespaces, struct tr_err *err)
{
    return spec_with_linux(namespaces, "", err);
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* netDevices are moved into the init's network namespace before SETUP_DONE: it must exist at
 * clone then, and the init does not make one of its own. */
static void test_netns_with_net_devices(void)
{
    struct tr_err err = { 0 };
    struct ns_plan p;
    struct oci_spec *spec = spec_with_linux("{\"type\": \"network\"}", ", \"netDevices\": {\"dummy0\": {}}", &err);
    ok(spec && ns_plan_init(&p, spec, &err) == 0, "a plan with netDevices%s", err.msg);
    ok((p.new_flags & CLONE_NEWNET) && !p.late_netns, "with netDevices the network namespace is a clone flag");
    ns_plan_close(&p);
    oci_free(spec);
}

static void test_new_namespaces(void)
{
    struct tr_err err = { 0 };
    struct ns_plan p;
    struct oci_spec *spec = spec_with("{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"mount\"},"
                                      "{\"type\": \"user\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}", &err);
    ok(spec && ns_plan_init(&p, spec, &err) == 0, "a plan of six new namespaces%s", err.msg);
    is_str(fake_flags(fake_clone_flags, p.new_flags), "NEWUSER|NEWNS|NEWPID",
           "clone flags: user, mount, pid; cgroup, time and network are not cloned");
    ok(p.late_cgroupns && p.late_timens && p.late_netns, "cgroup, time and network are unshared later, by the child");
    ok(p.has[OCI_NS_CGROUP] && p.has[OCI_NS_TIME] && !p.has[OCI_NS_IPC] && !p.has[OCI_NS_UTS],
       "has[] lists exactly the configured types");
    bool none_joined = true;
    for (int t = 0; t < OCI_NS__COUNT; t++)
        none_joined = none_joined && p.join_fd[t] < 0 && p.own_fd[t] < 0;
    ok(none_joined, "nothing to join");
    ns_plan_close(&p);
    oci_free(spec);
    spec = spec_with("", &err);
    ok(spec && ns_plan_init(&p, spec, &err) == 0 && p.new_flags == 0 && !p.late_cgroupns,
       "no namespaces: no flags");
    ns_plan_close(&p);
    oci_free(spec);
}

static void test_joined_by_path(void)
{
    struct tr_err err = { 0 };
    struct ns_plan p;
    struct oci_spec *spec = spec_with("{\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}, {\"type\": \"ipc\"},"
                                      "{\"type\": \"cgroup\", \"path\": \"/proc/self/ns/cgroup\"}", &err);
    ok(spec && ns_plan_init(&p, spec, &err) == 0, "a plan joining network and cgroup by path%s", err.msg);
    is_str(fake_flags(fake_clone_flags, p.new_flags), "NEWIPC", "only ipc is new");
    ok(!p.late_cgroupns, "a joined cgroup namespace is not unshared later");
    ok(p.join_fd[OCI_NS_NETWORK] >= 0 && p.join_fd[OCI_NS_CGROUP] >= 0 && p.join_fd[OCI_NS_IPC] < 0,
       "the two paths are open");
    ns_plan_close(&p);
    ok(p.join_fd[OCI_NS_NETWORK] < 0 && p.join_fd[OCI_NS_CGROUP] < 0, "ns_plan_close closes them");
    oci_free(spec);
}

static void expect_plan_error(const char *namespaces, const char *want, const char *what)
{
    struct tr_err err = { 0 };
    struct ns_plan p;
    int before = open_fds();
    struct oci_spec *spec = spec_with(namespaces, &err);
    ok(spec && ns_plan_init(&p, spec, &err) < 0, "%s: refused", what);
    is_str(err.msg, want, "%s: the error names the entry and the path", what);
    ok(open_fds() == before, "%s: no fd left open", what);
    oci_free(spec);
}

static void test_bad_paths(void)
{
    char file[] = "/tmp/test-namespaces.XXXXXX";
    int fd = mkstemp(file);
    close(fd);
    expect_plan_error("{\"type\": \"network\", \"path\": \"/proc/self/ns/net\"},"
                      "{\"type\": \"uts\", \"path\": \"/nonexistent/ns/uts\"}",
                      "linux.namespaces[1].path: open /nonexistent/ns/uts: No such file or directory", "a missing path");
    _cleanup_free_ char *json = xasprintf("{\"type\": \"network\", \"path\": \"%s\"}", file);
    _cleanup_free_ char *want = xasprintf("linux.namespaces[0].path: %s is not a namespace file (expected "
                                          "/proc/<pid>/ns/<type> or a bind mount of one)", file);
    expect_plan_error(json, want, "a regular file");
    expect_plan_error("{\"type\": \"network\", \"path\": \"/proc/self/ns/ipc\"}",
                      "linux.namespaces[0].path: /proc/self/ns/ipc is a ipc namespace, not network",
                      "a namespace of another type");
    unlink(file);
}

/* Duplicates and relative paths never reach a plan: oci_load's validator refuses them. */
static void test_validated_before_the_plan(void)
{
    struct tr_err err = { 0 };
    struct oci_spec *spec = spec_with("{\"type\": \"network\"}, {\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}",
                                      &err);
    ok(spec && oci_validate(spec, "config.json", &err) < 0, "a type listed twice is refused");
    is_str(err.msg, "config.json: linux.namespaces[1].type: duplicate namespace type \"network\"",
           "the error names the second entry");
    oci_free(spec);
    spec = spec_with("{\"type\": \"ipc\", \"path\": \"proc/1/ns/ipc\"}", &err);
    ok(spec && oci_validate(spec, "config.json", &err) < 0, "a relative path is refused");
    is_str(err.msg, "config.json: linux.namespaces[0].path: must be an absolute path, got \"proc/1/ns/ipc\"",
           "the error names the path");
    oci_free(spec);
}

/* A plan joining ipc, network, mount and user by path (our own namespaces). */
static struct oci_spec *join_spec(struct ns_plan *p)
{
    struct tr_err err = { 0 };
    struct oci_spec *spec = spec_with("{\"type\": \"mount\", \"path\": \"/proc/self/ns/mnt\"},"
                                      "{\"type\": \"ipc\", \"path\": \"/proc/self/ns/ipc\"},"
                                      "{\"type\": \"user\", \"path\": \"/proc/self/ns/user\"},"
                                      "{\"type\": \"network\", \"path\": \"/proc/self/ns/net\"}", &err);
    if (!spec || ns_plan_init(p, spec, &err) < 0) {
        printf("# %s\n", err.msg);
        abort();
    }
    return spec;
}

static void test_parent_enter_restore(void)
{
    struct tr_err err = { 0 };
    struct ns_plan p;
    struct oci_spec *spec = join_spec(&p);
    fake_reset();
    ok(ns_parent_enter(&p, &err) == 0, "ns_parent_enter");
    _cleanup_free_ char *want_enter = xasprintf("setns(fd %d, NEWNET)\nsetns(fd %d, NEWIPC)\nsetns(fd %d, NEWNS)\n",
                                                p.join_fd[OCI_NS_NETWORK], p.join_fd[OCI_NS_IPC],
                                                p.join_fd[OCI_NS_MOUNT]);
    is_str(fake->log, want_enter, "enters network, ipc, then mount last; never the user namespace");
    ok(p.own_fd[OCI_NS_NETWORK] >= 0 && p.own_fd[OCI_NS_MOUNT] >= 0 && p.own_fd[OCI_NS_USER] < 0,
       "our own namespaces are kept for the way back");
    _cleanup_free_ char *want_restore = xasprintf("setns(fd %d, NEWNS)\nsetns(fd %d, NEWIPC)\nsetns(fd %d, NEWNET)\n",
                                                  p.own_fd[OCI_NS_MOUNT], p.own_fd[OCI_NS_IPC],
                                                  p.own_fd[OCI_NS_NETWORK]);
    fake_reset();
    ok(ns_parent_restore(&p, &err) == 0, "ns_parent_restore");
    is_str(fake->log, want_restore, "returns to our own mount namespace first, then the others");
    ok(p.own_fd[OCI_NS_MOUNT] < 0 && p.own_fd[OCI_NS_NETWORK] < 0, "and closes them");
    /* a failed return is reported, and the rest are still restored */
    ok(ns_parent_enter(&p, &err) == 0, "entered again");
    fake_reset();
    fake_fail("setns", 1, EINVAL);
    ok(ns_parent_restore(&p, &err) < 0, "a failed return fails");
    is_str(err.msg, "return to the runtime's own mount namespace: Invalid argument", "it names the namespace");
    ok(strstr(fake->log, "NEWNET") != NULL, "the network namespace is restored all the same");
    fake_reset();
    fake_fail("setns", 2, EPERM);
    ok(ns_parent_enter(&p, &err) < 0, "a failed setns on the way in fails");
    is_str(err.msg, "linux.namespaces: setns into the ipc namespace: Operation not permitted", "it names the type");
    ns_parent_restore(&p, &err);
    ns_plan_close(&p);
    oci_free(spec);
}

static void test_join_all(void)
{
    struct tr_err err = { 0 };
    struct ns_plan p;
    struct oci_spec *spec = join_spec(&p);
    int net = p.join_fd[OCI_NS_NETWORK], ipc = p.join_fd[OCI_NS_IPC], mnt = p.join_fd[OCI_NS_MOUNT];
    int user = p.join_fd[OCI_NS_USER];
    fake_reset();
    ok(ns_join_all(&p, &err) == 0, "ns_join_all");
    _cleanup_free_ char *want = xasprintf("setns(fd %d, NEWNET)\nsetns(fd %d, NEWIPC)\nsetns(fd %d, NEWNS)\n"
                                          "setns(fd %d, NEWUSER)\n", net, ipc, mnt, user);
    is_str(fake->log, want, "every namespace but user first, user last");
    /* EPERM: the network namespace belongs to the user namespace we join; retried after it */
    fake_reset();
    fake_fail("setns", 1, EPERM);
    ok(ns_join_all(&p, &err) == 0, "EPERM before the user namespace is not fatal");
    _cleanup_free_ char *retry = xasprintf("setns(fd %d, NEWNET)\n  -> Operation not permitted\nsetns(fd %d, NEWIPC)\n"
                                           "setns(fd %d, NEWNS)\nsetns(fd %d, NEWUSER)\nsetns(fd %d, NEWNET)\n",
                                           net, ipc, mnt, user, net);
    is_str(fake->log, retry, "the refused join is retried after the user namespace");
    fake_reset();
    fake_fail("setns", 4, EINVAL);
    ok(ns_join_all(&p, &err) < 0, "a failed user join fails");
    is_str(err.msg, "linux.namespaces: setns into the user namespace: Invalid argument", "it says which");
    /* without a user namespace to join, EPERM is final */
    close(p.join_fd[OCI_NS_USER]);
    p.join_fd[OCI_NS_USER] = -1;
    fake_reset();
    fake_fail("setns", 2, EPERM);
    ok(ns_join_all(&p, &err) < 0, "EPERM without a user namespace to join fails");
    is_str(err.msg, "linux.namespaces: setns into the ipc namespace: Operation not permitted", "it names the type");
    ok(strstr(fake->log, "NEWNS") == NULL, "and nothing after it is joined");
    ns_plan_close(&p);
    oci_free(spec);
}

static void test_child_join_user(void)
{
    struct tr_err err = { 0 };
    struct ns_plan p;
    struct oci_spec *spec = join_spec(&p);
    fake_reset();
    ok(ns_child_join_user(&p, &err) == 0 && fake->len == 0, "not joined by the helper: nothing to do");
    p.joined_in_helper = true;
    p.late_cgroupns = true;
    ok(ns_child_join_user(&p, &err) == 0, "joined by the helper, with a new cgroup namespace");
    is_str(fake->log, "setresgid(0, 0, 0)\nsetresuid(0, 0, 0)\nunshare(NEWCGROUP)\n",
           "root in the joined user namespace (gid first), then the cgroup namespace");
    fake_reset();
    fake_fail("setresuid", 1, EINVAL);
    ok(ns_child_join_user(&p, &err) < 0, "uid 0 unmapped fails");
    is_str(err.msg, "become root in the joined user namespace (is uid 0 mapped?): Invalid argument",
           "the error says what to check");
    ok(strstr(fake->log, "unshare") == NULL, "and no cgroup namespace is made");
    ns_plan_close(&p);
    oci_free(spec);
}

int main(void)
{
    if (fake_install() < 0)
        return 1;
    test_new_namespaces();
    test_netns_with_net_devices();
    test_joined_by_path();
    test_bad_paths();
    test_validated_before_the_plan();
    test_parent_enter_restore();
    test_join_all();
    test_child_join_user();
    return done_testing();
}
