/* Verbs that act on a container's cgroup: ps, update, pause, resume, events. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "cgroup.h"
#include "container-internal.h"
#include "log.h"
#include "util.h"

struct cg_handle {
    struct tr_container c;
    struct cgroup_mgr *m;
};

static int open_cgroup(const struct tr_ctx *ctx, const char *id, bool lock, struct cg_handle *h,
                       struct tr_err *err)
{
    h->m = NULL;
    if (state_open(tr_state_root(ctx), id, lock, &h->c, err) < 0)
        return -1;
    if (!h->c.runstate || !h->c.runstate->cgroup) {
        state_close(&h->c);
        return tr_failx(err, "container %s has no cgroup (created without one, e.g. rootless on cgroup v1)", id);
    }
    h->m = cgroup_load(h->c.runstate->cgroup, err);
    if (!h->m) {
        state_close(&h->c);
        return -1;
    }
    return 0;
}

static void close_cgroup(struct cg_handle *h)
{
    cgroup_free(h->m);
    state_close(&h->c);
}

int tr_ps(const struct tr_ctx *ctx, const char *id, pid_t **pids, size_t *n, struct tr_err *err)
{
    struct cg_handle h;
    int rc;
    *pids = NULL;
    *n = 0;
    if (open_cgroup(ctx, id, false, &h, err) < 0)
        return -1;
    rc = cgroup_pids(h.m, pids, n, err);
    close_cgroup(&h);
    return rc;
}

static int require_alive(struct cg_handle *h, const char *verb, struct tr_err *err)
{
    enum tr_status st = state_status(&h->c);
    if (st == TR_STOPPED || st == TR_CREATING)
        return tr_failx(err, "cannot %s container %s: container not running", verb, h->c.id);
    return 0;
}

int tr_update(const struct tr_ctx *ctx, const char *id, const struct oci_resources *res, struct tr_err *err)
{
    struct cg_handle h;
    int rc;
    if (open_cgroup(ctx, id, true, &h, err) < 0)
        return -1;
    rc = require_alive(&h, "update", err);
    if (rc == 0)
        rc = cgroup_apply(h.m, res, true, err);
    close_cgroup(&h);
    return rc;
}

static int set_frozen(const struct tr_ctx *ctx, const char *id, bool frozen, struct tr_err *err)
{
    struct cg_handle h;
    enum tr_status st;
    int rc = 0;
    if (open_cgroup(ctx, id, true, &h, err) < 0)
        return -1;
    st = state_status(&h.c);
    if (frozen && st != TR_RUNNING && st != TR_CREATED)
        rc = tr_failx(err, "cannot pause container %s: it is %s", id, tr_status_name(st));
    else if (!frozen && st != TR_PAUSED)
        rc = tr_failx(err, "cannot resume container %s: it is %s, not paused", id, tr_status_name(st));
    if (rc == 0)
        rc = cgroup_freeze(h.m, frozen, err);
    close_cgroup(&h);
    return rc;
}

int tr_pause(const struct tr_ctx *ctx, const char *id, struct tr_err *err) { return set_frozen(ctx, id, true, err); }
int tr_resume(const struct tr_ctx *ctx, const char *id, struct tr_err *err) { return set_frozen(ctx, id, false, err); }

static int emit_stats(struct cg_handle *h, int (*cb)(const char *, void *), void *data, int *stop,
                      struct tr_err *err)
{
    _cleanup_free_ char *stats = cgroup_stats_json(h->m, err);
    _cleanup_free_ char *line = NULL;
    if (!stats)
        return -1;
    line = xasprintf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":%s}", h->c.id, stats);
    *stop = cb(line, data);
    return 0;
}

int tr_events(const struct tr_ctx *ctx, const char *id, bool stats_once, int interval_sec,
              int (*cb)(const char *json_line, void *data), void *data, struct tr_err *err)
{
    struct cg_handle h;
    int64_t ooms;
    int stop = 0, rc = 0;
    if (open_cgroup(ctx, id, false, &h, err) < 0)
        return -1;
    if (require_alive(&h, "get events of", err) < 0) {
        close_cgroup(&h);
        return -1;
    }
    if (stats_once) {
        rc = emit_stats(&h, cb, data, &stop, err);
        close_cgroup(&h);
        return rc;
    }
    if (interval_sec <= 0)
        interval_sec = 5;
    ooms = cgroup_oom_kill_count(h.m);
    while (!stop) {
        int64_t now;
        struct timespec ts = { .tv_sec = interval_sec };
        if ((rc = emit_stats(&h, cb, data, &stop, err)) < 0 || stop)
            break;
        now = cgroup_oom_kill_count(h.m);
        if (now > ooms) {
            _cleanup_free_ char *line = xasprintf("{\"type\":\"oom\",\"id\":\"%s\"}", h.c.id);
            ooms = now;
            if ((stop = cb(line, data)))
                break;
        }
        nanosleep(&ts, NULL);
        if (state_status(&h.c) == TR_STOPPED)
            break;
    }
    close_cgroup(&h);
    return rc;
}
