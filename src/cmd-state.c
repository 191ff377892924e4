/* tinyrun state <container-id> */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun state - output the state of a container\n\n"
    "USAGE:\n   tinyrun state <container-id>\n\n"
    "Where \"<container-id>\" is your name for the instance of the container.\n\n"
    "DESCRIPTION:\n   The state command outputs current state information for the\n"
    "instance of a container, as JSON.\n";

static int run_state(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                     struct tr_err *err)
{
    char *json = tr_state_json(ctx, args[0], err);
    if (!json)
        return -1;
    size_t n = strlen(json);
    fputs(json, stdout);
    if (n == 0 || json[n - 1] != '\n')
        fputc('\n', stdout);
    free(json);
    return 0;
}

const struct cli_verb cli_verb_state = {
    .name = "state", .summary = "output the state of a container",
    .help_head = usage, .flags = NULL, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun state <container-id>",
    .run = run_state,
};
