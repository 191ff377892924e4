/* linux.netDevices (runtime-spec 1.2): host network interfaces moved into the container's
 * network namespace (renamed to "name" when given) with their addresses and up state, and
 * moved back to the host's on delete or on a failed create. */
#ifndef TINYRUN_NETDEVICES_H
#define TINYRUN_NETDEVICES_H
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

/* Before anything is made: a network namespace that is not the host's, not rootless, every
 * device present on the host, valid and distinct names. */
int netdevices_check(const struct oci_spec *s, bool rootless, struct tr_err *err);
/* Runtime side, after clone: into the namespace of pid. On failure, the devices already moved
 * are moved back. */
int netdevices_move_in(const struct oci_spec *s, pid_t pid, struct tr_err *err);
/* Back to the runtime's network namespace from pid's (pid <= 0: the namespace path of the
 * config, if any; without either, the namespace is gone and the kernel has already returned
 * physical devices to the host and destroyed virtual ones). Best effort: warns and goes on. */
void netdevices_move_out(const struct oci_spec *s, pid_t pid);

#endif
