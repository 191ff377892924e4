/* Unit tests for src/lib/terminal*.c: pty_open/pty_set_size/pty_make_controlling, SCM_RIGHTS
 * helpers, console_socket_send against a go-runc-style receiver (contrib/recvtty) and the
 * foreground tty relay (raw mode, SIGWINCH forwarding, stop_fd, hang-up). No root needed. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "fdpass.h"
#include "terminal.h"
#include "util.h"

/* tap.h's is_str() is broken (its ok() shadows its own result): compare with this. */
#define is_text(got, want, ...) do { const char *got_ = (got), *want_ = (want); \
    int same_ = got_ && want_ && strcmp(got_, want_) == 0; ok(same_, __VA_ARGS__); \
    if (!same_) printf("#   got:  '%s'\n#   want: '%s'\n", got_ ? got_ : "(null)", \
                       want_ ? want_ : "(null)"); } while (0)

#ifndef RECVTTY_PATH
#define RECVTTY_PATH "contrib/recvtty/recvtty"
#endif

static char tmpdir[] = "/tmp/tinyrun-test-terminal-XXXXXX";

static void msleep(int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Read from fd until `want` shows up in what was read (or timeout). Returns malloc'd data. */
static char *read_until(int fd, const char *want, int timeout_ms)
{
    size_t cap = 65536, len = 0;
    char *buf = xzalloc(cap);
    for (int waited = 0; waited < timeout_ms && !strstr(buf, want);) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0) {
            waited += 50;
            continue;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t) n;
    }
    return buf;
}

static int winsize_is(int fd, unsigned rows, unsigned cols, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        struct winsize ws;
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows && ws.ws_col == cols)
            return 1;
        msleep(20);
    }
    return 0;
}

static void make_raw(int fd)
{
    struct termios t;
    tcgetattr(fd, &t);
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
}

