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
    "OPTIONS:\n"
    "   --interval value  set the stats collection interval (default: 5s)\n"
    "   --stats           display the container's stats then exit\n";

enum { OPT_INTERVAL = 1, OPT_STATS };
static const struct cli_opt opts[] = {
    { "interval", 0, CLI_VALUE, OPT_INTERVAL },
    { "stats", 0, CLI_BOOL, OPT_STATS },
    CLI_OPT_HELP,
    CLI_OPT_END,
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

int cmd_events(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    bool stats = false;
    int interval = 5;
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (id == OPT_STATS)
            stats = p.bool_val;
        else if (id == OPT_INTERVAL && cli_parse_duration_sec(val, &interval, err) < 0)
            goto out;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, 1, 1, "container ID",
                       "tinyrun events [--stats] [--interval 5s] <container-id>", err) < 0)
        goto out;
    rc = tr_events(ctx, p.pos[0], stats, interval, print_event, NULL, err);
out:
    cli_parser_free(&p);
    return rc;
}
