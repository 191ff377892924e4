/* The state directory (src/lib/state.c, docs/state-dir.md) under a --root in a temp dir, no
 * root needed: reserve and its lock, the pending record of a create in progress, state.json
 * written and read back, the live status from a real child process (created, running,
 * stopped, pid reuse), the delete mark, the saved config, removal, and `list` over it.
 * Checked to fail: dropping the start-time comparison in state_status, or the LOCK_NB in
 * state_try_lock (it then blocks: the alarm below ends the test), fails the cases below. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "container.h"
#include "state-dir.h"
#include "util.h"
#include "tap.h"

static char tmp[64];
static char *root;

static void test_ids(void)
{
    struct tr_err err = { 0 };
    ok(state_validate_id("web-1_a.b+c", &err) == 0, "letters, digits and _+-. are an ID");
    ok(state_validate_id("../x", &err) < 0, "a path is not an ID");
    is_str(err.msg, "invalid container ID \"../x\": it may not start with '.' (reserved for the runtime's own files)",
           "a leading dot is reserved");
    ok(state_validate_id("a/b", &err) < 0, "a slash is not an ID");
    is_str(err.msg, "invalid container ID \"a/b\": use only letters, digits and _+-.", "the error says what is allowed");
    ok(state_validate_id("", &err) < 0 && strstr(err.msg, "missing container ID"), "an empty ID");
}

static void test_reserve_and_lock(void)
{
    struct tr_err err = { 0 };
    struct tr_container c, again, other;
    struct stat st;
    ok(state_reserve(root, "c1", &c, &err) == 0, "reserve c1 under a root that did not exist%s", err.msg);
    ok(stat(root, &st) == 0 && (st.st_mode & 07777) == 0700, "the root is made 0700");
    _cleanup_free_ char *dir = xasprintf("%s/c1", root);
    ok(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0711, "the container's dir is 0711");
    ok(state_reserve(root, "c1", &again, &err) < 0, "a second reserve of c1 fails");
    is_str(err.msg, "container c1 already exists; pick another ID or delete it first", "and says what to do");
    ok(state_open(root, "c1", false, &other, &err) == 0, "open c1 without the lock while reserved");
    ok(other.runstate == NULL && state_status(&other) == TR_CREATING, "no state.json yet: creating");
    ok(state_try_lock(&other, &err) == 1, "the reserving create holds the lock");
    state_close(&c);
    ok(state_try_lock(&other, &err) == 0, "free once the create closes it");
    state_close(&other);
    ok(state_open(root, "nope", false, &other, &err) < 0, "a missing container");
    is_str(err.msg, "container nope does not exist", "is named");
}

static void test_pending(void)
{
    struct tr_err err = { 0 };
    struct tr_container c;
    ok(state_open(root, "c1", true, &c, &err) == 0, "open c1 locked");
    c.pending = (struct tr_pending) { .cgroup = xstrdup("v2 /sys/fs/cgroup/x"), .pid = getpid(),
                                      .start_time = proc_start_time(getpid()) };
    ok(c.pending.start_time > 0, "our own start time is read from /proc");
    ok(state_save_pending(&c, &err) == 0, "the pending record is written");
    state_close(&c);
    ok(state_open(root, "c1", false, &c, &err) == 0 && c.runstate == NULL, "reopened: still creating");
    ok(c.pending.pid == getpid() && c.pending.start_time == proc_start_time(getpid()) && c.pending.cgroup &&
       streq(c.pending.cgroup, "v2 /sys/fs/cgroup/x"), "delete --force can read what the create made");
    int fd = state_open_pidfd(&c);
    ok(fd >= 0, "a pidfd for the pending pid, the same process");
    if (fd >= 0)
        close(fd);
    c.pending.start_time++;
    errno = 0;
    ok(state_open_pidfd(&c) < 0 && errno == ESRCH, "another start time: a reused pid, no pidfd");
    state_close(&c);
}

static pid_t sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        alarm(60);   /* bounded even if the test dies before killing it */
        for (;;)
            pause();
    }
    return pid;
}

static void test_saved_state_and_status(void)
{
    struct tr_err err = { 0 };
    struct tr_container c;
    pid_t pid = sleeper();
    ok(state_open(root, "c1", true, &c, &err) == 0, "open c1 locked");
    c.runstate = xzalloc(sizeof *c.runstate);
    *c.runstate = (struct oci_runstate) { .id = xstrdup("c1"), .pid = pid, .start_time = 0, .bundle = xstrdup("/b"),
                                    .rootfs = xstrdup("/b/rootfs"), .created = xstrdup("2026-12-04T18:00:00Z"),
                                    .systemd = true, .no_new_keyring = true };
    c.runstate->start_time = proc_start_time(pid);   /* its /proc entry exists once fork returns */
    ok(state_save(&c, &err) == 0, "state.json written");
    _cleanup_free_ char *fifo = xasprintf("%s/c1/exec.fifo", root);
    ok(mkfifo(fifo, 0600) == 0, "exec.fifo made");
    state_close(&c);
    ok(state_open(root, "c1", false, &c, &err) == 0 && c.runstate, "read back");
    ok(c.runstate && c.runstate->pid == pid && streq(c.runstate->bundle, "/b") && streq(c.runstate->rootfs, "/b/rootfs") &&
       streq(c.runstate->created, "2026-12-04T18:00:00Z") && c.runstate->systemd &&
       c.runstate->no_new_keyring && !c.runstate->rootless && !c.runstate->cgroup, "every field as written");
    ok(state_status(&c) == TR_CREATED, "alive with exec.fifo: created");
    unlink(fifo);
    ok(state_status(&c) == TR_RUNNING, "alive, fifo gone, no cgroup: running");
    c.runstate->start_time++;
    ok(state_status(&c) == TR_STOPPED, "the pid with another start time (reused): stopped");
    c.runstate->start_time--;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    ok(state_status(&c) == TR_STOPPED, "the process gone: stopped");
    state_close(&c);
    _cleanup_free_ char *path = xasprintf("%s/c1/state.json", root);
    ok(write_file(path, "{\"id\": 1", 8, 0600, &err) == 0, "a torn state.json");
    ok(state_open(root, "c1", false, &c, &err) < 0 && strncmp(err.msg, "container c1: state.json", 24) == 0,
       "is an error naming the container and the file: %s", err.msg);
}

