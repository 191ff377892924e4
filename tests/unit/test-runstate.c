/* src/lib/runstate.c: tinyrun's private state.json (the runtime's format, read through
 * libocispec's hostile-input gate). */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runstate.h"
#include "util.h"
#include "tap.h"

/* tap.h's is_str() declares a variable that shadows the one inside ok(): use a local one. */
#define is_s(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
    int m_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; ok(m_, __VA_ARGS__); \
    if (!m_) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)

/* The private state file: a round trip, and hostile contents refused without a crash. */
static void test_runstate(void)
{
    struct tr_err err = { 0 };
    struct oci_runstate in = { .id = "c1", .pid = 7, .start_time = 123456789012ull, .bundle = "/b", .cgroup = "x",
                               .no_new_keyring = true };
    char *j = oci_runstate_to_json(&in);
    struct oci_runstate *out = oci_runstate_parse(j, "state.json", &err);
    ok(out && streq(out->id, "c1") && out->pid == 7 && out->start_time == 123456789012ull && out->no_new_keyring &&
       !out->systemd && streq(out->cgroup, "x"), "runstate round trip");
    oci_runstate_free(out);
    free(j);
    size_t n = 500000;
    char *deep = xmalloc(n * 2 + 16);
    strcpy(deep, "{\"x\":");
    memset(deep + 5, '[', n);
    memset(deep + 5 + n, ']', n);
    strcpy(deep + 5 + 2 * n, "}");
    ok(oci_runstate_parse(deep, "state.json", &err) == NULL, "deep state.json refused");
    is_s(err.msg, "state.json: corrupt state file (x[0][0][0][0][0][0][0]...: nested deeper than 64 levels of arrays "
         "and objects (the limit)); remove the container with delete --force", "deep state.json message");
    free(deep);
    ok(oci_runstate_parse("{\"id\":\"a\\u0000b\"}", "state.json", &err) == NULL, "NUL in state.json refused");
    is_s(err.msg, "state.json: corrupt state file (id: string contains a NUL byte (\\u0000); NUL cannot be passed on, "
         "remove it); remove the container with delete --force", "NUL message");
    ok(oci_runstate_parse("{\"id\":", "state.json", &err) == NULL, "truncated state.json refused");
    is_s(err.msg, "state.json: corrupt state file (invalid JSON at line 1: premature EOF); remove the container with "
         "delete --force", "truncated message");
}

int main(void)
{
    test_runstate();
    return done_testing();
}
