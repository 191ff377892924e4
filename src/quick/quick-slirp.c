/* Rootless --net isolated: slirp4netns gives the container's new network namespace a tap0
 * (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3) backed by user-mode networking, so no
 * privilege is needed. The user may not open the namespaces of the init (non-dumpable until
 * execve: its /proc files belong to the host's root), so three hooks do it:
 *   createRuntime   (host namespaces): listen on a socket in the state dir and fork a detached
 *                   launcher that waits (bounded) for one connection;
 *   createContainer (container namespaces, an exec'd and so dumpable process of the user):
 *                   connect; the launcher starts `slirp4netns PID tap0` for the peer's pid
 *                   (SO_PEERCRED), waits for its ready fd, records its pid and start time,
 *                   adds the -p forwards on its API socket and answers "ok" or the error;
 *   poststop        (delete, `delete --force` after a crash, the undo of a failed create):
 *                   stop the recorded launcher and slirp4netns, never a reused pid. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "log.h"
#include "quick.h"
#include "state-dir.h"
#include "util.h"

#define SLIRP_READY_MS 10000     /* tap0 configured: normally a few ms */
#define SLIRP_EXIT_MS 3000       /* after SIGTERM, then again after SIGKILL */
#define SLIRP_API_MS 5000
#define SLIRP_PID_FILE "slirp4netns.pid"
#define SLIRP_SOCK "slirp4netns.sock"
#define SLIRP_LOG "slirp4netns.log"
#define LAUNCH_SOCK "slirp4netns-launcher.sock"
#define LAUNCH_PID_FILE "slirp4netns-launcher.pid"
#define LAUNCH_WAIT_MS 60000     /* createRuntime -> createContainer: bounded by create's steps */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int quick_slirp_find(char *out, size_t len, struct tr_err *err)
{
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path && *path ? path : DEFAULT_PATH);
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/slirp4netns", d);
        if (d[0] == '/' && access(out, X_OK) == 0)
            return 0;
    }
    return tr_failx(err, "--net isolated (rootless): slirp4netns not found in PATH; install it "
                    "(Debian: apt-get install slirp4netns) or use --net none or --net host");
}

/* What slirp4netns logged, its lines joined with "; ": why it failed, for the one-line error
 * (the log file goes with the state dir when create fails). */
static void log_summary(const char *dir, char *buf, size_t len)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, SLIRP_LOG);
    struct tr_err e;
    _cleanup_free_ char *text = read_file(path, NULL, &e);
    snprintf(buf, len, "no output");
    if (!text || !*text)
        return;
    size_t o = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && o + 1 < len; l = strtok_r(NULL, "\n", &save)) {
        int w = snprintf(buf + o, len - o, "%s%s", o ? "; " : "", l);
        o += w > 0 ? (size_t) w : 0;
    }
}

/* In the child: stdin /dev/null, stdout and stderr the log, fd 3 the ready pipe, fd 4 the
 * exit fd (each first moved above 4, so that no dup2 overwrites a source). */
static _Noreturn void slirp_exec(char **argv, int log, int ready, int exit_fd)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    int src[] = { open("/dev/null", O_RDONLY | O_CLOEXEC), log, log, ready, exit_fd };
    for (size_t i = 0; i < ARRAY_SIZE(src); i++)
        if (src[i] < 0 || (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 10)) < 0)
            _exit(127);
    for (int fd = 0; fd < (int) ARRAY_SIZE(src); fd++)
        if (dup2(src[fd], fd) < 0)
            _exit(127);
    execv(argv[0], argv);
    dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Wait (bounded) for slirp4netns to write "1" to its ready fd. 0, or -1 with err. */
