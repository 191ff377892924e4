/* tr_features_json (src/lib/features.c): valid JSON with the runtime-spec keys, and every
 * advertised mount option / seccomp action / arch / namespace / memory policy mode and flag
 * really accepted by our own parsers, so that features cannot drift from what is applied. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "caps.h"
#include "container.h"
#include "rootfs.h"
#include "seccomp-profile.h"
#include "spec.h"
#include "tap.h"
#include "util.h"

static char json_path[] = "/tmp/test-cli-features-XXXXXX";

/* jq -e FILTER on the features file: true when jq exits 0 (filter result truthy). */
static bool jq_true(const char *filter)
{
    _cleanup_free_ char *cmd = xasprintf("jq -e '%s' %s >/dev/null 2>&1", filter, json_path);
    return system(cmd) == 0;
}

/* jq -r FILTER: lines into a NULL-terminated array. */
static char **jq_lines(const char *filter, size_t *n)
{
    _cleanup_free_ char *cmd = xasprintf("jq -r '%s' %s", filter, json_path);
    FILE *f = popen(cmd, "r");
    char **v = NULL, line[256];
    *n = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        v = xrealloc(v, sizeof(char *) * (*n + 2));
        v[(*n)++] = xstrdup(line);
        v[*n] = NULL;
    }
    if (f)
        pclose(f);
    return v;
}

static void free_lines(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void check_keys(void)
{
    ok(jq_true("type == \"object\""), "features JSON is valid and an object");
    ok(jq_true(".ociVersionMin == \"1.0.0\" and .ociVersionMax == \"" OCI_VERSION "\""),
       "ociVersionMin 1.0.0, ociVersionMax " OCI_VERSION);
    ok(jq_true(".hooks == [\"prestart\",\"createRuntime\",\"createContainer\",\"startContainer\","
               "\"poststart\",\"poststop\"]"), "all six hooks");
    ok(jq_true("[\"bind\",\"rbind\",\"ro\",\"rw\",\"nosuid\",\"nodev\",\"noexec\",\"rprivate\","
               "\"rslave\",\"tmpcopyup\"] - .mountOptions == []"), "basic mount options listed");
    ok(jq_true(".linux.namespaces | sort == [\"cgroup\",\"ipc\",\"mount\",\"network\",\"pid\","
               "\"time\",\"user\",\"uts\"]"), "the eight namespaces");
    ok(jq_true(".linux.cgroup.v1 == true and .linux.cgroup.v2 == true and .linux.cgroup.rdma == true"),
       "cgroup v1, v2, rdma");
#ifdef HAVE_SYSTEMD
    ok(jq_true(".linux.cgroup.systemd == true and .linux.cgroup.systemdUser == true"),
       "systemd driver advertised (built with sd-bus)");
#else
    ok(jq_true(".linux.cgroup.systemd == false"), "no systemd driver without sd-bus");
#endif
    ok(jq_true(access("/sys/fs/resctrl/info", F_OK) == 0 ? ".linux.intelRdt.enabled == true" : ".linux.intelRdt.enabled == false"),
       "intelRdt enabled exactly where resctrl is mounted");
    ok(jq_true(".linux.netDevices.enabled == true"), "netDevices enabled (netdevices.c)");
    ok(jq_true(".linux.mountExtensions.idmap.enabled | type == \"boolean\""),
       "mountExtensions.idmap.enabled is a boolean");
    bool apparmor = access("/sys/module/apparmor/parameters/enabled", F_OK) == 0;
    if (!apparmor)
        ok(jq_true(".linux.apparmor.enabled == false"), "apparmor disabled: host has none");
    else
        skip("host has an AppArmor module; enabled depends on its parameter");
    ok(jq_true(".annotations[\"io.github.tinyrun.version\"] == \"" PACKAGE_VERSION "\""),
       "annotation io.github.tinyrun.version");
    int last = cap_last_cap();
    int expected = 0;
    for (int c = 0; c <= last; c++)
        expected += cap_to_name(c) != NULL;
    _cleanup_free_ char *f = xasprintf(".linux.capabilities | length == %d and "
                                       "index(\"CAP_SYS_ADMIN\") != null", expected);
    ok(jq_true(f), "capabilities: %d names (kernel cap_last_cap %d)", expected, last);
}

/* Every advertised option is one our option parser consumes (not passed on as fs data). */
static void check_mount_options(void)
{
    size_t n;
    char **opts = jq_lines(".mountOptions[]", &n);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        struct mount_plan p;
        struct tr_err err;
        char *o = opts[i];
        if (mount_plan_from_options(&o, 1, &p, &err) < 0 || p.data) {
            printf("# not understood by mount_plan_from_options: %s\n", o);
            bad++;
        }
        if (p.data)
            mount_plan_free(&p);
    }
    ok(n > 40 && bad == 0, "all %zu advertised mount options are parsed as options", n);
    ok(jq_true(".mountOptions | index(\"rro\") != null"),
       "rro advertised (mount_setattr available on this kernel)");
    free_lines(opts, n);
}

