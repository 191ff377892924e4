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

static int cmd_events(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct events_opts o = { .interval = 5 };
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_events, &p, argc, argv, &o, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    return tr_events(ctx, p.pos[0], o.stats, o.interval, print_event, NULL, err);
}

const struct cli_verb cli_verb_events = {
    "events", cmd_events, "display container events and resource usage statistics", usage,
    flags, CLI_PERMUTE, 1, 1, "container ID",
    "tinyrun events [--stats] [--interval 5s] <container-id>",
};
