/* OCI hooks: path + args (complete argv) + env (exact), the state JSON on stdin, timeout.
 * Output of a failing hook is included in the error. */
#ifndef TINYRUN_HOOKS_H
#define TINYRUN_HOOKS_H
#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "spec.h"

/* Run hooks[0..n) in order; stop at and report the first failure:
 * "createRuntime hook #0 (/usr/bin/x): exited with status 1: <its stderr, one line>". */
int hooks_run(const struct oci_hook *hooks, size_t n, enum oci_hook_kind kind,
              const char *state_json, struct tr_err *err);
/* Same, but failures are logged as warnings and all hooks run (poststart, poststop). */
void hooks_run_warn(const struct oci_hook *hooks, size_t n, enum oci_hook_kind kind,
                    const char *state_json);
/* Whether create's init stops for the runtime at the hooks point (RUN_HOOKS, then HOOKS_DONE):
 * for prestart and createRuntime, which the runtime runs, and for what the runtime must know
 * has begun (createContainer, and poststop, which a failure from that point on runs). Init and
 * runtime ask the same question of the same config; without any of these hooks neither waits. */
bool hooks_create_exchange(const struct oci_hooks *h);

#endif
