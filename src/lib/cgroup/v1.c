/* The cgroupfs backend of a legacy or hybrid host: one directory per v1 hierarchy, the freezer
 * controller, and on hybrid the unified mount for what v1 does not have (hugetlb here, and
 * linux.resources.unified). */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <time.h>
#include "cgroup/backend.h"
#include "log.h"
#include "util.h"

static int v1_freezer_state(struct cg_hier *h, struct tr_err *err)
{
    _cleanup_free_ char *s = cg_read(h->dir, "freezer.state", err);
    if (!s)
        return -1;
    return streq(s, "FROZEN") ? 1 : 0;
}

/* freezer.state goes FREEZING -> FROZEN; a task in a vfork or uninterruptible sleep can keep it
 * FREEZING, so rewrite the request until it settles (runc does the same), up to ~5 s. */
static int v1_freezer_set(struct cg_hier *h, bool frozen, struct tr_err *err)
{
    const char *want = frozen ? "FROZEN" : "THAWED";
    for (int i = 0; i < 1000; i++) {
        if (cg_write(h->dir, "freezer.state", want, err) < 0)
            return tr_prefix(err, frozen ? "pause" : "resume");
        _cleanup_free_ char *s = cg_read(h->dir, "freezer.state", err);
        if (!s)
            return -1;
        if (streq(s, want))
            return 0;
        struct timespec ts = { 0, (i < 10 ? 1 : 5) * 1000 * 1000 };
        nanosleep(&ts, NULL);
        if (frozen && i % 50 == 49) {
            /* thaw briefly so a task stuck in vfork can move on, then try again */
            cg_write(h->dir, "freezer.state", "THAWED", err);
        }
    }
    return tr_failx(err, "%s/freezer.state: did not become %s within 5s", h->dir, want);
}

/* Hybrid: the v2 mount gets only what v1 cannot take (controllers mounted on v2 only, such as
 * hugetlb here, and linux.resources.unified). */
static void hybrid_v2_subset(struct cgroup_mgr *m, const struct oci_resources *r, struct oci_resources *out)
{
    memset(out, 0, sizeof *out);
    struct cg_hier *h = cg_v2_hier(m);
    if (!h)
        return;
#define V2ONLY(c) (!cg_find_hier(m, c) && cg_hier_has(h, c))
    if (V2ONLY("hugetlb")) { out->hugepage_limits = r->hugepage_limits; out->hugepage_limits_len = r->hugepage_limits_len; }
    if (V2ONLY("rdma")) { out->rdma = r->rdma; out->rdma_len = r->rdma_len; }
    if (V2ONLY("memory")) out->memory = r->memory;
    if (V2ONLY("cpu")) out->cpu = r->cpu;
    if (V2ONLY("pids")) { out->has_pids_limit = r->has_pids_limit; out->pids_limit = r->pids_limit; }
    if (V2ONLY("io")) out->block_io = r->block_io;
#undef V2ONLY
    out->unified = r->unified;
    out->unified_len = r->unified_len;
}

static int v1_apply(struct cgroup_mgr *m, const struct oci_resources *res, bool update, struct tr_err *err)
{
    struct cg_writes w = { 0 };
    int r = cg_res_writes(res, false, m->layout == CGROUP_LAYOUT_HYBRID, &w, err);
    if (r == 0)
        r = cg_apply_writes(m, &w, false, update, err);
    cg_writes_free(&w);
    if (r == 0 && cg_v2_hier(m)) {
        struct oci_resources sub;
        hybrid_v2_subset(m, res, &sub);
        r = cg_res_writes(&sub, true, true, &w, err);
        if (r == 0)
            r = cg_apply_writes(m, &w, true, update, err);
        cg_writes_free(&w);
    }
    return r;
}

static int v1_leaf_fd(struct cgroup_mgr *m)
{
    (void) m;
    return -1;   /* CLONE_INTO_CGROUP takes a v2 cgroup only */
}

/* The v1 freezer, else (hybrid without one) the unified mount's cgroup.freeze. */
static int v1_freeze(struct cgroup_mgr *m, bool frozen, struct tr_err *err)
{
    struct cg_hier *h = cg_find_hier(m, "freezer");
    if (h)
        return v1_freezer_set(h, frozen, err);
    if ((h = cg_v2_hier(m)))
        return cg_v2_freeze(h, frozen, err);
    return tr_failx(err, "%s: no freezer cgroup controller is mounted", frozen ? "pause" : "resume");
}

static int v1_is_frozen(struct cgroup_mgr *m, struct tr_err *err)
{
    struct cg_hier *h = cg_find_hier(m, "freezer");
    if (h)
        return v1_freezer_state(h, err);
    if ((h = cg_v2_hier(m)))
        return cg_v2_is_frozen(h, err);
    return 0;
}

static int64_t v1_oom_kill_count(struct cgroup_mgr *m)
{
    struct cg_hier *h = cg_find_hier(m, "memory");
    uint64_t v;
    return cg_read_keyed(h ? h->dir : NULL, "memory.oom_control", "oom_kill", &v) ? (int64_t) v : -1;
}

const struct cg_ops cg_v1_ops = {
    .name = "v1",
    .create = cg_fs_create,
    .save_head = cg_fs_save_head,
    .load_head = cg_fs_load_head,
    .leaf_fd = v1_leaf_fd,
    .enter = cg_fs_enter,
    .apply = v1_apply,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .stats_json = cg_stats_v1,
    .oom_kill_count = v1_oom_kill_count,
    .destroy = cg_fs_remove,
};
