/* Foreground terminal relay for `run`/`exec -t` without --console-socket: the caller's
 * terminal is put in raw mode (the container's pty does the line discipline) and bytes are
 * copied both ways until the container side hangs up or stop_fd becomes readable. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include "log.h"
#include "terminal.h"
#include "util.h"

struct relay {
    int master, stop_fd, sig_fd;
    int fwd_pidfd;                  /* signals in fwd go there (-1: none) */
    sigset_t fwd;
    bool in_open;                   /* still reading our stdin */
    bool raw;                       /* stdin was switched to raw mode: restore it */
    struct termios saved;
    sigset_t saved_mask;
    bool mask_changed;
    char pending[4096];             /* stdin bytes not yet accepted by the master */
    size_t plen, poff;
};

static void forward_winsize(struct relay *r)
{
    struct winsize ws;
    /* stdout is the terminal the user sees; stdin may be redirected. */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0)
        return;
    if (ioctl(r->master, TIOCSWINSZ, &ws) < 0)
        tr_debug("tty relay: TIOCSWINSZ on the container terminal: %s", strerror(errno));
}

static int relay_setup(struct relay *r, struct tr_err *err)
{
    sigset_t watched = r->fwd;
    int fl = fcntl(r->master, F_GETFL);
    if (fl < 0 || fcntl(r->master, F_SETFL, fl | O_NONBLOCK) < 0)
        return tr_fail(err, errno, "tty relay: fcntl(O_NONBLOCK) on the terminal master");
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &r->saved) == 0) {
        struct termios raw = r->saved;
        /* Fully raw, output processing included: the container's pty already turns "\n"
         * into "\r\n"; doing it again here would print "\r\r\n". */
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
            return tr_fail(err, errno, "tty relay: set the terminal to raw mode");
        r->raw = true;
    }
    /* SIGWINCH is ours (never forwarded: resizing the pty signals the container's foreground
     * process group already); the others are relayed to fwd_pidfd while we are busy here. */
    sigaddset(&watched, SIGWINCH);
    if (sigprocmask(SIG_BLOCK, &watched, &r->saved_mask) < 0)
        return tr_fail(err, errno, "tty relay: block signals");
    r->mask_changed = true;
    r->sig_fd = signalfd(-1, &watched, SFD_CLOEXEC | SFD_NONBLOCK);
    if (r->sig_fd < 0)
        return tr_fail(err, errno, "tty relay: signalfd");
    forward_winsize(r);
    return 0;
}

static void relay_teardown(struct relay *r)
{
    if (r->raw)
        tcsetattr(STDIN_FILENO, TCSADRAIN, &r->saved);
    if (r->sig_fd >= 0)
        close(r->sig_fd);
    if (r->mask_changed)
        sigprocmask(SIG_SETMASK, &r->saved_mask, NULL);
}

/* Copy what the master has to stdout. Returns 1 when the container side hung up (EIO/EOF),
 * 0 when it would block, -1 on a stdout error. */
static int pump_master(struct relay *r, struct tr_err *err)
{
    char buf[8192];
    for (;;) {
        ssize_t n = read(r->master, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0)             /* EIO: the last slave fd closed */
            return 1;
        if (write_all(STDOUT_FILENO, buf, (size_t) n) < 0)
            return tr_fail(err, errno, "tty relay: write to stdout");
    }
}

/* Read stdin into the pending buffer (only when it is empty). On EOF of a non-terminal
 * stdin, send the pty's EOF character so that the container sees end of input. */
static int pump_stdin(struct relay *r, struct tr_err *err)
{
    ssize_t n;
    do
        n = read(STDIN_FILENO, r->pending, sizeof r->pending);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return 0;
    if (n < 0)
        return tr_fail(err, errno, "tty relay: read stdin");
    if (n == 0) {
        struct termios t;
        r->in_open = false;
        if (tcgetattr(r->master, &t) == 0 && (t.c_lflag & ICANON)) {
            r->pending[0] = (char) t.c_cc[VEOF];
            r->plen = 1;
            r->poff = 0;
        }
        return 0;
    }
    r->plen = (size_t) n;
    r->poff = 0;
    return 0;
}

static void flush_pending(struct relay *r)
{
    while (r->poff < r->plen) {
        ssize_t n = write(r->master, r->pending + r->poff, r->plen - r->poff);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) {                /* container side gone: drop the input */
            r->poff = r->plen;
            break;
        }
        r->poff += (size_t) n;
    }
    r->plen = r->poff = 0;
}

static void handle_signals(struct relay *r)
{
    struct signalfd_siginfo si;
    bool resized = false;
    while (read(r->sig_fd, &si, sizeof si) == (ssize_t) sizeof si) {
        int sig = (int) si.ssi_signo;
        if (sig == SIGWINCH)
            resized = true;
        else if (r->fwd_pidfd >= 0 && syscall(SYS_pidfd_send_signal, r->fwd_pidfd, sig, NULL, 0) < 0)
            tr_debug("tty relay: forward signal %d: %s", sig, strerror(errno));
    }
    if (resized)
        forward_winsize(r);
}

static int relay_loop(struct relay *r, struct tr_err *err)
{
    for (;;) {
        struct pollfd p[4];
        int np = 0, i_in = -1, i_stop = -1, i_sig;
        short mev = POLLIN | (r->plen > r->poff ? POLLOUT : 0);
        p[np++] = (struct pollfd) { .fd = r->master, .events = mev };
        i_sig = np;
        p[np++] = (struct pollfd) { .fd = r->sig_fd, .events = POLLIN };
        if (r->in_open && r->plen == 0) {
            i_in = np;
            p[np++] = (struct pollfd) { .fd = STDIN_FILENO, .events = POLLIN };
        }
        if (r->stop_fd >= 0) {
            i_stop = np;
            p[np++] = (struct pollfd) { .fd = r->stop_fd, .events = POLLIN };
        }
        if (poll(p, (nfds_t) np, -1) < 0) {
            if (errno == EINTR)
                continue;
            return tr_fail(err, errno, "tty relay: poll");
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            int h = pump_master(r, err);
            if (h != 0)
                return h < 0 ? -1 : 0;
        }
        if (p[0].revents & POLLOUT)
            flush_pending(r);
        if (p[i_sig].revents & POLLIN)
            handle_signals(r);
        if (i_in >= 0 && (p[i_in].revents & (POLLIN | POLLHUP | POLLERR))) {
            if (pump_stdin(r, err) < 0)
                return -1;
            flush_pending(r);
        }
        if (i_stop >= 0 && p[i_stop].revents) {
            /* The process ended: copy what is still buffered in the pty, then stop. */
            return pump_master(r, err) < 0 ? -1 : 0;
        }
    }
}

int tty_relay(int master_fd, int stop_fd, struct tr_err *err)
{
    return tty_relay_forward(master_fd, stop_fd, -1, NULL, err);
}

int tty_relay_forward(int master_fd, int stop_fd, int sig_pidfd, const sigset_t *forward,
                      struct tr_err *err)
{
    struct relay r = { .master = master_fd, .stop_fd = stop_fd, .sig_fd = -1, .in_open = true,
                       .fwd_pidfd = sig_pidfd };
    if (forward)
        r.fwd = *forward;
    else
        sigemptyset(&r.fwd);
    sigdelset(&r.fwd, SIGWINCH);
    int ret = relay_setup(&r, err);
    if (ret == 0)
        ret = relay_loop(&r, err);
    relay_teardown(&r);
    return ret;
}