static void test_pty_basics(void)
{
    struct tr_err err;
    _cleanup_free_ char *slave = NULL;
    _cleanup_close_ int master = pty_open(&slave, &err);
    ok(master >= 0, "pty_open: %s", master < 0 ? err.msg : "ok");
    if (master < 0)
        return;
    ok(slave && strncmp(slave, "/dev/pts/", 9) == 0, "slave name %s", slave ? slave : "(null)");
    ok(fcntl(master, F_GETFD) & FD_CLOEXEC, "master is O_CLOEXEC");
    ok(pty_set_size(master, 40, 120, &err) == 0, "pty_set_size");
    _cleanup_close_ int s = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    ok(s >= 0 && winsize_is(s, 40, 120, 0), "slave reports 40x120");
    ok(pty_set_size(master, 70000, 1, &err) < 0, "size out of range rejected: %s", err.msg);

    /* pty_make_controlling in a child: new session, slave is its ctty and stdio. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct tr_err cerr;
        if (pty_make_controlling(slave, &cerr) < 0) {
            dprintf(2, "%s\n", cerr.msg);
            _exit(1);
        }
        char *tty = ttyname(0);
        pid_t fg = tcgetpgrp(1);
        printf("tty=%s sid-ok=%d fg-ok=%d\n", tty ? tty : "?", getsid(0) == getpid(),
               fg == getpgrp());
        fflush(stdout);
        _exit(0);
    }
    close(s);
    s = -1;
    _cleanup_free_ char *want = xasprintf("tty=%s sid-ok=1 fg-ok=1", slave);
    _cleanup_free_ char *got = read_until(master, want, 3000);
    int status;
    waitpid(pid, &status, 0);
    got[strcspn(got, "\r\n")] = '\0';
    ok(strstr(got, want) != NULL, "child has the slave as controlling tty and stdio (got '%s')",
       got);

    struct tr_err e2;
    ok(pty_make_controlling("/nonexistent/pts/9", &e2) < 0
       && strstr(e2.msg, "open terminal /nonexistent/pts/9: No such file or directory"),
       "pty_make_controlling error names the terminal: %s", e2.msg);
}

/* pty_chown_slave: the uid changes, the gid stays; a refused chown (EPERM) is not an error. */
static void test_pty_chown(void)
{
    struct tr_err err;
    struct stat before, after;
    _cleanup_free_ char *slave = NULL;
    _cleanup_close_ int master = pty_open(&slave, &err);
    uid_t other = geteuid() == 0 ? 1000 : geteuid() + 1;
    if (master < 0 || stat(slave, &before) < 0) {
        ok(0, "pty for the chown test: %s", master < 0 ? err.msg : strerror(errno));
        return;
    }
    ok(pty_chown_slave(slave, before.st_uid, &err) == 0, "chown to the current owner: no-op");
    ok(pty_chown_slave(slave, other, &err) == 0, "chown to uid %u: %s", (unsigned) other, "returns 0");
    ok(stat(slave, &after) == 0 && after.st_gid == before.st_gid, "gid kept (%u)", (unsigned) before.st_gid);
    if (geteuid() == 0)
        ok(after.st_uid == other, "as root the slave now belongs to uid %u (got %u)", (unsigned) other,
           (unsigned) after.st_uid);
    else
        ok(after.st_uid == before.st_uid, "unprivileged: EPERM leaves the owner as it was");
    struct tr_err e2;
    ok(pty_chown_slave("/nonexistent/pts/9", 1, &e2) < 0
       && strstr(e2.msg, "stat terminal /nonexistent/pts/9: No such file or directory"),
       "error names the terminal: %s", e2.msg);
}

static void test_send_recv_fd(void)
{
    struct tr_err err;
    int sp[2], p[2], fd = -1;
    char data[64] = { 0 };
    size_t got = 0;
    ok(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == 0, "socketpair");
    ok(pipe2(p, O_CLOEXEC) == 0, "pipe");
    ok(send_fd(sp[0], p[1], "hello", 5, &err) == 0, "send_fd: %s", err.msg);
    ok(recv_fd(sp[1], &fd, data, sizeof data - 1, &got, &err) == 0, "recv_fd: %s", err.msg);
    ok(got == 5 && memcmp(data, "hello", 5) == 0, "payload arrived (%zu bytes)", got);
    ok(fd >= 0 && fd != p[1] && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "a new CLOEXEC fd arrived");
    ok(write(fd, "X", 1) == 1, "write through the received fd");
    char c = 0;
    ok(read(p[0], &c, 1) == 1 && c == 'X', "it is the same pipe");
    close(fd);

    /* Two fds in one message must be rejected and both closed. */
    int two[2] = { p[0], p[1] };
    union { struct cmsghdr a; char b[CMSG_SPACE(sizeof two)]; } ctl;
    struct iovec iov = { .iov_base = "x", .iov_len = 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                        .msg_controllen = sizeof ctl.b };
    memset(&ctl, 0, sizeof ctl);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof two);
    memcpy(CMSG_DATA(cm), two, sizeof two);
    ok(sendmsg(sp[0], &m, 0) == 1, "sent a message with two fds");
    ok(recv_fd(sp[1], &fd, data, sizeof data, &got, &err) < 0 && fd == -1, "two fds rejected");
    is_text(err.msg, "recvmsg(SCM_RIGHTS): expected exactly one file descriptor", "message");

    ok(write(sp[0], "y", 1) == 1, "sent a message without fds");
    ok(recv_fd(sp[1], &fd, data, sizeof data, &got, &err) < 0, "no fd rejected: %s", err.msg);
    close(sp[0]);
    ok(recv_fd(sp[1], &fd, data, sizeof data, &got, &err) < 0
       && strstr(err.msg, "peer closed"), "closed peer: %s", err.msg);
    close(sp[1]);
    close(p[0]);
    close(p[1]);
}

