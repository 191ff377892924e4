/* --disable-seccomp: no libseccomp to compile linux.seccomp with, so a config that asks for a
 * filter is refused (never run unfiltered); without linux.seccomp everything is as usual. */
#include "config.h"
#include "seccomp-profile.h"

int seccomp_compile(const struct oci_seccomp *s, const char *json_prefix,
                    struct seccomp_plan **out, struct tr_err *err)
{
    *out = NULL;
    if (!s)
        return 0;
    return tr_failx(err, "%s: this tinyrun was built without libseccomp (configure "
                    "--disable-seccomp); remove linux.seccomp from config.json or use a build "
                    "with seccomp", json_prefix ? json_prefix : "linux.seccomp");
}

/* Nothing is compiled, so nothing is cached. */
void seccomp_set_cache_dir(const char *dir)
{
    (void) dir;
}
