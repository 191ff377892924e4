/* The pure parts of the runtime-spec 1.3 process fields: the CPU/node list parser
 * (memoryPolicy.nodes, execCPUAffinity), memoryPolicy validation by JSON path, the timens
 * offset line, the version rule of poststart. No root, no NUMA needed. */
#include "config.h"
#include <limits.h>
#include <stdlib.h>
#include "affinity.h"
#include "cpulist.h"
#include "mempolicy.h"
#include "tap.h"
#include "timens.h"

#define BITS 128
#define LB (sizeof(unsigned long) * CHAR_BIT)

static int bit(const unsigned long *m, int i) { return (int) (m[i / LB] >> (i % LB) & 1); }

static void test_cpulist(void)
{
    unsigned long m[BITS / LB];
    const char *why = NULL;
    ok(cpulist_parse("0-3,5", m, BITS, &why) == 0 && bit(m, 0) && bit(m, 3) && !bit(m, 4) && bit(m, 5),
       "\"0-3,5\" is 0..3 and 5");
    ok(cpulist_parse("", m, BITS, &why) == 0 && m[0] == 0 && m[1] == 0, "\"\" is the empty set");
    ok(cpulist_parse("127", m, BITS, &why) == 0 && bit(m, 127), "the last bit");
    const char *bad[] = { "128", "3-1", "0-", "-1", "0,", "a", "0;1", " 0", "1,,2" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ok(cpulist_parse(bad[i], m, BITS, &why) < 0 && why, "\"%s\" refused (%s)", bad[i], why ? why : "");
}

static void test_mempolicy(void)
{
    struct tr_err err = { 0 };
    char *flags_static_relative[] = { "MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES" };
    char *flag_bad[] = { "MPOL_F_LOUD" };
    struct oci_memory_policy mp = { .mode = "MPOL_BIND", .nodes = "0" };
    ok(mempolicy_validate(&mp, &err) == 0, "MPOL_BIND 0 is valid: %s", err.msg);
    mp.nodes = NULL;
    ok(mempolicy_validate(&mp, &err) < 0 && strstr(err.msg, "linux.memoryPolicy.nodes: MPOL_BIND needs"),
       "MPOL_BIND without nodes: %s", err.msg);
    mp = (struct oci_memory_policy) { .mode = "MPOL_LOCAL", .nodes = "0" };
    ok(mempolicy_validate(&mp, &err) < 0 && strstr(err.msg, "takes no nodes"), "MPOL_LOCAL with nodes: %s", err.msg);
    mp = (struct oci_memory_policy) { .mode = "MPOL_SOMETIMES" };
    ok(mempolicy_validate(&mp, &err) < 0 && strstr(err.msg, "linux.memoryPolicy.mode"), "unknown mode: %s", err.msg);
    mp = (struct oci_memory_policy) { .mode = "MPOL_BIND", .nodes = "0", .flags = flag_bad, .flags_len = 1 };
    ok(mempolicy_validate(&mp, &err) < 0 && strstr(err.msg, "linux.memoryPolicy.flags[0]"), "unknown flag: %s", err.msg);
    mp = (struct oci_memory_policy) { .mode = "MPOL_BIND", .nodes = "0", .flags = flags_static_relative, .flags_len = 2 };
    ok(mempolicy_validate(&mp, &err) < 0 && strstr(err.msg, "exclude each other"), "static + relative: %s", err.msg);
    mp = (struct oci_memory_policy) { .mode = "MPOL_INTERLEAVE", .nodes = "0-" };
    ok(mempolicy_validate(&mp, &err) < 0 && strstr(err.msg, "\"0-\""), "bad list: %s", err.msg);
    const char *names[16];
    ok(mempolicy_names(false, names, 16) == 7 && !strcmp(names[6], "MPOL_WEIGHTED_INTERLEAVE"), "7 modes");
    ok(mempolicy_names(true, names, 16) == 3, "3 flags");
}

static void test_affinity_and_timens(void)
{
    struct tr_err err = { 0 };
    struct oci_process p = { .exec_cpu_affinity_initial = "0", .exec_cpu_affinity_final = "0-1" };
    ok(affinity_validate(&p, &err) == 0, "initial 0, final 0-1: %s", err.msg);
    p.exec_cpu_affinity_final = "1-0";
    ok(affinity_validate(&p, &err) < 0 && strstr(err.msg, "process.execCPUAffinity.final"), "%s", err.msg);
    char line[64];
    struct oci_time_offset o = { .clock = "boottime", .secs = -5, .nanosecs = 7 };
    ok(timens_offset_line(&o, line, sizeof line) > 0 && !strcmp(line, "boottime -5 7"), "offset line: %s", line);
    ok(timens_offset_line(&o, line, 4) < 0, "offset line too long for its buffer");
}

static void test_version(void)
{
    struct oci_spec s = { .oci_version = "1.3.0" };
    ok(oci_version_at_least(&s, 1, 3), "1.3.0 >= 1.3");
    s.oci_version = "1.2.1";
    ok(!oci_version_at_least(&s, 1, 3), "1.2.1 < 1.3");
    s.oci_version = "1.10.0-rc.1";
    ok(oci_version_at_least(&s, 1, 3), "1.10.0-rc.1 >= 1.3");
    s.oci_version = "2.0";
    ok(oci_version_at_least(&s, 1, 3), "2.0 >= 1.3");
    s.oci_version = "x";
    ok(!oci_version_at_least(&s, 1, 3), "garbage is old");
}

int main(void)
{
    test_cpulist();
    test_mempolicy();
    test_affinity_and_timens();
    test_version();
    return done_testing();
}
