/* --systemd-cgroup: the container's cgroup is a transient scope started over D-Bus with sd-bus
 * (StartTransientUnit), then limits are written to its files like the cgroupfs driver does.
 * Rootless uses the user instance of systemd; sd-bus authenticates with AUTH EXTERNAL and lets
 * the bus take our identity from SO_PEERCRED, which the kernel reports as the host uid even from
 * inside a user namespace (sending "0" from a userns is what broke other runtimes). */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup/backend.h"
#include "log.h"
#include "util.h"
#ifdef HAVE_SYSTEMD
#include <systemd/sd-bus.h>
#include <time.h>
#include "dl-systemd.h"

/* The backend's own state, in m->priv. */
struct sd_unit {
    char *slice, *unit;
    bool started;
    const struct oci_resources *create_res;   /* resources for the unit properties */
};

static struct sd_unit *unit_of(struct cgroup_mgr *m) { return m->priv; }

/* The files of the unit's cgroup are written by the layout's cgroupfs backend. */
static const struct cg_ops *files(struct cgroup_mgr *m) { return cg_fs_backend(m->layout); }

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_IFACE "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (30ULL * 1000000)

static void busp(sd_bus **b) { if (*b) sd_bus_flush_close_unref(*b); }
#define _cleanup_bus_ __attribute__((cleanup(busp)))

static char *user_bus_address(void)
{
    const char *a = getenv("DBUS_SESSION_BUS_ADDRESS");
    if (a && *a)
        return xstrdup(a);
    const char *x = getenv("XDG_RUNTIME_DIR");
    if (x && *x)
        return xasprintf("unix:path=%s/bus", x);
    struct tr_err e;
    _cleanup_free_ char *map = read_file("/proc/self/uid_map", NULL, &e);
    int64_t uid = map ? cg_map_uid(map, (uint32_t) geteuid()) : (int64_t) geteuid();
    return xasprintf("unix:path=/run/user/%lld/bus", (long long) (uid < 0 ? (int64_t) geteuid() : uid));
}

static int bus_open(struct cgroup_mgr *m, sd_bus **out, struct tr_err *err)
{
    sd_bus *b = NULL;
    int r;
    if (tr_sd_load("--systemd-cgroup", err) < 0)
        return -1;
    if (!m->rootless) {
        r = sd_bus_open_system(&b);
        if (r < 0)
            return tr_fail(err, -r, "--systemd-cgroup: connect to the system bus");
        *out = b;
        return 0;
    }
    _cleanup_free_ char *addr = user_bus_address();
    if ((r = sd_bus_new(&b)) < 0 || (r = sd_bus_set_address(b, addr)) < 0 ||
        (r = sd_bus_set_bus_client(b, 1)) < 0 || (r = sd_bus_start(b)) < 0) {
        if (b)
            sd_bus_unref(b);
        tr_fail(err, -r, "--systemd-cgroup (rootless): connect to the user bus %s", addr);
        return tr_hint(err, "is the systemd user instance running with D-Bus (package dbus-user-session, "
                       "`systemctl --user status`)? Or use --cgroup-manager=cgroupfs");
    }
    *out = b;
    return 0;
}

struct job_wait { const char *job; bool done; char result[64]; };

static int on_job_removed(sd_bus_message *msg, void *data, sd_bus_error *e)
{
    struct job_wait *w = data;
    uint32_t id;
    const char *path, *unit, *result;
    if (sd_bus_message_read(msg, "uoss", &id, &path, &unit, &result) < 0)
        return 0;
    if (w->job && streq(path, w->job)) {
        w->done = true;
        snprintf(w->result, sizeof w->result, "%s", result);
    }
    (void) e;
    return 0;
}

/* The unit's ActiveState into buf ("gone" when systemd no longer has it); "" if unknown. */
static void unit_state(sd_bus *bus, const char *unit, char *buf, size_t len)
{
    sd_bus_error e = SD_BUS_ERROR_NULL;
    sd_bus_message *reply = NULL;
    const char *path;
    char *state = NULL;
    buf[0] = '\0';
    if (sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_IFACE, "GetUnit", &e, &reply, "s", unit) < 0) {
        if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
            snprintf(buf, len, "gone");
    } else if (sd_bus_message_read(reply, "o", &path) >= 0 &&
               sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Unit", "ActiveState",
                                          NULL, &state) >= 0) {
        snprintf(buf, len, "%s", state);
    }
    free(state);
    sd_bus_message_unref(reply);
    sd_bus_error_free(&e);
}

