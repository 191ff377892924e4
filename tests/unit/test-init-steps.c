/* The init's step table (src/lib/init.c) without root: a forked child runs the steps with the
 * fake syscall seam (fake-sys.h) while this process plays the runtime on a socketpair, speaking
 * spawn.h's protocol. One log, in shared memory, gets both the child's syscalls and the
 * messages the runtime sees, so their order is checked as one sequence. The config has no
 * mount namespace (the init chroots), a user namespace (setresuid/gid to 0) and a late cgroup
 * namespace (unshare after SETUP_DONE); the process runs as the caller's uid, so the real calls
 * outside the seam (procfs, capabilities, setresuid to ourselves) need no privilege.
 * Checked to fail: swapping the "set hostname" and "enter the rootfs" rows of init_steps, or
 * letting init_run_steps go on after a failed step, breaks the logs compared below. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fake-sys.h"
#include "init.h"
#include "spawn.h"
#include "util.h"
#include "tap.h"

#define WAIT_MS 20000   /* a bound on every wait for the child, not a timing check */

struct fixture {
    char dir[64], fifo[96];
    struct oci_spec *spec;
    struct ns_plan ns;
    struct caps_plan caps;
    struct init_args a;
    int sock[2];
    int stderr_fd;              /* the child's stderr (-1: ours) */
    uint32_t msgs[16];          /* the messages of the conversation, both ways, in order */
    size_t msgs_len;
};

static void note_msg(struct fixture *f, uint32_t type)
{
    if (f->msgs_len < ARRAY_SIZE(f->msgs))
        f->msgs[f->msgs_len++] = type;
}

/* spawn.h's table is in protocol order, and enum chan_msg_type follows it (check-spawn-doc.sh
 * holds the table to docs/create-sequence.md): a conversation in order only goes up. */
static bool in_table_order(const struct fixture *f)
{
    for (size_t i = 1; i < f->msgs_len; i++)
        if (f->msgs[i] <= f->msgs[i - 1])
            return false;
    return f->msgs_len > 0;
}

/* A create-phase hook, so that the init stops for RUN_HOOKS (hooks_create_exchange). */
#define PRESTART "\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}, "

#define USER_CGROUP "{\"type\": \"user\"}, {\"type\": \"cgroup\"}"

/* extra: more members of config.json ("" or "\"hooks\": {...}, "); namespaces: the list
 * (USER_CGROUP, or that and ", {\"type\": \"network\"}"). */
static void fixture_open_ns(struct fixture *f, const char *extra, const char *namespaces)
{
    struct tr_err err = { 0 };
    _cleanup_free_ char *json = xasprintf(
        "{%s\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}, \"hostname\": \"box\","
        " \"process\": {\"cwd\": \"/\", \"args\": [\"/bin/sh\"], \"user\": {\"uid\": %u, \"gid\": %u}},"
        " \"linux\": {\"namespaces\": [%s]}}",
        extra, (unsigned) getuid(), (unsigned) getgid(), namespaces);
    snprintf(f->dir, sizeof f->dir, "/tmp/test-init-steps.XXXXXX");
    if (!mkdtemp(f->dir))
        abort();
    snprintf(f->fifo, sizeof f->fifo, "%s/exec.fifo", f->dir);
    if (mkfifo(f->fifo, 0600) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, f->sock) < 0)
        abort();
    f->spec = oci_parse(json, strlen(json), "config.json", &err);
    if (!f->spec) {
        printf("# %s\n", err.msg);
        abort();
    }
    if (ns_plan_init(&f->ns, f->spec, &err) < 0)
        abort();
    /* keep every bounding capability (dropping one needs CAP_SETPCAP), no other set */
    f->caps = (struct caps_plan) { .present = true, .bounding = ~0ULL };
    f->a = (struct init_args) {
        .spec = f->spec, .id = "c1", .bundle = f->dir, .rootfs = "/the/rootfs", .sock = f->sock[1],
        .fifo_fd = open(f->fifo, O_PATH | O_CLOEXEC), .ns = &f->ns, .caps = &f->caps,
        .no_new_keyring = true,
    };
    f->stderr_fd = -1;
    f->msgs_len = 0;
}

static void fixture_open(struct fixture *f, const char *extra)
{
    fixture_open_ns(f, extra, USER_CGROUP);
}

static void fixture_close(struct fixture *f)
{
    unlink(f->fifo);
    rmdir(f->dir);
    close(f->a.fifo_fd);
    close(f->sock[0]);
    ns_plan_close(&f->ns);
    oci_free(f->spec);
}

/* The child: as init_main, the prologue and the steps, then (instead of execve) the executable
 * in the log; a failure goes out as init_main sends it. */
