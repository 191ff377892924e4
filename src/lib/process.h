/* The last steps every container process takes before execve, shared by the init (create) and
 * by processes joining a running container (exec): rlimits, cwd, seccomp, user switch,
 * capabilities, no_new_privs, fds, and the PATH lookup of process.args[0]. */
#ifndef TINYRUN_PROCESS_H
#define TINYRUN_PROCESS_H
#include <stdbool.h>
#include "caps.h"
#include "error.h"
#include "seccomp.h"
#include "spec.h"

struct proc_ctx {
    const struct oci_process *proc;
    const struct caps_plan *caps;
    const struct seccomp_plan *seccomp;   /* NULL: no filter */
    int sock;                 /* spawn channel, for the seccomp listener hand-off */
    int preserve_fds;         /* fds 3 .. 3+n-1 reach the process */
    bool rootless;            /* setgroups may be denied in our user namespace */
};

/* Finds the executable for process.args[0] with the PATH of process.env (checked before
 * the container is reported created, so a typo fails `create`, not `start`). */
char *proc_find_executable(const struct oci_process *p, struct tr_err *err);
int proc_apply_rlimits(const struct oci_process *p, struct tr_err *err);
/* Seccomp (early when noNewPrivileges is false: it needs CAP_SYS_ADMIN), cwd (still
 * privileged; again after the user switch if that was refused), groups, gid, uid,
 * capabilities, no_new_privs, seccomp (late when noNewPrivileges is true), umask, fds. */
int proc_drop_privileges(const struct proc_ctx *pc, struct tr_err *err);
/* execve; on failure writes one line on stderr and _exit(127) (the runtime is gone by then). */
__attribute__((noreturn)) void proc_execve(const char *path, const struct oci_process *p);

#endif
