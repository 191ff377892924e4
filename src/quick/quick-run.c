/* quick_run: the generated config through tr_run (the normal create/start path). Detached, the
 * container's stdout/stderr are a pipe to a small logger process that outlives the runtime and
 * writes the bounded, rotated log file in the state dir (the container itself never holds the
 * file, so the size bound holds whatever it writes); with --rm the logger also deletes the
 * container once it has exited. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../cli.h"
#include "log.h"
#include "logfile.h"
#include "quick.h"
#include "util.h"

#define DEFAULT_LOG_SIZE (1024 * 1024)
#define RM_POLL_NS (100 * 1000 * 1000)
#define LOGGER_ACK_MS 5000

static void random_id(char *buf, size_t len)
{
    unsigned char r[6];
    if (getrandom(r, sizeof r, 0) != (ssize_t) sizeof r) {
        unsigned long long t = (unsigned long long) time(NULL) ^ ((unsigned long long) getpid() << 20);
        memcpy(r, &t, sizeof r);
    }
    snprintf(buf, len, "%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5]);
}

/* --rm of a detached container: once its output has ended, wait for the init to be gone
 * (it may close stdout before it exits), then delete it as `delete` would. */
static void delete_when_stopped(const struct tr_ctx *ctx, const char *id)
{
    for (;;) {
        struct tr_container_info info;
        struct tr_err e = { 0 };
        if (tr_container_info(ctx, id, NULL, &info, &e) < 0)
            return;     /* deleted meanwhile (stop --rm, delete) */
        bool stopped = info.stopped;
        tr_container_info_free(&info);
        if (stopped)
            break;
        nanosleep(&(struct timespec){ 0, RM_POLL_NS }, NULL);
    }
    struct tr_err e = { 0 };
    if (tr_delete(ctx, id, false, &e) < 0 && !strstr(e.msg, "does not exist"))
        tr_warn("--rm: %s", e.msg);
}

static void logger_main(const struct tr_ctx *ctx, const char *id, long long max, bool rm,
                        int in, int ctl)
{
    char go;
    struct tr_err e = { 0 };
    if (read(ctl, &go, 1) != 1)     /* the runtime failed: nothing to log */
        return;
    _cleanup_free_ char *dir = xasprintf("%s/%s", tr_state_root(ctx), id);
    _cleanup_close_ int dirfd = open(dir, O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int lock = dirfd < 0 ? -1 : openat(dirfd, LOGFILE_LOCK,
                                                       O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int log = lock < 0 ? -1 : openat(dirfd, LOGFILE_NAME, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (log < 0 || flock(lock, LOCK_EX) < 0) {
        tr_warn("logger of %s: open %s: %s", id, dir, strerror(errno));
        return;
    }
    close(log);
    /* the runtime returns once the log exists and is locked: `logs -f` right after follows */
    if (write(ctl, "k", 1) != 1)
        return;
    close(ctl);
    if (logfile_write_from(dirfd, in, max, &e) < 0)
        tr_warn("logger of %s: %s", id, e.msg);
    close(in);
    if (rm)
        delete_when_stopped(ctx, id);
}

static int quick_logger_start(const struct tr_ctx *ctx, const char *id, long long max, bool rm,
                              int *ctl, struct tr_err *err)
{
    int out[2], go[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return tr_fail(err, errno, "-d: pipe for the log");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0) {
        close(out[0]), close(out[1]);
        return tr_fail(err, errno, "-d: pipe for the log");
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* the logger is a grandchild: it outlives the runtime without being waited for */
        if (fork() != 0)
            _exit(0);
        setsid();
        close(out[1]);
        close(go[1]);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3 && null >= 0; fd++)
            dup2(null, fd);
        logger_main(ctx, id, max, rm, out[0], go[0]);
        _exit(0);
    }
    close(out[0]);
    close(go[0]);
    if (pid < 0) {
        close(out[1]), close(go[1]);
        return tr_fail(err, errno, "-d: fork the logger");
    }
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    *ctl = go[1];
    return out[1];
}

/* Tell the logger the state dir exists; wait (bounded) until it has the log open. */
static int logger_go(int ctl)
{
    struct pollfd p = { .fd = ctl, .events = POLLIN };
    char ack;
    if (write(ctl, "g", 1) != 1)
        return -1;
    while (poll(&p, 1, LOGGER_ACK_MS) < 0)
        if (errno != EINTR)
            return -1;
    return read(ctl, &ack, 1) == 1 ? 0 : -1;
}

/* Run detached with fds 0 (/dev/null), 1 and 2 (the logger's pipe) for the container; the
 * runtime's own stdio is back before anything is printed. */
static int run_detached_logged(const struct tr_ctx *ctx, const struct quick_opts *q,
                               const struct tr_create_opts *o, struct tr_err *err)
{
    long long max = DEFAULT_LOG_SIZE;
    int64_t v;
    if (q->log_size) {
        if (cli_parse_bytes(q->log_size, &v, err) < 0)
            return tr_prefix(err, "invalid --log-size \"%s\"", q->log_size), CMD_USAGE;
        if (v < 1024)
            return tr_failx(err, "invalid --log-size \"%s\": at least 1k", q->log_size), CMD_USAGE;
        max = v;
    }
    int ctl = -1, w = quick_logger_start(ctx, o->id, max, q->rm, &ctl, err);
    if (w < 0)
        return -1;
    int saved[3] = { dup(0), dup(1), dup(2) }, null = open("/dev/null", O_RDONLY | O_CLOEXEC), ec;
    fflush(stdout);
    fflush(stderr);
    dup2(null, 0), dup2(w, 1), dup2(w, 2);
    close(w), close(null);
    int r = tr_run(ctx, o, true, true, &ec, err);
    for (int fd = 0; fd < 3; fd++) {
        dup2(saved[fd], fd);
        close(saved[fd]);
    }
    if (r >= 0 && logger_go(ctl) < 0)
        tr_warn("-d: the logger of %s did not start: no log", o->id);
    close(ctl);
    if (r < 0)
        return -1;
    printf("%s\n", o->id);
    return 0;
}

int quick_run(const struct tr_ctx *ctx, const struct quick_opts *q, const struct tr_create_opts *c,
              bool detach, char **cmd, size_t ncmd, struct tr_err *err)
{
    char idbuf[16];
    const char *id = q->name;
    if (!id) {
        random_id(idbuf, sizeof idbuf);
        id = idbuf;
    }
    if (q->tty && detach)
        return tr_failx(err, "--tty with --detach: a detached quick-mode container has no terminal "
                        "(its output goes to `tinyrun logs`); drop one of them"), CMD_USAGE;
    if (q->log_size && !detach)
        return tr_failx(err, "--log-size needs --detach (only a detached container logs to a file)"),
               CMD_USAGE;
    if (q->tty && c->console_socket)
        return tr_failx(err, "--tty with --console-socket: give one of them"), CMD_USAGE;
    _cleanup_free_ char *json = quick_config_json(ctx, q, id, cmd, ncmd, err);
    if (!json)
        return CMD_USAGE;
    if (q->dry_run) {
        fputs(json, stdout);
        return 0;
    }
    struct tr_create_opts o = *c;
    o.id = id;
    o.config_json = json;
    if (detach)
        return run_detached_logged(ctx, q, &o, err);
    int exit_code = 0;
    int r = tr_run(ctx, &o, false, !q->rm, &exit_code, err);
    return r < 0 ? r : exit_code;
}
