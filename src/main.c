/* tinyrun: global flags (before the verb, as runc), log setup, verb dispatch, error printing. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <libseccomp.h>
#endif
#include "cli.h"
#include "container.h"
#include "log.h"
#include "util.h"

static const struct verb {
    const char *name;
    cmd_fn fn;
    const char *summary;
} verbs[] = {
    { "create", cmd_create, "create a container" },
    { "delete", cmd_delete, "delete any resources held by the container" },
    { "events", cmd_events, "display container events and resource usage statistics" },
    { "exec", cmd_exec, "execute a new process inside the container" },
    { "features", cmd_features, "show the enabled features (JSON)" },
    { "kill", cmd_kill, "send a signal (default: SIGTERM) to the container's init process" },
    { "list", cmd_list, "list containers started by tinyrun with the given root" },
    { "pause", cmd_pause, "suspend all processes inside the container" },
    { "ps", cmd_ps, "display the processes running inside a container" },
    { "resume", cmd_resume, "resume all processes that have been previously paused" },
    { "run", cmd_run, "create and run a container" },
    { "spec", cmd_spec, "create a new specification file" },
    { "start", cmd_start, "execute the user defined process in a created container" },
    { "state", cmd_state, "output the state of a container" },
    { "update", cmd_update, "update container resource constraints" },
};

enum { G_ROOT = 1, G_LOG, G_LOG_FORMAT, G_DEBUG, G_SYSTEMD, G_ROOTLESS, G_CRIU, G_VERSION };
static const struct cli_opt global_opts[] = {
    { "root", 0, CLI_VALUE, G_ROOT },
    { "log", 0, CLI_VALUE, G_LOG },
    { "log-format", 0, CLI_VALUE, G_LOG_FORMAT },
    { "debug", 0, CLI_BOOL, G_DEBUG },
    { "systemd-cgroup", 0, CLI_BOOL, G_SYSTEMD },
    { "rootless", 0, CLI_VALUE, G_ROOTLESS },
    { "criu", 0, CLI_VALUE, G_CRIU },     /* accepted for runc compatibility; no checkpointing */
    { "version", 'v', CLI_BOOL, G_VERSION },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static void print_help(const struct tr_ctx *ctx)
{
    printf("NAME:\n   tinyrun - a small OCI container runtime, command-line compatible with runc\n\n"
           "USAGE:\n   tinyrun [global options] command [command options] [arguments...]\n\n"
           "VERSION:\n   %s\n\nCOMMANDS:\n", PACKAGE_VERSION);
    for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
        printf("   %-10s %s\n", verbs[i].name, verbs[i].summary);
    printf("   help, h    show a list of commands or help for one command\n\n"
           "GLOBAL OPTIONS (before the command):\n"
           "   --debug             enable debug logging\n"
           "   --log value         log file (default: stderr only)\n"
           "   --log-format value  log format: 'text' (default) or 'json'\n"
           "   --root value        root directory for container state, on a tmpfs (default: \"%s\")\n"
           "   --systemd-cgroup    use the systemd cgroup driver; cgroupsPath is \"slice:prefix:name\"\n"
           "   --rootless value    ignore cgroup permission errors: 'true', 'false' or 'auto' (default: \"auto\")\n"
           "   --criu value        accepted for compatibility (checkpoint/restore is not supported)\n"
           "   --help, -h          show help\n"
           "   --version, -v       print the version\n", tr_state_root(ctx));
}

static void print_version(void)
{
    printf("tinyrun version %s\nspec: %s\n", PACKAGE_VERSION, OCI_VERSION);
#ifdef HAVE_SECCOMP
    const struct scmp_version *v = seccomp_version();
    printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
#endif
}

static const struct verb *find_verb(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
        if (streq(verbs[i].name, name))
            return &verbs[i];
    return NULL;
}

/* Usage mistakes read "tinyrun <verb>: msg" on stderr; the log file gets the message too. */
static void report_usage_error(const char *verb, const char *msg)
{
    _cleanup_free_ char *line = xasprintf("%s%s%s", verb ? verb : "", verb ? ": " : "", msg);
    fprintf(stderr, "tinyrun%s%s\n", verb ? " " : ": ", line);
    fflush(stderr);
    tr_log_quiet_stderr();
    tr_log_error_line(line);
}

