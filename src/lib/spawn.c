#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "spawn.h"
#include "util.h"

static const char *const msg_names[] = {
    [MSG_SETUP_DONE] = "SETUP_DONE", [MSG_RUN_HOOKS] = "RUN_HOOKS",
    [MSG_HOOKS_DONE] = "HOOKS_DONE", [MSG_PTY_MASTER] = "PTY_MASTER",
    [MSG_SECCOMP_FD] = "SECCOMP_FD", [MSG_SECCOMP_DONE] = "SECCOMP_DONE",
    [MSG_READY] = "READY", [MSG_ERROR] = "ERROR", [MSG_SPAWNED] = "SPAWNED",
    [MSG_MOUNT_SOURCE] = "MOUNT_SOURCE",
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
                           type == MSG_SETUP_DONE || type == MSG_HOOKS_DONE || type == MSG_SECCOMP_DONE ||
                           type == MSG_MOUNT_SOURCE
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
    if (n == 0) {
        tr_failx(err, "the other side of the spawn channel exited");
        err->code = EPIPE;      /* callers tell a gone peer from other failures by this */
        return -1;
    }
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

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int chan_recv_wait(int sock, int pidfd, int timeout_ms, struct chan_msg *m, int *fd, struct tr_err *err)
{
    long long deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
    for (;;) {
        struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
        long long left = deadline < 0 ? -1 : deadline - monotonic_ms();
        int n = poll(p, pidfd >= 0 ? 2 : 1, left < 0 && deadline >= 0 ? 0 : (int) left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tr_fail(err, errno, "poll the spawn channel");
        /* The channel first: a message sent just before the child exited still counts. */
        if (p[0].revents)
            return chan_recv(sock, m, fd, err);
        if (n > 0 && p[1].revents) {
            /* Exited, yet the channel is open: a process it left behind holds the other end. */
            tr_failx(err, "the other side of the spawn channel exited");
            err->code = EPIPE;
            return -1;
        }
        if (n == 0) {
            tr_failx(err, "timed out");
            err->code = ETIMEDOUT;
            return -1;
        }
    }
}

int spawn_exit_cause(pid_t pid, int pidfd, char *buf, size_t len)
{
    siginfo_t si;
    if (pidfd >= 0) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        while (poll(&p, 1, 1000) < 0 && errno == EINTR)
            ;
    }
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
        return -1;
    if (si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) {
        const char *abbrev = sigabbrev_np(si.si_status);
        snprintf(buf, len, "was killed by SIG%s", abbrev ? abbrev : "?");
        return si.si_status;
    }
    snprintf(buf, len, "exited with status %d", si.si_status);
    return 0;
}

int spawn_kill_and_reap(pid_t pid, int pidfd)
{
    kill(pid, SIGKILL);
    for (int i = 0; pidfd >= 0 && i < SPAWN_STEP_TIMEOUT_S * 10; i++) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        if (poll(&p, 1, 100) > 0)
            break;
    }
    if (pidfd < 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return 0;
    }
    return waitpid(pid, NULL, WNOHANG) == pid ? 0 : -1;
}

char spawn_proc_state(pid_t pid)
{
    char path[64], buf[512], *p;
    ssize_t n;
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || (n = read(fd, buf, sizeof buf - 1)) <= 0)
        return '?';
    buf[n] = '\0';
    p = strrchr(buf, ')');      /* the comm field may contain spaces and parentheses */
    return p && p[1] == ' ' && p[2] ? p[2] : '?';
}

int chan_expect_either(int sock, uint32_t want, uint32_t or_this, struct chan_msg *m, int *fd, struct tr_err *err)
{
    if (chan_recv(sock, m, fd, err) < 0)
        return tr_prefix(err, "waiting for %s", chan_msg_name(want));
    if (m->type == MSG_ERROR) {
        err->code = m->value;
        snprintf(err->msg, sizeof err->msg, "%s", m->text);
        return -1;
    }
    if (m->type != want && m->type != or_this) {
        if (fd && *fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return tr_failx(err, "spawn channel: expected %s, got %s", chan_msg_name(want),
                        chan_msg_name(m->type));
    }
    return (int) m->type;
}

int chan_expect(int sock, uint32_t want, struct chan_msg *m, int *fd, struct tr_err *err)
{
    return chan_expect_either(sock, want, want, m, fd, err) < 0 ? -1 : 0;
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
