/* The spawn session and its protocol: see spawn.h. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cgroup.h"
#include "fdpass.h"
#include "log.h"
#include "namespaces.h"
#include "seccomp-profile.h"
#include "spawn.h"
#include "terminal.h"
#include "util.h"

enum spawn_side { SIDE_RUNTIME = 1, SIDE_CHILD = 2, SIDE_HELPER = 4 };

/* The table of spawn.h, as data: who sends each message, who receives it. */
static const struct msg_info {
    const char *name;
    unsigned from, to;
} msgs[] = {
    [MSG_SPAWNED] = { "SPAWNED", SIDE_HELPER, SIDE_RUNTIME },
    [MSG_MOUNT_SOURCE] = { "MOUNT_SOURCE", SIDE_RUNTIME, SIDE_CHILD },
    [MSG_SETUP_DONE] = { "SETUP_DONE", SIDE_RUNTIME, SIDE_CHILD },
    [MSG_RUN_HOOKS] = { "RUN_HOOKS", SIDE_CHILD, SIDE_RUNTIME },
    [MSG_HOOKS_DONE] = { "HOOKS_DONE", SIDE_RUNTIME, SIDE_CHILD },
    [MSG_PTY_MASTER] = { "PTY_MASTER", SIDE_CHILD, SIDE_RUNTIME },
    [MSG_SECCOMP_FD] = { "SECCOMP_FD", SIDE_CHILD, SIDE_RUNTIME },
    [MSG_SECCOMP_DONE] = { "SECCOMP_DONE", SIDE_RUNTIME, SIDE_CHILD },
    [MSG_READY] = { "READY", SIDE_CHILD, SIDE_RUNTIME },
    [MSG_ERROR] = { "ERROR", SIDE_CHILD | SIDE_HELPER, SIDE_RUNTIME },
};

static const struct msg_info *msg_info(uint32_t type)
{
    return type < ARRAY_SIZE(msgs) && msgs[type].name ? &msgs[type] : NULL;
}

const char *chan_msg_name(uint32_t type)
{
    const struct msg_info *i = msg_info(type);
    return i ? i->name : "UNKNOWN";
}

static int send_msg(int sock, const struct chan_msg *m, int fd, struct tr_err *err)
{
    const struct msg_info *i = msg_info(m->type);
    if (send_fd(sock, fd, m, sizeof *m, err) < 0)
        return tr_prefix(err, "send %s to the %s", chan_msg_name(m->type),
                         i && i->to == SIDE_CHILD ? "container process" : "runtime");
    return 0;
}

int chan_send(int sock, uint32_t type, int32_t value, const char *text, int fd, struct tr_err *err)
{
    struct chan_msg m = { .type = type, .value = value };
    if (text)
        snprintf(m.text, sizeof m.text, "%s", text);
    return send_msg(sock, &m, fd, err);
}

/* The typed sends: the message must be one `from` sends (a programming error otherwise). */
static int send_as(int sock, unsigned from, uint32_t type, int32_t value, uint32_t flags, const char *text,
                   int fd, struct tr_err *err)
{
    struct chan_msg m = { .type = type, .value = value, .flags = flags };
    const struct msg_info *i = msg_info(type);
    if (!i || !(i->from & from))
        return tr_failx(err, "spawn channel: %s is not a message this side sends", chan_msg_name(type));
    if (text)
        snprintf(m.text, sizeof m.text, "%s", text);
    return send_msg(sock, &m, fd, err);
}

