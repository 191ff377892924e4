/* linux.seccomp -> BPF, in the parent, with libseccomp. The child gets plain memory (the
 * program and the load flags) and only calls seccomp(2): no libseccomp after fork. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "seccomp-internal.h"
#include "seccomp-profile.h"
#include "util.h"

#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

#define MAX_ARCHES 24

struct compile_ctx {
    scmp_filter_ctx ctx;
    const char *prefix;
    uint32_t default_action;
    struct seccomp_arch_max arches[MAX_ARCHES];
    size_t n_arches;
    bool notify;
};

static void ctx_releasep(scmp_filter_ctx *c) { if (*c) seccomp_release(*c); }

/* action name + optional errnoRet -> libseccomp action value; `path` names the action key and
 * `errno_path` the errnoRet key in messages. */
static int parse_action(const char *name, bool has_errno, uint32_t errno_ret, const char *path,
                        const char *errno_path, uint32_t *out, struct tr_err *err)
{
    static const struct { const char *name; uint32_t act; } plain[] = {
        { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
        { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
        { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
        { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
        { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
        { "SCMP_ACT_LOG", SCMP_ACT_LOG },
        { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
    };
    if (!name)
        return tr_failx(err, "%s: missing", path);
    bool takes_errno = streq(name, "SCMP_ACT_ERRNO") || streq(name, "SCMP_ACT_TRACE");
    if (has_errno && !takes_errno)
        return tr_failx(err, "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
                        errno_path, name);
    if (has_errno && errno_ret > 0xffff)
        return tr_failx(err, "%s: %u is out of range (0-65535)", errno_path, errno_ret);
    uint32_t e = has_errno ? errno_ret : EPERM;
    if (streq(name, "SCMP_ACT_ERRNO")) {
        *out = SCMP_ACT_ERRNO(e);
        return 0;
    }
    if (streq(name, "SCMP_ACT_TRACE")) {
        *out = SCMP_ACT_TRACE(e);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
        if (streq(plain[i].name, name)) {
            *out = plain[i].act;
            return 0;
        }
    return tr_failx(err, "%s: unknown action \"%s\"", path, name);
}

/* The OCI spelling "SCMP_ARCH_X86_64" -> libseccomp token via its own name table. */
static int add_arch(struct compile_ctx *cc, const char *name, size_t i, struct tr_err *err)
{
    static const char *const known[] = {
        "X86", "X86_64", "X32", "ARM", "AARCH64", "MIPS", "MIPS64", "MIPS64N32", "MIPSEL",
        "MIPSEL64", "MIPSEL64N32", "PPC", "PPC64", "PPC64LE", "S390", "S390X", "PARISC",
        "PARISC64", "RISCV64", "LOONGARCH64", "M68K", "SH", "SHEB",
    };
    const char *suffix = name && strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : NULL;
    bool listed = false;
    for (size_t k = 0; suffix && k < ARRAY_SIZE(known); k++)
        listed |= streq(known[k], suffix);
    if (!listed)
        return tr_failx(err, "%s.architectures[%zu]: unknown architecture \"%s\"", cc->prefix, i,
                        name ? name : "");
    char lower[32];
    size_t n = 0;
    for (; suffix[n] && n < sizeof lower - 1; n++)
        lower[n] = (char) tolower((unsigned char) suffix[n]);
    lower[n] = '\0';
    uint32_t token = seccomp_arch_resolve_name(lower);
    if (token == 0) {
        tr_warn("%s.architectures[%zu]: %s is not supported by this libseccomp; ignored",
                cc->prefix, i, name);
        return 0;
    }
    int r = seccomp_arch_add(cc->ctx, token);
    if (r == -EEXIST)
        return 0;
    if (r < 0)
        return tr_fail(err, -r, "%s.architectures[%zu]: add %s", cc->prefix, i, name);
    if (cc->n_arches < MAX_ARCHES)
        cc->arches[cc->n_arches++] = (struct seccomp_arch_max) { token, -1 };
    return 0;
}

/* seccomp(SET_MODE_FILTER, flags, NULL) fails with EFAULT once the flags were accepted, and
 * with EINVAL when the kernel does not know one: a side-effect-free probe. */
static bool kernel_has_filter_flag(unsigned long flag)
{
    unsigned long probe = flag;
    if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
        probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, probe, NULL) < 0 && errno == EFAULT;
}

static int parse_flags(const struct oci_seccomp *s, const char *prefix, unsigned int *out,
                       struct tr_err *err)
{
    static const struct { const char *name; unsigned long flag; } table[] = {
        { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
        { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
    };
    *out = 0;
    for (size_t i = 0; i < s->flags_len; i++) {
        size_t k = 0;
        while (k < ARRAY_SIZE(table) && !(s->flags[i] && streq(table[k].name, s->flags[i])))
            k++;
        if (k == ARRAY_SIZE(table))
            return tr_failx(err, "%s.flags[%zu]: unknown flag \"%s\"", prefix, i,
                            s->flags[i] ? s->flags[i] : "");
        if (!kernel_has_filter_flag(table[k].flag)) {
            tr_warn("%s.flags[%zu]: %s is not supported by the running kernel; ignored", prefix,
                    i, table[k].name);
            continue;
        }
        *out |= (unsigned int) table[k].flag;
    }
    return 0;
}

static int parse_op(const char *op, enum scmp_compare *out)
{
    static const struct { const char *name; enum scmp_compare op; } table[] = {
        { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
        { "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
        { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
        { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
    };
    for (size_t i = 0; op && i < ARRAY_SIZE(table); i++)
        if (streq(table[i].name, op)) {
            *out = table[i].op;
            return 0;
        }
    return -1;
}

static int parse_args(const struct oci_seccomp_syscall *sc, const char *path,
                      struct scmp_arg_cmp *cmps, bool *split, struct tr_err *err)
{
    unsigned count[6] = { 0 };
    *split = false;
    for (size_t k = 0; k < sc->args_len; k++) {
        const struct oci_seccomp_arg *a = &sc->args[k];
        enum scmp_compare op;
        if (a->index > 5)
            return tr_failx(err, "%s.args[%zu].index: %u is out of range (0-5)", path, k,
                            a->index);
        if (parse_op(a->op, &op) < 0)
            return tr_failx(err, "%s.args[%zu].op: unknown operator \"%s\"", path, k,
                            a->op ? a->op : "");
        /* OCI: for MASKED_EQ "value" is the mask and "valueTwo" the expected value, which is
         * exactly libseccomp's (datum_a, datum_b). */
        cmps[k] = (struct scmp_arg_cmp) { a->index, op, a->value, a->value_two };
        if (++count[a->index] > 1)
            *split = true;
    }
    return 0;
}

static void note_syscall_nr(struct compile_ctx *cc, const char *name)
{
    for (size_t a = 0; a < cc->n_arches; a++) {
        int nr = seccomp_syscall_resolve_name_arch(cc->arches[a].token, name);
        if (nr >= 0 && nr > cc->arches[a].max_nr)
            cc->arches[a].max_nr = nr;
    }
}

/* Several conditions on the same argument cannot be ANDed in one rule by libseccomp; like runc
 * we then add one rule per condition (so they are ORed). */
static int add_rules(struct compile_ctx *cc, const struct oci_seccomp_syscall *sc, size_t i,
                     uint32_t action, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s.syscalls[%zu]", cc->prefix, i);
    _cleanup_free_ struct scmp_arg_cmp *cmps = xzalloc((sc->args_len + 1) * sizeof *cmps);
    bool split;
    if (parse_args(sc, path, cmps, &split, err) < 0)
        return -1;
    for (size_t j = 0; action == SCMP_ACT_NOTIFY && j < sc->names_len; j++)
        if (sc->names[j] && streq(sc->names[j], "write"))
            return tr_failx(err, "%s.names[%zu]: \"write\" cannot use SCMP_ACT_NOTIFY: the "
                            "runtime needs it to hand the listener over", path, j);
    for (size_t j = 0; j < sc->names_len; j++) {
        const char *name = sc->names[j] ? sc->names[j] : "";
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) {
            tr_debug("%s.names[%zu]: unknown syscall \"%s\" ignored", path, j, name);
            continue;
        }
        note_syscall_nr(cc, name);
        if (action == cc->default_action)
            continue;   /* libseccomp refuses such rules; they change nothing anyway */
        int r = 0;
        if (!split)
            r = seccomp_rule_add_array(cc->ctx, action, nr, (unsigned) sc->args_len, cmps);
        for (size_t k = 0; split && k < sc->args_len && r == 0; k++)
            r = seccomp_rule_add_array(cc->ctx, action, nr, 1, &cmps[k]);
        if (r < 0) {
            tr_fail(err, -r, "%s: add rule for \"%s\"", path, name);
            if (action == SCMP_ACT_NOTIFY)
                tr_hint(err, "SCMP_ACT_NOTIFY needs Linux >= 5.0 and libseccomp API level >= 5 "
                        "(this one reports %u)", seccomp_api_get());
            return -1;
        }
    }
    return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct seccomp_plan *p, struct tr_err *err)
{
    _cleanup_close_ int fd = memfd_create("tinyrun-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errno, "memfd_create");
    int r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return tr_fail(err, -r, "seccomp_export_bpf");
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % (off_t) sizeof(struct sock_filter) != 0)
        return tr_failx(err, "seccomp_export_bpf produced %lld bytes", (long long) size);
    p->insns = xmalloc((size_t) size);
    if (pread(fd, p->insns, (size_t) size, 0) != size)
        return tr_fail(err, errno, "read back the seccomp program");
    p->len = (size_t) size / sizeof(struct sock_filter);
    return 0;
}

static int compile_rules(struct compile_ctx *cc, const struct oci_seccomp *s, struct tr_err *err)
{
    for (size_t i = 0; i < s->architectures_len; i++)
        if (add_arch(cc, s->architectures[i], i, err) < 0)
            return -1;
    for (size_t i = 0; i < s->syscalls_len; i++) {
        const struct oci_seccomp_syscall *sc = &s->syscalls[i];
        _cleanup_free_ char *apath = xasprintf("%s.syscalls[%zu].action", cc->prefix, i);
        _cleanup_free_ char *epath = xasprintf("%s.syscalls[%zu].errnoRet", cc->prefix, i);
        uint32_t action;
        if (parse_action(sc->action, sc->has_errno_ret, sc->errno_ret, apath, epath, &action,
                         err) < 0)
            return -1;
        /* runtime-spec: listenerPath MUST be set when SCMP_ACT_NOTIFY is used. */
        if (action == SCMP_ACT_NOTIFY && (!s->listener_path || !*s->listener_path))
            return tr_failx(err, "%s.listenerPath: required when a rule uses SCMP_ACT_NOTIFY",
                            cc->prefix);
        if (action == SCMP_ACT_NOTIFY)
            cc->notify = true;
        if (add_rules(cc, sc, i, action, err) < 0)
            return -1;
    }
    return 0;
}

/* libseccomp's part: rules -> BPF, then our ENOSYS prologue. */
static int compile_program(struct compile_ctx *cc, const struct oci_seccomp *s,
                           struct seccomp_plan *p, struct tr_err *err)
{
    __attribute__((cleanup(ctx_releasep))) scmp_filter_ctx ctx = seccomp_init(cc->default_action);
    if (!ctx)
        return tr_failx(err, "%s.defaultAction: seccomp_init failed (libseccomp rejected the "
                        "action)", cc->prefix);
    cc->ctx = ctx;
    cc->arches[cc->n_arches++] = (struct seccomp_arch_max) { seccomp_arch_native(), -1 };
    if (compile_rules(cc, s, err) < 0 || export_bpf(ctx, p, err) < 0)
        return -1;
    p->notify = cc->notify;
    /* Only when the default denies: with an allowing default a new syscall is allowed anyway. */
    if (cc->default_action != SCMP_ACT_ALLOW && cc->default_action != SCMP_ACT_LOG &&
        seccomp_bpf_prepend_enosys(p, cc->arches, cc->n_arches, err) < 0)
        return -1;
    return 0;
}

int seccomp_compile(const struct oci_seccomp *s, const char *json_prefix,
                    struct seccomp_plan **out, struct tr_err *err)
{
    *out = NULL;
    if (!s)
        return 0;
    struct compile_ctx cc = { .prefix = json_prefix ? json_prefix : "linux.seccomp" };
    _cleanup_free_ char *dpath = xasprintf("%s.defaultAction", cc.prefix);
    _cleanup_free_ char *epath = xasprintf("%s.defaultErrnoRet", cc.prefix);
    if (parse_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret, dpath,
                     epath, &cc.default_action, err) < 0)
        return -1;
    if (cc.default_action == SCMP_ACT_NOTIFY)
        return tr_failx(err, "%s: SCMP_ACT_NOTIFY cannot be the default action: the runtime "
                        "itself could not run after loading the filter", dpath);
    struct seccomp_plan *p = xzalloc(sizeof *p);
    size_t key_len = 0;
    _cleanup_free_ char *key = seccomp_cache_key(s, &key_len);
    if (parse_flags(s, cc.prefix, &p->flags, err) < 0)
        goto fail;
    if (!seccomp_cache_load(key, key_len, p)) {
        if (compile_program(&cc, s, p, err) < 0)
            goto fail;
        seccomp_cache_store(key, key_len, p);
    }
    if (!p->notify)
        p->flags &= ~(unsigned int) SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    *out = p;
    return 0;
fail:
    seccomp_plan_free(p);
    return -1;
}
