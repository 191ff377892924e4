/* SCMP_ACT_NOTIFY end to end: a child loads a filter with mkdir, close, fcntl, getpeername and
 * exit_group notified (the bypass4netns shape), hands over only the fd NUMBER through a pipe,
 * the parent takes the fd with pidfd_getfd() and sends it with seccomp_send_to_listener() to
 * an agent (this test itself, or tests/seccomp-agent/seccomp-agent), which answers. The child
 * must see the agent's errno for mkdir and ordinary results for the continued syscalls. */
#include "config.h"
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include "seccomp-profile.h"
#include "security.h"
#include "spec.h"
#include "tap.h"
#include "security-child.h"
#include "util.h"

static char tmpdir[] = "/tmp/tr-notify-XXXXXX";

struct child_io { int fdnum_w, ack_r, res_w; const struct seccomp_plan *p; const char *dir; };

/* After the filter is loaded only read/write/mkdir happen until the parent's ack: close and
 * fcntl would block until an agent holds the listener (the deadlock runc#4328 was about). */
static void notified_child(const struct child_io *io)
{
    struct tr_err err;
    if (no_new_privs_apply(&err) < 0)
        _exit(10);
    int fd = seccomp_plan_load(io->p, &err);
    if (fd <= 0)
        _exit(11);
    if (write(io->fdnum_w, &fd, sizeof fd) != sizeof fd)
        _exit(12);
    char b;
    if (read(io->ack_r, &b, 1) != 1)
        _exit(13);
    char path[256];
    snprintf(path, sizeof path, "%s/made-by-child", io->dir);
    long mk = mkdir(path, 0700) < 0 ? -errno : 0;
    struct stat st;
    int exists = stat(path, &st) == 0;
    int fl = fcntl(io->res_w, F_GETFD);
    int dupfd = dup(io->res_w);
    long cl = close(dupfd) < 0 ? -errno : 0;
    long cl_bad = close(9999) < 0 ? -errno : 0;
    out_printf(io->res_w, "mkdir=%ld exists=%d fcntl=%d close=%ld close_bad=%ld", mk, exists, fl,
               cl, cl_bad);
    syscall(SYS_exit_group, 0);
}

static struct seccomp_plan *notify_plan(bool killable)
{
    static char *names[] = { "mkdir", "mkdirat", "close", "fcntl", "getpeername", "exit_group", "_exit" };
    struct oci_seccomp_syscall sc[1] = { { .names = names, .names_len = ARRAY_SIZE(names),
                                           .action = "SCMP_ACT_NOTIFY" } };
    /* TSYNC with NEW_LISTENER needs TSYNC_ESRCH added by seccomp_plan_load. */
    char *flags[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC" };
    struct oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 1,
                             .flags = flags, .flags_len = killable ? 2 : 0,
                             .listener_path = "/run/agent.sock" };
    struct seccomp_plan *p = NULL;
    struct tr_err err;
    int r = seccomp_compile(&s, "linux.seccomp", &p, &err);
    ok(r == 0 && seccomp_plan_uses_notify(p), "NOTIFY plan compiles and uses notify%s",
       killable ? " (WAIT_KILLABLE_RECV, TSYNC)" : "");
    return p;
}

static char *state_json(int pid)
{
    struct oci_kv ann[] = { { "nerdctl/bypass4netns", "true" } };
    struct oci_state st = { .oci_version = "1.2.0", .id = "notify-test", .status = "creating",
                            .pid = pid, .bundle = "/run/bundle", .annotations = ann,
                            .annotations_len = 1 };
    struct tr_err err;
    char *j = oci_process_state_to_json(&st, "meta-data", &err);
    if (!j)
        printf("# oci_process_state_to_json: %s\n", err.msg);
    return j;
}

static int take_fd(pid_t pid, int num)
{
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        return -1;
    int fd = (int) syscall(SYS_pidfd_getfd, pidfd, num, 0);
    close(pidfd);
    return fd;
}

