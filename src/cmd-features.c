/* tinyrun features: the runtime-spec Features JSON (features.md). */
#include "config.h"
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun features - show the enabled features\n\n"
    "USAGE:\n   tinyrun features\n\n"
    "DESCRIPTION:\n   Show the enabled features, as the JSON document described by the OCI\n"
    "runtime-spec (features.md): supported spec versions, hooks, mount options,\n"
    "namespaces, capabilities, cgroup drivers, seccomp actions and architectures...\n";

static const struct cli_opt opts[] = { CLI_OPT_HELP, CLI_OPT_END };

int cmd_features(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
    }
    if (id == CLI_ERROR || cli_check_args(&p, 0, 0, "", "tinyrun features", err) < 0)
        goto out;
    char *json = tr_features_json(err);
    rc = -1;
    if (json) {
        puts(json);
        free(json);
        rc = 0;
    }
out:
    cli_parser_free(&p);
    return rc;
}