/* Waits for the job's JobRemoved. Without it in time, the unit's own state decides: a signal
 * can be lost or late on a loaded machine while the unit already is where the job takes it
 * (`settled`: "active" for a start, "inactive" or gone for a stop). */
static int wait_job(sd_bus *bus, struct job_wait *w, const char *what, const char *settled,
                    struct tr_err *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!w->done) {
        int r = sd_bus_process(bus, NULL);
        if (r < 0)
            return tr_fail(err, -r, "%s: waiting for the systemd job", what);
        if (r > 0)
            continue;
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        uint64_t el = (uint64_t) (t.tv_sec - t0.tv_sec) * 1000000 + (uint64_t) (t.tv_nsec - t0.tv_nsec) / 1000;
        if (el >= JOB_TIMEOUT_USEC) {
            char state[64];
            unit_state(bus, what, state, sizeof state);
            if (streq(state, settled) || (streq(settled, "inactive") && streq(state, "gone"))) {
                tr_debug("%s: no JobRemoved for %s within 30s, but the unit is %s", what, w->job, state);
                return 0;
            }
            return tr_failx(err, "%s: the systemd job %s did not finish within 30s (unit state: %s); "
                            "check `systemctl status %s`", what, w->job, state[0] ? state : "unknown", what);
        }
        r = sd_bus_wait(bus, JOB_TIMEOUT_USEC - el);
        if (r < 0)
            return tr_fail(err, -r, "%s: waiting for the systemd job", what);
    }
    if (!streq(w->result, "done"))
        return tr_failx(err, "%s: the systemd job finished with result \"%s\"", what, w->result);
    return 0;
}

static int append_prop(sd_bus_message *msg, const struct cg_sd_prop *p)
{
    int r;
    switch (p->type) {
    case CG_SD_STR: return sd_bus_message_append(msg, "(sv)", p->name, "s", p->s);
    case CG_SD_BOOL: return sd_bus_message_append(msg, "(sv)", p->name, "b", (int) p->b);
    case CG_SD_U64: return sd_bus_message_append(msg, "(sv)", p->name, "t", p->u);
    case CG_SD_STRV1: return sd_bus_message_append(msg, "(sv)", p->name, "as", 1, p->s);
    case CG_SD_PIDS:
    case CG_SD_BYTES: {
        bool pids = p->type == CG_SD_PIDS;
        if ((r = sd_bus_message_open_container(msg, 'r', "sv")) < 0 ||
            (r = sd_bus_message_append(msg, "s", p->name)) < 0 ||
            (r = sd_bus_message_open_container(msg, 'v', pids ? "au" : "ay")) < 0 ||
            (r = sd_bus_message_append_array(msg, pids ? 'u' : 'y', pids ? (void *) p->pids : (void *) p->bytes,
                                             pids ? p->npids * sizeof(uint32_t) : p->nbytes)) < 0 ||
            (r = sd_bus_message_close_container(msg)) < 0)
            return r;
        return sd_bus_message_close_container(msg);
    }
    }
    return -EINVAL;
}

static int append_props(sd_bus_message *msg, const struct cg_sd_props *props)
{
    int r = sd_bus_message_open_container(msg, 'a', "(sv)");
    for (size_t i = 0; r >= 0 && i < props->n; i++)
        r = append_prop(msg, &props->v[i]);
    return r < 0 ? r : sd_bus_message_close_container(msg);
}

