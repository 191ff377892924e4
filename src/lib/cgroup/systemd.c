/* --systemd-cgroup: the container's cgroup is a transient scope started over D-Bus
 * (StartTransientUnit, with our own client: dbus.h), then limits are written to its files like
 * the cgroupfs driver does. Rootless uses the user instance of systemd; the client authenticates
 * with EXTERNAL and lets the bus take our identity from SO_PEERCRED, which the kernel reports as
 * the host uid even from inside a user namespace (sending "0" from a userns is what broke other
 * runtimes). */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup/backend.h"
#include "log.h"
#include "util.h"
#ifdef HAVE_SYSTEMD
#include <time.h>
#include "dbus.h"

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
#define PROPS_IFACE "org.freedesktop.DBus.Properties"
#define JOB_TIMEOUT_USEC (30ULL * 1000000)
#define SYSTEM_BUS "unix:path=/run/dbus/system_bus_socket"

static void busp(struct tr_bus **b) { tr_bus_close(*b); }
#define _cleanup_bus_ __attribute__((cleanup(busp)))
#define _cleanup_msg_ __attribute__((cleanup(tr_bus_msg_free)))
#define _cleanup_wr_ __attribute__((cleanup(tr_bus_wr_free)))

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

static int bus_open(struct cgroup_mgr *m, struct tr_bus **out, struct tr_err *err)
{
    if (!m->rootless) {
        const char *a = getenv("DBUS_SYSTEM_BUS_ADDRESS");
        if (tr_bus_open(a && *a ? a : SYSTEM_BUS, "the system bus", out, err) < 0)
            return tr_prefix(err, "--systemd-cgroup");
        return 0;
    }
    _cleanup_free_ char *addr = user_bus_address();
    if (tr_bus_open(addr, "the user bus", out, err) < 0) {
        tr_prefix(err, "--systemd-cgroup (rootless)");
        return tr_hint(err, "is the systemd user instance running with D-Bus (package dbus-user-session, "
                       "`systemctl --user status`)? Or drop --systemd-cgroup for the cgroupfs driver (podman: "
                       "--cgroup-manager=cgroupfs; containerd: SystemdCgroup = false)");
    }
    return 0;
}

/* A call to systemd: 0 with the method return in *reply, 1 with an error reply in *reply, -1. */
static int sd_call(struct tr_bus *bus, const char *path, const char *iface, const char *member, const char *sig,
                   const struct tr_bus_wr *body, struct tr_bus_msg *reply, struct tr_err *err)
{
    return tr_bus_call(bus, SD_DEST, path, iface, member, sig, body, JOB_TIMEOUT_USEC, reply, err);
}

/* "member unit: Name: text" into err from an error reply. */
static int reply_fail(struct tr_err *err, const char *what, const struct tr_bus_msg *reply)
{
    const char *text = tr_bus_error_text(reply);
    return tr_failx(err, "--systemd-cgroup: %s: %s%s%s", what, reply->error_name ? reply->error_name : "error",
                    *text ? ": " : "", text);
}

/* A string-valued property of the object at path (Properties.Get, a variant of 's'). */
static int get_string_prop(struct tr_bus *bus, const char *path, const char *iface, const char *name, char **out,
                           struct tr_err *err)
{
    _cleanup_wr_ struct tr_bus_wr w = { 0 };
    _cleanup_msg_ struct tr_bus_msg reply = { 0 };
    tr_bus_put_str(&w, iface);
    tr_bus_put_str(&w, name);
    int r = sd_call(bus, path, PROPS_IFACE, "Get", "ss", &w, &reply, err);
    if (r < 0)
        return -1;
    _cleanup_free_ char *what = xasprintf("read %s of %s", name, path);
    if (r == 1)
        return reply_fail(err, what, &reply);
    struct tr_bus_rd rd;
    const char *type, *s;
    tr_bus_rd_init(&rd, &reply);
    if (!streq(reply.signature, "v") || tr_bus_get_sig(&rd, &type) < 0 || !streq(type, "s") || tr_bus_get_str(&rd, &s) < 0)
        return tr_failx(err, "--systemd-cgroup: %s: the reply is not a string", what);
    *out = xstrdup(s);
    return 0;
}

