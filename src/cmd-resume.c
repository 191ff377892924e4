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

static int cmd_resume(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_resume, &p, argc, argv, NULL, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    const char *id = p.pos[0];
    return tr_resume(ctx, id, err);
}

const struct cli_verb cli_verb_resume = {
    "resume", cmd_resume, "resume all processes that have been previously paused", usage, NULL, CLI_PERMUTE,
    1, 1, "container ID", "tinyrun resume <container-id>",
};
