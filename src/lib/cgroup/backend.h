/* The cgroup manager interface: one ops table per backend, as crun's cgroup-internal.h.
 *   v1.c       cgroupfs on a legacy or hybrid host (hybrid: the unified mount gets what v1 lacks)
 *   v2.c       cgroupfs on a unified host
 *   systemd.c  a transient unit over D-Bus, then the v1 or v2 backend for the files
 * manager.c (the public API of cgroup.h) picks the table once, at create or load, and calls
 * through it; it holds no driver switch. Backends use fs.h below them and never manager.c;
 * systemd.c sits on the table of the layout's cgroupfs backend; v1.c borrows v2.c's freezer for a
 * hybrid host without a v1 freezer. Nothing calls back up. */
#ifndef TINYRUN_CGROUP_BACKEND_H
#define TINYRUN_CGROUP_BACKEND_H
#include "cgroup/fs.h"

struct cg_ops {
    const char *name;
    /* after cg_discover: paths, directories (or the unit's path), m->priv */
    int (*create)(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err);
    /* the saved head ("v2:<path>", "systemd:<slice>:<unit>:<path>") and back, see persist.c */
    char *(*save_head)(struct cgroup_mgr *m);
    int (*load_head)(struct cgroup_mgr *m, const char *head, size_t n, struct tr_err *err);
    int (*leaf_fd)(struct cgroup_mgr *m);                                     /* -1: not usable */
    int (*enter)(struct cgroup_mgr *m, pid_t pid, struct tr_err *err);
    /* refuse what this host cannot take before anything is written (NULL: nothing to refuse) */
    int (*check)(struct cgroup_mgr *m, const struct oci_resources *res, struct tr_err *err);
    int (*apply)(struct cgroup_mgr *m, const struct oci_resources *res, bool update, struct tr_err *err);
    int (*freeze)(struct cgroup_mgr *m, bool frozen, struct tr_err *err);
    int (*is_frozen)(struct cgroup_mgr *m, struct tr_err *err);
    /* SIGKILL every process at once (cgroup.kill): 0 done, -1 error, 1 cannot (the manager then
     * freezes, lists and signals); NULL = always 1 */
    int (*kill_all)(struct cgroup_mgr *m, struct tr_err *err);
    char *(*stats_json)(struct cgroup_mgr *m, struct tr_err *err);
    int64_t (*oom_kill_count)(struct cgroup_mgr *m);
    int (*destroy)(struct cgroup_mgr *m, struct tr_err *err);   /* after the manager killed leftovers */
    void (*free_priv)(struct cgroup_mgr *m);                    /* NULL: no priv */
};

extern const struct cg_ops cg_v1_ops, cg_v2_ops, cg_systemd_ops;

/* The cgroupfs backend of a layout (the systemd backend writes its files through it). */
static inline const struct cg_ops *cg_fs_backend(enum cgroup_layout l)
{
    return l == CGROUP_LAYOUT_UNIFIED ? &cg_v2_ops : &cg_v1_ops;
}

/* ---- v2.c: the unified mount's freezer (v1.c uses it on a hybrid host without a v1 freezer) ---- */
int cg_v2_freeze(struct cg_hier *h, bool frozen, struct tr_err *err);
int cg_v2_is_frozen(struct cg_hier *h, struct tr_err *err);

/* ---- stats.c: runc-compatible `events --stats` data ---- */
char *cg_stats_v1(struct cgroup_mgr *m, struct tr_err *err);
char *cg_stats_v2(struct cgroup_mgr *m, struct tr_err *err);

#endif
