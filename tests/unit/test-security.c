/* security_validate (sysctl vs. namespaces, LSMs, personality, ioPriority, scheduler,
 * oomScoreAdj) with exact messages, and the child-side appliers in forked children. */
#include "config.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include "security.h"
#include "spec.h"
#include "tap.h"
#include "security-child.h"
#include "util.h"

/* A spec from the "process" extras and the "linux" object body. */
static struct oci_spec *spec_of(const char *process_extra, const char *linux_body)
{
    _cleanup_free_ char *json = xasprintf(
        "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
        "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}%s%s},"
        "\"linux\":{%s}}", *process_extra ? "," : "", process_extra, linux_body);
    struct tr_err err;
    struct oci_spec *s = oci_parse(json, strlen(json), "config.json", &err);
    if (!s)
        printf("# oci_parse: %s\n#   %s\n", err.msg, json);
    return s;
}

/* security_validate's message, or "ok". */
static const char *validate(const char *process_extra, const char *linux_body)
{
    static struct tr_err err;
    struct oci_spec *s = spec_of(process_extra, linux_body);
    if (!s)
        return "(parse failed)";
    int r = security_validate(s, &err);
    oci_free(s);
    return r == 0 ? "ok" : err.msg;
}

static void test_sysctl_keys(void)
{
    static const struct { const char *key, *want; } paths[] = {
        { "net.ipv4.ip_forward", "net/ipv4/ip_forward" },
        { "net/ipv4/conf/eth0.100/forwarding", "net/ipv4/conf/eth0.100/forwarding" },
        { "kernel.hostname", "kernel/hostname" },
        { "", NULL }, { "../../etc/passwd", NULL }, { "net/../../etc", NULL }, { "net..ipv4", NULL },
        { "/net/ipv4", NULL }, { "net.", NULL },
    };
    for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
        char *p = sysctl_key_to_path(paths[i].key);
        is_str(p, paths[i].want, "sysctl key \"%s\" -> %s", paths[i].key, paths[i].want ? paths[i].want : "refused");
        free(p);
    }
}

static void test_sysctl_validate(void)
{
    const char *net = "\"namespaces\":[{\"type\":\"network\"}],";
    is_str(validate("", "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}"),
           "linux.sysctl[\"net.ipv4.ip_forward\"]: needs a network namespace of the container's own in "
           "linux.namespaces; it would change the host", "net.* without a network namespace");
    _cleanup_free_ char *ok_net = xasprintf("%s\"sysctl\":{\"net.ipv4.ip_unprivileged_port_start\":\"0\","
                                            "\"net/ipv4/conf/all/forwarding\":\"1\"}", net);
    is_str(validate("", ok_net), "ok", "net.* with a new network namespace (dotted and slashed keys)");
    is_str(validate("", "\"namespaces\":[{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}],"
                        "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}"),
           "linux.sysctl[\"net.ipv4.ip_forward\"]: needs a network namespace of the container's own in "
           "linux.namespaces; it would change the host", "net.* in a netns joined by path that is the runtime's own");

    /* A network namespace of someone else's, joined by path, is fine. */
    int p[2];
    if (pipe(p) < 0)
        return;
    pid_t holder = fork();
    if (holder == 0) {
        char b;
        if (unshare(CLONE_NEWNET) < 0)
            _exit(1);
        close(p[1]);
        (void) !read(p[0], &b, 1);   /* returns once the parent closes the pipe */
        _exit(0);
    }
    close(p[0]);
    usleep(100000);
    _cleanup_free_ char *joined = xasprintf("\"namespaces\":[{\"type\":\"network\",\"path\":\"/proc/%d/ns/net\"}],"
                                            "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}", (int) holder);
    is_str(validate("", joined), "ok", "net.* in another network namespace joined by path");
    close(p[1]);
    waitpid(holder, NULL, 0);

    is_str(validate("", "\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"vm.swappiness\":\"10\"}"),
           "linux.sysctl[\"vm.swappiness\"]: not a namespaced sysctl; it would change the host", "vm.swappiness refused");
    is_str(validate("", "\"sysctl\":{\"kernel.shmmax\":\"1000000\"}"),
           "linux.sysctl[\"kernel.shmmax\"]: needs an ipc namespace of the container's own in linux.namespaces; "
           "it would change the host", "kernel.shm* without ipc namespace");
    is_str(validate("", "\"namespaces\":[{\"type\":\"ipc\"}],\"sysctl\":{\"kernel.shmmax\":\"1\",\"kernel.msgmax\":\"1\","
                        "\"kernel.sem\":\"1 2 3 4\",\"fs.mqueue.msg_max\":\"5\",\"kernel.shm_rmid_forced\":\"1\"}"),
           "ok", "ipc sysctls with an ipc namespace");
    is_str(validate("", "\"namespaces\":[{\"type\":\"ipc\"}],\"sysctl\":{\"kernel.semaphore\":\"1\"}"),
           "linux.sysctl[\"kernel.semaphore\"]: not a namespaced sysctl; it would change the host",
           "kernel.sem is an exact name, not a prefix");
    is_str(validate("", "\"sysctl\":{\"kernel.hostname\":\"x\"}"),
           "linux.sysctl[\"kernel.hostname\"]: needs a uts namespace of the container's own in linux.namespaces; "
           "it would change the host", "kernel.hostname without uts namespace");
    is_str(validate("", "\"namespaces\":[{\"type\":\"uts\"}],\"sysctl\":{\"kernel.hostname\":\"x\",\"kernel.domainname\":\"y\"}"),
           "ok", "kernel.hostname/domainname with a uts namespace");
    is_str(validate("", "\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"net/../../kernel/core_pattern\":\"x\"}"),
           "linux.sysctl[\"net/../../kernel/core_pattern\"]: not a valid sysctl name", "path escape refused");
}

