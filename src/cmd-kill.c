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
    "OPTIONS:\n";

struct kill_opts { bool all; };
static const struct cli_flag flags[] = {
    CLI_BOOL_F("all", 'a', struct kill_opts, all,
               "send the specified signal to all processes inside the container"),
    CLI_FLAGS_END,
};

static int cmd_kill(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct kill_opts o = { 0 };
    int sig = SIGTERM;
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_kill, &p, argc, argv, &o, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    if (p.npos == 2 && cli_parse_signal(p.pos[1], &sig, err) < 0)
        return CMD_USAGE;
    return tr_kill(ctx, p.pos[0], sig, o.all, err);
}

const struct cli_verb cli_verb_kill = {
    "kill", cmd_kill, "send a signal (default: SIGTERM) to the container's init process", usage,
    flags, CLI_PERMUTE, 1, 2, "container ID", "tinyrun kill [--all] <container-id> [signal]",
};
