/* tinyrun: global flags (before the verb, as runc), log setup, verb dispatch, error printing. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif
#include "cli.h"
#include "container.h"
#include "log.h"
#include "quick/quick.h"
#include "trace.h"
#include "util.h"

static const struct cli_verb *const verbs[] = {
    &cli_verb_checkpoint, &cli_verb_create, &cli_verb_delete, &cli_verb_events, &cli_verb_exec,
    &cli_verb_features, &cli_verb_kill, &cli_verb_list, &cli_verb_logs, &cli_verb_pause,
    &cli_verb_ps, &cli_verb_restore, &cli_verb_resume, &cli_verb_run, &cli_verb_spec,
    &cli_verb_start, &cli_verb_state, &cli_verb_stop, &cli_verb_update,
};

struct globals {
    struct tr_ctx ctx;
    const char *log_path;
    enum tr_log_format log_format;
    bool help, version, trace;
};

static int set_log_format(void *target, const char *val, struct tr_err *err)
{
    struct globals *g = target;
    if (streq(val, "text"))
        g->log_format = TR_LOG_TEXT;
    else if (streq(val, "json"))
        g->log_format = TR_LOG_JSON;
    else
        return tr_failx(err, "invalid --log-format \"%s\": expected 'text' or 'json'", val);
    return 0;
}

static int set_rootless(void *target, const char *val, struct tr_err *err)
{
    struct globals *g = target;
    if (streq(val, "true"))
        g->ctx.rootless = 1;
    else if (streq(val, "false"))
        g->ctx.rootless = 0;
    else if (streq(val, "auto"))
        g->ctx.rootless = -1;
    else
        return tr_failx(err, "invalid --rootless \"%s\": expected 'true', 'false' or 'auto'", val);
    return 0;
}

/* runc's global flags, before the verb. */
static const struct cli_flag global_flags[] = {
    CLI_BOOL_F("debug", 0, struct globals, ctx.debug, "enable debug logging"),
    CLI_STRING_F("log", 0, struct globals, log_path, "log file (default: stderr only)"),
    CLI_FUNC_F("log-format", 0, set_log_format, "log format: 'text' (default) or 'json'"),
    CLI_STRING_F("root", 0, struct globals, ctx.root,
                 "root directory for container state, on a tmpfs"),   /* + its default */
    CLI_BOOL_F("systemd-cgroup", 0, struct globals, ctx.systemd_cgroup,
               "use the systemd cgroup driver; cgroupsPath is \"slice:prefix:name\""),
    CLI_FUNC_F("rootless", 0, set_rootless,
               "ignore cgroup permission errors: 'true', 'false' or 'auto' (default: \"auto\")"),
    CLI_STRING_F("criu", 0, struct globals, ctx.criu,
                 "path to the criu binary used by checkpoint and restore (default: \"criu\" on PATH)"),
    CLI_BOOL_F("trace", 0, struct globals, trace,
               "print per-phase timings on stderr (into --log with --log-format json)"),
    CLI_BOOL_F("help", 'h', struct globals, help, "show help"),
    CLI_BOOL_F("version", 'v', struct globals, version, "print the version"),
    CLI_FLAGS_END,
};

static void print_help(const struct tr_ctx *ctx)
{
    printf("NAME:\n   tinyrun - a small OCI container runtime, command-line compatible with runc\n\n"
           "USAGE:\n   tinyrun [global options] command [command options] [arguments...]\n\n"
           "VERSION:\n   %s\n\nCOMMANDS:\n", PACKAGE_VERSION);
    for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
        printf("   %-10s %s\n", verbs[i]->name, verbs[i]->summary);
    printf("   help, h    show a list of commands or help for one command\n\n"
           "GLOBAL OPTIONS (before the command):\n");
    cli_flags_help(stdout, global_flags, tr_state_root(ctx));
}

