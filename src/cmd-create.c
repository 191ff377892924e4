/* tinyrun create [options] <container-id> */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun create - create a container\n\n"
    "USAGE:\n   tinyrun create [command options] <container-id>\n\n"
    "Where \"<container-id>\" is your name for the instance of the container that you\n"
    "are starting. The name you provide for the container instance must be unique on\n"
    "your host.\n\n"
    "DESCRIPTION:\n   The create command creates an instance of a container for a bundle. The bundle\n"
    "is a directory with a specification file named \"config.json\" and a root\n"
    "filesystem. The container's process is left waiting before its exec until\n"
    "\"tinyrun start\".\n\n"
    "OPTIONS:\n";

static const struct cli_flag flags[] = {
    CLI_CREATE_FLAGS(struct tr_create_opts, ),
    CLI_FLAGS_END,
};

static int cmd_create(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct tr_create_opts o = { .bundle = "." };
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_create, &p, argc, argv, &o, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    o.id = p.pos[0];
    return tr_create(ctx, &o, err);
}

const struct cli_verb cli_verb_create = {
    "create", cmd_create, "create a container", usage, flags, CLI_PERMUTE,
    1, 1, "container ID", "tinyrun create [options] <container-id>",
};
