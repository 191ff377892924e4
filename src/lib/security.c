/* AppArmor, SELinux, no_new_privs, oomScoreAdj, personality, ioPriority and scheduler:
 * validated once in the parent, applied in the child. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_SELINUX
#include "dl-selinux.h"
#endif
#include "affinity.h"
#include "log.h"
#include "procfs.h"
#include "mempolicy.h"
#include "security.h"
#include "util.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* Linux values (include/uapi/linux/sched.h); SCHED_ISO is reserved but not implemented. */
static const struct { const char *name; int value; } sched_policies[] = {
    { "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 }, { "SCHED_BATCH", 3 },
    { "SCHED_ISO", 4 }, { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};
static const struct { const char *name; uint64_t value; } sched_flags[] = {
    { "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
    { "SCHED_FLAG_DL_OVERRUN", 0x04 }, { "SCHED_FLAG_KEEP_POLICY", 0x08 },
    { "SCHED_FLAG_KEEP_PARAMS", 0x10 }, { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
    { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};
#define SCHED_FIFO_ 1
#define SCHED_RR_ 2
#define SCHED_ISO_ 4
#define SCHED_DEADLINE_ 6

/* struct sched_attr, SCHED_ATTR_SIZE_VER1; glibc has no wrapper for sched_setattr. */
struct tr_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
};

bool apparmor_enabled(void)
{
    struct stat st;
    if (stat("/sys/kernel/security/apparmor", &st) < 0)
        return false;
    char buf[8] = "";
    int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    return n > 0 && buf[0] == 'Y';
}

bool selinux_enabled(void)
{
#ifdef HAVE_SELINUX
    return tr_selinux_host_enabled();
#else
    /* without libselinux, still tell a SELinux host (selinuxfs mounted) from one without, so
     * that a label there is refused rather than ignored */
    return access("/sys/fs/selinux/enforce", F_OK) == 0;
#endif
}

/* Labels are ignored where SELinux is off, as crun and runc's label library (go-selinux) do:
 * most hosts (Debian, Ubuntu, Lima guests) have none, and configs from podman/CRI carry one. */
int selinux_label_check(const char *field, const char *label, bool *apply, struct tr_err *err)
{
    *apply = false;
    if (!label || !*label)
        return 0;
    if (!selinux_enabled()) {
        tr_debug("%s: SELinux is not enabled on this host: label \"%s\" ignored", field, label);
        return 0;
    }
#ifndef HAVE_SELINUX
    return tr_failx(err, "%s: \"%s\" requested on a SELinux host, but tinyrun was built without "
                    "SELinux support (rebuild with libselinux)", field, label);
#else
    if (tr_selinux_load_error())
        return tr_failx(err, "%s: \"%s\" needs libselinux.so.1: %s", field, label, tr_selinux_load_error());
    *apply = true;
    return 0;
#endif
}

static int sched_policy_value(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_SIZE(sched_policies); i++)
        if (streq(sched_policies[i].name, name))
            return sched_policies[i].value;
    return -1;
}

static int validate_scheduler(const struct oci_scheduler *s, struct tr_err *err)
{
    int pol = sched_policy_value(s->policy);
    if (pol < 0)
        return tr_failx(err, "process.scheduler.policy: unknown policy \"%s\"",
                        s->policy ? s->policy : "");
    if (pol == SCHED_ISO_)
        return tr_failx(err, "process.scheduler.policy: SCHED_ISO is not implemented by Linux");
    if (s->has_nice && (s->nice < -20 || s->nice > 19))
        return tr_failx(err, "process.scheduler.nice: %d is out of range (-20..19)", s->nice);
    bool rt = pol == SCHED_FIFO_ || pol == SCHED_RR_;
    if (rt && (!s->has_priority || s->priority < 1 || s->priority > 99))
        return tr_failx(err, "process.scheduler.priority: %s needs a priority in 1..99",
                        s->policy);
    if (!rt && s->has_priority && s->priority != 0)
        return tr_failx(err, "process.scheduler.priority: must be 0 for %s", s->policy);
    for (size_t i = 0; i < s->flags_len; i++) {
        size_t k = 0;
        while (k < ARRAY_SIZE(sched_flags) && !(s->flags[i] && streq(sched_flags[k].name, s->flags[i])))
            k++;
        if (k == ARRAY_SIZE(sched_flags))
            return tr_failx(err, "process.scheduler.flags[%zu]: unknown flag \"%s\"", i,
                            s->flags[i] ? s->flags[i] : "");
    }
    if (pol != SCHED_DEADLINE_) {
        if (s->has_runtime || s->has_deadline || s->has_period)
            return tr_failx(err, "process.scheduler: runtime, deadline and period are only "
                            "valid with SCHED_DEADLINE, not %s", s->policy);
        return 0;
    }
    if (!s->has_runtime || s->runtime == 0)
        return tr_failx(err, "process.scheduler.runtime: SCHED_DEADLINE needs a runtime > 0");
    if (s->has_deadline && s->deadline < s->runtime)
        return tr_failx(err, "process.scheduler.deadline: must be >= runtime");
    if (s->has_period && s->period < (s->has_deadline ? s->deadline : s->runtime))
        return tr_failx(err, "process.scheduler.period: must be >= deadline");
    return 0;
}

static int ioprio_class_value(const char *c)
{
    if (!c)
        return -1;
    if (streq(c, "IOPRIO_CLASS_RT"))
        return 1;
    if (streq(c, "IOPRIO_CLASS_BE"))
        return 2;
    if (streq(c, "IOPRIO_CLASS_IDLE"))
        return 3;
    return -1;
}

int security_validate_process(const struct oci_process *p, struct tr_err *err)
{
    if (p->apparmor_profile && *p->apparmor_profile && !apparmor_enabled())
        return tr_failx(err, "process.apparmorProfile: \"%s\" requested but AppArmor is not "
                        "enabled on this host", p->apparmor_profile);
    bool apply;
    if (selinux_label_check("process.selinuxLabel", p->selinux_label, &apply, err) < 0)
        return -1;
    if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
        return tr_failx(err, "process.oomScoreAdj: %d is out of range (-1000..1000)",
                        p->oom_score_adj);
    if (p->io_priority) {
        if (ioprio_class_value(p->io_priority->class_) < 0)
            return tr_failx(err, "process.ioPriority.class: unknown class \"%s\"",
                            p->io_priority->class_ ? p->io_priority->class_ : "");
        if (p->io_priority->priority < 0 || p->io_priority->priority > 7)
            return tr_failx(err, "process.ioPriority.priority: %d is out of range (0..7)",
                            p->io_priority->priority);
    }
    if (p->scheduler && validate_scheduler(p->scheduler, err) < 0)
        return -1;
    return affinity_validate(p, err);
}

static int personality_value(const char *domain)
{
    if (domain && streq(domain, "LINUX"))
        return PER_LINUX;
    if (domain && streq(domain, "LINUX32"))
        return PER_LINUX32;
    return -1;
}

/* runtime-spec config-linux.md: maskedPaths/readonlyPaths are absolute container paths. A
 * relative one would be resolved against whatever the init's cwd is: refuse it up front. */
static int validate_abs_paths(char *const *v, size_t n, const char *field, struct tr_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!v[i] || v[i][0] != '/')
            return tr_failx(err, "linux.%s[%zu]: \"%s\" is not an absolute path", field, i,
                            v[i] ? v[i] : "");
    return 0;
}

int security_validate(const struct oci_spec *spec, struct tr_err *err)
{
    if (spec->process && security_validate_process(spec->process, err) < 0)
        return -1;
    const struct oci_linux *l = spec->linux_;
    if (!l)
        return 0;
    if (validate_abs_paths(l->masked_paths, l->masked_paths_len, "maskedPaths", err) < 0 ||
        validate_abs_paths(l->readonly_paths, l->readonly_paths_len, "readonlyPaths", err) < 0)
        return -1;
    bool apply;
    if (selinux_label_check("linux.mountLabel", l->mount_label, &apply, err) < 0)
        return -1;
    if (mempolicy_validate(l->memory_policy, err) < 0)
        return -1;
    if (l->personality) {
        if (personality_value(l->personality->domain) < 0)
            return tr_failx(err, "linux.personality.domain: unknown domain \"%s\" (LINUX or "
                            "LINUX32)", l->personality->domain ? l->personality->domain : "");
        /* The spec defines no flag values yet. */
        for (size_t i = 0; i < l->personality->flags_len; i++)
            tr_warn("linux.personality.flags[%zu]: \"%s\" is not supported; ignored", i,
                    l->personality->flags[i]);
    }
    return sysctl_validate(spec, err);
}

/* Through the runtime's private procfs, never the container's /proc: a file bound over
 * /proc/self/oom_score_adj would take the write (CVE-2025-52881 class). */
int oom_score_adj_apply(pid_t pid, const struct oci_process *p, struct tr_err *err)
{
    if (!p || !p->has_oom_score_adj)
        return 0;
    char buf[16], rel[32];
    int n = snprintf(buf, sizeof buf, "%d", p->oom_score_adj);
    if (pid > 0)
        snprintf(rel, sizeof rel, "%d/oom_score_adj", (int) pid);
    else
        snprintf(rel, sizeof rel, "self/oom_score_adj");
    int proc = procfs_handle(err);
    _cleanup_close_ int fd = proc < 0 ? -1 : procfs_open_at(proc, rel, O_WRONLY, err);
    if (fd < 0) {
        bool denied = err->code == EACCES;
        tr_prefix(err, "process.oomScoreAdj");
        /* non-dumpable (CVE-2019-5736), our /proc files belong to the host's root */
        if (denied)
            tr_hint(err, "in a new user namespace the runtime's init cannot open it (not the host's root)");
        return -1;
    }
    ssize_t w = write(fd, buf, (size_t) n);
    if (w != n) {
        int e = w < 0 ? errno : EIO;
        tr_fail(err, e, "process.oomScoreAdj: write %s to /proc/%s", buf, rel);
        if (e == EACCES)
            tr_hint(err, "lowering it below the current value needs CAP_SYS_RESOURCE");
        return -1;
    }
    return 0;
}

static int scheduler_apply(const struct oci_scheduler *s, struct tr_err *err)
{
    struct tr_sched_attr a = { .size = sizeof a, .sched_util_max = 1024 };
    a.sched_policy = (uint32_t) sched_policy_value(s->policy);
    a.sched_nice = s->has_nice ? s->nice : 0;
    a.sched_priority = s->has_priority ? (uint32_t) s->priority : 0;
    a.sched_runtime = s->has_runtime ? s->runtime : 0;
    a.sched_deadline = s->has_deadline ? s->deadline : 0;
    a.sched_period = s->has_period ? s->period : 0;
    for (size_t i = 0; i < s->flags_len; i++)
        for (size_t k = 0; k < ARRAY_SIZE(sched_flags); k++)
            if (streq(sched_flags[k].name, s->flags[i]))
                a.sched_flags |= sched_flags[k].value;
    if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
        return tr_fail(err, errno, "process.scheduler: sched_setattr(%s)", s->policy);
    return 0;
}

int process_sched_apply(const struct oci_spec *spec, const struct oci_process *p, struct tr_err *err)
{
    const struct oci_personality *per = spec && spec->linux_ ? spec->linux_->personality : NULL;
    if (per) {
        int v = personality_value(per->domain);
        if (v < 0)
            return tr_failx(err, "linux.personality.domain: unknown domain \"%s\"",
                            per->domain ? per->domain : "");
        if (personality((unsigned long) v) < 0)
            return tr_fail(err, errno, "linux.personality: personality(%s)", per->domain);
    }
    if (p && p->io_priority) {
        int cls = ioprio_class_value(p->io_priority->class_);
        if (cls < 0)
            return tr_failx(err, "process.ioPriority.class: unknown class \"%s\"",
                            p->io_priority->class_ ? p->io_priority->class_ : "");
        int v = (cls << IOPRIO_CLASS_SHIFT) | p->io_priority->priority;
        if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, v) < 0)
            return tr_fail(err, errno, "process.ioPriority: ioprio_set(%s, %d)",
                           p->io_priority->class_, p->io_priority->priority);
    }
    if (p && p->scheduler && scheduler_apply(p->scheduler, err) < 0)
        return -1;
    return mempolicy_apply(spec && spec->linux_ ? spec->linux_->memory_policy : NULL, err);
}

