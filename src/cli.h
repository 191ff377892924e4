/* Shared helpers of the tinyrun command line (main.c and src/cmd-*.c): a flag parser with runc's
 * (Go flag / urfave-cli) conventions driven by one option table per verb (which also makes
 * --help and the bash completion), signal/size/duration parsing, `update` flags to an
 * oci_resources, table and JSON string printing. Unit-tested in test-cli.c. */
#ifndef TINYRUN_CLI_H
#define TINYRUN_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "container.h"
#include "error.h"
#include "spec.h"

/* A verb's run returns its exit status (>= 0), -1 with err filled (printed as "tinyrun: msg"), or
 * CMD_USAGE with err filled (printed as "tinyrun <verb>: msg": a command-line mistake). */
#define CMD_USAGE (-2)
/* As -1, but the exit status is 255: exec's own failures, so that a caller can tell them from
 * the process's exit status 1 (runc exits 255 there too). */
#define CMD_RUNTIME_FAILED (-3)

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
int cli_check_count(char *const *args, size_t nargs, size_t min, size_t max,
                    const char *what_missing, const char *usage_line, struct tr_err *err);

/* ---- option tables: one per verb ----------------------------------------------------------
 * A verb declares its flags as a table of struct cli_flag (name, type, target, help) and itself
 * as a struct cli_verb. One parser (cli_verb_parse) reads the table; so do the --help output
 * (cli_verb_help), `tinyrun __complete` (bash completion, the flag lists the man-page check
 * reads). --help/-h is implicit unless a table declares its own "help" entry. */
enum cli_type {
    CLI_T_BOOL,             /* bool at off; takes =true|false */
    CLI_T_STRING,           /* const char * at off */
    CLI_T_STRINGS,          /* repeatable: char ** at off (NULL-terminated), size_t count at off2 */
    CLI_T_NONNEG_INT,       /* int at off, a non-negative decimal */
    CLI_T_DURATION,         /* int at off, seconds (cli_parse_duration_sec) */
    CLI_T_FUNC,             /* set(target, value, err) */
    CLI_T_IGNORED_BOOL,     /* accepted for runc compatibility, no effect */
    CLI_T_IGNORED_VALUE,
    CLI_T_TEXT,             /* not a flag: help is printed verbatim between flag groups */
};
struct cli_flag {
    const char *name;       /* long name; NULL ends the table */
    char short_name;        /* 0 = none */
    enum cli_type type;
    size_t off, off2;       /* target fields: offsetof() into the verb's option struct */
    int (*set)(void *target, const char *val, struct tr_err *err);   /* CLI_T_FUNC */
    const char *help;       /* NULL: not listed in --help (still parsed, completed, man page) */
    bool is_bool;           /* CLI_T_FUNC: a switch (set gets NULL), not a value flag */
};
#define CLI_F(type_, name, sh, T, field, help) \
    { name, sh, type_, offsetof(T, field), 0, NULL, help, false }
#define CLI_BOOL_F(name, sh, T, field, help) CLI_F(CLI_T_BOOL, name, sh, T, field, help)
#define CLI_STRING_F(name, sh, T, field, help) CLI_F(CLI_T_STRING, name, sh, T, field, help)
#define CLI_INT_F(name, sh, T, field, help) CLI_F(CLI_T_NONNEG_INT, name, sh, T, field, help)
#define CLI_DURATION_F(name, sh, T, field, help) CLI_F(CLI_T_DURATION, name, sh, T, field, help)
#define CLI_STRINGS_F(name, sh, T, field, count, help) \
    { name, sh, CLI_T_STRINGS, offsetof(T, field), offsetof(T, count), NULL, help, false }
#define CLI_FUNC_F(name, sh, fn, help) { name, sh, CLI_T_FUNC, 0, 0, fn, help, false }
#define CLI_FUNC_BOOL_F(name, sh, fn, help) { name, sh, CLI_T_FUNC, 0, 0, fn, help, true }
#define CLI_IGNORED_F(name, takes_value, help) \
    { name, 0, (takes_value) ? CLI_T_IGNORED_VALUE : CLI_T_IGNORED_BOOL, 0, 0, NULL, help, false }
#define CLI_TEXT_F(text) { "", 0, CLI_T_TEXT, 0, 0, NULL, text, false }
#define CLI_FLAGS_END { NULL, 0, CLI_T_BOOL, 0, 0, NULL, NULL, false }