/* The in-test agent: answer until the child's result pipe closes. */
static int serve(int nfd, int res_r, int mkdir_errno, char *res, size_t reslen, char *seen, size_t seenlen)
{
    size_t got = 0;
    seen[0] = '\0';
    for (;;) {
        struct pollfd p[2] = { { nfd, POLLIN, 0 }, { res_r, POLLIN, 0 } };
        if (poll(p, 2, 10000) <= 0)
            return -1;   /* a hang is a failure, not a stuck test */
        if (p[0].revents & POLLIN) {
            struct seccomp_notif req;
            struct seccomp_notif_resp resp;
            memset(&req, 0, sizeof req);
            if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
                memset(&resp, 0, sizeof resp);
                resp.id = req.id;
                if (req.data.nr == SYS_mkdir || req.data.nr == SYS_mkdirat)
                    resp.error = -mkdir_errno;
                else
                    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
                size_t l = strlen(seen);
                snprintf(seen + l, seenlen - l, "%s%d", l ? "," : "", req.data.nr);
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(res_r, res + got, reslen - 1 - got);
            if (n <= 0)
                break;
            got += (size_t) n;
        }
    }
    res[got] = '\0';
    return 0;
}

/* Receive one ContainerProcessState + fd as bypass4netns does (one recvmsg, 4096 bytes). */
static int agent_receive(int lsock, char *json, size_t len, int *nfds)
{
    int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return -1;
    union { char buf[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr a; } ctl;
    struct iovec iov = { json, len - 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
    ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
    char extra;
    ssize_t more = read(conn, &extra, 1);   /* the runtime closed after one message */
    close(conn);
    if (n < 0 || more != 0)
        return -1;
    json[n] = '\0';
    *nfds = 0;
    int fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_type == SCM_RIGHTS) {
            *nfds += (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
        }
    if (m.msg_controllen != CMSG_SPACE(sizeof(int)))
        *nfds = -*nfds - 100;
    return fd;
}

static int listen_unix(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(s, 4) < 0)
        return -1;
    return s;
}

struct run { int st; char res[512]; char seen[512]; };

/* Fork the notified child; `deliver` gets the parent's copy of the listener fd and returns the
 * fd to serve notifications on (-1: the external agent serves them). */
static int run_notified(const struct seccomp_plan *p, const char *sockpath, int lsock, int mkdir_errno,
                        struct run *out)
{
    int fdnum[2], ack[2], res[2];
    if (pipe2(fdnum, O_CLOEXEC) < 0 || pipe2(ack, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct child_io io = { fdnum[1], ack[0], res[1], p, tmpdir };
        close(fdnum[0]), close(ack[1]), close(res[0]);
        notified_child(&io);
    }
    close(fdnum[1]), close(ack[0]), close(res[1]);
    int num = -1, rc = -1, nfd = -1;
    struct tr_err err;
    _cleanup_free_ char *json = state_json(pid);
    if (read(fdnum[0], &num, sizeof num) != sizeof num)
        goto out;
    int lfd = take_fd(pid, num);
    ok(lfd >= 0, "pidfd_getfd took the listener fd %d from the child", num);
    if (lfd < 0)
        goto out;
    int s = seccomp_send_to_listener(sockpath, lfd, json, &err);
    close(lfd);
    ok(s == 0, "seccomp_send_to_listener%s%s", s ? ": " : "", s ? err.msg : "");
    if (lsock >= 0) {
        char got[4200];
        int nfds = 0;
        nfd = agent_receive(lsock, got, sizeof got, &nfds);
        ok(nfd >= 0 && nfds == 1, "agent got exactly one fd in one message (%d)", nfds);
        is_str(got, json, "agent got the ContainerProcessState verbatim");
    }
    if (write(ack[1], "k", 1) != 1)
        goto out;
    if (nfd >= 0) {
        rc = serve(nfd, res[0], mkdir_errno, out->res, sizeof out->res, out->seen, sizeof out->seen);
    } else {
        ssize_t n = read_all(res[0], out->res, sizeof out->res - 1);
        out->res[n > 0 ? n : 0] = '\0';
        rc = 0;
    }
out:
    if (rc < 0)
        kill(pid, SIGKILL);
    if (nfd >= 0)
        close(nfd);
    close(fdnum[0]), close(ack[1]), close(res[0]);
    waitpid(pid, &out->st, 0);
    return rc;
}

static void test_in_process_agent(bool killable)
{
    struct seccomp_plan *p = notify_plan(killable);
    _cleanup_free_ char *sock = xasprintf("%s/agent%d.sock", tmpdir, killable);
    int lsock = listen_unix(sock);
    struct run r = { 0 };
    int rc = run_notified(p, sock, lsock, EACCES, &r);
    ok(rc == 0 && WIFEXITED(r.st) && WEXITSTATUS(r.st) == 0, "child finished (no deadlock), status %#x", r.st);
    is_str(r.res, "mkdir=-13 exists=0 fcntl=1 close=0 close_bad=-9",
           "mkdir got the agent's EACCES; continued fcntl/close behave normally");
    char want[64];
    snprintf(want, sizeof want, "%d,", (int) SYS_mkdir);
    ok(strncmp(r.seen, want, strlen(want)) == 0 && strstr(r.seen, ",72,") && strstr(r.seen, ",3,") &&
       strstr(r.seen, ",231"), "agent saw mkdir, fcntl, close, exit_group (%s)", r.seen);
    close(lsock);
    seccomp_plan_free(p);
}

static pid_t start_agent(const char *sock, const char *state, const char *log, const char *errno_arg)
{
    const char *bin = "tests/seccomp-agent/seccomp-agent";
    pid_t pid = fork();
    if (pid == 0) {
        if (errno_arg)
            execl(bin, bin, "--mkdir-errno", errno_arg, "--log", log, sock, state, (char *) NULL);
        else
            execl(bin, bin, "--log", log, sock, state, (char *) NULL);
        _exit(127);
    }
    for (int i = 0; i < 500 && access(sock, F_OK) != 0; i++)
        usleep(10000);
    return pid;
}

static void test_agent_program(const char *errno_arg, const char *want_res, const char *want_mkdir)
{
    if (access("tests/seccomp-agent/seccomp-agent", X_OK) != 0) {
        skip("tests/seccomp-agent/seccomp-agent not built");
        return;
    }
    struct seccomp_plan *p = notify_plan(false);
    _cleanup_free_ char *sock = xasprintf("%s/ext-%s.sock", tmpdir, errno_arg ? errno_arg : "ok");
    _cleanup_free_ char *state = xasprintf("%s/state-%s", tmpdir, errno_arg ? errno_arg : "ok");
    _cleanup_free_ char *log = xasprintf("%s/log-%s", tmpdir, errno_arg ? errno_arg : "ok");
    pid_t agent = start_agent(sock, state, log, errno_arg);
    struct run r = { 0 };
    int rc = run_notified(p, sock, -1, 0, &r);
    ok(rc == 0 && WIFEXITED(r.st) && WEXITSTATUS(r.st) == 0, "agent program: child finished, status %#x", r.st);
    is_str(r.res, want_res, "agent program: child's results");
    struct tr_err err;
    _cleanup_free_ char *got = read_file(state, NULL, &err);
    _cleanup_free_ char *json = state_json(0);
    ok(got && strstr(got, "\"seccompFd\"") && strstr(got, "\"metadata\":\"meta-data\"") &&
       strstr(got, "\"status\":\"creating\"") && !strstr(got, "error:") && strchr(got, '\n') == strrchr(got, '\n'),
       "agent program recorded one valid state line");
    if (!got || strstr(got, "error:"))
        printf("# state file: %s\n", got ? got : err.msg);
    _cleanup_free_ char *lg = read_file(log, NULL, &err);
    ok(lg && strstr(lg, want_mkdir) && strstr(lg, "syscall 72 ") && strstr(lg, "syscall 3 "),
       "agent program answered mkdir (%s) and continued fcntl and close", want_mkdir);
    if (!lg || !strstr(lg, want_mkdir))
        printf("# agent log: %s\n", lg ? lg : err.msg);
    kill(agent, SIGTERM);
    waitpid(agent, NULL, 0);
    seccomp_plan_free(p);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    test_in_process_agent(false);
    test_in_process_agent(true);
    test_agent_program("13", "mkdir=-13 exists=0 fcntl=1 close=0 close_bad=-9", "-> errno 13");
    test_agent_program(NULL, "mkdir=0 exists=0 fcntl=1 close=0 close_bad=-9", "-> fake 0");
    _cleanup_free_ char *cmd = xasprintf("rm -rf %s", tmpdir);
    (void) !system(cmd);
    return done_testing();
}
