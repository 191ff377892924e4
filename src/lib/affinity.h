/* process.execCPUAffinity (runtime-spec 1.2) and the affinity every container process starts
 * with. As runc 1.2+: a restricted affinity the runtime inherited (systemd CPUAffinity=,
 * taskset around the caller) is not the container's business, so a process whose config says
 * nothing is reset to every CPU (the kernel keeps it within the cgroup's cpuset). The spec
 * makes execCPUAffinity apply to exec'd processes only, never to the init. */
#ifndef TINYRUN_AFFINITY_H
#define TINYRUN_AFFINITY_H
#include <sched.h>
#include <stdbool.h>
#include "error.h"
#include "spec.h"

/* Both lists well formed ("0-3,7"), with the JSON path in the error. */
int affinity_validate(const struct oci_process *p, struct tr_err *err);
/* Runtime (exec), around clone: execCPUAffinity.initial for the runtime while the child is
 * born and joins the container; *saved keeps the runtime's own for affinity_restore.
 * *changed false: nothing was set. */
int affinity_enter_initial(const struct oci_process *p, cpu_set_t *saved, bool *changed, struct tr_err *err);
void affinity_restore(const cpu_set_t *saved, bool changed);
/* Child, just before execve: execCPUAffinity.final; with neither member (or for the init,
 * exec_fields false) every CPU; initial alone: kept as it is. */
int affinity_apply_final(const struct oci_process *p, bool exec_fields, struct tr_err *err);

#endif
