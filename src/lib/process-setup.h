/* The last steps every container process takes before execve, shared by the init (create) and
 * by processes joining a running container (exec): rlimits, cwd, user switch, capabilities,
 * no_new_privs, umask, fds, and the PATH lookup of process.args[0]. */
#ifndef TINYRUN_PROCESS_SETUP_H
#define TINYRUN_PROCESS_SETUP_H
#include <stdbool.h>
#include "caps.h"
#include "error.h"
#include "spec.h"

struct proc_ctx {
    const struct oci_process *proc;
    const struct caps_plan *caps;
    int preserve_fds;         /* fds 3 .. 3+n-1 reach the process */
    bool rootless;            /* setgroups may be denied in our user namespace */
};

/* Finds the executable for process.args[0] with the PATH of process.env (checked before
 * the container is reported created, so a typo fails `create`, not `start`). */
char *proc_find_executable(const struct oci_process *p, struct tr_err *err);
int proc_apply_rlimits(const struct oci_process *p, struct tr_err *err);
/* cwd (still privileged; again after the user switch if that was refused), groups, gid, uid,
 * capabilities, no_new_privs. The seccomp filter is a step of its own around this one (the
 * init's and exec's step "load seccomp", spawn_child_seccomp): before it when
 * noNewPrivileges is false (loading needs CAP_SYS_ADMIN then), after it when true. */
int proc_drop_privileges(const struct proc_ctx *pc, struct tr_err *err);
/* Whether the filter is loaded after proc_drop_privileges (noNewPrivileges) or before. */
bool proc_seccomp_after_nnp(const struct oci_process *p);
/* The last step before execve, after seccomp: umask, fds above 3+preserve_fds close on exec. */
int proc_finish(const struct proc_ctx *pc, struct tr_err *err);
/* execve; on failure writes one line on stderr and _exit(127) (the runtime is gone by then). */
__attribute__((noreturn)) void proc_execve(const char *path, const struct oci_process *p);

#endif
