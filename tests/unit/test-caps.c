/* Capabilities: name table, the five sets with JSON paths in errors, names newer than the
 * kernel, and caps_apply in a forked child (as root and after setuid to 1000) checked against
 * the kernel's own view in /proc/self/status. */
#include "config.h"
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include "caps.h"
#include "tap.h"
#include "security-child.h"
#include "util.h"

#define NAMES(...) (char *[]) { __VA_ARGS__ }, sizeof((char *[]) { __VA_ARGS__ }) / sizeof(char *)

static void test_names(void)
{
    bool all = true;
    for (int c = 0; c <= 40; c++)
        all &= cap_to_name(c) && cap_from_name(cap_to_name(c)) == c;
    ok(all, "every capability 0..40 maps to a name and back");
    ok(cap_from_name("CAP_SYS_ADMIN") == 21, "CAP_SYS_ADMIN = 21");
    is_str(cap_to_name(21), "CAP_SYS_ADMIN", "21 = CAP_SYS_ADMIN");
    ok(cap_from_name("CAP_CHOWN") == 0 && cap_from_name("CAP_CHECKPOINT_RESTORE") == 40, "first and last");
    ok(cap_from_name("CAP_FOO") == -1 && cap_from_name("cap_chown") == -1 && cap_from_name("CHOWN") == -1 &&
       cap_from_name(NULL) == -1, "unknown, lower-case and unprefixed names are refused");
    ok(cap_to_name(41) == NULL && cap_to_name(-1) == NULL, "numbers outside the table have no name");
    struct tr_err err;
    char *s = read_file("/proc/sys/kernel/cap_last_cap", NULL, &err);
    ok(s && cap_last_cap() == atoi(s), "cap_last_cap() = /proc/sys/kernel/cap_last_cap (%d)", cap_last_cap());
    free(s);
}

static void test_sets(void)
{
    static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };
    for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
        struct oci_capabilities c = { 0 };
        char **v = (char *[]) { "CAP_CHOWN", "CAP_KILL" };
        char **bad = (char *[]) { "CAP_CHOWN", "CAP_FOO" };
        char ***slot = i == 0 ? &c.bounding : i == 1 ? &c.effective : i == 2 ? &c.permitted :
                       i == 3 ? &c.inheritable : &c.ambient;
        size_t *len = i == 0 ? &c.bounding_len : i == 1 ? &c.effective_len : i == 2 ? &c.permitted_len :
                      i == 3 ? &c.inheritable_len : &c.ambient_len;
        *slot = v;
        *len = 2;
        struct caps_plan p;
        struct tr_err err;
        ok(caps_plan_from_spec(&c, "process.capabilities", &p, &err) == 0, "%s: parses", sets[i]);
        uint64_t m[5] = { p.bounding, p.effective, p.permitted, p.inheritable, p.ambient };
        bool only = p.present;
        for (size_t k = 0; k < 5; k++)
            only &= m[k] == (k == i ? 0x21U : 0U);
        ok(only, "%s: CAP_CHOWN|CAP_KILL = 0x21 in that set only", sets[i]);
        *slot = bad;
        /* runtime-spec 1.2: an unknown name is a warning (naming the JSON path), not an error */
        ok(caps_plan_from_spec(&c, "process.capabilities", &p, &err) == 0, "%s: unknown name is not fatal", sets[i]);
        uint64_t mb[5] = { p.bounding, p.effective, p.permitted, p.inheritable, p.ambient };
        ok(mb[i] == 0x1U, "%s: unknown name ignored, CAP_CHOWN kept", sets[i]);
    }
    struct oci_capabilities c = { .bounding = NAMES("CAP_CHOWN", "CAP_PERFMON", "CAP_BPF", "CAP_AUDIT_READ") };
    struct caps_plan p;
    struct tr_err err;
    ok(caps_plan_build(&c, "process.capabilities", 37, &p, &err) == 0 && p.bounding == (1ULL | 1ULL << 37),
       "names above cap_last_cap (37 here) are dropped, not fatal");
    ok(caps_plan_from_spec(NULL, "process.capabilities", &p, &err) == 0 && !p.present && !p.bounding &&
       !p.effective && !p.permitted && !p.inheritable && !p.ambient, "no capabilities key: empty sets");
    c = (struct oci_capabilities) { .effective = NAMES("CAP_SYS_ADMIN") };
    ok(caps_plan_from_spec(&c, "process.capabilities", &p, &err) == 0 && p.present && p.effective == 1ULL << 21 &&
       !p.bounding, "empty sets stay empty");
}

