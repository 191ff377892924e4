/* netdev_loopback_up in a fresh network namespace: lo starts down and comes up; a second call
 * is a no-op. Needs root or unprivileged user namespaces (skipped otherwise). */
#include "config.h"
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "netdev.h"
#include "tap.h"
#include "util.h"

static int lo_flags(void)
{
    struct ifreq ifr;
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    return ifr.ifr_flags;
}

/* In the child: exit code 0 all good, 1 a step failed (printed as a TAP comment), 77 skip. */
static int in_new_netns(void)
{
    struct tr_err err;
    int flags;
    if (unshare(geteuid() == 0 ? CLONE_NEWNET : CLONE_NEWUSER | CLONE_NEWNET) < 0)
        return 77;
    flags = lo_flags();
    if (flags < 0 || (flags & IFF_UP)) {
        printf("# lo in a new netns: flags %d, expected down\n", flags);
        return 1;
    }
    if (netdev_loopback_up(&err) < 0) {
        printf("# netdev_loopback_up: %s\n", err.msg);
        return 1;
    }
    if (!(lo_flags() & IFF_UP)) {
        printf("# lo still down after netdev_loopback_up\n");
        return 1;
    }
    if (netdev_loopback_up(&err) < 0) {
        printf("# second netdev_loopback_up: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(void)
{
    int status;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int rc = in_new_netns();
        fflush(NULL);
        _exit(rc);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
        ok(0, "child for the netns test");
        return done_testing();
    }
    if (WEXITSTATUS(status) == 77)
        skip("cannot unshare a network namespace here (no root, no unprivileged user namespaces)");
    else
        ok(WEXITSTATUS(status) == 0, "lo starts down in a new netns, comes up, a second call is a no-op");
    return done_testing();
}
