/* Seccomp: linux.seccomp compiled to BPF in the parent (libseccomp), loaded in the child.
 * SCMP_ACT_NOTIFY: the child loads with NEW_LISTENER and hands the listener fd NUMBER to the
 * parent, which takes it with pidfd_getfd() and sends it to listenerPath (see init.c). */
#ifndef TINYRUN_SECCOMP_PROFILE_H
#define TINYRUN_SECCOMP_PROFILE_H
#include <stdbool.h>
#include <stddef.h>
#include "error.h"
#include "spec.h"

struct seccomp_plan;  /* opaque; survives fork (plain memory) */

/* NULL spec -> *out = NULL (no filter). json_prefix: "linux.seccomp". */
int seccomp_compile(const struct oci_seccomp *s, const char *json_prefix,
                    struct seccomp_plan **out, struct tr_err *err);
/* Optional: keep compiled programs in dir (created 0700 when needed; it must be writable only
 * by the runtime's user, e.g. <root>/seccomp-cache) so the same profile skips libseccomp next
 * time. NULL (the default) disables the cache. */
void seccomp_set_cache_dir(const char *dir);
bool seccomp_plan_uses_notify(const struct seccomp_plan *p);
/* Child: install the filter (TSYNC etc. per flags). Returns the listener fd when the plan uses
 * SCMP_ACT_NOTIFY, 0 when not, -1 on error. Needs no_new_privs or CAP_SYS_ADMIN. */
int seccomp_plan_load(const struct seccomp_plan *p, struct tr_err *err);
void seccomp_plan_free(struct seccomp_plan *p);

/* Parent: connect to listener_path (AF_UNIX, SOCK_STREAM), send ONE sendmsg with the
 * ContainerProcessState JSON and exactly one SCM_RIGHTS fd, close. */
int seccomp_send_to_listener(const char *listener_path, int listener_fd, const char *state_json,
                             struct tr_err *err);

#endif
