/* tinyrun start <container-id> */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun start - execute the user defined process in a created container\n\n"
    "USAGE:\n   tinyrun start <container-id>\n\n"
    "Where \"<container-id>\" is the name of a container made by \"tinyrun create\".\n\n"
    "DESCRIPTION:\n   The start command executes the user defined process in a created container.\n";

static int run_start(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                     struct tr_err *err)
{
    return tr_start(ctx, args[0], err);
}

const struct cli_verb cli_verb_start = {
    .name = "start", .summary = "execute the user defined process in a created container",
    .help_head = usage, .flags = NULL, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun start <container-id>",
    .run = run_start,
};
