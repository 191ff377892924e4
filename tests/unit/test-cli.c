/* Unit tests of the command-line helpers (src/cli.c): flag parser, option tables (parse, --help,
 * completion), signals, --user (tr_parse_user),
 * sizes, durations, update flags -> oci_resources, table output. */
#include "config.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "tap.h"
#include "util.h"

/* tap.h's is_str passes its own _c into ok(), which shadows it; compare strings here. */
#define str_eq(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
    bool same_ = g_ && w_ && strcmp(g_, w_) == 0; ok(same_, __VA_ARGS__); \
    if (!same_) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

static void test_signals(void)
{
    static const struct { const char *in; int want; } good[] = {
        { "TERM", SIGTERM }, { "SIGTERM", SIGTERM }, { "sigkill", SIGKILL }, { "kill", SIGKILL },
        { "Hup", SIGHUP }, { "9", 9 }, { "0", 0 }, { "15", 15 }, { "USR1", SIGUSR1 },
        { "SIGWINCH", SIGWINCH }, { "CHLD", SIGCHLD }, { "cld", SIGCHLD }, { "PWR", SIGPWR },
        { "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "SIGIOT", SIGABRT },
    };
    struct tr_err err;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        int sig = -1;
        int r = cli_parse_signal(good[i].in, &sig, &err);
        ok(r == 0 && sig == good[i].want, "signal %s -> %d (got %d)", good[i].in, good[i].want, sig);
    }
    int sig = -1;
    ok(cli_parse_signal("RTMIN", &sig, &err) == 0 && sig == SIGRTMIN, "RTMIN -> SIGRTMIN");
    ok(cli_parse_signal("SIGRTMIN+3", &sig, &err) == 0 && sig == SIGRTMIN + 3, "SIGRTMIN+3");
    ok(cli_parse_signal("rtmin+3", &sig, &err) == 0 && sig == SIGRTMIN + 3, "rtmin+3 (any case)");
    ok(cli_parse_signal("RTMAX", &sig, &err) == 0 && sig == SIGRTMAX, "RTMAX");
    ok(cli_parse_signal("SIGRTMAX-2", &sig, &err) == 0 && sig == SIGRTMAX - 2, "SIGRTMAX-2");
    char max[16];
    snprintf(max, sizeof max, "%d", SIGRTMAX);
    ok(cli_parse_signal(max, &sig, &err) == 0 && sig == SIGRTMAX, "number SIGRTMAX accepted");

    static const char *const bad[] = {
        "", "SIG", "BOGUS", "SIGFOO", "-9", "65", "9x", "RTMIN+", "RTMIN-1", "RTMAX+1",
        "RTMIN+99", "RTMIN+x", " 9", "TERM ", "SIG TERM", "99999999999",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        tr_err_clear(&err);
        ok(cli_parse_signal(bad[i], &sig, &err) < 0 && strstr(err.msg, "signal"),
           "signal \"%s\" refused: %s", bad[i], err.msg);
    }
}

static void test_user(void)
{
    struct tr_err err;
    uint32_t uid = 7, gid = 7;
    bool has_gid = true;
    ok(tr_parse_user("1000", &uid, &gid, &has_gid, &err) == 0 && uid == 1000 && !has_gid,
       "user 1000: uid only");
    ok(tr_parse_user("1000:100", &uid, &gid, &has_gid, &err) == 0 && uid == 1000 && gid == 100 &&
       has_gid, "user 1000:100");
    ok(tr_parse_user("0:0", &uid, &gid, &has_gid, &err) == 0 && uid == 0 && gid == 0,
       "user 0:0");
    ok(tr_parse_user("4294967295", &uid, &gid, &has_gid, &err) == 0 && uid == UINT32_MAX,
       "user 2^32-1");
    static const char *const bad[] = {
        "", "root", "1000:", ":100", "-1", "4294967296", "1:2:3", "1000:users", " 1", "+5",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        tr_err_clear(&err);
        ok(tr_parse_user(bad[i], &uid, &gid, &has_gid, &err) < 0 &&
           strstr(err.msg, "<uid>[:<gid>]"), "user \"%s\" refused: %s", bad[i], err.msg);
    }
}