static void test_lsm(void)
{
    if (apparmor_enabled()) {
        skip("AppArmor is enabled on this host: the 'not enabled' error cannot be tested");
    } else {
        is_str(validate("\"apparmorProfile\":\"nerdctl-default\"", ""),
               "process.apparmorProfile: \"nerdctl-default\" requested but AppArmor is not enabled on this host",
               "apparmorProfile without AppArmor");
    }
    if (selinux_enabled()) {
        skip("SELinux is enabled on this host: labels ignored without SELinux cannot be tested");
        skip("SELinux is enabled on this host");
        skip("SELinux is enabled on this host");
    } else {
        /* as crun and go-selinux: a label is ignored where SELinux is off, not an error */
        is_str(validate("\"selinuxLabel\":\"system_u:system_r:container_t:s0\"", ""), "ok",
               "selinuxLabel without SELinux is ignored");
        is_str(validate("", "\"mountLabel\":\"system_u:object_r:container_file_t:s0\""), "ok",
               "mountLabel without SELinux is ignored");
        struct tr_err e = { 0 };
        bool apply = true;
        ok(selinux_label_check("--process-label", "system_u:system_r:container_t:s0", &apply, &e) == 0 &&
           !apply, "--process-label without SELinux: not applied, no error: %s", e.msg);
    }
    {
        struct tr_err e = { 0 };
        bool apply = true;
        ok(selinux_label_check("linux.mountLabel", "", &apply, &e) == 0 && !apply, "an empty label is none");
    }
    is_str(validate("\"apparmorProfile\":\"\",\"selinuxLabel\":\"\"", "\"mountLabel\":\"\""), "ok", "empty labels mean none");
    char *o = selinux_mount_options("system_u:object_r:container_file_t:s0:c1,c2", "rw,nosuid");
    is_str(o, "rw,nosuid,context=\"system_u:object_r:container_file_t:s0:c1,c2\"", "mount label appended to options");
    free(o);
    o = selinux_mount_options("system_u:object_r:container_file_t:s0", NULL);
    is_str(o, "context=\"system_u:object_r:container_file_t:s0\"", "mount label as the only option");
    free(o);
    ok(selinux_mount_options(NULL, "rw") == NULL && selinux_mount_options("", "rw") == NULL, "no label: NULL");
    struct oci_process none = { 0 };
    struct tr_err err;
    ok(security_labels_apply(&none, &err) == 0, "security_labels_apply without labels does nothing");
}

static void child_labels(const void *arg, int out)
{
    const struct oci_process *p = arg;
    struct tr_err err;
    if (security_labels_apply(p, &err) < 0)
        out_printf(out, "error: %s", err.msg);
    else
        out_printf(out, "ok");
}

