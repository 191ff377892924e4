/* A new network namespace starts with lo DOWN ("qdisc noop"): without it, every program that
 * talks to itself over 127.0.0.1 gets ENETUNREACH. One ioctl on an AF_INET datagram socket is
 * enough to bring it up (no rtnetlink conversation to get right), and the socket belongs to
 * whatever network namespace the caller is in, which is the container's. */
#include "config.h"
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "netdev.h"
#include "util.h"

int netdev_loopback_up(struct tr_err *err)
{
    struct ifreq ifr;
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return tr_fail(err, errno, "socket(AF_INET) to configure lo");
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return tr_fail(err, errno, "ioctl(SIOCGIFFLAGS) on lo");
    if (ifr.ifr_flags & IFF_UP)
        return 0;
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        return tr_fail(err, errno, "ioctl(SIOCSIFFLAGS, IFF_UP) on lo");
    return 0;
}