/* A reply of one object path (a job or a unit) copied out; -1 if it is not that. */
static char *reply_path(const struct tr_bus_msg *reply)
{
    struct tr_bus_rd rd;
    const char *p;
    tr_bus_rd_init(&rd, reply);
    return streq(reply->signature, "o") && tr_bus_get_str(&rd, &p) == 0 ? xstrdup(p) : NULL;
}

/* The unit's ActiveState into buf ("gone" when systemd no longer has it); "" if unknown. */
static void unit_state(struct tr_bus *bus, const char *unit, char *buf, size_t len)
{
    struct tr_err e;
    _cleanup_wr_ struct tr_bus_wr w = { 0 };
    _cleanup_msg_ struct tr_bus_msg reply = { 0 };
    _cleanup_free_ char *path = NULL, *state = NULL;
    buf[0] = '\0';
    tr_bus_put_str(&w, unit);
    int r = sd_call(bus, SD_PATH, SD_IFACE, "GetUnit", "s", &w, &reply, &e);
    if (r == 1 && reply.error_name && streq(reply.error_name, "org.freedesktop.systemd1.NoSuchUnit"))
        snprintf(buf, len, "gone");
    else if (r == 0 && (path = reply_path(&reply)) &&
             get_string_prop(bus, path, "org.freedesktop.systemd1.Unit", "ActiveState", &state, &e) == 0)
        snprintf(buf, len, "%s", state);
}

/* JobRemoved signals reach us only with a match rule on the bus and, from systemd, after
 * Subscribe. */
static int watch_jobs(struct tr_bus *bus, struct tr_err *err)
{
    _cleanup_wr_ struct tr_bus_wr w = { 0 };
    _cleanup_msg_ struct tr_bus_msg reply = { 0 }, sub = { 0 };
    tr_bus_put_str(&w, "type='signal',sender='" SD_DEST "',path='" SD_PATH "',interface='" SD_IFACE
                       "',member='JobRemoved'");
    int r = tr_bus_call(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s",
                        &w, JOB_TIMEOUT_USEC, &reply, err);
    if (r == 1)
        return reply_fail(err, "AddMatch for JobRemoved", &reply);
    if (r < 0)
        return tr_prefix(err, "--systemd-cgroup");
    /* a user manager may refuse a second Subscribe from the same client: not an error */
    return sd_call(bus, SD_PATH, SD_IFACE, "Subscribe", NULL, NULL, &sub, err) < 0 ? tr_prefix(err, "--systemd-cgroup") : 0;
}

/* Waits for the job's JobRemoved. Without it in time, the unit's own state decides: a signal
 * can be lost or late on a loaded machine while the unit already is where the job takes it
 * (`settled`: "active" for a start, "inactive" or gone for a stop). */
static int wait_job(struct tr_bus *bus, const char *job, const char *what, const char *settled, struct tr_err *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        uint64_t el = (uint64_t) (t.tv_sec - t0.tv_sec) * 1000000 + (uint64_t) (t.tv_nsec - t0.tv_nsec) / 1000;
        _cleanup_msg_ struct tr_bus_msg sig = { 0 };
        int r = el >= JOB_TIMEOUT_USEC ? 1 : tr_bus_next_signal(bus, JOB_TIMEOUT_USEC - el, &sig, err);
        if (r < 0)
            return tr_prefix(err, "%s: waiting for the systemd job", what);
        if (r > 0) {
            char state[64];
            unit_state(bus, what, state, sizeof state);
            if (streq(state, settled) || (streq(settled, "inactive") && streq(state, "gone"))) {
                tr_debug("%s: no JobRemoved for %s within 30s, but the unit is %s", what, job, state);
                return 0;
            }
            return tr_failx(err, "%s: the systemd job %s did not finish within 30s (unit state: %s); "
                            "check `systemctl status %s`", what, job, state[0] ? state : "unknown", what);
        }
        struct tr_bus_rd rd;
        uint32_t id;
        const char *path, *unit, *result;
        if (!sig.member || !streq(sig.member, "JobRemoved") || !streq(sig.signature, "uoss"))
            continue;
        tr_bus_rd_init(&rd, &sig);
        if (tr_bus_get_u32(&rd, &id) < 0 || tr_bus_get_str(&rd, &path) < 0 || tr_bus_get_str(&rd, &unit) < 0 ||
            tr_bus_get_str(&rd, &result) < 0 || !streq(path, job))
            continue;
        if (!streq(result, "done"))
            return tr_failx(err, "%s: the systemd job finished with result \"%s\"", what, result);
        return 0;
    }
}

