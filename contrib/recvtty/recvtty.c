/* recvtty: a --console-socket receiver for tests and manual use (in the spirit of runc's
 * contrib/cmd/recvtty; written from scratch).
 *
 *   recvtty [--mode single|null|capture] [--capture FILE] [--input STRING]
 *           [--pid-file FILE] [--count N] SOCKET_PATH
 *
 * It listens on SOCKET_PATH and receives the pty master the runtime sends. The receive side
 * deliberately mirrors containerd's go-runc (socket.go recvFd): ONE recvmsg with a 4096-byte
 * data buffer, and the control data must be exactly CMSG_SPACE(sizeof(int)), i.e. exactly one
 * fd; anything else is an error, as it would be under containerd.
 *
 *   single   (default) accept one connection and relay the master to our stdin/stdout until
 *            the container side hangs up.
 *   capture  accept one connection, write --input (if any) to the master, then copy all the
 *            master's output to --capture FILE until it hangs up.
 *   null     accept connections (forever, or --count N) and drain each master in a child.
 *
 * For each connection, "recvtty: received <pty name>" is printed on stderr. The pid file is
 * written once the socket listens, so it doubles as a readiness signal. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

enum mode { MODE_SINGLE, MODE_NULL, MODE_CAPTURE };

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("recvtty: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void write_all_or_die(int fd, const char *buf, size_t len, const char *what)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("write to %s: %s", what, strerror(errno));
        buf += n;
        len -= (size_t) n;
    }
}

/* go-runc's rule, checked strictly. Returns the master fd; the name is NUL-terminated. */
static int receive_master(int conn, char *name, size_t cap)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 8)];
    } ctl;
    struct iovec iov = { .iov_base = name, .iov_len = cap - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                          .msg_controllen = sizeof ctl.buf };
    ssize_t n;
    int fd;

    do
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die("recvmsg: %s", strerror(errno));
    if (msg.msg_controllen != CMSG_SPACE(sizeof(int)))
        die("expected exactly one fd (control length %zu, want %zu)",
            (size_t) msg.msg_controllen, (size_t) CMSG_SPACE(sizeof(int)));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS
        || c->cmsg_len != CMSG_LEN(sizeof(int)))
        die("expected exactly one fd (got %zu bytes of SCM_RIGHTS data)",
            c && c->cmsg_len >= CMSG_LEN(0) ? (size_t) (c->cmsg_len - CMSG_LEN(0)) : (size_t) 0);
    if (n == 0)
        die("empty payload: the pty name must come with the fd");
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    name[n] = '\0';
    return fd;
}

/* Copy master -> out until EIO/EOF. Returns when the container side is gone. */
static void drain(int master, int out, const char *what)
{
    char buf[8192];
    for (;;) {
        ssize_t n = read(master, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        if (out >= 0)
            write_all_or_die(out, buf, (size_t) n, what);
    }
}

static void relay_stdio(int master)
{
    bool in_open = true;
    for (;;) {
        struct pollfd p[2] = { { .fd = master, .events = POLLIN },
                               { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN } };
        char buf[8192];
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        if (p[0].revents) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0 && !(n < 0 && errno == EINTR))
                return;
            if (n > 0)
                write_all_or_die(STDOUT_FILENO, buf, (size_t) n, "stdout");
        }
        if (p[1].revents) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0)
                in_open = false;
            else
                write_all_or_die(master, buf, (size_t) n, "the pty master");
        }
    }
}

static int listen_on(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path)
        die("socket path too long: %s", path);
    strcpy(addr.sun_path, path);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket: %s", strerror(errno));
    if (bind(s, (struct sockaddr *) &addr, sizeof addr) < 0)
        die("bind %s: %s", path, strerror(errno));
    if (listen(s, 16) < 0)
        die("listen %s: %s", path, strerror(errno));
    return s;
}

static void usage(void) __attribute__((noreturn));
static void usage(void)
{
    fprintf(stderr, "usage: recvtty [--mode single|null|capture] [--capture FILE] "
            "[--input STRING] [--pid-file FILE] [--count N] SOCKET_PATH\n");
    exit(2);
}

static void handle(int conn, enum mode mode, const char *capture, const char *input)
{
    char name[4096];
    int master = receive_master(conn, name, sizeof name);
    close(conn);
    fprintf(stderr, "recvtty: received %s\n", name);
    if (mode == MODE_SINGLE) {
        relay_stdio(master);
    } else if (mode == MODE_CAPTURE) {
        int out = open(capture, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0)
            die("open %s: %s", capture, strerror(errno));
        if (input)
            write_all_or_die(master, input, strlen(input), "the pty master");
        drain(master, out, capture);
        close(out);
    } else {
        drain(master, -1, "null");
    }
    close(master);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "mode", required_argument, NULL, 'm' }, { "capture", required_argument, NULL, 'c' },
        { "input", required_argument, NULL, 'i' }, { "pid-file", required_argument, NULL, 'p' },
        { "count", required_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    enum mode mode = MODE_SINGLE;
    const char *capture = NULL, *input = NULL, *pid_file = NULL;
    long count = -1;
    int o;

    while ((o = getopt_long(argc, argv, "m:c:i:p:n:h", opts, NULL)) != -1) {
        switch (o) {
        case 'm':
            if (!strcmp(optarg, "single")) mode = MODE_SINGLE;
            else if (!strcmp(optarg, "null")) mode = MODE_NULL;
            else if (!strcmp(optarg, "capture")) mode = MODE_CAPTURE;
            else die("unknown mode %s (single, null, capture)", optarg);
            break;
        case 'c': capture = optarg; mode = MODE_CAPTURE; break;
        case 'i': input = optarg; break;
        case 'p': pid_file = optarg; break;
        case 'n': count = strtol(optarg, NULL, 10); break;
        default: usage();
        }
    }
    if (optind != argc - 1)
        usage();
    if (mode == MODE_CAPTURE && !capture)
        die("--mode capture needs --capture FILE");
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);       /* null-mode drainers need no reaping */

    const char *path = argv[optind];
    int s = listen_on(path);
    if (pid_file) {
        char buf[32];
        int fd = open(pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        int len = snprintf(buf, sizeof buf, "%d", (int) getpid());
        if (fd < 0)
            die("open %s: %s", pid_file, strerror(errno));
        write_all_or_die(fd, buf, (size_t) len, pid_file);
        close(fd);
    }
    if (mode != MODE_NULL)
        count = 1;
    for (long i = 0; count < 0 || i < count; i++) {
        int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
            if (errno == EINTR) {
                i--;
                continue;
            }
            die("accept: %s", strerror(errno));
        }
        if (mode == MODE_NULL) {
            pid_t pid = fork();
            if (pid < 0)
                die("fork: %s", strerror(errno));
            if (pid == 0) {
                close(s);
                handle(conn, mode, capture, input);
                _exit(0);
            }
            close(conn);
            continue;
        }
        handle(conn, mode, capture, input);
    }
    close(s);
    unlink(path);
    return 0;
}
