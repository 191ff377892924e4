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
    "OPTIONS:\n";

static int set_user(void *target, const char *val, struct tr_err *err)
{
    uint32_t uid, gid;
    bool has_gid;
    if (tr_parse_user(val, &uid, &gid, &has_gid, err) < 0)
        return -1;
    ((struct tr_exec_opts *) target)->user = val;
    return 0;
}

static int add_gid(void *target, const char *val, struct tr_err *err)
{
    struct tr_exec_opts *o = target;
    uint64_t g;
    if (parse_u64(val, &g) < 0 || g > UINT32_MAX)
        return tr_failx(err, "--additional-gids %s: expected a numeric gid", val);
    o->additional_gids = xrealloc(o->additional_gids,
                                  (o->additional_gids_len + 1) * sizeof *o->additional_gids);
    o->additional_gids[o->additional_gids_len++] = (uint32_t) g;
    return 0;
}

static const struct cli_flag flags[] = {
    CLI_STRING_F("console-socket", 0, struct tr_exec_opts, console_socket,
                 "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
    CLI_STRING_F("cwd", 0, struct tr_exec_opts, cwd, "current working directory in the container"),
    CLI_STRINGS_F("env", 'e', struct tr_exec_opts, env, env_len,
                  "set environment variables (KEY=VALUE, repeatable)"),
    CLI_BOOL_F("tty", 't', struct tr_exec_opts, tty, "allocate a pseudo-TTY"),
    CLI_FUNC_F("user", 'u', set_user, "UID (format: <uid>[:<gid>])"),
    CLI_FUNC_F("additional-gids", 'g', add_gid, "additional gids (repeatable)"),
    CLI_STRING_F("process", 'p', struct tr_exec_opts, process_file, "path to the process.json"),
    CLI_BOOL_F("detach", 'd', struct tr_exec_opts, detach, "detach from the container's process"),
    CLI_STRING_F("pid-file", 0, struct tr_exec_opts, pid_file,
                 "specify the file to write the process id to"),
    CLI_STRING_F("pidfd-socket", 0, struct tr_exec_opts, pidfd_socket,
                 "path to an AF_UNIX socket which will receive a pidfd of the exec'd process (SCM_RIGHTS)"),
    CLI_STRING_F("process-label", 0, struct tr_exec_opts, process_label,
                 "set the asm process label for the process commonly used with selinux"),
    CLI_STRING_F("apparmor", 0, struct tr_exec_opts, apparmor,
                 "set the apparmor profile for the process"),
    CLI_BOOL_F("no-new-privs", 0, struct tr_exec_opts, no_new_privs,
               "set the no new privileges value for the process"),
    CLI_STRINGS_F("cap", 'c', struct tr_exec_opts, add_caps, add_caps_len,
                  "add a capability to the bounding set for the process (repeatable)"),
    CLI_INT_F("preserve-fds", 0, struct tr_exec_opts, preserve_fds,
              "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)"),
    CLI_STRINGS_F("cgroup", 0, struct tr_exec_opts, cgroups, cgroups_len,
                  "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>. (repeatable)"),
    CLI_BOOL_F("ignore-paused", 0, struct tr_exec_opts, ignore_paused,
               "allow exec in a paused container (the process runs once it is resumed)"),
    CLI_FLAGS_END,
};

static const char usage_line[] =
    "tinyrun exec [options] <container-id> <command> [args...] || "
    "tinyrun exec [options] -p process.json <container-id>";

static int run_exec(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                    struct tr_err *err)
{
    struct tr_exec_opts *o = opts;
    int exit_code = 0;
    if (cli_check_count(args, nargs, o->process_file ? 1 : 2, o->process_file ? 1 : SIZE_MAX,
                        "command", usage_line, err) < 0)
        return CMD_USAGE;
    o->id = args[0];
    o->args = args + 1;
    o->args_len = nargs - 1;
    /* past the command line, a failure of tinyrun is 255, never a status the process could
     * have exited with itself (1 is common); the process's own status passes through as is */
    if (tr_exec(ctx, o, &exit_code, err) < 0)
        return CMD_RUNTIME_FAILED;
    return o->detach ? 0 : exit_code;
}

static void free_exec_opts(void *opts)
{
    struct tr_exec_opts *o = opts;
    free(o->env);
    free(o->add_caps);
    free(o->cgroups);
    free(o->additional_gids);
}

const struct cli_verb cli_verb_exec = {
    .name = "exec", .summary = "execute a new process inside the container",
    .help_head = usage, .flags = flags, .mode = CLI_STOP_AT_ARG,
    .min_args = 1, .max_args = SIZE_MAX, .what_missing = "container ID",
    .usage_line = usage_line,
    .opts_size = sizeof(struct tr_exec_opts), .run = run_exec, .free_opts = free_exec_opts,
};
