/* The criu command line tinyrun builds (src/lib/criu.c): shared options validated and turned
 * into criu flags, bind mounts as external mounts (dump: a name, restore: the source), and a
 * failed run of the binary reported with its status and the log's first error. No criu needed. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "criu.h"
#include "tap.h"
#include "util.h"

static bool has_arg(const struct criu_argv *a, const char *want)
{
    for (size_t i = 0; i < a->n; i++)
        if (streq(a->v[i], want))
            return true;
    return false;
}

static void test_common(void)
{
    struct criu_argv a = { 0 };
    struct tr_err err = { 0 };
    struct criu_common c = { .manage_cgroups_mode = "ignore", .empty_ns = "network",
                             .tcp_established = true, .lazy_pages = true };
    ok(criu_add_common(&a, &c, &err) == 0, "valid options accepted: %s", err.msg);
    ok(has_arg(&a, "--manage-cgroups=ignore"), "--manage-cgroups-mode ignore -> --manage-cgroups=ignore");
    ok(has_arg(&a, "--empty-ns=net"), "--empty-ns network -> --empty-ns=net");
    ok(has_arg(&a, "--tcp-established") && has_arg(&a, "--lazy-pages"), "switches passed on");
    ok(!has_arg(&a, "--shell-job"), "unset switches are not");
    criu_argv_free(&a);
    c.manage_cgroups_mode = "hard";
    ok(criu_add_common(&a, &c, &err) < 0 && strstr(err.msg, "--manage-cgroups-mode \"hard\""),
       "unknown cgroups mode refused, named: %s", err.msg);
    criu_argv_free(&a);
    c.manage_cgroups_mode = NULL;
    c.empty_ns = "ipc";
    ok(criu_add_common(&a, &c, &err) < 0 && strstr(err.msg, "--empty-ns \"ipc\""),
       "--empty-ns other than network refused: %s", err.msg);
    criu_argv_free(&a);
}

static void test_bind_mounts(void)
{
    char *bind_opts[] = { (char *) "rbind", (char *) "rw" };
    struct oci_mount mounts[] = {
        { .destination = (char *) "/data", .type = (char *) "bind", .source = (char *) "/srv/data" },
        { .destination = (char *) "/rel", .source = (char *) "rel", .options = bind_opts, .options_len = 2 },
        { .destination = (char *) "/tmp", .type = (char *) "tmpfs", .source = (char *) "tmpfs" },
    };
    struct oci_spec spec = { .mounts = mounts, .mounts_len = 3 };
    struct criu_argv a = { 0 };
    char cwd[4096];
    criu_add_bind_mounts(&a, &spec, false);
    ok(a.n == 2 && has_arg(&a, "--external=mnt[/data]:/data") && has_arg(&a, "--external=mnt[/rel]:/rel"),
       "dump: each bind mount (type bind or rbind option) named by its destination, tmpfs not");
    criu_argv_free(&a);
    criu_add_bind_mounts(&a, &spec, true);
    _cleanup_free_ char *rel = xasprintf("--external=mnt[/rel]:%s/rel", getcwd(cwd, sizeof cwd));
    ok(has_arg(&a, "--external=mnt[/data]:/srv/data") && has_arg(&a, rel),
       "restore: mapped to the source, a relative one from the current directory");
    criu_argv_free(&a);
}

static void test_exec_failures(void)
{
    struct criu_argv a = { 0 };
    struct tr_err err = { 0 };
    char log[] = "/tmp/tinyrun-test-criu-XXXXXX";
    int fd = mkstemp(log);
    const char text[] = "(00.1) a line\n(00.2) Error (criu/mount.c:1): the cause\n(00.3) Error (x): FAILED\n";
    ok(fd >= 0 && write(fd, text, sizeof text - 1) == (ssize_t) sizeof text - 1, "log fixture written");
    close(fd);
    criu_arg(&a, "/nonexistent/criu");
    criu_arg(&a, "dump");
    ok(criu_exec(&a, log, NULL, NULL, &err) < 0 && strstr(err.msg, "cannot run /nonexistent/criu"),
       "a missing binary is named: %s", err.msg);
    criu_argv_free(&a);
    criu_arg(&a, "/bin/sh");
    criu_arg(&a, "-c");
    criu_arg(&a, "exit 3");
    ok(criu_exec(&a, log, NULL, NULL, &err) < 0 && strstr(err.msg, "exit status 3") &&
       strstr(err.msg, "the cause") && strstr(err.msg, log), "a failure quotes the first Error line and the log: %s", err.msg);
    criu_argv_free(&a);
    unlink(log);
    ok(!criu_found("/nonexistent/criu") && criu_found("/bin/sh"), "criu_found checks the binary");
}

int main(void)
{
    test_common();
    test_bind_mounts();
    test_exec_failures();
    return done_testing();
}