/* A message received by `me` must be addressed to it. */
static int check_direction(const struct chan_msg *m, unsigned me, int *fd, struct tr_err *err)
{
    const struct msg_info *i = msg_info(m->type);
    if (!i || (i->to & me))
        return 0;
    if (fd && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return tr_failx(err, "spawn channel: received %s, which the %s sends", i->name,
                    i->from == SIDE_RUNTIME ? "runtime" : "child");
}

int chan_recv(int sock, struct chan_msg *m, int *fd, struct tr_err *err)
{
    int got = -1;
    if (fd)
        *fd = -1;
    ssize_t n = recv_with_fd(sock, 0, m, sizeof *m, &got, err);
    if (n < 0 && err->code != ECONNRESET)
        return tr_prefix(err, "receive from the spawn channel");
    if (n <= 0) {   /* ECONNRESET: it died with a message of ours unread */
        tr_failx(err, "the other side of the spawn channel exited");
        err->code = EPIPE;      /* callers tell a gone peer from other failures by this */
        return -1;
    }
    if (fd)
        *fd = got;
    else if (got >= 0)
        close(got);
    if ((size_t) n != sizeof *m) {
        if (fd && *fd >= 0) {
            close(*fd);
            *fd = -1;
        }
        return tr_failx(err, "spawn channel: short message (%zd bytes)", n);
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
        snprintf(buf, len, "was killed by signal %d (SIG%s)", si.si_status, abbrev ? abbrev : "?");
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

/* Receive, check the direction, and require type `want` (or or_this); an ERROR from the peer
 * becomes *err verbatim. Returns the type received, or -1. */
static int expect_as(int sock, unsigned me, uint32_t want, uint32_t or_this, struct chan_msg *m, int *fd,
                     struct tr_err *err)
{
    if (chan_recv(sock, m, fd, err) < 0)
        return tr_prefix(err, "waiting for %s", chan_msg_name(want));
    if (check_direction(m, me, fd, err) < 0)
        return -1;
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

/* Without fds, through plain write(2)/read(2): the seccomp hand-off (spawn.h). */
static int write_plain(int sock, uint32_t type, int32_t value, struct tr_err *err)
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

static int read_plain(int sock, uint32_t want, struct tr_err *err)
{
    struct chan_msg m;
    ssize_t n;
    do
        n = read(sock, &m, sizeof m);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t) sizeof m)
        return n < 0 ? tr_fail(err, errno, "waiting for %s", chan_msg_name(want))
                     : tr_failx(err, "waiting for %s: the runtime went away", chan_msg_name(want));
    if (check_direction(&m, SIDE_CHILD, NULL, err) < 0)
        return -1;
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

/* ---- child side ---- */

int spawn_recv_setup(int sock, struct spawn_setup_msg *out, struct tr_err *err)
{
    struct chan_msg m;
    int fd = -1;
    int type = expect_as(sock, SIDE_CHILD, MSG_SETUP_DONE, MSG_MOUNT_SOURCE, &m, &fd, err);
    memset(out, 0, sizeof *out);
    out->fd = -1;
    if (type < 0)
        return -1;
    if (type == MSG_SETUP_DONE) {
        if (fd >= 0)
            close(fd);
        out->setup_done = true;
        out->host_pid = m.value;
        return 0;
    }
    if (fd < 0 || m.value < 0) {
        if (fd >= 0)
            close(fd);
        return tr_failx(err, "spawn channel: MOUNT_SOURCE for mounts[%d] without a usable fd", (int) m.value);
    }
    out->index = (size_t) m.value;
    out->fd = fd;
    return 0;
}

int spawn_send_run_hooks(int sock, struct tr_err *err)
{
    return send_as(sock, SIDE_CHILD, MSG_RUN_HOOKS, 0, 0, NULL, -1, err);
}

int spawn_recv_hooks_done(int sock, struct tr_err *err)
{
    struct chan_msg m;
    return expect_as(sock, SIDE_CHILD, MSG_HOOKS_DONE, MSG_HOOKS_DONE, &m, NULL, err) < 0 ? -1 : 0;
}

int spawn_send_pty_master(int sock, int master, const char *slave, struct tr_err *err)
{
    return send_as(sock, SIDE_CHILD, MSG_PTY_MASTER, 0, 0, slave, master, err);
}

int spawn_send_seccomp_fd(int sock, int listener_fd, struct tr_err *err)
{
    return write_plain(sock, MSG_SECCOMP_FD, listener_fd, err);
}

int spawn_recv_seccomp_done(int sock, struct tr_err *err)
{
    return read_plain(sock, MSG_SECCOMP_DONE, err);
}

/* The listener fd NUMBER goes to the runtime, which takes it with pidfd_getfd and hands it to
 * the agent: the filtered process itself makes no notified syscall (close, fcntl, sendmsg,
 * recvmsg...) before the agent can answer. */
int spawn_child_seccomp(int sock, const struct seccomp_plan *plan, struct tr_err *err)
{
    int fd;
    if (!plan)
        return 0;
    fd = seccomp_plan_load(plan, err);
    if (fd < 0)
        return tr_prefix(err, "linux.seccomp");
    if (fd == 0)
        return 0;
    if (spawn_send_seccomp_fd(sock, fd, err) < 0)
        return -1;
    return spawn_recv_seccomp_done(sock, err);
}

int spawn_send_ready(int sock, struct tr_err *err)
{
    return send_as(sock, SIDE_CHILD, MSG_READY, 0, 0, NULL, -1, err);
}

static __attribute__((noreturn)) void die_as(int sock, unsigned from, const struct tr_err *err)
{
    struct tr_err ignore;
    send_as(sock, from, MSG_ERROR, err->code, 0, err->msg, -1, &ignore);
    _exit(1);
}

void spawn_die(int sock, const struct tr_err *err)
{
    die_as(sock, SIDE_CHILD, err);
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct clone_args_v2 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};

struct spawn_req {
    unsigned long clone_flags;  /* CLONE_NEW* */
    int cgroup_fd;              /* >= 0: CLONE_INTO_CGROUP */
    int *pidfd;                 /* out: pidfd of the child (CLONE_PIDFD), -1 if unavailable */
};

/* fork-like: returns the child pid in the parent, 0 in the child, -1 + err on failure.
 * *used_cgroup_fd tells the parent whether CLONE_INTO_CGROUP took effect. */
static pid_t spawn_process(const struct spawn_req *r, int *used_cgroup_fd, struct tr_err *err)
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

/* ---- the clone, with the namespace join helper (moved here from namespaces.c) ---- */

/* A runtime that joins namespaces it could not leave again (a rootless runtime cannot setns
 * back into its own namespaces once in ones owned by another user namespace), or a user
 * namespace (what the container creates, a pid namespace included, must belong to it), joins
 * in a short-lived helper instead; the helper's clone3 has CLONE_PARENT, so the container
 * process is still the runtime's child. Root in the initial user namespace joins in place. */
static bool join_in_helper(const struct ns_plan *p)
{
    bool any = false;
    if (p->join_fd[OCI_NS_USER] >= 0)
        return true;
    for (int t = 0; t < OCI_NS__COUNT; t++)
        any |= p->join_fd[t] >= 0;
    return any && (geteuid() != 0 || ns_in_child_userns());
}

static int send_spawned(int sock, pid_t child, int pidfd, bool into_cgroup, struct tr_err *err)
{
    return send_as(sock, SIDE_HELPER, MSG_SPAWNED, child, into_cgroup ? CHAN_F_INTO_CGROUP : 0, NULL, pidfd, err);
}

static int recv_spawned(int sock, pid_t *child, int *pidfd, bool *into_cgroup, struct tr_err *err)
{
    struct chan_msg m;
    if (expect_as(sock, SIDE_RUNTIME, MSG_SPAWNED, MSG_SPAWNED, &m, pidfd, err) < 0)
        return -1;
    *child = m.value;
    *into_cgroup = m.flags & CHAN_F_INTO_CGROUP;
    return 0;
}

/* In the helper process: joins, clones the container process, reports it and exits. Returns
 * only in the container process (0, as fork would). */
static int run_join_helper(struct ns_plan *p, const struct spawn_req *r, int sock, pid_t *pid,
                           int *used_cgroup_fd)
{
    struct spawn_req hr = *r;
    struct tr_err e = { 0 };
    int pidfd = -1, used = 0;
    pid_t c;
    hr.clone_flags |= CLONE_PARENT;
    hr.pidfd = &pidfd;
    if (ns_join_all(p, &e) < 0)
        die_as(sock, SIDE_HELPER, &e);
    c = spawn_process(&hr, &used, &e);
    if (c < 0)
        die_as(sock, SIDE_HELPER, &e);
    if (c > 0) {
        send_spawned(sock, c, pidfd, used, &e);
        _exit(0);
    }
    close(sock);
    p->joined_in_helper = true;
    *pid = 0;
    *used_cgroup_fd = used;
    return 0;
}

static int spawn_via_helper(struct ns_plan *p, const struct spawn_req *r, pid_t *pid, int *used_cgroup_fd,
                            struct tr_err *err)
{
    int hs[2], fd = -1, rc, status;
    bool into = false;
    pid_t h, child = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, hs) < 0)
        return tr_fail(err, errno, "socketpair for the namespace join helper");
    h = fork();
    if (h < 0) {
        close(hs[0]);
        close(hs[1]);
        return tr_fail(err, errno, "fork the namespace join helper");
    }
    if (h == 0) {
        close(hs[0]);
        return run_join_helper(p, r, hs[1], pid, used_cgroup_fd);
    }
    close(hs[1]);
    rc = recv_spawned(hs[0], &child, &fd, &into, err);
    close(hs[0]);
    while (waitpid(h, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        return -1;
    *pid = child;
    *used_cgroup_fd = into;
    if (r->pidfd)
        *r->pidfd = fd;
    else if (fd >= 0)
        close(fd);
    return 0;
}

/* Returns 0 with *pid 0 in the child and *pid > 0 in the parent; -1 on failure, *pid > 0 when
 * a child exists that the caller must kill. */
static int clone_into(struct ns_plan *p, const struct spawn_req *r, pid_t *pid, int *used_cgroup_fd,
                      struct tr_err *err)
{
    struct tr_err e2;
    *pid = -1;
    if (join_in_helper(p))
        return spawn_via_helper(p, r, pid, used_cgroup_fd, err);
    if (ns_parent_enter(p, err) < 0) {
        ns_parent_restore(p, &e2);
        return -1;
    }
    *pid = spawn_process(r, used_cgroup_fd, err);
    if (*pid == 0)
        return 0;
    /* A failed return leaves *pid set: the caller kills that child. */
    if (ns_parent_restore(p, *pid < 0 ? &e2 : err) < 0 && *pid > 0)
        return -1;
    return *pid < 0 ? -1 : 0;
}

/* ---- the parent side: the session ---- */

void spawn_session_init(struct spawn_session *s)
{
    memset(s, 0, sizeof *s);
    s->sock[0] = s->sock[1] = -1;
    s->pid = -1;
    s->pidfd = -1;
    s->pty_master = -1;
    s->who = "child";
}

int spawn_session_open(struct spawn_session *s, struct tr_err *err)
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s->sock) < 0)
        return tr_fail(err, errno, "socketpair for the spawn channel");
    return 0;
}

