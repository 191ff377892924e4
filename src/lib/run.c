/* `run`: create + start in one process that stays the init's parent, forwards signals to it,
 * relays its terminal when there is no --console-socket, and returns its exit status. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include "container-internal.h"
#include "log.h"
#include "terminal.h"
#include "trace.h"
#include "util.h"

/* Every signal a shell user may send to the runtime goes to the container instead. */
void forwardable_signals(sigset_t *set)
{
    sigemptyset(set);
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP || s == SIGCHLD || s == SIGSEGV || s == SIGBUS ||
            s == SIGILL || s == SIGFPE || s == SIGABRT || s == SIGTTIN || s == SIGTTOU || s == SIGTSTP)
            continue;
        if (s >= 32 && s < SIGRTMIN)    /* glibc's internal signals */
            continue;
        sigaddset(set, s);
    }
}

static int exit_code_of(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

int wait_forwarding(pid_t pid, int pidfd, const sigset_t *set, int *exit_code, struct tr_err *err)
{
    _cleanup_close_ int sfd = signalfd(-1, set, SFD_CLOEXEC);
    struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
    int status;
    if (sfd < 0)
        return tr_fail(err, errno, "signalfd");
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return tr_fail(err, errno, "poll");
        }
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si)
                kill(pid, (int) si.ssi_signo);
        }
        if (p[0].revents)
            break;
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return tr_fail(err, errno, "waitpid %d", (int) pid);
    }
    *exit_code = exit_code_of(status);
    return 0;
}

/* Like `delete --force`, locked anew: another runtime may have deleted it meanwhile. */
void delete_after_run(const struct tr_ctx *ctx, struct tr_container *c, const struct oci_spec *spec)
{
    _cleanup_free_ char *id = xstrdup(c->id);
    struct tr_err e2 = { 0 };
    state_close(c);
    if (state_open(tr_state_root(ctx), id, true, c, &e2) < 0) {
        if (!strstr(e2.msg, "does not exist"))
            tr_warn("delete after run: %s", e2.msg);
        return;
    }
    if (container_destroy_locked(c, spec, true, &e2) < 0)
        tr_warn("delete after run: %s", e2.msg);
}

/* While run creates and starts, nothing is forwarded yet: a SIGTERM, SIGINT, SIGHUP or SIGQUIT
 * then kills the init (known from the create's pending record, state.h), which ends every wait
 * on it; the failed create or start cleans up, and run names the signal. */
static void abort_signals(sigset_t *set)
{
    static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };
    sigemptyset(set);
    for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
        sigaddset(set, sigs[i]);
}

/* on: handle the abort signals (unblocked); off: block them again for the signalfd that
 * forwards them, then restore their default action. */
static void catch_abort_signals(struct tr_container *c, bool on)
{
    sigset_t set;
    struct sigaction sa = { .sa_handler = on ? setup_abort_handler : SIG_DFL };
    abort_signals(&set);
    if (!on)
        sigprocmask(SIG_BLOCK, &set, NULL);
    setup_abort_watch(on ? c : NULL);
    for (int s = 1; s < NSIG; s++)
        if (sigismember(&set, s) == 1)
            sigaction(s, &sa, NULL);
    if (on)
        sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static int setup_aborted(const char *id, struct tr_err *err)
{
    const char *abbrev = sigabbrev_np(setup_abort_signal());
    return tr_failx(err, "run %s: interrupted by SIG%s while the container was being set up: its init was killed "
                    "and the container removed", id, abbrev ? abbrev : "?");
}

int tr_run(const struct tr_ctx *ctx, const struct tr_create_opts *o, bool detach, bool keep,
           int *exit_code, struct tr_err *err)
{
    struct tr_container c;
    struct create_result res;
    sigset_t set, old;
    int rc;
    *exit_code = 0;
    forwardable_signals(&set);
    sigprocmask(SIG_BLOCK, &set, &old);
    memset(&c, 0, sizeof c);
    catch_abort_signals(&c, true);
    rc = container_create(ctx, o, !detach, &c, &res, err);
    if (rc < 0) {
        catch_abort_signals(&c, false);
        if (setup_abort_signal())
            setup_aborted(o->id, err);
        goto out_mask;
    }
    /* The caller's window size before the process runs (the relay keeps it up to date). */
    if (res.pty_master >= 0)
        pty_copy_caller_size(res.pty_master);
    tr_trace("runtime", "start");
    rc = container_start_locked(&c, res.spec, err);
    catch_abort_signals(&c, false);
    if (rc == 0 && setup_abort_signal())
        rc = setup_aborted(c.id, err);
    if (rc < 0) {
        struct tr_err e2;
        if (setup_abort_signal())
            setup_aborted(c.id, err);
        container_destroy_locked(&c, res.spec, true, &e2);
        goto out;
    }
    if (detach)
        goto out;
    /* Unlocked while it runs, as with create + start: delete --force, pause, update... from
     * another shell must not wait for the process to exit. */
    if (flock(c.dirfd, LOCK_UN) < 0)
        tr_debug("run: unlock %s: %s", c.dir, strerror(errno));
    if (res.pty_master >= 0) {
        rc = tty_relay_forward(res.pty_master, res.pidfd, res.pidfd, &set, err);
        close(res.pty_master);
        res.pty_master = -1;
        if (rc < 0)
            tr_warn("terminal relay: %s", err->msg);
    }
    tr_trace("runtime", "wait for the container to exit");
    rc = wait_forwarding(res.pid, res.pidfd, &set, exit_code, err);
    tr_trace("runtime", "delete");
    if (!keep)
        delete_after_run(ctx, &c, res.spec);
out:
    if (res.pty_master >= 0)
        close(res.pty_master);
    if (res.pidfd >= 0)
        close(res.pidfd);
    oci_free(res.spec);
    state_close(&c);
out_mask:
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}
