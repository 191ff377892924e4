/* seccomp_compile errors (exact messages), every action and operator as seen by a filtered
 * child, the ENOSYS prologue, flags, and the two default-profile fixtures running busybox. */
#include "config.h"
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <linux/filter.h>
#include "seccomp-profile.h"
#include "security.h"
#include "spec.h"
#include "tap.h"
#include "security-child.h"
#include "util.h"

#define SC(act, ...) { .names = (char *[]) { __VA_ARGS__ }, \
    .names_len = sizeof((char *[]) { __VA_ARGS__ }) / sizeof(char *), .action = (char *) (act) }

/* Compile, expect failure, return the message. */
static const char *compile_error(const struct oci_seccomp *s)
{
    static struct tr_err err;
    struct seccomp_plan *p = NULL;
    tr_err_clear(&err);
    if (seccomp_compile(s, "linux.seccomp", &p, &err) == 0) {
        seccomp_plan_free(p);
        return "(compiled)";
    }
    return err.msg;
}

static void test_errors(void)
{
    struct seccomp_plan *p = (struct seccomp_plan *) 1;
    struct tr_err err;
    ok(seccomp_compile(NULL, "linux.seccomp", &p, &err) == 0 && p == NULL, "no linux.seccomp: no plan");

    struct oci_seccomp s = { .default_action = "SCMP_ACT_FOO" };
    is_str(compile_error(&s), "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"",
           "unknown default action");
    s.default_action = "SCMP_ACT_NOTIFY";
    is_str(compile_error(&s), "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default "
           "action: the runtime itself could not run after loading the filter", "NOTIFY as default");
    s = (struct oci_seccomp) { .default_action = "SCMP_ACT_ALLOW", .has_default_errno_ret = true,
                               .default_errno_ret = 1 };
    is_str(compile_error(&s), "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or "
           "SCMP_ACT_TRACE, not SCMP_ACT_ALLOW", "defaultErrnoRet with ALLOW");

    struct oci_seccomp_syscall sc[2] = { SC("SCMP_ACT_ALLOW", "getpid"),
                                         SC("SCMP_ACT_BOGUS", "mkdir") };
    s = (struct oci_seccomp) { .default_action = "SCMP_ACT_ERRNO", .syscalls = sc, .syscalls_len = 2 };
    is_str(compile_error(&s), "linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_BOGUS\"",
           "unknown rule action");
    sc[1].action = "SCMP_ACT_KILL";
    sc[1].has_errno_ret = true;
    sc[1].errno_ret = 5;
    is_str(compile_error(&s), "linux.seccomp.syscalls[1].errnoRet: only valid with SCMP_ACT_ERRNO "
           "or SCMP_ACT_TRACE, not SCMP_ACT_KILL", "errnoRet with KILL");
    sc[1].action = "SCMP_ACT_ERRNO";
    sc[1].errno_ret = 70000;
    is_str(compile_error(&s), "linux.seccomp.syscalls[1].errnoRet: 70000 is out of range (0-65535)",
           "errnoRet too large");
    sc[1].has_errno_ret = false;

    struct oci_seccomp_arg args[2] = { { .index = 0, .value = 1, .op = "SCMP_CMP_EQ" },
                                       { .index = 6, .value = 1, .op = "SCMP_CMP_EQ" } };
    sc[1].args = args;
    sc[1].args_len = 2;
    is_str(compile_error(&s), "linux.seccomp.syscalls[1].args[1].index: 6 is out of range (0-5)",
           "arg index out of range");
    args[1] = (struct oci_seccomp_arg) { .index = 1, .op = "SCMP_CMP_ALMOST" };
    is_str(compile_error(&s), "linux.seccomp.syscalls[1].args[1].op: unknown operator \"SCMP_CMP_ALMOST\"",
           "unknown operator");
    sc[1].args_len = 0;

    s.architectures = (char *[]) { "SCMP_ARCH_X86_64", "SCMP_ARCH_Z80" };
    s.architectures_len = 2;
    is_str(compile_error(&s), "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_Z80\"",
           "unknown architecture");
    s.architectures_len = 1;
    s.flags = (char *[]) { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FAST" };
    s.flags_len = 2;
    is_str(compile_error(&s), "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\"",
           "unknown flag");
    s.flags_len = 1;
    is_str(compile_error(&s), "(compiled)", "LOG flag accepted");

    struct oci_seccomp_syscall nsc[1] = { SC("SCMP_ACT_NOTIFY", "close", "write", "fcntl") };
    s = (struct oci_seccomp) { .default_action = "SCMP_ACT_ALLOW", .syscalls = nsc, .syscalls_len = 1,
                               .listener_path = "/run/agent.sock" };
    is_str(compile_error(&s), "linux.seccomp.syscalls[0].names[1]: \"write\" cannot use "
           "SCMP_ACT_NOTIFY: the runtime needs it to hand the listener over", "write in NOTIFY");

    nsc[0] = (struct oci_seccomp_syscall) SC("SCMP_ACT_NOTIFY", "close", "fcntl");
    s.listener_path = NULL;
    is_str(compile_error(&s), "linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY",
           "NOTIFY without listenerPath");

    struct oci_seccomp_syscall usc[1] = { SC("SCMP_ACT_ERRNO", "no_such_syscall_xyz", "mkdir") };
    s = (struct oci_seccomp) { .default_action = "SCMP_ACT_ALLOW", .syscalls = usc, .syscalls_len = 1 };
    is_str(compile_error(&s), "(compiled)", "unknown syscall name is skipped, not fatal");

    struct oci_seccomp_syscall dsc[1] = { SC("SCMP_ACT_ALLOW", "getpid") };
    s = (struct oci_seccomp) { .default_action = "SCMP_ACT_ALLOW", .syscalls = dsc, .syscalls_len = 1 };
    is_str(compile_error(&s), "(compiled)", "rule with the default action is accepted (no-op)");
}

static struct seccomp_plan *compile_ok(const struct oci_seccomp *s, const char *what)
{
    struct seccomp_plan *p = NULL;
    struct tr_err err;
    tr_err_clear(&err);
    int r = seccomp_compile(s, "linux.seccomp", &p, &err);
    ok(r == 0 && p, "%s: compiles", what);
    if (r < 0)
        printf("# %s\n", err.msg);
    return p;
}

static void load_or_die(const struct seccomp_plan *p, int out)
{
    struct tr_err err;
    if (no_new_privs_apply(&err) < 0 || seccomp_plan_load(p, &err) < 0) {
        out_printf(out, "load failed: %s", err.msg);
        _exit(1);
    }
}

#define RES(call) ({ errno = 0; long _r = (long) (call); _r < 0 ? (long) -errno : 0L; })

static void child_errno_rules(const void *arg, int out)
{
    load_or_die(arg, out);
    long a = RES(mkdir("/nonexistent-dir/x", 0700));
    long b = RES(rmdir("/nonexistent-dir/x"));
    char buf[64];
    long c = RES((long) (getcwd(buf, sizeof buf) ? 0 : -1));
    long d = RES(chdir("/nonexistent-dir"));
    out_printf(out, "mkdir=%ld rmdir=%ld getcwd=%ld chdir=%ld", a, b, c, d);
}

static void test_errno_rules(void)
{
    struct oci_seccomp_syscall sc[3] = { SC("SCMP_ACT_ERRNO", "mkdir"), SC("SCMP_ACT_ERRNO", "rmdir"),
                                         SC("SCMP_ACT_ERRNO", "getcwd") };
    sc[0].has_errno_ret = true, sc[0].errno_ret = 1;
    sc[2].has_errno_ret = true, sc[2].errno_ret = ENOSYS;
    struct oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 3 };
    struct seccomp_plan *p = compile_ok(&s, "errno rules");
    ok(!seccomp_plan_uses_notify(p), "no NOTIFY in the plan");
    char buf[512];
    int st = run_child(child_errno_rules, p, buf, sizeof buf);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exited normally");
    /* chdir is not filtered: ENOENT from the kernel. rmdir has no errnoRet: EPERM. */
    is_str(buf, "mkdir=-1 rmdir=-1 getcwd=-38 chdir=-2", "errnoRet 1, default EPERM, ENOSYS, unfiltered");
    seccomp_plan_free(p);
}

