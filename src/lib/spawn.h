/* The spawn session: the parent <-> child protocol, owned here alone (as runc's
 * libcontainer/sync.go). The runtime clones the child (the init for create, the new process for
 * exec), directly or through a short-lived join helper, and they talk over one SOCK_SEQPACKET
 * socketpair: one fixed-size message per packet, optionally carrying one fd (SCM_RIGHTS).
 *
 * The messages, in protocol order (docs/create-sequence.md has the same table, checked by
 * tests/unit/check-spawn-doc.sh in `make check`):
 *
 * | message      | direction         | payload                                                   |
 * |--------------|-------------------|-----------------------------------------------------------|
 * | SPAWNED      | helper -> runtime | the child's pid, fd: its pidfd, into_cgroup               |
 * | MOUNT_SOURCE | runtime -> child  | index in mounts[], fd: the bind source cloned for the init |
 * | SETUP_DONE   | runtime -> child  | the child's pid as the runtime sees it                    |
 * | RUN_HOOKS    | child -> runtime  | -                                                         |
 * | HOOKS_DONE   | runtime -> child  | -                                                         |
 * | PTY_MASTER   | child -> runtime  | fd: the pty master, the slave's name                      |
 * | SECCOMP_FD   | child -> runtime  | the listener's fd NUMBER in the child (plain write)       |
 * | SECCOMP_DONE | runtime -> child  | - (plain write)                                           |
 * | READY        | child -> runtime  | -                                                         |
 * | ERROR        | child -> runtime  | errno, the one-line error (the helper sends it too)       |
 *
 * Every message has one typed send and one typed receive function below; each checks the
 * direction (a message received by the side that should have sent it is a protocol error).
 * The parent side of a session is spawn_session_*: create and exec supply only handlers. */
#ifndef TINYRUN_SPAWN_H
#define TINYRUN_SPAWN_H
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

enum chan_msg_type {
    MSG_SPAWNED = 1,
    MSG_MOUNT_SOURCE,
    MSG_SETUP_DONE,
    MSG_RUN_HOOKS,
    MSG_HOOKS_DONE,
    MSG_PTY_MASTER,
    MSG_SECCOMP_FD,
    MSG_SECCOMP_DONE,
    MSG_READY,
    MSG_ERROR,
};

/* The wire format (both ends are this binary). */
struct chan_msg {
    uint32_t type;
    int32_t value;              /* pid, index, fd number or errno: see the table */
    uint32_t flags;             /* SPAWNED: CHAN_F_INTO_CGROUP */
    char text[512];             /* PTY_MASTER: slave name; ERROR: the message */
};
#define CHAN_F_INTO_CGROUP 1u

const char *chan_msg_name(uint32_t type);

/* The low level, for the typed functions and for tests: chan_send sends any type (no
 * direction check); chan_recv receives one message, *fd (if non-NULL) gets an attached fd or
 * -1. A closed peer is an error with err->code EPIPE: callers add what they were waiting for. */
int chan_send(int sock, uint32_t type, int32_t value, const char *text, int fd, struct tr_err *err);
int chan_recv(int sock, struct chan_msg *m, int *fd, struct tr_err *err);
/* How long the runtime waits, with the child alive, for its next message (create, exec) or
 * for the init to report and exec (start). The steps between two messages take milliseconds;
 * hooks the child runs in between add their own timeouts (or lift the bound when one has
 * none). runc and crun have no such bound, nor a setting for one: neither has tinyrun. */
#define SPAWN_STEP_TIMEOUT_S 30
/* chan_recv, bounded: the child's exit (pidfd; -1: not watched) or timeout_ms (< 0: none)
 * end the wait too. err->code is ETIMEDOUT on timeout and EPIPE when the peer is gone. */
int chan_recv_wait(int sock, int pidfd, int timeout_ms, struct chan_msg *m, int *fd, struct tr_err *err);
/* Why the child pid went away, in words ("was killed by signal 9 (SIGKILL)", "exited with status 1"),
 * waiting up to a second for its exit to show (the channel closes just before); it is not
 * reaped. Returns the killing signal, 0 for a plain exit, -1 if it is still alive. */
int spawn_exit_cause(pid_t pid, int pidfd, char *buf, size_t len);
/* SIGKILL and reap a child, bounded (a task in a frozen cgroup cannot die until thawed):
 * 0 when reaped, -1 when it is still there after SPAWN_STEP_TIMEOUT_S. */
int spawn_kill_and_reap(pid_t pid, int pidfd);
/* The one-letter state of /proc/<pid>/stat ('T': stopped, 'Z': zombie...), '?' if unknown. */
char spawn_proc_state(pid_t pid);

/* ---- child side: one function per message (sock = the child's end) ---- */
/* MOUNT_SOURCE or SETUP_DONE, whichever comes next. */
struct spawn_setup_msg {
    bool setup_done;            /* SETUP_DONE: host_pid is set; else MOUNT_SOURCE */
    pid_t host_pid;
    size_t index;               /* MOUNT_SOURCE: mounts[index] */
    int fd;                     /* MOUNT_SOURCE: the tree (owned by the caller), -1 if none came */
};
int spawn_recv_setup(int sock, struct spawn_setup_msg *m, struct tr_err *err);
int spawn_send_run_hooks(int sock, struct tr_err *err);
int spawn_recv_hooks_done(int sock, struct tr_err *err);
int spawn_send_pty_master(int sock, int master, const char *slave, struct tr_err *err);
/* The seccomp hand-off, through plain write(2)/read(2): the filtered child must make no
 * syscall a profile may notify (sendmsg, recvmsg, close, fcntl...) before the agent has the
 * listener. SECCOMP_FD carries the fd number; the runtime takes it with pidfd_getfd. */