/* What every child does first: `run` blocks the signals it forwards, and the child starts
 * with none blocked; if the runtime dies before the child is set up, so does the child;
 * until execve nothing else may read its memory or /proc/<pid>/exe (the runtime binary): in a
 * shared pid namespace other container processes can see it (CVE-2019-5736 class).
 * defer_nondumpable: a child in a new user namespace stays dumpable until SETUP_DONE
 * (spawn_child_setup_done), as runc's nsexec does: a non-dumpable task's /proc files belong to
 * the host root, and a rootless runtime could not write its uid_map or open its ns/mnt. */
void spawn_child_prologue(bool defer_nondumpable)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    cgroup_drop_inherited_fds();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (!defer_nondumpable)
        prctl(PR_SET_DUMPABLE, 0);
    tr_log_quiet_stderr();
}

void spawn_child_setup_done(void)
{
    prctl(PR_SET_DUMPABLE, 0);
}

int spawn_session_clone(struct spawn_session *s, struct ns_plan *ns, int cgroup_fd, struct tr_err *err)
{
    struct spawn_req r = { .clone_flags = ns->new_flags, .cgroup_fd = cgroup_fd, .pidfd = &s->pidfd };
    int used = 0;
    if (clone_into(ns, &r, &s->pid, &used, err) < 0)
        return -1;
    if (s->pid == 0) {
        close(s->sock[0]);
        s->sock[0] = -1;
        return 0;
    }
    close(s->sock[1]);
    s->sock[1] = -1;
    s->into_cgroup = used;
    if (s->pidfd < 0)
        s->pidfd = (int) syscall(SYS_pidfd_open, s->pid, 0);
    return 0;
}

