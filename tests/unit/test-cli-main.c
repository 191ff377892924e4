/* The tinyrun binary's command-line contract, without containers: global flags only before the
 * verb, exit statuses, one-line errors on stderr and as JSON in --log, --help/--version, spec.
 * Runs ./tinyrun from the build directory (make check builds it first). */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "spec.h"
#include "tap.h"
#include "util.h"

static const char *bin = "./tinyrun";
static char tmp[] = "/tmp/test-cli-main-XXXXXX";

struct result { int status; char *out; };

/* Run `tinyrun ARGS` through sh; out gets stdout+stderr (as go-runc folds them). */
static struct result run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct result run(const char *fmt, ...)
{
    char args[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    _cleanup_free_ char *cmd = xasprintf("%s %s 2>&1 </dev/null", bin, args);
    FILE *f = popen(cmd, "r");
    struct result r = { -1, xstrdup("") };
    if (!f)
        return r;
    char buf[4096];
    size_t n, len = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        r.out = xrealloc(r.out, len + n + 1);
        memcpy(r.out + len, buf, n);
        len += n;
        r.out[len] = '\0';
    }
    int st = pclose(f);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

static bool has(const struct result *r, const char *s) { return strstr(r->out, s) != NULL; }

static size_t lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_globals(void)
{
    struct result r = run("--version");
    ok(r.status == 0 && strncmp(r.out, "tinyrun version " PACKAGE_VERSION "\nspec: " OCI_VERSION "\n",
                                strlen("tinyrun version " PACKAGE_VERSION "\nspec: " OCI_VERSION "\n")) == 0,
       "--version: tinyrun version, spec lines");
    ok(!has(&r, "runc version"), "--version never claims to be runc (go-runc parses that)");
    free(r.out);
    r = run("-v");
    ok(r.status == 0 && has(&r, "tinyrun version"), "-v");
    free(r.out);
    r = run("--help");
    ok(r.status == 0 && has(&r, "COMMANDS:") && has(&r, "--systemd-cgroup"), "--help lists verbs and globals");
    free(r.out);
    r = run("%s", "");
    ok(r.status == 0 && has(&r, "USAGE:"), "no verb: help, exit 0 (as runc)");
    free(r.out);
    r = run("bogus");
    ok(r.status == 1 && lines(r.out) == 1 && has(&r, "tinyrun: unknown command \"bogus\"; run tinyrun --help"),
       "unknown verb: one line, exit 1: %s", r.out);
    free(r.out);
    r = run("--bogus list");
    ok(r.status == 1 && lines(r.out) == 1 && has(&r, "unknown flag --bogus; run tinyrun --help"),
       "unknown global flag: one line, exit 1: %s", r.out);
    free(r.out);
    r = run("--root %s list --root %s", tmp, tmp);
    ok(r.status == 1 && has(&r, "tinyrun list: unknown flag --root; run tinyrun list --help"),
       "a global flag after the verb is refused (runc): %s", r.out);
    free(r.out);
    r = run("--rootless=maybe list");
    ok(r.status == 1 && has(&r, "invalid --rootless \"maybe\""), "--rootless value checked");
    free(r.out);
    r = run("--log-format yaml list");
    ok(r.status == 1 && has(&r, "invalid --log-format \"yaml\""), "--log-format value checked");
    free(r.out);
    r = run("--root=%s --rootless false --systemd-cgroup=false --debug=false list -q", tmp);
    ok(r.status == 0 && r.out[0] == '\0', "all global flag spellings accepted; empty list -q: '%s'", r.out);
    free(r.out);
    r = run("--root %s list", tmp);
    ok(r.status == 0 && strcmp(r.out, "ID          PID         STATUS      BUNDLE      CREATED     OWNER       COMMAND\n") == 0,
       "empty list: runc's header (its padding), then COMMAND: '%s'", r.out);
    free(r.out);
    r = run("--root %s list --format json", tmp);
    ok(r.status == 0 && strcmp(r.out, "[]\n") == 0, "empty list json: []");
    free(r.out);
}

static void test_verb_errors(void)
{
    static const char *const id_verbs[] = { "create", "start", "state", "kill", "delete", "run",
                                            "ps", "exec", "update", "pause", "resume", "events" };
    for (size_t i = 0; i < ARRAY_SIZE(id_verbs); i++) {
        struct result r = run("--root %s %s", tmp, id_verbs[i]);
        _cleanup_free_ char *want = xasprintf("tinyrun %s: missing container ID; usage: tinyrun %s ",
                                              id_verbs[i], id_verbs[i]);
        ok(r.status == 1 && lines(r.out) == 1 && strncmp(r.out, want, strlen(want)) == 0,
           "%s without ID: %s", id_verbs[i], r.out);
        free(r.out);
        r = run("%s --help", id_verbs[i]);
        _cleanup_free_ char *name = xasprintf("tinyrun %s - ", id_verbs[i]);
        ok(r.status == 0 && has(&r, name) && has(&r, "USAGE:"), "%s --help", id_verbs[i]);
        free(r.out);
        r = run("%s -h", id_verbs[i]);
        ok(r.status == 0 && has(&r, name), "%s -h", id_verbs[i]);
        free(r.out);
    }
    struct result r = run("--root %s state nope", tmp);
    ok(r.status == 1 && lines(r.out) == 1 && has(&r, "tinyrun: ") && has(&r, "does not exist"),
       "state of a missing container: one line with 'does not exist' (the shim's match): %s", r.out);
    free(r.out);
    r = run("--root %s delete --force nope", tmp);
    ok(r.status == 0, "delete --force of a missing container succeeds (runc)");
    free(r.out);
    r = run("--root %s kill nope BOGUS", tmp);
    ok(r.status == 1 && has(&r, "tinyrun kill: unknown signal \"BOGUS\""), "kill: bad signal: %s", r.out);
    free(r.out);
    r = run("--root %s kill nope 9 extra", tmp);
    ok(r.status == 1 && has(&r, "unexpected argument \"extra\""), "kill: too many arguments");
    free(r.out);
    r = run("--root %s exec -u root nope sh", tmp);
    ok(r.status == 1 && has(&r, "invalid user \"root\""), "exec --user must be numeric (runc)");
    free(r.out);
    r = run("--root %s exec nope", tmp);
    ok(r.status == 1 && has(&r, "tinyrun exec: missing command"), "exec without a command");
    free(r.out);
    /* past the command line, exec's own failures are 255 (runc), never a process's 1 */
    r = run("--root %s exec nope sh", tmp);
    ok(r.status == 255 && has(&r, "container nope does not exist") && lines(r.out) == 1,
       "exec: an unknown container exits 255 with one line: %d %s", r.status, r.out);
    free(r.out);
    r = run("--root %s update --memory lots nope", tmp);
    ok(r.status == 1 && has(&r, "invalid value for --memory"), "update: bad --memory");
    free(r.out);
    r = run("--root %s events --interval 0s nope", tmp);
    ok(r.status == 1 && has(&r, "invalid duration \"0s\""), "events: bad --interval");
    free(r.out);
    r = run("--root %s list --format yaml", tmp);
    ok(r.status == 1 && has(&r, "invalid format option \"yaml\""), "list: bad --format");
    free(r.out);
}

/* Errors also reach --log as {"level":"error","msg":...}: the shim reports the last one. */
static void test_log(void)
{
    _cleanup_free_ char *log = xasprintf("%s/log.json", tmp);
    struct result r = run("--root %s --log %s --log-format json state nope", tmp, log);
    free(r.out);
    r = run("--root %s --log %s --log-format json create", tmp, log);
    free(r.out);
    size_t len;
    struct tr_err err;
    _cleanup_free_ char *text = read_file(log, &len, &err);
    ok(text && lines(text) == 2, "two error lines in the log");
    ok(text && strncmp(text, "{\"level\":\"error\",\"msg\":\"container nope does not exist\",\"time\":\"", 62) == 0,
       "runtime error logged as JSON: %s", text ? text : err.msg);
    ok(text && strstr(text, "{\"level\":\"error\",\"msg\":\"create: missing container ID;"),
       "usage error logged as JSON too");
    _cleanup_free_ char *cmd = xasprintf("jq -e -s 'length == 2 and all(.level == \"error\")' %s >/dev/null 2>&1", log);
    if (system("jq --version >/dev/null 2>&1") == 0)
        ok(system(cmd) == 0, "log lines are valid JSON");
    else
        skip("jq not installed");
    r = run("--log /nonexistent-dir/x/log.json list");
    ok(r.status == 1 && has(&r, "open log file /nonexistent-dir/x/log.json"), "unopenable --log: %s", r.out);
    free(r.out);
    unlink(log);
}

static void test_spec(void)
{
    _cleanup_free_ char *cfg = xasprintf("%s/config.json", tmp);
    struct result r = run("spec --bundle %s", tmp);
    ok(r.status == 0 && access(cfg, F_OK) == 0, "spec -b DIR writes DIR/config.json");
    free(r.out);
    r = run("spec -b %s", tmp);
    ok(r.status == 1 && has(&r, "exists. Remove it first"), "spec refuses to overwrite: %s", r.out);
    free(r.out);
    if (system("jq --version >/dev/null 2>&1") == 0) {
        _cleanup_free_ char *cmd = xasprintf("jq -e '.ociVersion == \"" OCI_VERSION "\" and "
                                             ".process.args == [\"sh\"] and .root.path == \"rootfs\" and "
                                             "(.linux.namespaces | map(.type) | index(\"user\")) == null' %s >/dev/null", cfg);
        ok(system(cmd) == 0, "default spec: sh in rootfs, no user namespace");
        unlink(cfg);
        r = run("spec --rootless -b %s", tmp);
        free(r.out);
        free(cmd);
        cmd = xasprintf("jq -e '(.linux.namespaces | map(.type) | index(\"user\")) != null and "
                        "(.linux.uidMappings[0].hostID == %u)' %s >/dev/null", (unsigned) geteuid(), cfg);
        ok(system(cmd) == 0, "spec --rootless: user namespace mapping our uid");
    } else {
        skip("jq not installed");
        skip("jq not installed");
    }
    unlink(cfg);
    r = run("spec extra");
    ok(r.status == 1 && has(&r, "unexpected argument \"extra\""), "spec takes no arguments");
    free(r.out);
}

static void test_features(void)
{
    struct result r = run("features");
    ok(r.status == 0 && r.out[0] == '{' && has(&r, "\"ociVersionMax\":\"" OCI_VERSION "\""),
       "features prints the JSON document");
    free(r.out);
}

/* Output of `sh -c CMD` (stdout+stderr), NULL if it could not run. */
static char *sh_out(const char *cmd, int *status)
{
    _cleanup_free_ char *full = xasprintf("%s 2>&1 </dev/null", cmd);
    FILE *f = popen(full, "r");
    char buf[4096];
    size_t n, len = 0;
    char *out = xstrdup("");
    if (!f)
        return out;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        out = xrealloc(out, len + n + 1);
        memcpy(out + len, buf, n);
        out[len += n] = '\0';
    }
    int st = pclose(f);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

/* The default state root, as --help prints it (runc 1.1.5's rule, docs/state-dir.md). */
static void test_state_root(void)
{
    int st;
    bool real_root = geteuid() == 0;
    _cleanup_free_ char *cmd = xasprintf("env XDG_RUNTIME_DIR=%s/xdg %s --help", tmp, bin);
    _cleanup_free_ char *out = sh_out(cmd, &st);
    _cleanup_free_ char *xdg = xasprintf("(default: \"%s/xdg/tinyrun\")", tmp);
    /* a build run in a user namespace sees the namespace rule below instead */
    if (real_root && access("/proc/self/uid_map", R_OK) == 0 && system("grep -qx ' *0 *0 *4294967295' /proc/self/uid_map") == 0)
        ok(st == 0 && strstr(out, "(default: \"/run/tinyrun\")"), "real root ignores XDG_RUNTIME_DIR");
    else
        skip("not real root in the initial user namespace");
    if (!real_root)
        ok(st == 0 && strstr(out, xdg), "a user gets $XDG_RUNTIME_DIR/tinyrun");
    else
        skip("running as root");
    free(out);
    out = NULL;
    int probe;
    free(sh_out("unshare --user --map-root-user true", &probe));
    if (probe != 0) {
        skip("no unprivileged user namespaces here");
        skip("no unprivileged user namespaces here");
        skip("no unprivileged user namespaces here");
        return;
    }
    free(cmd);
    cmd = xasprintf("env -u USER XDG_RUNTIME_DIR=%s/xdg unshare --user --map-root-user %s --help", tmp, bin);
    out = sh_out(cmd, &st);
    ok(st == 0 && strstr(out, xdg), "uid 0 of a user namespace gets $XDG_RUNTIME_DIR/tinyrun");
    free(out);
    free(cmd);
    cmd = xasprintf("env USER=root XDG_RUNTIME_DIR=%s/xdg unshare --user --map-root-user %s --help", tmp, bin);
    out = sh_out(cmd, &st);
    ok(st == 0 && strstr(out, "(default: \"/run/tinyrun\")"), "... but not with USER=root (as runc)");
    free(out);
    free(cmd);
    cmd = xasprintf("env -u USER -u XDG_RUNTIME_DIR unshare --user --map-root-user %s --help", bin);
    out = sh_out(cmd, &st);
    ok(st == 0 && strstr(out, "(default: \"/run/tinyrun\")"), "... nor without XDG_RUNTIME_DIR");
}

int main(void)
{
    if (access(bin, X_OK) != 0) {
        skip("./tinyrun not built");
        return done_testing();
    }
    if (!mkdtemp(tmp)) {
        ok(0, "mkdtemp");
        return done_testing();
    }
    test_globals();
    test_verb_errors();
    test_log();
    test_spec();
    test_features();
    test_state_root();
    _cleanup_free_ char *rm = xasprintf("rm -rf %s", tmp);
    (void) !system(rm);
    return done_testing();
}
