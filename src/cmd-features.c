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

static int run_features(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                        struct tr_err *err)
{
    char *json = tr_features_json(ctx, err);
    if (!json)
        return -1;
    puts(json);
    free(json);
    return 0;
}

const struct cli_verb cli_verb_features = {
    .name = "features", .summary = "show the enabled features (JSON)",
    .help_head = usage, .flags = NULL, .mode = CLI_PERMUTE,
    .min_args = 0, .max_args = 0, .what_missing = "",
    .usage_line = "tinyrun features",
    .run = run_features,
};