/* The exec attribute of this thread, through the private procfs (see oom_score_adj_apply). */
static int apparmor_exec(const char *profile, struct tr_err *err)
{
    static const char *const files[] = { "thread-self/attr/apparmor/exec", "self/attr/exec" };
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "exec %s", profile);
    if (n < 0 || (size_t) n >= sizeof buf)
        return tr_failx(err, "process.apparmorProfile: profile name too long");
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        if (procfs_write(files[i], buf, (size_t) n, err) == 0)
            return 0;
        if (err->code != ENOENT || i + 1 == ARRAY_SIZE(files))
            break;
        tr_err_clear(err);
    }
    return tr_prefix(err, "process.apparmorProfile");
}

bool process_needs_procfs(const struct oci_process *p)
{
    return p && (p->has_oom_score_adj || (p->apparmor_profile && *p->apparmor_profile) ||
                 (p->selinux_label && *p->selinux_label && selinux_enabled()));
}

static int security_labels_write(const struct oci_process *p, struct tr_err *err)
{
    if (!p)
        return 0;
    if (p->apparmor_profile && *p->apparmor_profile && apparmor_exec(p->apparmor_profile, err) < 0)
        return -1;
    /* the parent logged it (selinux_label_check); the child only skips it */
    if (p->selinux_label && *p->selinux_label && selinux_enabled()) {
#ifdef HAVE_SELINUX
        /* What setexeccon writes (the label and its NUL), but through the private procfs. */
        if (procfs_write("thread-self/attr/exec", p->selinux_label, strlen(p->selinux_label) + 1, err) < 0)
            return tr_prefix(err, "process.selinuxLabel");
#else
        return tr_failx(err, "process.selinuxLabel: tinyrun was built without SELinux support");
#endif
    }
    return 0;
}

/* The runtime's last /proc writes before execve: the private procfs is closed after them, so
 * that the lookup of the program's path cannot reach it through /proc/self/fd/N. */
int security_labels_apply(const struct oci_process *p, struct tr_err *err)
{
    int rc = security_labels_write(p, err);
    procfs_handle_drop();
    return rc;
}

char *selinux_mount_options(const char *mount_label, const char *options)
{
    if (!mount_label || !*mount_label)
        return NULL;
    if (options && *options)
        return xasprintf("%s,context=\"%s\"", options, mount_label);
    return xasprintf("context=\"%s\"", mount_label);
}

int no_new_privs_apply(struct tr_err *err)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return tr_fail(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    return 0;
}