static int wait_ready(pid_t pid, int ready, const char *dir, struct tr_err *err)
{
    _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    struct pollfd p[2] = { { .fd = ready, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
    int n;
    while ((n = poll(p, pidfd >= 0 ? 2 : 1, SLIRP_READY_MS)) < 0 && errno == EINTR)
        ;
    char c = 0, why[400];
    if (n > 0 && (p[0].revents & POLLIN) && read(ready, &c, 1) == 1 && c == '1')
        return 0;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    log_summary(dir, why, sizeof why);
    if (n == 0)
        return tr_failx(err, "--net isolated (rootless): slirp4netns did not report ready within %d s "
                        "(it said: %s)", SLIRP_READY_MS / 1000, why);
    return tr_failx(err, "--net isolated (rootless): slirp4netns failed: %s%s", why,
                    strstr(why, "/dev/net/tun") ? " (the user needs read-write access to /dev/net/tun: mode 0666)" : "");
}

static int record_pid(const char *dir, const char *file, pid_t pid, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
    _cleanup_free_ char *text = xasprintf("%d %llu\n", (int) pid, proc_start_time(pid));
    return write_file_atomic(path, text, strlen(text), 0600, err);
}

/* Start slirp4netns for the network namespace of pid; returns its pid, or -1 with err. */
static pid_t slirp_start(const struct slirp_job *j, int pid, int exit_fd, struct tr_err *err)
{
    const char *dir = j->dir;
    _cleanup_free_ char *sock = xasprintf("%s/%s", dir, SLIRP_SOCK);
    if (strlen(sock) >= sizeof ((struct sockaddr_un *) 0)->sun_path)
        return tr_failx(err, "--net isolated (rootless): the API socket path %s is longer than %zu bytes; "
                        "use a shorter --root", sock, sizeof ((struct sockaddr_un *) 0)->sun_path - 1);
    _cleanup_free_ char *log_path = xasprintf("%s/%s", dir, SLIRP_LOG);
    _cleanup_close_ int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log < 0)
        return tr_fail(err, errno, "--net isolated (rootless): open %s", log_path);
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return tr_fail(err, errno, "--net isolated (rootless): pipe for slirp4netns's ready fd");
    _cleanup_free_ char *api = xasprintf("--api-socket=%s", sock);
    _cleanup_free_ char *target = xasprintf("%d", pid);
    char *argv[10];
    size_t n = 0;
    argv[n++] = (char *) j->bin;
    argv[n++] = "--configure";
    argv[n++] = "--mtu=65520";
    argv[n++] = "--ready-fd=3";
    argv[n++] = "--exit-fd=4";
    argv[n++] = api;
    if (!j->host_loopback)     /* the default: the host's 127.0.0.1 is not the container's 10.0.2.2 */
        argv[n++] = "--disable-host-loopback";
    argv[n++] = target;
    argv[n++] = "tap0";
    argv[n] = NULL;
    unlink(sock);
    pid_t child = fork();
    if (child == 0)
        slirp_exec(argv, log, ready[1], exit_fd);
    int saved = errno;
    close(ready[1]);
    _cleanup_close_ int rd = ready[0];
    if (child < 0)
        return tr_fail(err, saved, "--net isolated (rootless): fork for slirp4netns");
    if (wait_ready(child, rd, dir, err) < 0)
        return -1;
    return child;
}

/* One request on slirp4netns's API socket; 0 when it answered {"return": ...}. */
static int slirp_api(const char *dir, const char *req, struct tr_err *err)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", dir, SLIRP_SOCK);
    _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *) &a, sizeof a) < 0)
        return tr_fail(err, errno, "--publish (rootless): connect to slirp4netns's API socket %s", a.sun_path);
    if (write_all(s, req, strlen(req)) < 0 || shutdown(s, SHUT_WR) < 0)
        return tr_fail(err, errno, "--publish (rootless): write to %s", a.sun_path);
    char reply[1024];
    size_t got = 0;
    struct pollfd p = { .fd = s, .events = POLLIN };
    for (;;) {
        int n = poll(&p, 1, SLIRP_API_MS);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return tr_failx(err, "--publish (rootless): no answer from slirp4netns (%s) within %d s",
                            a.sun_path, SLIRP_API_MS / 1000);
        ssize_t r = read(s, reply + got, sizeof reply - 1 - got);
        if (r <= 0 || (got += (size_t) r) == sizeof reply - 1)
            break;
    }
    reply[got] = '\0';
    reply[strcspn(reply, "\n")] = '\0';
    if (strncmp(reply, "{\"return\"", 9) != 0)
        return tr_failx(err, "--publish (rootless): slirp4netns refused %s: %s", req, reply);
    return 0;
}

