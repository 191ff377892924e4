/* A recording fake of the syscall seam (src/lib/sys.h) for unit tests that run without root.
 * Every call appends one line to fake->log ("sethostname(box)"), in shared memory so that the
 * calls of a forked child show in the parent; fake_fail() makes the n-th call of one syscall
 * fail with an errno instead (n = 0: every call). The calls succeed without touching the
 * kernel, except open_tree, which returns a real fd (of /dev/null) so that the code under test
 * can close it, and openat2, which is the kernel's and is not logged (path lookups would drown
 * the mounts) unless fake_fail names it. */
#ifndef TINYRUN_FAKE_SYS_H
#define TINYRUN_FAKE_SYS_H
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sys.h"

struct fake_sys_state {
    char log[16384];
    size_t len;
    char fail_name[32];         /* the syscall to fail ("" none) */
    int fail_nth;               /* its n-th call (1: the first; 0: every call) */
    int fail_errno;
    int seen;                   /* calls of fail_name so far */
    int last_tree;              /* the fd the last open_tree returned */
};
static struct fake_sys_state *fake;

static void fake_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fake_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(fake->log + fake->len, sizeof fake->log - fake->len - 1, fmt, ap);
    va_end(ap);
    if (n > 0 && fake->len + (size_t) n < sizeof fake->log - 1)
        fake->len += (size_t) n;
    fake->log[fake->len++] = '\n';
    fake->log[fake->len] = '\0';
}

/* 0, or -1 with errno when this call is the one fake_fail named. */
static int fake_result(const char *name)
{
    if (strcmp(fake->fail_name, name) != 0)
        return 0;
    ++fake->seen;
    if (fake->fail_nth && fake->seen != fake->fail_nth)
        return 0;
    fake_log("  -> %s", strerror(fake->fail_errno));
    errno = fake->fail_errno;
    return -1;
}

static void fake_reset(void)
{
    fake->len = 0;
    fake->log[0] = '\0';
    fake->fail_name[0] = '\0';
    fake->seen = fake->fail_nth = fake->fail_errno = 0;
    fake->last_tree = -1;
}

static void fake_fail(const char *name, int nth, int e)
{
    snprintf(fake->fail_name, sizeof fake->fail_name, "%s", name);
    fake->fail_nth = nth;
    fake->fail_errno = e;
    fake->seen = 0;
}

struct fake_flag { unsigned long long bit; const char *name; };
static const struct fake_flag fake_clone_flags[] = {
    { CLONE_NEWUSER, "NEWUSER" }, { CLONE_NEWNS, "NEWNS" }, { CLONE_NEWPID, "NEWPID" },
    { CLONE_NEWNET, "NEWNET" }, { CLONE_NEWIPC, "NEWIPC" }, { CLONE_NEWUTS, "NEWUTS" },
    { CLONE_NEWCGROUP, "NEWCGROUP" }, { 0x80, "NEWTIME" }, { 0, NULL },
};
static const struct fake_flag fake_ms_flags[] = {
    { MS_BIND, "BIND" }, { MS_REC, "REC" }, { MS_REMOUNT, "REMOUNT" }, { MS_RDONLY, "RDONLY" },
    { MS_NOSUID, "NOSUID" }, { MS_NODEV, "NODEV" }, { MS_NOEXEC, "NOEXEC" },
    { MS_NOATIME, "NOATIME" }, { MS_NODIRATIME, "NODIRATIME" }, { MS_RELATIME, "RELATIME" },
    { MS_STRICTATIME, "STRICTATIME" }, { MS_PRIVATE, "PRIVATE" }, { MS_SLAVE, "SLAVE" },
    { MS_SHARED, "SHARED" }, { MS_UNBINDABLE, "UNBINDABLE" }, { 0, NULL },
};
static const struct fake_flag fake_attr_flags[] = {
    { MOUNT_ATTR_RDONLY, "RDONLY" }, { MOUNT_ATTR_NOSUID, "NOSUID" }, { MOUNT_ATTR_NODEV, "NODEV" },
    { MOUNT_ATTR_NOEXEC, "NOEXEC" }, { MOUNT_ATTR_NOATIME, "NOATIME" },
    { MOUNT_ATTR_STRICTATIME, "STRICTATIME" }, { MOUNT_ATTR_NODIRATIME, "NODIRATIME" },
    { MOUNT_ATTR_IDMAP, "IDMAP" }, { 0, NULL },
};

/* "A|B" (0: "0"; unnamed bits in hex), in one of a few rotating buffers. */
static const char *fake_flags(const struct fake_flag *t, unsigned long long v)
{
    static char bufs[4][160];
    static int next;
    char *b = bufs[next++ % 4];
    size_t len = 0;
    b[0] = '\0';
    for (; t->name; t++) {
        if ((v & t->bit) != t->bit)
            continue;
        len += (size_t) snprintf(b + len, 160 - len, "%s%s", len ? "|" : "", t->name);
        v &= ~t->bit;
    }
    if (v || !len)
        snprintf(b + len, 160 - len, "%s%#llx", len ? "|" : "", v);
    return b;
}