static void child_default_deny(const void *arg, int out)
{
    load_or_die(arg, out);
    long a = RES(getpid());
    long b = RES(syscall(SYS_getppid));
    long c = RES(syscall(1000));
    long d = RES(syscall(SYS_process_madvise, -1, NULL, 0, 0, 0));
    /* x32 numbers (0x40000000 | nr) arrive as AUDIT_ARCH_X86_64: the prologue must send them to
     * the x32 rules, not compare them with the native maximum. */
    long e = RES(syscall(0x40000000 | SYS_getppid));
    long f = RES(syscall(0x40000000 | 1000));
    out_printf(out, "getpid=%ld getppid=%ld nr1000=%ld process_madvise=%ld x32_getppid=%ld x32_nr1000=%ld",
               a, b, c, d, e, f);
}

static void test_default_deny(void)
{
    /* Highest syscall named: exit_group (231). getppid (110) is older: default errno. 1000 and
     * process_madvise (440) are newer than the profile: ENOSYS so that libc falls back. */
    struct oci_seccomp_syscall sc[1] = { SC("SCMP_ACT_ALLOW", "write", "exit", "exit_group",
                                             "getpid", "rt_sigreturn") };
    struct oci_seccomp s = { .default_action = "SCMP_ACT_ERRNO", .has_default_errno_ret = true,
                             .default_errno_ret = EACCES, .syscalls = sc, .syscalls_len = 1,
                             .architectures = (char *[]) { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                                           "SCMP_ARCH_X32" },
                             .architectures_len = 3 };
    struct seccomp_plan *p = compile_ok(&s, "allow-list with defaultErrnoRet");
    char buf[512];
    int st = run_child(child_default_deny, p, buf, sizeof buf);
#ifdef __SANITIZE_ADDRESS__
    /* The allow-list also denies the sigaltstack and mmap that ASan's runtime calls at exit. */
    (void) st;
    skip("exit status under ASan: the profile denies the sanitizer runtime's exit syscalls");
#else
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exited normally");
#endif
    is_str(buf, "getpid=0 getppid=-13 nr1000=-38 process_madvise=-38 x32_getppid=-13 x32_nr1000=-38",
           "defaultErrnoRet for known syscalls, ENOSYS above the profile's newest");
    seccomp_plan_free(p);
}

