/* The cgroupfs layer against a fake cgroup tree (plain files in a temporary dir: no kernel, no
 * root): a setting whose controller is absent (v1: not mounted; v2: not enabled by the parent)
 * is refused naming the field, rootless only warns; the v1 memory/memsw write order; the frozen
 * check (v1 freezer.state of the deepest existing level, v2 cgroup.freeze of any level). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup/backend.h"
#include "tap.h"
#include "util.h"

static char tmp[] = "/tmp/test-cgroup-apply-XXXXXX";

static void put(const char *dir, const char *file, const char *content)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t) strlen(content))
        abort();
    close(fd);
}

static char *get(const char *dir, const char *file)
{
    static char buf[256];
    struct tr_err e;
    _cleanup_free_ char *s = cg_read(dir, file, &e);
    snprintf(buf, sizeof buf, "%s", s ? s : "(missing)");
    return buf;
}

static void mkdirs(const char *path)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    mkdir(p, 0755);
}

static struct cgroup_mgr *fake_mgr(enum cgroup_layout layout, bool rootless)
{
    struct cgroup_mgr *m = xzalloc(sizeof *m);
    m->layout = layout;
    m->ops = cg_fs_backend(layout);
    m->rootless = rootless;
    m->id = xstrdup("c1");
    m->path = xstrdup("/p/c1");
    return m;
}

/* A hierarchy mounted at tmp/<mnt> (a fresh name per manager) with the container at /p/c1. */
static struct cg_hier *add_hier(struct cgroup_mgr *m, const char *mnt, bool v2, const char *ctrl)
{
    m->h = xrealloc(m->h, (m->nh + 1) * sizeof *m->h);
    struct cg_hier *h = &m->h[m->nh++];
    memset(h, 0, sizeof *h);
    h->name = xstrdup(mnt);
    h->mnt = xasprintf("%s/%s", tmp, mnt);
    h->v2 = v2;
    h->ctrls = xzalloc(2 * sizeof *h->ctrls);
    h->ctrls[0] = ctrl ? xstrdup(ctrl) : NULL;
    h->path = xstrdup("/p/c1");
    h->dir = xasprintf("%s%s", h->mnt, h->path);
    mkdirs(h->dir);
    return h;
}

static int apply(struct cgroup_mgr *m, const struct oci_resources *r, bool v2, struct tr_err *err)
{
    struct cg_writes w = { 0 };
    int rc = cg_res_writes(r, v2, false, &w, err);
    if (rc == 0)
        rc = cg_apply_writes(m, &w, v2, false, err);
    cg_writes_free(&w);
    return rc;
}

static void test_v1_missing(void)
{
    struct cgroup_mgr *m = fake_mgr(CGROUP_LAYOUT_LEGACY, false);
    struct cg_hier *mem = add_hier(m, "v1-memory", false, "memory");
    put(mem->dir, "memory.limit_in_bytes", "");
    struct tr_err err = { 0 };
    struct oci_resources r = { .has_net_class_id = true, .net_class_id = 0x100001 };
    ok(apply(m, &r, false, &err) < 0, "v1: classID without a net_cls hierarchy is refused");
    ok(strstr(err.msg, "linux.resources.network.classID: the net_cls cgroup controller is not mounted") != NULL,
       "v1: the error names the field and the controller: %s", err.msg);
    struct oci_net_priority prio[] = { { "lo", 5 } };
    struct oci_resources rp = { .net_priorities = prio, .net_priorities_len = 1 };
    ok(apply(m, &rp, false, &err) < 0 && strstr(err.msg, "network.priorities[0]: the net_prio cgroup"),
       "v1: priorities without net_prio are refused: %s", err.msg);
    struct oci_resources rpid = { .has_pids_limit = true, .pids_limit = 5 };
    ok(apply(m, &rpid, false, &err) < 0 && strstr(err.msg, "linux.resources.pids.limit: the pids cgroup"),
       "v1: pids.limit without a pids hierarchy is refused: %s", err.msg);
    struct oci_memory om = { .has_limit = true, .limit = 67108864 };
    struct oci_resources rm = { .memory = &om };
    ok(apply(m, &rm, false, &err) == 0, "v1: a mounted controller is written");
    is_str(get(mem->dir, "memory.limit_in_bytes"), "67108864", "v1: memory.limit_in_bytes");
    cgroup_free(m);

    m = fake_mgr(CGROUP_LAYOUT_LEGACY, true);
    add_hier(m, "v1-rootless", false, "memory");
    ok(apply(m, &r, false, &err) == 0, "v1 rootless: a missing controller is a warning, not an error");
    cgroup_free(m);
}

