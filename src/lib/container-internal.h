/* Shared between container.c (start/state/kill/delete), create.c, exec.c and cgroup-verbs.c. */
#ifndef TINYRUN_CONTAINER_INTERNAL_H
#define TINYRUN_CONTAINER_INTERNAL_H
#include <signal.h>
#include <stdbool.h>
#include "container.h"
#include "state-dir.h"

bool tr_is_rootless(const struct tr_ctx *ctx);
/* OCI state JSON of c; extras adds rootfs/created/owner (the `state` verb). */
char *container_state_json(struct tr_container *c, const struct oci_spec *spec, const char *status,
                           bool pretty, bool extras, struct tr_err *err);
void container_run_hooks_warn(struct tr_container *c, const struct oci_spec *spec, enum oci_hook_kind kind,
                              const char *status);
/* spec: the container's parsed config when the caller holds it (run: create's), else NULL: it
 * is read again from the state dir. */
int container_start_locked(struct tr_container *c, const struct oci_spec *spec, struct tr_err *err);
/* Kill (when force), remove the cgroup, run poststop hooks, remove the state dir. spec: as above. */
int container_destroy_locked(struct tr_container *c, const struct oci_spec *spec, bool force, struct tr_err *err);

/* create.c: everything up to "created"; for `run`, the caller keeps the init as its child. */
struct create_result {
    pid_t pid;
    int pidfd;
    int pty_master;             /* -1 unless terminal without --console-socket (run relays it) */
    struct oci_spec *spec;      /* the parsed config.json, the caller's to free: run starts and
                                 * deletes with it instead of reading it twice more */
};
/* Read and validate <bundle_arg>/config.json (NULL: "."; config_json: that text instead), keep a copy in the state dir, and
 * resolve the bundle and root.path to absolute paths (malloc'd). Used by create and restore. */
int bundle_load(const char *bundle_arg, const char *config_json, struct tr_container *c,
                struct oci_spec **spec, char **bundle, char **rootfs, struct tr_err *err);
/* Write state.json of a new container whose init is pid (start time against pid reuse,
 * created, owner, cgroup), then --pid-file. Used by create and restore. */
struct cgroup_mgr;
struct container_record_args {
    const char *verb;               /* "create", "restore": named when the init died already */
    pid_t pid;
    const char *bundle, *rootfs, *pid_file;
    struct cgroup_mgr *cg;
    bool systemd, rootless, no_new_keyring;
};
int container_record(struct tr_container *c, const struct container_record_args *r, struct tr_err *err);
int container_create(const struct tr_ctx *ctx, const struct tr_create_opts *o, bool for_run,
                     struct tr_container *c, struct create_result *res, struct tr_err *err);

/* create.c: while create or run sets a container up, an abort signal (the caller installs
 * setup_abort_handler for the ones it takes) SIGKILLs the init that c's pending record names,
 * which ends every wait on it; the setup then fails and undoes itself. watch(NULL) stops;
 * watch(c) also forgets an earlier signal. setup_abort_signal: the one caught, or 0. */
void setup_abort_handler(int sig);
void setup_abort_watch(struct tr_container *c);
int setup_abort_signal(void);

/* run.c: the signals `run` and `exec` forward to the process they wait for (to be blocked
 * before the process is created), and the wait itself (exit status as a shell reports it). */
void forwardable_signals(sigset_t *set);
int wait_forwarding(pid_t pid, int pidfd, const sigset_t *set, int *exit_code, struct tr_err *err);
/* After a foreground run (or restore): `delete --force`, locked anew; spec: the config it ran. */
void delete_after_run(const struct tr_ctx *ctx, struct tr_container *c, const struct oci_spec *spec);

#endif
