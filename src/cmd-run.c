/* tinyrun run [options] <container-id>: create + start; exits with the container's status.
 * With --rootfs, quick mode (src/quick/): no bundle, the positionals are the command. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "quick/quick.h"
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
    "QUICK MODE:\n   tinyrun run --rootfs DIR [quick options] [-- COMMAND ARGS...]\n"
    "runs COMMAND (default: sh) in the root filesystem DIR without a bundle: the config is\n"
    "`tinyrun spec`'s default with the quick options applied (see --dry-run), run through\n"
    "the same create and start. Without --rm the container is kept after it exits; with\n"
    "-d its output goes to a log file (`tinyrun logs`), `tinyrun stop` stops it.\n"
    "   tinyrun run --rootfs ./alpine --memory 128m --net isolated -p 8080:80 -d -- httpd -f\n\n"
    "OPTIONS:\n";

struct run_opts { struct tr_create_opts c; bool detach, keep; struct quick_opts q; };
static const struct cli_flag flags[] = {
    CLI_CREATE_FLAGS(struct run_opts, c.),
    CLI_BOOL_F("detach", 'd', struct run_opts, detach, "detach from the container's process"),
    CLI_BOOL_F("keep", 0, struct run_opts, keep, "do not delete the container after it exits"),
    CLI_IGNORED_F("no-subreaper", false,
                  "accepted for compatibility (tinyrun waits for its direct child)"),
    CLI_QUICK_FLAGS(struct run_opts, q.),
    CLI_FLAGS_END,
};

static const struct run_opts defaults = { .c.bundle = "." };

static int run_run(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                   struct tr_err *err)
{
    struct run_opts *o = opts;
    int exit_code = 0;
    const char *stray = quick_stray_flag(&o->q);
    if (o->q.rootfs) {
        if (o->keep)
            return tr_failx(err, "--keep with --rootfs: quick mode keeps the container unless --rm"),
                   CMD_USAGE;
        if (!streq(o->c.bundle, "."))
            return tr_failx(err, "--bundle with --rootfs: quick mode has no bundle"), CMD_USAGE;
        return quick_run(ctx, &o->q, &o->c, o->detach, args, nargs, err);
    }
    if (stray)
        return tr_failx(err, "%s needs --rootfs DIR (quick mode)", stray), CMD_USAGE;
    if (cli_check_count(args, nargs, 1, 1, "container ID", cli_verb_run.usage_line, err) < 0)
        return CMD_USAGE;
    o->c.id = args[0];
    int r = tr_run(ctx, &o->c, o->detach, o->keep, &exit_code, err);
    if (r >= 0)
        r = o->detach ? 0 : exit_code;
    return r;
}

static void free_run_opts(void *opts)
{
    struct run_opts *o = opts;
    free(o->q.publish);
    free(o->q.env);
    free(o->q.volume);
}

const struct cli_verb cli_verb_run = {
    .name = "run", .summary = "create and run a container",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 0, .max_args = SIZE_MAX, .what_missing = "container ID",   /* checked in run_run */
    .usage_line = "tinyrun run [options] <container-id>",
    .opts_size = sizeof(struct run_opts), .defaults = &defaults, .run = run_run,
    .free_opts = free_run_opts,
};
