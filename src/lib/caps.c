/* Capabilities: the five OCI sets turned into bitmasks in the parent, applied in the child.
 * We talk to the kernel directly (capget/capset/prctl) instead of through libcap: the child
 * must not allocate after fork, and the raw interface is three small syscalls. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "caps.h"
#include "log.h"
#include "util.h"

/* Kernel ABI numbers (include/uapi/linux/capability.h); stable forever, so a table is safer
 * than depending on which names the installed libcap happens to know. */
static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

#define CAP_MASK(c) (UINT64_C(1) << (c))

int cap_from_name(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
        if (streq(cap_names[i], name))
            return (int) i;
    return -1;
}

const char *cap_to_name(int cap)
{
    if (cap < 0 || (size_t) cap >= ARRAY_SIZE(cap_names))
        return NULL;
    return cap_names[cap];
}

int cap_last_cap(void)
{
    static int cached = -1;
    if (cached >= 0)
        return cached;
    char buf[32] = "";
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = '\0';
            buf[strcspn(buf, "\n")] = '\0';
            int v;
            if (parse_int(buf, &v) == 0 && v >= 0 && v < 64)
                cached = v;
        }
    }
    if (cached < 0) {
        /* No /proc: probe the bounding set, which answers EINVAL past the last cap. */
        int c = 0;
        while (c < 63 && prctl(PR_CAPBSET_READ, (unsigned long) c + 1, 0, 0, 0) >= 0)
            c++;
        cached = c;
    }
    return cached;
}

static int caps_set_mask(char *const *names, size_t n, const char *json_prefix, const char *set,
                         int last_cap, uint64_t *mask, struct tr_err *err)
{
    *mask = 0;
    for (size_t i = 0; i < n; i++) {
        int c = cap_from_name(names[i]);
        if (c < 0) {
            /* runtime-spec 1.2 config.md: a value that cannot be mapped MUST be logged as a
             * warning and runtimes SHOULD NOT fail (runc does the same; nerdctl passes
             * unknown --cap-add names on). */
            tr_warn("%s.%s[%zu]: unknown capability \"%s\"; ignored", json_prefix, set, i,
                    names[i] ? names[i] : "");
            continue;
        }
        if (c > last_cap) {
            tr_warn("%s.%s[%zu]: capability %s is not supported by the running kernel "
                    "(cap_last_cap is %d); ignored", json_prefix, set, i, names[i], last_cap);
            continue;
        }
        *mask |= CAP_MASK(c);
    }
    return 0;
}

int caps_plan_build(const struct oci_capabilities *c, const char *json_prefix, int last_cap,
                    struct caps_plan *out, struct tr_err *err)
{
    memset(out, 0, sizeof *out);
    if (!c)
        return 0;
    if (!json_prefix)
        json_prefix = "process.capabilities";
    if (caps_set_mask(c->bounding, c->bounding_len, json_prefix, "bounding", last_cap,
                      &out->bounding, err) < 0 ||
        caps_set_mask(c->effective, c->effective_len, json_prefix, "effective", last_cap,
                      &out->effective, err) < 0 ||
        caps_set_mask(c->permitted, c->permitted_len, json_prefix, "permitted", last_cap,
                      &out->permitted, err) < 0 ||
        caps_set_mask(c->inheritable, c->inheritable_len, json_prefix, "inheritable", last_cap,
                      &out->inheritable, err) < 0 ||
        caps_set_mask(c->ambient, c->ambient_len, json_prefix, "ambient", last_cap,
                      &out->ambient, err) < 0)
        return -1;
    out->present = true;
    return 0;
}

int caps_plan_from_spec(const struct oci_capabilities *c, const char *json_prefix,
                        struct caps_plan *out, struct tr_err *err)
{
    return caps_plan_build(c, json_prefix, cap_last_cap(), out, err);
}

int caps_keep_on_setuid(struct tr_err *err)
{
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return tr_fail(err, errno, "prctl(PR_SET_KEEPCAPS)");
    return 0;
}

static int caps_get(struct __user_cap_data_struct data[2], struct tr_err *err)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    memset(data, 0, 2 * sizeof *data);
    if (syscall(SYS_capget, &hdr, data) < 0)
        return tr_fail(err, errno, "capget");
    return 0;
}