static int fake_unshare(int flags)
{
    fake_log("unshare(%s)", fake_flags(fake_clone_flags, (unsigned) flags));
    return fake_result("unshare");
}

static int fake_setns(int fd, int nstype)
{
    fake_log("setns(fd %d, %s)", fd, fake_flags(fake_clone_flags, (unsigned) nstype));
    return fake_result("setns");
}

static int fake_sethostname(const char *name, size_t len)
{
    fake_log("sethostname(%.*s)", (int) len, name);
    return fake_result("sethostname");
}

static int fake_setdomainname(const char *name, size_t len)
{
    fake_log("setdomainname(%.*s)", (int) len, name);
    return fake_result("setdomainname");
}

static int fake_setresuid(uid_t r, uid_t e, uid_t s)
{
    fake_log("setresuid(%u, %u, %u)", (unsigned) r, (unsigned) e, (unsigned) s);
    return fake_result("setresuid");
}

static int fake_setresgid(gid_t r, gid_t e, gid_t s)
{
    fake_log("setresgid(%u, %u, %u)", (unsigned) r, (unsigned) e, (unsigned) s);
    return fake_result("setresgid");
}

static int fake_chroot(const char *path)
{
    fake_log("chroot(%s)", path);
    return fake_result("chroot");
}

static int fake_chdir(const char *path)
{
    fake_log("chdir(%s)", path);
    return fake_result("chdir");
}

static int fake_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
                      const void *data)
{
    fake_log("mount(%s, %s, %s, %s, %s)", source ? source : "NULL", target, fstype ? fstype : "NULL",
             fake_flags(fake_ms_flags, flags), data ? (const char *) data : "NULL");
    return fake_result("mount");
}

static int fake_open_tree(int dfd, const char *path, unsigned int flags)
{
    unsigned int known = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH;
    fake_log("open_tree(%s, %s%s%s%s)", dfd == AT_FDCWD ? "AT_FDCWD" : "dirfd", *path ? path : "\"\"",
             (flags & OPEN_TREE_CLONE) ? ", CLONE" : "", (flags & AT_RECURSIVE) ? ", RECURSIVE" : "",
             (flags & AT_EMPTY_PATH) ? ", EMPTY_PATH" : "");
    if (flags & ~known)
        fake_log("  unknown open_tree flags %#x", flags & ~known);
    if (fake_result("open_tree") < 0)
        return -1;
    fake->last_tree = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return fake->last_tree;
}

static int fake_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned int flags)
{
    fake_log("move_mount(%s%s, fd %d%s)", from_dfd == fake->last_tree ? "tree" : "not the tree", *from ? from : "",
             to_dfd, *to ? to : "");
    if (flags != (MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH))
        fake_log("  move_mount flags %#x", flags);
    return fake_result("move_mount");
}

static int fake_mount_setattr(int dfd, const char *path, unsigned int flags, struct mount_attr *a, size_t size)
{
    char who[16];
    if (dfd == fake->last_tree)
        snprintf(who, sizeof who, "tree");
    else
        snprintf(who, sizeof who, "fd %d", dfd);
    fake_log("mount_setattr(%s%s%s, set %s, clr %s, prop %s%s)", who, *path ? path : "",
             (flags & AT_RECURSIVE) ? ", RECURSIVE" : "",
             fake_flags(fake_attr_flags, a->attr_set), fake_flags(fake_attr_flags, a->attr_clr),
             fake_flags(fake_ms_flags, a->propagation), (a->attr_set & MOUNT_ATTR_IDMAP) ? ", userns" : "");
    if (size != sizeof *a || !(flags & AT_EMPTY_PATH))
        fake_log("  mount_setattr size %zu flags %#x", size, flags);
    return fake_result("mount_setattr");
}

static long fake_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
    if (strcmp(fake->fail_name, "openat2") == 0 && fake_result("openat2") < 0)
        return -1;
    return syscall(SYS_openat2, dirfd, path, how, size);
}

static const struct tr_sys fake_sys = {
    .unshare = fake_unshare, .setns = fake_setns, .sethostname = fake_sethostname,
    .setdomainname = fake_setdomainname, .setresuid = fake_setresuid, .setresgid = fake_setresgid,
    .chroot = fake_chroot, .chdir = fake_chdir, .mount = fake_mount, .open_tree = fake_open_tree,
    .move_mount = fake_move_mount, .mount_setattr = fake_mount_setattr, .openat2 = fake_openat2,
};

/* Shared memory for the log, then every seam call goes to the fake. */
static int fake_install(void)
{
    fake = mmap(NULL, sizeof *fake, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (fake == MAP_FAILED)
        return -1;
    fake_reset();
    tr_sys = &fake_sys;
    return 0;
}

#endif
