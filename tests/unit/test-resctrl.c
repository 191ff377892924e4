/* resctrl.c against a temporary directory laid out like /sys/fs/resctrl (info/L3, info/MB,
 * info/L3_MON, schemata, tasks, a shared group with mon_groups/): no RDT hardware needed. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "resctrl.h"
#include "tap.h"
#include "util.h"

static char root[] = "/tmp/test-resctrl-XXXXXX";

static char *slurp(const char *rel)
{
    struct tr_err e;
    size_t n;
    _cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
    char *s = read_file(p, &n, &e);
    return s ? s : xstrdup("(missing)");
}

static void mk(const char *rel)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
    mkdir(p, 0755);
}

static bool exists(const char *rel)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
    return access(p, F_OK) == 0;
}

/* The kernel's files vanish with their group; the fake's must go before rmdir. */
static void drop_files(const char *rel)
{
    static const char *files[] = { "schemata", "tasks" };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s/%s", root, rel, files[i]);
        unlink(p);
    }
}

int main(void)
{
    struct tr_err err = { 0 };
    if (!mkdtemp(root))
        return perror("mkdtemp"), 1;
    struct oci_intel_rdt r = { .present = true, .l3_cache_schema = "L3:0=ff", .mem_bw_schema = "MB:0=70" };

    ok(resctrl_check(root, &r, &err) < 0 && strstr(err.msg, "linux.intelRdt: resctrl is not mounted at"),
       "no info/: not mounted (%s)", err.msg);
    mk("info");
    ok(resctrl_check(root, &r, &err) < 0 && strstr(err.msg, "linux.intelRdt.l3CacheSchema"),
       "no info/L3: l3CacheSchema refused (%s)", err.msg);
    mk("info/L3");
    ok(resctrl_check(root, &r, &err) < 0 && strstr(err.msg, "linux.intelRdt.memBwSchema"),
       "no info/MB: memBwSchema refused (%s)", err.msg);
    mk("info/MB");
    ok(resctrl_check(root, &r, &err) == 0, "L3 and MB present: accepted");
    struct oci_intel_rdt bad = { .present = true, .clos_id = "../x" };
    ok(resctrl_check(root, &bad, &err) < 0 && strstr(err.msg, "closID"), "closID with a slash refused");
    struct oci_intel_rdt mon = { .present = true, .enable_monitoring = true };
    ok(resctrl_check(root, &mon, &err) < 0 && strstr(err.msg, "enableMonitoring"), "no info/L3_MON: monitoring refused");
    mk("info/L3_MON");

    /* no closID: the container's own group, created, schemata and tasks written, removed */
    ok(resctrl_apply(root, &r, "ctr1", 4242, &err) == 0, "apply to a new group");
    _cleanup_free_ char *sch = slurp("ctr1/schemata"), *tasks = slurp("ctr1/tasks");
    is_str(sch, "L3:0=ff\nMB:0=70\n", "schemata: l3CacheSchema then memBwSchema lines");
    is_str(tasks, "4242", "the init's pid in tasks");
    ok(resctrl_update(root, &r, "ctr1", "L3:0=f", NULL, &err) == 0, "update --l3-cache-schema");
    _cleanup_free_ char *sch2 = slurp("ctr1/schemata");
    ok(strstr(sch2, "L3:0=f\n") != NULL, "update wrote the new L3 line");
    drop_files("ctr1");
    ok(resctrl_remove(root, &r, "ctr1", &err) == 0 && !exists("ctr1"), "delete removes the container's own group");

    /* closID: an existing shared group is joined, the schemata lines written, never removed */
    mk("shared");
    mk("shared/mon_groups");
    char *lines[] = { "L3:0=3", "MB:0=50" };
    struct oci_intel_rdt s = { .present = true, .clos_id = "shared", .schemata = lines, .schemata_len = 2,
                               .enable_monitoring = true };
    ok(resctrl_check(root, &s, &err) == 0 && resctrl_apply(root, &s, "ctr2", 77, &err) == 0, "join closID group");
    _cleanup_free_ char *sch3 = slurp("shared/schemata"), *t3 = slurp("shared/tasks"), *mt = slurp("shared/mon_groups/ctr2/tasks");
    is_str(sch3, "L3:0=3\nMB:0=50\n", "schemata[] lines written as they are");
    is_str(t3, "77", "pid in the shared group's tasks");
    is_str(mt, "77", "enableMonitoring: pid in mon_groups/<id>/tasks");
    drop_files("shared/mon_groups/ctr2");
    ok(resctrl_remove(root, &s, "ctr2", &err) == 0 && !exists("shared/mon_groups/ctr2") && exists("shared"),
       "delete removes the monitoring group, keeps the closID group");

    struct oci_intel_rdt none = { 0 };
    ok(resctrl_update(root, &none, "ctr3", "L3:0=1", NULL, &err) < 0 && strstr(err.msg, "no linux.intelRdt"),
       "update of a container without intelRdt refused (%s)", err.msg);
    ok(resctrl_update(root, &r, "gone", NULL, "MB:0=10", &err) < 0 && strstr(err.msg, "is gone"),
       "update of a missing group refused");
    ok(resctrl_apply(root, &none, "x", 1, &err) == 0 && !exists("x"), "no intelRdt: nothing made");

    _cleanup_free_ char *cmd = xasprintf("rm -rf %s", root);
    (void) !system(cmd);
    return done_testing();
}