static void child_getppid(const void *arg, int out)
{
    load_or_die(arg, out);
    long r = RES(syscall(SYS_getppid));
    out_printf(out, "survived getppid=%ld", r);
}

static volatile sig_atomic_t trapped_nr = -1;
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    trapped_nr = si->si_syscall;
}

static void child_trap(const void *arg, int out)
{
    struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
    sigaction(SIGSYS, &sa, NULL);
    load_or_die(arg, out);
    syscall(SYS_getppid);
    out_printf(out, "trapped=%d", (int) trapped_nr);
}

static void test_actions(void)
{
    static const struct { const char *action; int sig; const char *out; } cases[] = {
        { "SCMP_ACT_KILL", SIGSYS, "" },
        { "SCMP_ACT_KILL_THREAD", SIGSYS, "" },
        { "SCMP_ACT_KILL_PROCESS", SIGSYS, "" },
        { "SCMP_ACT_LOG", 0, "survived getppid=0" },
        { "SCMP_ACT_ALLOW", 0, "survived getppid=0" },
        { "SCMP_ACT_TRACE", 0, "survived getppid=-38" },   /* no tracer attached: ENOSYS */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct oci_seccomp_syscall sc[1] = { SC(cases[i].action, "getppid") };
        struct oci_seccomp s = { .default_action = strcmp(cases[i].action, "SCMP_ACT_ALLOW") ?
                                 "SCMP_ACT_ALLOW" : "SCMP_ACT_LOG", .syscalls = sc, .syscalls_len = 1 };
        struct seccomp_plan *p = compile_ok(&s, cases[i].action);
        char buf[256];
        int st = run_child(child_getppid, p, buf, sizeof buf);
        if (cases[i].sig)
            ok(WIFSIGNALED(st) && WTERMSIG(st) == cases[i].sig, "%s: child killed by SIGSYS", cases[i].action);
        else
            ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child not killed", cases[i].action);
        is_str(buf, cases[i].out, "%s: output", cases[i].action);
        seccomp_plan_free(p);
    }
    struct oci_seccomp_syscall sc[1] = { SC("SCMP_ACT_TRAP", "getppid") };
    struct oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 1 };
    struct seccomp_plan *p = compile_ok(&s, "SCMP_ACT_TRAP");
    char buf[256];
    run_child(child_trap, p, buf, sizeof buf);
    char want[64];
    snprintf(want, sizeof want, "trapped=%d", (int) SYS_getppid);
    is_str(buf, want, "SCMP_ACT_TRAP: SIGSYS handler sees the syscall number");
    seccomp_plan_free(p);
}

