/* Terminals: the pty is opened by the init child inside the container's devpts; its master goes
 * to the parent (SCM_RIGHTS on the spawn channel) and from there to --console-socket. */
#ifndef TINYRUN_TERMINAL_H
#define TINYRUN_TERMINAL_H
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>
#include "error.h"

/* Child: open a new pty from /dev/ptmx (the container's, after devpts is mounted); returns the
 * master fd and the slave path in *slave (malloc'd, e.g. "/dev/pts/0"). */
int pty_open(char **slave, struct tr_err *err);
/* Child: make the slave the controlling terminal and stdio 0-2 (setsid, TIOCSCTTY, dup2). */
int pty_make_controlling(const char *slave, struct tr_err *err);
/* Child: give the slave to process.user.uid (the gid is kept), so that a non-root process
 * owns its terminal (and /dev/console, a bind of it); left as is when the ids are not mapped. */
int pty_chown_slave(const char *slave, uid_t uid, struct tr_err *err);
int pty_set_size(int fd, unsigned rows, unsigned cols, struct tr_err *err);
/* The caller's window size (stdout's, else stdin's terminal) onto the pty master, if it has one. */
void pty_copy_caller_size(int master);
/* Parent: send master + name in ONE sendmsg with exactly one SCM_RIGHTS fd (go-runc's rule). */
int console_socket_send(const char *socket_path, int master_fd, const char *name, struct tr_err *err);
/* The same protocol for any fd (--pidfd-socket): what names the socket in errors ("pidfd
 * socket"), flag the option ("--pidfd-socket"). */
int unix_socket_send_fd(const char *what, const char *flag, const char *socket_path, int fd, const char *name,
                        struct tr_err *err);
/* Foreground `run`/`exec` without a console socket: relay the caller's terminal <-> master
 * (raw mode, SIGWINCH resizes) until the master hangs up or stop_fd is readable. */
int tty_relay(int master_fd, int stop_fd, struct tr_err *err);
/* Same, and while relaying, the signals in *forward (blocked by the caller or not) are sent
 * to sig_pidfd (the container process) as they arrive; SIGWINCH is never forwarded (the pty
 * resize signals the container itself). tty_relay() is this with no forwarding. */
int tty_relay_forward(int master_fd, int stop_fd, int sig_pidfd, const sigset_t *forward,
                      struct tr_err *err);


#endif
