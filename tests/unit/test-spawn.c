/* The spawn protocol without root: typed messages over a socketpair, the direction checks,
 * and the session's dispatcher (spawn_session_converse) driving a forked child. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "spawn.h"
#include "util.h"
#include "tap.h"

static void test_setup_messages(void)
{
    int sv[2], pipefd[2];
    struct spawn_session s;
    struct spawn_setup_msg m;
    struct tr_err err = { 0 };
    spawn_session_init(&s);
    ok(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0 && pipe(pipefd) == 0, "a channel");
    s.sock[0] = sv[0];
    s.pid = 4242;
    ok(spawn_send_mount_source(&s, 3, pipefd[0], &err) == 0, "MOUNT_SOURCE sent");
    ok(spawn_send_setup_done(&s, &err) == 0, "SETUP_DONE sent");
    ok(spawn_recv_setup(sv[1], &m, &err) == 0 && !m.setup_done && m.index == 3 && m.fd >= 0,
       "MOUNT_SOURCE received with its index and an fd");
    if (m.fd >= 0)
        close(m.fd);
    ok(spawn_recv_setup(sv[1], &m, &err) == 0 && m.setup_done && m.host_pid == 4242 && m.fd == -1,
       "SETUP_DONE received with the child's pid");
    /* a message that goes the other way: the child receives READY */
    ok(spawn_send_ready(sv[0], &err) == 0, "READY can be written on any socket");
    ok(spawn_recv_hooks_done(sv[1], &err) < 0, "READY received by the child is refused");
    is_str(err.msg, "spawn channel: received READY, which the child sends", "the direction is named");
    /* the right direction, the wrong message */
    ok(spawn_send_setup_done(&s, &err) == 0 && spawn_recv_hooks_done(sv[1], &err) < 0, "SETUP_DONE instead of HOOKS_DONE");
    is_str(err.msg, "spawn channel: expected HOOKS_DONE, got SETUP_DONE", "the mismatch is named");
    close(sv[0]);
    ok(spawn_recv_hooks_done(sv[1], &err) < 0 && err.code == EPIPE, "a closed peer is EPIPE");
    close(sv[1]);
    close(pipefd[0]);
    close(pipefd[1]);
}

struct calls {
    int hooks, listener;
};

static int on_hooks(void *ctx, struct tr_err *err)
{
    ((struct calls *) ctx)->hooks++;
    return 0;
}

static int on_listener(void *ctx, int fd, struct tr_err *err)
{
    ((struct calls *) ctx)->listener++;
    return 0;
}

static int wait_failed(void *ctx, uint32_t awaited, int timeout_ms, struct tr_err *err)
{
    return tr_prefix(err, "waiting for %s", chan_msg_name(awaited));
}

/* The child's side of a create-like conversation. */
static void child_create_like(int sock)
{
    struct tr_err e = { 0 };
    int p[2];
    if (spawn_send_run_hooks(sock, &e) < 0 || spawn_recv_hooks_done(sock, &e) < 0)
        spawn_die(sock, &e);
    if (pipe(p) < 0 || spawn_send_pty_master(sock, p[0], "/dev/pts/77", &e) < 0)
        spawn_die(sock, &e);
    if (spawn_send_ready(sock, &e) < 0)
        _exit(2);
    _exit(0);
}

static void child_fails(int sock)
{
    struct tr_err e = { 0 };
    tr_failx(&e, "process.cwd: no such directory");
    e.code = ENOENT;
    spawn_die(sock, &e);
}

static void child_sends_setup_done(int sock)
{
    struct tr_err e = { 0 };
    chan_send(sock, MSG_SETUP_DONE, 1, NULL, -1, &e);
    pause();
}

static void child_exits(int sock)
{
    _exit(5);
}

static int run_session(void (*body)(int), const struct spawn_handlers *h, struct spawn_session *s,
                       struct tr_err *err)
{
    int rc;
    spawn_session_init(s);
    s->who = "test child";
    if (spawn_session_open(s, err) < 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        close(s->sock[0]);
        body(s->sock[1]);
        _exit(0);
    }
    close(s->sock[1]);
    s->sock[1] = -1;
    s->pidfd = (int) syscall(SYS_pidfd_open, s->pid, 0);
    rc = spawn_session_converse(s, h, err);
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    return rc;
}

static void test_session(void)
{
    struct calls c = { 0 };
    struct spawn_handlers h = { .ctx = &c, .run_hooks = on_hooks, .seccomp_listener = on_listener,
                                .wait_failed = wait_failed };
    struct spawn_session s;
    struct tr_err err = { 0 };
    ok(run_session(child_create_like, &h, &s, &err) == 0, "RUN_HOOKS, PTY_MASTER, READY: converse returns 0");
    ok(c.hooks == 1 && c.listener == 0, "the hooks handler ran once");
    ok(s.pty_master >= 0, "without a console socket the pty master is kept");
    spawn_session_close(&s);
    ok(s.pty_master == -1 && s.pidfd == -1 && s.sock[0] == -1, "spawn_session_close closes it all");

    ok(run_session(child_fails, &h, &s, &err) < 0, "ERROR ends the conversation");
    is_str(err.msg, "process.cwd: no such directory", "the child's error verbatim");
    ok(err.code == ENOENT, "with its errno");
    spawn_session_close(&s);

    ok(run_session(child_sends_setup_done, &h, &s, &err) < 0, "a message for the child is refused");
    is_str(err.msg, "spawn channel: received SETUP_DONE, which the runtime sends", "the direction is named");
    spawn_session_close(&s);

    h.run_hooks = NULL;
    ok(run_session(child_create_like, &h, &s, &err) < 0, "RUN_HOOKS without a hooks handler is unexpected");
    is_str(err.msg, "spawn channel: unexpected RUN_HOOKS from the test child", "named with the child");
    spawn_session_close(&s);

    ok(run_session(child_exits, &h, &s, &err) < 0 && err.code == EPIPE, "an exit without READY: EPIPE");
    is_str(err.msg, "waiting for READY: the other side of the spawn channel exited", "wait_failed names the awaited message");
    spawn_session_close(&s);
}

int main(void)
{
    test_setup_messages();
    test_session();
    return done_testing();
}