static void child_ops(const void *arg, int out)
{
    load_or_die(arg, out);
    for (unsigned v = 3; v <= 7; v++)
        out_printf(out, "%ld", RES(syscall(SYS_umask, v)));
    out_printf(out, "|%ld", RES(syscall(SYS_getpriority, PRIO_PROCESS, 424242)));
    out_printf(out, "|%ld", RES(syscall(SYS_getpriority, PRIO_PGRP, 424242)));
}

/* umask(v) for v = 3..7 never fails by itself, so -33 (EDOM) marks a match; getpriority
 * (which, who) with two conditions tests the AND of one rule (ESRCH = no match). */
static void test_ops(void)
{
    static const struct { const char *op; uint64_t v, v2; const char *want; } cases[] = {
        { "SCMP_CMP_EQ", 5, 0, "00-3300" },
        { "SCMP_CMP_NE", 5, 0, "-33-330-33-33" },
        { "SCMP_CMP_LT", 5, 0, "-33-33000" },
        { "SCMP_CMP_LE", 5, 0, "-33-33-3300" },
        { "SCMP_CMP_GE", 5, 0, "00-33-33-33" },
        { "SCMP_CMP_GT", 5, 0, "000-33-33" },
        { "SCMP_CMP_MASKED_EQ", 3, 1, "00-3300" },   /* v & 3 == 1: only 5 in 3..7 */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct oci_seccomp_arg a[1] = { { 0, cases[i].v, cases[i].v2, (char *) cases[i].op } };
        struct oci_seccomp_arg both[2] = { { 0, PRIO_PROCESS, 0, "SCMP_CMP_EQ" },
                                           { 1, 424242, 0, "SCMP_CMP_EQ" } };
        struct oci_seccomp_syscall sc[2] = { SC("SCMP_ACT_ERRNO", "umask"), SC("SCMP_ACT_ERRNO", "getpriority") };
        sc[0].has_errno_ret = sc[1].has_errno_ret = true;
        sc[0].errno_ret = sc[1].errno_ret = EDOM;
        sc[0].args = a, sc[0].args_len = 1;
        sc[1].args = both, sc[1].args_len = 2;
        struct oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 2 };
        struct seccomp_plan *p = compile_ok(&s, cases[i].op);
        char buf[256], want[128];
        run_child(child_ops, p, buf, sizeof buf);
        snprintf(want, sizeof want, "%s|-33|-3", cases[i].want);
        is_str(buf, want, "%s on umask arg 0, EQ AND EQ on getpriority", cases[i].op);
        seccomp_plan_free(p);
    }
    /* Two conditions on the same argument: separate rules (OR), as runc does. */
    struct oci_seccomp_arg same[2] = { { 0, 4, 0, "SCMP_CMP_EQ" }, { 0, 6, 0, "SCMP_CMP_EQ" } };
    struct oci_seccomp_syscall sc[1] = { SC("SCMP_ACT_ERRNO", "umask") };
    sc[0].has_errno_ret = true, sc[0].errno_ret = EDOM;
    sc[0].args = same, sc[0].args_len = 2;
    struct oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 1 };
    struct seccomp_plan *p = compile_ok(&s, "two conditions on arg 0");
    char buf[256];
    run_child(child_ops, p, buf, sizeof buf);
    is_str(buf, "0-330-330|-3|-3", "same-index conditions are ORed");
    seccomp_plan_free(p);
}

