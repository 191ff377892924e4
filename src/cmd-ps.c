/* tinyrun ps [--format table|json] <container-id> [ps options] */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun ps - display the processes running inside a container\n\n"
    "USAGE:\n   tinyrun ps [command options] <container-id> [ps options]\n\n"
    "The table format runs ps(1) with [ps options] (default: -ef) and keeps the lines\n"
    "of the container's processes; the json format prints an array of their pids.\n\n"
    "OPTIONS:\n";

struct ps_opts { const char *format; };
static const struct cli_flag flags[] = {
    CLI_STRING_F("format", 'f', struct ps_opts, format,
                 "select one of: table or json (default: \"table\")"),
    CLI_FLAGS_END,
};

/* Run ps with args and return its combined stdout+stderr (as runc does). */
static char *capture_ps(char **args, size_t nargs, struct tr_err *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return tr_fail(err, errno, "pipe"), NULL;
    pid_t pid = fork();
    if (pid < 0) {
        tr_fail(err, errno, "fork");
        close(pfd[0]);
        close(pfd[1]);
        return NULL;
    }
    if (pid == 0) {
        char **argv = xzalloc(sizeof(char *) * (nargs + 3));
        argv[0] = (char *) "ps";
        if (nargs == 0)
            argv[1] = (char *) "-ef";
        for (size_t i = 0; i < nargs; i++)
            argv[i + 1] = args[i];
        if (dup2(pfd[1], STDOUT_FILENO) < 0 || dup2(pfd[1], STDERR_FILENO) < 0)
            _exit(127);
        execvp("ps", argv);
        fprintf(stderr, "exec ps: %s\n", strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    size_t len = 0, cap = 4096;
    char *out = xmalloc(cap);
    ssize_t n;
    while ((n = read(pfd[0], out + len, cap - len - 1)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        len += (size_t) n;
        if (cap - len < 1024)
            out = xrealloc(out, cap *= 2);
    }
    out[len] = '\0';
    close(pfd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *nl = strchr(out, '\n');
        tr_failx(err, "ps failed (exit status %d): %.*s", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                 nl ? (int) (nl - out) : (int) strlen(out), out);
        free(out);
        return NULL;
    }
    return out;
}

/* Index of the PID column in ps's header line, -1 when there is none. */
static int pid_column(const char *header)
{
    _cleanup_free_ char *h = xstrdup(header);
    char *save = NULL;
    int i = 0;
    for (char *f = strtok_r(h, " \t", &save); f; f = strtok_r(NULL, " \t", &save), i++)
        if (streq(f, "PID"))
            return i;
    return -1;
}

static bool line_has_pid(const char *line, int col, const pid_t *pids, size_t n)
{
    _cleanup_free_ char *l = xstrdup(line);
    char *save = NULL, *f = strtok_r(l, " \t", &save);
    for (int i = 0; f && i < col; i++)
        f = strtok_r(NULL, " \t", &save);
    int pid;
    if (!f || parse_int(f, &pid) < 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

static int print_table(char **ps_args, size_t nargs, const pid_t *pids, size_t n,
                       struct tr_err *err)
{
    _cleanup_free_ char *out = capture_ps(ps_args, nargs, err);
    if (!out)
        return -1;
    char *save = NULL, *line = strtok_r(out, "\n", &save);
    int col = line ? pid_column(line) : -1;
    if (col < 0)
        return tr_failx(err, "couldn't find PID field in ps output");
    printf("%s\n", line);
    while ((line = strtok_r(NULL, "\n", &save)))
        if (line_has_pid(line, col, pids, n))
            printf("%s\n", line);
    return 0;
}

static const struct ps_opts defaults = { .format = "table" };

static int run_ps(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                  struct tr_err *err)
{
    const struct ps_opts *o = opts;
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    if (cli_check_format(o->format, err) < 0)
        return CMD_USAGE;
    int r = tr_ps(ctx, args[0], &pids, &n, err);
    if (r < 0)
        return r;
    if (!streq(o->format, "json"))
        return print_table(args + 1, nargs - 1, pids, n, err);
    fputc('[', stdout);
    for (size_t i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", (int) pids[i]);
    fputs("]\n", stdout);
    return r;
}

const struct cli_verb cli_verb_ps = {
    .name = "ps", .summary = "display the processes running inside a container",
    .help_head = usage, .flags = flags, .mode = CLI_STOP_AT_ARG,
    .min_args = 1, .max_args = SIZE_MAX, .what_missing = "container ID",
    .usage_line = "tinyrun ps [--format table|json] <container-id> [ps options]",
    .opts_size = sizeof(struct ps_opts), .defaults = &defaults, .run = run_ps,
};
