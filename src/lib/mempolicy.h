/* linux.memoryPolicy (runtime-spec 1.3): set_mempolicy(2) for the container's processes. The
 * policy is per thread, inherited over fork and kept over execve: the init and every exec'd
 * process set it just before execve, after the runtime's own allocations. */
#ifndef TINYRUN_MEMPOLICY_H
#define TINYRUN_MEMPOLICY_H
#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "spec.h"

/* Parent, at create: mode and flags known, nodes well formed and present on this host (unless
 * MPOL_F_RELATIVE_NODES), a node list exactly where the mode needs one. */
int mempolicy_validate(const struct oci_memory_policy *mp, struct tr_err *err);
/* The mode (flags false) or flag names this build knows, for `features`: up to cap into out;
 * returns how many. */
size_t mempolicy_names(bool flags, const char **out, size_t cap);
/* Child: set_mempolicy. NULL: nothing to do. */
int mempolicy_apply(const struct oci_memory_policy *mp, struct tr_err *err);

#endif