static __attribute__((noreturn)) void run_init(struct fixture *f)
{
    struct init_state s = { .a = &f->a, .proc = f->spec->process, .start_fd = -1 };
    struct tr_err err = { 0 };
    close(f->sock[0]);
    if (f->stderr_fd >= 0)
        dup2(f->stderr_fd, STDERR_FILENO);
    spawn_child_prologue((f->ns.new_flags & CLONE_NEWUSER) != 0);
    size_t failed = init_run_steps(&s, &err);
    if (failed < init_step_count()) {
        fake_log("failed step %zu: %s", failed, init_step_name(failed));
        init_report_failure(&s, failed, &err);
    }
    fake_log("execve(%s)", s.exe);
    _exit(0);
}

/* True once the shared log has needle (polled for at most WAIT_MS). */
static bool wait_log(const char *needle)
{
    for (int i = 0; i < WAIT_MS; i++) {
        if (strstr(fake->log, needle))
            return true;
        usleep(1000);
    }
    return false;
}

/* The runtime's side up to `stop` (or an ERROR): every message received is logged. */
static int play_runtime(struct fixture *f, pid_t pid, char *error_text, size_t len)
{
    struct tr_err err = { 0 };
    struct chan_msg m;
    int fd;
    fake_log("runtime: sends SETUP_DONE");
    note_msg(f, MSG_SETUP_DONE);
    if (chan_send(f->sock[0], MSG_SETUP_DONE, (int32_t) pid, NULL, -1, &err) < 0)
        return -1;
    for (;;) {
        if (chan_recv_wait(f->sock[0], -1, WAIT_MS, &m, &fd, &err) < 0) {
            fake_log("runtime: %s", err.msg);
            return -1;
        }
        fake_log("runtime: %s received", chan_msg_name(m.type));
        note_msg(f, m.type);
        if (m.type == MSG_ERROR) {
            snprintf(error_text, len, "%s", m.text);
            return -1;
        }
        if (m.type == MSG_READY)
            return 0;
        if (m.type != MSG_RUN_HOOKS)
            return -1;
        note_msg(f, MSG_HOOKS_DONE);
        if (chan_send(f->sock[0], MSG_HOOKS_DONE, 0, NULL, -1, &err) < 0)
            return -1;
    }
}

/* `start`: open exec.fifo for reading and take what the init writes there ("0", or "1" and
 * the error of a step after READY) until it closes its end. */
static void play_start(struct fixture *f, char *buf, size_t len)
{
    size_t got = 0;
    ssize_t n;
    int fd = open(f->fifo, O_RDONLY | O_CLOEXEC);
    while (fd >= 0 && got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
        got += (size_t) n;
    buf[got] = '\0';
    if (fd >= 0)
        close(fd);
}

static pid_t spawn_init(struct fixture *f)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(WAIT_MS / 1000);   /* the child's own bound: SIGALRM ends a stuck step */
        run_init(f);
    }
    close(f->sock[1]);
    f->a.sock = -1;
    return pid;
}

