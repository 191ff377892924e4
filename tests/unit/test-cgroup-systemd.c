/* The --systemd-cgroup driver against a fake systemd: a private dbus-daemon plus a process that
 * owns org.freedesktop.systemd1 and implements StartTransientUnit/StopUnit/SetUnitProperties/
 * Subscribe, the ControlGroup property and the JobRemoved signal. It records every call, so the
 * test checks what tinyrun really sends over D-Bus (rootful: system bus address; rootless: the
 * session bus + ControlGroup prefix). Needs root (cgroup dirs), dbus-daemon and, for the fake,
 * sd-bus (libsystemd-dev): the client under test is tinyrun's own (src/lib/dbus.c). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cgroup.h"
#include "cgroup/fs.h"
#include "private-bus.h"
#include "tap.h"
#include "util.h"

static bool str_same(const char *g, const char *w)
{
    bool c = (g && w) ? strcmp(g, w) == 0 : g == w;
    if (!c)
        printf("#   got:  '%s'\n#   want: '%s'\n", g ? g : "(null)", w ? w : "(null)");
    return c;
}
#undef is_str
#define is_str(got, want, ...) ok(str_same((got), (want)), __VA_ARGS__)

#if defined HAVE_SYSTEMD && defined TR_TEST_SDBUS
#include <systemd/sd-bus.h>

static int rec_fd = -1;
static unsigned job_n;
static char control_group[256];

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n > (int) sizeof buf - 2)
        n = (int) sizeof buf - 2;
    buf[n++] = '\n';
    (void) !write(rec_fd, buf, (size_t) n);
}

/* a(sv) -> "Name=value;Name=value;" */
static int read_props(sd_bus_message *m, char *out, size_t len)
{
    size_t o = 0;
    int r = sd_bus_message_enter_container(m, 'a', "(sv)");
    if (r < 0)
        return r;
    while ((r = sd_bus_message_enter_container(m, 'r', "sv")) > 0) {
        const char *name, *contents;
        char type;
        sd_bus_message_read(m, "s", &name);
        sd_bus_message_peek_type(m, &type, &contents);
        sd_bus_message_enter_container(m, 'v', contents);
        o += (size_t) snprintf(out + o, len - o, "%s=", name);
        if (streq(contents, "s")) {
            const char *s;
            sd_bus_message_read(m, "s", &s);
            o += (size_t) snprintf(out + o, len - o, "%s;", s);
        } else if (streq(contents, "b")) {
            int b;
            sd_bus_message_read(m, "b", &b);
            o += (size_t) snprintf(out + o, len - o, "%d;", b);
        } else if (streq(contents, "t")) {
            uint64_t t;
            sd_bus_message_read(m, "t", &t);
            o += (size_t) snprintf(out + o, len - o, "%" PRIu64 ";", t);
        } else if (streq(contents, "au") || streq(contents, "ay")) {
            const void *p;
            size_t sz;
            sd_bus_message_read_array(m, contents[1], &p, &sz);
            size_t el = contents[1] == 'u' ? 4 : 1;
            for (size_t i = 0; i < sz / el; i++)
                o += (size_t) snprintf(out + o, len - o, "%s%u", i ? "," : "",
                                       el == 4 ? ((const uint32_t *) p)[i] : ((const uint8_t *) p)[i]);
            o += (size_t) snprintf(out + o, len - o, ";");
        } else if (streq(contents, "as")) {
            char **l = NULL;
            sd_bus_message_read_strv(m, &l);
            for (char **q = l; q && *q; q++)
                o += (size_t) snprintf(out + o, len - o, "%s%s", q == l ? "" : ",", *q);
            o += (size_t) snprintf(out + o, len - o, ";");
            for (char **q = l; q && *q; q++)
                free(*q);
            free(l);
        } else {
            sd_bus_message_skip(m, contents);
            o += (size_t) snprintf(out + o, len - o, "?%s;", contents);
        }
        sd_bus_message_exit_container(m);
        sd_bus_message_exit_container(m);
        if (o >= len)
            o = len - 1;
    }
    return sd_bus_message_exit_container(m);
}