static int unit_path(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err)
{
    struct sd_unit *u = unit_of(m);
    if (cg_sd_parse_path(o->cgroups_path, m->id, m->rootless, &u->slice, &u->unit, err) < 0)
        return -1;
    size_t ul = strlen(u->unit);
    bool is_slice = ul > 6 && streq(u->unit + ul - 6, ".slice");
    _cleanup_free_ char *sp = cg_sd_expand_slice(is_slice ? u->unit : u->slice, err);
    if (!sp)
        return -1;
    _cleanup_free_ char *base = NULL;
    if (m->rootless) {
        /* the user manager's own cgroup, e.g. /user.slice/user-1000.slice/user@1000.service */
        _cleanup_bus_ sd_bus *bus = NULL;
        sd_bus_error e = SD_BUS_ERROR_NULL;
        if (bus_open(m, &bus, err) < 0)
            return -1;
        int r = sd_bus_get_property_string(bus, SD_DEST, SD_PATH, SD_IFACE, "ControlGroup", &e, &base);
        if (r < 0) {
            tr_fail(err, -r, "--systemd-cgroup: read the user manager's ControlGroup%s%s",
                    e.message ? ": " : "", e.message ? e.message : "");
            sd_bus_error_free(&e);
            return -1;
        }
        if (streq(base, "/"))
            base[0] = '\0';
    }
    m->path = is_slice ? xasprintf("%s%s", base ? base : "", sp)
                       : xasprintf("%s%s/%s", base ? base : "", sp, u->unit);
    return 0;
}

static int start_unit(struct cgroup_mgr *m, pid_t pid, struct tr_err *err)
{
    struct sd_unit *u = unit_of(m);
    _cleanup_bus_ sd_bus *bus = NULL;
    if (bus_open(m, &bus, err) < 0)
        return -1;
    struct cg_sd_props props = { 0 };
    _cleanup_free_ char *desc = xasprintf("tinyrun container %s", m->id);
    if (cg_sd_build_props(u->unit, u->slice, desc, pid, u->create_res, m->layout == CGROUP_LAYOUT_UNIFIED,
                          &props, err) < 0) {
        cg_sd_props_free(&props);
        return -1;
    }
    struct job_wait w = { 0 };
    sd_bus_slot *slot = NULL;
    sd_bus_message *msg = NULL, *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_IFACE, "JobRemoved", on_job_removed, &w);
    if (r >= 0)
        sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_IFACE, "Subscribe", NULL, NULL, "");
    if (r >= 0)
        r = sd_bus_message_new_method_call(bus, &msg, SD_DEST, SD_PATH, SD_IFACE, "StartTransientUnit");
    if (r >= 0)
        r = sd_bus_message_append(msg, "ss", u->unit, "fail");
    if (r >= 0)
        r = append_props(msg, &props);
    if (r >= 0)
        r = sd_bus_message_append(msg, "a(sa(sv))", 0);
    cg_sd_props_free(&props);
    if (r < 0) {
        tr_fail(err, -r, "--systemd-cgroup: build the StartTransientUnit message for %s", u->unit);
        goto out;
    }
    r = sd_bus_call(bus, msg, JOB_TIMEOUT_USEC, &e, &reply);
    if (r < 0) {
        tr_fail(err, -r, "--systemd-cgroup: StartTransientUnit %s in %s%s%s", u->unit, u->slice,
                e.message ? ": " : "", e.message ? e.message : "");
        goto out;
    }
    if ((r = sd_bus_message_read(reply, "o", &w.job)) < 0) {
        tr_fail(err, -r, "--systemd-cgroup: StartTransientUnit reply");
        goto out;
    }
    r = wait_job(bus, &w, u->unit, "active", err);
    if (r == 0)
        u->started = true;
out:
    sd_bus_error_free(&e);
    sd_bus_message_unref(reply);
    sd_bus_message_unref(msg);
    sd_bus_slot_unref(slot);
    return r < 0 ? -1 : 0;
}

static int stop_unit(struct cgroup_mgr *m, struct tr_err *err)
{
    struct sd_unit *u = unit_of(m);
    if (!u->unit)
        return 0;
    _cleanup_bus_ sd_bus *bus = NULL;
    if (bus_open(m, &bus, err) < 0)
        return -1;
    struct job_wait w = { 0 };
    sd_bus_slot *slot = NULL;
    sd_bus_message *reply = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_IFACE, "JobRemoved", on_job_removed, &w);
    if (r >= 0)
        r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_IFACE, "StopUnit", &e, &reply, "ss", u->unit, "replace");
    if (r < 0) {
        if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
            r = 0;   /* already gone (the scope stops by itself when its last process exits) */
        else
            tr_fail(err, -r, "--systemd-cgroup: StopUnit %s%s%s", u->unit, e.message ? ": " : "",
                    e.message ? e.message : "");
    } else if ((r = sd_bus_message_read(reply, "o", &w.job)) >= 0) {
        r = wait_job(bus, &w, u->unit, "inactive", err);
    }
    sd_bus_error_free(&e);
    sd_bus_message_unref(reply);
    sd_bus_slot_unref(slot);
    return r < 0 ? -1 : 0;
}