static void test_bytes(void)
{
    static const struct { const char *in; int64_t want; } good[] = {
        { "0", 0 }, { "1024", 1024 }, { "512k", 512 * 1024 }, { "512K", 512 * 1024 },
        { "64m", 64LL << 20 }, { "64mb", 64LL << 20 }, { "64MiB", 64LL << 20 },
        { "1g", 1LL << 30 }, { "1G", 1LL << 30 }, { "1.5g", 3LL << 29 }, { "2GiB", 2LL << 30 },
        { "10 MB", 10LL << 20 }, { "1t", 1LL << 40 }, { "1p", 1LL << 50 }, { "100b", 100 },
        { "-1", -1 },
    };
    struct tr_err err;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        int64_t v = -99;
        ok(cli_parse_bytes(good[i].in, &v, &err) == 0 && v == good[i].want,
           "size \"%s\" -> %lld (got %lld)", good[i].in, (long long) good[i].want, (long long) v);
    }
    static const char *const bad[] = {
        "", "abc", "12q", "1.5.5", "-2", "1iB", "m", " 1", "1gg", "99999999999p", "1 g b", "0x10", "1e3", "1.", ".5", "+1", "inf", "nan",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int64_t v;
        tr_err_clear(&err);
        ok(cli_parse_bytes(bad[i], &v, &err) < 0 && strstr(err.msg, "invalid size"),
           "size \"%s\" refused: %s", bad[i], err.msg);
    }
}

static void test_duration(void)
{
    static const struct { const char *in; int want; } good[] = {
        { "5s", 5 }, { "1m", 60 }, { "1m30s", 90 }, { "500ms", 1 }, { "1.5s", 2 },
        { "1h", 3600 }, { "7", 7 }, { ".5s", 1 }, { "1.s", 1 }, { "2000ms", 2 }, { "1h1m1s", 3661 },
    };
    struct tr_err err;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        int s = -1;
        ok(cli_parse_duration_sec(good[i].in, &s, &err) == 0 && s == good[i].want,
           "duration \"%s\" -> %d s (got %d)", good[i].in, good[i].want, s);
    }
    static const char *const bad[] = { "", "0s", "0", "abc", "5x", "-5s", "s", "5 s", "1e3s", ".s", "0x5s" };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        int s;
        tr_err_clear(&err);
        ok(cli_parse_duration_sec(bad[i], &s, &err) < 0 && strstr(err.msg, "invalid duration"),
           "duration \"%s\" refused: %s", bad[i], err.msg);
    }
}