static void test_v2_not_enabled(void)
{
    struct cgroup_mgr *m = fake_mgr(CGROUP_LAYOUT_UNIFIED, false);
    struct cg_hier *h = add_hier(m, "v2", true, "memory");
    put(h->dir, "memory.max", "");
    struct tr_err err = { 0 };
    struct oci_resources r = { .has_pids_limit = true, .pids_limit = 5 };
    ok(apply(m, &r, true, &err) < 0, "v2: pids.limit with pids not enabled is refused");
    _cleanup_free_ char *want = xasprintf("linux.resources.pids.limit: the pids cgroup controller is not "
                                          "enabled for %s/v2/p/c1 (it is not in %s/v2/p/cgroup.subtree_control)",
                                          tmp, tmp);
    ok(strstr(err.msg, want) != NULL, "v2: names the parent's subtree_control: %s", err.msg);
    ok(strstr(err.msg, "echo +pids >") != NULL, "v2: says how to enable it");
    struct oci_memory om = { .has_limit = true, .limit = 67108864 };
    struct oci_resources rm = { .memory = &om };
    ok(apply(m, &rm, true, &err) == 0, "v2: an enabled controller is written");
    is_str(get(h->dir, "memory.max"), "67108864", "v2: memory.max");
    struct oci_resources rn = { .has_net_class_id = true, .net_class_id = 7 };
    ok(cgroup_apply(m, &rn, false, &err) < 0 && strstr(err.msg, "linux.resources.network.classID: cgroup v2 "
                                                       "has no net_cls/net_prio controller"),
       "v2: network is refused: %s", err.msg);
    cgroup_free(m);

    m = fake_mgr(CGROUP_LAYOUT_UNIFIED, true);
    add_hier(m, "v2-rootless", true, "memory");
    ok(apply(m, &r, true, &err) == 0, "v2 rootless: a controller not delegated is a warning");
    ok(cgroup_apply(m, &rn, false, &err) == 0, "v2 rootless: network is a warning");
    cgroup_free(m);
}

/* hybrid: hugetlb lives on the cgroup2 mount only; the parent could not enable it */
static void test_hybrid_not_enabled(void)
{
    struct cgroup_mgr *m = fake_mgr(CGROUP_LAYOUT_HYBRID, false);
    add_hier(m, "hy-memory", false, "memory");
    struct cg_hier *v2 = add_hier(m, "hy-unified", true, NULL);
    put(v2->mnt, "cgroup.controllers", "hugetlb\n");
    struct oci_hugepage_limit huge[] = { { "2MB", 4194304 } };
    struct oci_resources r = { .hugepage_limits = huge, .hugepage_limits_len = 1 };
    struct tr_err err = { 0 };
    ok(apply(m, &r, false, &err) < 0, "hybrid: hugetlb not enabled down to the cgroup is refused");
    _cleanup_free_ char *want = xasprintf("linux.resources.hugepageLimits[0]: the hugetlb cgroup controller is "
                                          "not enabled for %s/hy-unified/p/c1", tmp);
    ok(strstr(err.msg, want) != NULL, "hybrid: names the v2 dir, not \"not mounted\": %s", err.msg);
    cgroup_free(m);
}

/* The order of the memory/memsw pair, seen through a missing memsw file: whichever goes first
 * fails, and memory.limit_in_bytes shows whether it was written before. */
static void test_memsw_order(void)
{
    ok(cg_memsw_first(33554432, "536870912"), "memsw first when raising above the current limit");
    ok(cg_memsw_first(268435456, "-1"), "memsw first when it becomes unlimited");
    ok(!cg_memsw_first(268435456, "134217728"), "memory first when memsw goes below the current limit");
    ok(!cg_memsw_first(1, "junk"), "memory first on junk");

    struct cgroup_mgr *m = fake_mgr(CGROUP_LAYOUT_LEGACY, false);
    struct cg_hier *h = add_hier(m, "v1-memsw", false, "memory");
    struct tr_err err = { 0 };
    put(h->dir, "memory.limit_in_bytes", "33554432");
    struct oci_memory raise = { .has_limit = true, .limit = 268435456, .has_swap = true, .swap = 536870912 };
    struct oci_resources r = { .memory = &raise };
    ok(apply(m, &r, false, &err) < 0 && strstr(err.msg, "memory.memsw.limit_in_bytes"), "raise: memsw tried first");
    is_str(get(h->dir, "memory.limit_in_bytes"), "33554432", "raise: memory limit not written before memsw");

    put(h->dir, "memory.limit_in_bytes", "268435456");
    struct oci_memory lower = { .has_limit = true, .limit = 67108864, .has_swap = true, .swap = 134217728 };
    r.memory = &lower;
    ok(apply(m, &r, false, &err) < 0 && strstr(err.msg, "memory.memsw.limit_in_bytes"), "lower: memsw fails");
    /* plain files are not truncated by a write: the new value is a prefix */
    ok(!strncmp(get(h->dir, "memory.limit_in_bytes"), "67108864", 8), "lower: memory limit written first");

    /* unlimited memory, swap not given: memsw is lifted too, first; optional (no swap accounting) */
    put(h->dir, "memory.limit_in_bytes", "33554432");
    struct oci_memory unl = { .has_limit = true, .limit = -1 };
    r.memory = &unl;
    ok(apply(m, &r, false, &err) == 0, "memory -1 without memsw file: ok");
    ok(!strncmp(get(h->dir, "memory.limit_in_bytes"), "-1", 2), "memory -1 written");
    put(h->dir, "memory.memsw.limit_in_bytes", "");
    put(h->dir, "memory.limit_in_bytes", "");
    ok(apply(m, &r, false, &err) == 0, "memory -1 with a memsw file: ok");
    is_str(get(h->dir, "memory.memsw.limit_in_bytes"), "-1", "memory -1 lifts memsw too");
    cgroup_free(m);
}

