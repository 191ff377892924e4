/* Driving the criu binary: its argv, the options checkpoint and restore share, the container's
 * bind mounts as external mounts, and one bounded run of criu with its log's error. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "criu.h"
#include "log.h"
#include "rootfs.h"
#include "util.h"

void criu_arg(struct criu_argv *a, const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->v = xrealloc(a->v, a->cap * sizeof *a->v);
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

void criu_argv_free(struct criu_argv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

void criu_argv_begin(struct criu_argv *a, const char *prog, const char *action, const char *images,
                     const char *work, const char *rootfs)
{
    criu_arg(a, "%s", prog);
    criu_arg(a, "%s", action);
    criu_arg(a, "--images-dir=%s", images);
    criu_arg(a, "--work-dir=%s", work);
    criu_arg(a, "--root=%s", rootfs);
    criu_arg(a, "--log-file=%s.log", action);
    criu_arg(a, "-v4");
}

int criu_add_common(struct criu_argv *a, const struct criu_common *c, struct tr_err *err)
{
    static const char *const modes[] = { "soft", "full", "strict", "ignore" };
    if (c->manage_cgroups_mode) {
        size_t i = 0;
        while (i < ARRAY_SIZE(modes) && !streq(modes[i], c->manage_cgroups_mode))
            i++;
        if (i == ARRAY_SIZE(modes))
            return tr_failx(err, "--manage-cgroups-mode \"%s\": expected soft, full, strict or ignore",
                            c->manage_cgroups_mode);
        criu_arg(a, "--manage-cgroups=%s", c->manage_cgroups_mode);
    } else {
        criu_arg(a, "--manage-cgroups");
    }
    if (c->empty_ns) {
        /* criu 3.17 can leave only the network namespace empty (opts.empty_ns: CLONE_NEWNET). */
        if (!streq(c->empty_ns, "network") && !streq(c->empty_ns, "net"))
            return tr_failx(err, "--empty-ns \"%s\": criu can only leave the network namespace empty; "
                            "use --empty-ns network", c->empty_ns);
        criu_arg(a, "--empty-ns=net");
    }
    static const struct { size_t off; const char *flag; } bools[] = {
        { offsetof(struct criu_common, tcp_established), "--tcp-established" },
        { offsetof(struct criu_common, ext_unix_sk), "--ext-unix-sk" },
        { offsetof(struct criu_common, shell_job), "--shell-job" },
        { offsetof(struct criu_common, file_locks), "--file-locks" },
        { offsetof(struct criu_common, auto_dedup), "--auto-dedup" },
        { offsetof(struct criu_common, lazy_pages), "--lazy-pages" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
        if (*(const bool *) ((const char *) c + bools[i].off))
            criu_arg(a, "%s", bools[i].flag);
    return 0;
}

static bool mount_is_bind(const struct oci_mount *m)
{
    struct mount_plan p;
    struct tr_err scratch;
    bool bind;
    if (m->type && streq(m->type, "bind"))
        return true;
    if (mount_plan_from_options(m->options, m->options_len, &p, &scratch) < 0)
        return false;
    bind = p.bind;
    mount_plan_free(&p);
    return bind;
}

void criu_add_bind_mounts(struct criu_argv *a, const struct oci_spec *spec, bool restore)
{
    for (size_t i = 0; i < spec->mounts_len; i++) {
        const struct oci_mount *m = &spec->mounts[i];
        if (!m->destination || !m->source || !mount_is_bind(m))
            continue;
        if (!restore)
            criu_arg(a, "--external=mnt[%s]:%s", m->destination, m->destination);
        else {
            _cleanup_free_ char *src = criu_abs_path(m->source);
            criu_arg(a, "--external=mnt[%s]:%s", m->destination, src);
        }
    }
}

char *criu_abs_path(const char *p)
{
    char cwd[PATH_MAX];
    if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
        return xstrdup(p);
    return xasprintf("%s/%s", cwd, p);
}

void criu_dirs(const struct criu_common *c, char **images, char **work)
{
    *images = criu_abs_path(c->image_path ? c->image_path : "checkpoint");
    *work = c->work_path ? criu_abs_path(c->work_path) : xstrdup(*images);
}

const char *criu_binary(const struct tr_ctx *ctx)
{
    return ctx->criu && *ctx->criu ? ctx->criu : "criu";
}

bool criu_found(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    _cleanup_free_ char *copy = xstrdup(path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        _cleanup_free_ char *p = xasprintf("%s/%s", *dir ? dir : ".", prog);
        if (access(p, X_OK) == 0)
            return true;
    }
    return false;
}

/* The first "Error (...)" line criu wrote: the cause (the last one says only "FAILED"). */
static char *first_error_line(const char *log_path)
{
    _cleanup_fclose_ FILE *f = fopen(log_path, "re");
    char line[1024];
    if (!f)
        return NULL;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "Error (") && !strstr(line, "Error:"))
            continue;
        line[strcspn(line, "\n")] = '\0';
        return xstrdup(line);
    }
    return NULL;
}

/* Bounded wait for criu: SIGKILL at the deadline. Returns the wait status or -1. */
static int wait_criu(pid_t pid, struct tr_err *err)
{
    _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    int status;
    if (pidfd >= 0) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int r;
        while ((r = poll(&p, 1, CRIU_TIMEOUT_S * 1000)) < 0 && errno == EINTR)
            ;
        if (r == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return tr_failx(err, "criu did not finish within %d s and was killed", CRIU_TIMEOUT_S);
        }
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return tr_fail(err, errno, "waitpid criu (pid %d)", (int) pid);
    return status;
}

static int criu_failed(const struct criu_argv *a, int status, const char *log_path, struct tr_err *err)
{
    _cleanup_free_ char *why = first_error_line(log_path);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return tr_failx(err, "criu %s: cannot run %s (not installed? install criu or name it with --criu PATH)",
                        a->v[1], a->v[0]);
    if (WIFSIGNALED(status))
        return tr_failx(err, "criu %s killed by signal %d; log: %s", a->v[1], WTERMSIG(status), log_path);
    return tr_failx(err, "criu %s failed (exit status %d): %s; log: %s", a->v[1], WEXITSTATUS(status),
                    why ? why : "no error line in the log", log_path);
}

int criu_exec(struct criu_argv *a, const char *log_path,
              int (*prepare)(pid_t child, void *data, struct tr_err *err), void *data,
              struct tr_err *err)
{
    int go[2];
    char byte = 0;
    tr_debug("running %s %s", a->v[0], a->v[1]);
    for (size_t i = 2; i < a->n; i++)
        tr_debug("  criu arg: %s", a->v[i]);
    if (pipe2(go, O_CLOEXEC) < 0)
        return tr_fail(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(go[0]);
        close(go[1]);
        return tr_fail(err, errno, "fork criu");
    }
    if (pid == 0) {
        close(go[1]);
        /* EOF without a byte: the parent gave up, do not run criu. */
        if (read(go[0], &byte, 1) != 1)
            _exit(126);
        execvp(a->v[0], a->v);
        _exit(127);
    }
    close(go[0]);
    int rc = prepare ? prepare(pid, data, err) : 0;
    if (rc == 0 && write(go[1], &byte, 1) != 1)
        rc = tr_fail(err, errno, "start criu");
    close(go[1]);
    struct tr_err e2;
    int status = wait_criu(pid, rc < 0 ? &e2 : err);
    if (rc < 0 || status < 0)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return criu_failed(a, status, log_path, err);
}