enum { O_BUNDLE = 1, O_DETACH, O_ENV };
static const struct cli_opt test_opts[] = {
    { "bundle", 'b', CLI_VALUE, O_BUNDLE },
    { "detach", 'd', CLI_BOOL, O_DETACH },
    { "env", 'e', CLI_VALUE, O_ENV },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

/* Parse argv, record "id=value" items in out (space separated) and positionals after '|'. */
static int parse_to_string(char **argv, enum cli_mode mode, char *out, size_t cap,
                           struct tr_err *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    struct cli_parser p;
    const char *val;
    int id;
    size_t n = 0;
    out[0] = '\0';
    cli_init(&p, argc, argv, test_opts, mode);
    while ((id = cli_next(&p, &val, err)) >= 0)
        n += (size_t) snprintf(out + n, cap - n, "%d=%s ", id,
                               val ? val : (p.bool_val ? "true" : "false"));
    n += (size_t) snprintf(out + n, cap - n, "|");
    for (size_t i = 0; i < p.npos; i++)
        n += (size_t) snprintf(out + n, cap - n, " %s", p.pos[i]);
    cli_parser_free(&p);
    return id == CLI_END ? 0 : -1;
}

#define ARGV(...) ((char *[]) { (char *) "verb", __VA_ARGS__, NULL })

static void test_parser(void)
{
    char out[512];
    struct tr_err err;
    ok(parse_to_string(ARGV("--bundle", "/b", "id"), CLI_PERMUTE, out, sizeof out, &err) == 0,
       "--bundle value");
    str_eq(out, "1=/b | id", "--bundle /b id");
    parse_to_string(ARGV("id", "--bundle=/b", "-d"), CLI_PERMUTE, out, sizeof out, &err);
    str_eq(out, "1=/b 2=true | id", "flags after the ID (permute), --flag=value, short bool");
    parse_to_string(ARGV("-bundle", "/b", "-b=/c", "-b", "/d", "id"), CLI_PERMUTE, out, sizeof out, &err);
    str_eq(out, "1=/b 1=/c 1=/d | id", "Go-style -bundle, -b=value, -b value");
    parse_to_string(ARGV("--detach=false", "-d=true", "--detach=0", "id"), CLI_PERMUTE, out,
                    sizeof out, &err);
    str_eq(out, "2=false 2=true 2=false | id", "bool flags take =true/false/0");
    parse_to_string(ARGV("-d", "false", "id"), CLI_PERMUTE, out, sizeof out, &err);
    str_eq(out, "2=true | false id", "a bool flag never takes the next argument");
    parse_to_string(ARGV("-e", "A=1", "--env", "B=2", "id"), CLI_PERMUTE, out, sizeof out, &err);
    str_eq(out, "3=A=1 3=B=2 | id", "repeatable value flag; '=' inside the value kept");
    parse_to_string(ARGV("-d", "id", "sh", "-c", "echo --bundle", "-e"), CLI_STOP_AT_ARG, out,
                    sizeof out, &err);
    str_eq(out, "2=true | id sh -c echo --bundle -e", "stop mode: all after the ID is positional");
    parse_to_string(ARGV("--", "-d", "x"), CLI_PERMUTE, out, sizeof out, &err);
    str_eq(out, "| -d x", "-- ends the flags");
    parse_to_string(ARGV("-", "id"), CLI_PERMUTE, out, sizeof out, &err);
    str_eq(out, "| - id", "a lone - is positional");
    parse_to_string(ARGV("-h"), CLI_PERMUTE, out, sizeof out, &err);
    str_eq(out, "1000=true |", "-h is help");

    tr_err_clear(&err);
    ok(parse_to_string(ARGV("--bogus", "id"), CLI_PERMUTE, out, sizeof out, &err) < 0,
       "unknown flag refused");
    str_eq(err.msg, "unknown flag --bogus; run tinyrun verb --help", "unknown flag message");
    tr_err_clear(&err);
    ok(parse_to_string(ARGV("id", "-x=1"), CLI_PERMUTE, out, sizeof out, &err) < 0 &&
       strstr(err.msg, "unknown flag -x;"), "unknown short flag named without its value");
    tr_err_clear(&err);
    ok(parse_to_string(ARGV("id", "--bundle"), CLI_PERMUTE, out, sizeof out, &err) < 0,
       "missing value refused");
    str_eq(err.msg, "flag --bundle needs a value", "missing value message");
    tr_err_clear(&err);
    ok(parse_to_string(ARGV("--detach=maybe"), CLI_PERMUTE, out, sizeof out, &err) < 0 &&
       strstr(err.msg, "invalid boolean value \"maybe\""), "bad bool value refused");

    struct cli_parser p;
    const char *val;
    cli_init(&p, 3, ARGV("a", "b"), test_opts, CLI_PERMUTE);
    while (cli_next(&p, &val, &err) >= 0)
        ;
    tr_err_clear(&err);
    ok(cli_check_args(&p, 1, 1, "container ID", "tinyrun x <id>", &err) < 0, "too many args");
    str_eq(err.msg, "unexpected argument \"b\"; usage: tinyrun x <id>", "too-many message");
    tr_err_clear(&err);
    ok(cli_check_args(&p, 3, 3, "container ID", "tinyrun x <id>", &err) < 0, "too few args");
    str_eq(err.msg, "missing container ID; usage: tinyrun x <id>", "missing-ID message");
    ok(cli_check_args(&p, 1, 2, "container ID", "u", &err) == 0, "count within range");
    cli_parser_free(&p);
}

static void test_update_flags(void)
{
    struct tr_err err;
    struct cli_update_flags f = { .memory = "512m", .memory_swap = "-1", .memory_reservation = "1g",
                                  .cpu_shares = "512", .cpu_quota = "-1", .cpu_period = "100000",
                                  .cpu_rt_runtime = "950000", .cpu_rt_period = "1000000",
                                  .cpuset_cpus = "0-1", .cpuset_mems = "0",
                                  .pids_limit = "100", .blkio_weight = "500" };
    struct oci_resources *r = cli_resources_from_flags(&f, &err);
    ok(r != NULL, "update flags accepted");
    if (!r)
        return;
    ok(r->memory && r->memory->has_limit && r->memory->limit == 512LL << 20, "--memory 512m");
    ok(r->memory->has_swap && r->memory->swap == -1, "--memory-swap -1 (unlimited)");
    ok(r->memory->has_reservation && r->memory->reservation == 1LL << 30, "--memory-reservation 1g");
    ok(!r->memory->has_kernel && !r->memory->has_kernel_tcp, "kernel memory not set");
    ok(r->cpu && r->cpu->has_shares && r->cpu->shares == 512, "--cpu-share 512");
    ok(r->cpu->has_quota && r->cpu->quota == -1, "--cpu-quota -1");
    ok(r->cpu->has_period && r->cpu->period == 100000, "--cpu-period");
    ok(r->cpu->has_realtime_runtime && r->cpu->realtime_runtime == 950000, "--cpu-rt-runtime");
    ok(r->cpu->has_realtime_period && r->cpu->realtime_period == 1000000, "--cpu-rt-period");
    str_eq(r->cpu->cpus, "0-1", "--cpuset-cpus");
    str_eq(r->cpu->mems, "0", "--cpuset-mems");
    ok(r->has_pids_limit && r->pids_limit == 100, "--pids-limit");
    ok(r->block_io && r->block_io->has_weight && r->block_io->weight == 500, "--blkio-weight");
    oci_resources_free(r);

    struct cli_update_flags only_pids = { .pids_limit = "-1" };
    r = cli_resources_from_flags(&only_pids, &err);
    ok(r && !r->memory && !r->cpu && !r->block_io && r->has_pids_limit && r->pids_limit == -1,
       "only the given fields are set");
    if (r)
        oci_resources_free(r);

    static const struct { struct cli_update_flags f; const char *msg; } bad[] = {
        { { .memory = "lots" }, "invalid value for --memory: invalid size \"lots\"" },
        { { .memory_swap = "-2" }, "invalid value for --memory-swap" },
        { { .cpu_shares = "-5" }, "invalid value for --cpu-share: \"-5\" is not an unsigned integer" },
        { { .cpu_quota = "1.5" }, "invalid value for --cpu-quota" },
        { { .pids_limit = "many" }, "invalid value for --pids-limit" },
        { { .blkio_weight = "70000" }, "invalid value for --blkio-weight" },
        { { .cpu_period = "" }, "invalid value for --cpu-period" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        tr_err_clear(&err);
        r = cli_resources_from_flags(&bad[i].f, &err);
        ok(!r && strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0, "bad update flag: %s",
           err.msg);
    }
}

static void test_output(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct cli_table t;
    cli_table_init(&t, 3);
    cli_table_add(&t, (const char *[]) { "ID", "PID", "OWNER" });
    cli_table_add(&t, (const char *[]) { "a-rather-long-id", "42", "root" });
    cli_table_print(&t, f);
    cli_table_free(&t);
    fclose(f);
    str_eq(buf, "ID                 PID         OWNER\n"
                "a-rather-long-id   42          root\n",
           "table: min width 12, padding 3, last column unpadded");
    free(buf);
}

/* ---- option tables ---- */

struct tt_opts {
    bool debug; const char *name; char **env; size_t env_len; int fds, secs; const char *seen;
};

static int tt_set(void *target, const char *val, struct tr_err *err)
{
    if (streq(val, "bad"))
        return tr_failx(err, "--fn: bad value");
    ((struct tt_opts *) target)->seen = val;
    return 0;
}

static const struct cli_flag tt_flags[] = {
    CLI_STRING_F("name", 'n', struct tt_opts, name, "a name"),
    CLI_BOOL_F("debug", 0, struct tt_opts, debug, "debug it\n"
               "                   (two lines)"),
    CLI_STRINGS_F("env", 'e', struct tt_opts, env, env_len, "repeatable"),
    CLI_TEXT_F("\nMore:\n"),
    CLI_INT_F("fds", 0, struct tt_opts, fds, "a count"),
    CLI_DURATION_F("every", 0, struct tt_opts, secs, "a duration"),
    CLI_FUNC_F("fn", 0, tt_set, NULL),
    CLI_IGNORED_F("old", true, "accepted"),
    CLI_FLAGS_END,
};

static int tt_run(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                  struct tr_err *err)
{
    const struct tt_opts *o = opts;
    return o->fds + (int) nargs;
}

static const struct tt_opts tt_defaults = { .fds = 40 };
static const struct cli_verb tt_verb = {
    .name = "tt", .summary = "a test verb", .help_head = "HEAD\n", .flags = tt_flags,
    .mode = CLI_PERMUTE, .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun tt <id>", .opts_size = sizeof(struct tt_opts),
    .defaults = &tt_defaults, .run = tt_run,
};

static int tt_parse(char **argv, struct tt_opts *o, struct cli_parser *p, struct tr_err *err)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    *o = (struct tt_opts) { .fds = -1 };
    tr_err_clear(err);
    return cli_verb_parse(&tt_verb, p, argc, argv, o, err);
}

static char *captured(void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f, arg);
    fclose(f);
    return buf;
}

