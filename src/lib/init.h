/* The container init: what the cloned child does, from clone to execve, as an ordered table
 * of named steps (init.c). The messages are spawn.h's; the runtime's side is the spawn
 * session (spawn.c) with create.c's handlers. */
#ifndef TINYRUN_INIT_H
#define TINYRUN_INIT_H
#include <stdbool.h>
#include <stddef.h>
#include "caps.h"
#include "cgroup.h"
#include "namespaces.h"
#include "rootfs.h"
#include "seccomp-profile.h"
#include "spec.h"

struct init_args {
    const struct oci_spec *spec;
    const char *id;
    const char *bundle;
    const char *rootfs;
    int sock;                   /* child end of the spawn channel */
    int fifo_fd;                /* O_PATH fd of <state>/exec.fifo */
    struct ns_plan *ns;
    const struct caps_plan *caps;
    const struct seccomp_plan *seccomp;
    const struct cgroup_mount_entry *cgroup_mounts; size_t cgroup_mounts_len;
    struct mount_sources *mount_sources;   /* bind sources opened before a user namespace */
    bool no_pivot;
    bool no_new_keyring;        /* --no-new-keyring: keep the caller's session keyring */
    bool rootless;
    bool in_userns;             /* a new or joined user namespace */
    int preserve_fds;
};

__attribute__((noreturn)) void init_main(const struct init_args *a);

/* What init_main is made of, for tests/unit/test-init-steps.c (which drives the table with a
 * fake sys.h and a fake runtime on the channel). */
struct init_state {
    const struct init_args *a;
    const struct oci_process *proc;
    int host_pid;               /* our pid as the runtime sees it (for hook state JSON) */
    char *exe;                  /* resolved process.args[0] */
    int start_fd;               /* exec.fifo write end once `start` opened it; closes at execve */
};
size_t init_step_count(void);
const char *init_step_name(size_t i);   /* NULL past the end */
/* Runs the steps in order and stops at the first that fails: returns its index (err says
 * why), or init_step_count() when every step ran (s->exe is then what to execve). */
size_t init_run_steps(struct init_state *s, struct tr_err *err);
/* Reports the failure of step `step` where someone listens (ERROR to the runtime before
 * READY; exec.fifo and stderr after) and _exit(1)s. */
__attribute__((noreturn)) void init_report_failure(const struct init_state *s, size_t step,
                                                   const struct tr_err *err);

#endif
