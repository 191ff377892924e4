/* tr_features_json: the runtime-spec Features document (features.md, features-linux.md).
 * Every list is computed from what this build and this host really support: mount options
 * from the rootfs option parser, capabilities from the running kernel, seccomp from
 * libseccomp and a kernel probe. containerd (CRI) and nerdctl turn features on from it. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif
#ifdef HAVE_SELINUX
#include "dl-selinux.h"
#endif
#include "caps.h"
#include "container.h"
#include "criu.h"
#include "json-out.h"
#include "mempolicy.h"
#include "rootfs.h"
#include "resctrl.h"
#include "security.h"
#include "spec.h"
#include "util.h"

/* ---- a minimal JSON writer: containers track whether a comma is due ---------------------- */
struct jw {
    char *buf; size_t len, cap;
    bool need_comma[16]; int depth;
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
    if (w->len + n + 1 > w->cap) {
        while (w->len + n + 1 > w->cap)
            w->cap = w->cap ? w->cap * 2 : 1024;
        w->buf = xrealloc(w->buf, w->cap);
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void jw_puts(struct jw *w, const char *s) { jw_raw(w, s, strlen(s)); }

static void jw_sep(struct jw *w)
{
    if (w->need_comma[w->depth])
        jw_puts(w, ",");
    w->need_comma[w->depth] = true;
}

static void jw_put(void *w, const char *piece, size_t len) { jw_raw(w, piece, len); }

static void jw_string_body(struct jw *w, const char *s)
{
    jw_puts(w, "\"");
    json_escape_each(s, jw_put, w);
    jw_puts(w, "\"");
}

static void jw_key(struct jw *w, const char *key)
{
    jw_sep(w);
    jw_string_body(w, key);
    jw_puts(w, ":");
    w->need_comma[w->depth] = true;
}

/* open: key may be NULL inside an array. */
static void jw_open(struct jw *w, const char *key, char c)
{
    if (key)
        jw_key(w, key);
    else
        jw_sep(w);
    jw_raw(w, &c, 1);
    w->need_comma[++w->depth] = false;
}

static void jw_close(struct jw *w, char c)
{
    w->depth--;
    jw_raw(w, &c, 1);
}

static void jw_str(struct jw *w, const char *key, const char *v)
{
    if (key)
        jw_key(w, key);
    else
        jw_sep(w);
    jw_string_body(w, v);
}

static void jw_bool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_puts(w, v ? "true" : "false");
}

/* {"enabled": v} */
static void jw_enabled(struct jw *w, const char *key, bool v)
{
    jw_open(w, key, '{');
    jw_bool(w, "enabled", v);
    jw_close(w, '}');
}

static void jw_str_array(struct jw *w, const char *key, const char *const *v, size_t n)
{
    jw_open(w, key, '[');
    for (size_t i = 0; i < n; i++)
        jw_str(w, NULL, v[i]);
    jw_close(w, ']');
}

/* ---- sections ---------------------------------------------------------------------------- */

/* Option names runc and crun know; listed only when our parser takes them as an option rather
 * than passing them to the filesystem as data. The r* (mount_setattr) ones also need the
 * syscall (Linux >= 5.12). */
static const char *const mount_option_candidates[] = {
    "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "idmap",
    "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "nolazytime",
    "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "ratime",
    "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "ridmap", "rnoatime",
    "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid",
    "rnosymfollow", "ro", "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave",
    "rstrictatime", "rsuid", "rsymfollow", "runbindable", "rw", "shared", "silent", "slave",
    "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
};

static bool kernel_has_mount_setattr(void)
{
#ifdef SYS_mount_setattr
    return !(syscall(SYS_mount_setattr, -1, "", 0, NULL, (size_t) 0) < 0 && errno == ENOSYS);
#else
    return false;
#endif
}

/* 1 = a recognised option, 0 = not one (would go to the fs as data); needs_setattr tells
 * whether it is a recursive mount_setattr attribute. */
static int parse_one_option(const char *name, bool *needs_setattr, bool *idmap)
{
    struct tr_err err;
    struct mount_plan plan;
    char *opt = (char *) name;
    if (mount_plan_from_options(&opt, 1, &plan, &err) < 0)
        return 0;
    bool known = plan.data == NULL;
    *needs_setattr = plan.attr_set || plan.attr_clr;
    *idmap = plan.idmap;
    mount_plan_free(&plan);
    return known;
}

static void add_mount_options(struct jw *w)
{
    bool setattr = kernel_has_mount_setattr();
    jw_open(w, "mountOptions", '[');
    for (size_t i = 0; i < ARRAY_SIZE(mount_option_candidates); i++) {
        bool needs_setattr, idmap;
        if (!parse_one_option(mount_option_candidates[i], &needs_setattr, &idmap))
            continue;
        if ((needs_setattr || idmap) && !setattr)
            continue;
        jw_str(w, NULL, mount_option_candidates[i]);
    }
    jw_close(w, ']');
}

static void add_capabilities(struct jw *w)
{
    int last = cap_last_cap();
    jw_open(w, "capabilities", '[');
    for (int c = 0; c <= last; c++) {
        const char *name = cap_to_name(c);
        if (name)       /* a capability newer than our table cannot be named in a config */
            jw_str(w, NULL, name);
    }
    jw_close(w, ']');
}

static void add_cgroup(struct jw *w)
{
#ifdef HAVE_SYSTEMD
    const bool systemd = true;
#else
    const bool systemd = false;
#endif
    jw_open(w, "cgroup", '{');
    jw_bool(w, "v1", true);
    jw_bool(w, "v2", true);
    jw_bool(w, "systemd", systemd);
    jw_bool(w, "systemdUser", systemd);
    jw_bool(w, "rdma", true);
    jw_close(w, '}');
}

#ifdef HAVE_SECCOMP
static const char *const arch_candidates[] = {
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
    "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
    "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
    "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
};

/* The same spelling rule and the same call as seccomp.c: the lower-cased suffix resolved by
 * libseccomp, then added to a filter for this host. That refuses what the compiler would
 * refuse too, e.g. a big-endian arch next to a little-endian native one (EDOM). */
static bool filter_takes_arch(scmp_filter_ctx ctx, const char *name)
{
    char lower[32];
    const char *suffix = name + strlen("SCMP_ARCH_");
    size_t n = 0;
    for (; suffix[n] && n + 1 < sizeof lower; n++)
        lower[n] = (char) (suffix[n] >= 'A' && suffix[n] <= 'Z' ? suffix[n] + 32 : suffix[n]);
    lower[n] = '\0';
    uint32_t token = seccomp_arch_resolve_name(lower);
    if (token == 0)
        return false;
    int r = seccomp_arch_add(ctx, token);
    return r == 0 || r == -EEXIST;
}

static const struct { const char *name; unsigned long flag; } seccomp_flags[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", 1UL << 0 },
    { "SECCOMP_FILTER_FLAG_LOG", 1UL << 1 },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1UL << 2 },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1UL << 5 },
};

