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

static const struct run_opts defaults = { .c.bundle = "." };

static int run_run(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                   struct tr_err *err)
{
    struct run_opts *o = opts;
    int exit_code = 0;
    o->c.id = args[0];
    int r = tr_run(ctx, &o->c, o->detach, o->keep, &exit_code, err);
    if (r >= 0)
        r = o->detach ? 0 : exit_code;
    return r;
}

const struct cli_verb cli_verb_run = {
    .name = "run", .summary = "create and run a container",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun run [options] <container-id>",
    .opts_size = sizeof(struct run_opts), .defaults = &defaults, .run = run_run,
};
