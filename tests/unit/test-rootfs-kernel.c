/* rootfs_prepare + rootfs_finalize against the real kernel (needs root; skipped otherwise).
 * Each case forks a child that unshares mount/pid/... namespaces (and a user namespace for the
 * rootless case), builds the container filesystem from a tiny rootfs in a temp dir with a
 * config built in C, and checks the result from inside, as the container init would see it.
 * The child prints TAP lines and reports its counters through a pipe. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "rootfs.h"
#include "security.h"
#include "tap.h"
#include "util.h"

#define OPTS(...) .options = (char *[]){ __VA_ARGS__ }, .options_len = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)

static char base[64];          /* /tmp/tr-rootfs-XXXXXX */
static char cgdir[128];        /* a v2 cgroup the cases run in ("" when no v2 hierarchy) */
static const char *cgname;     /* its path relative to the v2 root */
static char rootfs[128], host[128];

static void mkfile(const char *path, const char *content)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(99); }
    fputs(content, f);
    fclose(f);
}

static void mkdirs(const char *fmt, ...)
{
    char p[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, sizeof(p), fmt, ap);
    va_end(ap);
    struct tr_err e;
    if (mkdir_p(p, 0755, &e) < 0) { printf("# %s\n", e.msg); exit(99); }
}

static char *slurp(const char *path)
{
    static char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return buf;
}

static bool is_chr(const char *p, unsigned maj, unsigned min, mode_t perm)
{
    struct stat st;
    if (stat(p, &st) < 0) { printf("# stat %s: %m\n", p); return false; }
    bool r = S_ISCHR(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min &&
             (perm == 0 || (st.st_mode & 07777) == perm);
    if (!r)
        printf("# %s: mode %o rdev %u:%u\n", p, st.st_mode, major(st.st_rdev), minor(st.st_rdev));
    return r;
}

static bool fs_is(const char *p, long magic)
{
    struct statfs s;
    return statfs(p, &s) == 0 && s.f_type == magic;
}

static bool ro_mount(const char *p)
{
    struct statvfs s;
    return statvfs(p, &s) == 0 && (s.f_flag & ST_RDONLY);
}

static bool create_fails(const char *p, int want_errno)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) { close(fd); printf("# %s: created\n", p); return false; }
    if (errno != want_errno) printf("# %s: %m\n", p);
    return errno == want_errno;
}

static bool link_is(const char *p, const char *want)
{
    char buf[256];
    ssize_t n = readlink(p, buf, sizeof(buf) - 1);
    if (n < 0) return false;
    buf[n] = '\0';
    return streq(buf, want);
}

static bool mountinfo_has(const char *mp)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096], m[4096];
    bool found = false;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%*s %*s %*s %*s %4095s", m) == 1 && streq(m, mp))
            found = true;
    if (f) fclose(f);
    return found;
}

/* Mount points (field 5) equal to mp, or starting with prefix, and whose line contains substr. */
static int mountinfo_count_prefix(const char *prefix)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096], m[4096];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%*s %*s %*s %*s %4095s", m) == 1 && strncmp(m, prefix, strlen(prefix)) == 0)
            n++;
    if (f) fclose(f);
    return n;
}

static int mountinfo_count(const char *mp, const char *substr)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096], m[4096];
    int n = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%*s %*s %*s %*s %4095s", m) == 1 && (!mp || streq(m, mp)) &&
            (!substr || strstr(line, substr)))
            n++;
    if (f) fclose(f);
    return n;
}

/* Every mount whose mount point starts with prefix has the per-mount option ro (field 6). */
static bool mountinfo_all_ro(const char *prefix, int *count)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192], m[4096], o[4096];
    bool all = true;
    *count = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%*s %*s %*s %*s %4095s %4095s", m, o) == 2 && strncmp(m, prefix, strlen(prefix)) == 0) {
            (*count)++;
            if (strncmp(o, "ro", 2) != 0 || (o[2] != ',' && o[2] != '\0')) {
                printf("# %s: %s\n", m, o);
                all = false;
            }
        }
    if (f) fclose(f);
    return all;
}

/* Field 4 (root of the mount in its filesystem) of the last mount on mp. */
static const char *mountinfo_root(const char *mp)
{
    static char root[4096];
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192], r[4096], m[4096];
    root[0] = '\0';
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", r, m) == 2 && streq(m, mp))
            snprintf(root, sizeof(root), "%s", r);
    if (f) fclose(f);
    return root;
}

static bool dir_empty(const char *p)
{
    DIR *d = opendir(p);
    if (!d) return false;
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)))
        if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
            n++;
    closedir(d);
    return n == 0;
}

/* Pretend to be an old kernel (< 5.2): openat2 and the new mount API answer ENOSYS, so the
 * userspace in-root walk and the mount(2) + statvfs-preserving remount fallbacks run. */
static bool legacy;

static void force_old_kernel(void)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 7, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open_tree, 6, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_move_mount, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fsopen, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fsmount, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fsconfig, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mount_setattr, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    };
    struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        _exit(88);
}

/* ---- the rootful case: the nerdctl default mounts + binds, devices, masks, console ---- */

