/* Terminals: pty allocation inside the container's devpts, controlling terminal set-up,
 * the --console-socket protocol over fdpass.c (go-runc's recvFd rule: ONE
 * sendmsg, exactly one fd, the pty name as payload, < 4096 bytes). The foreground relay for
 * `run`/`exec -t` without a console socket lives in terminal-relay.c. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
#include "fdpass.h"
#include "log.h"
#include "terminal.h"
#include "util.h"

/* go-runc reads the name with a 4096-byte buffer in one recvmsg. */
#define CONSOLE_NAME_MAX 4096

int pty_open(char **slave, struct tr_err *err)
{
    char name[128];
    /* posix_openpt opens /dev/ptmx: in a container that is the symlink to pts/ptmx of the
     * container's own devpts (newinstance), so the pty belongs to the container. */
    _cleanup_close_ int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return tr_fail(err, errno, "open /dev/ptmx");
    if (grantpt(master) < 0)
        return tr_fail(err, errno, "grantpt on /dev/ptmx");
    if (unlockpt(master) < 0)
        return tr_fail(err, errno, "unlockpt on /dev/ptmx");
    int r = ptsname_r(master, name, sizeof name);
    if (r != 0)
        return tr_fail(err, r > 0 ? r : errno,
                       "ptsname on /dev/ptmx (is devpts mounted on /dev/pts?)");
    *slave = xstrdup(name);
    return steal_fd(&master);
}

void pty_copy_caller_size(int master)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
}

int pty_make_controlling(const char *slave, struct tr_err *err)
{
    /* A session leader cannot call setsid again (EPERM); it can still take a terminal. */
    if (setsid() < 0 && getsid(0) != getpid())
        return tr_fail(err, errno, "setsid");
    int fd = open(slave, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "open terminal %s", slave);
    if (ioctl(fd, TIOCSCTTY, 0) < 0) {
        int e = errno;
        close(fd);
        return tr_fail(err, e, "ioctl(TIOCSCTTY) on %s", slave);
    }
    for (int i = 0; i < 3; i++) {
        if (dup2(fd, i) < 0) {
            int e = errno;
            if (fd > 2)
                close(fd);
            return tr_fail(err, e, "dup2(%s, %d)", slave, i);
        }
    }
    if (fd > 2)
        close(fd);
    return 0;
}

int pty_chown_slave(const char *slave, uid_t uid, struct tr_err *err)
{
    struct stat st;
    if (stat(slave, &st) < 0)
        return tr_fail(err, errno, "stat terminal %s", slave);
    if (st.st_uid == uid)
        return 0;
    /* The gid stays (-1): devpts gave it the mount's gid= (the tty group), as runc and crun. */
    if (chown(slave, uid, (gid_t) -1) == 0)
        return 0;
    /* As runc: EINVAL, uid not mapped in our user namespace; EPERM, the node's owner not
     * mapped. The process then uses a terminal it does not own rather than none at all. */
    if (errno == EINVAL || errno == EPERM) {
        tr_debug("terminal %s stays owned by uid %u: chown to %u: %s", slave, (unsigned) st.st_uid,
                 (unsigned) uid, strerror(errno));
        return 0;
    }
    return tr_fail(err, errno, "chown terminal %s to uid %u", slave, (unsigned) uid);
}

int pty_set_size(int fd, unsigned rows, unsigned cols, struct tr_err *err)
{
    struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
    if (rows > 0xffff || cols > 0xffff)
        return tr_failx(err, "terminal size %ux%u out of range", rows, cols);
    if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
        return tr_fail(err, errno, "ioctl(TIOCSWINSZ, %ux%u)", rows, cols);
    return 0;
}

int unix_socket_send_fd(const char *what, const char *flag, const char *socket_path, int fd, const char *name,
                        struct tr_err *err)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t plen = strlen(socket_path), nlen = strlen(name);

    if (plen == 0 || plen >= sizeof addr.sun_path)
        return tr_failx(err, "%s path %s: length must be 1..%zu bytes; use a "
                        "shorter %s path", what, socket_path, sizeof addr.sun_path - 1, flag);
    if (nlen == 0 || nlen >= CONSOLE_NAME_MAX)
        return tr_failx(err, "%s %s: name must be 1..%d bytes",
                        what, socket_path, CONSOLE_NAME_MAX - 1);
    memcpy(addr.sun_path, socket_path, plen + 1);
    /* NONBLOCK: a listener that never accepts, its backlog full, makes connect fail with
     * EAGAIN at once (as runc) instead of blocking create forever. One small message then fits
     * any socket buffer, so the send cannot block either. */
    _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (sock < 0)
        return tr_fail(err, errno, "%s %s: socket", what, socket_path);
    int r;
    do
        r = connect(sock, (struct sockaddr *) &addr, sizeof addr);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno == EAGAIN)
        return tr_fail(err, errno, "connect to %s %s: its listener accepts no connection "
                       "(backlog full); is the %s receiver running and accepting?", what, socket_path, flag);
    if (r < 0)
        return tr_fail(err, errno, "connect to %s %s", what, socket_path);
    if (send_fd(sock, fd, name, nlen, err) < 0)
        return tr_prefix(err, "%s %s", what, socket_path);
    return 0;
}

int console_socket_send(const char *socket_path, int master_fd, const char *name, struct tr_err *err)
{
    return unix_socket_send_fd("console socket", "--console-socket", socket_path, master_fd, name, err);
}
