/* SCM_RIGHTS fd passing, written once for the spawn channel, the console and pidfd sockets,
 * the seccomp listener and the private procfs stash. */
#ifndef TINYRUN_FDPASS_H
#define TINYRUN_FDPASS_H
#include <stddef.h>
#include <sys/types.h>
#include "error.h"

/* data (len 0: one zero byte, which a stream socket needs to carry an fd) with fd attached
 * (-1: none) in ONE sendmsg, EINTR retried, no SIGPIPE. A short write fails: the fd went with
 * part of the message, so it is not retried. err->code is errno (EPIPE: the peer is gone). */
int send_fd(int sock, int fd, const void *data, size_t len, struct tr_err *err);

/* One recvmsg (MSG_CMSG_CLOEXEC | flags, EINTR retried) into data (cap 0: a 1-byte dummy)
 * with at most one fd: *fd is it, or -1 when none came. More fds or truncated control data:
 * every fd received is closed and it fails. Returns the bytes received (0: the peer closed),
 * -1 on error with err->code errno. */
ssize_t recv_with_fd(int sock, int flags, void *data, size_t cap, int *fd, struct tr_err *err);

/* recv_with_fd that requires exactly one fd (the console/pidfd socket protocol); *got is the
 * payload length (0 when cap is 0). */
int recv_fd(int sock, int *fd, void *data, size_t cap, size_t *got, struct tr_err *err);

#endif
