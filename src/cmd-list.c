/* tinyrun list [--format table|json] [--quiet] */
#include "config.h"
#include <string.h>
#include <stdio.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun list - list containers started by tinyrun with the given root\n\n"
    "USAGE:\n   tinyrun list [command options]\n\n"
    "Where the given root is specified via the global option \"--root\".\n\n"
    "EXAMPLE:\n   tinyrun --root /run/containerd/runc/default list --format json\n\n"
    "OPTIONS:\n"
    "   --format value, -f value  select one of: table or json (default: \"table\")\n"
    "   --quiet, -q               display only container IDs\n";

enum { OPT_FORMAT = 1, OPT_QUIET };
static const struct cli_opt opts[] = {
    { "format", 'f', CLI_VALUE, OPT_FORMAT },
    { "quiet", 'q', CLI_BOOL, OPT_QUIET },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

/* runc's JSON: one compact array of {ociVersion,id,pid,status,bundle,rootfs,created,owner}.
 */
static void print_json(const struct tr_list_entry *l, size_t n)
{
    fputc('[', stdout);
    for (size_t i = 0; i < n; i++) {
        printf("%s{\"ociVersion\":", i ? "," : "");
        cli_json_str(stdout, OCI_VERSION);
        fputs(",\"id\":", stdout);
        cli_json_str(stdout, l[i].id);
        printf(",\"pid\":%d,\"status\":", l[i].pid);
        cli_json_str(stdout, l[i].status);
        fputs(",\"bundle\":", stdout);
        cli_json_str(stdout, l[i].bundle);
        fputs(",\"rootfs\":", stdout);
        cli_json_str(stdout, l[i].rootfs);
        fputs(",\"created\":", stdout);
        cli_json_str(stdout, l[i].created);
        fputs(",\"owner\":", stdout);
        cli_json_str(stdout, l[i].owner);
        fputc('}', stdout);
    }
    fputs("]\n", stdout);
}

static void print_table(const struct tr_list_entry *l, size_t n)
{
    static const char *const header[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
    struct cli_table t;
    cli_table_init(&t, ARRAY_SIZE(header));
    cli_table_add(&t, header);
    for (size_t i = 0; i < n; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "%d", l[i].pid);
        const char *row[] = { l[i].id, pid, l[i].status, l[i].bundle, l[i].created, l[i].owner };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
}

int cmd_list(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    const char *format = "table";
    bool quiet = false;
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE;
    struct tr_list_entry *l = NULL;
    size_t n = 0;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (id == OPT_FORMAT)
            format = val;
        else if (id == OPT_QUIET)
            quiet = p.bool_val;
    }
    if (id == CLI_ERROR || cli_check_args(&p, 0, 0, "", "tinyrun list [options]", err) < 0)
        goto out;
    if (!streq(format, "table") && !streq(format, "json")) {
        tr_failx(err, "invalid format option \"%s\": expected table or json", format);
        goto out;
    }
    rc = tr_list(ctx, &l, &n, err);
    if (rc < 0)
        goto out;
    if (quiet) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", l[i].id);
    } else if (streq(format, "json")) {
        print_json(l, n);
    } else {
        print_table(l, n);
    }
    tr_list_free(l, n);
    rc = 0;
out:
    cli_parser_free(&p);
    return rc;
}