static void test_mark_spec_remove(void)
{
    struct tr_err err = { 0 };
    struct tr_container c;
    ok(state_reserve(root, "c2", &c, &err) == 0, "reserve c2");
    ok(!state_is_marked_deleted(&c), "not marked");
    ok(state_mark_deleted(&c, &err) == 0 && state_is_marked_deleted(&c), "delete --force leaves its mark");
    const char *cfg = "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, \"hostname\": \"saved\"}";
    _cleanup_free_ char *path = xasprintf("%s/c2/config.json", root);
    ok(write_file(path, cfg, strlen(cfg), 0600, &err) == 0, "config.json saved");
    struct oci_spec *spec = state_load_spec(&c, &err);
    ok(spec && spec->hostname && streq(spec->hostname, "saved"), "the saved config is what delete reads");
    oci_free(spec);
    _cleanup_free_ char *sub = xasprintf("%s/c2/sub", root);
    _cleanup_free_ char *subfile = xasprintf("%s/c2/sub/f", root);
    ok(mkdir(sub, 0700) == 0 && write_file(subfile, "x", 1, 0600, &err) == 0, "a nested file");
    ok(state_remove(&c, &err) == 0, "state_remove");
    _cleanup_free_ char *dir = xasprintf("%s/c2", root);
    ok(access(dir, F_OK) < 0 && errno == ENOENT, "the dir and everything in it are gone");
    state_close(&c);
}

static void test_list(void)
{
    struct tr_err err = { 0 };
    struct tr_container c;
    struct tr_list_entry *l = NULL;
    size_t n = 0;
    struct tr_ctx ctx = { .root = root, .rootless = -1 };
    ok(state_reserve(root, "b-second", &c, &err) == 0, "reserve b-second");
    state_close(&c);
    ok(state_reserve(root, "a-first", &c, &err) == 0, "reserve a-first");
    state_close(&c);
    _cleanup_free_ char *dot = xasprintf("%s/.tinyrun-private", root);
    ok(mkdir(dot, 0700) == 0, "a dot dir (the runtime's own)");
    ok(tr_list(&ctx, &l, &n, &err) == 0, "list");
    /* c1 has a torn state.json: left out, as an unreadable entry */
    ok(n == 2 && streq(l[0].id, "a-first") && streq(l[1].id, "b-second"), "sorted by ID, no dot dirs, no torn state");
    ok(n == 2 && streq(l[0].status, "creating") && l[0].pid == 0, "a reserved container is creating");
    tr_list_free(l, n);
}

/* The created time without gmtime_r (util.c): the same date and time as libc's for days
 * around leap years, century rules, the epoch and before it. */
static void test_rfc3339(void)
{
    static const long long secs[] = { 0, -1, 59, 86399, 86400, 951782400, 951868799, 951868800, 978307199,
                                      1709164800, 1798761600, 4107542400, 4107628799, -2208988800, 1796418000 };
    bool same = true;
    char mine[64], libc[64];
    for (size_t i = 0; i < ARRAY_SIZE(secs); i++) {
        struct timespec ts = { .tv_sec = (time_t) secs[i], .tv_nsec = 123456789 };
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        snprintf(libc, sizeof libc, "%04d-%02d-%02dT%02d:%02d:%02d.123456789Z", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        rfc3339_format(&ts, mine, sizeof mine);
        if (strcmp(mine, libc)) {
            printf("# %lld: %s, libc %s\n", secs[i], mine, libc);
            same = false;
        }
    }
    ok(same, "rfc3339_format agrees with gmtime_r on %zu instants", ARRAY_SIZE(secs));
    struct timespec t = { .tv_sec = 951782400 + 86399, .tv_nsec = 5 };
    rfc3339_format(&t, mine, sizeof mine);
    is_str(mine, "2000-02-29T23:59:59.000000005Z", "a leap day, nanoseconds padded");
}

int main(void)
{
    alarm(120);   /* a bound for the whole test: a lock wait must not hang make check */
    snprintf(tmp, sizeof tmp, "/tmp/test-state.XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    root = xasprintf("%s/state", tmp);
    test_ids();
    test_rfc3339();
    test_reserve_and_lock();
    test_pending();
    test_saved_state_and_status();
    test_mark_spec_remove();
    test_list();
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmp);
    free(root);
    return done_testing();
}
