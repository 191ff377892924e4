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

static int cmd_features(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_features, &p, argc, argv, NULL, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    char *json = tr_features_json(err);
    if (!json)
        return -1;
    puts(json);
    free(json);
    return 0;
}

const struct cli_verb cli_verb_features = {
    "features", cmd_features, "show the enabled features (JSON)", usage, NULL, CLI_PERMUTE,
    0, 0, "", "tinyrun features",
};