static int finish_job(sd_bus_message *m, const char *unit)
{
    char path[96];
    snprintf(path, sizeof path, "/org/freedesktop/systemd1/job/%u", ++job_n);
    int r = sd_bus_reply_method_return(m, "o", path);
    if (r < 0)
        return r;
    return sd_bus_emit_signal(sd_bus_message_get_bus(m), "/org/freedesktop/systemd1",
                              "org.freedesktop.systemd1.Manager", "JobRemoved", "uoss", job_n, path, unit, "done");
}

static int m_start(sd_bus_message *m, void *ud, sd_bus_error *e)
{
    const char *unit, *mode;
    char props[3000] = "";
    sd_bus_message_read(m, "ss", &unit, &mode);
    read_props(m, props, sizeof props);
    sd_bus_message_skip(m, "a(sa(sv))");
    record("START %s %s %s", unit, mode, props);
    return finish_job(m, unit);
}

static int m_stop(sd_bus_message *m, void *ud, sd_bus_error *e)
{
    const char *unit, *mode;
    sd_bus_message_read(m, "ss", &unit, &mode);
    record("STOP %s %s", unit, mode);
    return finish_job(m, unit);
}

static int m_set(sd_bus_message *m, void *ud, sd_bus_error *e)
{
    const char *unit;
    int runtime;
    char props[3000] = "";
    sd_bus_message_read(m, "sb", &unit, &runtime);
    read_props(m, props, sizeof props);
    record("SET %s %d %s", unit, runtime, props);
    return sd_bus_reply_method_return(m, "");
}

static int m_sub(sd_bus_message *m, void *ud, sd_bus_error *e) { return sd_bus_reply_method_return(m, ""); }

static int p_cg(sd_bus *bus, const char *path, const char *iface, const char *prop, sd_bus_message *reply,
                void *ud, sd_bus_error *e)
{
    return sd_bus_message_append(reply, "s", control_group);
}

static const sd_bus_vtable vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("StartTransientUnit", "ssa(sv)a(sa(sv))", "o", m_start, 0),
    SD_BUS_METHOD("StopUnit", "ss", "o", m_stop, 0),
    SD_BUS_METHOD("SetUnitProperties", "sba(sv)", "", m_set, 0),
    SD_BUS_METHOD("Subscribe", "", "", m_sub, 0),
    SD_BUS_PROPERTY("ControlGroup", "s", p_cg, 0, SD_BUS_VTABLE_PROPERTY_CONST),
    SD_BUS_SIGNAL("JobRemoved", "uoss", 0),
    SD_BUS_VTABLE_END
};

static void fake_systemd(const char *addr, int ready_fd)
{
    sd_bus *b = NULL;
    if (sd_bus_new(&b) < 0 || sd_bus_set_address(b, addr) < 0 || sd_bus_set_bus_client(b, 1) < 0 ||
        sd_bus_start(b) < 0 || sd_bus_request_name(b, "org.freedesktop.systemd1", 0) < 0 ||
        sd_bus_add_object_vtable(b, NULL, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                                 vtable, NULL) < 0)
        _exit(2);
    (void) !write(ready_fd, "R", 1);
    close(ready_fd);
    for (;;) {
        int r = sd_bus_process(b, NULL);
        if (r < 0)
            _exit(3);
        if (r == 0)
            sd_bus_wait(b, UINT64_MAX);
    }
}

static pid_t fake_pid;
static int rec_rd = -1;
static struct private_bus bus;
static const char *addr = bus.addr;

static bool start_bus(void)
{
    if (!private_bus_start(&bus, "sdtest"))
        return false;
    int rec[2], rdy[2];
    if (pipe2(rec, O_CLOEXEC) < 0 || pipe2(rdy, O_CLOEXEC) < 0)
        return false;
    fake_pid = fork();
    if (fake_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* it holds the TAP pipe: gone with the test */
        close(rec[0]);
        close(rdy[0]);
        rec_fd = rec[1];
        fake_systemd(addr, rdy[1]);
    }
    close(rec[1]);
    close(rdy[1]);
    rec_rd = rec[0];
    char c;
    bool ready = read(rdy[0], &c, 1) == 1;
    close(rdy[0]);
    return ready;
}

static void stop_bus(void)
{
    if (fake_pid > 0) { kill(fake_pid, SIGKILL); waitpid(fake_pid, NULL, 0); }
    private_bus_stop(&bus);
}

