/* A small rtnetlink client (no libnl): build one request, send it, read its ACK or its dump.
 * The socket belongs to the network namespace the caller was in when it opened it. */
#ifndef TINYRUN_NETLINK_H
#define TINYRUN_NETLINK_H
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

struct nl_req {
    union { struct nlmsghdr h; char buf[1024]; } u;
};

int nl_open(struct tr_err *err);   /* NETLINK_ROUTE, SOCK_CLOEXEC */
/* Start a request: header of type/flags (NLM_F_REQUEST|NLM_F_ACK added) then the family
 * header (struct ifinfomsg, ifaddrmsg...) of len bytes. */
void nl_start(struct nl_req *r, uint16_t type, uint16_t flags, const void *fam, size_t len);
/* Append one attribute (aborts on overflow: requests are built from bounded data). */
void nl_put(struct nl_req *r, uint16_t type, const void *data, size_t len);
/* Send r and wait for its ACK: 0, or -1 with err->code the kernel's errno and what. */
int nl_transact(int fd, struct nl_req *r, const char *what, struct tr_err *err);
/* Send a dump request (NLM_F_DUMP) and call each(msg, ctx) for every answer until DONE. */
int nl_dump(int fd, struct nl_req *r, int (*each)(const struct nlmsghdr *m, void *ctx), void *ctx,
            const char *what, struct tr_err *err);

#endif