static void child_flags(const void *arg, int out)
{
    load_or_die(arg, out);
    out_printf(out, "mkdir=%ld", RES(mkdir("/nonexistent-dir/x", 0700)));
}

static void test_flags(void)
{
    struct oci_seccomp_syscall sc[1] = { SC("SCMP_ACT_ERRNO", "mkdir") };
    struct oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 1,
                             .flags = (char *[]) { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                                   "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                                                   "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" },
                             .flags_len = 4 };
    struct seccomp_plan *p = compile_ok(&s, "all flags");
    char buf[256];
    int st = run_child(child_flags, p, buf, sizeof buf);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "filter with TSYNC|LOG|SPEC_ALLOW loads");
    is_str(buf, "mkdir=-1", "and filters");
    seccomp_plan_free(p);
}

struct fixture_run { const struct seccomp_plan *p; const char *script; };

static void child_busybox(const void *arg, int out)
{
    const struct fixture_run *fr = arg;
    dup2(out, 1);
    dup2(out, 2);
    load_or_die(fr->p, out);
    /* The profile's own verdicts on a few syscalls before handing over to a shell. */
    out_printf(out, "unshare=%ld clone3=%ld nr1000=%ld ", RES(syscall(SYS_unshare, 0x20000)),
               RES(syscall(SYS_clone3, NULL, 0)), RES(syscall(1000)));
    execl("/bin/busybox", "sh", "-c", fr->script, (char *) NULL);
    out_printf(out, "exec failed: %s", strerror(errno));
    _exit(127);
}

static void test_fixtures(void)
{
    const char *srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
    static const char *const names[] = { "containerd-default.json", "docker-default.json" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        struct tr_err err;
        _cleanup_free_ char *path = xasprintf("%s/tests/fixtures/seccomp/%s", srcdir, names[i]);
        _cleanup_free_ char *prof = read_file(path, NULL, &err);
        if (!prof) {
            ok(0, "%s: read: %s", names[i], err.msg);
            continue;
        }
        _cleanup_free_ char *json = xasprintf("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                                              "\"linux\":{\"seccomp\":%s}}", prof);
        struct oci_spec *spec = oci_parse(json, strlen(json), names[i], &err);
        ok(spec && spec->linux_ && spec->linux_->seccomp, "%s: parses", names[i]);
        if (!spec) {
            printf("# %s\n", err.msg);
            continue;
        }
        struct seccomp_plan *p = compile_ok(spec->linux_->seccomp, names[i]);
        if (access("/bin/busybox", X_OK) != 0) {
            skip("/bin/busybox not installed");
        } else if (p) {
            struct fixture_run fr = { p, "d=$(mktemp -d) && mkdir $d/a && echo hi > $d/a/f && "
                                         "cat $d/a/f && ls $d | wc -l && (sleep 0; echo sub) && "
                                         "rm -r $d && sed -n 's/^Seccomp:[[:space:]]*//p' /proc/self/status" };
            char buf[1024];
            int st = run_child(child_busybox, &fr, buf, sizeof buf);
            ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: busybox shell exits 0", names[i]);
            is_str(buf, "unshare=-1 clone3=-38 nr1000=-38 hi\n1\nsub\n2\n", "%s: EPERM for unshare, "
                   "ENOSYS for clone3 and unknown syscalls, shell works in seccomp mode 2", names[i]);
        }
        seccomp_plan_free(p);
        oci_free(spec);
    }
}

static void test_listener_errors(void)
{
    struct tr_err err;
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ok(seccomp_send_to_listener("/nonexistent/agent.sock", 0, big, &err) < 0, "4999-byte state refused");
    is_str(err.msg, "seccomp listener /nonexistent/agent.sock: the container process state is 4999 "
           "bytes; agents read one message of less than 4096 bytes", "message");
    ok(seccomp_send_to_listener("/nonexistent/agent.sock", 0, "{}", &err) < 0, "absent socket");
    is_str(err.msg, "connect to the seccomp listener /nonexistent/agent.sock "
           "(linux.seccomp.listenerPath): No such file or directory", "message names the path");
    ok(seccomp_send_to_listener(NULL, 0, "{}", &err) < 0, "no listenerPath");
    is_str(err.msg, "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY", "message");
}

