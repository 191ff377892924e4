/* Unit tests for src/lib/hooks.c: exact argv/env, state on stdin, failure messages, timeout,
 * fd hygiene, bounded output, hooks_run vs hooks_run_warn. The test binary doubles as a hook
 * (argv[1] == "--hook-dump" / "--hook-fds") so that argv[0] can be checked exactly: a shell
 * script cannot see its argv[0] (the kernel replaces it with the script path).
 * Also the bounded waits on a spawned child (spawn.c), the other thing besides hooks that the
 * runtime waits for during create: a timeout, a closed channel, a child's exit and its cause. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hooks.h"
#include "log.h"
#include "spawn.h"
#include "tap.h"
#include "util.h"

/* tap.h's is_text() expands ok() whose local shadows its own (always-garbage result), so
 * string comparisons here use this instead. */
#define is_text(got, want, ...) do { const char *got_ = (got), *want_ = (want); \
    int same_ = got_ && want_ && strcmp(got_, want_) == 0; ok(same_, __VA_ARGS__); \
    if (!same_) printf("#   got:  '%s'\n#   want: '%s'\n", got_ ? got_ : "(null)", \
                       want_ ? want_ : "(null)"); } while (0)

extern char **environ;
static char self_exe[4096];
static char tmpdir[] = "/tmp/tinyrun-test-hooks-XXXXXX";

/* Hook mode: write argv (one per line), a separator, then the environment, then stdin. */
static int hook_dump(int argc, char **argv)
{
    FILE *f = fopen(argv[2], "w");
    char buf[4096];
    size_t n;
    if (!f)
        return 99;
    for (int i = 0; i < argc; i++)
        fprintf(f, "%s\n", argv[i]);
    fprintf(f, "--env--\n");
    for (char **e = environ; *e; e++)
        fprintf(f, "%s\n", *e);
    fprintf(f, "--stdin--\n");
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        fwrite(buf, 1, n, f);
    fclose(f);
    return 0;
}

/* Hook mode: list open fds (except the one used for listing) on one line. */
static int hook_fds(char **argv)
{
    FILE *f = fopen(argv[2], "w");
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int first = 1;
    if (!f || !d)
        return 99;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d) || atoi(de->d_name) == fileno(f))
            continue;
        fprintf(f, first ? "%s" : " %s", de->d_name);
        first = 0;
    }
    closedir(d);
    fclose(f);
    return 0;
}

