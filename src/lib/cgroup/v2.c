/* The cgroupfs backend of a unified host: one directory, cgroup.freeze, cgroup.kill, the eBPF
 * device program. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cgroup/backend.h"
#include "log.h"
#include "util.h"

int cg_v2_is_frozen(struct cg_hier *h, struct tr_err *err)
{
    _cleanup_free_ char *s = cg_read(h->dir, "cgroup.events", err);
    if (!s)
        return -1;
    for (char *save = NULL, *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (!strncmp(l, "frozen ", 7))
            return l[7] == '1';
    _cleanup_free_ char *f = cg_read(h->dir, "cgroup.freeze", err);
    return f ? f[0] == '1' : -1;
}

static int frozen_in(const char *events)
{
    const char *p = strstr(events, "frozen ");
    return p && (p == events || p[-1] == '\n') ? p[7] == '1' : -1;
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000 + (uint64_t) t.tv_nsec / 1000000;
}

/* Write cgroup.freeze, then wait up to 5 s for cgroup.events to report the state. poll() on the
 * file wakes on changes; reading it through the same fd re-arms the notification (without the
 * read, poll would return at once forever). */
int cg_v2_freeze(struct cg_hier *h, bool frozen, struct tr_err *err)
{
    if (cg_write(h->dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
        return tr_prefix(err, frozen ? "pause" : "resume");
    _cleanup_free_ char *ev = xasprintf("%s/cgroup.events", h->dir);
    _cleanup_close_ int fd = cg_path_open(ev, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "open %s", ev);
    uint64_t start = now_ms();
    for (;;) {
        char buf[512];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n < 0)
            return tr_fail(err, errno, "read %s", ev);
        buf[n] = '\0';
        if (frozen_in(buf) == (frozen ? 1 : 0))
            return 0;
        if (now_ms() - start > 5000)
            break;
        struct pollfd p = { .fd = fd, .events = POLLPRI };
        if (poll(&p, 1, 50) < 0 && errno != EINTR)
            return tr_fail(err, errno, "poll %s", ev);
    }
    return tr_failx(err, "%s: \"frozen %d\" not reached within 5s", ev, frozen ? 1 : 0);
}

static int apply_devices(struct cgroup_mgr *m, struct cg_hier *h, const struct oci_resources *res,
                         struct tr_err *err)
{
    if (!res || res->devices_len == 0)
        return 0;
    size_t n;
    _cleanup_free_ struct bpf_insn *prog = cg_bpf_device_prog(res->devices, res->devices_len, &n, err);
    if (!prog)
        return -1;
    _cleanup_close_ int dfd = cg_path_open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return tr_fail(err, errno, "linux.resources.devices: open %s", h->dir);
    if (cg_bpf_install(dfd, prog, n, err) < 0) {
        if (cg_is_perm_error(err->code))
            return cg_soft_fail(m, err, err->code, "linux.resources.devices: cannot attach the device "
                                "program to %s", h->dir);
        return -1;
    }
    return 0;
}

static int v2_check(struct cgroup_mgr *m, const struct oci_resources *res, struct tr_err *err)
{
    if ((res->has_net_class_id || res->net_priorities_len) &&
        cg_soft_fail(m, err, 0, "linux.resources.network.%s: cgroup v2 has no net_cls/net_prio controller "
                     "(this host mounts only cgroup v2): remove the setting",
                     res->has_net_class_id ? "classID" : "priorities") < 0)
        return -1;
    return 0;
}

static int v2_apply(struct cgroup_mgr *m, const struct oci_resources *res, bool update, struct tr_err *err)
{
    struct cg_hier *h = cg_v2_hier(m);
    if (!h)
        return 0;
    struct cg_writes w = { 0 };
    int r = cg_res_writes(res, true, true, &w, err);
    if (r == 0)
        r = cg_apply_writes(m, &w, true, update, err);
    cg_writes_free(&w);
    if (r == 0)
        r = apply_devices(m, h, res, err);
    return r;
}

static int v2_leaf_fd(struct cgroup_mgr *m)
{
    struct cg_hier *h = cg_v2_hier(m);
    return h ? cg_path_open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
}

static int v2_freeze(struct cgroup_mgr *m, bool frozen, struct tr_err *err)
{
    struct cg_hier *h = cg_v2_hier(m);
    if (!h)
        return tr_failx(err, "%s: no freezer cgroup controller is mounted", frozen ? "pause" : "resume");
    return cg_v2_freeze(h, frozen, err);
}

static int v2_is_frozen(struct cgroup_mgr *m, struct tr_err *err)
{
    struct cg_hier *h = cg_v2_hier(m);
    return h ? cg_v2_is_frozen(h, err) : 0;
}

static int v2_kill_all(struct cgroup_mgr *m, struct tr_err *err)
{
    struct cg_hier *h = cg_v2_hier(m);
    struct tr_err e;
    if (!h)
        return 1;
    if (cg_write(h->dir, "cgroup.kill", "1", &e) == 0)
        return 0;
    if (e.code != ENOENT)
        return tr_fail(err, e.code, "kill --all: %s", e.msg);
    return 1;   /* before Linux 5.14 */
}

static int64_t v2_oom_kill_count(struct cgroup_mgr *m)
{
    uint64_t v;
    return cg_read_keyed(cg_v2_hier(m)->dir, "memory.events", "oom_kill", &v) ? (int64_t) v : -1;
}

const struct cg_ops cg_v2_ops = {
    .name = "v2",
    .create = cg_fs_create,
    .save_head = cg_fs_save_head,
    .load_head = cg_fs_load_head,
    .leaf_fd = v2_leaf_fd,
    .enter = cg_fs_enter,
    .check = v2_check,
    .apply = v2_apply,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .kill_all = v2_kill_all,
    .stats_json = cg_stats_v2,
    .oom_kill_count = v2_oom_kill_count,
    .destroy = cg_fs_remove,
};
