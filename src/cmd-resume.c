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

int cmd_resume(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    const char *id = NULL;
    int r = cli_parse_id_only(argc, argv, usage, "tinyrun resume <container-id>", &id, err);
    if (r != 0)
        return r < 0 ? CMD_USAGE : 0;
    return tr_resume(ctx, id, err);
}