struct globals {
    struct tr_ctx ctx;
    const char *log_path;
    enum tr_log_format log_format;
    bool help, version;
};

static int parse_global(struct globals *g, int id, const char *val, bool bval, struct tr_err *err)
{
    switch (id) {
    case G_ROOT: g->ctx.root = val; break;
    case G_LOG: g->log_path = val; break;
    case G_LOG_FORMAT:
        if (streq(val, "text"))
            g->log_format = TR_LOG_TEXT;
        else if (streq(val, "json"))
            g->log_format = TR_LOG_JSON;
        else
            return tr_failx(err, "invalid --log-format \"%s\": expected 'text' or 'json'", val);
        break;
    case G_DEBUG: g->ctx.debug = bval; break;
    case G_SYSTEMD: g->ctx.systemd_cgroup = bval; break;
    case G_ROOTLESS:
        if (streq(val, "true"))
            g->ctx.rootless = 1;
        else if (streq(val, "false"))
            g->ctx.rootless = 0;
        else if (streq(val, "auto"))
            g->ctx.rootless = -1;
        else
            return tr_failx(err, "invalid --rootless \"%s\": expected 'true', 'false' or 'auto'",
                            val);
        break;
    case G_CRIU: break;
    case G_VERSION: g->version = bval; break;
    case CLI_HELP: g->help = bval; break;
    }
    return 0;
}

/* `tinyrun help [verb]` and `tinyrun h [verb]` as runc. */
static int run_help(struct globals *g, int argc, char **argv, struct tr_err *err)
{
    if (argc < 2) {
        print_help(&g->ctx);
        return 0;
    }
    const struct verb *v = find_verb(argv[1]);
    if (!v)
        return tr_failx(err, "no help topic for \"%s\"; run tinyrun --help", argv[1]), CMD_USAGE;
    char *help_argv[] = { argv[1], (char *) "--help", NULL };
    return v->fn(2, help_argv, &g->ctx, err);
}

int main(int argc, char **argv)
{
    struct globals g = { .ctx = { .rootless = -1 }, .log_format = TR_LOG_TEXT };
    struct tr_err err = { 0 };
    _cleanup_cli_parser_ struct cli_parser p;
    const char *val;
    int id, rc;

    cli_init(&p, argc, argv, global_opts, CLI_STOP_AT_ARG);
    p.cmd = NULL;
    while ((id = cli_next(&p, &val, &err)) >= 0)
        if (parse_global(&g, id, val, p.bool_val, &err) < 0)
            break;
    if (err.msg[0]) {
        (void) tr_log_init(g.log_path, g.log_format, g.ctx.debug);
        report_usage_error(NULL, err.msg);
        return 1;
    }
    if (tr_log_init(g.log_path, g.log_format, g.ctx.debug) < 0) {
        fprintf(stderr, "tinyrun: open log file %s: %m\n", g.log_path);
        return 1;
    }
    if (!g.ctx.root)
        g.ctx.root = tr_state_root(&g.ctx);
    if (g.version) {
        print_version();
        return 0;
    }
    if (g.help || p.npos == 0) {
        print_help(&g.ctx);
        return 0;
    }

    const char *verb = p.pos[0];
    if (streq(verb, "help") || streq(verb, "h")) {
        rc = run_help(&g, (int) p.npos, p.pos, &err);
    } else {
        const struct verb *v = find_verb(verb);
        if (!v) {
            _cleanup_free_ char *msg = xasprintf("unknown command \"%s\"; run tinyrun --help", verb);
            report_usage_error(NULL, msg);
            return 1;
        }
        tr_debug("%s: root %s", verb, g.ctx.root);
        rc = v->fn((int) p.npos, p.pos, &g.ctx, &err);
    }
    if (rc == CMD_USAGE) {
        report_usage_error(verb, err.msg);
        rc = 1;
    } else if (rc < 0) {
        tr_log_error_line(err.msg);
        rc = rc == CMD_RUNTIME_FAILED ? 255 : 1;
    }
    fflush(stdout);
    return rc;
}
