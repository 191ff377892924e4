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

static int run_kill(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                    struct tr_err *err)
{
    const struct kill_opts *o = opts;
    int sig = SIGTERM;
    if (nargs == 2 && cli_parse_signal(args[1], &sig, err) < 0)
        return CMD_USAGE;
    return tr_kill(ctx, args[0], sig, o->all, err);
}

const struct cli_verb cli_verb_kill = {
    .name = "kill", .summary = "send a signal (default: SIGTERM) to the container's init process",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 2, .what_missing = "container ID",
    .usage_line = "tinyrun kill [--all] <container-id> [signal]",
    .opts_size = sizeof(struct kill_opts), .run = run_kill,
};