static int reap(pid_t pid)
{
    int status = -1;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_table(void)
{
    ok(init_step_count() == 23, "23 steps");
    is_str(init_step_name(0), "enter a new time namespace", "the time namespace comes first (timens.h)");
    is_str(init_step_name(1), "enter a new network namespace", "then the network one, before the wait for the runtime");
    is_str(init_step_name(init_step_count() - 1), "report started", "reporting the start comes last");
    ok(init_step_name(init_step_count()) == NULL, "no name past the end");
    bool unique = true;
    for (size_t i = 0; i < init_step_count(); i++)
        for (size_t j = i + 1; j < init_step_count(); j++)
            unique = unique && strcmp(init_step_name(i), init_step_name(j)) != 0;
    ok(unique, "every step has a name of its own (errors and --trace name them)");
}

static void test_all_steps(void)
{
    struct fixture f;
    char error_text[512] = "";
    fake_reset();
    fixture_open(&f, PRESTART);
    pid_t pid = spawn_init(&f);
    int rc = play_runtime(&f, pid, error_text, sizeof error_text);
    ok(rc == 0, "the init reached READY%s%s", *error_text ? ": " : "", error_text);
    char fifo_text[600] = "";
    if (rc == 0)
        play_start(&f, fifo_text, sizeof fifo_text);
    ok(reap(pid) == 0, "the init ran every step and stopped before execve");
    fake_log("start: read %s", fifo_text);   /* logged after the child is gone: no race on the log */
    is_str(fake->log,
           "runtime: sends SETUP_DONE\n"
           "setresgid(0, 0, 0)\n"
           "setresuid(0, 0, 0)\n"
           "unshare(NEWCGROUP)\n"
           "sethostname(box)\n"
           "runtime: RUN_HOOKS received\n"
           "chroot(/the/rootfs)\n"
           "chdir(/)\n"
           "runtime: READY received\n"
           "execve(/bin/sh)\n"
           "start: read 0\n",
           "syscalls and messages in the order of init_steps and spawn.h's table");
    ok(f.msgs_len == 4 && f.msgs[2] == MSG_HOOKS_DONE && in_table_order(&f),
       "SETUP_DONE, RUN_HOOKS, HOOKS_DONE, READY: the table's order");
    fixture_close(&f);
}

/* A syscall of step K fails: the runtime gets ERROR naming the syscall, the child names step
 * K, and nothing of a later step runs (no RUN_HOOKS, no chroot, no READY). */
static void test_failing_step(const char *call, const char *step, const char *want_error, const char *want_log)
{
    struct fixture f;
    char error_text[512] = "";
    fake_reset();
    fake_fail(call, 1, EPERM);
    fixture_open(&f, PRESTART);
    pid_t pid = spawn_init(&f);
    ok(play_runtime(&f, pid, error_text, sizeof error_text) < 0, "%s fails: no READY", call);
    ok(reap(pid) == 1, "%s fails: the init exits 1", call);
    is_str(error_text, want_error, "%s fails: ERROR names the config field and the syscall", call);
    _cleanup_free_ char *named = xasprintf("failed step %s\n", step);
    ok(strstr(fake->log, named) != NULL, "%s fails: the failure is step %s", call, step);
    is_str(fake->log, want_log, "%s fails: no later step ran", call);
    fixture_close(&f);
}

/* After READY nobody reads the channel: the error of a later step goes to `start` through
 * exec.fifo ("1" and the text), and the init exits before execve. */
static void test_failing_after_ready(void)
{
    struct fixture f;
    char error_text[512] = "", fifo_text[600] = "", stderr_text[600] = "";
    FILE *err_file = tmpfile();
    fake_reset();
    fixture_open(&f, "\"hooks\": {\"startContainer\": [{\"path\": \"/nonexistent/hook\"}]}, ");
    f.stderr_fd = err_file ? fileno(err_file) : -1;
    pid_t pid = spawn_init(&f);
    ok(play_runtime(&f, pid, error_text, sizeof error_text) == 0, "a failing startContainer hook: READY first");
    play_start(&f, fifo_text, sizeof fifo_text);
    ok(reap(pid) == 1, "the init exits 1");
    ok(fifo_text[0] == '1' && strstr(fifo_text, "/nonexistent/hook") != NULL,
       "start reads \"1\" and the error naming the hook: %s", fifo_text);
    ok(strstr(fake->log, "failed step 21: run startContainer hooks\n") != NULL && !strstr(fake->log, "execve"),
       "the failure is step 21, and no execve");
    ssize_t n = err_file ? pread(fileno(err_file), stderr_text, sizeof stderr_text - 1, 0) : -1;
    stderr_text[n > 0 ? n : 0] = '\0';
    const char *nl = strchr(stderr_text, '\n');
    ok(strncmp(stderr_text, "tinyrun: startContainer hook #0 (/nonexistent/hook)", 51) == 0 && nl && !nl[1],
       "and the container's stderr gets it, one line: %s", stderr_text);
    if (err_file)
        fclose(err_file);
    fixture_close(&f);
}

/* Without prestart, createRuntime, createContainer or poststop hooks neither side stops at the
 * hooks point: the init goes from SETUP_DONE to READY (a round trip saved per create). */
static void test_no_create_hooks(void)
{
    struct fixture f;
    char error_text[512] = "";
    fake_reset();
    fixture_open(&f, "\"hooks\": {\"poststart\": [{\"path\": \"/bin/true\"}]}, ");
    pid_t pid = spawn_init(&f);
    int rc = play_runtime(&f, pid, error_text, sizeof error_text);
    ok(rc == 0, "no create-phase hooks: READY%s%s", *error_text ? ": " : "", error_text);
    if (rc == 0)
        play_start(&f, (char[8]) { 0 }, 8);
    ok(reap(pid) == 0, "no create-phase hooks: the init ran every step");
    ok(!strstr(fake->log, "RUN_HOOKS") && strstr(fake->log, "chroot(/the/rootfs)\nchdir(/)\nruntime: READY received\n"),
       "no RUN_HOOKS: from the rootfs straight to READY");
    ok(f.msgs_len == 2 && f.msgs[0] == MSG_SETUP_DONE && f.msgs[1] == MSG_READY, "the conversation: SETUP_DONE, READY");
    fixture_close(&f);
}

/* The runtime's side, but SETUP_DONE only once the init logged `before` (what the init did
 * without waiting for it), then start; the init must run every step. */
static void run_after_log(struct fixture *f, const char *before, const char *what)
{
    char error_text[512] = "";
    pid_t pid = spawn_init(f);
    ok(wait_log(before), "%s", what);
    ok(play_runtime(f, pid, error_text, sizeof error_text) == 0, "then READY%s%s", *error_text ? ": " : "",
       error_text);
    play_start(f, (char[8]) { 0 }, 8);
    ok(reap(pid) == 0, "the init ran every step");
}

/* A new network namespace is the init's own first act, before it waits for SETUP_DONE (the
 * kernel builds it while the runtime does the cgroup work: namespaces.h late_netns): the
 * runtime here sends nothing until the log shows the unshare. */
static void test_late_netns(void)
{
    struct fixture f;
    fake_reset();
    fixture_open_ns(&f, PRESTART, USER_CGROUP ", {\"type\": \"network\"}");
    ok(f.ns.late_netns && !(f.ns.new_flags & CLONE_NEWNET), "a new network namespace is not a clone flag");
    run_after_log(&f, "unshare(NEWNET)\n", "unshare(NEWNET) before SETUP_DONE was sent");
    ok(strncmp(fake->log, "unshare(NEWNET)\nruntime: sends SETUP_DONE\nsetresgid(0, 0, 0)\n", 60) == 0,
       "the log starts with the unshare, then SETUP_DONE");
    fixture_close(&f);
}

/* Without a user namespace of its own the init needs nothing of the runtime before the
 * rootfs: the keyring, loopback, hostname, procfs and sysctl steps run while the runtime sets
 * the cgroup up, and the wait for SETUP_DONE (then the cgroup namespace) comes just before the
 * rootfs. The runtime here sends nothing until the log shows the hostname set. */
static void test_wait_before_rootfs(void)
{
    struct fixture f;
    fake_reset();
    fixture_open_ns(&f, PRESTART, "{\"type\": \"cgroup\"}");
    run_after_log(&f, "sethostname(box)\n", "no user namespace: the hostname is set before SETUP_DONE was sent");
    is_str(fake->log,
           "sethostname(box)\n"
           "runtime: sends SETUP_DONE\n"
           "unshare(NEWCGROUP)\n"
           "runtime: RUN_HOOKS received\n"
           "chroot(/the/rootfs)\n"
           "chdir(/)\n"
           "runtime: READY received\n"
           "execve(/bin/sh)\n",
           "SETUP_DONE, then the cgroup namespace, just before the rootfs");
    fixture_close(&f);
}

int main(void)
{
    if (fake_install() < 0)
        return 1;
    test_table();
    test_all_steps();
    test_no_create_hooks();
    test_late_netns();
    test_wait_before_rootfs();
    test_failing_step("sethostname", "5: set hostname", "hostname: sethostname \"box\": Operation not permitted",
                      "runtime: sends SETUP_DONE\n"
                      "setresgid(0, 0, 0)\n"
                      "setresuid(0, 0, 0)\n"
                      "unshare(NEWCGROUP)\n"
                      "sethostname(box)\n"
                      "  -> Operation not permitted\n"
                      "failed step 5: set hostname\n"
                      "runtime: ERROR received\n");
    test_failing_step("chroot", "12: enter the rootfs", "root.path: chroot /the/rootfs: Operation not permitted",
                      "runtime: sends SETUP_DONE\n"
                      "setresgid(0, 0, 0)\n"
                      "setresuid(0, 0, 0)\n"
                      "unshare(NEWCGROUP)\n"
                      "sethostname(box)\n"
                      "runtime: RUN_HOOKS received\n"
                      "chroot(/the/rootfs)\n"
                      "  -> Operation not permitted\n"
                      "failed step 12: enter the rootfs\n"
                      "runtime: ERROR received\n");
    test_failing_step("unshare", "2: wait for the runtime's setup (user namespace, netDevices)",
                      "linux.namespaces: unshare the cgroup namespace: Operation not permitted",
                      "runtime: sends SETUP_DONE\n"
                      "setresgid(0, 0, 0)\n"
                      "setresuid(0, 0, 0)\n"
                      "unshare(NEWCGROUP)\n"
                      "  -> Operation not permitted\n"
                      "failed step 2: wait for the runtime's setup (user namespace, netDevices)\n"
                      "runtime: ERROR received\n");
    test_failing_after_ready();
    return done_testing();
}
