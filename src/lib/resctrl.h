/* linux.intelRdt against the resctrl filesystem (runc's libcontainer/intelrdt semantics). The
 * resctrl root is a parameter ("/sys/fs/resctrl" in the runtime) so that unit tests run on a
 * directory laid out like it (info/L3, info/MB, schemata, tasks, mon_groups/). */
#ifndef TINYRUN_RESCTRL_H
#define TINYRUN_RESCTRL_H
#include <sys/types.h>
#include "error.h"
#include "spec.h"

#define RESCTRL_ROOT "/sys/fs/resctrl"

/* Before anything is made: resctrl mounted at root, and each schema's resource there. */
int resctrl_check(const char *root, const struct oci_intel_rdt *r, struct tr_err *err);
/* The group (closID, else one named after the container: created when missing), its schemata,
 * pid into its tasks; enableMonitoring: mon_groups/<id> with pid too. */
int resctrl_apply(const char *root, const struct oci_intel_rdt *r, const char *id, pid_t pid, struct tr_err *err);
/* update --l3-cache-schema / --mem-bw-schema: rewrite those lines of the group's schemata. */
int resctrl_update(const char *root, const struct oci_intel_rdt *r, const char *id, const char *l3,
                   const char *mb, struct tr_err *err);
/* delete: the monitoring group, and the group itself when it is the container's own (no
 * closID: a closID group is shared, as runc leaves it). Best effort, returns -1 if left. */
int resctrl_remove(const char *root, const struct oci_intel_rdt *r, const char *id, struct tr_err *err);

#endif