static void put_array_prop(struct tr_bus_wr *w, const char *type, size_t align, const void *v, size_t n, size_t size)
{
    tr_bus_put_sig(w, type);
    struct tr_bus_arr a = tr_bus_array_open(w, align);
    for (size_t i = 0; i < n; i++) {
        if (size == 1)
            tr_bus_put_byte(w, ((const uint8_t *) v)[i]);
        else
            tr_bus_put_u32(w, ((const uint32_t *) v)[i]);
    }
    tr_bus_array_close(w, a);
}

/* One (sv) of the a(sv) systemd takes for unit properties. */
static void append_prop(struct tr_bus_wr *w, const struct cg_sd_prop *p)
{
    tr_bus_put_struct(w);
    tr_bus_put_str(w, p->name);
    switch (p->type) {
    case CG_SD_STR: tr_bus_put_sig(w, "s"); tr_bus_put_str(w, p->s); break;
    case CG_SD_BOOL: tr_bus_put_sig(w, "b"); tr_bus_put_bool(w, p->b); break;
    case CG_SD_U64: tr_bus_put_sig(w, "t"); tr_bus_put_u64(w, p->u); break;
    case CG_SD_STRV1: {
        tr_bus_put_sig(w, "as");
        struct tr_bus_arr a = tr_bus_array_open(w, 4);
        tr_bus_put_str(w, p->s);
        tr_bus_array_close(w, a);
        break;
    }
    case CG_SD_PIDS: put_array_prop(w, "au", 4, p->pids, p->npids, sizeof(uint32_t)); break;
    case CG_SD_BYTES: put_array_prop(w, "ay", 1, p->bytes, p->nbytes, 1); break;
    }
}

static void append_props(struct tr_bus_wr *w, const struct cg_sd_props *props)
{
    struct tr_bus_arr a = tr_bus_array_open(w, 8);
    for (size_t i = 0; i < props->n; i++)
        append_prop(w, &props->v[i]);
    tr_bus_array_close(w, a);
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
        _cleanup_bus_ struct tr_bus *bus = NULL;
        if (bus_open(m, &bus, err) < 0)
            return -1;
        if (get_string_prop(bus, SD_PATH, SD_IFACE, "ControlGroup", &base, err) < 0)
            return tr_prefix(err, "--systemd-cgroup: the user manager's cgroup");
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
    _cleanup_bus_ struct tr_bus *bus = NULL;
    if (bus_open(m, &bus, err) < 0)
        return -1;
    struct cg_sd_props props = { 0 };
    _cleanup_free_ char *desc = xasprintf("tinyrun container %s", m->id);
    if (cg_sd_build_props(u->unit, u->slice, desc, pid, u->create_res, m->layout == CGROUP_LAYOUT_UNIFIED,
                          &props, err) < 0) {
        cg_sd_props_free(&props);
        return -1;
    }
    _cleanup_wr_ struct tr_bus_wr w = { 0 };
    tr_bus_put_str(&w, u->unit);
    tr_bus_put_str(&w, "fail");
    append_props(&w, &props);
    tr_bus_array_close(&w, tr_bus_array_open(&w, 8));   /* no auxiliary units: a(sa(sv)) */
    cg_sd_props_free(&props);
    if (watch_jobs(bus, err) < 0)
        return -1;
    _cleanup_msg_ struct tr_bus_msg reply = { 0 };
    _cleanup_free_ char *what = xasprintf("StartTransientUnit %s in %s", u->unit, u->slice), *job = NULL;
    int r = sd_call(bus, SD_PATH, SD_IFACE, "StartTransientUnit", "ssa(sv)a(sa(sv))", &w, &reply, err);
    if (r != 0)
        return r < 0 ? tr_prefix(err, "--systemd-cgroup") : reply_fail(err, what, &reply);
    if (!(job = reply_path(&reply)))
        return tr_failx(err, "--systemd-cgroup: %s: the reply is not a job path", what);
    if (wait_job(bus, job, u->unit, "active", err) < 0)
        return -1;
    u->started = true;
    return 0;
}

