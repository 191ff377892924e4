/* Process creation (clone3 with CLONE_INTO_CGROUP when possible, clone fallback) and the typed
 * parent <-> child channel: one SOCK_SEQPACKET socketpair, one fixed-size message per packet,
 * optionally carrying one fd (SCM_RIGHTS). Every message is listed in docs/create-sequence.md. */
#ifndef TINYRUN_SPAWN_H
#define TINYRUN_SPAWN_H
#include <stdint.h>
#include <sys/types.h>
#include "error.h"

enum chan_msg_type {
    MSG_SETUP_DONE = 1,     /* P->C: uid/gid maps written, cgroup entered, resources applied */
    MSG_RUN_HOOKS,          /* C->P: mounts done; run prestart + createRuntime now */
    MSG_HOOKS_DONE,         /* P->C: those hooks succeeded */
    MSG_PTY_MASTER,         /* C->P: fd = pty master, text = slave name */
    MSG_SECCOMP_FD,         /* C->P: value = listener fd NUMBER in the child (pidfd_getfd) */
    MSG_SECCOMP_DONE,       /* P->C: the listener has the fd; notified syscalls may proceed */
    MSG_READY,              /* C->P: all set; (init) waiting on exec.fifo / (exec) about to execve */
    MSG_ERROR,              /* C->P: value = errno, text = the one-line error */
    MSG_SPAWNED,            /* join helper->P: value = child pid, fd = its pidfd, text "cgroup"
                             * when CLONE_INTO_CGROUP took effect (see ns_spawn) */
    MSG_MOUNT_SOURCE,       /* P->C, before SETUP_DONE: value = index in mounts[], fd = the bind
                             * source cloned in the init's mount namespace (mount-sources.c) */
};

struct chan_msg {
    uint32_t type;
    int32_t value;
    char text[512];
};

const char *chan_msg_name(uint32_t type);
int chan_send(int sock, uint32_t type, int32_t value, const char *text, int fd, struct tr_err *err);
/* Receives one message; *fd (if non-NULL) gets an attached fd or -1. A closed peer is an error
 * "the container process exited before ...": callers add what they were waiting for. */
int chan_recv(int sock, struct chan_msg *m, int *fd, struct tr_err *err);
/* How long the runtime waits, with the child alive, for its next message (create, exec) or
 * for the init to report and exec (start). The steps between two messages take milliseconds;
 * hooks the child runs in between add their own timeouts (or lift the bound when one has
 * none). runc and crun have no such bound, nor a setting for one: neither has tinyrun. */
#define SPAWN_STEP_TIMEOUT_S 30
/* chan_recv, bounded: the child's exit (pidfd; -1: not watched) or timeout_ms (< 0: none)
 * end the wait too. err->code is ETIMEDOUT on timeout and EPIPE when the peer is gone. */
int chan_recv_wait(int sock, int pidfd, int timeout_ms, struct chan_msg *m, int *fd, struct tr_err *err);
/* Why the child pid went away, in words ("was killed by SIGKILL", "exited with status 1"),
 * waiting up to a second for its exit to show (the channel closes just before); it is not
 * reaped. Returns the killing signal, 0 for a plain exit, -1 if it is still alive. */
int spawn_exit_cause(pid_t pid, int pidfd, char *buf, size_t len);
/* SIGKILL and reap a child, bounded (a task in a frozen cgroup cannot die until thawed):
 * 0 when reaped, -1 when it is still there after SPAWN_STEP_TIMEOUT_S. */
int spawn_kill_and_reap(pid_t pid, int pidfd);
/* The one-letter state of /proc/<pid>/stat ('T': stopped, 'Z': zombie...), '?' if unknown. */
char spawn_proc_state(pid_t pid);
/* Receive and require type `want`; a MSG_ERROR from the peer becomes *err verbatim. */
int chan_expect(int sock, uint32_t want, struct chan_msg *m, int *fd, struct tr_err *err);
/* The same for either of two types: returns the type received, or -1. */
int chan_expect_either(int sock, uint32_t want, uint32_t or_this, struct chan_msg *m, int *fd, struct tr_err *err);
/* The same without fds, through plain write(2)/read(2): for the seccomp hand-off, where the
 * child must make no syscall a profile may notify (sendmsg, recvmsg, close, fcntl...). */
int chan_write_plain(int sock, uint32_t type, int32_t value, struct tr_err *err);
int chan_read_plain(int sock, uint32_t want, struct tr_err *err);
/* Child side: report err to the parent and _exit(1). */
__attribute__((noreturn)) void chan_die(int sock, const struct tr_err *err);

struct spawn_req {
    unsigned long clone_flags;  /* CLONE_NEW* */
    int cgroup_fd;              /* >= 0: CLONE_INTO_CGROUP */
    int *pidfd;                 /* out: pidfd of the child (CLONE_PIDFD), -1 if unavailable */
};
/* fork-like: returns the child pid in the parent, 0 in the child, -1 + err on failure.
 * *used_cgroup_fd tells the parent whether CLONE_INTO_CGROUP took effect. */
pid_t spawn_process(const struct spawn_req *r, int *used_cgroup_fd, struct tr_err *err);

#endif
