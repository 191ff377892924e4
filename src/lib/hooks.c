/* OCI hooks (runtime-spec config.md "POSIX-platform Hooks").
 *
 * A hook is exec'd with path + args as its complete argv and env as its exact environment; the
 * state JSON is written to its stdin. Its stdout/stderr are captured (bounded) so that a failure
 * can be reported in ONE line. hooks_run() may be called from the runtime (prestart,
 * createRuntime, poststart, poststop) or from the init child inside the container's namespaces
 * (createContainer, startContainer), so this file only uses fork/execve/poll/waitpid and never
 * relies on anything the container might not have (no /proc walking, no PATH search).
 *
 * A hook without a timeout is waited on until it exits (the spec gives no default, nor do runc
 * and crun). What bounds that wait is the caller: a SIGTERM, SIGINT or SIGHUP to the runtime
 * while it waits (a shim's own timeout, a user's ^C) kills the hook's process group and fails
 * with the hook named, so the caller's undo runs; a SIGKILLed runtime takes the hook with it
 * (PR_SET_PDEATHSIG). See docs/create-sequence.md, "Hooks without a timeout". */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/close_range.h>
#include "hooks.h"
#include "log.h"
#include "util.h"

#define HOOK_OUTPUT_MAX 4096

/* The spec's names (also the keys in config.json), used in messages and JSON paths. */
static const char *const hook_kind_names[OCI_HOOK__COUNT] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

static const char *kind_name(enum oci_hook_kind kind)
{
    return (unsigned) kind < OCI_HOOK__COUNT ? hook_kind_names[kind] : "unknown";
}

/* Bounded capture: keep the first HOOK_OUTPUT_MAX bytes, drain (and drop) the rest so that a
 * chatty hook never blocks on a full pipe. */
struct capture {
    int fd;
    size_t len;
    bool truncated;
    char buf[HOOK_OUTPUT_MAX + 1];
};

struct hook_child {
    pid_t pid;          /* also the hook's process group: what a timeout or a signal kills */
    int pidfd;          /* -1 when pidfd_open is unavailable: then waitpid(WNOHANG) polling */
    int in_fd;          /* write end of the hook's stdin; -1 once everything is written/closed */
    int exec_err_fd;    /* read end of the CLOEXEC pipe the child reports a failed execve on */
    int sig_fd;         /* signalfd of the abort signals, blocked while the hook runs */
    int abort_sig;      /* the abort signal that ended the wait, 0 if none */
    long long started_ms;
    struct capture out, err;
};

/* The signals that mean "stop what you are doing" to a runtime waiting on a hook. */
static void abort_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* ---- child side (between fork and execve: async-signal-safe calls only) ------------------ */

static void child_mark_cloexec(void)
{
    /* Every fd the runtime holds (sync sockets, the console socket, the exec fifo, the
     * seccomp fd...) must not leak into the hook. CLOEXEC rather than close so that the
     * exec-error pipe survives until execve. */
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    for (int fd = 3; fd < 65536; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC))
            fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    }
}

static void child_reset_signals(void)
{
    sigset_t none;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    /* Ignored signals survive execve; the runtime ignores SIGPIPE while feeding stdin. */
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int move_fd_to(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);       /* clear CLOEXEC */
    return dup2(fd, target);                /* dup2 clears CLOEXEC on the target */
}

