/* tinyrun checkpoint [options] <container-id>: criu dump of a running container (runc's flags). */
#include "config.h"
#include <string.h>
#include "cli.h"
#include "criu.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun checkpoint - checkpoint a running container\n\n"
    "USAGE:\n   tinyrun checkpoint [command options] <container-id>\n\n"
    "Where \"<container-id>\" is the name for the instance of the container to be\n"
    "checkpointed.\n\n"
    "DESCRIPTION:\n   The checkpoint command saves the state of the container instance with criu\n"
    "(see --criu). Unless --leave-running or --pre-dump is given, the container is\n"
    "stopped and deleted afterwards; \"tinyrun restore\" brings it back.\n\n"
    "OPTIONS:\n";

static int set_status_fd(void *target, const char *val, struct tr_err *err)
{
    struct tr_checkpoint_opts *o = target;
    return cli_parse_nonneg_int("--status-fd", val, &o->status_fd, err);
}

static const struct cli_flag flags[] = {
    CRIU_COMMON_FLAGS(struct tr_checkpoint_opts),
    CLI_STRING_F("parent-path", 0, struct tr_checkpoint_opts, parent_path, "path for previous criu image files in pre-dump, relative to the image path"),
    CLI_BOOL_F("leave-running", 0, struct tr_checkpoint_opts, leave_running, "leave the process running after checkpointing"),
    CLI_FUNC_F("status-fd", 0, set_status_fd, "criu writes \\0 to this FD once lazy-pages is ready"),
    CLI_STRING_F("page-server", 0, struct tr_checkpoint_opts, page_server, "ADDRESS:PORT of the page server"),
    CLI_BOOL_F("pre-dump", 0, struct tr_checkpoint_opts, pre_dump, "dump the container's memory information only, leave the container running after this"),
    CLI_FLAGS_END,
};

static const struct tr_checkpoint_opts defaults = { .status_fd = -1 };

static int run_checkpoint(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                          struct tr_err *err)
{
    struct tr_checkpoint_opts *o = opts;
    o->id = args[0];
    return tr_checkpoint(ctx, o, err);
}

const struct cli_verb cli_verb_checkpoint = {
    .name = "checkpoint", .summary = "checkpoint a running container",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun checkpoint [options] <container-id>",
    .opts_size = sizeof(struct tr_checkpoint_opts), .defaults = &defaults, .run = run_checkpoint,
};
