/* tinyrun run [options] <container-id>: create + start; exits with the container's status. */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun run - create and run a container\n\n"
    "USAGE:\n   tinyrun run [command options] <container-id>\n\n"
    "Where \"<container-id>\" is your name for the instance of the container that you\n"
    "are starting. The name you provide for the container instance must be unique on\n"
    "your host.\n\n"
    "DESCRIPTION:\n   The run command creates an instance of a container for a bundle and starts it.\n"
    "Unless --detach is given, tinyrun waits for the container's process, forwards\n"
    "signals to it, deletes the container (unless --keep) and exits with its exit\n"
    "status (128+N when killed by signal N).\n\n"
    "OPTIONS:\n"
    CLI_CREATE_OPTIONS_HELP
    "   --detach, -d              detach from the container's process\n"
    "   --keep                    do not delete the container after it exits\n"
    "   --no-subreaper            accepted for compatibility (tinyrun waits for its direct child)\n";

enum { OPT_DETACH = 1, OPT_KEEP, OPT_NO_SUBREAPER };
static const struct cli_opt opts[] = {
    CLI_CREATE_OPTS,
    { "detach", 'd', CLI_BOOL, OPT_DETACH },
    { "keep", 0, CLI_BOOL, OPT_KEEP },
    { "no-subreaper", 0, CLI_BOOL, OPT_NO_SUBREAPER },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

int cmd_run(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct tr_create_opts o = { .bundle = "." };
    bool detach = false, keep = false;
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE, exit_code = 0;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (id == OPT_DETACH)
            detach = p.bool_val;
        else if (id == OPT_KEEP)
            keep = p.bool_val;
        else if (cli_create_flag(id, val, p.bool_val, &o, err) < 0)
            goto out;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, 1, 1, "container ID", "tinyrun run [options] <container-id>", err) < 0)
        goto out;
    o.id = p.pos[0];
    rc = tr_run(ctx, &o, detach, keep, &exit_code, err);
    if (rc >= 0)
        rc = detach ? 0 : exit_code;
out:
    cli_parser_free(&p);
    return rc;
}