/* Without AppArmor in the kernel the write fails: the message must say where. Without SELinux
 * the exec label is skipped. */
static void test_labels_apply_errors(void)
{
    char buf[512];
    struct oci_process aa = { .apparmor_profile = "nerdctl-default" };
    if (access("/proc/thread-self/attr/apparmor", F_OK) == 0 || apparmor_enabled()) {
        skip("this kernel has AppArmor attributes");
    } else {
        run_child(child_labels, &aa, buf, sizeof buf);
        is_str(buf, "error: process.apparmorProfile: write \"exec nerdctl-default\" to /proc/self/attr/exec: "
               "Invalid argument", "AppArmor exec attr: falls back to /proc/self/attr/exec, error names the file");
    }
    struct oci_process se = { .selinux_label = "system_u:system_r:container_t:s0" };
    if (selinux_enabled()) {
        skip("SELinux enabled");
    } else {
        run_child(child_labels, &se, buf, sizeof buf);
        is_str(buf, "ok", "SELinux exec label without SELinux: skipped (the parent logged it)");
    }
}

static void test_validate_process(void)
{
    static const struct { const char *proc, *linux_, *want; } cases[] = {
        { "\"oomScoreAdj\":1001", "", "process.oomScoreAdj: 1001 is out of range (-1000..1000)" },
        { "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":8}", "",
          "process.ioPriority.priority: 8 is out of range (0..7)" },
        { "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":0}", "", "ok" },
        { "\"scheduler\":{\"policy\":\"SCHED_ISO\"}", "", "process.scheduler.policy: SCHED_ISO is not implemented by Linux" },
        { "\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"nice\":20}", "", "process.scheduler.nice: 20 is out of range (-20..19)" },
        { "\"scheduler\":{\"policy\":\"SCHED_FIFO\"}", "", "process.scheduler.priority: SCHED_FIFO needs a priority in 1..99" },
        { "\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"priority\":5}", "", "process.scheduler.priority: must be 0 for SCHED_BATCH" },
        { "\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"runtime\":1000}", "",
          "process.scheduler: runtime, deadline and period are only valid with SCHED_DEADLINE, not SCHED_OTHER" },
        { "\"scheduler\":{\"policy\":\"SCHED_DEADLINE\"}", "", "process.scheduler.runtime: SCHED_DEADLINE needs a runtime > 0" },
        { "\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"runtime\":2000000,\"deadline\":1000000}", "",
          "process.scheduler.deadline: must be >= runtime" },
        { "\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"runtime\":1000000,\"deadline\":2000000,\"period\":3000000}", "", "ok" },
        { "", "\"personality\":{\"domain\":\"LINUX32\"}", "ok" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        is_str(validate(cases[i].proc, cases[i].linux_), cases[i].want, "validate %s%s", cases[i].proc, cases[i].linux_);

    /* Values the parser already refuses: security_validate must still catch them in a spec
     * built by other code. */
    struct tr_err err;
    struct oci_scheduler sch = { .policy = "SCHED_BATCH", .flags = (char *[]) { "SCHED_FLAG_FAST" }, .flags_len = 1 };
    struct oci_process proc = { .scheduler = &sch };
    struct oci_spec spec = { .process = &proc };
    ok(security_validate(&spec, &err) < 0, "unknown scheduler flag refused");
    is_str(err.msg, "process.scheduler.flags[0]: unknown flag \"SCHED_FLAG_FAST\"", "message");
    sch = (struct oci_scheduler) { .policy = "SCHED_FAST" };
    ok(security_validate(&spec, &err) < 0, "unknown policy refused");
    is_str(err.msg, "process.scheduler.policy: unknown policy \"SCHED_FAST\"", "message");
    struct oci_io_priority io = { .class_ = "IOPRIO_CLASS_WHATEVER" };
    proc = (struct oci_process) { .io_priority = &io };
    ok(security_validate(&spec, &err) < 0, "unknown ioPriority class refused");
    is_str(err.msg, "process.ioPriority.class: unknown class \"IOPRIO_CLASS_WHATEVER\"", "message");
    struct oci_personality per = { .domain = "WINDOWS" };
    struct oci_linux lin = { .personality = &per };
    spec = (struct oci_spec) { .linux_ = &lin };
    ok(security_validate(&spec, &err) < 0, "unknown personality domain refused");
    is_str(err.msg, "linux.personality.domain: unknown domain \"WINDOWS\" (LINUX or LINUX32)", "message");
}

struct apply_arg { const char *proc, *linux_; int unshare_flags; };

static void child_sched(const void *arg, int out)
{
    const struct apply_arg *a = arg;
    struct oci_spec *s = spec_of(a->proc, a->linux_);
    struct tr_err err;
    if (!s || process_sched_apply(s, s->process, &err) < 0) {
        out_printf(out, "error: %s", s ? err.msg : "parse");
        return;
    }
    struct sched_param sp = { 0 };
    sched_getparam(0, &sp);
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    out_printf(out, "pers=%#x ioprio=%ld policy=%#x prio=%d nice=%d", (unsigned) personality(0xffffffff),
               syscall(SYS_ioprio_get, 1, 0), (unsigned) sched_getscheduler(0), sp.sched_priority, nice);
}

static void test_sched_apply(void)
{
    static const struct { struct apply_arg a; const char *want; } cases[] = {
        { { "", "\"personality\":{\"domain\":\"LINUX32\"}", 0 }, "pers=0x8 ioprio=IO policy=0 prio=0 nice=0" },
        { { "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":6}", "", 0 },
          "pers=0 ioprio=16390 policy=0 prio=0 nice=0" },   /* (2 << 13) | 6 */
        { { "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_IDLE\",\"priority\":0}", "", 0 },
          "pers=0 ioprio=24576 policy=0 prio=0 nice=0" },
        { { "\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":5,\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\"]}", "", 0 },
          "pers=0 ioprio=IO policy=0x40000003 prio=0 nice=5" },
        { { "\"scheduler\":{\"policy\":\"SCHED_IDLE\"}", "", 0 }, "pers=0 ioprio=IO policy=0x5 prio=0 nice=0" },
    };
    char buf[512], want[512];
    /* The inherited I/O priority is kernel-dependent (0 = "none" on recent kernels). */
    long io0 = syscall(SYS_ioprio_get, 1, 0);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        run_child(child_sched, &cases[i].a, buf, sizeof buf);
        const char *at = strstr(cases[i].want, "IO");
        if (at)
            snprintf(want, sizeof want, "%.*s%ld%s", (int) (at - cases[i].want), cases[i].want, io0, at + 2);
        else
            snprintf(want, sizeof want, "%s", cases[i].want);
        is_str(buf, want, "process_sched_apply %s%s", cases[i].a.proc, cases[i].a.linux_);
    }
    /* Real-time policies can be refused by the host (RT throttling, cgroup rt budget). */
    struct apply_arg fifo = { "\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":10}", "", 0 };
    run_child(child_sched, &fifo, buf, sizeof buf);
    if (strncmp(buf, "error: process.scheduler: sched_setattr(SCHED_FIFO): Operation not permitted", 60) == 0)
        skip("SCHED_FIFO refused by this host");
    else {
        snprintf(want, sizeof want, "pers=0 ioprio=%ld policy=0x1 prio=10 nice=0", io0);
        is_str(buf, want, "SCHED_FIFO priority 10");
    }
}