static void help_of_tt(FILE *f, const void *arg)
{
    cli_verb_help(f, arg);
}

static void complete_tt(FILE *f, const void *arg)
{
    static const struct cli_verb *const vs[] = { &tt_verb };
    struct tr_err err;
    char *argv[] = { (char *) "__complete", (char *) arg, (char *) "tt", NULL };
    cli_complete(streq(arg, "flags") ? 3 : 2, argv, vs, 1, tt_flags, f, &err);
}

static void test_tables(void)
{
    struct tt_opts o;
    struct tr_err err;
    {
        _cleanup_cli_parser_ struct cli_parser p;
        ok(tt_parse(ARGV("-n", "x", "--debug", "-e", "A=1", "id", "--env=B=2", "--fds", "3",
                         "--every=1m", "--fn", "v", "--old", "o"), &o, &p, &err) == 0,
           "table parse: %s", err.msg);
        ok(o.name && streq(o.name, "x") && o.debug && o.env_len == 2 && streq(o.env[1], "B=2") &&
           !o.env[2] && o.fds == 3 && o.secs == 60 && o.seen && streq(o.seen, "v") &&
           p.npos == 1 && streq(p.pos[0], "id"), "every flag type lands in its target");
        free(o.env);
    }
    {
        _cleanup_cli_parser_ struct cli_parser p;
        ok(tt_parse(ARGV("--debug=false", "id"), &o, &p, &err) == 0 && !o.debug, "--debug=false");
    }
    {
        _cleanup_cli_parser_ struct cli_parser p;
        ok(tt_parse(ARGV("--fds", "-1", "id"), &o, &p, &err) < 0 &&
           strstr(err.msg, "--fds"), "bad int names the flag: %s", err.msg);
    }
    {
        _cleanup_cli_parser_ struct cli_parser p;
        ok(tt_parse(ARGV("--fn", "bad", "id"), &o, &p, &err) < 0 &&
           streq(err.msg, "--fn: bad value"), "a setter's error stops the parse");
    }
    {
        _cleanup_cli_parser_ struct cli_parser p;
        ok(tt_parse(ARGV("--bogus", "id"), &o, &p, &err) < 0, "unknown flag refused");
        str_eq(err.msg, "unknown flag --bogus; run tinyrun verb --help", "unknown-flag message");
    }
    {
        _cleanup_cli_parser_ struct cli_parser p;
        ok(tt_parse(ARGV("--debug"), &o, &p, &err) < 0, "positional count checked");
        str_eq(err.msg, "missing container ID; usage: tinyrun tt <id>", "count message");
    }
    {
        _cleanup_cli_parser_ struct cli_parser p;
        cli_init(&p, 3, ARGV("--debug", "--help"), NULL, CLI_PERMUTE);
        ok(cli_flags_parse(tt_flags, &p, &o, &err) == 1, "--help: 1 (implicit entry)");
    }
    {
        _cleanup_cli_parser_ struct cli_parser p;
        cli_init(&p, 2, ARGV("--text"), NULL, CLI_PERMUTE);
        ok(cli_flags_parse(tt_flags, &p, &o, &err) < 0, "a text entry is not a flag");
    }
    ok(cli_verb_main(&tt_verb, 2, ARGV("id"), NULL, &err) == 41, "verb: defaults, then run");
    ok(cli_verb_main(&tt_verb, 3, ARGV("--fds=1", "id"), NULL, &err) == 2, "verb: flags, run");
    ok(cli_verb_main(&tt_verb, 3, ARGV("--fds=x", "id"), NULL, &err) == CMD_USAGE,
       "verb: a flag error is a usage error");
    ok(cli_verb_main(&tt_verb, 1, ARGV(NULL), NULL, &err) == CMD_USAGE,
       "verb: a count error is a usage error");
    ok(cli_check_format("table", &err) == 0 && cli_check_format("json", &err) == 0,
       "--format table|json");
    ok(cli_check_format("yaml", &err) < 0, "--format yaml refused");
    str_eq(err.msg, "invalid format option \"yaml\": expected table or json", "format message");
    _cleanup_free_ char *help = captured(help_of_tt, &tt_verb);
    str_eq(help, "HEAD\n"
                 "   --name value, -n value  a name\n"
                 "   --debug                 debug it\n"
                 "                   (two lines)\n"
                 "   --env value, -e value   repeatable\n"
                 "\nMore:\n"
                 "   --fds value    a count\n"
                 "   --every value  a duration\n"
                 "   --old value    accepted\n",
           "help: head, then flags aligned per group, hidden ones left out");
    _cleanup_free_ char *flags = captured(complete_tt, "flags");
    str_eq(flags, "--name\n--debug\n--env\n--fds\n--every\n--fn\n--old\n--help\n",
           "__complete flags: every long flag, hidden ones and --help included");
    _cleanup_free_ char *bash = captured(complete_tt, "bash");
    ok(bash && strstr(bash, "    tt) words=\"--name -n --debug --env -e --fds --every --fn --old --help -h \" ;;"),
       "__complete bash: the verb's words");
    ok(bash && strstr(bash, "--name|-n|--env|-e|--fds|--every|--fn|--old) i=$((i + 1))"),
       "__complete bash: value flags skip their value");
}

int main(void)
{
    test_signals();
    test_user();
    test_bytes();
    test_duration();
    test_parser();
    test_update_flags();
    test_output();
    test_tables();
    return done_testing();
}