static pid_t start_recvtty(const char *sock, const char *pidfile, const char *log, char **extra)
{
    unlink(pidfile);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[16] = { RECVTTY_PATH, "--pid-file", (char *) pidfile };
        int n = 3;
        for (; extra && *extra; extra++)
            argv[n++] = *extra;
        argv[n++] = (char *) sock;
        argv[n] = NULL;
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        execv(RECVTTY_PATH, argv);
        _exit(127);
    }
    for (int i = 0; i < 200 && access(pidfile, F_OK) < 0; i++)
        msleep(10);
    return pid;
}

static void test_console_socket(void)
{
    struct tr_err err;
    if (access(RECVTTY_PATH, X_OK) < 0) {
        skip("recvtty not built (" RECVTTY_PATH ")");
        return;
    }
    _cleanup_free_ char *sock = xasprintf("%s/console.sock", tmpdir);
    _cleanup_free_ char *pidf = xasprintf("%s/recvtty.pid", tmpdir);
    _cleanup_free_ char *log = xasprintf("%s/recvtty.log", tmpdir);
    _cleanup_free_ char *cap = xasprintf("%s/capture.out", tmpdir);
    char *extra[] = { "--mode", "capture", "--capture", cap, "--input", "ping\n", NULL };
    pid_t rt = start_recvtty(sock, pidf, log, extra);
    ok(access(pidf, F_OK) == 0, "recvtty listens on %s", sock);

    _cleanup_free_ char *slave = NULL;
    int master = pty_open(&slave, &err);
    int s = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    make_raw(s);        /* no echo: what recvtty captures is only what the container wrote */
    ok(console_socket_send(sock, master, slave, &err) == 0, "console_socket_send: %s", err.msg);
    close(master);      /* recvtty holds the only master now */
    _cleanup_free_ char *in = read_until(s, "ping\n", 3000);
    is_text(in, "ping\n", "input written by recvtty on the received master reached the slave");
    ok(write(s, "pong from container\n", 20) == 20, "container writes to its terminal");
    close(s);           /* last slave fd: recvtty sees EIO and exits */
    int status = -1;
    for (int i = 0; i < 300 && waitpid(rt, &status, WNOHANG) == 0; i++)
        msleep(10);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "recvtty exited 0 after the hang-up");
    struct tr_err e2;
    _cleanup_free_ char *captured = read_file(cap, NULL, &e2);
    is_text(captured, "pong from container\n", "recvtty captured the container's output");
    _cleanup_free_ char *logged = read_file(log, NULL, &e2);
    _cleanup_free_ char *want = xasprintf("recvtty: received %s\n", slave);
    is_text(logged, want, "recvtty got exactly one fd (go-runc check) and the pty name");

    /* recvtty (like go-runc) refuses a message with two fds. */
    char *extra2[] = { "--mode", "null", "--count", "1", NULL };
    rt = start_recvtty(sock, pidf, log, extra2);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    strcpy(addr.sun_path, sock);
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ok(connect(c, (struct sockaddr *) &addr, sizeof addr) == 0, "connect to recvtty (null mode)");
    int two[2] = { 0, 1 };
    union { struct cmsghdr a; char b[CMSG_SPACE(sizeof two)]; } ctl;
    struct iovec iov = { .iov_base = "/dev/pts/x", .iov_len = 10 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                        .msg_controllen = sizeof ctl.b };
    memset(&ctl, 0, sizeof ctl);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof two);
    memcpy(CMSG_DATA(cm), two, sizeof two);
    ok(sendmsg(c, &m, 0) == 10, "sent two fds");
    close(c);
    waitpid(rt, &status, 0);
    msleep(100);        /* the drainer child writes the message */
    free(logged);
    logged = read_file(log, NULL, &e2);
    ok(logged && strstr(logged, "expected exactly one fd"), "recvtty rejected two fds: %s",
       logged ? logged : "(null)");

    /* No listener: a clear error naming the socket. */
    unlink(sock);
    free(slave);
    slave = NULL;
    master = pty_open(&slave, &err);
    ok(console_socket_send(sock, master, "/dev/pts/0", &err) < 0
       && strstr(err.msg, "connect to console socket") && err.code == ENOENT,
       "missing socket: %s", err.msg);
    close(master);
}

