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

static int cmd_start(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_start, &p, argc, argv, NULL, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    const char *id = p.pos[0];
    return tr_start(ctx, id, err);
}

const struct cli_verb cli_verb_start = {
    "start", cmd_start, "execute the user defined process in a created container", usage, NULL, CLI_PERMUTE,
    1, 1, "container ID", "tinyrun start <container-id>",
};
