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

int cmd_start(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    const char *id = NULL;
    int r = cli_parse_id_only(argc, argv, usage, "tinyrun start <container-id>", &id, err);
    if (r != 0)
        return r < 0 ? CMD_USAGE : 0;
    return tr_start(ctx, id, err);
}
