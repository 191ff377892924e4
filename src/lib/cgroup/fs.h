/* The lowest cgroup layer: the hierarchies this host mounts, the container's directory in each,
 * and the file operations every backend shares (read/write control files, mkdir/rmdir a path,
 * join, list pids, apply a list of writes). It imports no backend and not the manager: the
 * backends (backend.h: v1.c v2.c systemd.c, stats.c) and the manager (manager.c persist.c) sit
 * above it, and nothing here calls up. The manager keeps one directory per mounted hierarchy
 * (v1: one per hierarchy, plus the unified mount in hybrid; v2: one), so every operation is "for
 * each hierarchy, do X". */
#ifndef TINYRUN_CGROUP_FS_H
#define TINYRUN_CGROUP_FS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <sys/types.h>
#include "cgroup.h"
#include "cgroup/res.h"

#define CG_ROOT "/sys/fs/cgroup"
#define CG_UNIFIED_HYBRID CG_ROOT "/unified"

/* One mounted hierarchy and the container's directory in it. */
struct cg_hier {
    char *name;         /* mount dir basename: "memory", "cpu,cpuacct", "systemd", "unified", "" (v2) */
    char *mnt;          /* mount point, "/sys/fs/cgroup/memory" */
    char *root;         /* the cgroup this mount shows when not "/" (mountinfo field 4), or NULL */
    char **ctrls;       /* NULL-terminated controllers ("cpu", "cpuacct"; "name=systemd"); v2: enabled ones */
    bool v2;
    char *path;         /* container cgroup relative to the mount ("/tinyrun/ID") */
    char *dir;          /* mnt + path */
};

struct cg_ops;   /* backend.h: one table per backend */

/* What every backend shares; a backend's own state (the systemd unit) hangs off priv. */
struct cgroup_mgr {
    const struct cg_ops *ops;   /* NULL only for a disabled manager or a unit test's fake */
    void *priv;
    enum cgroup_layout layout;
    bool disabled;      /* rootless without a writable cgroup: every call is a no-op */
    bool rootless;
    bool warned;        /* cg_soft_fail warned once already */
    char *id;
    char *path;         /* the common relative path ("/tinyrun/ID") */
    int created;        /* how many trailing levels of the path we created (max over hierarchies):
                         * destroy removes the leaf and up to created-1 empty parents */
    struct cg_hier *h; size_t nh;
};

/* ---- the hierarchy set ---- */
int cg_discover(struct cgroup_mgr *m, struct tr_err *err);             /* layout + hierarchies */
void cg_refresh_v2_ctrls(struct cg_hier *h, const char *dir);          /* h->ctrls = dir's controllers */
struct cg_hier *cg_find_hier(struct cgroup_mgr *m, const char *ctrl);   /* v1 hierarchy with ctrl */
struct cg_hier *cg_v2_hier(struct cgroup_mgr *m);                        /* unified dir or NULL */
struct cg_hier *cg_primary_hier(struct cgroup_mgr *m);                   /* for pids/freeze */
bool cg_hier_has(const struct cg_hier *h, const char *ctrl);
/* h->path/h->dir of every hierarchy: resolved from cgroups_path (cgroupfs driver; sets m->path),
 * or with resolve false, m->path as it is (systemd, which computed it). */
int cg_set_paths(struct cgroup_mgr *m, const char *cgroups_path, bool resolve, struct tr_err *err);
/* The frozen cgroup dir (malloc'd) at or above h->dir (the v1 freezer or a v2 cgroup.freeze), or
 * NULL; *state says what was read ("freezer.state FROZEN"). */
char *cg_frozen_level(const struct cg_hier *h, const char **state);
/* Refuse a cgroup that is frozen before any process is cloned or moved into it. */
int cg_refuse_frozen(struct cgroup_mgr *m, struct tr_err *err);
bool cg_is_perm_error(int e);
/* Rootless: warn once, return 0 (skip); otherwise fill err and return -1. */
int cg_soft_fail(struct cgroup_mgr *m, struct tr_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- the cgroupfs steps both v1 and v2 take (the systemd backend reuses them) ---- */
/* Resolve the paths, refuse a frozen cgroup, mkdir every hierarchy's path; rootless without a
 * writable cgroup: m->disabled and 0. */
int cg_fs_create(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err);
int cg_fs_enter(struct cgroup_mgr *m, pid_t pid, struct tr_err *err);   /* pid into every hierarchy */
int cg_fs_remove(struct cgroup_mgr *m, struct tr_err *err);             /* rmdir every hierarchy's path */
/* Saved form "<kind>:<path>" (persist.c) and its parser. */
char *cg_fs_save_head(struct cgroup_mgr *m);
int cg_fs_load_head(struct cgroup_mgr *m, const char *head, size_t n, struct tr_err *err);
/* %-escaping of the saved form: space, '%', ':' and newline. */
char *cg_esc(const char *s);
char *cg_unesc(const char *s, size_t n);

/* ---- file operations ---- */
/* open/mkdir/rmdir/access/opendir of a path, below /sys/fs/cgroup walked from a cached fd
 * (fsio.c says why); errno as the syscall's */
int cg_path_open(const char *path, int flags);
int cg_path_mkdir(const char *path);   /* mode 0755 */
int cg_path_rmdir(const char *path);
bool cg_path_exists(const char *path);
DIR *cg_path_opendir(const char *path);
int cg_write(const char *dir, const char *file, const char *value, struct tr_err *err);
char *cg_read(const char *dir, const char *file, struct tr_err *err);   /* trailing \n stripped */
int cg_read_u64(const char *dir, const char *file, uint64_t *out);      /* "max" -> UINT64_MAX */
/* the "key N" line of file (dir may be NULL: false) */
bool cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out);
int cg_mkdir_path(struct cgroup_mgr *m, struct cg_hier *h, struct tr_err *err);
/* No linux.cgroupsPath: the default /tinyrun/<id>, whose shared parent stays once made (only
 * the leaf counts in m->created). */
bool cg_default_path(const struct cgroup_opts *o);
int cg_rmdir_path(struct cgroup_mgr *m, struct cg_hier *h);
int cg_enter_pid(struct cg_hier *h, pid_t pid, struct tr_err *err);
int cg_read_pids_rec(const char *dir, pid_t **pids, size_t *n, size_t *cap, struct tr_err *err);
/* Apply a list of writes to the hierarchies of m. v2list: entries go to the unified dir. */
int cg_apply_writes(struct cgroup_mgr *m, const struct cg_writes *w, bool v2list, bool update,
                    struct tr_err *err);

/* ---- bpf.c: attach a device program (the raw bpf() syscall) ---- */
int cg_bpf_install(int dirfd, const struct bpf_insn *insns, size_t n, struct tr_err *err);
int cg_bpf_count(int dirfd);

#endif
