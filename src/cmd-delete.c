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

static int cmd_delete(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct delete_opts o = { 0 };
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_delete, &p, argc, argv, &o, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    return tr_delete(ctx, p.pos[0], o.force, err);
}

const struct cli_verb cli_verb_delete = {
    "delete", cmd_delete, "delete any resources held by the container", usage, flags,
    CLI_PERMUTE, 1, 1, "container ID", "tinyrun delete [--force] <container-id>",
};
