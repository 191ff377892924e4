/* tinyrun delete [--force] <container-id> */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun delete - delete any resources held by the container\n\n"
    "USAGE:\n   tinyrun delete [command options] <container-id>\n\n"
    "Where \"<container-id>\" is the name for the instance of the container.\n\n"
    "EXAMPLE:\n   If \"tinyrun list\" shows ubuntu01 as \"stopped\", the following removes it:\n\n"
    "       # tinyrun delete ubuntu01\n\n"
    "OPTIONS:\n";

struct delete_opts { bool force; };
static const struct cli_flag flags[] = {
    CLI_BOOL_F("force", 'f', struct delete_opts, force,
               "forcibly delete the container if it is still running (uses SIGKILL);\n"
               "                a container that does not exist is then not an error"),
    CLI_FLAGS_END,
};

static int run_delete(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                      struct tr_err *err)
{
    const struct delete_opts *o = opts;
    return tr_delete(ctx, args[0], o->force, err);
}

const struct cli_verb cli_verb_delete = {
    .name = "delete", .summary = "delete any resources held by the container",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun delete [--force] <container-id>",
    .opts_size = sizeof(struct delete_opts), .run = run_delete,
};