/* next line the fake recorded (waits up to 5 s) */
static char *next_call(void)
{
    static char line[4096];
    size_t n = 0;
    struct pollfd p = { .fd = rec_rd, .events = POLLIN };
    while (n < sizeof line - 1 && poll(&p, 1, 5000) > 0 && read(rec_rd, line + n, 1) == 1) {
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return line;
}

static pid_t sleeper(void)
{
    pid_t p = fork();
    if (p == 0) {
        for (;;)
            pause();
    }
    return p;
}

static bool exists(const char *p) { struct stat st; return stat(p, &st) == 0; }

static void rmdir_chain(const char *rel)
{
    /* remove test dirs bottom-up in every hierarchy (only empty ones go) */
    static const char *mnts[] = { "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
                                  "systemd", "unified", "" };
    for (size_t i = 0; i < ARRAY_SIZE(mnts); i++) {
        _cleanup_free_ char *base = xasprintf("/sys/fs/cgroup%s%s", *mnts[i] ? "/" : "", mnts[i]);
        _cleanup_free_ char *p = xasprintf("%s%s", base, rel);
        while (strlen(p) > strlen(base)) {
            rmdir(p);
            *strrchr(p, '/') = '\0';
        }
    }
}

static void test_rootful(void)
{
    char id[32], cgp[96];
    snprintf(id, sizeof id, "sd%d", (int) getpid());
    snprintf(cgp, sizeof cgp, "tinyrun_sdtest.slice:tt:%s", id);
    setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
    struct oci_memory mem = { .has_limit = true, .limit = 64 << 20 };
    struct oci_cpu cpu = { .has_shares = true, .shares = 512, .has_quota = true, .quota = 25000, .has_period = true,
                           .period = 100000 };
    struct oci_resources res = { .memory = &mem, .cpu = &cpu, .has_pids_limit = true, .pids_limit = 30 };
    struct cgroup_opts o = { .id = id, .cgroups_path = cgp, .systemd = true, .resources = &res };
    struct tr_err err = { 0 };
    struct cgroup_mgr *m = cgroup_create(&o, &err);
    ok(m != NULL, "systemd create: %s", m ? "ok" : err.msg);
    if (!m)
        return;
    _cleanup_free_ char *want = xasprintf("/tinyrun_sdtest.slice/tt-%s.scope", id);
    is_str(cgroup_relative_path(m), want, "path = expanded slice + unit");
    ok(cgroup_leaf_fd(m) < 0, "no CLONE_INTO_CGROUP fd before the unit exists");
    pid_t child = sleeper();
    ok(cgroup_enter(m, child, &err) == 0, "enter starts the unit: %s", err.msg);
    char *call = next_call();
    printf("# %s\n", call);
    char pidprop[32];
    snprintf(pidprop, sizeof pidprop, "PIDs=%d;", (int) child);
    bool v2 = cgroup_detect_layout() == CGROUP_LAYOUT_UNIFIED;
    _cleanup_free_ char *head = xasprintf("START tt-%s.scope fail ", id);
    ok(!strncmp(call, head, strlen(head)), "StartTransientUnit(<prefix>-<name>.scope, \"fail\")");
    ok(strstr(call, "Slice=tinyrun_sdtest.slice;") && strstr(call, "Delegate=1;") && strstr(call, pidprop) &&
       strstr(call, "DefaultDependencies=0;") && strstr(call, "MemoryAccounting=1;") &&
       strstr(call, "CPUAccounting=1;") && strstr(call, "TasksAccounting=1;") && strstr(call, "Description=tinyrun container"),
       "unit properties");
    ok(strstr(call, v2 ? "MemoryMax=67108864;" : "MemoryLimit=67108864;") && strstr(call, "TasksMax=30;") &&
       strstr(call, "CPUQuotaPerSecUSec=250000;") && strstr(call, v2 ? "CPUWeight=" : "CPUShares=512;"),
       "resources as unit properties");
    ok(cgroup_apply(m, &res, false, &err) == 0, "apply: %s", err.msg);
    _cleanup_free_ char *pc = xasprintf("/proc/%d/cgroup", (int) child);
    _cleanup_free_ char *self = read_file(pc, NULL, &err);
    ok(self && strstr(self, want), "child is in the scope's cgroup");
    if (!v2) {
        _cleanup_free_ char *d = xasprintf("/sys/fs/cgroup/memory%s", want);
        _cleanup_free_ char *v = cg_read(d, "memory.limit_in_bytes", &err);
        is_str(v, "67108864", "limit also written to the cgroup file");
    }
    struct oci_resources upd = { .has_pids_limit = true, .pids_limit = 40 };
    ok(cgroup_apply(m, &upd, true, &err) == 0, "update");
    call = next_call();
    _cleanup_free_ char *sethead = xasprintf("SET tt-%s.scope 1 ", id);
    ok(!strncmp(call, sethead, strlen(sethead)) && strstr(call, "TasksMax=40;") && !strstr(call, "Slice=") &&
       !strstr(call, "Delegate="), "update sends SetUnitProperties (runtime) with the new limit: %s", call);
    _cleanup_free_ char *saved = cgroup_serialize(m);
    _cleanup_free_ char *wsaved = xasprintf("systemd:tinyrun_sdtest.slice:tt-%s.scope:%s created=1", id, want);
    is_str(saved, wsaved, "serialized form");
    struct cgroup_mgr *m2 = cgroup_load(saved, &err);
    ok(m2 && cgroup_destroy(m2, &err) == 0, "destroy: %s", m2 ? err.msg : "load failed");
    call = next_call();
    _cleanup_free_ char *stop = xasprintf("STOP tt-%s.scope replace", id);
    is_str(call, stop, "destroy stops the unit");
    int st;
    ok(waitpid(child, &st, 0) == child && WIFSIGNALED(st), "leftover process killed");
    _cleanup_free_ char *leaf = xasprintf("/sys/fs/cgroup/memory%s", want);
    ok(!exists(leaf), "unit cgroup removed");
    _cleanup_free_ char *slice = xasprintf("/sys/fs/cgroup/memory/tinyrun_sdtest.slice");
    ok(exists(slice) || v2, "the slice (systemd's) is left alone");
    rmdir_chain("/tinyrun_sdtest.slice");
    cgroup_free(m2);
    cgroup_free(m);
    unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

/* create.c writes cgroup_serialize() of the manager to <state>/creating before cgroup_enter
 * starts the unit (record_pending_init): that form, taken before StartTransientUnit, must name
 * the unit, so that delete --force after a create killed right after the start stops it. */
static void test_recorded_before_start(void)
{
    char id[32], cgp[96];
    snprintf(id, sizeof id, "sdr%d", (int) getpid());
    snprintf(cgp, sizeof cgp, "tinyrun_sdtest.slice:tt:%s", id);
    setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
    struct cgroup_opts o = { .id = id, .cgroups_path = cgp, .systemd = true };
    struct tr_err err = { 0 };
    struct cgroup_mgr *m = cgroup_create(&o, &err);
    ok(m != NULL, "systemd create (no D-Bus call yet): %s", m ? "ok" : err.msg);
    if (!m)
        return;
    _cleanup_free_ char *recorded = cgroup_serialize(m);
    _cleanup_free_ char *want = xasprintf("systemd:tinyrun_sdtest.slice:tt-%s.scope:/tinyrun_sdtest.slice/tt-%s.scope",
                                          id, id);
    ok(!strncmp(recorded, want, strlen(want)), "the record before StartTransientUnit names the unit: %s", recorded);
    pid_t child = sleeper();
    ok(cgroup_enter(m, child, &err) == 0, "enter starts the unit: %s", err.msg);
    _cleanup_free_ char *start = xasprintf("START tt-%s.scope fail ", id);
    ok(!strncmp(next_call(), start, strlen(start)), "StartTransientUnit sent");
    /* the create dies here: delete --force has only the record */
    struct cgroup_mgr *d = cgroup_load(recorded, &err);
    ok(d && cgroup_destroy(d, &err) == 0, "destroy from the record: %s", d ? err.msg : "load failed");
    _cleanup_free_ char *stop = xasprintf("STOP tt-%s.scope replace", id);
    is_str(next_call(), stop, "destroy from the record stops the unit");
    int st;
    ok(waitpid(child, &st, 0) == child && WIFSIGNALED(st), "the unit's process killed");
    _cleanup_free_ char *leaf = xasprintf("/sys/fs/cgroup/memory/tinyrun_sdtest.slice/tt-%s.scope", id);
    ok(!exists(leaf), "the unit's cgroup dir removed");
    rmdir_chain("/tinyrun_sdtest.slice");
    cgroup_free(d);
    cgroup_free(m);
    unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

/* a name ending in .slice makes the container a slice: parent by name, Wants=, no Delegate */
static void test_slice_unit(void)
{
    setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
    struct cgroup_opts o = { .id = "s", .cgroups_path = "tinyrun_sdtest.slice:x:tinyrun_sdtest-sub.slice", .systemd = true };
    struct tr_err err = { 0 };
    struct cgroup_mgr *m = cgroup_create(&o, &err);
    ok(m != NULL, "slice unit create: %s", m ? "ok" : err.msg);
    if (!m)
        return;
    is_str(cgroup_relative_path(m), "/tinyrun_sdtest.slice/tinyrun_sdtest-sub.slice", "slice unit path");
    pid_t child = sleeper();
    ok(cgroup_enter(m, child, &err) == 0, "slice unit start: %s", err.msg);
    char *call = next_call();
    ok(!strncmp(call, "START tinyrun_sdtest-sub.slice fail ", 36) && strstr(call, "Wants=tinyrun_sdtest.slice;") &&
       !strstr(call, "Delegate=") && !strstr(call, "PIDs="), "slice unit properties: %s", call);
    ok(cgroup_destroy(m, &err) == 0, "slice unit destroy");
    next_call();
    waitpid(child, NULL, 0);
    rmdir_chain("/tinyrun_sdtest.slice/tinyrun_sdtest-sub.slice");
    cgroup_free(m);
    unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

static void test_rootless(void)
{
    char id[32];
    snprintf(id, sizeof id, "rl%d", (int) getpid());
    setenv("DBUS_SESSION_BUS_ADDRESS", addr, 1);
    _cleanup_free_ char *cgp = xasprintf("user.slice:nerdctl:%s", id);
    struct cgroup_opts o = { .id = id, .cgroups_path = cgp, .systemd = true, .rootless = true };
    struct tr_err err = { 0 };
    struct cgroup_mgr *m = cgroup_create(&o, &err);
    ok(m != NULL, "rootless systemd create: %s", m ? "ok" : err.msg);
    if (!m)
        return;
    _cleanup_free_ char *want = xasprintf("/tinyrun-sdtest-%d/user@1000.service/user.slice/nerdctl-%s.scope",
                                          (int) getpid(), id);
    is_str(cgroup_relative_path(m), want, "rootless path = manager ControlGroup + slice + unit");
    pid_t child = sleeper();
    ok(cgroup_enter(m, child, &err) == 0, "rootless enter: %s", err.msg);
    char *call = next_call();
    _cleanup_free_ char *head = xasprintf("START nerdctl-%s.scope fail ", id);
    ok(!strncmp(call, head, strlen(head)) && strstr(call, "Slice=user.slice;"), "user bus StartTransientUnit");
    ok(cgroup_destroy(m, &err) == 0, "rootless destroy");
    next_call();
    waitpid(child, NULL, 0);
    _cleanup_free_ char *top = xasprintf("/tinyrun-sdtest-%d/user@1000.service/user.slice", (int) getpid());
    rmdir_chain(top);
    cgroup_free(m);

    setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", 1);
    m = cgroup_create(&o, &err);
    ok(m == NULL && strstr(err.msg, "connect to the user bus unix:path=/nonexistent/bus") &&
       strstr(err.msg, "dbus-user-session"), "unreachable user bus: %s", err.msg);
    cgroup_free(m);
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
}

/* ---- a real systemd (PID 1; the VM harness: tests/vm/run.sh --variant systemd) ---- */
static char *sh_out(const char *cmd)
{
    static char buf[512];
    FILE *f = popen(cmd, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = '\0';
    if (n && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    if (f)
        pclose(f);
    return buf;
}

static void real_one(const char *cgp, const char *unit, const char *want_path)
{
    struct oci_memory mem = { .has_limit = true, .limit = 64 << 20 };
    struct oci_cpu cpu = { .has_quota = true, .quota = 50000, .has_period = true, .period = 100000 };
    struct oci_hugepage_limit huge[] = { { "2MB", 4 << 20 } };
    bool has_huge = access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0;
    struct oci_resources res = { .memory = &mem, .cpu = &cpu, .has_pids_limit = true, .pids_limit = 33,
                                 .hugepage_limits = huge, .hugepage_limits_len = has_huge ? 1 : 0 };
    struct cgroup_opts o = { .id = "real", .cgroups_path = cgp, .systemd = true, .resources = &res };
    struct tr_err err = { 0 };
    struct cgroup_mgr *m = cgroup_create(&o, &err);
    ok(m != NULL, "real systemd: create %s: %s", cgp, m ? "ok" : err.msg);
    if (!m)
        return;
    is_str(cgroup_relative_path(m), want_path, "real systemd: cgroup path");
    pid_t child = sleeper();
    ok(cgroup_enter(m, child, &err) == 0, "real systemd: StartTransientUnit + job done: %s", err.msg);
    ok(cgroup_apply(m, &res, false, &err) == 0, "real systemd: apply: %s", err.msg);
    _cleanup_free_ char *pc = xasprintf("/proc/%d/cgroup", (int) child);
    _cleanup_free_ char *self = read_file(pc, NULL, &err);
    ok(self && strstr(self, want_path), "real systemd: child in %s", want_path);
    _cleanup_free_ char *cmd = xasprintf("systemctl is-active %s", unit);
    is_str(sh_out(cmd), "active", "real systemd: unit active");
    bool v2 = cgroup_detect_layout() == CGROUP_LAYOUT_UNIFIED;
    _cleanup_free_ char *dir = xasprintf("/sys/fs/cgroup%s%s", v2 ? "" : "/memory", want_path);
    _cleanup_free_ char *mm = cg_read(dir, v2 ? "memory.max" : "memory.limit_in_bytes", &err);
    is_str(mm, "67108864", "real systemd: memory limit in the scope's file");
    if (has_huge && v2) {
        _cleanup_free_ char *hv = cg_read(dir, "hugetlb.2MB.max", &err);
        is_str(hv, "4194304", "real systemd: hugetlb (a controller systemd does not enable) applied");
    }
    free(cmd);
    cmd = xasprintf("systemctl show -p %s --value %s", v2 ? "MemoryMax" : "MemoryLimit", unit);
    is_str(sh_out(cmd), "67108864", "real systemd: the unit property agrees");
    struct oci_resources upd = { .has_pids_limit = true, .pids_limit = 44 };
    ok(cgroup_apply(m, &upd, true, &err) == 0, "real systemd: update");
    free(cmd);
    cmd = xasprintf("systemctl show -p TasksMax --value %s", unit);
    is_str(sh_out(cmd), "44", "real systemd: SetUnitProperties reached systemd");
    ok(cgroup_freeze(m, true, &err) == 0 && cgroup_is_frozen(m, &err) == 1 && cgroup_freeze(m, false, &err) == 0,
       "real systemd: freeze/thaw: %s", err.msg);
    _cleanup_free_ char *saved = cgroup_serialize(m);
    struct cgroup_mgr *m2 = cgroup_load(saved, &err);
    ok(m2 && cgroup_destroy(m2, &err) == 0, "real systemd: destroy: %s", err.msg);
    int st;
    ok(waitpid(child, &st, 0) == child && WIFSIGNALED(st), "real systemd: process killed");
    free(cmd);
    cmd = xasprintf("systemctl is-active %s", unit);
    ok(!streq(sh_out(cmd), "active"), "real systemd: unit stopped (%s)", sh_out(cmd));
    ok(!exists(dir), "real systemd: scope cgroup gone");
    cgroup_free(m2);
    cgroup_free(m);
}

/* rootless path with a real user manager: root's own user@0.service stands in for the user's */
static void real_user(void)
{
    (void) !system("systemctl start user@0.service >/dev/null 2>&1");
    if (access("/run/user/0/bus", F_OK) != 0) {
        skip("no user manager bus at /run/user/0/bus (user@0.service did not start)");
        return;
    }
    setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/0/bus", 1);
    struct oci_resources res = { .has_pids_limit = true, .pids_limit = 21 };
    struct cgroup_opts o = { .id = "ru", .cgroups_path = "user.slice:nerdctl:ru", .systemd = true, .rootless = true,
                             .resources = &res };
    struct tr_err err = { 0 };
    struct cgroup_mgr *m = cgroup_create(&o, &err);
    ok(m != NULL, "user manager: create: %s", m ? "ok" : err.msg);
    if (!m)
        return;
    is_str(cgroup_relative_path(m), "/user.slice/user-0.slice/user@0.service/user.slice/nerdctl-ru.scope",
           "user manager: path = ControlGroup + slice + unit");
    pid_t child = sleeper();
    ok(cgroup_enter(m, child, &err) == 0, "user manager: StartTransientUnit on the user bus: %s", err.msg);
    ok(cgroup_apply(m, &res, false, &err) == 0, "user manager: apply: %s", err.msg);
    _cleanup_free_ char *pc = xasprintf("/proc/%d/cgroup", (int) child);
    _cleanup_free_ char *self = read_file(pc, NULL, &err);
    ok(self && strstr(self, cgroup_relative_path(m)), "user manager: child in the scope");
    is_str(sh_out("systemctl --user -M root@ is-active nerdctl-ru.scope 2>/dev/null || "
                  "XDG_RUNTIME_DIR=/run/user/0 systemctl --user is-active nerdctl-ru.scope"), "active",
           "user manager: unit active");
    ok(cgroup_destroy(m, &err) == 0, "user manager: destroy: %s", err.msg);
    waitpid(child, NULL, 0);
    cgroup_free(m);
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
}

static void test_real_systemd(void)
{
    real_user();
    real_one("system.slice:tinyrun-test:real", "tinyrun-test-real.scope", "/system.slice/tinyrun-test-real.scope");
    real_one("tinyrun-a-b.slice:p:real", "p-real.scope",
             "/tinyrun.slice/tinyrun-a.slice/tinyrun-a-b.slice/p-real.scope");
    real_one("tinyrun.slice:x:tinyrun-sl.slice", "tinyrun-sl.slice", "/tinyrun.slice/tinyrun-sl.slice");
    (void) !system("systemctl stop tinyrun.slice >/dev/null 2>&1");
}
#endif

int main(void)
{
#ifndef HAVE_SYSTEMD
    struct cgroup_opts o = { .id = "x", .cgroups_path = "system.slice:p:x", .systemd = true };
    struct tr_err err = { 0 };
    ok(cgroup_create(&o, &err) == NULL && strstr(err.msg, "--systemd-cgroup"), "clear error without the driver: %s",
       err.msg);
    ok(cgroup_load("systemd:system.slice:p-x.scope:/system.slice/p-x.scope", &err) == NULL &&
       strstr(err.msg, "built with --disable-systemd"), "a saved systemd cgroup without the driver: %s", err.msg);
    return done_testing();
#elif !defined TR_TEST_SDBUS
    skip("the fake systemd of this test is an sd-bus server: install libsystemd-dev and reconfigure");
    return done_testing();
#else
    struct cgroup_opts bad = { .id = "x", .cgroups_path = "/foo", .systemd = true };
    struct tr_err err = { 0 };
    ok(cgroup_create(&bad, &err) == NULL, "bad cgroupsPath refused before any D-Bus call");
    is_str(err.msg, "linux.cgroupsPath: expected \"slice:prefix:name\" with --systemd-cgroup, got \"/foo\"",
           "error text");
    if (geteuid() != 0) {
        skip("systemd driver tests need root (cgroup dirs)");
        return done_testing();
    }
    if (access("/run/systemd/system", F_OK) == 0) {
        test_real_systemd();
        return done_testing();
    }
    if (access("/usr/bin/dbus-daemon", X_OK) != 0) {
        skip("dbus-daemon not installed");
        return done_testing();
    }
    snprintf(control_group, sizeof control_group, "/tinyrun-sdtest-%d/user@1000.service", (int) getpid());
    if (!start_bus()) {
        ok(0, "private dbus-daemon + fake systemd started");
        stop_bus();
        return done_testing();
    }
    test_rootful();
    test_recorded_before_start();
    test_slice_unit();
    test_rootless();
    stop_bus();
    return done_testing();
#endif
}