static void child_oom(const void *arg, int out)
{
    const struct apply_arg *a = arg;
    struct oci_spec *s = spec_of(a->proc, "");
    struct tr_err err;
    if (!s || oom_score_adj_apply(0, s->process, &err) < 0) {
        out_printf(out, "error: %s", s ? err.msg : "parse");
        return;
    }
    char *v = read_file("/proc/self/oom_score_adj", NULL, &err);
    out_printf(out, "%s", v ? v : err.msg);
    free(v);
}

static bool have_cap(int cap)
{
    struct tr_err err;
    _cleanup_free_ char *s = read_file("/proc/self/status", NULL, &err);
    char *l = s ? strstr(s, "CapEff:") : NULL;
    return l && (strtoull(l + 7, NULL, 16) >> cap) & 1;
}

static void test_oom(void)
{
    char buf[512];
    struct apply_arg up = { "\"oomScoreAdj\":500", "", 0 };
    run_child(child_oom, &up, buf, sizeof buf);
    is_str(buf, "500\n", "oomScoreAdj 500 written");
    struct apply_arg none = { "", "", 0 };
    char before[64];
    run_child(child_oom, &none, buf, sizeof buf);
    snprintf(before, sizeof before, "%s", buf);
    ok(strchr(before, '\n') != NULL, "no oomScoreAdj: inherited value left alone (%.*s)", (int) strcspn(before, "\n"), before);
    struct apply_arg down = { "\"oomScoreAdj\":-999", "", 0 };
    run_child(child_oom, &down, buf, sizeof buf);
    if (have_cap(24 /* CAP_SYS_RESOURCE */))
        is_str(buf, "-999\n", "oomScoreAdj -999 with CAP_SYS_RESOURCE");
    else
        is_str(buf, "error: process.oomScoreAdj: write -999 to /proc/self/oom_score_adj: Permission denied; "
               "lowering it below the current value needs CAP_SYS_RESOURCE", "lowering without CAP_SYS_RESOURCE: clear error");
}

