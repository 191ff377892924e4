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
    "OPTIONS:\n"
    CLI_CREATE_OPTIONS_HELP;

static const struct cli_opt opts[] = {
    CLI_CREATE_OPTS,
    CLI_OPT_HELP,
    CLI_OPT_END,
};

int cli_create_flag(int id, const char *val, bool bval, struct tr_create_opts *o,
                    struct tr_err *err)
{
    switch (id) {
    case CLI_CREATE_BUNDLE: o->bundle = val; return 0;
    case CLI_CREATE_PID_FILE: o->pid_file = val; return 0;
    case CLI_CREATE_CONSOLE_SOCKET: o->console_socket = val; return 0;
    case CLI_CREATE_NO_PIVOT: o->no_pivot = bval; return 0;
    case CLI_CREATE_NO_NEW_KEYRING: o->no_new_keyring = bval; return 0;
    case CLI_CREATE_PRESERVE_FDS: return cli_parse_nonneg_int("preserve-fds", val, &o->preserve_fds, err);
    }
    return 1;   /* not a create flag */
}

int cmd_create(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct tr_create_opts o = { .bundle = "." };
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (cli_create_flag(id, val, p.bool_val, &o, err) < 0)
            goto out;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, 1, 1, "container ID", "tinyrun create [options] <container-id>",
                       err) < 0)
        goto out;
    o.id = p.pos[0];
    rc = tr_create(ctx, &o, err);
out:
    cli_parser_free(&p);
    return rc;
}