static int caps_set(uint64_t eff, uint64_t perm, uint64_t inh, struct tr_err *err)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2] = {
        { (uint32_t) eff, (uint32_t) perm, (uint32_t) inh },
        { (uint32_t) (eff >> 32), (uint32_t) (perm >> 32), (uint32_t) (inh >> 32) },
    };
    if (syscall(SYS_capset, &hdr, data) < 0)
        return tr_fail(err, errno, "capset(effective=%#llx, permitted=%#llx, inheritable=%#llx)",
                       (unsigned long long) eff, (unsigned long long) perm,
                       (unsigned long long) inh);
    return 0;
}

/* Drops without reading each capability first (half the prctl calls): a drop of one already
 * out of the set succeeds too. Only an EPERM makes us look whether it was out anyway. */
static int caps_drop_bounding(uint64_t keep, struct tr_err *err)
{
    for (int c = 0; c <= cap_last_cap(); c++) {
        if ((keep & CAP_MASK(c)) || prctl(PR_CAPBSET_DROP, (unsigned long) c, 0, 0, 0) == 0)
            continue;
        int e = errno;
        if (e == EPERM && prctl(PR_CAPBSET_READ, (unsigned long) c, 0, 0, 0) == 0)
            continue;
        const char *name = cap_to_name(c);
        tr_fail(err, e, "drop %s (%d) from the bounding set", name ? name : "capability", c);
        if (e == EPERM)
            tr_hint(err, "the runtime needs CAP_SETPCAP");
        return -1;
    }
    return 0;
}

static int caps_set_ambient(const struct caps_plan *p, struct tr_err *err)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
        if (errno == EINVAL && !p->ambient)   /* kernel < 4.3: nothing to clear */
            return 0;
        return tr_fail(err, errno, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    }
    for (int c = 0; c < 64; c++) {
        if (!(p->ambient & CAP_MASK(c)))
            continue;
        const char *name = cap_to_name(c);
        /* The kernel only allows ambient caps that are permitted and inheritable; runc
         * warns and goes on, and so do we. */
        if (!(p->permitted & p->inheritable & CAP_MASK(c))) {
            tr_warn("process.capabilities.ambient: %s is not in both the permitted and the "
                    "inheritable sets; not raised", name ? name : "capability");
            continue;
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) c, 0, 0) < 0) {
            if (errno == EPERM || errno == EINVAL) {
                tr_warn("process.capabilities.ambient: cannot raise %s: %s; not raised",
                        name ? name : "capability", strerror(errno));
                continue;
            }
            return tr_fail(err, errno, "raise ambient capability %s", name ? name : "?");
        }
    }
    return 0;
}

int caps_apply(const struct caps_plan *p, struct tr_err *err)
{
    struct __user_cap_data_struct cur[2];
    if (caps_get(cur, err) < 0)
        return -1;
    /* After setuid() to a non-zero uid the kernel empties the effective set even with
     * KEEPCAPS; CAP_SETPCAP must be effective again to shrink the bounding set. */
    uint64_t perm_now = (uint64_t) cur[0].permitted | ((uint64_t) cur[1].permitted << 32);
    uint64_t inh_now = (uint64_t) cur[0].inheritable | ((uint64_t) cur[1].inheritable << 32);
    if (caps_set(perm_now, perm_now, inh_now, err) < 0)
        return tr_prefix(err, "raise the effective set");
    if (caps_drop_bounding(p->bounding, err) < 0)
        return -1;
    if (caps_set(p->effective, p->permitted, p->inheritable, err) < 0) {
        if (err->code == EPERM) {
            if (p->effective & ~p->permitted)
                tr_hint(err, "process.capabilities.effective must be a subset of permitted");
            else if (p->inheritable & ~p->bounding)
                tr_hint(err, "process.capabilities.inheritable must be a subset of bounding");
            else if (p->permitted & ~perm_now)
                tr_hint(err, "the runtime does not hold every permitted capability requested");
        }
        return -1;
    }
    return caps_set_ambient(p, err);
}
