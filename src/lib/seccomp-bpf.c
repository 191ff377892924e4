/* The compiled program after libseccomp: seccomp(2) in the child, and the listener fd hand-off
 * to the agent (parent). Nothing here allocates on the child path, and nothing needs
 * libseccomp (a --disable-seccomp build links this file too). */
#include "config.h"
#include <errno.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include "fdpass.h"
#include "seccomp-internal.h"
#include "seccomp-profile.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#define LISTENER_MSG_MAX 4096    /* bypass4netns reads the state with one 4096-byte recvmsg */

int seccomp_plan_load(const struct seccomp_plan *p, struct tr_err *err)
{
    if (!p)
        return 0;
    if (p->len > SECCOMP_MAX_INSNS)
        return tr_failx(err, "the seccomp filter has %zu instructions, more than the kernel's "
                        "limit of %d", p->len, SECCOMP_MAX_INSNS);
    unsigned long flags = p->flags;
    if (p->notify)
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    /* TSYNC and NEW_LISTENER are exclusive unless TSYNC failures are reported as ESRCH. */
    if (p->notify && (flags & SECCOMP_FILTER_FLAG_TSYNC))
        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    struct sock_fprog prog = { .len = (unsigned short) p->len, .filter = p->insns };
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (r < 0) {
        int e = errno;
        tr_fail(err, e, "seccomp(SECCOMP_SET_MODE_FILTER, flags=%#lx)", flags);
        if (e == EACCES)
            tr_hint(err, "loading a filter needs no_new_privs or CAP_SYS_ADMIN");
        return -1;
    }
    return p->notify ? (int) r : 0;
}

int seccomp_send_to_listener(const char *listener_path, int listener_fd, const char *state_json,
                             struct tr_err *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!listener_path || !*listener_path)
        return tr_failx(err, "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");
    if (strlen(listener_path) >= sizeof sa.sun_path)
        return tr_failx(err, "linux.seccomp.listenerPath: \"%s\" is longer than a unix socket "
                        "path may be (%zu bytes)", listener_path, sizeof sa.sun_path - 1);
    size_t len = state_json ? strlen(state_json) : 0;
    if (len == 0 || len >= LISTENER_MSG_MAX)
        return tr_failx(err, "seccomp listener %s: the container process state is %zu bytes; "
                        "agents read one message of less than %d bytes", listener_path, len,
                        LISTENER_MSG_MAX);
    if (listener_fd < 0)
        return tr_failx(err, "seccomp listener %s: no listener fd to send", listener_path);
    strcpy(sa.sun_path, listener_path);
    _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return tr_fail(err, errno, "socket(AF_UNIX)");
    if (connect(sock, (struct sockaddr *) &sa, sizeof sa) < 0)
        return tr_fail(err, errno, "connect to the seccomp listener %s "
                       "(linux.seccomp.listenerPath)", listener_path);
    if (send_fd(sock, listener_fd, state_json, len, err) < 0)
        return tr_prefix(err, "send the seccomp fd to the listener %s", listener_path);
    return 0;
}

bool seccomp_plan_uses_notify(const struct seccomp_plan *p)
{
    return p && p->notify;
}

void seccomp_plan_free(struct seccomp_plan *p)
{
    if (!p)
        return;
    free(p->insns);
    free(p);
}
