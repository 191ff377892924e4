/* Tables for "process": config.json's process and the whole of `exec --process FILE`. */
#include <config.h>
#include <stdlib.h>
#include "parse-internal.h"

static const struct oci_field user_fields[] = {
    FN(struct oci_user, "uid", K_U32, uid, F_REQUIRED),
    FN(struct oci_user, "gid", K_U32, gid, F_REQUIRED),
    FNH(struct oci_user, "umask", K_U32, umask),
    FU32V(struct oci_user, "additionalGids", additional_gids),
    FS(struct oci_user, "username", username, 0),
};
/* (uid_t) -1 tells setresuid/setresgid "unchanged": the process would stay root (setgroups
 * refuses -1 itself, so additionalGids need no check). umask() would keep only the low 9 bits. */
static int user_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_user *u = obj;
    static const char why[] = "4294967295 means \"unchanged\" to setresuid/setresgid";
    if (oci_urange(c, "uid", u->uid, OCI_ID_MAX, why) < 0 || oci_urange(c, "gid", u->gid, OCI_ID_MAX, why) < 0)
        return -1;
    if (u->has_umask && oci_urange(c, "umask", u->umask, 0777, "permission bits, at most 0777 = 511") < 0)
        return -1;
    return 0;
}
static TYPE(user_type, struct oci_user, user_fields, user_check);

static const struct oci_field console_fields[] = {
    FN(struct oci_console_size, "height", K_U32, height, F_REQUIRED),
    FN(struct oci_console_size, "width", K_U32, width, F_REQUIRED),
};
/* struct winsize has unsigned short rows and columns: 65536 would become 0. */
static int console_check(struct oci_pctx *c, const void *obj)
{
    const struct oci_console_size *s = obj;
    if (oci_urange(c, "height", s->height, UINT16_MAX, "a terminal size is 16 bits") < 0)
        return -1;
    return oci_urange(c, "width", s->width, UINT16_MAX, "a terminal size is 16 bits");
}
static TYPE(console_type, struct oci_console_size, console_fields, console_check);

static const struct oci_field caps_fields[] = {
    FV(struct oci_capabilities, "bounding", bounding),
    FV(struct oci_capabilities, "effective", effective),
    FV(struct oci_capabilities, "inheritable", inheritable),
    FV(struct oci_capabilities, "permitted", permitted),
    FV(struct oci_capabilities, "ambient", ambient),
};
static TYPE(caps_type, struct oci_capabilities, caps_fields, NULL);

static const struct oci_field rlimit_fields[] = {
    FS(struct oci_rlimit, "type", type, F_REQUIRED),
    FN(struct oci_rlimit, "hard", K_U64, hard, F_REQUIRED),
    FN(struct oci_rlimit, "soft", K_U64, soft, F_REQUIRED),
};
static TYPE(rlimit_type, struct oci_rlimit, rlimit_fields, NULL);

static const char *const ioprio_classes[] = { "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL };
static const struct oci_field ioprio_fields[] = {
    FE(struct oci_io_priority, "class", class_, F_REQUIRED, ioprio_classes, "ioPriority class"),
    FN(struct oci_io_priority, "priority", K_I32, priority, 0),
};
static TYPE(ioprio_type, struct oci_io_priority, ioprio_fields, NULL);

static const char *const sched_policies[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE",
    "SCHED_DEADLINE", NULL,
};
static const char *const sched_flags[] = {
    "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
    "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};
static const struct oci_field sched_fields[] = {
    FE(struct oci_scheduler, "policy", policy, F_REQUIRED, sched_policies, "scheduler policy"),
    FNH(struct oci_scheduler, "nice", K_I32, nice),
    FNH(struct oci_scheduler, "priority", K_I32, priority),
    FVE(struct oci_scheduler, "flags", flags, sched_flags, "scheduler flag"),
    FNH(struct oci_scheduler, "runtime", K_U64, runtime),
    FNH(struct oci_scheduler, "deadline", K_U64, deadline),
    FNH(struct oci_scheduler, "period", K_U64, period),
};
static TYPE(sched_type, struct oci_scheduler, sched_fields, NULL);

/* execCPUAffinity's two members live directly in struct oci_process. */
static const struct oci_field affinity_fields[] = {
    FS(struct oci_process, "initial", exec_cpu_affinity_initial, 0),
    FS(struct oci_process, "final", exec_cpu_affinity_final, 0),
};
static TYPE(affinity_type, struct oci_process, affinity_fields, NULL);

static const struct oci_field process_fields[] = {
    FB(struct oci_process, "terminal", terminal, 0),
    FIH(struct oci_process, "consoleSize", console_size, console_type),
    FI(struct oci_process, "user", user, user_type, 0),
    FVR(struct oci_process, "args", args),
    FS(struct oci_process, "commandLine", command_line, 0),
    FV(struct oci_process, "env", env),
    /* required for create (oci_validate); an exec process.json may leave it out as runc allows */
    FS(struct oci_process, "cwd", cwd, 0),
    FO(struct oci_process, "capabilities", capabilities, caps_type),
    FA(struct oci_process, "rlimits", rlimits, rlimit_type),
    FB(struct oci_process, "noNewPrivileges", no_new_privileges, 0),
    FS(struct oci_process, "apparmorProfile", apparmor_profile, 0),
    FNH(struct oci_process, "oomScoreAdj", K_I32, oom_score_adj),
    FS(struct oci_process, "selinuxLabel", selinux_label, 0),
    FO(struct oci_process, "ioPriority", io_priority, ioprio_type),
    FO(struct oci_process, "scheduler", scheduler, sched_type),
    FI0("execCPUAffinity", affinity_type),
};
TYPE(oci_process_type, struct oci_process, process_fields, NULL);

struct oci_process *oci_parse_process(const char *json, size_t len, const char *origin, struct tr_err *err)
{
    return oci_parse_document(&oci_process_type, json, len, origin, err);
}

void oci_process_free(struct oci_process *p)
{
    oci_free_object(&oci_process_type, p);
    free(p);
}