struct cli_verb {
    const char *name;
    const char *summary;        /* one line in `tinyrun --help` */
    const char *help_head;      /* --help text before the flags ("NAME: ... OPTIONS:\n") */
    const struct cli_flag *flags;   /* NULL: none but --help */
    enum cli_mode mode;
    size_t min_args, max_args;  /* positionals; max SIZE_MAX: any */
    const char *what_missing;   /* "container ID" */
    const char *usage_line;     /* named in count errors */
    size_t opts_size;           /* the struct the flags' targets are in (0: none) */
    const void *defaults;       /* its initial value (NULL: zeroes) */
    /* The verb itself, on the parsed options and the positionals (nargs within the range). */
    int (*run)(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
               struct tr_err *err);
    void (*free_opts)(void *opts);  /* what the flags allocated in opts (NULL: nothing) */
};
/* The verbs (src/cmd-<verb>.c), listed in main.c. */
extern const struct cli_verb cli_verb_checkpoint, cli_verb_create, cli_verb_delete, cli_verb_events,
    cli_verb_exec, cli_verb_features, cli_verb_kill, cli_verb_list, cli_verb_logs, cli_verb_pause,
    cli_verb_ps, cli_verb_restore, cli_verb_resume, cli_verb_run, cli_verb_spec, cli_verb_start,
    cli_verb_state, cli_verb_stop, cli_verb_update;

/* Run a verb on argv (argv[0] the verb): parse into a fresh option struct, run it, free it.
 * The exit status, -1, CMD_USAGE or CMD_RUNTIME_FAILED as a verb returns; --help prints. */
int cli_verb_main(const struct cli_verb *v, int argc, char **argv, const struct tr_ctx *ctx,
                  struct tr_err *err);
/* Parse argv (argv[0] the verb) into target by v->flags and check the positional count: 0 with
 * p holding the positionals, 1 when --help was printed, -1 with err filled (a usage error).
 * p is initialised here and must be freed (_cleanup_cli_parser_) on every return. */
int cli_verb_parse(const struct cli_verb *v, struct cli_parser *p, int argc, char **argv,
                   void *target, struct tr_err *err);
/* Parse the flags of p (cli_init'd, its opts unused) into target by the table, without the
 * positional check (main's global flags): 0, 1 at --help (unless the table has its own "help"
 * entry, as main's), -1 with err filled. */
int cli_flags_parse(const struct cli_flag *flags, struct cli_parser *p, void *target,
                    struct tr_err *err);
/* The flag list as --help prints it: "   --name value, -n value  help", aligned per group
 * (CLI_T_TEXT entries end a group). default_root, when set, is appended to the "root" flag's
 * help as ` (default: "...")`. */
void cli_flags_help(FILE *f, const struct cli_flag *flags, const char *default_root);
void cli_verb_help(FILE *f, const struct cli_verb *v);
bool cli_flag_takes_value(const struct cli_flag *fl);
/* `tinyrun __complete bash | zsh | verbs | flags [VERB]` (argv[0] is "__complete"): the bash
 * or zsh completion script, the verb names, or the long flag names of VERB (the global flags when
 * none, "help" included), one a line, from the tables. 0, or CMD_USAGE with err filled. */
int cli_complete(int argc, char **argv, const struct cli_verb *const *verbs, size_t nverbs,
                 const struct cli_flag *globals, FILE *f, struct tr_err *err);

/* ---- create flags, shared by create and run ------------------------------------------ */
/* T is the option struct, M the member path of its struct tr_create_opts ("c." or empty). */
#define CLI_CREATE_FLAGS(T, M) \
    CLI_STRING_F("bundle", 'b', T, M bundle, "path to the root of the bundle directory, defaults to the current directory"), \
    CLI_STRING_F("console-socket", 0, T, M console_socket, "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"), \
    CLI_STRING_F("pid-file", 0, T, M pid_file, "specify the file to write the process id to"), \
    CLI_STRING_F("pidfd-socket", 0, T, M pidfd_socket, "path to an AF_UNIX socket which will receive a pidfd of the container's init (SCM_RIGHTS)"), \
    CLI_BOOL_F("no-pivot", 0, T, M no_pivot, "do not use pivot root to jail process inside rootfs (for a rootfs on a ramdisk)"), \
    CLI_BOOL_F("no-new-keyring", 0, T, M no_new_keyring, "do not create a new session keyring for the container"), \
    CLI_INT_F("preserve-fds", 0, T, M preserve_fds, "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total) (default: 0)")

/* ---- value parsers (0 on success, -1 with err filled) ---------------------------------- */
/* Signal as a number (0..SIGRTMAX) or a name: case-insensitive, with or without "SIG",
 * including RTMIN, RTMIN+N, RTMAX, RTMAX-N. */
int cli_parse_signal(const char *s, int *sig, struct tr_err *err);
/* A size as runc's --memory accepts (docker/go-units RAMInBytes): "1048576", "512k", "512m",
 * "1.5g", "2GiB", "10 MB" (binary multiples); "-1" means unlimited. */
int cli_parse_bytes(const char *s, int64_t *out, struct tr_err *err);
/* A Go duration ("5s", "1m30s", "500ms", "1h"), rounded up to whole seconds (>= 1).
 * A bare number is taken as seconds. */
int cli_parse_duration_sec(const char *s, int *sec, struct tr_err *err);
int cli_parse_nonneg_int(const char *flag, const char *s, int *out, struct tr_err *err);
/* list's and ps's --format: "table" or "json". */
int cli_check_format(const char *format, struct tr_err *err);

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


#endif
