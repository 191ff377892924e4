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

static int cmd_pause(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_pause, &p, argc, argv, NULL, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    const char *id = p.pos[0];
    return tr_pause(ctx, id, err);
}

const struct cli_verb cli_verb_pause = {
    "pause", cmd_pause, "suspend all processes inside the container", usage, NULL, CLI_PERMUTE,
    1, 1, "container ID", "tinyrun pause <container-id>",
};
