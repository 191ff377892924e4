/* linux.timeOffsets and a new time namespace. A time namespace made by unshare(CLONE_NEWTIME)
 * is entered by the CHILDREN of the unsharer and by the unsharer itself at its next execve
 * (Linux 5.18+); its offsets can be written only until the first process is in it. A clone
 * with CLONE_NEWTIME would put the init in it at once, offsets frozen at zero: so the init is
 * cloned without it (namespaces.c: late_timens), unshares, writes the offsets, and enters the
 * namespace at execve. Everything the init forks in between (hooks) is in it already. */
#ifndef TINYRUN_TIMENS_H
#define TINYRUN_TIMENS_H
#include <stddef.h>
#include "error.h"
#include "spec.h"

/* "monotonic 86400 0": one line of /proc/self/timens_offsets. Returns the length, or -1 if
 * it does not fit in len. */
int timens_offset_line(const struct oci_time_offset *o, char *buf, size_t len);

/* Child (the init), first thing after clone: unshare the time namespace and write
 * linux.timeOffsets through the private procfs. Still dumpable in a new user namespace
 * (spawn_child_prologue), so that its own /proc files are its own to write. */
int timens_unshare(const struct oci_linux *l, struct tr_err *err);

#endif