/* seccomp(SET_MODE_FILTER, flag, NULL): EFAULT once the flag is accepted, EINVAL if unknown.
 * WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER (1 << 3). */
static bool kernel_has_seccomp_flag(unsigned long flag)
{
    unsigned long probe = flag == (1UL << 5) ? flag | (1UL << 3) : flag;
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, probe, NULL) < 0 && errno == EFAULT;
}

static void add_seccomp(struct jw *w)
{
    static const char *const actions[] = {
        "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
        "SCMP_ACT_TRAP",
    };
    static const char *const operators[] = {
        "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
        "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
    };
    jw_open(w, "seccomp", '{');
    jw_bool(w, "enabled", true);
    jw_str_array(w, "actions", actions, ARRAY_SIZE(actions));
    jw_str_array(w, "operators", operators, ARRAY_SIZE(operators));
    jw_open(w, "archs", '[');
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    for (size_t i = 0; ctx && i < ARRAY_SIZE(arch_candidates); i++)
        if (filter_takes_arch(ctx, arch_candidates[i]))
            jw_str(w, NULL, arch_candidates[i]);
    if (ctx)
        seccomp_release(ctx);
    jw_close(w, ']');
    jw_open(w, "knownFlags", '[');
    for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++)
        jw_str(w, NULL, seccomp_flags[i].name);
    jw_close(w, ']');
    jw_open(w, "supportedFlags", '[');
    for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++)
        if (kernel_has_seccomp_flag(seccomp_flags[i].flag))
            jw_str(w, NULL, seccomp_flags[i].name);
    jw_close(w, ']');
    jw_close(w, '}');
}
#endif

