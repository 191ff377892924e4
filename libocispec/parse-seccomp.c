/* Tables for linux.seccomp. Actions and comparison operators are checked here; architectures
 * and flags stay strings (the seccomp module knows what libseccomp and the kernel accept). */
#include <config.h>
#include "parse-internal.h"

static const char *const seccomp_actions[] = {
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", NULL,
};
static const char *const seccomp_ops[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ", NULL,
};

static const struct oci_field arg_fields[] = {
    FN(struct oci_seccomp_arg, "index", K_U32, index, F_REQUIRED),
    FN(struct oci_seccomp_arg, "value", K_U64, value, F_REQUIRED),
    FN(struct oci_seccomp_arg, "valueTwo", K_U64, value_two, 0),
    FE(struct oci_seccomp_arg, "op", op, F_REQUIRED, seccomp_ops, "seccomp operator"),
};
static TYPE(arg_type, struct oci_seccomp_arg, arg_fields, NULL);

static int syscall_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_seccomp_syscall *s = obj;
    if (s->names_len == 0)
        return oci_perr_key(c, "names", "must list at least one syscall");
    return 0;
}

static const struct oci_field syscall_fields[] = {
    FVR(struct oci_seccomp_syscall, "names", names),
    FE(struct oci_seccomp_syscall, "action", action, F_REQUIRED, seccomp_actions, "seccomp action"),
    FNH(struct oci_seccomp_syscall, "errnoRet", K_U32, errno_ret),
    FA(struct oci_seccomp_syscall, "args", args, arg_type),
};
static TYPE(syscall_type, struct oci_seccomp_syscall, syscall_fields, syscall_check);

static const struct oci_field seccomp_fields[] = {
    FE(struct oci_seccomp, "defaultAction", default_action, F_REQUIRED, seccomp_actions, "seccomp action"),
    FNH(struct oci_seccomp, "defaultErrnoRet", K_U32, default_errno_ret),
    FV(struct oci_seccomp, "architectures", architectures),
    FV(struct oci_seccomp, "flags", flags),
    FS(struct oci_seccomp, "listenerPath", listener_path, 0),
    FS(struct oci_seccomp, "listenerMetadata", listener_metadata, 0),
    FA(struct oci_seccomp, "syscalls", syscalls, syscall_type),
};
TYPE(oci_seccomp_type, struct oci_seccomp, seccomp_fields, NULL);
