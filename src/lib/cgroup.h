/* One cgroup manager interface (src/lib/cgroup/manager.c) over one ops table per backend
 * (cgroup/backend.h): cgroupfs v1 (v1.c), cgroupfs v2 (v2.c), systemd over either (systemd.c).
 * The layout (unified, hybrid, legacy) is detected at run time. */
#ifndef TINYRUN_CGROUP_H
#define TINYRUN_CGROUP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

enum cgroup_layout { CGROUP_LAYOUT_UNIFIED, CGROUP_LAYOUT_HYBRID, CGROUP_LAYOUT_LEGACY };
enum cgroup_layout cgroup_detect_layout(void);

struct cgroup_mgr;   /* opaque */

struct cgroup_opts {
    const char *id;             /* container id */
    const char *cgroups_path;   /* linux.cgroupsPath, may be NULL/"" (default path) */
    bool systemd;               /* --systemd-cgroup */
    bool rootless;              /* failures to create/write are warnings, not errors */
    const struct oci_resources *resources;   /* may be NULL; systemd: unit properties, read at
                                                 * cgroup_enter, so keep it alive until then */
};

/* Parent, before spawn: create the cgroup (dirs or a transient unit when systemd needs a pid
 * later: see cgroup_enter). Returns NULL + err, or a manager (which may be "disabled" in
 * rootless when nothing is writable: every call is then a no-op returning success: enter,
 * apply, destroy, kill_all (signals nobody), pids (empty list), is_frozen (0), oom (-1);
 * only cgroup_freeze and cgroup_stats_json fail, as they cannot be faked). */
struct cgroup_mgr *cgroup_create(const struct cgroup_opts *o, struct tr_err *err);
/* v2 only: an O_DIRECTORY fd of the leaf for clone3(CLONE_INTO_CGROUP); -1 when not usable
 * (v1/hybrid, disabled, or systemd before cgroup_enter started the unit): then call
 * cgroup_enter(pid) after clone instead. */
int cgroup_leaf_fd(struct cgroup_mgr *m);
/* Put pid (and for systemd, start the scope with it) into the cgroup(s). */
int cgroup_enter(struct cgroup_mgr *m, pid_t pid, struct tr_err *err);
/* Apply (or, for update, re-apply) resources. */
int cgroup_apply(struct cgroup_mgr *m, const struct oci_resources *res, bool update, struct tr_err *err);
int cgroup_freeze(struct cgroup_mgr *m, bool frozen, struct tr_err *err);
/* Returns 1 if frozen, 0 if not, -1 on error. */
int cgroup_is_frozen(struct cgroup_mgr *m, struct tr_err *err);
int cgroup_kill_all(struct cgroup_mgr *m, int sig, struct tr_err *err);
int cgroup_pids(struct cgroup_mgr *m, pid_t **pids, size_t *n, struct tr_err *err);
/* runc-compatible `events --stats` "data" object (malloc'd JSON). */
char *cgroup_stats_json(struct cgroup_mgr *m, struct tr_err *err);
/* OOM-kill counter (memory.events oom_kill on v2, memory.oom_control on v1); -1 if unknown. */
int64_t cgroup_oom_kill_count(struct cgroup_mgr *m);
/* exec --cgroup: the process joins an existing sub-cgroup of the container's instead, runc's
 * [<controller>[,<controller>]:]<path> (repeatable; a bare path alone, for every hierarchy).
 * Changes m's directories in place; refuses "..", unknown controllers, a missing directory. */
int cgroup_select_sub(struct cgroup_mgr *m, char *const *specs, size_t n, struct tr_err *err);
/* exec --ignore-paused: an O_WRONLY fd of every hierarchy's cgroup.procs, a frozen one last, for
 * the process to write "0" into as its last act before execve (*n 0: nothing to join). */
int cgroup_procs_fds(struct cgroup_mgr *m, int **fds, size_t *n, struct tr_err *err);
/* Remove the cgroup(s) (kill leftovers first) and stop the systemd unit. */
int cgroup_destroy(struct cgroup_mgr *m, struct tr_err *err);
/* In a child the runtime cloned: close the runtime's cached fd of /sys/fs/cgroup (cgroup/fsio.c),
 * a host directory the container's process must never reach (CVE-2024-21626's class). */
void cgroup_drop_inherited_fds(void);
void cgroup_free(struct cgroup_mgr *m);

/* Persist/restore: a one-line string saved in the state dir at create, reloaded by
 * delete/kill/pause/update/ps/events. */
char *cgroup_serialize(struct cgroup_mgr *m);
/* What cgroup_serialize will say once cgroup_create(o) has made the cgroup, computed without
 * making anything: create records it first, so that a create killed in the middle leaves delete
 * the paths to remove. NULL without err for systemd (its unit path is known only after create). */
char *cgroup_plan_serialize(const struct cgroup_opts *o, struct tr_err *err);
struct cgroup_mgr *cgroup_load(const char *saved, struct tr_err *err);
/* Path of the container's cgroup relative to the hierarchy root ("/tinyrun/ID"), for logs and
 * for mounting /sys/fs/cgroup inside the container (v1: per-controller). */
const char *cgroup_relative_path(struct cgroup_mgr *m);

/* What the container's /sys/fs/cgroup should show (used by rootfs.c for a "cgroup" mount).
 * unified: one entry with name "" and the host dir of the container's v2 cgroup (bind fallback
 * when mounting cgroup2 in the new cgroup ns fails). legacy/hybrid: one entry per mounted v1
 * hierarchy ("cpu,cpuacct", "memory", "unified" ...) with the host dir of the container's cgroup
 * in it; rootfs.c mounts a tmpfs and binds each, plus the per-controller symlinks. */
struct cgroup_mount_entry { char *name; char *host_path; };
int cgroup_mount_entries(struct cgroup_mgr *m, struct cgroup_mount_entry **out, size_t *n, struct tr_err *err);
void cgroup_mount_entries_free(struct cgroup_mount_entry *e, size_t n);

/* True for a disabled manager (rootless without a writable cgroup): kill --all and ps must then
 * fall back to the init pid. */
bool cgroup_is_disabled(struct cgroup_mgr *m);

#endif