static void __attribute__((noreturn))
child_exec(const char *path, char *const *argv, char *const *envp, pid_t parent, int in_fd,
           int out_fd, int err_fd, int report_fd)
{
    int e;

    child_reset_signals();
    /* Its own process group, so that what it forks dies with it on a timeout or an abort;
     * and it dies with the runtime, should that be SIGKILLed while it waits. */
    if (setpgid(0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        goto fail;
    if (getppid() != parent)
        _exit(127);     /* the runtime died before PDEATHSIG was armed */
    /* When the runtime runs with some of 0-2 closed, pipe2 hands out low fds; lift every fd
     * we need above 2 first so that the dup2 sequence cannot clobber one of them. */
    int fds[4] = { in_fd, out_fd, err_fd, report_fd };
    for (int i = 0; i < 4; i++) {
        if (fds[i] < 3) {
            int n = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
            if (n < 0)
                goto fail;
            fds[i] = n;
        }
    }
    report_fd = fds[3];
    for (int i = 0; i < 3; i++)
        if (move_fd_to(fds[i], i) < 0)
            goto fail;
    child_mark_cloexec();
    execve(path, argv, envp);
fail:
    e = errno;
    if (write(report_fd, &e, sizeof e) < 0) {
        /* nothing more can be done */
    }
    _exit(127);
}

/* ---- parent side ----------------------------------------------------------------------- */

static void capture_read(struct capture *c)
{
    char scratch[4096];
    for (;;) {
        char *dst = scratch;
        size_t room = sizeof scratch;
        if (c->len < HOOK_OUTPUT_MAX) {
            dst = c->buf + c->len;
            room = HOOK_OUTPUT_MAX - c->len;
        }
        ssize_t n = read(c->fd, dst, room);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {               /* EOF or error: stop watching this pipe */
            close_fd(&c->fd);
            return;
        }
        if (dst == scratch)
            c->truncated = true;
        else
            c->len += (size_t) n;
    }
}

/* Feed as much of the state JSON as the pipe takes; close stdin when done or when the hook
 * closed its end (EPIPE is fine: a hook does not have to read its state). */
static void feed_stdin(struct hook_child *h, const char *data, size_t len, size_t *off)
{
    while (*off < len) {
        ssize_t n = write(h->in_fd, data + *off, len - *off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0)
            break;
        *off += (size_t) n;
    }
    close_fd(&h->in_fd);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Returns 1 when the child has exited (status in *status), 0 if not yet. */
static int child_reaped(struct hook_child *h, int *status)
{
    pid_t r;
    do
        r = waitpid(h->pid, status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == h->pid || (r < 0 && errno == ECHILD)) {
        if (r < 0)
            *status = 0;
        h->pid = -1;
        return 1;
    }
    return 0;
}

/* SIGKILL to the hook's process group (what it forked too), then reap the hook itself. */
static void kill_and_reap(struct hook_child *h, int *status)
{
    if (kill(-h->pid, SIGKILL) < 0)
        kill(h->pid, SIGKILL);
    while (waitpid(h->pid, status, 0) < 0 && errno == EINTR)
        ;
    h->pid = -1;
}

/* An abort signal is pending on the signalfd: take it (the runtime then fails instead of
 * dying by it, and its undo runs). Returns the signal, 0 if none. */
static int take_abort_signal(struct hook_child *h)
{
    struct signalfd_siginfo si;
    ssize_t n;
    if (h->sig_fd < 0)
        return 0;
    do
        n = read(h->sig_fd, &si, sizeof si);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t) sizeof si ? (int) si.ssi_signo : 0;
}

/* Drive the hook until it exits, the deadline passes or an abort signal comes. Returns 0 with
 * *status set, 1 on timeout or 2 on an abort signal (the hook's group SIGKILLed, the hook
 * reaped). Output still buffered in the pipes when the hook exits is collected; a grandchild
 * holding the pipes open does not keep us waiting. */
static int supervise(struct hook_child *h, const char *data, size_t len, long long deadline,
                     int *status)
{
    size_t off = 0;
    feed_stdin(h, data, len, &off);
    for (;;) {
        struct pollfd p[5];
        int np = 0, timeout = -1;
        if (child_reaped(h, status))
            break;
        if (h->in_fd >= 0)
            p[np++] = (struct pollfd) { .fd = h->in_fd, .events = POLLOUT };
        if (h->out.fd >= 0)
            p[np++] = (struct pollfd) { .fd = h->out.fd, .events = POLLIN };
        if (h->err.fd >= 0)
            p[np++] = (struct pollfd) { .fd = h->err.fd, .events = POLLIN };
        if (h->sig_fd >= 0)
            p[np++] = (struct pollfd) { .fd = h->sig_fd, .events = POLLIN };
        if (h->pidfd >= 0)
            p[np++] = (struct pollfd) { .fd = h->pidfd, .events = POLLIN };
        else
            timeout = 20;
        if ((h->abort_sig = take_abort_signal(h)) != 0) {
            kill_and_reap(h, status);
            return 2;
        }
        if (deadline > 0) {
            long long left = deadline - now_ms();
            if (left <= 0) {
                kill_and_reap(h, status);
                return 1;
            }
            if (timeout < 0 || left < timeout)
                timeout = (int) left;
        }
        if (np == 0 && timeout < 0)
            timeout = 20;
        if (poll(p, (nfds_t) np, timeout) < 0 && errno != EINTR)
            timeout = 20;       /* should not happen; fall back to polling waitpid */
        for (int i = 0; i < np; i++) {
            if (!p[i].revents)
                continue;
            if (p[i].fd == h->in_fd)
                feed_stdin(h, data, len, &off);
            else if (p[i].fd == h->out.fd)
                capture_read(&h->out);
            else if (p[i].fd == h->err.fd)
                capture_read(&h->err);
        }
    }
    /* Collect what the hook wrote before exiting (pipes are non-blocking). */
    if (h->out.fd >= 0)
        capture_read(&h->out);
    if (h->err.fd >= 0)
        capture_read(&h->err);
    return 0;
}

/* Fold captured output to one line: control characters and runs of whitespace become one
 * space; leading/trailing space trimmed. */
static void fold_line(struct capture *c)
{
    size_t o = 0;
    bool space = true;          /* swallow leading whitespace */
    for (size_t i = 0; i < c->len; i++) {
        unsigned char ch = (unsigned char) c->buf[i];
        if (ch < 0x20 || ch == 0x7f || ch == ' ') {
            if (!space)
                c->buf[o++] = ' ';
            space = true;
            continue;
        }
        c->buf[o++] = (char) ch;
        space = false;
    }
    while (o > 0 && c->buf[o - 1] == ' ')
        o--;
    c->buf[o] = '\0';
    c->len = o;
}

static void make_status_error(struct hook_child *h, const char *prefix, int status,
                              struct tr_err *err)
{
    char what[64];
    if (WIFSIGNALED(status)) {
        const char *abbrev = sigabbrev_np(WTERMSIG(status));
        snprintf(what, sizeof what, "killed by signal %d (SIG%s)", WTERMSIG(status),
                 abbrev ? abbrev : "?");
    } else {
        snprintf(what, sizeof what, "exited with status %d", WEXITSTATUS(status));
    }
    fold_line(&h->err);
    fold_line(&h->out);
    if (h->err.len && h->out.len)
        tr_failx(err, "%s: %s: %s%s (stdout: %s%s)", prefix, what, h->err.buf,
                 h->err.truncated ? "..." : "", h->out.buf, h->out.truncated ? "..." : "");
    else if (h->err.len || h->out.len) {
        struct capture *c = h->err.len ? &h->err : &h->out;
        tr_failx(err, "%s: %s: %s%s", prefix, what, c->buf, c->truncated ? "..." : "");
    } else
        tr_failx(err, "%s: %s", prefix, what);
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Pipes, fork, execve in the child. On success h holds the pid and the parent's pipe ends
 * (non-blocking). The pipes are created here, before fork, so the child needs no allocation. */
static int hook_spawn(const struct oci_hook *hook, const char *prefix, struct hook_child *h,
                      struct tr_err *err)
{
    int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, prep[2] = { -1, -1 };
    _cleanup_free_ char **argv = xzalloc((hook->args_len + 2) * sizeof *argv);
    _cleanup_free_ char **envp = xzalloc((hook->env_len + 1) * sizeof *envp);
    pid_t parent = getpid();
    int ret = -1;

    /* The spec model keeps counted arrays; execve wants NULL-terminated ones. args is the
     * complete argv (argv[0] included); without args, argv[0] is the path. env is the exact
     * environment: absent means empty, not inherited. */
    if (hook->args_len > 0)
        memcpy(argv, hook->args, hook->args_len * sizeof *argv);
    else
        argv[0] = hook->path;
    if (hook->env_len > 0)
        memcpy(envp, hook->env, hook->env_len * sizeof *envp);
    if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0
        || pipe2(prep, O_CLOEXEC) < 0) {
        tr_fail(err, errno, "%s: pipe2", prefix);
        goto out;
    }
    h->pid = fork();
    if (h->pid < 0) {
        tr_fail(err, errno, "%s: fork", prefix);
        goto out;
    }
    if (h->pid == 0)
        child_exec(hook->path, argv, envp, parent, pin[0], pout[1], perr[1], prep[1]);
    setpgid(h->pid, h->pid);   /* as the child does: whichever runs first */
    h->started_ms = now_ms();
    h->in_fd = steal_fd(&pin[1]);
    h->out.fd = steal_fd(&pout[0]);
    h->err.fd = steal_fd(&perr[0]);
    h->exec_err_fd = steal_fd(&prep[0]);
    set_nonblock(h->in_fd);
    set_nonblock(h->out.fd);
    set_nonblock(h->err.fd);
    set_nonblock(h->exec_err_fd);
    h->pidfd = (int) syscall(SYS_pidfd_open, h->pid, 0);
    ret = 0;
out:
    for (int i = 0; i < 2; i++) {
        close_fd(&pin[i]);
        close_fd(&pout[i]);
        close_fd(&perr[i]);
        close_fd(&prep[i]);
    }
    return ret;
}

static void hook_child_release(struct hook_child *h)
{
    int status;
    if (h->pid > 0)
        kill_and_reap(h, &status);
    close_fd(&h->in_fd);
    close_fd(&h->out.fd);
    close_fd(&h->err.fd);
    close_fd(&h->exec_err_fd);
    close_fd(&h->pidfd);
    close_fd(&h->sig_fd);
}

static int run_one(const struct oci_hook *hook, enum oci_hook_kind kind, size_t idx,
                   const char *state_json, struct tr_err *err)
{
    char prefix[300];
    struct hook_child h = { .pid = -1, .pidfd = -1, .in_fd = -1, .exec_err_fd = -1, .sig_fd = -1 };
    struct sigaction ign, dfl, old_pipe, old_chld;
    sigset_t aborts, old_mask;
    int status = 0, ret = -1, exec_errno = 0, timed_out;
    long long deadline = 0;

    snprintf(prefix, sizeof prefix, "%s hook #%zu (%s)", kind_name(kind), idx,
             hook->path ? hook->path : "(null)");
    if (!hook->path || hook->path[0] != '/')
        return tr_failx(err, "%s: path must be absolute; fix hooks.%s[%zu].path in config.json",
                        prefix, kind_name(kind), idx);
    h.out.fd = h.err.fd = -1;
    if (hook->has_timeout && hook->timeout > 0)
        deadline = now_ms() + (long long) hook->timeout * 1000;

    /* SIGPIPE ignored: a hook does not have to read its state. SIGCHLD default: with SIG_IGN
     * (or a reaping handler) in the caller, the hook's exit status would be lost. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &ign, &old_pipe);
    sigaction(SIGCHLD, &dfl, &old_chld);
    /* Blocked before the fork (the child unblocks all), so none is lost in between. */
    abort_signal_set(&aborts);
    sigprocmask(SIG_BLOCK, &aborts, &old_mask);
    h.sig_fd = signalfd(-1, &aborts, SFD_CLOEXEC | SFD_NONBLOCK);
    if (h.sig_fd < 0) {
        /* then the signals keep their old effect rather than wait for the hook's end */
        tr_debug("%s: signalfd: %s: an abort signal will not name the hook", prefix, strerror(errno));
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
    }
    if (hook_spawn(hook, prefix, &h, err) < 0)
        goto out;
    timed_out = supervise(&h, state_json ? state_json : "", state_json ? strlen(state_json) : 0,
                          deadline, &status);

    /* The report pipe has data only if the child failed before or at execve. */
    if (read(h.exec_err_fd, &exec_errno, sizeof exec_errno) == (ssize_t) sizeof exec_errno) {
        tr_fail(err, exec_errno, "%s: execve", prefix);
        if (exec_errno == ENOENT || exec_errno == EACCES || exec_errno == ENOEXEC)
            tr_hint(err, "check hooks.%s[%zu].path in config.json", kind_name(kind), idx);
    } else if (timed_out == 2) {
        const char *abbrev = sigabbrev_np(h.abort_sig);
        tr_failx(err, "hooks.%s[%zu] (%s): still running after %lld s, killed: tinyrun received SIG%s",
                 kind_name(kind), idx, hook->path, (now_ms() - h.started_ms + 500) / 1000,
                 abbrev ? abbrev : "?");
        tr_hint(err, "give hooks.%s[%zu] a timeout to bound it", kind_name(kind), idx);
        err->code = EINTR;
    } else if (timed_out) {
        tr_failx(err, "%s: timed out after %d s", prefix, hook->timeout);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        tr_debug("%s: ok", prefix);
        ret = 0;
    } else {
        make_status_error(&h, prefix, status, err);
    }
out:
    hook_child_release(&h);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGCHLD, &old_chld, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    return ret;
}

int hooks_run(const struct oci_hook *hooks, size_t n, enum oci_hook_kind kind,
              const char *state_json, struct tr_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (run_one(&hooks[i], kind, i, state_json, err) < 0)
            return -1;
    return 0;
}

void hooks_run_warn(const struct oci_hook *hooks, size_t n, enum oci_hook_kind kind,
                    const char *state_json)
{
    for (size_t i = 0; i < n; i++) {
        struct tr_err err;
        tr_err_clear(&err);
        if (run_one(&hooks[i], kind, i, state_json, &err) < 0) {
            tr_warn("%s", err.msg);
            if (err.code == EINTR)
                return;     /* told to stop: the later hooks are not run either */
        }
    }
}

bool hooks_create_exchange(const struct oci_hooks *h)
{
    return h->len[OCI_HOOK_PRESTART] || h->len[OCI_HOOK_CREATE_RUNTIME] || h->len[OCI_HOOK_CREATE_CONTAINER] ||
           h->len[OCI_HOOK_POSTSTOP];
}