static struct cgroup_mount_entry v1_entries[] = {
    { (char *) "memory", (char *) "/sys/fs/cgroup/memory" },
    { (char *) "cpu,cpuacct", (char *) "/sys/fs/cgroup/cpu" },
};

static char escape_dest[256], hostfile[160], hostdir[160], rrodir[160], resolvsrc[160];


/* Directory fds still open other than the one listing them: a handle on the old tree. */
static int dir_fds_open(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        struct stat st;
        int fd = atoi(de->d_name);
        if (de->d_name[0] != '.' && fd != dirfd(d) && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            printf("# fd %d is a directory\n", fd);
            n++;
        }
    }
    if (d) closedir(d);
    return n;
}

static void checks_rootful_after(const struct stat *slave, bool kcore)
{
    ok(dir_fds_open() == 0, "no directory fd left open by prepare/finalize");
    char cwd[256];
    ok(getcwd(cwd, sizeof(cwd)) && streq(cwd, "/"), "cwd is / after finalize");
    ok(access("/marker", F_OK) == 0, "/ is the rootfs (marker file visible)");
    ok(getpid() == 1 && link_is("/proc/self", "1"), "/proc is the container's pid namespace");
    ok(fs_is("/proc", 0x9fa0), "/proc is procfs");
    ok(is_chr("/dev/null", 1, 3, 0666) && is_chr("/dev/zero", 1, 5, 0666) && is_chr("/dev/full", 1, 7, 0666),
       "/dev/null, zero, full: 1:3 1:5 1:7 mode 0666");
    ok(is_chr("/dev/random", 1, 8, 0666) && is_chr("/dev/urandom", 1, 9, 0666) && is_chr("/dev/tty", 5, 0, 0666),
       "/dev/random, urandom, tty: 1:8 1:9 5:0 mode 0666");
    struct stat st;
    ok(is_chr("/dev/fuse", 10, 229, 0600) && stat("/dev/fuse", &st) == 0 && st.st_uid == 1 && st.st_gid == 2,
       "linux.devices /dev/fuse: 10:229, fileMode 0600, uid 1, gid 2");
    ok(lstat("/dev/mypipe", &st) == 0 && S_ISFIFO(st.st_mode), "linux.devices type p: a fifo");
    ok(is_chr("/opt/outside-dev", 1, 3, 0666), "a device outside /dev, parents created");
    ok(link_is("/dev/fd", "/proc/self/fd") && link_is("/dev/stdin", "/proc/self/fd/0") &&
       link_is("/dev/stdout", "/proc/self/fd/1") && link_is("/dev/stderr", "/proc/self/fd/2"),
       "/dev/fd, stdin, stdout, stderr symlinks");
    ok(link_is("/dev/ptmx", "pts/ptmx"), "/dev/ptmx -> pts/ptmx");
    ok(kcore ? link_is("/dev/core", "/proc/kcore") : lstat("/dev/core", &st) < 0,
       "/dev/core only when the host has /proc/kcore (%s)", kcore ? "present" : "absent");
    int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    ok(fd >= 0, "/dev/ptmx opens a pty of the container's devpts");
    if (fd >= 0) close(fd);
    ok(fs_is("/dev/pts", 0x1cd1) && fs_is("/dev/shm", 0x01021994) && fs_is("/dev/mqueue", 0x19800202),
       "/dev/pts devpts, /dev/shm tmpfs, /dev/mqueue mqueue");
    ok(fs_is("/sys", 0x62656572) && ro_mount("/sys"), "/sys sysfs read-only");
    ok(fs_is("/sys/fs/cgroup", 0x01021994) && ro_mount("/sys/fs/cgroup"), "/sys/fs/cgroup: read-only tmpfs (v1)");
    ok(fs_is("/sys/fs/cgroup/memory", 0x27e0eb) && ro_mount("/sys/fs/cgroup/memory"), "v1 memory hierarchy bound read-only");
    ok(fs_is("/sys/fs/cgroup/cpu,cpuacct", 0x27e0eb) && link_is("/sys/fs/cgroup/cpu", "cpu,cpuacct") &&
       link_is("/sys/fs/cgroup/cpuacct", "cpu,cpuacct"), "combined controller: cpu and cpuacct symlinks");
    const char *c = slurp("/etc/hostfile");
    ok(c && streq(c, "host-file"), "file bind mount shows the host file");
    fd = open("/etc/hostfile", O_WRONLY | O_TRUNC | O_CLOEXEC);
    ok(fd >= 0 && write(fd, "changed", 7) == 7, "file bind mount is writable (the host sees it)");
    if (fd >= 0) close(fd);
    ok(slurp("/data/inside") && create_fails("/data/new", EROFS), "rbind,ro: readable, read-only");
    if (!legacy)
        ok(create_fails("/rro/x", EROFS) && create_fails("/rro/sub/x", EROFS), "rro: the submount is read-only too");
    fd = open("/data2/sub/x", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ok(create_fails("/data2/x", EROFS) && fd >= 0, "ro without rro: the submount stays writable");
    if (fd >= 0) close(fd);
    c = slurp("/tmpc/seed");
    ok(c && streq(c, "seed-data") && fs_is("/tmpc", 0x01021994), "tmpcopyup: rootfs contents copied into the tmpfs");
    fd = open("/tmpc/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    ok(fd >= 0, "tmpcopyup tmpfs is writable");
    if (fd >= 0) close(fd);
    if (!legacy)
        ok(stat("/idm/inside", &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000 && stat("/data/inside", &st) == 0 &&
       st.st_uid == 0, "idmap bind: a root-owned file shows as 1000:1000 through the idmapped mount only");
    c = slurp("/etc/resolv.conf");
    ok(c && streq(c, "nameserver 192.0.2.1\n"), "bind onto a dangling symlink (/etc/resolv.conf -> ../run/...) lands on its target in the rootfs");
    c = slurp("/proc/keys");
    ok(c && c[0] == '\0', "masked file /proc/keys reads empty");
    c = slurp("/etc/masked-file");
    ok(c && c[0] == '\0', "masked rootfs file reads empty");
    ok(dir_empty("/sys/firmware") && ro_mount("/sys/firmware"), "masked dir /sys/firmware: empty read-only tmpfs");
    ok(create_fails("/proc/sys/kernel/hostname", EROFS) && ro_mount("/proc/sys"), "readonlyPaths /proc/sys rejects writes");
    ok(create_fails("/ro-here/x", EROFS), "readonlyPaths /ro-here rejects writes");
    ok(stat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == slave->st_rdev,
       "/dev/console is the console slave");
    ok(!mountinfo_has("/sys/fs/cgroup/blkio") && mountinfo_count_prefix(rootfs) == 0,
       "no host mount left in mountinfo (old root detached)");
    ok(mountinfo_count("/", NULL) == 1, "exactly one mount on / (the old root is not stacked on it)");
    ok(access(rootfs, F_OK) < 0 && access(hostfile, F_OK) < 0, "host paths of the bundle are unreachable");
}

static void rootful_case(int report)
{
    struct oci_spec spec = { 0 }, *s = &spec;
    struct oci_linux lxs = { 0 }, *lx = &lxs;
    /* compound literals below live as long as this frame: keep them here */
    struct oci_mount m[16];
    struct oci_device dev[3];
    int i = 0;
    m[i++] = (struct oci_mount){ .destination = "/proc", .type = "proc", .source = "proc", OPTS("nosuid", "noexec", "nodev") };
    m[i++] = (struct oci_mount){ .destination = "/dev", .type = "tmpfs", .source = "tmpfs",
                                 OPTS("nosuid", "strictatime", "mode=755", "size=65536k") };
    m[i++] = (struct oci_mount){ .destination = "/dev/pts", .type = "devpts", .source = "devpts",
                                 OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5") };
    m[i++] = (struct oci_mount){ .destination = "/dev/shm", .type = "tmpfs", .source = "shm",
                                 OPTS("nosuid", "noexec", "nodev", "mode=1777", "size=65536k") };
    m[i++] = (struct oci_mount){ .destination = "/dev/mqueue", .type = "mqueue", .source = "mqueue", OPTS("nosuid", "noexec", "nodev") };
    m[i++] = (struct oci_mount){ .destination = "/sys", .type = "sysfs", .source = "sysfs", OPTS("nosuid", "noexec", "nodev", "ro") };
    m[i++] = (struct oci_mount){ .destination = "/sys/fs/cgroup", .type = "cgroup", .source = "cgroup", OPTS("ro", "nosuid", "noexec", "nodev") };
    m[i++] = (struct oci_mount){ .destination = "/etc/hostfile", .type = "bind", .source = hostfile, OPTS("bind", "rprivate") };
    m[i++] = (struct oci_mount){ .destination = "/data", .source = hostdir, OPTS("rbind", "ro") };
    /* rro and idmap need mount_setattr: no fallback, left out in legacy mode (compound literals
     * must stay at function scope, hence the conditional increment) */
    m[i] = (struct oci_mount){ .destination = "/rro", .type = "bind", .source = rrodir, OPTS("rbind", "rro") };
    i += !legacy;
    m[i++] = (struct oci_mount){ .destination = "/data2", .type = "bind", .source = rrodir, OPTS("rbind", "ro") };
    m[i++] = (struct oci_mount){ .destination = escape_dest, .type = "bind", .source = hostdir, OPTS("bind") };
    m[i++] = (struct oci_mount){ .destination = "/tmpc", .type = "tmpfs", .source = "tmpfs", OPTS("tmpcopyup", "mode=755") };
    m[i++] = (struct oci_mount){ .destination = "/etc/resolv.conf", .type = "bind", .source = resolvsrc, OPTS("bind", "ro") };
    struct oci_idmap idm[] = { { .container_id = 0, .host_id = 1000, .size = 1 } };
    m[i] = (struct oci_mount){ .destination = "/idm", .type = "bind", .source = hostdir, OPTS("bind", "idmap"),
                               .uid_mappings = idm, .uid_mappings_len = 1, .gid_mappings = idm, .gid_mappings_len = 1 };
    i += !legacy;
    s->mounts = m;
    s->mounts_len = (size_t) i;
    dev[0] = (struct oci_device){ .path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229,
                                  .has_file_mode = true, .file_mode = 0600, .has_uid = true, .uid = 1, .has_gid = true, .gid = 2 };
    dev[1] = (struct oci_device){ .path = "/dev/mypipe", .type = 'p' };
    dev[2] = (struct oci_device){ .path = "/opt/outside-dev", .type = 'c', .major = 1, .minor = 3 };
    lx->devices = dev;
    lx->devices_len = 3;
    static char *masked[] = { "/proc/kcore", "/proc/keys", "/sys/firmware", "/does/not/exist", "/etc/masked-file" };
    static char *ro[] = { "/proc/sys", "/ro-here", "/nope" };
    lx->masked_paths = masked;
    lx->masked_paths_len = ARRAY_SIZE(masked);
    lx->readonly_paths = ro;
    lx->readonly_paths_len = ARRAY_SIZE(ro);
    s->linux_ = lx;
    bool kcore = access("/proc/kcore", F_OK) == 0;
    if (legacy)
        force_old_kernel();
    struct rootfs_ctx c = { .spec = s, .rootfs = rootfs, .new_netns = true, .new_cgroupns = false,
                            .cgroup_mounts = v1_entries,
                            .cgroup_mounts_len = ARRAY_SIZE(v1_entries) };
    struct tr_err err = { 0 };
    int rc = rootfs_prepare(&c, &err);
    ok(rc == 0, "rootfs_prepare (rootful, nerdctl default mounts%s): %s", legacy ? ", no new mount API" : "", rc ? err.msg : "ok");
    if (rc == 0) {
        /* between prepare and finalize (hook time) the host is still visible: prove the
         * symlink etc/evil -> ../../..<host>/escape did not send the bind to the host */
        char p[512], q[512];
        snprintf(p, sizeof(p), "%s/escape/inside", host);
        snprintf(q, sizeof(q), "%s%s/escape/inside", rootfs, host);
        struct stat a, b;
        snprintf(p + 256, 200, "%s/escape", host);
        ok(access(p, F_OK) < 0 && stat(p + 256, &a) == 0 && stat(host, &b) == 0 && a.st_dev == b.st_dev &&
           mountinfo_count(p + 256, NULL) == 0, "a symlink in the rootfs cannot send a mount to the host dir");
        ok(access(q, F_OK) == 0, "the mount landed inside the rootfs instead");
        rc = rootfs_finalize(&c, &err);
        ok(rc == 0, "rootfs_finalize: %s", rc ? err.msg : "ok");
    }
    if (rc == 0) {
        /* the init's console step: a pty of the container's devpts, bound by fd (TIOCGPTPEER) */
        int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        struct stat slave = { 0 };
        rc = master < 0 || unlockpt(master) != 0 || stat(ptsname(master), &slave) != 0 ? -1
             : rootfs_console_bind(master, &err);
        ok(rc == 0, "rootfs_console_bind after finalize: %s", rc ? err.msg : "ok");
        if (rc == 0)
            checks_rootful_after(&slave, kcore);
    }
    int v[2] = { tap_n, tap_failed };
    fflush(stdout);
    if (write(report, v, sizeof(v)) != sizeof(v))
        _exit(97);
}

/* ---- rootless: a user namespace, no mknod, locked flags, host netns (sysfs bound) ---- */

static char lockedsrc[160];
static bool rootless_flag;   /* false: mknod tried and refused (EPERM); true: no mknod at all */

static void rootless_case(int report)
{
    struct oci_mount m[] = {
        { .destination = "/proc", .type = "proc", .source = "proc", OPTS("nosuid", "noexec", "nodev") },
        { .destination = "/dev", .type = "tmpfs", .source = "tmpfs", OPTS("nosuid", "strictatime", "mode=755") },
        /* gid 70000 is not mapped (the map is 0..65535): devpts refuses it, retried without */
        { .destination = "/dev/pts", .type = "devpts", .source = "devpts", OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=70000") },
        { .destination = "/dev/mqueue", .type = "mqueue", .source = "mqueue", OPTS("nosuid", "noexec", "nodev") },
        { .destination = "/sys", .type = "sysfs", .source = "sysfs", OPTS("nosuid", "noexec", "nodev", "ro", legacy ? "ro" : "rro") },
        { .destination = "/sys/fs/cgroup", .type = "cgroup", .source = "cgroup", OPTS("ro", "nosuid", "noexec", "nodev") },
        { .destination = "/locked", .type = "bind", .source = lockedsrc, OPTS("rbind", "ro", "rprivate") },
        { .destination = "/locked-rw", .type = "bind", .source = lockedsrc, OPTS("rbind", "rw") },
    };
    struct oci_device dev[] = { { .path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229, .has_file_mode = true, .file_mode = 0600 } };
    struct cgroup_mount_entry v2[] = { { (char *) "", cgdir } };
    char *masked[] = { "/proc/keys", "/sys/firmware" }, *ro[] = { "/proc/sys" };
    struct oci_linux lx = { .devices = dev, .devices_len = 1, .masked_paths = masked, .masked_paths_len = 2,
                            .readonly_paths = ro, .readonly_paths_len = 1 };
    struct oci_spec s = { .mounts = m, .mounts_len = ARRAY_SIZE(m), .linux_ = &lx, .root_readonly = true };
    if (legacy)
        force_old_kernel();
    /* rootless false: mknod is tried, refused with EPERM, and the host node bound instead */
    struct rootfs_ctx c = { .spec = &s, .rootfs = rootfs, .rootless = rootless_flag, .in_userns = true,
                            .new_netns = false, .new_cgroupns = rootless_flag, .cgroup_mounts = v2, .cgroup_mounts_len = 1 };
    struct tr_err err = { 0 };
    int rc = rootfs_prepare(&c, &err);
    ok(rc == 0, "rootfs_prepare in a user namespace%s: %s", legacy ? " (no new mount API)" : "", rc ? err.msg : "ok");
    if (rc == 0) {
        rc = rootfs_finalize(&c, &err);
        ok(rc == 0, "rootfs_finalize in a user namespace: %s", rc ? err.msg : "ok");
    }
    if (rc == 0) {
        ok(is_chr("/dev/null", 1, 3, 0) && is_chr("/dev/tty", 5, 0, 0), "default devices bound from the host (no mknod)");
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        ok(fd >= 0 && write(fd, "x", 1) == 1, "the bound /dev/null works");
        if (fd >= 0) close(fd);
        ok(is_chr("/dev/fuse", 10, 229, 0), "linux.devices bound from the host");
        ok(fs_is("/dev/pts", 0x1cd1) && fs_is("/dev/mqueue", 0x19800202), "devpts with an unmapped gid= retried without it; mqueue");
        int n;
        ok(fs_is("/sys", 0x62656572) && ro_mount("/sys"), "sysfs without a netns: host /sys bound read-only");
        if (!legacy)
            ok(mountinfo_all_ro("/sys", &n) && n > 3, "rro on the /sys bind: all %d mounts below /sys read-only", n);
        ok(fs_is("/sys/fs/cgroup", 0x63677270) && ro_mount("/sys/fs/cgroup") && streq(mountinfo_root("/sys/fs/cgroup"), cgname),
           "cgroup v2 %s: the container's cgroup dir bound read-only (root %s)",
           rootless_flag ? "with cgroupns but cgroup2 refused (EPERM fallback)" : "without cgroupns", mountinfo_root("/sys/fs/cgroup"));
        struct statvfs sv;
        ok(statvfs("/locked", &sv) == 0 && (sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
               (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC), "ro bind of a nosuid,nodev,noexec source keeps the locked flags");
        ok(statvfs("/locked-rw", &sv) == 0 && (sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) == (ST_NOSUID | ST_NODEV | ST_NOEXEC),
           "rw bind in a user namespace: locked flags kept, no EPERM");
        ok(create_fails("/newfile", EROFS), "root.readonly: / rejects writes");
        const char *k = slurp("/proc/keys");
        ok(k && !*k && dir_empty("/sys/firmware") && ro_mount("/sys/firmware"), "maskedPaths in a user namespace");
        ok(create_fails("/proc/sys/kernel/hostname", EROFS), "readonlyPaths in a user namespace");
        ok(access("/marker", F_OK) == 0 && getpid() == 1, "pivot_root in a user namespace");
    }
    int v[2] = { tap_n, tap_failed };
    fflush(stdout);
    if (write(report, v, sizeof(v)) != sizeof(v))
        _exit(97);
}

/* ---- no_pivot and rshared ---- */

static bool nopivot_flag = true;

static void nopivot_case(int report)
{
    struct oci_mount m[] = {
        { .destination = "/proc", .type = "proc", .source = "proc", OPTS("nosuid", "noexec", "nodev") },
        { .destination = "/sys/fs/cgroup", .type = "cgroup", .source = "cgroup", OPTS("ro", "nosuid", "noexec", "nodev") },
    };
    struct cgroup_mount_entry v2[] = { { (char *) "", cgdir } };
    char *ro[] = { "/proc/sys" };
    struct oci_linux lx = { .rootfs_propagation = "rshared", .readonly_paths = ro, .readonly_paths_len = 1 };
    struct oci_spec s = { .mounts = m, .mounts_len = 2, .linux_ = &lx };
    struct rootfs_ctx c = { .spec = &s, .rootfs = rootfs, .no_pivot = nopivot_flag, .new_netns = true, .new_cgroupns = true,
                            .cgroup_mounts = v2, .cgroup_mounts_len = 1 };
    struct tr_err err = { 0 };
    int rc = rootfs_prepare(&c, &err);
    if (rc == 0)
        rc = rootfs_finalize(&c, &err);
    ok(rc == 0, "%s with rootfsPropagation rshared: %s", nopivot_flag ? "--no-pivot" : "pivot_root", rc ? err.msg : "ok");
    if (rc == 0) {
        ok(create_fails("/proc/sys/kernel/hostname", EROFS), "readonlyPaths made /proc/sys read-only");
    }
    if (rc == 0) {
        char cwd[256];
        struct stat a, b;
        ok(getcwd(cwd, sizeof(cwd)) && streq(cwd, "/") && access("/marker", F_OK) == 0, "cwd / in the rootfs");
        ok(stat("/", &a) == 0 && stat("/..", &b) == 0 && a.st_ino == b.st_ino, "/.. is /");
        ok(mountinfo_count("/", "shared:") >= 1, "/ is shared as rootfsPropagation asks");
        ok(fs_is("/sys/fs/cgroup", 0x63677270) && ro_mount("/sys/fs/cgroup") && streq(mountinfo_root("/sys/fs/cgroup"), "/"),
           "cgroup v2 with a cgroupns: cgroup2 mounted (its root is the container's cgroup)");
        ok(mountinfo_count("/sys/fs/cgroup/blkio", NULL) == 0 && mountinfo_count("/dev/pts", NULL) == 0,
           "host mounts outside the rootfs detached");
    }
    int v[2] = { tap_n, tap_failed };
    fflush(stdout);
    if (write(report, v, sizeof(v)) != sizeof(v))
        _exit(97);
}

/* ---- bad input gives one-line errors naming the config path ---- */

static void errors_case(int report)
{
    struct oci_mount m[] = {
        { .destination = "/proc", .type = "proc", .source = "proc" },
        { .destination = "/x", .type = "bind", .source = "/nonexistent-src", OPTS("bind") },
    };
    struct oci_spec s = { .mounts = m, .mounts_len = 2 };
    struct rootfs_ctx c = { .spec = &s, .rootfs = rootfs, .new_netns = true };
    struct tr_err err = { 0 };
    ok(rootfs_prepare(&c, &err) < 0 && strstr(err.msg, "mounts[1] (/x): bind source /nonexistent-src: No such file"),
       "missing bind source: %s", err.msg);
    struct oci_mount m2[] = { { .destination = "/y", .type = "nosuchfs", .source = "none" } };
    s.mounts = m2;
    s.mounts_len = 1;
    tr_err_clear(&err);
    ok(rootfs_prepare(&c, &err) < 0 && strstr(err.msg, "mounts[0] (/y): mount nosuchfs on /y: No such device"),
       "unknown fs type: %s", err.msg);
    struct oci_mount m3[] = { { .destination = "/proc/self/root", .type = "bind", .source = "/", OPTS("bind") } };
    s.mounts = m3;
    tr_err_clear(&err);
    ok(rootfs_prepare(&c, &err) < 0 && strstr(err.msg, "mounts[0] (/proc/self/root): mounting over /proc/self/root is not allowed"),
       "mount over /proc refused: %s", err.msg);
    /* the same through "..", and through a symlink of the rootfs into /proc */
    struct oci_mount m4[] = {
        { .destination = "/proc", .type = "proc", .source = "proc" },
        { .destination = "/dev/../proc/sys/kernel", .type = "tmpfs", .source = "tmpfs" },
    };
    s.mounts = m4;
    s.mounts_len = 2;
    tr_err_clear(&err);
    ok(rootfs_prepare(&c, &err) < 0 && strstr(err.msg, "mounts[1] (/dev/../proc/sys/kernel): mounting over /proc/sys/kernel is not allowed"),
       "mount over /proc via \"..\" refused: %s", err.msg);
    char link[256];
    snprintf(link, sizeof(link), "%s/etc/to-proc", rootfs);
    unlink(link);
    if (symlink("../proc/sys", link) < 0) printf("# symlink: %m\n");
    m4[1].destination = "/etc/to-proc";
    tr_err_clear(&err);
    ok(rootfs_prepare(&c, &err) < 0 && strstr(err.msg, "mounts[1] (/etc/to-proc): mounting over /etc/to-proc is not allowed: it is in procfs"),
       "mount over /proc via a symlink refused: %s", err.msg);
    unlink(link);
    m4[1] = (struct oci_mount){ .destination = "/proc/cpuinfo", .type = "bind", .source = "/proc/version", OPTS("bind") };
    tr_err_clear(&err);
    ok(rootfs_prepare(&c, &err) == 0, "a bind over /proc/cpuinfo (lxcfs style) is allowed: %s", err.msg);
    /* linux.mountLabel is ignored without SELinux (as crun): the tmpfs mounts without context= */
    m4[1] = (struct oci_mount){ .destination = "/labeled", .type = "tmpfs", .source = "tmpfs", OPTS("mode=755") };
    struct oci_linux lbl = { .mount_label = "system_u:object_r:container_file_t:s0" };
    s.linux_ = &lbl;
    tr_err_clear(&err);
    ok(selinux_enabled() || rootfs_prepare(&c, &err) == 0,
       "mountLabel without SELinux: the tmpfs mounts without context=: %s", err.msg);
    s.linux_ = NULL;
    s.mounts_len = 1;
    struct oci_device d[] = { { .path = "/dev/bad", .type = 'x' } };
    struct oci_linux lx = { .devices = d, .devices_len = 1 };
    s.mounts_len = 0;
    s.linux_ = &lx;
    tr_err_clear(&err);
    ok(rootfs_prepare(&c, &err) < 0 && strstr(err.msg, "linux.devices[0] (/dev/bad): unknown device type 'x'"),
       "bad device type: %s", err.msg);
    lx.devices_len = 0;
    lx.rootfs_propagation = "sideways";
    tr_err_clear(&err);
    ok(rootfs_prepare(&c, &err) < 0 && strstr(err.msg, "linux.rootfsPropagation: unknown value \"sideways\""),
       "bad rootfsPropagation: %s", err.msg);
    int v[2] = { tap_n, tap_failed };
    fflush(stdout);
    if (write(report, v, sizeof(v)) != sizeof(v))
        _exit(97);
}

/* ---- bind sources only the "host" root can reach, opened before the user namespace ---- */

static char secretdir[160], secretsrc[192], secretfile[192];
static struct oci_mount pre_m[] = {
    { .destination = "/sdata", .type = "bind", .source = secretsrc, OPTS("rbind", "ro") },
    { .destination = "/sfile", .type = "bind", .source = secretfile, OPTS("bind") },
    { .destination = "/dev", .type = "tmpfs", .source = "tmpfs", OPTS("mode=755") },
};
static struct oci_spec pre_spec = { .mounts = pre_m, .mounts_len = ARRAY_SIZE(pre_m) };
static struct mount_sources pre_sources;
static bool pre_open;              /* run_case opens pre_spec's sources before the userns */
static const char *case_map = "0 0 65536\n";

static void presource_case(int report)
{
    struct rootfs_ctx c = { .spec = &pre_spec, .rootfs = rootfs, .in_userns = true, .sources = &pre_sources };
    struct tr_err err = { 0 };
    char p[256];
    snprintf(p, sizeof(p), "%s/file", secretsrc);
    ok(access(p, R_OK) < 0 && errno == EACCES, "the mapped root cannot reach the sources by path");
    ok(pre_sources.len == 3 && pre_sources.fd[0] >= 0 && pre_sources.fd[1] >= 0 && pre_sources.fd[2] < 0,
       "a detached tree for each bind, none for the /dev tmpfs");
    int rc = rootfs_prepare(&c, &err);
    ok(rc == 0, "rootfs_prepare attaches the trees opened before the user namespace: %s", rc ? err.msg : "ok");
    snprintf(p, sizeof(p), "%s/sdata/file", rootfs);
    const char *t = slurp(p);
    ok(t && streq(t, "secret-data"), "the directory's file is readable through the mount");
    snprintf(p, sizeof(p), "%s/sdata/new", rootfs);
    ok(create_fails(p, EROFS), "ro applied to the detached tree");
    snprintf(p, sizeof(p), "%s/sfile", rootfs);
    t = slurp(p);
    ok(t && streq(t, "secret-file"), "the file bind shows the host file");
    ok(pre_sources.fd == NULL && pre_sources.len == 0, "rootfs_prepare closed the trees");
    int v[2] = { tap_n, tap_failed };
    fflush(stdout);
    if (write(report, v, sizeof(v)) != sizeof(v))
        _exit(97);
}

static void write_map(pid_t pid, const char *file, const char *map)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/%s", pid, file);
    struct tr_err e;
    if (write_file(p, map, strlen(map), 0, &e) < 0) printf("# %s\n", e.msg);
}

/* Fork: [userns] -> unshare namespaces -> fork pid 1 -> fn. The counters come back by pipe. */
static void run_case(const char *name, void (*fn)(int), bool userns, int extra_ns)
{
    int rep[2], go[2];
    if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) exit(99);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(rep[0]);
        close(go[1]);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) _exit(90);
        /* a source with nosuid,nodev,noexec from the "host": locked once a userns copies it */
        if (mount("tmpfs", lockedsrc, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0) _exit(91);
        char sub[256];
        snprintf(sub, sizeof(sub), "%s/sub", rrodir);
        if (mount("tmpfs", sub, "tmpfs", 0, "mode=755") < 0) _exit(92);
        char procs[192];
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgdir);
        struct tr_err e;
        if (write_file(procs, "0", 1, 0, &e) < 0) _exit(89);
        /* the runtime enters the init's mount namespace; here that is our own, before the user
         * namespace (the locking of inherited flags is tested from outside, mounts.bats) */
        if (pre_open && mount_sources_open(getpid(), &pre_spec, &pre_sources, &e) < 0) {
            printf("# %s\n", e.msg);
            _exit(88);
        }
        if (userns) {
            char c;
            if (unshare(CLONE_NEWUSER) < 0) _exit(93);
            if (write(rep[1], "u", 1) != 1 || read(go[0], &c, 1) != 1) _exit(94);
            if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) _exit(95);
        }
        int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | extra_ns;
        if (unshare(flags) < 0) _exit(96);
        pid_t init = fork();
        if (init == 0) {
            fn(rep[1]);
            _exit(0);
        }
        int st;
        waitpid(init, &st, 0);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    close(rep[1]);
    close(go[0]);
    if (userns) {
        char c;
        if (read(rep[0], &c, 1) == 1) {
            write_map(pid, "uid_map", case_map);
            write_map(pid, "gid_map", case_map);
        }
        if (write(go[1], "g", 1) != 1) exit(99);
    }
    close(go[1]);
    int v[2] = { 0, 0 }, st;
    ssize_t n = read(rep[0], v, sizeof(v));
    close(rep[0]);
    waitpid(pid, &st, 0);
    if (n == sizeof(v)) {
        tap_n = v[0];
        tap_failed = v[1];
    }
    ok(n == sizeof(v) && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child exited cleanly (status %#x)", name, st);
}

static void make_tree(void)
{
    snprintf(base, sizeof(base), "/tmp/tr-rootfs-XXXXXX");
    if (!mkdtemp(base)) exit(99);
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", base);
    snprintf(host, sizeof(host), "%s/host", base);
    mkdirs("%s/proc", rootfs); mkdirs("%s/dev", rootfs); mkdirs("%s/sys", rootfs);
    mkdirs("%s/etc", rootfs); mkdirs("%s/tmpc/subdir", rootfs); mkdirs("%s/ro-here", rootfs);
    mkdirs("%s/escape", host); mkdirs("%s/dir", host); mkdirs("%s/rro/sub", host); mkdirs("%s/locked", host);
    char p[512];
    snprintf(p, sizeof(p), "%s/marker", rootfs); mkfile(p, "m");
    snprintf(p, sizeof(p), "%s/tmpc/seed", rootfs); mkfile(p, "seed-data");
    snprintf(p, sizeof(p), "%s/etc/masked-file", rootfs); mkfile(p, "secret");
    snprintf(hostfile, sizeof(hostfile), "%s/file", host); mkfile(hostfile, "host-file");
    snprintf(hostdir, sizeof(hostdir), "%s/dir", host);
    snprintf(p, sizeof(p), "%s/inside", hostdir); mkfile(p, "in");
    snprintf(rrodir, sizeof(rrodir), "%s/rro", host);
    snprintf(lockedsrc, sizeof(lockedsrc), "%s/locked", host);
    snprintf(resolvsrc, sizeof(resolvsrc), "%s/resolv", host); mkfile(resolvsrc, "nameserver 192.0.2.1\n");
    /* etc/evil -> ../../../../../../<host>/escape: escapes the rootfs unless resolved in root */
    char target[300];
    snprintf(target, sizeof(target), "../../../../../../../..%s/escape", host);
    snprintf(p, sizeof(p), "%s/etc/evil", rootfs);
    if (symlink(target, p) < 0) exit(99);
    snprintf(escape_dest, sizeof(escape_dest), "/etc/evil/inside");
    snprintf(p, sizeof(p), "%s/etc/resolv.conf", rootfs);
    if (symlink("../run/resolve/stub.conf", p) < 0) exit(99);
    snprintf(secretdir, sizeof(secretdir), "%s/secret", base);
    snprintf(secretsrc, sizeof(secretsrc), "%s/data", secretdir);
    snprintf(secretfile, sizeof(secretfile), "%s/file", secretdir);
    mkdirs("%s", secretsrc);
    snprintf(p, sizeof(p), "%s/file", secretsrc); mkfile(p, "secret-data");
    mkfile(secretfile, "secret-file");
    if (chmod(secretdir, 0700) < 0) exit(99);
    /* the targets exist: the mapped root could not create them in a root-owned rootfs */
    mkdirs("%s/sdata", rootfs);
    snprintf(p, sizeof(p), "%s/sfile", rootfs); mkfile(p, "");
}

int main(void)
{
    if (geteuid() != 0) {
        skip("needs root (mount namespaces, mknod, pivot_root)");
        return done_testing();
    }
    make_tree();
    /* a v2 cgroup to run in: tells a cgroup2 mount in a new cgroupns (root "/") from a bind of
     * the container's dir (root "/<name>") */
    const char *v2root = fs_is("/sys/fs/cgroup", 0x63677270) ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
    snprintf(cgdir, sizeof(cgdir), "%s/tr-rootfs-test-%d", v2root, getpid());
    cgname = cgdir + strlen(v2root);
    if (mkdir(cgdir, 0755) < 0) {
        printf("# mkdir %s: %m\n", cgdir);
        return 1;
    }
    run_case("rootful", rootful_case, false, CLONE_NEWNET);
    char p[512];
    snprintf(p, sizeof(p), "%s/escape", host);
    ok(dir_empty(p), "host dir the symlink pointed at is untouched");
    const char *c = slurp(hostfile);
    ok(c && streq(c, "changed"), "the container's write went to the host file (a bind, not a copy)");
    snprintf(p, sizeof(p), "%s/tmpc/new", rootfs);
    ok(access(p, F_OK) < 0, "tmpcopyup writes stay in the tmpfs");
    snprintf(p, sizeof(p), "%s/run/resolve/stub.conf", rootfs);
    ok(access(p, F_OK) == 0, "the dangling symlink's target was created inside the rootfs");
    run_case("userns, mknod refused", rootless_case, true, 0);
    rootless_flag = true;
    run_case("userns, rootless", rootless_case, true, 0);
    legacy = true;
    rootless_flag = false;
    run_case("userns, no new mount API", rootless_case, true, 0);
    mkfile(hostfile, "host-file");
    run_case("rootful, no new mount API", rootful_case, false, CLONE_NEWNET);
    legacy = false;
    run_case("no-pivot", nopivot_case, false, CLONE_NEWNET | CLONE_NEWCGROUP);
    nopivot_flag = false;
    run_case("pivot rshared", nopivot_case, false, CLONE_NEWNET | CLONE_NEWCGROUP);
    run_case("errors", errors_case, false, CLONE_NEWNET);
    /* the mapped root (host 100000) may traverse the tree, but not the 0700 secret dir */
    if (chmod(base, 0755) < 0) exit(99);
    pre_open = true;
    case_map = "0 100000 65536\n";
    run_case("userns, bind sources behind a 0700 dir", presource_case, true, 0);
    if (rmdir(cgdir) < 0) printf("# rmdir %s: %m\n", cgdir);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
    if (system(cmd) != 0) printf("# cleanup of %s failed\n", base);
    return done_testing();
}
