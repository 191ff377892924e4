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
/* Receive and require type `want`; a MSG_ERROR from the peer becomes *err verbatim. */
int chan_expect(int sock, uint32_t want, struct chan_msg *m, int *fd, struct tr_err *err);
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
