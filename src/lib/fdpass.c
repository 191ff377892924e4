#include "config.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "fdpass.h"

int send_fd(int sock, int fd, const void *data, size_t len, struct tr_err *err)
{
    static const char zero = 0;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = { .iov_base = (void *) (len ? data : &zero), .iov_len = len ? len : 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    const char *call = fd >= 0 ? "sendmsg(SCM_RIGHTS)" : "sendmsg";
    if (fd >= 0) {
        memset(&ctl, 0, sizeof ctl);
        msg.msg_control = ctl.buf;
        msg.msg_controllen = sizeof ctl.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return tr_fail(err, errno, "%s", call);
    if ((size_t) n != iov.iov_len)
        return tr_failx(err, "%s: short write (%zd of %zu bytes)", call, n, iov.iov_len);
    return 0;
}

/* Close every fd carried in the control data (the message is rejected). */
static void close_received(struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfds; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            close(fd);
        }
    }
}

ssize_t recv_with_fd(int sock, int flags, void *data, size_t cap, int *fd, struct tr_err *err)
{
    /* room for a few fds so that a peer sending more than one is detected, not truncated */
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * 8)];
    } ctl;
    char dummy;
    struct iovec iov = { .iov_base = cap ? data : &dummy, .iov_len = cap ? cap : 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
    ssize_t n;
    *fd = -1;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return tr_fail(err, errno, "recvmsg");
    if (msg.msg_flags & MSG_CTRUNC) {
        close_received(&msg);
        return tr_failx(err, "recvmsg(SCM_RIGHTS): control data truncated (too many fds)");
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c)
        return n;
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS
        || c->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&msg, c)) {
        close_received(&msg);
        return tr_failx(err, "recvmsg(SCM_RIGHTS): expected exactly one file descriptor");
    }
    memcpy(fd, CMSG_DATA(c), sizeof *fd);
    return n;
}

int recv_fd(int sock, int *fd, void *data, size_t cap, size_t *got, struct tr_err *err)
{
    if (got)
        *got = 0;
    ssize_t n = recv_with_fd(sock, 0, data, cap, fd, err);
    if (n < 0)
        return -1;
    if (*fd < 0)
        return tr_failx(err, n == 0 ? "recvmsg(SCM_RIGHTS): peer closed the connection"
                                    : "recvmsg(SCM_RIGHTS): expected exactly one file descriptor");
    if (got)
        *got = cap ? (size_t) n : 0;
    return 0;
}
