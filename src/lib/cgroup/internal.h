/* Shared between the cgroup files: the manager state and the backend helpers.
 * The manager keeps one directory per mounted hierarchy (v1: one per hierarchy, plus the
 * unified mount in hybrid; v2: one), so every operation is "for each hierarchy, do X". */
#ifndef TINYRUN_CGROUP_INTERNAL_H
#define TINYRUN_CGROUP_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

enum cg_driver { CG_DRV_FS, CG_DRV_SYSTEMD };

struct cgroup_mgr {
    enum cgroup_layout layout;
    enum cg_driver driver;
    bool disabled;      /* rootless without a writable cgroup: every call is a no-op */
    bool rootless;
    char *id;
    char *path;         /* the common relative path ("/tinyrun/ID") */
    int created;        /* how many trailing levels of the path we created (max over hierarchies):
                         * destroy removes the leaf and up to created-1 empty parents */
    struct cg_hier *h; size_t nh;
    /* systemd */
    char *slice, *unit;
    bool unit_started;
    pid_t pending_pid;
    const struct oci_resources *create_res;   /* resources for the unit properties */
    bool warned;
};

/* ---- cgroup.c: hierarchy helpers ---- */
int cg_discover(struct cgroup_mgr *m, struct tr_err *err);             /* layout + hierarchies */
void cg_refresh_v2_ctrls(struct cg_hier *h, const char *dir);          /* h->ctrls = dir's controllers */
struct cg_hier *cg_find_hier(struct cgroup_mgr *m, const char *ctrl);   /* v1 hierarchy with ctrl */
struct cg_hier *cg_v2_hier(struct cgroup_mgr *m);                        /* unified dir or NULL */
struct cg_hier *cg_primary_hier(struct cgroup_mgr *m);                   /* for pids/freeze */
bool cg_hier_has(const struct cg_hier *h, const char *ctrl);
/* The frozen cgroup dir (malloc'd) at or above h->dir (the v1 freezer or a v2 cgroup.freeze), or
 * NULL; *state says what was read ("freezer.state FROZEN"). */
char *cg_frozen_level(const struct cg_hier *h, const char **state);
bool cg_is_perm_error(int e);
/* Rootless: warn once, return 0 (skip); otherwise fill err and return -1. */
int cg_soft_fail(struct cgroup_mgr *m, struct tr_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- cgroup-fs.c: shared file operations ---- */
int cg_write(const char *dir, const char *file, const char *value, struct tr_err *err);
char *cg_read(const char *dir, const char *file, struct tr_err *err);   /* trailing \n stripped */
int cg_read_u64(const char *dir, const char *file, uint64_t *out);      /* "max" -> UINT64_MAX */
int cg_mkdir_path(struct cgroup_mgr *m, struct cg_hier *h, struct tr_err *err);
int cg_rmdir_path(struct cgroup_mgr *m, struct cg_hier *h);
int cg_enter_pid(struct cg_hier *h, pid_t pid, struct tr_err *err);
int cg_read_pids_rec(const char *dir, pid_t **pids, size_t *n, size_t *cap, struct tr_err *err);
/* Apply a list of writes to the hierarchies of m. v2list: entries go to the unified dir. */
int cg_apply_writes(struct cgroup_mgr *m, const struct cg_writes *w, bool v2list, bool update,
                    struct tr_err *err);

/* ---- cgroup-v1.c / cgroup-v2.c ---- */
int cg_v1_cpuset_init(const char *dir, struct tr_err *err);
int cg_v1_freeze(struct cgroup_mgr *m, struct cg_hier *h, bool frozen, struct tr_err *err);
int cg_v1_is_frozen(struct cg_hier *h, struct tr_err *err);
int cg_v2_enable_controllers(struct cgroup_mgr *m, const char *dir, struct tr_err *err);
int cg_v2_freeze(struct cg_hier *h, bool frozen, struct tr_err *err);
int cg_v2_is_frozen(struct cg_hier *h, struct tr_err *err);
int cg_v2_apply_devices(struct cgroup_mgr *m, struct cg_hier *h, const struct oci_resources *res,
                        struct tr_err *err);

/* ---- cgroup-bpf.c ---- */
int cg_bpf_install(int dirfd, const struct bpf_insn *insns, size_t n, struct tr_err *err);
int cg_bpf_count(int dirfd);

/* ---- cgroup-stats.c ---- */
char *cg_stats_v1(struct cgroup_mgr *m, struct tr_err *err);
char *cg_stats_v2(struct cgroup_mgr *m, struct tr_err *err);

/* ---- cgroup-systemd.c ---- */
int cg_systemd_create(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err);
int cg_systemd_start(struct cgroup_mgr *m, pid_t pid, struct tr_err *err);
int cg_systemd_stop(struct cgroup_mgr *m, struct tr_err *err);
int cg_systemd_update(struct cgroup_mgr *m, const struct oci_resources *res, struct tr_err *err);

#endif
