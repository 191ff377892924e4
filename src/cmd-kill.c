/* tinyrun kill [--all] <container-id> [signal] */
#include "config.h"
#include <string.h>
#include <signal.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun kill - send a signal (default: SIGTERM) to the container's init process\n\n"
    "USAGE:\n   tinyrun kill [command options] <container-id> [signal]\n\n"
    "Where \"<container-id>\" is the name for the instance of the container and\n"
    "\"[signal]\" is the signal to be sent to the init process: a number (9) or a\n"
    "name with or without the SIG prefix, in any case (KILL, SIGTERM, rtmin+3).\n\n"
    "EXAMPLE:\n   tinyrun kill ubuntu01 KILL\n\n"
    "OPTIONS:\n"
    "   --all, -a  send the specified signal to all processes inside the container\n";

enum { OPT_ALL = 1 };
static const struct cli_opt opts[] = {
    { "all", 'a', CLI_BOOL, OPT_ALL },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

int cmd_kill(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    bool all = false;
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE, sig = SIGTERM;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (id == OPT_ALL)
            all = p.bool_val;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, 1, 2, "container ID", "tinyrun kill [--all] <container-id> [signal]",
                       err) < 0)
        goto out;
    if (p.npos == 2 && cli_parse_signal(p.pos[1], &sig, err) < 0)
        goto out;
    rc = tr_kill(ctx, p.pos[0], sig, all, err);
out:
    cli_parser_free(&p);
    return rc;
}