/* update: keep systemd's idea of the limits in step (best effort; the files are authoritative). */
static int update_unit(struct cgroup_mgr *m, const struct oci_resources *res, struct tr_err *err)
{
    struct sd_unit *u = unit_of(m);
    _cleanup_bus_ sd_bus *bus = NULL;
    struct tr_err e2;
    if (bus_open(m, &bus, &e2) < 0) {
        tr_warn("update: %s", e2.msg);
        return 0;
    }
    struct cg_sd_props all = { 0 }, some = { 0 };
    if (cg_sd_build_props(u->unit, u->slice, "", 0, res, m->layout == CGROUP_LAYOUT_UNIFIED, &all, err) < 0) {
        cg_sd_props_free(&all);
        return -1;
    }
    /* only the resource properties may change on a running unit */
    static const char *skip[] = { "Description", "Slice", "Delegate", "DefaultDependencies", "Wants" };
    for (size_t i = 0; i < all.n; i++) {
        bool s = false;
        for (size_t k = 0; k < ARRAY_SIZE(skip); k++)
            s |= streq(all.v[i].name, skip[k]);
        if (s) continue;
        some.v = xrealloc(some.v, (some.n + 1) * sizeof *some.v);
        some.v[some.n++] = all.v[i];
        all.v[i] = (struct cg_sd_prop) { .name = NULL };
    }
    cg_sd_props_free(&all);
    sd_bus_message *msg = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r = sd_bus_message_new_method_call(bus, &msg, SD_DEST, SD_PATH, SD_IFACE, "SetUnitProperties");
    if (r >= 0) r = sd_bus_message_append(msg, "sb", u->unit, 1);
    if (r >= 0) r = append_props(msg, &some);
    if (r >= 0) r = sd_bus_call(bus, msg, JOB_TIMEOUT_USEC, &e, NULL);
    if (r < 0)
        tr_warn("update: SetUnitProperties %s: %s", u->unit, e.message ? e.message : strerror(-r));
    sd_bus_error_free(&e);
    sd_bus_message_unref(msg);
    cg_sd_props_free(&some);
    return 0;
}

static int sd_create(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err)
{
    struct sd_unit *u = xzalloc(sizeof *u);
    u->create_res = o->resources;
    m->priv = u;
    if (unit_path(m, o, err) < 0 || cg_set_paths(m, NULL, false, err) < 0 || cg_refuse_frozen(m, err) < 0)
        return -1;
    return 0;
}

static char *sd_save_head(struct cgroup_mgr *m)
{
    struct sd_unit *u = unit_of(m);
    _cleanup_free_ char *p = cg_esc(m->path ? m->path : "");
    return xasprintf("systemd:%s:%s:%s", u->slice, u->unit, p);
}

static int sd_load_head(struct cgroup_mgr *m, const char *head, size_t n, struct tr_err *err)
{
    _cleanup_free_ char *h = strndup(head, n);
    if (!h)
        abort();
    char *a = h + 8, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;
    if (strncmp(h, "systemd:", 8) || !b || !c)
        return tr_failx(err, "saved cgroup \"%s\": expected systemd:<slice>:<unit>:<path>", h);
    struct sd_unit *u = xzalloc(sizeof *u);
    m->priv = u;
    u->slice = strndup(a, (size_t) (b - a));
    u->unit = strndup(b + 1, (size_t) (c - b - 1));
    m->path = cg_unesc(c + 1, strlen(c + 1));
    u->started = true;
    return 0;
}

static int sd_leaf_fd(struct cgroup_mgr *m)
{
    /* the scope exists only once sd_enter started it (later processes: exec) */
    return unit_of(m)->started ? files(m)->leaf_fd(m) : -1;
}