static void print_version(void)
{
    printf("tinyrun version %s\nspec: %s\n", PACKAGE_VERSION, OCI_VERSION);
#ifdef HAVE_SECCOMP
    const struct scmp_version *v = seccomp_version();
    printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
#endif
}

static const struct cli_verb *find_verb(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
        if (streq(verbs[i]->name, name))
            return verbs[i];
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

/* `tinyrun help [verb]` and `tinyrun h [verb]` as runc. */
static int run_help(struct globals *g, int argc, char **argv, struct tr_err *err)
{
    if (argc < 2) {
        print_help(&g->ctx);
        return 0;
    }
    const struct cli_verb *v = find_verb(argv[1]);
    if (!v)
        return tr_failx(err, "no help topic for \"%s\"; run tinyrun --help", argv[1]), CMD_USAGE;
    char *help_argv[] = { argv[1], (char *) "--help", NULL };
    return cli_verb_main(v, 2, help_argv, &g->ctx, err);
}

/* --debug: what the parser ignored, as the runtime-spec says to, named (a misspelt
 * "hooks.postStop" otherwise does nothing, without a word). */
static void note_unknown_property(const char *origin, const char *path)
{
    for (const struct oci_ignored_path *ig = oci_ignored_paths; ig->path; ig++) {
        size_t n = strlen(ig->path);
        if (!strncmp(path, ig->path, n) && (path[n] == '\0' || path[n] == '.' || path[n] == '[')) {
            tr_debug("%s: %s: not applied by tinyrun (%s)", origin, path, ig->reason);
            return;
        }
    }
    tr_debug("%s: %s: unknown property, ignored as the runtime-spec says; check its spelling", origin, path);
}

int main(int argc, char **argv)
{
    struct globals g = { .ctx = { .rootless = -1 }, .log_format = TR_LOG_TEXT };
    struct tr_err err = { 0 };
    _cleanup_cli_parser_ struct cli_parser p;
    int rc;

    cli_init(&p, argc, argv, NULL, CLI_STOP_AT_ARG);
    p.cmd = NULL;
    if (cli_flags_parse(global_flags, &p, &g, &err) < 0) {
        (void) tr_log_init(g.log_path, g.log_format, g.ctx.debug);
        report_usage_error(NULL, err.msg);
        return 1;
    }
    if (tr_log_init(g.log_path, g.log_format, g.ctx.debug) < 0) {
        fprintf(stderr, "tinyrun: open log file %s: %m\n", g.log_path);
        return 1;
    }
    tr_trace_init(g.trace, g.log_format == TR_LOG_JSON);
    if (g.ctx.debug)
        oci_set_unknown_handler(note_unknown_property);
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
    } else if (streq(verb, "__complete")) {   /* hidden: bash completion, flag lists */
        rc = cli_complete((int) p.npos, p.pos, verbs, ARRAY_SIZE(verbs), global_flags, stdout,
                          &err);
    } else if (streq(verb, "__cni-hook")) {  /* hidden: --net isolated's OCI hook */
        rc = quick_cni_hook(&g.ctx, (int) p.npos, p.pos, &err);
    } else {
        const struct cli_verb *v = find_verb(verb);
        if (!v) {
            _cleanup_free_ char *msg = xasprintf("unknown command \"%s\"; run tinyrun --help", verb);
            report_usage_error(NULL, msg);
            return 1;
        }
        tr_debug("%s: root %s", verb, g.ctx.root);
        tr_trace("runtime", verb);   /* flags, then the verb until its first phase */
        rc = cli_verb_main(v, (int) p.npos, p.pos, &g.ctx, &err);
    }
    if (rc == CMD_USAGE) {
        report_usage_error(verb, err.msg);
        rc = 1;
    } else if (rc < 0) {
        tr_log_error_line(err.msg);
        rc = rc == CMD_RUNTIME_FAILED ? 255 : 1;
    }
    tr_trace_report();
    fflush(stdout);
    return rc;
}
