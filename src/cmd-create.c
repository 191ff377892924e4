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

static const struct tr_create_opts defaults = { .bundle = "." };

static int run_create(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                      struct tr_err *err)
{
    struct tr_create_opts *o = opts;
    o->id = args[0];
    return tr_create(ctx, o, err);
}

const struct cli_verb cli_verb_create = {
    .name = "create", .summary = "create a container",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun create [options] <container-id>",
    .opts_size = sizeof(struct tr_create_opts), .defaults = &defaults, .run = run_create,
};
