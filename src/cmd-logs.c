/* tinyrun logs [-f] [--tail N] <container-id>: the log file of a detached quick-mode container. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "logfile.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun logs - print the output of a detached quick-mode container\n\n"
    "USAGE:\n   tinyrun logs [command options] <container-id>\n\n"
    "DESCRIPTION:\n   A container started with `tinyrun run --rootfs DIR -d` writes its stdout and\n"
    "stderr to a log file in its state directory, rotated at --log-size (one old file is\n"
    "kept). logs prints both, oldest first; with --follow it keeps printing what the\n"
    "container writes until the container's output ends (it exits).\n\n"
    "OPTIONS:\n";

struct logs_opts { bool follow; const char *tail; };
static const struct cli_flag flags[] = {
    CLI_BOOL_F("follow", 'f', struct logs_opts, follow, "keep printing the output until the container exits"),
    CLI_STRING_F("tail", 0, struct logs_opts, tail, "print only the last N lines (default: all)"),
    CLI_FLAGS_END,
};

static int run_logs(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                    struct tr_err *err)
{
    const struct logs_opts *o = opts;
    long tail = -1;
    if (o->tail) {
        char *end;
        errno = 0;
        tail = strtol(o->tail, &end, 10);
        if (errno || end == o->tail || *end || tail < 0)
            return tr_failx(err, "invalid --tail \"%s\": expected a number of lines", o->tail), CMD_USAGE;
    }
    struct tr_container_info info;
    if (tr_container_info(ctx, args[0], NULL, &info, err) < 0)
        return -1;
    tr_container_info_free(&info);
    _cleanup_free_ char *dir = xasprintf("%s/%s", tr_state_root(ctx), args[0]);
    _cleanup_close_ int dirfd = open(dir, O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return tr_fail(err, errno, "open %s", dir);
    if (faccessat(dirfd, LOGFILE_LOCK, F_OK, 0) < 0)
        return tr_failx(err, "container %s has no log: only quick-mode containers started with "
                        "--detach (run --rootfs DIR -d) log to a file", args[0]);
    fflush(stdout);
    return logfile_print(dirfd, STDOUT_FILENO, tail, o->follow, err);
}

const struct cli_verb cli_verb_logs = {
    .name = "logs", .summary = "print the output of a detached quick-mode container",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun logs [-f] [--tail N] <container-id>",
    .opts_size = sizeof(struct logs_opts), .run = run_logs,
};
