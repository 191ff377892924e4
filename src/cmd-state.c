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

static int cmd_state(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    _cleanup_cli_parser_ struct cli_parser p;
    int r = cli_verb_parse(&cli_verb_state, &p, argc, argv, NULL, err);
    if (r != 0)
        return r > 0 ? 0 : CMD_USAGE;
    const char *id = p.pos[0];
    char *json = tr_state_json(ctx, id, err);
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
    "state", cmd_state, "output the state of a container", usage, NULL, CLI_PERMUTE,
    1, 1, "container ID", "tinyrun state <container-id>",
};
