/* A small seccomp notify agent for tests, speaking the runtime-spec listener protocol the way
 * bypass4netns does (one recvmsg of at most 4096 bytes carrying exactly one SCM_RIGHTS fd).
 *
 *   seccomp-agent [--mkdir-errno N] [--log FILE] SOCKET STATE_FILE
 *
 * Each ContainerProcessState received is appended to STATE_FILE as one line; a protocol
 * violation is appended as a line "error: ...". Notified mkdir/mkdirat get errno N (or, without
 * --mkdir-errno, a faked success: return 0 and nothing created); every other notified syscall is
 * let through with SECCOMP_USER_NOTIF_FLAG_CONTINUE. SOCKET appears only once it is listening
 * (bound under a temporary name, then renamed), so a test may wait for the file. Runs until
 * killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 64
#define MSG_MAX 4096

static const char *state_file, *log_file;
static int mkdir_errno = -1;   /* -1: fake success */

static void append_line(const char *file, const char *fmt, ...)
{
    char buf[MSG_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t) n > sizeof buf - 2)
        n = (int) sizeof buf - 2;
    buf[n++] = '\n';
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror(file);
        return;
    }
    if (write(fd, buf, (size_t) n) != n)
        perror(file);
    close(fd);
}

static void agent_error(const char *what)
{
    fprintf(stderr, "seccomp-agent: %s\n", what);
    append_line(state_file, "error: %s", what);
}

/* Returns the received seccomp fd, or -1 after recording what was wrong. */
static int receive_state(int conn)
{
    char data[MSG_MAX];
    union { char buf[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr align; } ctl;
    struct iovec iov = { data, sizeof data };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                          .msg_controllen = sizeof ctl.buf };
    ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (n <= 0) {
        agent_error(n < 0 ? "recvmsg failed" : "connection closed without a message");
        return -1;
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    int nfds = 0, fd = -1;
    for (; c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < k; i++) {
                int f;
                memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
                if (nfds++ == 0)
                    fd = f;
                else
                    close(f);
            }
        }
    /* bypass4netns insists on exactly CmsgSpace(4) bytes of control data. */
    if (nfds != 1 || msg.msg_controllen != CMSG_SPACE(sizeof(int)) ||
        (msg.msg_flags & MSG_CTRUNC)) {
        char what[96];
        snprintf(what, sizeof what, "expected exactly one fd, got %d (control length %zu)", nfds,
                 (size_t) msg.msg_controllen);
        agent_error(what);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (n >= MSG_MAX) {
        agent_error("state message does not fit in 4095 bytes");
        close(fd);
        return -1;
    }
    /* The runtime must close after its one message: anything more is a protocol error. */
    char extra;
    struct pollfd p = { conn, POLLIN, 0 };
    if (poll(&p, 1, 5000) == 1 && read(conn, &extra, 1) > 0) {
        agent_error("more data after the first message");
        close(fd);
        return -1;
    }
    data[n] = '\0';
    if (!strstr(data, "\"seccompFd\"")) {
        agent_error("state message has no \"seccompFd\" in fds");
        close(fd);
        return -1;
    }
    append_line(state_file, "%s", data);
    return fd;
}

static int is_mkdir(const struct seccomp_data *d)
{
    if (d->arch == AUDIT_ARCH_X86_64)
        return d->nr == 83 || d->nr == 258 || d->nr == (0x40000000 | 83) ||
               d->nr == (0x40000000 | 258);
    if (d->arch == AUDIT_ARCH_I386)
        return d->nr == 39 || d->nr == 296;
    if (d->arch == AUDIT_ARCH_AARCH64)
        return d->nr == 34;   /* mkdirat; arm64 has no mkdir */
    return 0;
}

/* Returns -1 when the fd is finished (no more filtered processes). */
static int answer_one(int fd)
{
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;
    memset(&req, 0, sizeof req);
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return errno == EINTR || errno == ENOENT ? 0 : -1;
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    const char *what;
    char buf[32];
    if (is_mkdir(&req.data)) {
        if (mkdir_errno >= 0) {
            resp.error = -mkdir_errno;
            snprintf(buf, sizeof buf, "errno %d", mkdir_errno);
            what = buf;
        } else {
            what = "fake 0";
        }
    } else {
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        what = "continue";
    }
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
        perror("SECCOMP_IOCTL_NOTIF_SEND");
    if (log_file)
        append_line(log_file, "syscall %d pid %u -> %s", req.data.nr, req.pid, what);
    return 0;
}

static int listen_at(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char tmp[sizeof sa.sun_path];
    if ((size_t) snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        fprintf(stderr, "seccomp-agent: socket path too long\n");
        return -1;
    }
    strcpy(sa.sun_path, tmp);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(tmp);
    unlink(path);
    if (s < 0 || bind(s, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(s, 16) < 0 ||
        rename(tmp, path) < 0) {
        perror(path);
        return -1;
    }
    return s;
}

static void usage(void)
{
    fprintf(stderr, "usage: seccomp-agent [--mkdir-errno N] [--log FILE] SOCKET STATE_FILE\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--mkdir-errno") == 0 && i + 1 < argc)
            mkdir_errno = atoi(argv[++i]);
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            log_file = argv[++i];
        else
            usage();
    }
    if (argc - i != 2)
        usage();
    state_file = argv[i + 1];
    struct pollfd fds[MAX_FDS + 1];
    int n = 1;
    fds[0] = (struct pollfd) { listen_at(argv[i]), POLLIN, 0 };
    if (fds[0].fd < 0)
        return 1;
    for (;;) {
        if (poll(fds, (nfds_t) n, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            return 1;
        }
        for (int k = n - 1; k >= 1; k--) {
            if (fds[k].revents & POLLIN && answer_one(fds[k].fd) == 0)
                continue;
            if (fds[k].revents & (POLLHUP | POLLERR | POLLIN)) {
                close(fds[k].fd);
                fds[k] = fds[--n];
            }
        }
        if (fds[0].revents & POLLIN) {
            int conn = accept4(fds[0].fd, NULL, NULL, SOCK_CLOEXEC);
            if (conn < 0)
                continue;
            int sfd = receive_state(conn);
            close(conn);
            if (sfd >= 0 && n <= MAX_FDS)
                fds[n++] = (struct pollfd) { sfd, POLLIN, 0 };
            else if (sfd >= 0)
                close(sfd);
        }
    }
}