static char *path_in_tmp(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

static char *slurp(const char *path)
{
    struct tr_err err;
    return read_file(path, NULL, &err);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct oci_hook sh_hook(const char *script)
{
    static char *args[8][4];
    static int k;
    char **a = args[k++ % 8];
    a[0] = "sh";
    a[1] = "-c";
    a[2] = (char *) script;
    a[3] = NULL;
    return (struct oci_hook) { .path = "/bin/sh", .args = a, .args_len = 3 };
}

static void test_argv_env_stdin(void)
{
    struct tr_err err;
    _cleanup_free_ char *out = path_in_tmp("dump");
    char *args[] = { "my-argv0", "--hook-dump", out, "two words", NULL };
    char *env[] = { "A=1", "B=with space", "ROOTLESSKIT_STATE_DIR=/run/rk", NULL };
    struct oci_hook h = { .path = self_exe, .args = args, .args_len = 4, .env = env,
                          .env_len = 3 };
    const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\","
                        "\"pid\":42,\"bundle\":\"/b\",\"annotations\":{\"k\":\"v\\n\"}}";
    tr_err_clear(&err);
    ok(hooks_run(&h, 1, OCI_HOOK_CREATE_RUNTIME, state, &err) == 0, "dump hook runs: %s",
       err.msg);
    _cleanup_free_ char *got = slurp(out);
    _cleanup_free_ char *want = xasprintf("my-argv0\n--hook-dump\n%s\ntwo words\n--env--\n"
                                          "A=1\nB=with space\nROOTLESSKIT_STATE_DIR=/run/rk\n"
                                          "--stdin--\n%s", out, state);
    is_text(got, want, "argv is exactly args (argv[0] included), env is exactly env, stdin "
           "is the state JSON verbatim");

    /* No args: argv[0] is the path. No env: empty environment (not the runtime's). */
    setenv("TINYRUN_SHOULD_NOT_LEAK", "1", 1);
    char *args2[] = { self_exe, "--hook-dump", out, NULL };
    struct oci_hook h2 = { .path = self_exe, .args = args2, .args_len = 3 };
    ok(hooks_run(&h2, 1, OCI_HOOK_POSTSTOP, "", &err) == 0, "hook without env runs: %s",
       err.msg);
    free(got);
    got = slurp(out);
    free(want);
    want = xasprintf("%s\n--hook-dump\n%s\n--env--\n--stdin--\n", self_exe, out);
    is_text(got, want, "absent env means an empty environment");
}

static void test_shell_script_hook(void)
{
    /* The brief's form: a hook script that writes "$0 $@" and `env` to a file. */
    struct tr_err err;
    _cleanup_free_ char *script = path_in_tmp("hook.sh");
    _cleanup_free_ char *out = path_in_tmp("script-out");
    _cleanup_free_ char *body = xasprintf("#!/bin/sh\necho \"$0 $@\" > %s\n/usr/bin/env >> %s\n",
                                          out, out);
    write_file(script, body, strlen(body), 0755, &err);
    char *args[] = { "ignored-by-binfmt", "x", "y z", NULL };
    char *env[] = { "ONLY=this", NULL };
    struct oci_hook h = { .path = script, .args = args, .args_len = 3, .env = env, .env_len = 1 };
    tr_err_clear(&err);
    ok(hooks_run(&h, 1, OCI_HOOK_PRESTART, "{}", &err) == 0, "script hook runs: %s", err.msg);
    _cleanup_free_ char *got = slurp(out);
    _cleanup_free_ char *want = xasprintf("%s x y z\nONLY=this\n", script);
    /* dash may export PWD; accept exactly ONLY=this plus an optional PWD line. */
    _cleanup_free_ char *want_pwd = xasprintf("%s x y z\nONLY=this\nPWD=%s\n", script,
                                              getcwd((char[4096]) { 0 }, 4096));
    int same = got && (streq(got, want) || streq(got, want_pwd));
    ok(same, "script sees its args and only the hook env");
    if (!same)
        printf("#   got: '%s'\n", got ? got : "(null)");
}

static void test_failures(void)
{
    struct tr_err err;
    struct oci_hook h = sh_hook("echo 'first line' >&2; printf 'second\\tline\\n\\n' >&2; exit 3");
    tr_err_clear(&err);
    ok(hooks_run(&h, 1, OCI_HOOK_CREATE_RUNTIME, "{}", &err) < 0, "failing hook fails");
    is_text(err.msg, "createRuntime hook #0 (/bin/sh): exited with status 3: first line second "
           "line", "exit status and stderr folded to one line");

    h = sh_hook("echo out-only; exit 1");
    hooks_run(&h, 1, OCI_HOOK_PRESTART, "{}", &err);
    is_text(err.msg, "prestart hook #0 (/bin/sh): exited with status 1: out-only",
           "stdout used when stderr is empty");

    h = sh_hook("kill -9 $$");
    hooks_run(&h, 1, OCI_HOOK_POSTSTART, "{}", &err);
    is_text(err.msg, "poststart hook #0 (/bin/sh): killed by signal 9 (SIGKILL)",
           "killed by a signal");

    /* A caller that ignores SIGCHLD (children auto-reaped) must still see the status. */
    signal(SIGCHLD, SIG_IGN);
    h = sh_hook("exit 4");
    hooks_run(&h, 1, OCI_HOOK_PRESTART, "{}", &err);
    signal(SIGCHLD, SIG_DFL);
    is_text(err.msg, "prestart hook #0 (/bin/sh): exited with status 4",
            "exit status kept when the caller ignores SIGCHLD");

    struct oci_hook missing = { .path = "/nonexistent/hook" };
    hooks_run(&missing, 1, OCI_HOOK_CREATE_RUNTIME, "{}", &err);
    is_text(err.msg, "createRuntime hook #0 (/nonexistent/hook): execve: No such file or "
           "directory; check hooks.createRuntime[0].path in config.json", "missing path: ENOENT");
    ok(err.code == ENOENT, "err.code is ENOENT");

    struct oci_hook rel = { .path = "bin/hook" };
    hooks_run(&rel, 1, OCI_HOOK_CREATE_CONTAINER, "{}", &err);
    is_text(err.msg, "createContainer hook #0 (bin/hook): path must be absolute; fix "
           "hooks.createContainer[0].path in config.json", "relative path rejected");

    /* A lot of output: bounded in the message, no deadlock on a full pipe. */
    h = sh_hook("i=0; while [ $i -lt 3000 ]; do echo 0123456789012345678901234567890123456789 >&2;"
                " i=$((i+1)); done; exit 2");
    hooks_run(&h, 1, OCI_HOOK_PRESTART, "{}", &err);
    ok(strncmp(err.msg, "prestart hook #0 (/bin/sh): exited with status 2: 0123", 54) == 0
       && strlen(err.msg) < sizeof err.msg, "120 KB of stderr: bounded, message starts right");
}

static void test_timeout(void)
{
    struct tr_err err;
    struct oci_hook h = sh_hook("exec sleep 30");
    h.has_timeout = true;
    h.timeout = 1;
    double t0 = now();
    ok(hooks_run(&h, 1, OCI_HOOK_CREATE_RUNTIME, "{}", &err) < 0, "slow hook fails");
    double dt = now() - t0;
    is_text(err.msg, "createRuntime hook #0 (/bin/sh): timed out after 1 s", "timeout message");
    ok(dt >= 0.9 && dt < 5, "killed after about 1 s (%.2f s)", dt);

    h = sh_hook("exit 0");
    h.has_timeout = true;
    h.timeout = 5;
    ok(hooks_run(&h, 1, OCI_HOOK_CREATE_RUNTIME, "{}", &err) == 0, "fast hook with timeout ok");
}

static void test_stdin_and_children(void)
{
    struct tr_err err;
    /* 1 MiB state to a hook that never reads it: EPIPE must not kill the runtime. */
    size_t big = 1 << 20;
    _cleanup_free_ char *state = xmalloc(big + 1);
    memset(state, 'x', big);
    state[big] = '\0';
    struct oci_hook h = sh_hook("exit 0");
    ok(hooks_run(&h, 1, OCI_HOOK_PRESTART, state, &err) == 0, "hook ignoring a 1 MiB stdin: ok");

    /* A daemonized grandchild keeping the output pipes open must not make us wait. */
    h = sh_hook("sleep 5 & exit 0");
    double t0 = now();
    ok(hooks_run(&h, 1, OCI_HOOK_PRESTART, "{}", &err) == 0, "hook leaving a background child");
    ok(now() - t0 < 3, "returns when the hook exits, not when its child does (%.2f s)",
       now() - t0);

    /* Fds held by the runtime (not CLOEXEC on purpose here) do not leak into the hook. */
    int leak[2];
    _cleanup_free_ char *out = path_in_tmp("fds");
    ok(pipe(leak) == 0, "pipe without O_CLOEXEC");
    char *args[] = { "fds", "--hook-fds", out, NULL };
    struct oci_hook hf = { .path = self_exe, .args = args, .args_len = 3 };
    ok(hooks_run(&hf, 1, OCI_HOOK_START_CONTAINER, "{}", &err) == 0, "fd hook runs: %s",
       err.msg);
    _cleanup_free_ char *fds = slurp(out);
    is_text(fds, "0 1 2", "the hook has only fds 0-2");
    close(leak[0]);
    close(leak[1]);
}

static void test_run_vs_warn(void)
{
    struct tr_err err;
    _cleanup_free_ char *marker = path_in_tmp("marker");
    _cleanup_free_ char *touch = xasprintf("echo ran > %s", marker);
    _cleanup_free_ char *log = path_in_tmp("log.json");
    struct oci_hook hs[2] = { sh_hook("echo boom >&2; exit 1"), sh_hook(touch) };

    ok(hooks_run(hs, 2, OCI_HOOK_CREATE_RUNTIME, "{}", &err) < 0, "hooks_run fails");
    is_text(err.msg, "createRuntime hook #0 (/bin/sh): exited with status 1: boom",
           "hooks_run reports the first failure");
    ok(access(marker, F_OK) < 0, "hooks_run stopped at the first failure");

    tr_log_init(log, TR_LOG_JSON, false);
    hooks_run_warn(hs, 2, OCI_HOOK_POSTSTOP, "{}");
    ok(access(marker, F_OK) == 0, "hooks_run_warn ran the hook after the failing one");
    _cleanup_free_ char *logged = slurp(log);
    ok(logged && strstr(logged, "\"level\":\"warning\",\"msg\":\"poststop hook #0 (/bin/sh): "
                        "exited with status 1: boom\""), "the failure was logged as a warning");
}

/* A child on the other end of a fresh channel; returns its pid, *pidfd its pidfd. */
static pid_t channel_child(int sv[2], int *pidfd, void (*body)(int sock))
{
    pid_t pid;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    pid = fork();
    if (pid == 0) {
        close(sv[0]);
        body(sv[1]);
        _exit(0);
    }
    close(sv[1]);
    *pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    return pid;
}

static void child_sends_ready(int sock)
{
    struct tr_err e;
    chan_send(sock, MSG_READY, 0, NULL, -1, &e);
    _exit(0);
}

static void child_killed(int sock)
{
    (void) sock;
    raise(SIGKILL);
}

static void child_exits_3(int sock)
{
    (void) sock;
    _exit(3);
}

static void child_leaves_holder(int sock)
{
    /* A grandchild keeps the channel open after the child exits: only the pidfd can tell. */
    if (fork() == 0) {
        close(STDOUT_FILENO);   /* the TAP driver must not wait for it */
        close(STDERR_FILENO);
        sleep(5);
        _exit(0);
    }
    (void) sock;
    _exit(0);
}

static void child_silent(int sock)
{
    (void) sock;
    pause();
}

static void test_spawn_waits(void)
{
    int sv[2], pidfd = -1;
    char cause[128] = "";
    struct chan_msg m;
    struct tr_err err = { 0 };
    pid_t pid = channel_child(sv, &pidfd, child_sends_ready);
    ok(pid > 0 && chan_recv_wait(sv[0], pidfd, 10000, &m, NULL, &err) == 0 && m.type == MSG_READY,
       "a message sent just before the child exits is received");
    ok(spawn_kill_and_reap(pid, pidfd) == 0, "spawn_kill_and_reap reaps an exited child");
    close(sv[0]);
    close(pidfd);

    pid = channel_child(sv, &pidfd, child_killed);
    ok(chan_recv_wait(sv[0], pidfd, 10000, &m, NULL, &err) < 0 && err.code == EPIPE,
       "a child that dies without a message: EPIPE");
    ok(spawn_exit_cause(pid, pidfd, cause, sizeof cause) == SIGKILL, "its cause is the signal");
    is_text(cause, "was killed by signal 9 (SIGKILL)", "the cause in words");
    ok(waitpid(pid, NULL, WNOHANG) == pid, "spawn_exit_cause did not reap it");
    close(sv[0]);
    close(pidfd);

    pid = channel_child(sv, &pidfd, child_exits_3);
    ok(chan_recv_wait(sv[0], pidfd, 10000, &m, NULL, &err) < 0 && err.code == EPIPE, "exit 3: EPIPE");
    ok(spawn_exit_cause(pid, pidfd, cause, sizeof cause) == 0, "a plain exit is no signal");
    is_text(cause, "exited with status 3", "the exit status in words");
    waitpid(pid, NULL, 0);
    close(sv[0]);
    close(pidfd);

    pid = channel_child(sv, &pidfd, child_leaves_holder);
    ok(chan_recv_wait(sv[0], pidfd, 10000, &m, NULL, &err) < 0 && err.code == EPIPE,
       "the child's exit ends the wait while a grandchild holds the channel open");
    waitpid(pid, NULL, 0);
    close(sv[0]);
    close(pidfd);

    pid = channel_child(sv, &pidfd, child_silent);
    ok(chan_recv_wait(sv[0], pidfd, 100, &m, NULL, &err) < 0 && err.code == ETIMEDOUT,
       "a silent child: the wait ends with ETIMEDOUT");
    ok(spawn_exit_cause(pid, pidfd, cause, sizeof cause) == -1, "a live child has no exit cause");
    kill(pid, SIGSTOP);
    for (int i = 0; i < 100 && spawn_proc_state(pid) != 'T'; i++)
        usleep(10000);
    ok(spawn_proc_state(pid) == 'T', "a stopped child reads as 'T'");
    ok(spawn_kill_and_reap(pid, pidfd) == 0, "spawn_kill_and_reap kills and reaps a stopped child");
    close(sv[0]);
    close(pidfd);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && streq(argv[1], "--hook-dump"))
        return hook_dump(argc, argv);
    if (argc >= 3 && streq(argv[1], "--hook-fds"))
        return hook_fds(argv);
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n <= 0 || !mkdtemp(tmpdir)) {
        printf("Bail out! cannot set up: %s\n", strerror(errno));
        return 1;
    }
    self_exe[n] = '\0';

    test_argv_env_stdin();
    test_shell_script_hook();
    test_failures();
    test_timeout();
    test_stdin_and_children();
    test_run_vs_warn();
    test_spawn_waits();

    _cleanup_free_ char *rm = xasprintf("rm -rf %s", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    return done_testing();
}