/* "inh=... prm=... eff=... bnd=... amb=..." from /proc/self/status, hex without leading zeros. */
static void caps_status(char *out, size_t len)
{
    static const char *const keys[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
    static const char *const tags[] = { "inh", "prm", "eff", "bnd", "amb" };
    struct tr_err err;
    _cleanup_free_ char *s = read_file("/proc/self/status", NULL, &err);
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; s && i < 5; i++) {
        char *l = strstr(s, keys[i]);
        unsigned long long v = l ? strtoull(l + strlen(keys[i]), NULL, 16) : ~0ULL;
        n += (size_t) snprintf(out + n, len - n, "%s%s=%llx", i ? " " : "", tags[i], v);
    }
}

struct apply_case { struct caps_plan plan; bool setuid; bool exec_after; };

static void child_apply(const void *arg, int out)
{
    const struct apply_case *ac = arg;
    struct tr_err err;
    if (ac->setuid) {
        if (caps_keep_on_setuid(&err) < 0 || setgroups(0, NULL) < 0 || setgid(1000) < 0 || setuid(1000) < 0) {
            out_printf(out, "setuid failed");
            return;
        }
    }
    if (caps_apply(&ac->plan, &err) < 0) {
        out_printf(out, "error: %s", err.msg);
        return;
    }
    char st[256];
    caps_status(st, sizeof st);
    out_printf(out, "uid=%d %s", (int) getuid(), st);
    if (ac->exec_after) {
        dup2(out, 1);
        execl("/bin/busybox", "sh", "-c", "echo; grep -E '^Cap(Eff|Amb)' /proc/self/status | tr '\\t\\n' '  '",
              (char *) NULL);
    }
}

#define B(c) (1ULL << (c))

static void test_apply(void)
{
    if (geteuid() != 0) {
        skip("caps_apply needs root");
        return;
    }
    /* CHOWN 0, KILL 5, SETGID 6, SETUID 7, SETPCAP 8, NET_BIND_SERVICE 10 */
    struct caps_plan base = { .present = true, .bounding = B(0) | B(5) | B(6) | B(7) | B(8) | B(10),
                              .effective = B(0) | B(5) | B(10), .permitted = B(0) | B(5) | B(10),
                              .inheritable = B(10), .ambient = B(10) };
    char buf[512];
    struct apply_case ac = { base, false, false };
    run_child(child_apply, &ac, buf, sizeof buf);
    is_str(buf, "uid=0 inh=400 prm=421 eff=421 bnd=5e1 amb=400", "as root: all five sets as planned");

    ac.setuid = true;
    run_child(child_apply, &ac, buf, sizeof buf);
    is_str(buf, "uid=1000 inh=400 prm=421 eff=421 bnd=5e1 amb=400",
           "after keepcaps + setuid(1000): bounding still dropped, sets as planned");

    if (access("/bin/busybox", X_OK) == 0) {
        ac.exec_after = true;
        run_child(child_apply, &ac, buf, sizeof buf);
        is_str(buf, "uid=1000 inh=400 prm=421 eff=421 bnd=5e1 amb=400\nCapEff: 0000000000000400 "
               "CapAmb: 0000000000000400 ", "after execve as uid 1000 only the ambient cap remains effective");
        ac.exec_after = false;
    } else {
        skip("/bin/busybox not installed");
    }

    ac.plan.ambient = B(5) | B(10);   /* KILL is not inheritable: skipped with a warning */
    run_child(child_apply, &ac, buf, sizeof buf);
    is_str(buf, "uid=1000 inh=400 prm=421 eff=421 bnd=5e1 amb=400", "ambient cap not in inheritable is skipped");

    ac = (struct apply_case) { { .present = false }, true, false };
    run_child(child_apply, &ac, buf, sizeof buf);
    is_str(buf, "uid=1000 inh=0 prm=0 eff=0 bnd=0 amb=0", "no capabilities key: everything dropped");

    ac = (struct apply_case) { { .present = true, .bounding = B(0) | B(5), .effective = B(0) | B(5),
                                 .permitted = B(0) }, false, false };
    run_child(child_apply, &ac, buf, sizeof buf);
    is_str(buf, "error: capset(effective=0x21, permitted=0x1, inheritable=0): Operation not permitted; "
           "process.capabilities.effective must be a subset of permitted", "effective outside permitted: error with hint");
}

int main(void)
{
    test_names();
    test_sets();
    test_apply();
    return done_testing();
}