/* A send before SETUP_DONE found the child gone (EPIPE): a step it runs before waiting for
 * SETUP_DONE failed (a new network namespace; without a user namespace also the keyring ...
 * sysctl steps), and its ERROR is still queued on the channel: that is the answer. */
static int gone_with_error(struct spawn_session *s, struct tr_err *err)
{
    struct chan_msg m;
    struct tr_err e2 = { 0 };
    if (err->code != EPIPE || chan_recv_wait(s->sock[0], -1, 0, &m, NULL, &e2) < 0 || m.type != MSG_ERROR)
        return -1;
    err->code = m.value;
    snprintf(err->msg, sizeof err->msg, "%s", m.text);
    return -1;
}

int spawn_send_mount_source(struct spawn_session *s, size_t index, int fd, struct tr_err *err)
{
    if (send_as(s->sock[0], SIDE_RUNTIME, MSG_MOUNT_SOURCE, (int32_t) index, 0, NULL, fd, err) < 0)
        return gone_with_error(s, err);
    return 0;
}

int spawn_send_setup_done(struct spawn_session *s, struct tr_err *err)
{
    if (send_as(s->sock[0], SIDE_RUNTIME, MSG_SETUP_DONE, s->pid, 0, NULL, -1, err) < 0)
        return gone_with_error(s, err);
    return 0;
}

static int send_hooks_done(struct spawn_session *s, struct tr_err *err)
{
    return send_as(s->sock[0], SIDE_RUNTIME, MSG_HOOKS_DONE, 0, 0, NULL, -1, err);
}

static int send_seccomp_done(struct spawn_session *s, struct tr_err *err)
{
    return send_as(s->sock[0], SIDE_RUNTIME, MSG_SECCOMP_DONE, 0, 0, NULL, -1, err);
}

