/* linux.netDevices: see netdevices.h. A move is one RTM_NEWLINK with IFLA_NET_NS_FD and the new
 * IFLA_IFNAME (the kernel renames and moves at once). The kernel drops a device's addresses when
 * it changes namespace, so they are dumped before and added again after, as runc does; the
 * runtime enters the target namespace (setns, single-threaded) only to open the sockets there. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "netdevices.h"
#include "netlink.h"
#include "util.h"

#define MAX_ADDRS 64

struct saved_addr {
    struct ifaddrmsg ifa;
    struct { uint16_t type; uint8_t len; uint8_t data[16]; } attr[3];   /* ADDRESS LOCAL BROADCAST */
    int nattr;
};

struct dev_state {
    struct saved_addr a[MAX_ADDRS];
    int n;
    int ifindex;
    bool overflow;
};

static const char *target_name(const struct oci_net_device *d)
{
    return d->name && d->name[0] ? d->name : d->host_name;
}

static bool valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= IFNAMSIZ || streq(s, ".") || streq(s, ".."))
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == ':' || *s == ' ' || *s == '\t' || *s == '\n')
            return false;
    return true;
}

static int same_ns_as_ours(const char *path)
{
    struct stat a, b;
    if (stat(path, &a) < 0 || stat("/proc/self/ns/net", &b) < 0)
        return -1;
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int netdevices_check(const struct oci_spec *s, bool rootless, struct tr_err *err)
{
    const struct oci_linux *l = s->linux_;
    if (!l || !l->net_devices_len)
        return 0;
    const char *first = l->net_devices[0].host_name;
    const struct oci_namespace *ns = oci_find_namespace(s, OCI_NS_NETWORK);
    if (!ns)
        return tr_failx(err, "linux.netDevices[\"%s\"]: needs a network namespace of the container's own; "
                        "add {\"type\": \"network\"} to linux.namespaces", first);
    if (ns->path && ns->path[0] && same_ns_as_ours(ns->path) == 1)
        return tr_failx(err, "linux.netDevices[\"%s\"]: the network namespace %s is the host's; "
                        "devices can only move into another one", first, ns->path);
    if (rootless)
        return tr_failx(err, "linux.netDevices[\"%s\"]: moving host network devices needs root "
                        "(CAP_NET_ADMIN on the host); not available rootless", first);
    for (size_t i = 0; i < l->net_devices_len; i++) {
        const struct oci_net_device *d = &l->net_devices[i];
        if (!valid_ifname(d->host_name) || !valid_ifname(target_name(d)))
            return tr_failx(err, "linux.netDevices[\"%s\"]: \"%s\" is not a valid interface name "
                            "(1 to %d characters, no '/', ':' or space)", d->host_name,
                            valid_ifname(d->host_name) ? target_name(d) : d->host_name, IFNAMSIZ - 1);
        if (if_nametoindex(d->host_name) == 0)
            return tr_failx(err, "linux.netDevices[\"%s\"]: no such network device on the host", d->host_name);
        for (size_t k = 0; k < i; k++)
            if (streq(target_name(&l->net_devices[k]), target_name(d)))
                return tr_failx(err, "linux.netDevices[\"%s\"]: name \"%s\" is also the name of linux.netDevices[\"%s\"]",
                                d->host_name, target_name(d), l->net_devices[k].host_name);
    }
    return 0;
}

/* ---- one device, from one namespace to another ---- */

static int keep_addr(const struct nlmsghdr *m, void *ctx)
{
    struct dev_state *st = ctx;
    const struct ifaddrmsg *ifa = NLMSG_DATA(m);
    if (m->nlmsg_type != RTM_NEWADDR || (int) ifa->ifa_index != st->ifindex)
        return 0;
    /* the kernel makes the IPv6 link-local address itself when the device comes up */
    if (ifa->ifa_family == AF_INET6 && ifa->ifa_scope == RT_SCOPE_LINK)
        return 0;
    if (st->n == MAX_ADDRS) {
        st->overflow = true;
        return 0;
    }
    struct saved_addr *a = &st->a[st->n++];
    memset(a, 0, sizeof *a);
    a->ifa = *ifa;
    int len = (int) IFA_PAYLOAD(m);
    for (const struct rtattr *ra = IFA_RTA(ifa); RTA_OK(ra, len); ra = RTA_NEXT(ra, len)) {
        size_t dl = RTA_PAYLOAD(ra);
        if ((ra->rta_type == IFA_ADDRESS || ra->rta_type == IFA_LOCAL || ra->rta_type == IFA_BROADCAST) &&
            dl <= sizeof a->attr[0].data && a->nattr < 3) {
            a->attr[a->nattr].type = ra->rta_type;
            a->attr[a->nattr].len = (uint8_t) dl;
            memcpy(a->attr[a->nattr].data, RTA_DATA(ra), dl);
            a->nattr++;
        }
    }
    return 0;
}

static int read_flags(const char *name, short *flags)
{
    struct ifreq ifr;
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    *flags = ifr.ifr_flags;
    return 0;
}

/* In the source namespace: addresses and flags of from, then the move. */
static int leave(int nl, const char *from, const char *to, int to_ns, struct dev_state *st, short *flags,
                 const char *field, struct tr_err *err)
{
    struct nl_req r;
    struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
    struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
    if ((st->ifindex = (int) if_nametoindex(from)) == 0 || read_flags(from, flags) < 0)
        return tr_fail(err, errno, "%s: network device %s", field, from);
    nl_start(&r, RTM_GETADDR, 0, &ifa, sizeof ifa);
    if (nl_dump(nl, &r, keep_addr, st, "RTM_GETADDR", err) < 0)
        return tr_prefix(err, "%s: the addresses of %s", field, from);
    if (st->overflow)
        tr_warn("%s: %s has more than %d addresses; the first %d move with it", field, from, MAX_ADDRS, MAX_ADDRS);
    ifi.ifi_index = st->ifindex;
    nl_start(&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
    nl_put(&r, IFLA_NET_NS_FD, &(uint32_t) { (uint32_t) to_ns }, sizeof(uint32_t));
    nl_put(&r, IFLA_IFNAME, to, strlen(to) + 1);
    if (nl_transact(nl, &r, "RTM_NEWLINK IFLA_NET_NS_FD", err) < 0)
        return tr_prefix(err, "%s: move %s into the target network namespace as %s", field, from, to);
    return 0;
}

/* In the target namespace: the addresses again, then up if it was. */
static int arrive(int nl, const char *name, const struct dev_state *st, short flags, const char *field,
                  struct tr_err *err)
{
    struct nl_req r;
    int idx = (int) if_nametoindex(name);
    if (idx == 0)
        return tr_fail(err, errno, "%s: %s after the move", field, name);
    for (int i = 0; i < st->n; i++) {
        struct ifaddrmsg ifa = st->a[i].ifa;
        ifa.ifa_index = (uint32_t) idx;
        nl_start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof ifa);
        for (int k = 0; k < st->a[i].nattr; k++)
            nl_put(&r, st->a[i].attr[k].type, st->a[i].attr[k].data, st->a[i].attr[k].len);
        if (nl_transact(nl, &r, "RTM_NEWADDR", err) < 0 && err->code != EEXIST)
            return tr_prefix(err, "%s: add an address of %s again", field, name);
    }
    if (flags & IFF_UP) {
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = idx, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
        nl_start(&r, RTM_NEWLINK, 0, &ifi, sizeof ifi);
        if (nl_transact(nl, &r, "RTM_NEWLINK IFF_UP", err) < 0)
            return tr_prefix(err, "%s: set %s up", field, name);
    }
    return 0;
}

/* setns into ns and open a netlink socket there (the socket stays bound to it). */
static int socket_in(int ns, struct tr_err *err)
{
    if (setns(ns, CLONE_NEWNET) < 0)
        return tr_fail(err, errno, "setns(CLONE_NEWNET)");
    return nl_open(err);
}

/* Move from (in from_ns) to to (in to_ns); home is the runtime's own namespace, entered again
 * before returning whatever happened. */
static int move_one(int home, int from_ns, int to_ns, const char *from, const char *to, const char *field,
                    bool *moved, struct tr_err *err)
{
    _cleanup_free_ struct dev_state *st = xzalloc(sizeof *st);
    short flags = 0;
    int rc = -1, nl = socket_in(to_ns, err);
    if (nl < 0)
        goto out;
    if (if_nametoindex(to) != 0) {
        tr_failx(err, "%s: a network device named %s already exists in the target network namespace", field, to);
        goto out;
    }
    close(nl);
    if ((nl = socket_in(from_ns, err)) < 0 || leave(nl, from, to, to_ns, st, &flags, field, err) < 0)
        goto out;
    *moved = true;
    close(nl);
    if ((nl = socket_in(to_ns, err)) >= 0)
        rc = arrive(nl, to, st, flags, field, err);
out:
    if (nl >= 0)
        close(nl);
    if (setns(home, CLONE_NEWNET) < 0)
        tr_warn("setns back into the runtime's network namespace: %s", strerror(errno));
    return rc;
}

static int open_ns_of(pid_t pid, const struct oci_spec *s)
{
    if (pid > 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/ns/net", (int) pid);
        return open(path, O_RDONLY | O_CLOEXEC);
    }
    const struct oci_namespace *ns = oci_find_namespace(s, OCI_NS_NETWORK);
    return ns && ns->path && ns->path[0] ? open(ns->path, O_RDONLY | O_CLOEXEC) : -1;
}

static void move_back(int home, int ns, const struct oci_linux *l, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct oci_net_device *d = &l->net_devices[i];
        struct tr_err e = { 0 };
        bool moved = false;
        _cleanup_free_ char *field = xasprintf("linux.netDevices[\"%s\"]", d->host_name);
        if (move_one(home, ns, home, target_name(d), d->host_name, field, &moved, &e) < 0)
            tr_warn("%s: back to the host: %s", field, e.msg);
    }
}

int netdevices_move_in(const struct oci_spec *s, pid_t pid, struct tr_err *err)
{
    const struct oci_linux *l = s->linux_;
    if (!l || !l->net_devices_len)
        return 0;
    _cleanup_close_ int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int ns = open_ns_of(pid, s);
    if (home < 0 || ns < 0)
        return tr_fail(err, errno, "linux.netDevices: open the network namespaces");
    for (size_t i = 0; i < l->net_devices_len; i++) {
        const struct oci_net_device *d = &l->net_devices[i];
        bool moved = false;
        _cleanup_free_ char *field = xasprintf("linux.netDevices[\"%s\"]", d->host_name);
        if (move_one(home, home, ns, d->host_name, target_name(d), field, &moved, err) < 0) {
            move_back(home, ns, l, moved ? i + 1 : i);
            return -1;
        }
    }
    return 0;
}

void netdevices_move_out(const struct oci_spec *s, pid_t pid)
{
    const struct oci_linux *l = s->linux_;
    if (!l || !l->net_devices_len)
        return;
    _cleanup_close_ int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int ns = open_ns_of(pid, s);
    if (home < 0 || ns < 0)
        return;
    move_back(home, ns, l, l->net_devices_len);
}
