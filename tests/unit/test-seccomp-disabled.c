/* A --disable-seccomp build: linux.seccomp is refused with an error that says why, and a
 * config without it needs no filter. */
#include "config.h"
#include <string.h>
#include "seccomp-profile.h"
#include "spec.h"
#include "tap.h"

int main(void)
{
    struct tr_err err = { 0 };
    struct seccomp_plan *p = (struct seccomp_plan *) &err;
    ok(seccomp_compile(NULL, "linux.seccomp", &p, &err) == 0 && p == NULL, "no linux.seccomp: no plan");
    struct oci_seccomp s = { .default_action = (char *) "SCMP_ACT_ALLOW" };
    ok(seccomp_compile(&s, "linux.seccomp", &p, &err) < 0 && p == NULL, "linux.seccomp refused");
    is_str(err.msg, "linux.seccomp: this tinyrun was built without libseccomp (configure "
           "--disable-seccomp); remove linux.seccomp from config.json or use a build with seccomp",
           "the error says why and what to do");
    ok(!seccomp_plan_uses_notify(NULL), "no plan uses no listener");
    return done_testing();
}
