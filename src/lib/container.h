/* Host-side lifecycle API of libtinyrun: one entry point per CLI verb.
 * Every function returns >= 0 on success, -1 with *err filled on failure, and never prints. */
#ifndef TINYRUN_CONTAINER_H
#define TINYRUN_CONTAINER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

struct tr_ctx {
    const char *root;           /* state root: --root, default /run/tinyrun ($XDG_RUNTIME_DIR/tinyrun rootless) */
    bool systemd_cgroup;        /* --systemd-cgroup */
    int rootless;               /* --rootless: 1 true, 0 false, -1 auto (default) */
    bool debug;
    const char *criu;           /* --criu: the criu binary (NULL: "criu" on PATH) */
};

struct tr_create_opts {
    const char *id;
    const char *bundle;         /* default "." */
    const char *pid_file;       /* NULL = none */
    const char *console_socket; /* NULL = none */
    bool no_pivot;
    bool no_new_keyring;
    const char *pidfd_socket;   /* --pidfd-socket: receives the init's pidfd (SCM_RIGHTS) */
    int preserve_fds;           /* extra fds after 0-2 passed through (3 .. 3+n-1) */
    const char *config_json;    /* quick mode: the config built in memory, not bundle/config.json */
};

int tr_create(const struct tr_ctx *ctx, const struct tr_create_opts *o, struct tr_err *err);
int tr_start(const struct tr_ctx *ctx, const char *id, struct tr_err *err);
/* create + start; unless detach, waits, forwards signals, and returns the container's exit
 * status as a shell would (128+signal when killed) in *exit_code. */
int tr_run(const struct tr_ctx *ctx, const struct tr_create_opts *o, bool detach, bool keep,
           int *exit_code, struct tr_err *err);
/* Pretty OCI state JSON (malloc'd) of one container. */
char *tr_state_json(const struct tr_ctx *ctx, const char *id, struct tr_err *err);
int tr_kill(const struct tr_ctx *ctx, const char *id, int sig, bool all, struct tr_err *err);
int tr_delete(const struct tr_ctx *ctx, const char *id, bool force, struct tr_err *err);

struct tr_list_entry {
    char *id; int pid; char *status; char *bundle; char *rootfs; char *created; char *owner;
};
int tr_list(const struct tr_ctx *ctx, struct tr_list_entry **out, size_t *n, struct tr_err *err);
void tr_list_free(struct tr_list_entry *l, size_t n);

struct tr_exec_opts {
    const char *id;
    const char *process_file;   /* --process FILE: a full process JSON; else fields below */
    char **args; size_t args_len;
    const char *cwd;
    char **env; size_t env_len;         /* --env KEY=VAL (added to/overriding the container's) */
    const char *user;                   /* --user UID[:GID] */
    uint32_t *additional_gids; size_t additional_gids_len;   /* --additional-gids */
    char **add_caps; size_t add_caps_len;
    bool tty;
    bool no_new_privs;
    const char *apparmor;
    const char *process_label;
    bool detach;
    const char *pid_file;
    const char *console_socket;
    const char *pidfd_socket;   /* --pidfd-socket: receives the process's pidfd (SCM_RIGHTS) */
    int preserve_fds;
    char **cgroups; size_t cgroups_len;   /* --cgroup [<controller>:]<path> (sub-cgroups) */
    bool ignore_paused;                   /* --ignore-paused: exec into a paused container */
};
/* --user: "UID" or "UID:GID", decimal (has_gid tells whether GID was given). 0, or -1 with
 * err filled. The CLI checks --user with it; tr_exec applies it. */
int tr_parse_user(const char *s, uint32_t *uid, uint32_t *gid, bool *has_gid, struct tr_err *err);
int tr_exec(const struct tr_ctx *ctx, const struct tr_exec_opts *o, int *exit_code, struct tr_err *err);

int tr_ps(const struct tr_ctx *ctx, const char *id, pid_t **pids, size_t *n, struct tr_err *err);
int tr_update(const struct tr_ctx *ctx, const char *id, const struct oci_resources *res, struct tr_err *err);
/* update --l3-cache-schema / --mem-bw-schema (either may be NULL): linux.intelRdt's group. */
int tr_update_rdt(const struct tr_ctx *ctx, const char *id, const char *l3, const char *mb, struct tr_err *err);
int tr_pause(const struct tr_ctx *ctx, const char *id, struct tr_err *err);
int tr_resume(const struct tr_ctx *ctx, const char *id, struct tr_err *err);
/* Calls cb with one JSON event line at a time until cb returns non-zero or the container stops. */
int tr_events(const struct tr_ctx *ctx, const char *id, bool stats_once, int interval_sec,
              int (*cb)(const char *json_line, void *data), void *data, struct tr_err *err);
/* Features JSON (runtime-spec features.md), malloc'd. */
/* ctx (may be NULL) names the criu binary whose presence "checkpoint.enabled" reports. */
char *tr_features_json(const struct tr_ctx *ctx, struct tr_err *err);

/* One container's live status (as `state` names it, tr_status_name), init pid (0 when
 * stopped), command (process.args joined by spaces) and the value of annotation (NULL: not
 * asked or not set). Free with tr_container_info_free. */
struct tr_container_info { const char *status; bool stopped; int pid; char *command; char *annotation; };
int tr_container_info(const struct tr_ctx *ctx, const char *id, const char *annotation,
                      struct tr_container_info *out, struct tr_err *err);
void tr_container_info_free(struct tr_container_info *i);

/* Resolved state root for ctx (handles rootless default). */
const char *tr_state_root(const struct tr_ctx *ctx);

#endif