static void child_sysctl(const void *arg, int out)
{
    const struct apply_arg *a = arg;
    struct tr_err err;
    if (unshare(a->unshare_flags) < 0) {
        out_printf(out, "unshare: %s", strerror(errno));
        return;
    }
    struct oci_spec *s = spec_of("", a->linux_);
    if (!s || sysctl_apply(s, &err) < 0) {
        out_printf(out, "error: %s", s ? err.msg : "parse");
        return;
    }
    char host[64] = "";
    gethostname(host, sizeof host);
    char *port = read_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", NULL, &err);
    char *mni = read_file("/proc/sys/kernel/shmmni", NULL, &err);
    out_printf(out, "host=%s port=%s shmmni=%s", host, port ? port : "?", mni ? mni : "?");
}

static void test_sysctl_apply(void)
{
    if (geteuid() != 0) {
        skip("sysctl_apply needs root (namespaces)");
        return;
    }
    char buf[512];
    struct apply_arg a = { "", "\"sysctl\":{\"kernel.hostname\":\"tr-sysctl\",\"net.ipv4.ip_unprivileged_port_start\":\"0\","
                               "\"kernel/shmmni\":\"1234\"}", CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWIPC };
    run_child(child_sysctl, &a, buf, sizeof buf);
    is_str(buf, "host=tr-sysctl port=0\n shmmni=1234\n", "hostname, netns and ipc sysctls written in fresh namespaces");
    a.linux_ = "\"sysctl\":{\"net.ipv4.no_such_knob\":\"1\"}";
    run_child(child_sysctl, &a, buf, sizeof buf);
    is_str(buf, "error: linux.sysctl[\"net.ipv4.no_such_knob\"]: open /proc/sys/net/ipv4/no_such_knob: No such file or "
           "directory", "unknown key: error names the key and the file");
    a.linux_ = "\"sysctl\":{\"net.ipv4.ip_unprivileged_port_start\":\"many\"}";
    run_child(child_sysctl, &a, buf, sizeof buf);
    is_str(buf, "error: linux.sysctl[\"net.ipv4.ip_unprivileged_port_start\"]: write \"many\" to "
           "/proc/sys/net/ipv4/ip_unprivileged_port_start: Invalid argument", "bad value: error names key, value and file");
}

static void child_nnp(const void *arg, int out)
{
    struct tr_err err;
    int before = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    int r = no_new_privs_apply(&err);
    out_printf(out, "%d %d %d", before, r, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

int main(void)
{
    test_sysctl_keys();
    test_sysctl_validate();
    test_lsm();
    test_labels_apply_errors();
    test_validate_process();
    test_sched_apply();
    test_oom();
    test_sysctl_apply();
    char buf[64];
    run_child(child_nnp, NULL, buf, sizeof buf);
    is_str(buf, "0 0 1", "no_new_privs_apply sets PR_SET_NO_NEW_PRIVS");
    is_str(validate("\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}",
                    "\"namespaces\":[{\"type\":\"network\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},{\"type\":\"mount\"}],"
                    "\"sysctl\":{\"net.ipv4.ip_unprivileged_port_start\":\"0\"}"),
           "ok", "a nerdctl-like config validates");
    return done_testing();
}