#ifdef HAVE_SECCOMP
/* Every advertised action is accepted by seccomp_compile in a rule. */
static void check_seccomp(void)
{
    size_t n;
    char **actions = jq_lines(".linux.seccomp.actions[]", &n);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        char *names[] = { (char *) "getppid", NULL };
        struct oci_seccomp_syscall rule = { .names = names, .names_len = 1, .action = actions[i] };
        struct oci_seccomp s = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = &rule,
                                 .syscalls_len = 1 };
        if (streq(actions[i], "SCMP_ACT_NOTIFY"))   /* a NOTIFY rule needs an agent socket */
            s.listener_path = (char *) "/run/test-agent.sock";
        struct seccomp_plan *plan = NULL;
        struct tr_err err = { 0 };
        if (seccomp_compile(&s, "linux.seccomp", &plan, &err) < 0) {
            printf("# %s refused: %s\n", actions[i], err.msg);
            bad++;
        }
        seccomp_plan_free(plan);
    }
    ok(n == 9 && bad == 0, "all %zu advertised seccomp actions compile", n);
    free_lines(actions, n);

    char **archs = jq_lines(".linux.seccomp.archs[]", &n);
    bad = 0;
    for (size_t i = 0; i < n; i++) {
        char *names[] = { (char *) "getppid", NULL };
        char *arch[] = { archs[i], NULL };
        struct oci_seccomp_syscall rule = { .names = names, .names_len = 1,
                                            .action = (char *) "SCMP_ACT_ALLOW" };
        struct oci_seccomp s = { .default_action = (char *) "SCMP_ACT_ALLOW", .syscalls = &rule,
                                 .syscalls_len = 1, .architectures = arch, .architectures_len = 1 };
        struct seccomp_plan *plan = NULL;
        struct tr_err err = { 0 };
        if (seccomp_compile(&s, "linux.seccomp", &plan, &err) < 0) {
            printf("# %s refused: %s\n", archs[i], err.msg);
            bad++;
        }
        seccomp_plan_free(plan);
    }
    ok(n > 0 && bad == 0, "all %zu advertised seccomp archs compile", n);
#if defined(__x86_64__)
    ok(jq_true(".linux.seccomp.archs | index(\"SCMP_ARCH_X86_64\") != null"), "x86_64 listed");
#endif
    free_lines(archs, n);
    ok(jq_true(".linux.seccomp.enabled == true and (.linux.seccomp.operators | length) == 7 and "
               "(.linux.seccomp.supportedFlags - .linux.seccomp.knownFlags) == []"),
       "seccomp enabled, 7 operators, supportedFlags within knownFlags");
}
#endif

/* A config whose linux object is the printf-formatted text parses (oci_parse, the create path's). */
static bool __attribute__((format(printf, 1, 2))) linux_parses(const char *fmt, ...)
{
    struct tr_err e = { 0 };
    char linux_json[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(linux_json, sizeof linux_json, fmt, ap);
    va_end(ap);
    _cleanup_free_ char *cfg = xasprintf("{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\"},"
                                         "\"linux\":%s}", linux_json);
    struct oci_spec *spec = oci_parse(cfg, strlen(cfg), "config.json", &e);
    bool parsed = spec && spec->linux_;
    oci_free(spec);
    return parsed;
}

/* features' namespaces and memoryPolicy lists against the parser's enum tables, both ways
 * for memoryPolicy (its modes live in mempolicy.c and in parse-linux.c). */
static void check_against_parser(void)
{
    size_t n, bad = 0;
    char **v = jq_lines(".linux.namespaces[]", &n);
    for (size_t i = 0; i < n; i++)
        bad += !linux_parses("{\"namespaces\":[{\"type\":\"%s\"}]}", v[i]);
    ok(n == OCI_NS__COUNT && bad == 0, "all %zu advertised namespaces parse as linux.namespaces[].type", n);
    free_lines(v, n);
    v = jq_lines(".linux.memoryPolicy.modes[]", &n);
    bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !linux_parses("{\"memoryPolicy\":{\"mode\":\"%s\"}}", v[i]);
    ok(n == 7 && bad == 0, "all %zu advertised memoryPolicy modes parse (parse-linux.c)", n);
    free_lines(v, n);
    v = jq_lines(".linux.memoryPolicy.flags[]", &n);
    bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !linux_parses("{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"0\","
                                           "\"flags\":[\"%s\"]}}", v[i]);
    ok(n == 3 && bad == 0, "all %zu advertised memoryPolicy flags parse", n);
    free_lines(v, n);
    ok(!linux_parses("{\"memoryPolicy\":{\"mode\":\"MPOL_BOGUS\"}}"), "an unknown memoryPolicy mode does not parse");
    ok(!linux_parses("{\"namespaces\":[{\"type\":\"bogus\"}]}"), "an unknown namespace type does not parse");
    /* the annotations tinyrun itself acts on: quick mode's (stop --rm, CNI ports and config dir) */
    ok(jq_true(".potentiallyUnsafeConfigAnnotations == [\"org.tinyrun.quick.\"]"),
       "potentiallyUnsafeConfigAnnotations names quick mode's annotation prefix");
}

int main(void)
{
    struct tr_err err = { 0 };
    char *json = tr_features_json(NULL, &err);
    ok(json != NULL, "tr_features_json: %s", json ? "ok" : err.msg);
    if (!json)
        return done_testing();
    if (system("jq --version >/dev/null 2>&1") != 0) {
        skip("jq not installed");
        free(json);
        return done_testing();
    }
    int fd = mkstemp(json_path);
    ok(fd >= 0 && write_all(fd, json, strlen(json)) == (ssize_t) strlen(json), "JSON saved");
    close(fd);
    check_keys();
    check_against_parser();
    check_mount_options();
#ifdef HAVE_SECCOMP
    check_seccomp();
#endif
    unlink(json_path);
    free(json);
    return done_testing();
}