/* PTY_MASTER: to --console-socket in one sendmsg, or kept (run, exec in the foreground). */
static int take_pty(struct spawn_session *s, int master, const char *name, struct tr_err *err)
{
    int rc;
    if (!s->console_socket) {
        s->pty_master = master;
        return 0;
    }
    rc = console_socket_send(s->console_socket, master, name, err);
    close(master);
    return rc < 0 ? tr_prefix(err, "--console-socket %s", s->console_socket) : 0;
}

/* SECCOMP_FD: the child's listener fd is fetched by number with pidfd_getfd: the filtered
 * process never makes a possibly-notified syscall to pass it on (see seccomp.h). */
static int take_listener(struct spawn_session *s, const struct spawn_handlers *h, int child_fd,
                         struct tr_err *err)
{
    _cleanup_close_ int fd = (int) syscall(SYS_pidfd_getfd, s->pidfd, child_fd, 0);
    if (fd < 0)
        return tr_fail(err, errno, "pidfd_getfd of the seccomp listener");
    if (h->seccomp_listener(h->ctx, fd, err) < 0)
        return -1;
    return send_seccomp_done(s, err);
}

int spawn_hand_over_listener(const struct oci_seccomp *sc, const struct oci_state *st, int fd, const char *cfg,
                             struct tr_err *err)
{
    _cleanup_free_ char *json = NULL;
    if (!sc->listener_path)
        return tr_failx(err, "%slinux.seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath", cfg);
    json = oci_process_state_to_json(st, sc->listener_metadata, err);
    if (!json || seccomp_send_to_listener(sc->listener_path, fd, json, err) < 0)
        return tr_prefix(err, "linux.seccomp.listenerPath");
    return 0;
}

static int answer_failed(const struct spawn_handlers *h, int timeout_ms, struct tr_err *err)
{
    return h->answer_failed ? h->answer_failed(h->ctx, timeout_ms, err) : -1;
}

int spawn_session_converse(struct spawn_session *s, const struct spawn_handlers *h, struct tr_err *err)
{
    bool hooks_done = !h->run_hooks;
    for (;;) {
        struct chan_msg m;
        int fd = -1;
        uint32_t awaited = hooks_done ? MSG_READY : MSG_RUN_HOOKS;
        int timeout = hooks_done && h->ready_timeout_ms ? h->ready_timeout_ms(h->ctx) : SPAWN_STEP_TIMEOUT_S * 1000;
        if (chan_recv_wait(s->sock[0], s->pidfd, timeout, &m, &fd, err) < 0)
            return h->wait_failed ? h->wait_failed(h->ctx, awaited, timeout, err) : -1;
        if (check_direction(&m, SIDE_RUNTIME, &fd, err) < 0)
            return -1;
        switch (m.type) {
        case MSG_RUN_HOOKS:
            if (!h->run_hooks)
                break;
            if (h->run_hooks(h->ctx, err) < 0 || send_hooks_done(s, err) < 0)
                return answer_failed(h, timeout, err);
            hooks_done = true;
            continue;
        case MSG_PTY_MASTER:
            if (take_pty(s, fd, m.text, err) < 0)
                return -1;
            continue;
        case MSG_SECCOMP_FD:
            if (!h->seccomp_listener)
                break;
            if (take_listener(s, h, m.value, err) < 0)
                return answer_failed(h, timeout, err);
            continue;
        case MSG_READY:
            return 0;
        case MSG_ERROR:
            err->code = m.value;
            snprintf(err->msg, sizeof err->msg, "%s", m.text);
            return -1;
        default:
            break;
        }
        if (fd >= 0)
            close(fd);
        return tr_failx(err, "spawn channel: unexpected %s from the %s", chan_msg_name(m.type), s->who);
    }
}

int spawn_session_wait_closed(struct spawn_session *s, int timeout_ms, struct tr_err *err)
{
    struct chan_msg m;
    if (chan_recv_wait(s->sock[0], s->pidfd, timeout_ms, &m, NULL, err) == 0)
        return tr_failx(err, "spawn channel: unexpected %s from the %s after READY", chan_msg_name(m.type), s->who);
    if (err->code == ETIMEDOUT)
        return -1;
    tr_err_clear(err);
    return 0;
}

void spawn_session_close(struct spawn_session *s)
{
    for (int i = 0; i < 2; i++)
        if (s->sock[i] >= 0)
            close(s->sock[i]);
    if (s->pidfd >= 0)
        close(s->pidfd);
    if (s->pty_master >= 0)
        close(s->pty_master);
    s->sock[0] = s->sock[1] = s->pidfd = s->pty_master = -1;
}
