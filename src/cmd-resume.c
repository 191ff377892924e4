/* tinyrun resume <container-id> */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun resume - resume all processes that have been previously paused\n\n"
    "USAGE:\n   tinyrun resume <container-id>\n\n"
    "Where \"<container-id>\" is the name for the instance of the container to be\n"
    "resumed.\n\n"
    "DESCRIPTION:\n   The resume command resumes all processes in the instance of the container.\n\n"
    "Use tinyrun list to identify instances of containers and their current status.\n";

static int run_resume(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                      struct tr_err *err)
{
    return tr_resume(ctx, args[0], err);
}

const struct cli_verb cli_verb_resume = {
    .name = "resume", .summary = "resume all processes that have been previously paused",
    .help_head = usage, .flags = NULL, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun resume <container-id>",
    .run = run_resume,
};