static int add_ports(const char *dir, const struct tr_cni_port *ports, size_t n, struct tr_err *err)
{
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *req = xasprintf(
            "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", \"host_addr\": \"0.0.0.0\", "
            "\"host_port\": %d, \"guest_port\": %d}}", ports[i].proto, ports[i].host, ports[i].container);
        if (slirp_api(dir, req, err) < 0)
            return tr_prefix(err, "-p %d:%d/%s", ports[i].host, ports[i].container, ports[i].proto);
    }
    return 0;
}

/* The launcher, once the createContainer hook has connected: slirp4netns for the hook's
 * namespaces, its pid recorded, the port forwards added. 0, or -1 with err (slirp4netns gone). */
static int launch_for(const struct slirp_job *j, pid_t target, int exit_fd, struct tr_err *err)
{
    pid_t slirp = slirp_start(j, target, exit_fd, err);
    if (slirp < 0)
        return -1;
    if (record_pid(j->dir, SLIRP_PID_FILE, slirp, err) < 0 || add_ports(j->dir, j->ports, j->nports, err) < 0) {
        /* still our unreaped child: its pid cannot have been reused */
        kill(slirp, SIGKILL);
        waitpid(slirp, NULL, 0);
        _cleanup_free_ char *pidfile = xasprintf("%s/%s", j->dir, SLIRP_PID_FILE);
        unlink(pidfile);
        return -1;
    }
    return 0;
}

static _Noreturn void launcher_main(const struct slirp_job *j, int lsock, int exit_fd)
{
    struct pollfd p = { .fd = lsock, .events = POLLIN };
    int n;
    while ((n = poll(&p, 1, LAUNCH_WAIT_MS)) < 0 && errno == EINTR)
        ;
    int c = n > 0 ? accept4(lsock, NULL, NULL, SOCK_CLOEXEC) : -1;
    _cleanup_free_ char *path = xasprintf("%s/%s", j->dir, LAUNCH_SOCK);
    unlink(path);       /* one container, one join */
    close(lsock);
    if (c < 0)
        _exit(1);       /* create failed before createContainer: nothing to serve */
    struct ucred cred;
    socklen_t len = sizeof cred;
    struct tr_err e = { 0 };
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        tr_fail(&e, errno, "--net isolated (rootless): SO_PEERCRED of the createContainer hook");
    else if (launch_for(j, cred.pid, exit_fd, &e) == 0)
        snprintf(e.msg, sizeof e.msg, "ok");
    write_all(c, e.msg, strlen(e.msg));
    _exit(0);
}