static void test_frozen(void)
{
    struct cgroup_mgr *m = fake_mgr(CGROUP_LAYOUT_LEGACY, false);
    struct cg_hier *fz = add_hier(m, "v1-freezer", false, "freezer");
    const char *state = NULL;
    put(fz->dir, "freezer.state", "THAWED");
    ok(cg_frozen_level(fz, &state) == NULL, "v1: THAWED is not frozen");
    put(fz->dir, "freezer.state", "FROZEN");
    _cleanup_free_ char *w = cg_frozen_level(fz, &state);
    is_str(w, fz->dir, "v1: FROZEN leaf");
    is_str(state, "freezer.state FROZEN", "v1: state text");
    /* not yet created (systemd's scope): the parent's state */
    _cleanup_free_ char *parent = xasprintf("%s/v1-freezer/p", tmp);
    put(fz->dir, "freezer.state", "THAWED");
    put(parent, "freezer.state", "FREEZING");
    free(fz->dir);
    fz->dir = xasprintf("%s/v1-freezer/p/not-yet", tmp);
    _cleanup_free_ char *w2 = cg_frozen_level(fz, &state);
    is_str(w2, parent, "v1: a missing leaf takes its parent's state");
    is_str(state, "freezer.state FREEZING", "v1: FREEZING counts");
    struct cg_hier *mem = add_hier(m, "v1-nofreezer", false, "memory");
    ok(cg_frozen_level(mem, &state) == NULL, "v1: a hierarchy without the freezer is never frozen");
    cgroup_free(m);

    m = fake_mgr(CGROUP_LAYOUT_UNIFIED, false);
    struct cg_hier *h = add_hier(m, "v2-freeze", true, "memory");
    _cleanup_free_ char *p2 = xasprintf("%s/v2-freeze/p", tmp);
    put(h->dir, "cgroup.freeze", "0");
    put(p2, "cgroup.freeze", "0");
    ok(cg_frozen_level(h, &state) == NULL, "v2: cgroup.freeze 0 everywhere");
    put(p2, "cgroup.freeze", "1");
    _cleanup_free_ char *w3 = cg_frozen_level(h, &state);
    is_str(w3, p2, "v2: a parent's cgroup.freeze 1 freezes the leaf");
    is_str(state, "cgroup.freeze 1", "v2: state text");
    cgroup_free(m);
}

/* The backend table follows the layout; the saved head is the backend's (no kernel involved). */
static void test_backend_tables(void)
{
    ok(cg_fs_backend(CGROUP_LAYOUT_UNIFIED) == &cg_v2_ops, "unified: the v2 table");
    ok(cg_fs_backend(CGROUP_LAYOUT_HYBRID) == &cg_v1_ops && cg_fs_backend(CGROUP_LAYOUT_LEGACY) == &cg_v1_ops,
       "hybrid and legacy: the v1 table");
    static const struct { enum cgroup_layout l; const char *want; } cases[] = {
        { CGROUP_LAYOUT_UNIFIED, "v2:/p/c1" }, { CGROUP_LAYOUT_HYBRID, "hybrid:/p/c1" },
        { CGROUP_LAYOUT_LEGACY, "v1:/p/c1 rootless" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct cgroup_mgr *m = fake_mgr(cases[i].l, cases[i].l == CGROUP_LAYOUT_LEGACY);
        add_hier(m, "tbl", cases[i].l != CGROUP_LAYOUT_LEGACY, "memory");
        _cleanup_free_ char *s = cgroup_serialize(m);
        is_str(s, cases[i].want, "serialized: %s", cases[i].want);
        if (cases[i].l != CGROUP_LAYOUT_UNIFIED)
            ok(cgroup_leaf_fd(m) < 0, "no CLONE_INTO_CGROUP fd off v2");
        cgroup_free(m);
    }
}

int main(void)
{
    if (!mkdtemp(tmp)) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    test_v1_missing();
    test_v2_not_enabled();
    test_hybrid_not_enabled();
    test_memsw_order();
    test_frozen();
    test_backend_tables();
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", tmp);
    return done_testing();
}