static int sd_enter(struct cgroup_mgr *m, pid_t pid, struct tr_err *err)
{
    if (unit_of(m)->started)
        return files(m)->enter(m, pid, err);
    if (start_unit(m, pid, err) < 0)
        return -1;
    /* systemd placed pid in the unit; v1 hierarchies it does not manage still need it */
    for (size_t i = 0; i < m->nh; i++) {
        struct cg_hier *h = &m->h[i];
        if (h->v2 && m->layout == CGROUP_LAYOUT_UNIFIED) {
            /* systemd enables only the controllers its unit properties need (no hugetlb,
             * no rdma...): enable the rest along the path, as runc does; refusals are logged */
            if (cg_mkdir_path(m, h, err) < 0 && cg_soft_fail(m, err, err->code, "%s", err->msg) < 0)
                return -1;
            cg_refresh_v2_ctrls(h, h->dir);
            /* a slice unit gets no PIDs=: the process joins it here (a no-op for a scope) */
            if (cg_enter_pid(h, pid, err) < 0 && cg_soft_fail(m, err, err->code, "%s", err->msg) < 0)
                return -1;
            continue;
        }
        if (cg_mkdir_path(m, h, err) < 0 || cg_enter_pid(h, pid, err) < 0) {
            if (cg_soft_fail(m, err, err->code, "%s", err->msg) < 0)
                return -1;
        }
        if (h->v2)
            cg_refresh_v2_ctrls(h, h->dir);
    }
    /* the slices above the unit are systemd's: destroy only ever removes the unit's dir */
    if (m->created > 1)
        m->created = 1;
    return 0;
}

static int sd_check(struct cgroup_mgr *m, const struct oci_resources *res, struct tr_err *err)
{
    return files(m)->check ? files(m)->check(m, res, err) : 0;
}

static int sd_apply(struct cgroup_mgr *m, const struct oci_resources *res, bool update, struct tr_err *err)
{
    if (update && update_unit(m, res, err) < 0)
        return -1;
    return files(m)->apply(m, res, update, err);
}

static int sd_freeze(struct cgroup_mgr *m, bool frozen, struct tr_err *err) { return files(m)->freeze(m, frozen, err); }
static int sd_is_frozen(struct cgroup_mgr *m, struct tr_err *err) { return files(m)->is_frozen(m, err); }
static int sd_kill_all(struct cgroup_mgr *m, struct tr_err *err)
{
    return files(m)->kill_all ? files(m)->kill_all(m, err) : 1;
}
static char *sd_stats_json(struct cgroup_mgr *m, struct tr_err *err) { return files(m)->stats_json(m, err); }
static int64_t sd_oom_kill_count(struct cgroup_mgr *m) { return files(m)->oom_kill_count(m); }

static int sd_destroy(struct cgroup_mgr *m, struct tr_err *err)
{
    struct tr_err e;
    if (stop_unit(m, &e) < 0)
        tr_warn("%s", e.msg);
    return files(m)->destroy(m, err);
}

static void sd_free_priv(struct cgroup_mgr *m)
{
    struct sd_unit *u = unit_of(m);
    if (!u)
        return;
    free(u->slice);
    free(u->unit);
    free(u);
    m->priv = NULL;
}

const struct cg_ops cg_systemd_ops = {
    .name = "systemd",
    .create = sd_create,
    .save_head = sd_save_head,
    .load_head = sd_load_head,
    .leaf_fd = sd_leaf_fd,
    .enter = sd_enter,
    .check = sd_check,
    .apply = sd_apply,
    .freeze = sd_freeze,
    .is_frozen = sd_is_frozen,
    .kill_all = sd_kill_all,
    .stats_json = sd_stats_json,
    .oom_kill_count = sd_oom_kill_count,
    .destroy = sd_destroy,
    .free_priv = sd_free_priv,
};

#else   /* no sd-bus: the backend only says so */

static int sd_unavailable_create(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err)
{
    (void) m; (void) o;
    return tr_failx(err, "--systemd-cgroup: tinyrun was built without sd-bus (libsystemd); rebuild with "
                    "libsystemd-dev installed, or drop --systemd-cgroup to use the cgroupfs driver");
}

static int sd_unavailable_load(struct cgroup_mgr *m, const char *head, size_t n, struct tr_err *err)
{
    (void) m; (void) head; (void) n;
    return tr_failx(err, "the container was created with --systemd-cgroup but this tinyrun has no sd-bus support");
}

/* only create and load are reached: both fail, so no manager ever holds this table */
const struct cg_ops cg_systemd_ops = {
    .name = "systemd",
    .create = sd_unavailable_create,
    .load_head = sd_unavailable_load,
};
#endif