/* Relay in a child whose stdin/stdout is the slave of an "outer" pty we drive. */
static void test_relay_outer_tty(void)
{
    struct tr_err err;
    _cleanup_free_ char *oslave = NULL, *islave = NULL;
    _cleanup_close_ int omaster = pty_open(&oslave, &err);
    _cleanup_close_ int imaster = pty_open(&islave, &err);
    int stop[2];
    if (omaster < 0 || imaster < 0 || pipe2(stop, O_CLOEXEC) < 0) {
        ok(0, "pty setup: %s", err.msg);
        return;
    }
    pty_set_size(omaster, 30, 90, &err);
    _cleanup_close_ int is = open(islave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    make_raw(is);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(oslave, O_RDWR | O_NOCTTY);
        dup2(fd, 0);
        dup2(fd, 1);
        struct tr_err rerr;
        _exit(tty_relay(imaster, stop[0], &rerr) == 0 ? 0 : 1);
    }
    close(stop[0]);
    ok(winsize_is(is, 30, 90, 2000), "initial window size forwarded (30x90)");
    _cleanup_close_ int os = open(oslave, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios t;
    int raw = 0;
    for (int i = 0; i < 100 && !raw; i++, msleep(20))
        raw = tcgetattr(os, &t) == 0 && !(t.c_lflag & (ICANON | ECHO));
    ok(raw, "caller's terminal switched to raw mode");

    pty_set_size(omaster, 31, 91, &err);
    kill(pid, SIGWINCH);
    ok(winsize_is(is, 31, 91, 2000), "SIGWINCH forwards the new size (31x91)");

    ok(write(omaster, "abc", 3) == 3, "user types abc");
    _cleanup_free_ char *in = read_until(is, "abc", 2000);
    is_text(in, "abc", "keystrokes reach the container (raw: no newline needed)");
    ok(write(is, "xyz", 3) == 3, "container prints xyz");
    _cleanup_free_ char *out = read_until(omaster, "xyz", 2000);
    is_text(out, "xyz", "container output reaches the user's terminal");

    ok(write(stop[1], "x", 1) == 1, "signal stop_fd");
    int status = -1;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tty_relay returned 0 on stop_fd");
    ok(tcgetattr(os, &t) == 0 && (t.c_lflag & ICANON) && (t.c_lflag & ECHO),
       "terminal mode restored after the relay");
    close(stop[1]);
}

/* Relay with pipes as stdio; the container writes, exits: relay drains and returns. */
static void test_relay_hangup(void)
{
    struct tr_err err;
    _cleanup_free_ char *slave = NULL;
    int master = pty_open(&slave, &err), in[2], out[2];
    if (master < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
        ok(0, "setup");
        return;
    }
    fflush(NULL);
    pid_t ctr = fork();
    if (ctr == 0) {                         /* the "container": echoes one line, then exits */
        struct tr_err cerr;
        if (pty_make_controlling(slave, &cerr) < 0)
            _exit(1);
        char line[256];
        if (!fgets(line, sizeof line, stdin))
            _exit(2);
        printf("container got: %s", line);
        for (int i = 0; i < 200; i++)
            printf("%03d 0123456789012345678901234567890123456789012345678901234567890\n", i);
        printf("last line\n");
        fflush(stdout);
        _exit(0);
    }
    fflush(NULL);
    pid_t rel = fork();
    if (rel == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        struct tr_err rerr;
        int r = tty_relay(master, -1, &rerr);
        if (r < 0)
            dprintf(2, "relay: %s\n", rerr.msg);
        _exit(r == 0 ? 0 : 1);
    }
    close(master);
    close(in[0]);
    close(out[1]);
    ok(write(in[1], "hello\n", 6) == 6, "stdin line for the container");
    close(in[1]);
    _cleanup_free_ char *got = read_until(out[0], "last line", 5000);
    ok(strstr(got, "container got: hello") != NULL, "stdin reached the container via the pty");
    ok(strstr(got, "199 0123") && strstr(got, "last line"), "all output drained (%zu bytes)",
       strlen(got));
    int status = -1;
    for (int i = 0; i < 300 && waitpid(rel, &status, WNOHANG) == 0; i++)
        msleep(10);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "tty_relay returned 0 on hang-up");
    waitpid(ctr, NULL, 0);
    close(out[0]);
}

