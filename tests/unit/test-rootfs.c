/* mount_plan_from_options and the flag conversions used for bind remounts (no kernel needed). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include "rootfs-internal.h"
#include "tap.h"
#include "util.h"

static struct mount_plan plan(const char *csv)
{
    char *copy = strdup(csv), *save = NULL, *v[64];
    size_t n = 0;
    for (char *t = strtok_r(copy, ",", &save); t && n < 64; t = strtok_r(NULL, ",", &save))
        v[n++] = t;
    struct mount_plan p;
    struct tr_err err = { 0 };
    if (mount_plan_from_options(v, n, &p, &err) < 0) {
        printf("# unexpected error: %s\n", err.msg);
        memset(&p, 0xff, sizeof(p));
        p.data = NULL;
    }
    free(copy);
    return p;
}

static void test_flags(void)
{
    static const struct { const char *set, *clr; unsigned long f; } t[] = {
        { "ro", "rw", MS_RDONLY }, { "nosuid", "suid", MS_NOSUID }, { "nodev", "dev", MS_NODEV },
        { "noexec", "exec", MS_NOEXEC }, { "sync", "async", MS_SYNCHRONOUS },
        { "mand", "nomand", MS_MANDLOCK }, { "noatime", "atime", MS_NOATIME },
        { "nodiratime", "diratime", MS_NODIRATIME }, { "relatime", "norelatime", MS_RELATIME },
        { "strictatime", "nostrictatime", MS_STRICTATIME }, { "lazytime", "nolazytime", MS_LAZYTIME },
        { "silent", "loud", MS_SILENT }, { "nosymfollow", "symfollow", MS_NOSYMFOLLOW },
    };
    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        struct mount_plan p = plan(t[i].set);
        ok(p.flags == t[i].f && p.clear_flags == 0 && !p.data, "%s sets flag %#lx", t[i].set, t[i].f);
        mount_plan_free(&p);
        p = plan(t[i].clr);
        ok(p.flags == 0 && p.clear_flags == t[i].f && !p.data, "%s clears flag %#lx", t[i].clr, t[i].f);
        mount_plan_free(&p);
        char both[64];
        snprintf(both, sizeof(both), "%s,%s", t[i].set, t[i].clr);
        p = plan(both);
        ok(p.flags == 0 && p.clear_flags == t[i].f, "%s: the later option wins", both);
        mount_plan_free(&p);
        snprintf(both, sizeof(both), "%s,%s", t[i].clr, t[i].set);
        p = plan(both);
        ok(p.flags == t[i].f && p.clear_flags == 0, "%s: the later option wins", both);
        mount_plan_free(&p);
    }
    struct mount_plan p = plan("dirsync,remount,defaults");
    ok(p.flags == (MS_DIRSYNC | MS_REMOUNT) && !p.data, "dirsync, remount; defaults is a no-op");
    mount_plan_free(&p);
}

static void test_bind_and_prop(void)
{
    struct mount_plan p = plan("bind");
    ok(p.bind && !p.recursive_bind && p.flags == 0, "bind");
    mount_plan_free(&p);
    p = plan("rbind,ro");
    ok(p.bind && p.recursive_bind && p.flags == MS_RDONLY, "rbind,ro");
    mount_plan_free(&p);
    static const struct { const char *o; unsigned long v; } props[] = {
        { "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC }, { "shared", MS_SHARED },
        { "rshared", MS_SHARED | MS_REC }, { "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
    };
    for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
        p = plan(props[i].o);
        ok(p.propagation == props[i].v && p.flags == 0, "propagation %s", props[i].o);
        mount_plan_free(&p);
    }
    p = plan("rshared,rprivate");
    ok(p.propagation == (MS_PRIVATE | MS_REC), "two propagation options: the later wins (as runc applies them in order)");
    mount_plan_free(&p);
    p = plan("tmpcopyup");
    ok(p.tmpcopyup && !p.data, "tmpcopyup");
    mount_plan_free(&p);
    p = plan("idmap");
    ok(p.idmap && !p.recursive_idmap, "idmap");
    mount_plan_free(&p);
    p = plan("ridmap");
    ok(p.idmap && p.recursive_idmap, "ridmap");
    mount_plan_free(&p);
}

static void test_rattr(void)
{
    static const struct { const char *o; unsigned long long set, clr; } t[] = {
        { "rro", MOUNT_ATTR_RDONLY, 0 }, { "rrw", 0, MOUNT_ATTR_RDONLY },
        { "rnosuid", MOUNT_ATTR_NOSUID, 0 }, { "rsuid", 0, MOUNT_ATTR_NOSUID },
        { "rnodev", MOUNT_ATTR_NODEV, 0 }, { "rdev", 0, MOUNT_ATTR_NODEV },
        { "rnoexec", MOUNT_ATTR_NOEXEC, 0 }, { "rexec", 0, MOUNT_ATTR_NOEXEC },
        { "rnodiratime", MOUNT_ATTR_NODIRATIME, 0 }, { "rdiratime", 0, MOUNT_ATTR_NODIRATIME },
        { "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 }, { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
        { "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
        { "rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
        { "rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
        { "ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
        { "rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
        { "rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    };
    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        struct mount_plan p = plan(t[i].o);
        ok(p.attr_set == t[i].set && p.attr_clr == t[i].clr && p.flags == 0 && !p.data,
           "%s -> attr_set %#llx attr_clr %#llx (got %#llx %#llx)", t[i].o, t[i].set, t[i].clr, p.attr_set, p.attr_clr);
        mount_plan_free(&p);
    }
    struct mount_plan p = plan("rro,rrw");
    ok(p.attr_set == 0 && p.attr_clr == MOUNT_ATTR_RDONLY, "rro,rrw: the later wins");
    mount_plan_free(&p);
    p = plan("rnoatime,rstrictatime,rnosuid");
    ok(p.attr_set == (MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_NOSUID) && p.attr_clr == MOUNT_ATTR__ATIME,
       "the atime field holds one mode: the later one");
    mount_plan_free(&p);
    p = plan("rbind,rro,ro");
    ok(p.bind && p.recursive_bind && p.attr_set == MOUNT_ATTR_RDONLY && p.flags == MS_RDONLY, "rbind,rro,ro");
    mount_plan_free(&p);
}

static void test_data(void)
{
    struct mount_plan p = plan("nosuid,strictatime,mode=755,size=65536k");
    ok(p.flags == (MS_NOSUID | MS_STRICTATIME), "tmpfs /dev flags");
    is_str(p.data, "mode=755,size=65536k", "unknown options become fs data, in order");
    mount_plan_free(&p);
    p = plan("nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
    is_str(p.data, "newinstance,ptmxmode=0666,mode=0620,gid=5", "devpts data");
    mount_plan_free(&p);
    p = plan("lowerdir=/a:/b,upperdir=/u,workdir=/w,userxattr,ro");
    is_str(p.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w,userxattr", "overlay data passthrough");
    ok(p.flags == MS_RDONLY, "with ro as a flag");
    mount_plan_free(&p);
    p = plan("ro");
    ok(p.data == NULL, "no data -> NULL");
    mount_plan_free(&p);
    ok(p.data == NULL, "mount_plan_free leaves data NULL (double free safe)");
    mount_plan_free(&p);

    struct mount_plan q;
    struct tr_err err = { 0 };
    char *bad[] = { (char *) "ro", (char *) "" };
    ok(mount_plan_from_options(bad, 2, &q, &err) == -1, "an empty option is rejected");
    is_str(err.msg, "options[1]: empty mount option", "error names the option index");
    ok(mount_plan_from_options(NULL, 0, &q, &err) == 0 && q.flags == 0 && !q.data && !q.bind,
       "no options: empty plan");
}

static void test_conversions(void)
{
    ok(ms_flags_from_statvfs(ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC) ==
           (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC), "statvfs ro,nosuid,nodev,noexec -> MS_*");
    ok(ms_flags_from_statvfs(ST_NOATIME | ST_NODIRATIME) == (MS_NOATIME | MS_NODIRATIME), "statvfs noatime,nodiratime");
    ok(ms_flags_from_statvfs(ST_RELATIME) == MS_RELATIME, "statvfs relatime");
    ok(ms_flags_from_statvfs(ST_SYNCHRONOUS | ST_MANDLOCK) == 0, "superblock flags are not per-mount");
    unsigned long long s, c;
    ms_to_mount_attr(MS_RDONLY | MS_NOSUID, MS_NODEV, &s, &c);
    ok(s == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID) && c == MOUNT_ATTR_NODEV, "MS_* -> MOUNT_ATTR_* set/clear");
    ms_to_mount_attr(0, 0, &s, &c);
    ok(s == 0 && c == 0, "nothing asked, nothing changed (locked flags stay)");
    ms_to_mount_attr(MS_NOATIME, 0, &s, &c);
    ok(s == MOUNT_ATTR_NOATIME && c == MOUNT_ATTR__ATIME, "noatime replaces the atime field");
    ms_to_mount_attr(MS_STRICTATIME, 0, &s, &c);
    ok(s == MOUNT_ATTR_STRICTATIME && c == MOUNT_ATTR__ATIME, "strictatime");
    ms_to_mount_attr(0, MS_NOATIME, &s, &c);
    ok(s == MOUNT_ATTR_RELATIME && c == MOUNT_ATTR__ATIME, "atime (clear noatime) -> relatime");
    ms_to_mount_attr(MS_NODIRATIME, 0, &s, &c);
    ok(s == MOUNT_ATTR_NODIRATIME && c == 0, "nodiratime does not touch the atime field");
}

static void test_readonly_dev(void)
{
    static const struct { const char *dest, *opts; bool want; } t[] = {
        { "/dev", "nosuid,ro,mode=755", true }, { "/dev/", "ro", true }, { "//dev/./", "ro", true },
        { "/dev", "ro,rw", false }, { "/dev", "nosuid", false }, { "/dev/shm", "ro", false },
        { "/devices", "ro", false }, { "/x/../dev", "ro", true },
    };
    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        struct mount_plan p = plan(t[i].opts);
        struct oci_mount m = { .destination = (char *) t[i].dest };
        ok(mount_is_readonly_dev(&m, &p) == t[i].want, "%s (%s): %s", t[i].dest, t[i].opts,
           t[i].want ? "a read-only /dev, made read-only last" : "not a read-only /dev");
        mount_plan_free(&p);
    }
}

int main(void)
{
    test_flags();
    test_bind_and_prop();
    test_rattr();
    test_data();
    test_conversions();
    test_readonly_dev();
    return done_testing();
}
