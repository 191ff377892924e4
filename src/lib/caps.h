/* Capabilities: names -> bitmasks in the parent (validated, with JSON paths in errors),
 * applied in the child as the last step before execve. */
#ifndef TINYRUN_CAPS_H
#define TINYRUN_CAPS_H
#include <stdbool.h>
#include <stdint.h>
#include "error.h"
#include "spec.h"

struct caps_plan {
    bool present;       /* process.capabilities given; if false: the sets are cleared (runc) */
    uint64_t bounding, effective, permitted, inheritable, ambient;
};

/* json_prefix is e.g. "process.capabilities". Unknown name -> error naming it and its path;
 * a name newer than the running kernel -> dropped with a warning. */
int caps_plan_from_spec(const struct oci_capabilities *c, const char *json_prefix,
                        struct caps_plan *out, struct tr_err *err);
/* Same, with the kernel's last capability given (tests; caps_plan_from_spec passes
 * cap_last_cap()). */
int caps_plan_build(const struct oci_capabilities *c, const char *json_prefix, int last_cap,
                    struct caps_plan *out, struct tr_err *err);
int cap_from_name(const char *name);          /* "CAP_SYS_ADMIN" -> 21, -1 if unknown */
const char *cap_to_name(int cap);             /* 21 -> "CAP_SYS_ADMIN" */
int cap_last_cap(void);                       /* from /proc/sys/kernel/cap_last_cap */

/* Child, before setuid/setgid: keep permitted caps across the uid change. */
int caps_keep_on_setuid(struct tr_err *err);
/* Child, after setuid/setgid: bounding drop, then capset(eff, perm, inh), then ambient. */
int caps_apply(const struct caps_plan *p, struct tr_err *err);

#endif