int quick_slirp_listen(const struct slirp_job *j, struct tr_err *err)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if ((size_t) snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", j->dir, SLIRP_SOCK) >= sizeof a.sun_path)
        return tr_failx(err, "--net isolated (rootless): the socket path %s/%s is longer than %zu bytes; "
                        "use a shorter --root", j->dir, SLIRP_SOCK, sizeof a.sun_path - 1);
    snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", j->dir, LAUNCH_SOCK);
    /* slirp4netns's exit fd: it ends by itself once the init is gone and reaped (a pidfd
     * reports POLLHUP then), should a runtime remove our records before poststop (runc does) */
    _cleanup_close_ int exit_fd = (int) syscall(SYS_pidfd_open, j->init_pid, 0);
    if (exit_fd < 0)
        return tr_fail(err, errno, "--net isolated (rootless): pidfd_open of the container init %d", j->init_pid);
    _cleanup_close_ int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(a.sun_path);
    if (l < 0 || bind(l, (struct sockaddr *) &a, sizeof a) < 0 || listen(l, 1) < 0)
        return tr_fail(err, errno, "--net isolated (rootless): listen on %s", a.sun_path);
    pid_t pid = fork();
    if (pid == 0) {
        /* detached: it outlives this hook, until the createContainer hook joins */
        setsid();
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3 && null >= 0; fd++)
            dup2(null, fd);
        launcher_main(j, l, exit_fd);
    }
    if (pid < 0)
        return tr_fail(err, errno, "--net isolated (rootless): fork the slirp4netns launcher");
    return record_pid(j->dir, LAUNCH_PID_FILE, pid, err);
}

int quick_slirp_join(const char *dir, struct tr_err *err)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", dir, LAUNCH_SOCK);
    _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || connect(s, (struct sockaddr *) &a, sizeof a) < 0)
        return tr_fail(err, errno, "--net isolated (rootless): connect to the slirp4netns launcher %s "
                       "(the createRuntime hook did not run?)", a.sun_path);
    /* answered once slirp4netns has opened our namespaces and configured tap0 */
    struct pollfd p = { .fd = s, .events = POLLIN };
    int n;
    while ((n = poll(&p, 1, SLIRP_READY_MS + SLIRP_API_MS)) < 0 && errno == EINTR)
        ;
    char reply[sizeof err->msg];
    ssize_t got = n > 0 ? read_all(s, reply, sizeof reply - 1) : -1;
    if (got <= 0)
        return tr_failx(err, "--net isolated (rootless): no answer from the slirp4netns launcher (%s) within %d s",
                        a.sun_path, (SLIRP_READY_MS + SLIRP_API_MS) / 1000);
    reply[got] = '\0';
    if (!streq(reply, "ok"))
        return tr_failx(err, "%s", reply);
    return 0;
}

/* Wait up to ms for the process of pidfd to be gone. */
static bool gone_within(int pidfd, int ms)
{
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    int n;
    while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
        ;
    return n > 0;
}

/* Stop the process recorded in dir/file as "PID STARTTIME", if it is still that process. */
static int stop_recorded(const char *dir, const char *file, const char *what, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
    struct tr_err e;
    _cleanup_free_ char *text = read_file(path, NULL, &e);
    if (!text)
        return 0;       /* never started (or already stopped) */
    int pid = 0;
    unsigned long long start = 0;
    if (sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 0)
        return tr_failx(err, "--net isolated (rootless): %s: expected \"PID STARTTIME\", got \"%.40s\"", path, text);
    _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    /* checked after the pidfd is held: the process it names cannot be replaced any more */
    if (pidfd >= 0 && proc_start_time(pid) == start) {
        syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
        if (!gone_within(pidfd, SLIRP_EXIT_MS)) {
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            if (!gone_within(pidfd, SLIRP_EXIT_MS))
                return tr_failx(err, "--net isolated (rootless): %s (pid %d) still runs %d s after SIGKILL",
                                what, pid, SLIRP_EXIT_MS / 1000);
        }
    }
    unlink(path);
    return 0;
}

int quick_slirp_del(const char *dir, struct tr_err *err)
{
    _cleanup_free_ char *sock = xasprintf("%s/%s", dir, SLIRP_SOCK);
    _cleanup_free_ char *lsock = xasprintf("%s/%s", dir, LAUNCH_SOCK);
    if (stop_recorded(dir, LAUNCH_PID_FILE, "the slirp4netns launcher", err) < 0 ||
        stop_recorded(dir, SLIRP_PID_FILE, "slirp4netns", err) < 0)
        return -1;
    unlink(sock);
    unlink(lsock);
    return 0;
}
