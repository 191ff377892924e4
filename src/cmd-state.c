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

int cmd_state(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    const char *id = NULL;
    int r = cli_parse_id_only(argc, argv, usage, "tinyrun state <container-id>", &id, err);
    if (r != 0)
        return r < 0 ? CMD_USAGE : 0;
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
