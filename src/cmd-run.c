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
    "OPTIONS:\n";

struct run_opts { struct tr_create_opts c; bool detach, keep; };
static const struct cli_flag flags[] = {
    CLI_CREATE_FLAGS(struct run_opts, c.),
    CLI_BOOL_F("detach", 'd', struct run_opts, detach, "detach from the container's process"),
    CLI_BOOL_F("keep", 0, struct run_opts, keep, "do not delete the container after it exits"),
    CLI_IGNORED_F("no-subreaper", false,
                  "accepted for compatibility (tinyrun waits for its direct child)"),
    CLI_FLAGS_END,
};

static int cmd_run(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct run_opts o = { .c.bundle = "." };
    _cleanup_cli_parser_ struct cli_parser p;
    int exit_code = 0;
    int r = cli_verb_parse(&cli_verb_run, &p, argc, argv, &o, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    o.c.id = p.pos[0];
    r = tr_run(ctx, &o.c, o.detach, o.keep, &exit_code, err);
    if (r >= 0)
        r = o.detach ? 0 : exit_code;
    return r;
}

const struct cli_verb cli_verb_run = {
    "run", cmd_run, "create and run a container", usage, flags, CLI_PERMUTE,
    1, 1, "container ID", "tinyrun run [options] <container-id>",
};
