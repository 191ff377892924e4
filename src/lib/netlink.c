/* rtnetlink requests and their answers; see netlink.h. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "netlink.h"
#include "util.h"

int nl_open(struct tr_err *err)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return tr_fail(err, errno, "socket(AF_NETLINK, NETLINK_ROUTE)");
    return fd;
}

void nl_start(struct nl_req *r, uint16_t type, uint16_t flags, const void *fam, size_t len)
{
    static uint32_t seq;
    memset(r, 0, sizeof *r);
    r->u.h.nlmsg_type = type;
    r->u.h.nlmsg_flags = (uint16_t) (NLM_F_REQUEST | NLM_F_ACK | flags);
    r->u.h.nlmsg_seq = ++seq;
    r->u.h.nlmsg_len = (uint32_t) NLMSG_LENGTH(len);
    memcpy(NLMSG_DATA(&r->u.h), fam, len);
    r->u.h.nlmsg_len = NLMSG_ALIGN(r->u.h.nlmsg_len);
}

void nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
    struct nlattr *a = (struct nlattr *) (r->u.buf + r->u.h.nlmsg_len);
    size_t need = NLA_ALIGN(NLA_HDRLEN + len);
    if (r->u.h.nlmsg_len + need > sizeof r->u.buf)
        abort();
    a->nla_type = type;
    a->nla_len = (uint16_t) (NLA_HDRLEN + len);
    memcpy((char *) a + NLA_HDRLEN, data, len);
    r->u.h.nlmsg_len += (uint32_t) need;
}

static int send_req(int fd, struct nl_req *r, const char *what, struct tr_err *err)
{
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(fd, r->u.buf, r->u.h.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
        return tr_fail(err, errno, "netlink send (%s)", what);
    return 0;
}

/* Read answers to seq; each (may be NULL) sees the data messages. 0 on ACK/DONE. */
static int read_answers(int fd, uint32_t seq, int (*each)(const struct nlmsghdr *, void *), void *ctx,
                        const char *what, struct tr_err *err)
{
    _cleanup_free_ char *buf = xmalloc(32768);
    for (;;) {
        ssize_t n = recv(fd, buf, 32768, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tr_fail(err, errno, "netlink receive (%s)", what);
        if (n == 0)
            return tr_failx(err, "netlink receive (%s): end of file", what);
        for (struct nlmsghdr *m = (struct nlmsghdr *) buf; NLMSG_OK(m, (size_t) n); m = NLMSG_NEXT(m, n)) {
            if (m->nlmsg_seq != seq)
                continue;
            if (m->nlmsg_type == NLMSG_DONE)
                return 0;
            if (m->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(m);
                if (e->error == 0)
                    return 0;
                return tr_fail(err, -e->error, "%s", what);
            }
            if (each && each(m, ctx) < 0)
                return tr_failx(err, "netlink (%s): unexpected answer", what);
        }
    }
}

int nl_transact(int fd, struct nl_req *r, const char *what, struct tr_err *err)
{
    if (send_req(fd, r, what, err) < 0)
        return -1;
    return read_answers(fd, r->u.h.nlmsg_seq, NULL, NULL, what, err);
}

int nl_dump(int fd, struct nl_req *r, int (*each)(const struct nlmsghdr *m, void *ctx), void *ctx,
            const char *what, struct tr_err *err)
{
    r->u.h.nlmsg_flags |= NLM_F_DUMP;
    if (send_req(fd, r, what, err) < 0)
        return -1;
    return read_answers(fd, r->u.h.nlmsg_seq, each, ctx, what, err);
}
