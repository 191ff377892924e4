/* tinyrun exec [options] <container-id> <command> [args...] | -p process.json <container-id> */
#include "config.h"
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun exec - execute a new process inside the container\n\n"
    "USAGE:\n   tinyrun exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>\n\n"
    "Where \"<container-id>\" is the name for the instance of the container and\n"
    "\"<command>\" is the command to be executed in the container. Everything after\n"
    "<container-id> belongs to the command, even words starting with \"-\".\n"
    "\"<command>\" can't be empty unless a \"-p\" flag provided.\n\n"
    "EXAMPLE:\n       # tinyrun exec <container-id> ps\n\n"
    "OPTIONS:\n"
    "   --console-socket value             path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal\n"
    "   --cwd value                        current working directory in the container\n"
    "   --env value, -e value              set environment variables (KEY=VALUE, repeatable)\n"
    "   --tty, -t                          allocate a pseudo-TTY\n"
    "   --user value, -u value             UID (format: <uid>[:<gid>])\n"
    "   --additional-gids value, -g value  additional gids (repeatable)\n"
    "   --process value, -p value          path to the process.json\n"
    "   --detach, -d                       detach from the container's process\n"
    "   --pid-file value                   specify the file to write the process id to\n"
    "   --process-label value              set the asm process label for the process commonly used with selinux\n"
    "   --apparmor value                   set the apparmor profile for the process\n"
    "   --no-new-privs                     set the no new privileges value for the process\n"
    "   --cap value, -c value              add a capability to the bounding set for the process (repeatable)\n"
    "   --preserve-fds value               pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)\n";

enum { OPT_PROCESS = 1, OPT_DETACH, OPT_PID_FILE, OPT_TTY, OPT_CONSOLE, OPT_CWD, OPT_ENV,
       OPT_USER, OPT_GIDS, OPT_CAP, OPT_NNP, OPT_APPARMOR, OPT_LABEL, OPT_PRESERVE, OPT_CGROUP,
       OPT_IGNORE_PAUSED };
static const struct cli_opt opts[] = {
    { "process", 'p', CLI_VALUE, OPT_PROCESS },
    { "detach", 'd', CLI_BOOL, OPT_DETACH },
    { "pid-file", 0, CLI_VALUE, OPT_PID_FILE },
    { "tty", 't', CLI_BOOL, OPT_TTY },
    { "console-socket", 0, CLI_VALUE, OPT_CONSOLE },
    { "cwd", 0, CLI_VALUE, OPT_CWD },
    { "env", 'e', CLI_VALUE, OPT_ENV },
    { "user", 'u', CLI_VALUE, OPT_USER },
    { "additional-gids", 'g', CLI_VALUE, OPT_GIDS },
    { "cap", 'c', CLI_VALUE, OPT_CAP },
    { "no-new-privs", 0, CLI_BOOL, OPT_NNP },
    { "apparmor", 0, CLI_VALUE, OPT_APPARMOR },
    { "process-label", 0, CLI_VALUE, OPT_LABEL },
    { "preserve-fds", 0, CLI_VALUE, OPT_PRESERVE },
    { "cgroup", 0, CLI_VALUE, OPT_CGROUP },
    { "ignore-paused", 0, CLI_BOOL, OPT_IGNORE_PAUSED },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static void push(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, sizeof(char *) * (*n + 2));
    (*v)[(*n)++] = (char *) s;
    (*v)[*n] = NULL;
}

static int exec_flag(int id, const char *val, bool bval, struct tr_exec_opts *o,
                     struct tr_err *err)
{
    uint32_t uid, gid;
    bool has_gid;
    switch (id) {
    case OPT_PROCESS: o->process_file = val; break;
    case OPT_DETACH: o->detach = bval; break;
    case OPT_PID_FILE: o->pid_file = val; break;
    case OPT_TTY: o->tty = bval; break;
    case OPT_CONSOLE: o->console_socket = val; break;
    case OPT_CWD: o->cwd = val; break;
    case OPT_ENV: push(&o->env, &o->env_len, val); break;
    case OPT_USER:
        if (cli_parse_user(val, &uid, &gid, &has_gid, err) < 0)
            return -1;
        o->user = val;
        break;
    case OPT_CAP: push(&o->add_caps, &o->add_caps_len, val); break;
    case OPT_NNP: o->no_new_privs = bval; break;
    case OPT_APPARMOR: o->apparmor = val; break;
    case OPT_LABEL: o->process_label = val; break;
    case OPT_GIDS: {
        uint64_t g;
        if (parse_u64(val, &g) < 0 || g > UINT32_MAX)
            return tr_failx(err, "--additional-gids %s: expected a numeric gid", val);
        o->additional_gids = xrealloc(o->additional_gids, (o->additional_gids_len + 1) * sizeof *o->additional_gids);
        o->additional_gids[o->additional_gids_len++] = (uint32_t) g;
        break;
    }
    case OPT_PRESERVE: return cli_parse_nonneg_int("preserve-fds", val, &o->preserve_fds, err);
    /* The library's exec options have no field for these yet: refuse rather than ignore. */
    case OPT_CGROUP: return tr_failx(err, "--cgroup (exec into a sub-cgroup) is not supported");
    case OPT_IGNORE_PAUSED: return tr_failx(err, "--ignore-paused is not supported");
    }
    return 0;
}

int cmd_exec(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct tr_exec_opts o = { 0 };
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE, exit_code = 0;

    cli_init(&p, argc, argv, opts, CLI_STOP_AT_ARG);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (exec_flag(id, val, p.bool_val, &o, err) < 0)
            goto out;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, o.process_file ? 1 : 2, o.process_file ? 1 : (size_t) argc,
                       p.npos == 0 ? "container ID" : "command",
                       "tinyrun exec [options] <container-id> <command> [args...] || "
                       "tinyrun exec [options] -p process.json <container-id>", err) < 0)
        goto out;
    o.id = p.pos[0];
    o.args = p.pos + 1;
    o.args_len = p.npos - 1;
    /* past the command line, a failure of tinyrun is 255, never a status the process could
     * have exited with itself (1 is common); the process's own status passes through as is */
    rc = tr_exec(ctx, &o, &exit_code, err);
    if (rc >= 0)
        rc = o.detach ? 0 : exit_code;
    else
        rc = CMD_RUNTIME_FAILED;
out:
    free(o.env);
    free(o.add_caps);
    free(o.additional_gids);
    cli_parser_free(&p);
    return rc;
}
