/* The runtime-spec state of a container (runtime.md "State"), built in one place for hooks,
 * the seccomp agent and `tinyrun state`: the parent, the init and exec all describe the same
 * container the same way. */
#ifndef TINYRUN_OCI_STATE_H
#define TINYRUN_OCI_STATE_H
#include "spec.h"

/* The state of container id (bundle, spec's ociVersion and annotations) in status with init
 * pid (0: omitted). spec may be NULL (a container whose config is gone): ociVersion defaults
 * and there are no annotations. Pointers are borrowed: the result lives no longer than them. */
struct oci_state oci_state_of(const struct oci_spec *spec, const char *id, const char *bundle,
                              const char *status, int pid);

#endif
