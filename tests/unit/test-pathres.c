/* Path resolution beneath a root (src/lib/pathres.c) in a temp dir, no root needed: "..",
 * absolute and relative symlinks stay in the root, loops end in ELOOP, the last component's
 * link is kept with O_NOFOLLOW; mkdir and mount targets are created in the root even through
 * links that point out of it. Every case runs twice: with openat2 (RESOLVE_IN_ROOT) and with
 * the userspace walk for kernels without it (the fake seam makes openat2 ENOSYS).
 * Checked to fail: resolving an absolute link from the current directory instead of
 * the root in walk_in_root breaks the "stays in the root" cases. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fake-sys.h"
#include "rootfs-internal.h"
#include "util.h"
#include "tap.h"

static char dir[64];
static int root = -1;
static const char *mode_name = "openat2";

static void make_tree(void)
{
    snprintf(dir, sizeof dir, "/tmp/test-pathres.XXXXXX");
    if (!mkdtemp(dir))
        abort();
    root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int dfd = open(dir, O_DIRECTORY | O_CLOEXEC);
    int f;
    if (root < 0 || dfd < 0 || mkdirat(dfd, "a", 0755) < 0 || mkdirat(dfd, "a/b", 0755) < 0 ||
        (f = openat(dfd, "a/b/file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0 ||
        symlinkat("/a", dfd, "abs") < 0 ||                  /* absolute: means <root>/a */
        symlinkat("../../../../a", dfd, "a/up") < 0 ||      /* climbs above the root */
        symlinkat("b/file", dfd, "a/rel") < 0 ||
        symlinkat("/a/b/file", dfd, "a/abs-file") < 0 ||   /* absolute, from a subdirectory */
        symlinkat("/etc", dfd, "etc-link") < 0 ||           /* the host has /etc, the root has not */
        symlinkat("/tmp", dfd, "tmp-link") < 0 ||
        symlinkat("loop2", dfd, "loop1") < 0 || symlinkat("loop1", dfd, "loop2") < 0 ||
        symlinkat("/missing/target", dfd, "dangling") < 0)
        abort();
    close(f);
    close(dfd);
}

/* Same inode as <dir>/rel? */
static bool is_file(int fd, const char *rel)
{
    struct stat a, b;
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
    return fd >= 0 && fstat(fd, &a) == 0 && stat(p, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static void resolves(const char *path, const char *want, const char *what)
{
    int fd = resolve_in_root(root, path, O_PATH, 0);
    ok(is_file(fd, want), "%s: %s: %s is <root>/%s", mode_name, what, path, want);
    if (fd >= 0)
        close(fd);
}

static void fails(const char *path, int flags, int want_errno, const char *what)
{
    errno = 0;
    int fd = resolve_in_root(root, path, flags, 0);
    int e = errno;
    ok(fd < 0 && e == want_errno, "%s: %s: %s fails with %s (got %s)", mode_name, what, path, strerror(want_errno),
       fd < 0 ? strerror(e) : "an fd");
    if (fd >= 0)
        close(fd);
}

static void test_resolve(void)
{
    resolves("a/b/file", "a/b/file", "a plain path");
    resolves("/a/b/file", "a/b/file", "a leading / is the root");
    resolves("../../a/b/../b/file", "a/b/file", "\"..\" stops at the root");
    resolves("abs/b/file", "a/b/file", "an absolute link resolves in the root");
    resolves("a/up/b/file", "a/b/file", "a relative link climbing above the root stops at it");
    resolves("a/rel", "a/b/file", "a relative link from its directory");
    resolves("a/abs-file", "a/b/file", "an absolute link in a subdirectory starts again at the root");
    resolves("/", ".", "/ is the root itself");
    fails("etc-link/passwd", O_PATH, ENOENT, "a link to the host's /etc stays in the root");
    fails("loop1", O_PATH, ELOOP, "a loop of links");
    fails("a/b/file/x", O_PATH, ENOTDIR, "a file used as a directory");
    fails("a/b/missing", O_PATH, ENOENT, "a missing name");
    int fd = resolve_in_root(root, "abs", O_PATH | O_NOFOLLOW, 0);
    struct stat st;
    ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode), "%s: O_NOFOLLOW keeps a link in the last place",
       mode_name);
    if (fd >= 0)
        close(fd);
    fd = resolve_in_root(root, "abs/b/file", O_RDONLY, 0);
    ok(is_file(fd, "a/b/file"), "%s: opened for reading, not only O_PATH", mode_name);
    if (fd >= 0)
        close(fd);
}

static void test_create(void)
{
    struct tr_err err = { 0 };
    _cleanup_free_ char *name = xasprintf("tinyrun-test-pathres-%d-%s", (int) getpid(), mode_name);
    _cleanup_free_ char *through = xasprintf("tmp-link/%s/deeper", name);
    _cleanup_free_ char *in_root = xasprintf("tmp/%s/deeper", name);
    _cleanup_free_ char *host = xasprintf("/tmp/%s", name);
    int fd = mkdir_in_root(root, through, 0755, &err);
    ok(is_file(fd, in_root), "%s: mkdir through a link to /tmp creates <root>/tmp/...%s", mode_name, err.msg);
    ok(access(host, F_OK) < 0, "%s: and nothing in the host's /tmp", mode_name);
    if (fd >= 0)
        close(fd);
    fd = open_mount_target(root, "/abs/new-file", false, &err);
    struct stat st;
    ok(is_file(fd, "a/new-file") && fstat(fd, &st) == 0 && S_ISREG(st.st_mode),
       "%s: a file mount target is created as a file, through the link", mode_name);
    if (fd >= 0)
        close(fd);
    fd = open_mount_target(root, "/dangling", true, &err);
    ok(is_file(fd, "missing/target"), "%s: a dangling link's target is created in the root (as runc)", mode_name);
    if (fd >= 0)
        close(fd);
    const char *base = NULL;
    ok(open_parent_in_root(root, "/a/..", &base, &err) < 0 && err.code == EINVAL, "%s: \"..\" is not a file",
       mode_name);
    is_str(err.msg, "/a/..: not a path to a file: Invalid argument", "the error names the path");
}

static void cleanup(void)
{
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", dir);
}

int main(void)
{
    if (fake_install() < 0)
        return 1;
    make_tree();
    int probe = tr_sys_real.openat2(AT_FDCWD, "/", &(struct open_how) { .flags = O_PATH }, sizeof(struct open_how));
    if (probe < 0) {
        skip("this kernel has no openat2: only the userspace walk runs");
    } else {
        close(probe);
        test_resolve();
        test_create();
    }
    /* From here on openat2 is ENOSYS (pathres.c remembers it): the userspace walk. */
    mode_name = "walk";
    fake_fail("openat2", 0, ENOSYS);
    test_resolve();
    test_create();
    cleanup();
    return done_testing();
}
