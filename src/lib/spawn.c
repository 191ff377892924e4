#include "config.h"
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "spawn.h"
#include "util.h"

static const char *const msg_names[] = {
    [MSG_SETUP_DONE] = "SETUP_DONE", [MSG_RUN_HOOKS] = "RUN_HOOKS",
    [MSG_HOOKS_DONE] = "HOOKS_DONE", [MSG_PTY_MASTER] = "PTY_MASTER",
    [MSG_SECCOMP_FD] = "SECCOMP_FD", [MSG_SECCOMP_DONE] = "SECCOMP_DONE",
    [MSG_READY] = "READY", [MSG_ERROR] = "ERROR", [MSG_SPAWNED] = "SPAWNED",
};

const char *chan_msg_name(uint32_t type)
{
    return type < ARRAY_SIZE(msg_names) && msg_names[type] ? msg_names[type] : "UNKNOWN";
}

int chan_send(int sock, uint32_t type, int32_t value, const char *text, int fd, struct tr_err *err)
{
    struct chan_msg m = { .type = type, .value = value };
    struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (text)
        snprintf(m.text, sizeof m.text, "%s", text);
    if (fd >= 0) {
        struct cmsghdr *c;
        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR)
            return tr_fail(err, errno, "send %s to the %s", chan_msg_name(type),
                           type == MSG_SETUP_DONE || type == MSG_HOOKS_DONE || type == MSG_SECCOMP_DONE
                           ? "container process" : "runtime");
    }
    return 0;
}

int chan_recv(int sock, struct chan_msg *m, int *fd, struct tr_err *err)
{
    struct iovec iov = { .iov_base = m, .iov_len = sizeof *m };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                         .msg_controllen = sizeof ctl.buf };
    ssize_t n;
    if (fd)
        *fd = -1;
    do
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return tr_fail(err, errno, "receive from the spawn channel");
    if (n == 0)
        return tr_failx(err, "the other side of the spawn channel exited");
    if ((size_t) n != sizeof *m)
        return tr_failx(err, "spawn channel: short message (%zd bytes)", n);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int got;
            memcpy(&got, CMSG_DATA(c), sizeof got);
            if (fd)
                *fd = got;
            else
                close(got);
        }
    }
    m->text[sizeof m->text - 1] = '\0';
    return 0;
}

int chan_expect(int sock, uint32_t want, struct chan_msg *m, int *fd, struct tr_err *err)
{
    if (chan_recv(sock, m, fd, err) < 0)
        return tr_prefix(err, "waiting for %s", chan_msg_name(want));
    if (m->type == MSG_ERROR) {
        err->code = m->value;
        snprintf(err->msg, sizeof err->msg, "%s", m->text);
        return -1;
    }
    if (m->type != want)
        return tr_failx(err, "spawn channel: expected %s, got %s", chan_msg_name(want),
                        chan_msg_name(m->type));
    return 0;
}

int chan_write_plain(int sock, uint32_t type, int32_t value, struct tr_err *err)
{
    struct chan_msg m = { .type = type, .value = value };
    ssize_t n;
    do
        n = write(sock, &m, sizeof m);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t) sizeof m)
        return tr_fail(err, n < 0 ? errno : EIO, "send %s to the runtime", chan_msg_name(type));
    return 0;
}

int chan_read_plain(int sock, uint32_t want, struct tr_err *err)
{
    struct chan_msg m;
    ssize_t n;
    do
        n = read(sock, &m, sizeof m);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t) sizeof m)
        return n < 0 ? tr_fail(err, errno, "waiting for %s", chan_msg_name(want))
                     : tr_failx(err, "waiting for %s: the runtime went away", chan_msg_name(want));
    if (m.type == MSG_ERROR) {
        m.text[sizeof m.text - 1] = '\0';
        err->code = m.value;
        snprintf(err->msg, sizeof err->msg, "%s", m.text);
        return -1;
    }
    if (m.type != want)
        return tr_failx(err, "spawn channel: expected %s, got %s", chan_msg_name(want), chan_msg_name(m.type));
    return 0;
}

void chan_die(int sock, const struct tr_err *err)
{
    struct tr_err ignore;
    chan_send(sock, MSG_ERROR, err->code, err->msg, -1, &ignore);
    _exit(1);
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct clone_args_v2 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};

pid_t spawn_process(const struct spawn_req *r, int *used_cgroup_fd, struct tr_err *err)
{
    /* clone3 wants no exit_signal with CLONE_PARENT: the child takes the caller's (SIGCHLD). */
    struct clone_args_v2 a = { .flags = r->clone_flags,
                               .exit_signal = (r->clone_flags & CLONE_PARENT) ? 0 : SIGCHLD };
    int pidfd = -1;
    long pid;
    *used_cgroup_fd = 0;
    if (r->pidfd) {
        a.flags |= CLONE_PIDFD;
        a.pidfd = (uint64_t) (uintptr_t) &pidfd;
    }
    if (r->cgroup_fd >= 0) {
        a.flags |= CLONE_INTO_CGROUP;
        a.cgroup = (uint64_t) r->cgroup_fd;
    }
    pid = syscall(SYS_clone3, &a, sizeof a);
    if (pid < 0 && r->cgroup_fd >= 0 && errno != ENOSYS) {
        /* e.g. a controller refuses the move: retry without, the caller enters the cgroup. */
        a.flags &= ~CLONE_INTO_CGROUP;
        a.cgroup = 0;
        pid = syscall(SYS_clone3, &a, sizeof a);
    } else if (pid >= 0 && r->cgroup_fd >= 0) {
        *used_cgroup_fd = 1;
    }
    if (pid < 0 && errno == ENOSYS) {
        /* Kernels before 5.3: plain clone, fork semantics (no stack). */
        pid = syscall(SYS_clone, (unsigned long) r->clone_flags | SIGCHLD, 0, 0, 0, 0);
        *used_cgroup_fd = 0;
        pidfd = -1;
    }
    if (pid < 0)
        return tr_fail(err, errno, "clone3 with namespace flags 0x%lx", r->clone_flags);
    if (pid == 0)
        return 0;
    if (pid > 0 && !(a.flags & CLONE_INTO_CGROUP))
        *used_cgroup_fd = 0;
    if (r->pidfd)
        *r->pidfd = pidfd;
    return (pid_t) pid;
}