int spawn_send_seccomp_fd(int sock, int listener_fd, struct tr_err *err);
int spawn_recv_seccomp_done(int sock, struct tr_err *err);
/* The child's seccomp step: load the filter (linux.seccomp; NULL: none) and, when it has a
 * listener (SCMP_ACT_NOTIFY), SECCOMP_FD then wait for SECCOMP_DONE. */
struct seccomp_plan;
int spawn_child_seccomp(int sock, const struct seccomp_plan *plan, struct tr_err *err);
int spawn_send_ready(int sock, struct tr_err *err);
/* What every child does first: no signal blocked (`run` blocks those it forwards), SIGKILL
 * when the runtime dies, not dumpable until execve (CVE-2019-5736 class), stderr quiet. */
void spawn_child_prologue(bool defer_nondumpable);
/* The runtime's /proc work on the child is done (SETUP_DONE received): non-dumpable now. */
void spawn_child_setup_done(void);
/* ERROR: report err to the runtime and _exit(1). */
__attribute__((noreturn)) void spawn_die(int sock, const struct tr_err *err);

/* ---- parent side: the session ---- */
struct ns_plan;
struct spawn_session {
    int sock[2];                /* [0] the runtime's end, [1] the child's */
    pid_t pid;                  /* the child (0 in the child itself, -1 before the clone) */
    int pidfd;
    bool into_cgroup;           /* CLONE_INTO_CGROUP took effect: no cgroup_enter needed */
    const char *console_socket; /* where PTY_MASTER goes (NULL: kept in pty_master) */
    int pty_master;
    const char *who;            /* for errors: "container init", "exec process" */
};
void spawn_session_init(struct spawn_session *s);
/* The channel. */
int spawn_session_open(struct spawn_session *s, struct tr_err *err);
/* fork-like: clone the child into the plan's namespaces (CLONE_NEW* of ns->new_flags plus
 * extra_flags), into cgroup_fd when >= 0 and the kernel can. Joined namespaces are entered
 * around the clone by the runtime itself or, when it could not return from them, or a user
 * namespace is joined, by a short-lived join helper (CLONE_PARENT keeps the child ours; it
 * sends SPAWNED). Returns 0 with s->pid 0 in the child (the runtime's end closed; the child
 * calls spawn_child_prologue first) and s->pid > 0 in the parent (the child's end closed,
 * s->pidfd open); -1 on failure, s->pid > 0 when a child exists to kill. */
int spawn_session_clone(struct spawn_session *s, struct ns_plan *ns, int cgroup_fd, struct tr_err *err);
int spawn_send_mount_source(struct spawn_session *s, size_t index, int fd, struct tr_err *err);
int spawn_send_setup_done(struct spawn_session *s, struct tr_err *err);

/* What create and exec supply: everything else (the waits, the answers, the pty) is the
 * session's. */
struct spawn_handlers {
    void *ctx;
    /* RUN_HOOKS: run the runtime's hooks; the session answers HOOKS_DONE. NULL: RUN_HOOKS is
     * not part of this conversation (READY is awaited from the start). */
    int (*run_hooks)(void *ctx, struct tr_err *err);
    /* SECCOMP_FD: fd is the listener, already taken from the child (closed by the session
     * after); the session answers SECCOMP_DONE. See spawn_hand_over_listener. */
    int (*seccomp_listener)(void *ctx, int fd, struct tr_err *err);
    /* The bound of the wait for READY after RUN_HOOKS (NULL: SPAWN_STEP_TIMEOUT_S). */
    int (*ready_timeout_ms)(void *ctx);
    /* A wait for `awaited` ended without it (err->code ETIMEDOUT, EPIPE, other): name why. */
    int (*wait_failed)(void *ctx, uint32_t awaited, int timeout_ms, struct tr_err *err);
    /* A handler or the session's answer failed (NULL: the error as is). */
    int (*answer_failed)(void *ctx, int timeout_ms, struct tr_err *err);
};
/* Answers the child's messages until READY (returns 0) or an ERROR, a failed handler, a
 * failed wait (-1). */
int spawn_session_converse(struct spawn_session *s, const struct spawn_handlers *h, struct tr_err *err);
/* After READY: wait for the channel's end of file (the child closed its end, or exited).
 * -1 on another message, or with err->code ETIMEDOUT after timeout_ms. */
int spawn_session_wait_closed(struct spawn_session *s, int timeout_ms, struct tr_err *err);
/* Closes what is still open (the channel, the pidfd, a kept pty master). */
void spawn_session_close(struct spawn_session *s);
/* For a seccomp_listener handler: the listener with the container process state st to
 * linux.seccomp.listenerPath (errors about the config prefixed with cfg, "" or "config.json: "). */
int spawn_hand_over_listener(const struct oci_seccomp *sc, const struct oci_state *st, int fd, const char *cfg,
                             struct tr_err *err);

#endif
