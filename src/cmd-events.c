/* tinyrun events [--stats] [--interval 5s] <container-id>: JSON lines on stdout. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun events - display container events such as OOM notifications, cpu, memory, and IO usage statistics\n\n"
    "USAGE:\n   tinyrun events [command options] <container-id>\n\n"
    "Where \"<container-id>\" is the name for the instance of the container.\n\n"
    "DESCRIPTION:\n   The events command displays information about the container, one JSON\n"
    "object per line. By default the statistics are displayed once every 5 seconds,\n"
    "until the container stops.\n\n"
    "OPTIONS:\n";

struct events_opts { int interval; bool stats; };
static const struct cli_flag flags[] = {
    CLI_DURATION_F("interval", 0, struct events_opts, interval,
                   "set the stats collection interval (default: 5s)"),
    CLI_BOOL_F("stats", 0, struct events_opts, stats, "display the container's stats then exit"),
    CLI_FLAGS_END,
};

/* One event per line, flushed at once so that a reader on a pipe sees it. A write error
 * (reader gone) stops the stream. */
static int print_event(const char *json_line, void *data)
{
    size_t n = strlen(json_line);
    fputs(json_line, stdout);
    if (n == 0 || json_line[n - 1] != '\n')
        fputc('\n', stdout);
    return fflush(stdout) != 0 || ferror(stdout);
}

static const struct events_opts defaults = { .interval = 5 };

static int run_events(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                      struct tr_err *err)
{
    const struct events_opts *o = opts;
    return tr_events(ctx, args[0], o->stats, o->interval, print_event, NULL, err);
}

const struct cli_verb cli_verb_events = {
    .name = "events", .summary = "display container events and resource usage statistics",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun events [--stats] [--interval 5s] <container-id>",
    .opts_size = sizeof(struct events_opts), .defaults = &defaults, .run = run_events,
};