static int stop_unit(struct cgroup_mgr *m, struct tr_err *err)
{
    struct sd_unit *u = unit_of(m);
    if (!u->unit)
        return 0;
    _cleanup_bus_ struct tr_bus *bus = NULL;
    if (bus_open(m, &bus, err) < 0 || watch_jobs(bus, err) < 0)
        return -1;
    _cleanup_wr_ struct tr_bus_wr w = { 0 };
    _cleanup_msg_ struct tr_bus_msg reply = { 0 };
    _cleanup_free_ char *what = xasprintf("StopUnit %s", u->unit), *job = NULL;
    tr_bus_put_str(&w, u->unit);
    tr_bus_put_str(&w, "replace");
    int r = sd_call(bus, SD_PATH, SD_IFACE, "StopUnit", "ss", &w, &reply, err);
    if (r < 0)
        return tr_prefix(err, "--systemd-cgroup");
    if (r == 1) {
        if (reply.error_name && streq(reply.error_name, "org.freedesktop.systemd1.NoSuchUnit"))
            return 0;   /* already gone (the scope stops by itself when its last process exits) */
        return reply_fail(err, what, &reply);
    }
    if (!(job = reply_path(&reply)))
        return tr_failx(err, "--systemd-cgroup: %s: the reply is not a job path", what);
    return wait_job(bus, job, u->unit, "inactive", err);
}

/* update: keep systemd's idea of the limits in step (best effort; the files are authoritative). */
static int update_unit(struct cgroup_mgr *m, const struct oci_resources *res, struct tr_err *err)
{
    struct sd_unit *u = unit_of(m);
    _cleanup_bus_ struct tr_bus *bus = NULL;
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
    _cleanup_wr_ struct tr_bus_wr w = { 0 };
    _cleanup_msg_ struct tr_bus_msg reply = { 0 };
    tr_bus_put_str(&w, u->unit);
    tr_bus_put_bool(&w, true);
    append_props(&w, &some);
    cg_sd_props_free(&some);
    int r = sd_call(bus, SD_PATH, SD_IFACE, "SetUnitProperties", "sba(sv)", &w, &reply, &e2);
    if (r < 0)
        tr_warn("update: SetUnitProperties %s: %s", u->unit, e2.msg);
    else if (r == 1)
        tr_warn("update: SetUnitProperties %s: %s: %s", u->unit, reply.error_name ? reply.error_name : "error",
                tr_bus_error_text(&reply));
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

#else   /* --disable-systemd: the backend only says so */

static int sd_unavailable_create(struct cgroup_mgr *m, const struct cgroup_opts *o, struct tr_err *err)
{
    (void) m; (void) o;
    return tr_failx(err, "--systemd-cgroup: this tinyrun was built with --disable-systemd; rebuild without it, "
                    "or drop --systemd-cgroup to use the cgroupfs driver");
}

static int sd_unavailable_load(struct cgroup_mgr *m, const char *head, size_t n, struct tr_err *err)
{
    (void) m; (void) head; (void) n;
    return tr_failx(err, "the container was created with --systemd-cgroup but this tinyrun was built with --disable-systemd");
}

/* only create and load are reached: both fail, so no manager ever holds this table */
const struct cg_ops cg_systemd_ops = {
    .name = "systemd",
    .create = sd_unavailable_create,
    .load_head = sd_unavailable_load,
};
#endif
