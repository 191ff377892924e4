/* tinyrun list [--format table|json|quick] [--quiet] */
#include "config.h"
#include <string.h>
#include <stdio.h>
#include "cli.h"
#include "json-out.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun list - list containers started by tinyrun with the given root\n\n"
    "USAGE:\n   tinyrun list [command options]\n\n"
    "Where the given root is specified via the global option \"--root\".\n\n"
    "EXAMPLE:\n   tinyrun --root /run/containerd/runc/default list --format json\n\n"
    "OPTIONS:\n";

struct list_opts { const char *format; bool quiet; };
static const struct cli_flag flags[] = {
    CLI_STRING_F("format", 'f', struct list_opts, format,
                 "select one of: table, json, or quick (ID STATUS PID CREATED COMMAND) (default: \"table\")"),
    CLI_BOOL_F("quiet", 'q', struct list_opts, quiet, "display only container IDs"),
    CLI_FLAGS_END,
};

/* The process's arguments joined by spaces (malloc'd; "" when the config cannot be read). */
static char *command_of(const struct tr_ctx *ctx, const char *id)
{
    struct tr_container_info info;
    struct tr_err e;
    if (tr_container_info(ctx, id, NULL, &info, &e) < 0)
        return xstrdup("");
    char *cmd = xstrdup(info.command ? info.command : "");
    tr_container_info_free(&info);
    return cmd;
}

/* runc's JSON: one compact array of {ociVersion,id,pid,status,bundle,rootfs,created,owner},
 * and "command" after them (JSON consumers of runc's list, e.g. go-runc, ignore unknown keys).
 */
static void print_json(const struct tr_ctx *ctx, const struct tr_list_entry *l, size_t n)
{
    fputc('[', stdout);
    for (size_t i = 0; i < n; i++) {
        printf("%s{\"ociVersion\":", i ? "," : "");
        json_write_string(stdout, OCI_VERSION);
        fputs(",\"id\":", stdout);
        json_write_string(stdout, l[i].id);
        printf(",\"pid\":%d,\"status\":", l[i].pid);
        json_write_string(stdout, l[i].status);
        fputs(",\"bundle\":", stdout);
        json_write_string(stdout, l[i].bundle);
        fputs(",\"rootfs\":", stdout);
        json_write_string(stdout, l[i].rootfs);
        fputs(",\"created\":", stdout);
        json_write_string(stdout, l[i].created);
        fputs(",\"owner\":", stdout);
        json_write_string(stdout, l[i].owner);
        _cleanup_free_ char *cmd = command_of(ctx, l[i].id);
        fputs(",\"command\":", stdout);
        json_write_string(stdout, cmd);
        fputc('}', stdout);
    }
    fputs("]\n", stdout);
}

/* The default: runc's six columns in runc's order, then COMMAND (the seed's), so that scripts
 * that cut runc's first six columns keep working and the command, which may hold spaces, is
 * last. --format quick: the seed's view (what runs, since when, as which command). */
static void print_table(const struct tr_ctx *ctx, const struct tr_list_entry *l, size_t n, bool quick)
{
    static const char *const runc_header[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER", "COMMAND" };
    static const char *const quick_header[] = { "ID", "STATUS", "PID", "CREATED", "COMMAND" };
    struct cli_table t;
    cli_table_init(&t, quick ? ARRAY_SIZE(quick_header) : ARRAY_SIZE(runc_header));
    cli_table_add(&t, quick ? quick_header : runc_header);
    for (size_t i = 0; i < n; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "%d", l[i].pid);
        _cleanup_free_ char *cmd = command_of(ctx, l[i].id);
        const char *full[] = { l[i].id, pid, l[i].status, l[i].bundle, l[i].created, l[i].owner, cmd };
        const char *seed[] = { l[i].id, l[i].status, pid, l[i].created, cmd };
        cli_table_add(&t, quick ? seed : full);
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
}

static const struct list_opts defaults = { .format = "table" };

static int run_list(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                    struct tr_err *err)
{
    const struct list_opts *o = opts;
    struct tr_list_entry *l = NULL;
    size_t n = 0;
    bool quick = streq(o->format, "quick");
    if (!quick && !streq(o->format, "table") && !streq(o->format, "json"))
        return tr_failx(err, "invalid format option \"%s\": expected table, json or quick", o->format),
               CMD_USAGE;
    int r = tr_list(ctx, &l, &n, err);
    if (r < 0)
        return r;
    if (o->quiet) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", l[i].id);
    } else if (streq(o->format, "json")) {
        print_json(ctx, l, n);
    } else {
        print_table(ctx, l, n, quick);
    }
    tr_list_free(l, n);
    return 0;
}

const struct cli_verb cli_verb_list = {
    .name = "list", .summary = "list containers started by tinyrun with the given root",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 0, .max_args = 0, .what_missing = "",
    .usage_line = "tinyrun list [options]",
    .opts_size = sizeof(struct list_opts), .defaults = &defaults, .run = run_list,
};
