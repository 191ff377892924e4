/* tinyrun restore [options] <container-id>: a container from a criu image (runc's flags). */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "criu.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun restore - restore a container from a previous checkpoint\n\n"
    "USAGE:\n   tinyrun restore [command options] <container-id>\n\n"
    "Where \"<container-id>\" is the name for the instance of the container to be\n"
    "restored.\n\n"
    "DESCRIPTION:\n   Restores the saved state of the container instance that was previously saved\n"
    "using the tinyrun checkpoint command. Unless --detach is given, tinyrun waits for\n"
    "the restored process, deletes the container and exits with its status.\n\n"
    "OPTIONS:\n";

static const struct cli_flag flags[] = {
    CRIU_COMMON_FLAGS(struct tr_restore_opts),
    CLI_STRING_F("console-socket", 0, struct tr_restore_opts, console_socket, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal (refused: needs criu's RPC mode)"),
    CLI_STRING_F("bundle", 'b', struct tr_restore_opts, bundle, "path to the root of the bundle directory, defaults to the current directory"),
    CLI_BOOL_F("detach", 'd', struct tr_restore_opts, detach, "detach from the container's process"),
    CLI_STRING_F("pid-file", 0, struct tr_restore_opts, pid_file, "specify the file to write the process id to"),
    CLI_BOOL_F("no-subreaper", 0, struct tr_restore_opts, no_subreaper, "disable the use of the subreaper used to reap reparented processes (only with --detach)"),
    CLI_BOOL_F("no-pivot", 0, struct tr_restore_opts, no_pivot, "do not use pivot root to jail process inside rootfs (refused: criu always pivots)"),
    CLI_FLAGS_END,
};

static const struct tr_restore_opts defaults = { .bundle = "." };

static int run_restore(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                       struct tr_err *err)
{
    struct tr_restore_opts *o = opts;
    int exit_code = 0;
    o->id = args[0];
    int r = tr_restore(ctx, o, &exit_code, err);
    return r < 0 ? r : o->detach ? 0 : exit_code;
}

const struct cli_verb cli_verb_restore = {
    .name = "restore", .summary = "restore a container from a previous checkpoint",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun restore [options] <container-id>",
    .opts_size = sizeof(struct tr_restore_opts), .defaults = &defaults, .run = run_restore,
};
