/* Shared helpers of the tinyrun command line (main.c and src/cmd-*.c): a flag parser with runc's
 * (Go flag / urfave-cli) conventions, signal/user/size/duration parsing, `update` flags to an
 * oci_resources, table and JSON string printing. Pure functions: unit-tested in test-cli.c. */
#ifndef TINYRUN_CLI_H
#define TINYRUN_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "container.h"
#include "error.h"
#include "spec.h"

/* A verb returns its exit status (>= 0), -1 with err filled (printed as "tinyrun: msg"), or
 * CMD_USAGE with err filled (printed as "tinyrun <verb>: msg": a command-line mistake). */
#define CMD_USAGE (-2)
/* As -1, but the exit status is 255: exec's own failures, so that a caller can tell them from
 * the process's exit status 1 (runc exits 255 there too). */
#define CMD_RUNTIME_FAILED (-3)
typedef int (*cmd_fn)(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);

/* ---- verbs (src/cmd-<verb>.c); argv[0] is the verb ------------------------------------ */
int cmd_create(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_delete(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_events(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_exec(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_features(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_kill(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_list(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_pause(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_ps(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_resume(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_run(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_spec(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_start(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_state(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);
int cmd_update(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err);

/* ---- flag parser ------------------------------------------------------------------------ */
/* Accepted like runc: --name, -name, --name=value, --name value, -n value, -n=value; a bool flag
 * takes an optional =true|false (never the next argument). "--" ends the flags. */
enum cli_arg { CLI_BOOL, CLI_VALUE };
struct cli_opt {
    const char *name;       /* long name, NULL ends the table */
    char short_name;        /* 0 = none */
    enum cli_arg arg;
    int id;                 /* returned by cli_next; CLI_HELP for --help/-h */
};
#define CLI_OPT_END { NULL, 0, CLI_BOOL, 0 }
#define CLI_OPT_HELP { "help", 'h', CLI_BOOL, CLI_HELP }

enum cli_mode {
    CLI_PERMUTE,            /* flags may follow positional arguments (create ID --bundle B) */
    CLI_STOP_AT_ARG,        /* everything after the first positional is positional (exec, ps) */
};

struct cli_parser {
    int argc; char **argv;      /* argv[0] is the verb (or the program) and is skipped */
    const char *cmd;            /* verb named in error hints (argv[0]); NULL: global flags */
    const struct cli_opt *opts;
    enum cli_mode mode;
    int i;
    bool stopped;
    char **pos; size_t npos;    /* positional arguments, in order (pointers into argv) */
    bool bool_val;              /* value of the last CLI_BOOL flag returned */
};

enum { CLI_END = -1, CLI_ERROR = -2, CLI_HELP = 1000 };

void cli_init(struct cli_parser *p, int argc, char **argv, const struct cli_opt *opts,
              enum cli_mode mode);
/* Next flag: its id (value in *value for CLI_VALUE, p->bool_val for CLI_BOOL), CLI_END when
 * argv is exhausted (then p->pos holds the positionals), CLI_ERROR with err filled. */
int cli_next(struct cli_parser *p, const char **value, struct tr_err *err);
void cli_parser_free(struct cli_parser *p);
/* Frees the parser on every return path (main returns early in many places). */
#define _cleanup_cli_parser_ __attribute__((cleanup(cli_parser_free)))

/* Check the positional count; on a mismatch fill err (CMD_USAGE style) and return -1.
 * what_missing names the first missing argument ("container ID"). */
int cli_check_args(const struct cli_parser *p, size_t min, size_t max, const char *what_missing,
                   const char *usage_line, struct tr_err *err);

/* ---- create flags, shared by create and run ------------------------------------------ */
enum { CLI_CREATE_BUNDLE = 100, CLI_CREATE_PID_FILE, CLI_CREATE_CONSOLE_SOCKET, CLI_CREATE_NO_PIVOT,
       CLI_CREATE_NO_NEW_KEYRING, CLI_CREATE_PRESERVE_FDS };
#define CLI_CREATE_OPTS \
    { "bundle", 'b', CLI_VALUE, CLI_CREATE_BUNDLE }, \
    { "pid-file", 0, CLI_VALUE, CLI_CREATE_PID_FILE }, \
    { "console-socket", 0, CLI_VALUE, CLI_CREATE_CONSOLE_SOCKET }, \
    { "no-pivot", 0, CLI_BOOL, CLI_CREATE_NO_PIVOT }, \
    { "no-new-keyring", 0, CLI_BOOL, CLI_CREATE_NO_NEW_KEYRING }, \
    { "preserve-fds", 0, CLI_VALUE, CLI_CREATE_PRESERVE_FDS }
#define CLI_CREATE_OPTIONS_HELP \
    "   --bundle value, -b value  path to the root of the bundle directory, defaults to the current directory\n" \
    "   --console-socket value    path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal\n" \
    "   --pid-file value          specify the file to write the process id to\n" \
    "   --no-pivot                do not use pivot root to jail process inside rootfs (for a rootfs on a ramdisk)\n" \
    "   --no-new-keyring          do not create a new session keyring for the container\n" \
    "   --preserve-fds value      pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)\n"
/* Apply one create flag to o: 0 done, 1 not a create flag, -1 bad value (err filled). */
int cli_create_flag(int id, const char *val, bool bval, struct tr_create_opts *o, struct tr_err *err);

/* For verbs whose only argument is the container ID (start, state, pause, resume): 0 with *id
 * set, 1 when --help was printed, -1 with err filled (a usage error). */
int cli_parse_id_only(int argc, char **argv, const char *help, const char *usage_line,
                      const char **id, struct tr_err *err);

/* ---- value parsers (0 on success, -1 with err filled) ---------------------------------- */
/* Signal as a number (0..SIGRTMAX) or a name: case-insensitive, with or without "SIG",
 * including RTMIN, RTMIN+N, RTMAX, RTMAX-N. */
int cli_parse_signal(const char *s, int *sig, struct tr_err *err);
/* "UID" or "UID:GID", decimal. has_gid tells whether GID was given. */
int cli_parse_user(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid, struct tr_err *err);
/* A size as runc's --memory accepts (docker/go-units RAMInBytes): "1048576", "512k", "512m",
 * "1.5g", "2GiB", "10 MB" (binary multiples); "-1" means unlimited. */
int cli_parse_bytes(const char *s, int64_t *out, struct tr_err *err);
/* A Go duration ("5s", "1m30s", "500ms", "1h"), rounded up to whole seconds (>= 1).
 * A bare number is taken as seconds. */
int cli_parse_duration_sec(const char *s, int *sec, struct tr_err *err);
int cli_parse_nonneg_int(const char *flag, const char *s, int *out, struct tr_err *err);

/* ---- update flags ----------------------------------------------------------------------- */
struct cli_update_flags {   /* NULL = not given */
    const char *memory, *memory_reservation, *memory_swap, *kernel_memory, *kernel_memory_tcp;
    const char *cpu_shares, *cpu_quota, *cpu_period, *cpu_rt_runtime, *cpu_rt_period;
    const char *cpuset_cpus, *cpuset_mems;
    const char *pids_limit, *blkio_weight;
};
/* Build a malloc'd oci_resources (free with oci_resources_free) holding only the given fields.
 * Errors name the flag: "invalid value for --memory: ...". */
struct oci_resources *cli_resources_from_flags(const struct cli_update_flags *f, struct tr_err *err);

/* ---- output ----------------------------------------------------------------------------- */
/* Columns as runc's text/tabwriter (minwidth 12, padding 3); the last column is not padded. */
struct cli_table { size_t ncols; char **cells; size_t nrows; };
void cli_table_init(struct cli_table *t, size_t ncols);
void cli_table_add(struct cli_table *t, const char *const *row);   /* ncols cells, copied */
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);
/* A JSON string literal with its quotes. */
void cli_json_str(FILE *f, const char *s);

/* Print text to stdout, return 0: --help of a verb. */
int cli_help(const char *text);

#endif
