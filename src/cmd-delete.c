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
    "OPTIONS:\n"
    "   --force, -f  forcibly delete the container if it is still running (uses SIGKILL);\n"
    "                a container that does not exist is then not an error\n";

enum { OPT_FORCE = 1 };
static const struct cli_opt opts[] = {
    { "force", 'f', CLI_BOOL, OPT_FORCE },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

int cmd_delete(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    bool force = false;
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (id == OPT_FORCE)
            force = p.bool_val;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, 1, 1, "container ID", "tinyrun delete [--force] <container-id>",
                       err) < 0)
        goto out;
    rc = tr_delete(ctx, p.pos[0], force, err);
out:
    cli_parser_free(&p);
    return rc;
}