static bool host_has_selinux(void)
{
#ifdef HAVE_SELINUX
    return tr_selinux_host_enabled();
#else
    return false;
#endif
}

/* idmapped mounts: the option parser must take "idmap" and the kernel needs mount_setattr. */
static bool idmap_mounts_supported(void)
{
    bool needs_setattr, idmap;
    return parse_one_option("idmap", &needs_setattr, &idmap) && idmap &&
           kernel_has_mount_setattr();
}

/* runtime-spec 1.3 features-linux.md: the MPOL_* modes and flags linux.memoryPolicy takes. */
static void add_memory_policy(struct jw *w)
{
    const char *names[16];
    jw_open(w, "memoryPolicy", '{');
    jw_str_array(w, "modes", names, mempolicy_names(false, names, ARRAY_SIZE(names)));
    jw_str_array(w, "flags", names, mempolicy_names(true, names, ARRAY_SIZE(names)));
    jw_close(w, '}');
}

static void add_linux(struct jw *w)
{
    jw_open(w, "linux", '{');
    jw_open(w, "namespaces", '[');
    for (int t = 0; t < OCI_NS__COUNT; t++)
        jw_str(w, NULL, oci_ns_type_name((enum oci_ns_type) t));
    jw_close(w, ']');
    add_capabilities(w);
    add_cgroup(w);
#ifdef HAVE_SECCOMP
    add_seccomp(w);
#else
    jw_enabled(w, "seccomp", false);
#endif
    jw_enabled(w, "apparmor", apparmor_enabled());
    jw_enabled(w, "selinux", host_has_selinux());
    /* resctrl.c applies linux.intelRdt where resctrl is mounted, and refuses it elsewhere */
    jw_enabled(w, "intelRdt", access(RESCTRL_ROOT "/info", F_OK) == 0);
    add_memory_policy(w);
    jw_open(w, "mountExtensions", '{');
    jw_enabled(w, "idmap", idmap_mounts_supported());
    jw_close(w, '}');
    /* runc 1.4's shape: linux.netDevices moves interfaces over rtnetlink (netdevices.c) */
    jw_enabled(w, "netDevices", true);
    jw_close(w, '}');
}

char *tr_features_json(const struct tr_ctx *ctx, struct tr_err *err)
{
    struct jw w = { 0 };
    jw_open(&w, NULL, '{');
    jw_str(&w, "ociVersionMin", "1.0.0");
    jw_str(&w, "ociVersionMax", OCI_VERSION);
    jw_open(&w, "hooks", '[');
    for (int k = 0; k < OCI_HOOK__COUNT; k++)
        jw_str(&w, NULL, oci_hook_kind_name((enum oci_hook_kind) k));
    jw_close(&w, ']');
    add_mount_options(&w);
    add_linux(&w);
    /* runc 1.4's key: annotations that change what the runtime does. tinyrun acts on quick
     * mode's only (stop's --rm, the CNI hook's ports and config dir: src/quick/quick.h). */
    jw_open(&w, "potentiallyUnsafeConfigAnnotations", '[');
    jw_str(&w, NULL, "org.tinyrun.quick.");
    jw_close(&w, ']');
    jw_open(&w, "annotations", '{');
    jw_str(&w, "io.github.tinyrun.version", PACKAGE_VERSION);
    /* runc's key is org.opencontainers.runc.checkpoint.enabled; ours says whether criu is there. */
    jw_str(&w, "io.github.tinyrun.checkpoint.enabled",
           criu_found(ctx ? criu_binary(ctx) : "criu") ? "true" : "false");
#ifdef HAVE_SECCOMP
    const struct scmp_version *v = seccomp_version();
    char ver[48];
    snprintf(ver, sizeof ver, "%u.%u.%u", v->major, v->minor, v->micro);
    jw_str(&w, "io.github.seccomp.libseccomp.version", ver);
#endif
    jw_close(&w, '}');
    jw_close(&w, '}');
    if (w.depth != 0) {
        free(w.buf);
        return tr_failx(err, "features: internal error: unbalanced JSON"), NULL;
    }
    return w.buf;
}
