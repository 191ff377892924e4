/* tinyrun pause <container-id> */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun pause - suspend all processes inside the container\n\n"
    "USAGE:\n   tinyrun pause <container-id>\n\n"
    "Where \"<container-id>\" is the name for the instance of the container to be\n"
    "paused.\n\n"
    "DESCRIPTION:\n   The pause command suspends all processes in the instance of the container\n"
    "(cgroup freezer).\n\n"
    "Use tinyrun list to identify instances of containers and their current status.\n";

static int run_pause(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                     struct tr_err *err)
{
    return tr_pause(ctx, args[0], err);
}

const struct cli_verb cli_verb_pause = {
    .name = "pause", .summary = "suspend all processes inside the container",
    .help_head = usage, .flags = NULL, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun pause <container-id>",
    .run = run_pause,
};
