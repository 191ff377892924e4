/* A program outside the runtime using libocispec: it includes only spec.h (no tinyrun helper),
 * is compiled without src/lib on its include path and linked with libocispec, src/base and yajl
 * alone (spec.am). It loads each fixture as a bundle's config.json with oci_load, the way a
 * tool that checks bundles would. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "spec.h"
#include "tap.h"

/* Copy fixture `name` to <bundle>/config.json; 0 or -1 (reported through ok()). */
static int install_config(const char *bundle, const char *name)
{
    const char *srcdir = getenv("srcdir");
    char from[4096], to[4096], buf[65536];
    snprintf(from, sizeof from, "%s/tests/unit/fixtures/spec/%s", srcdir ? srcdir : ".", name);
    snprintf(to, sizeof to, "%s/config.json", bundle);
    FILE *in = fopen(from, "r"), *out = fopen(to, "w");
    size_t n, total = 0;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        total += fwrite(buf, 1, n, out);
    int failed = !in || !out || ferror(in) || total == 0;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        failed = 1;
    return failed ? -1 : 0;
}

static void check_good(const char *bundle, const char *name)
{
    struct tr_err err = { 0 };
    ok(install_config(bundle, name) == 0, "%s copied into the bundle", name);
    struct oci_spec *spec = oci_load(bundle, &err);
    ok(spec != NULL, "%s loads and validates %s", name, spec ? "" : err.msg);
    ok(spec && spec->process && spec->process->args_len > 0 && spec->root_path,
       "%s: process.args and root.path are there", name);
    oci_free(spec);
}

static void check_bad(const char *bundle, const char *name, const char *want_prefix)
{
    struct tr_err err = { 0 };
    ok(install_config(bundle, name) == 0, "%s copied into the bundle", name);
    struct oci_spec *spec = oci_load(bundle, &err);
    ok(spec == NULL, "%s refused", name);
    ok(strchr(err.msg, '\n') == NULL && strncmp(err.msg, want_prefix, strlen(want_prefix)) == 0,
       "%s: one line starting \"%s\": %s", name, want_prefix, err.msg);
    oci_free(spec);
}

int main(void)
{
    char bundle[] = "/tmp/ocispec-standalone.XXXXXX";
    ok(mkdtemp(bundle) != NULL, "temporary bundle");
    check_good(bundle, "full.json");
    check_good(bundle, "nerdctl.json");
    check_bad(bundle, "bad-syntax.json", "config.json: invalid JSON at line 5: ");
    check_bad(bundle, "bad-types.json", "config.json: process.user.uid: ");
    check_bad(bundle, "bad-namespace.json", "config.json: linux.namespaces[2].type: ");
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", bundle);
    unlink(path);
    ok(rmdir(bundle) == 0, "bundle removed");
    return done_testing();
}