static int count_bpf_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".bpf") != NULL;
    if (d)
        closedir(d);
    return n;
}

/* Rewrite "return ERRNO(from)" as "return ERRNO(to)" in every cached program of dir. */
static int patch_cached_errno(const char *dir, uint32_t from, uint32_t to)
{
    DIR *d = opendir(dir);
    int patched = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strstr(e->d_name, ".bpf"))
            continue;
        struct tr_err err;
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, e->d_name);
        size_t len;
        _cleanup_free_ char *data = read_file(path, &len, &err);
        struct sock_filter want = BPF_STMT(BPF_RET | BPF_K, 0x00050000U | from);
        for (size_t off = 0; data && off + sizeof want <= len; off++)
            if (memcmp(data + off, &want, sizeof want) == 0) {
                struct sock_filter repl = BPF_STMT(BPF_RET | BPF_K, 0x00050000U | to);
                memcpy(data + off, &repl, sizeof repl);
                patched++;
            }
        if (data)
            write_file(path, data, len, 0600, &err);
    }
    if (d)
        closedir(d);
    return patched;
}

static void test_cache(void)
{
    char dir[] = "/tmp/tr-seccomp-cache-XXXXXX";
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return;
    }
    _cleanup_free_ char *cdir = xasprintf("%s/cache", dir);
    seccomp_set_cache_dir(cdir);
    struct oci_seccomp_syscall sc[1] = { SC("SCMP_ACT_ERRNO", "mkdir") };
    sc[0].has_errno_ret = true, sc[0].errno_ret = 1;
    struct oci_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 1 };
    struct seccomp_plan *p = compile_ok(&s, "cache: first compile");
    ok(count_bpf_files(cdir) == 1, "cache: the program was stored (dir created)");
    char buf[256];
    run_child(child_flags, p, buf, sizeof buf);
    is_str(buf, "mkdir=-1", "cache: compiled program filters");
    seccomp_plan_free(p);

    /* Prove the second compile comes from the file: change the cached verdict. */
    ok(patch_cached_errno(cdir, 1, EIO) == 1, "cache: patched the cached program");
    p = compile_ok(&s, "cache: second compile");
    run_child(child_flags, p, buf, sizeof buf);
    is_str(buf, "mkdir=-5", "cache: second compile used the stored program");
    seccomp_plan_free(p);

    /* A different profile never gets that program. */
    sc[0].errno_ret = 2;
    p = compile_ok(&s, "cache: other profile");
    run_child(child_flags, p, buf, sizeof buf);
    is_str(buf, "mkdir=-2", "cache: another profile is compiled, not taken from the cache");
    ok(count_bpf_files(cdir) == 2, "cache: and stored in its own file");
    seccomp_plan_free(p);

    /* A damaged file is ignored and rewritten. */
    _cleanup_free_ char *cmd = xasprintf("for f in %s/*.bpf; do printf garbage > $f; done", cdir);
    (void) !system(cmd);
    p = compile_ok(&s, "cache: damaged file");
    run_child(child_flags, p, buf, sizeof buf);
    is_str(buf, "mkdir=-2", "cache: damaged file means a recompile");
    seccomp_plan_free(p);
    seccomp_set_cache_dir(NULL);
    _cleanup_free_ char *rm = xasprintf("rm -rf %s", dir);
    (void) !system(rm);
}

int main(void)
{
    test_errors();
    if (geteuid() != 0) {
        /* no_new_privs makes loading possible without root: the tests still run. */
        printf("# not root\n");
    }
    test_errno_rules();
    test_default_deny();
    test_actions();
    test_ops();
    test_flags();
    test_fixtures();
    test_listener_errors();
    test_cache();
    return done_testing();
}
