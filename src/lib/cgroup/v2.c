/* cgroup v2 specifics: controller enabling, cgroup.freeze, the eBPF device program. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cgroup/internal.h"
#include "log.h"
#include "util.h"

/* Enable in dir's cgroup.subtree_control every controller dir offers, one at a time so that
 * one refusal (not delegated, or processes in dir: the no-internal-process rule) does not stop
 * the others. Refusals are logged; the write that needs the controller reports the error. */
int cg_v2_enable_controllers(struct cgroup_mgr *m, const char *dir, struct tr_err *err)
{
    struct tr_err e;
    _cleanup_free_ char *avail = cg_read(dir, "cgroup.controllers", &e);
    _cleanup_free_ char *on = cg_read(dir, "cgroup.subtree_control", &e);
    if (!avail || !on) {
        tr_debug("%s: cannot read its controllers: %s", dir, e.msg);
        return 0;
    }
    char *save = NULL;
    for (char *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
        bool enabled = false;
        _cleanup_free_ char *copy = xstrdup(on);
        char *s2 = NULL;
        for (char *o = strtok_r(copy, " \n", &s2); o; o = strtok_r(NULL, " \n", &s2))
            if (streq(o, c))
                enabled = true;
        if (enabled)
            continue;
        _cleanup_free_ char *plus = xasprintf("+%s", c);
        if (cg_write(dir, "cgroup.subtree_control", plus, &e) < 0)
            tr_debug("enable controller %s in %s/cgroup.subtree_control: %s", c, dir, e.msg);
    }
    (void) m; (void) err;
    return 0;
}

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
    _cleanup_close_ int fd = open(ev, O_RDONLY | O_CLOEXEC);
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

int cg_v2_apply_devices(struct cgroup_mgr *m, struct cg_hier *h, const struct oci_resources *res,
                        struct tr_err *err)
{
    if (!res || res->devices_len == 0)
        return 0;
    size_t n;
    _cleanup_free_ struct bpf_insn *prog = cg_bpf_device_prog(res->devices, res->devices_len, &n, err);
    if (!prog)
        return -1;
    _cleanup_close_ int dfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