/* tty_relay_forward: SIGTERM sent to the relaying process reaches the container process. */
static void test_relay_forward(void)
{
    struct tr_err err;
    _cleanup_free_ char *slave = NULL;
    int master = pty_open(&slave, &err), in[2], out[2], ready[2];
    if (master < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0
        || pipe2(ready, O_CLOEXEC) < 0) {
        ok(0, "setup");
        return;
    }
    fflush(NULL);
    pid_t ctr = fork();
    if (ctr == 0) {                         /* the "container": waits to be signalled */
        struct tr_err cerr;
        if (pty_make_controlling(slave, &cerr) < 0)
            _exit(1);
        printf("container up\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    int pidfd = (int) syscall(SYS_pidfd_open, ctr, 0);
    fflush(NULL);
    pid_t rel = fork();
    if (rel == 0) {
        sigset_t fwd;
        sigemptyset(&fwd);
        sigaddset(&fwd, SIGTERM);
        sigaddset(&fwd, SIGUSR1);
        sigaddset(&fwd, SIGWINCH);
        /* Blocked before we say we are ready, so that the test's kill() cannot be lost. */
        sigprocmask(SIG_BLOCK, &fwd, NULL);
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (write(ready[1], "r", 1) != 1)
            _exit(3);
        struct tr_err rerr;
        int r = tty_relay_forward(master, pidfd, pidfd, &fwd, &rerr);
        _exit(r == 0 ? 0 : 1);
    }
    close(master);
    close(in[0]);
    close(out[1]);
    close(ready[1]);
    char c;
    ok(read(ready[0], &c, 1) == 1, "relay started");
    _cleanup_free_ char *got = read_until(out[0], "container up", 3000);
    ok(strstr(got, "container up") != NULL, "container output relayed");
    ok(kill(rel, SIGTERM) == 0, "SIGTERM to the relaying process");
    int cstatus = -1, rstatus = -1;
    for (int i = 0; i < 300 && waitpid(ctr, &cstatus, WNOHANG) == 0; i++)
        msleep(10);
    ok(WIFSIGNALED(cstatus) && WTERMSIG(cstatus) == SIGTERM,
       "the container process was killed by the forwarded SIGTERM");
    for (int i = 0; i < 300 && waitpid(rel, &rstatus, WNOHANG) == 0; i++)
        msleep(10);
    ok(WIFEXITED(rstatus) && WEXITSTATUS(rstatus) == 0,
       "the relay survived SIGTERM and returned 0 when the process ended");
    if (!WIFSIGNALED(cstatus))
        kill(ctr, SIGKILL), waitpid(ctr, NULL, 0);
    close(pidfd);
    close(in[1]);
    close(out[0]);
    close(ready[0]);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(tmpdir)) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    if (access("/dev/ptmx", R_OK | W_OK) < 0) {
        skip("no /dev/ptmx");
        return done_testing();
    }
    test_pty_basics();
    test_pty_chown();
    test_send_recv_fd();
    test_console_socket();
    test_relay_outer_tty();
    test_relay_hangup();
    test_relay_forward();
    _cleanup_free_ char *rm = xasprintf("rm -rf %s", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    return done_testing();
}
