/* The trusted procfs (src/lib/procfs.c): the handle is a procfs root, lookups stay below it
 * (no "..", no magic link, no other filesystem), writes reach the real file even with one
 * bound over the caller's /proc path (root: in a private mount namespace; skipped otherwise),
 * reopen gives the same file, and a hidden handle is in no fd of the table. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "procfs.h"
#include "tap.h"
#include "util.h"

static int read_int(int proc, const char *rel)
{
    struct tr_err err = { 0 };
    char buf[32] = { 0 };
    _cleanup_close_ int fd = procfs_open_at(proc, rel, O_RDONLY, &err);
    if (fd < 0 || read(fd, buf, sizeof buf - 1) <= 0)
        return -100000;
    return atoi(buf);
}

/* fds of this process that are directories on a procfs */
static int proc_dir_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && procfs_fd_is_proc(fd))
            n++;
    }
    return n;
}

static void test_handle_and_lookups(void)
{
    struct tr_err err = { 0 };
    int proc = procfs_handle(&err);
    ok(proc >= 0 && procfs_fd_is_proc(proc), "procfs_handle: a procfs fd (%s)", err.msg);
    ok(procfs_handle(&err) == proc, "procfs_handle: cached");
    int fd = procfs_open_at(proc, "../etc/passwd", O_RDONLY, &err);
    ok(fd < 0, "\"..\" out of the procfs is refused (%s)", err.msg);
    is_str(strstr(err.msg, "/proc/../etc/passwd") ? "named" : err.msg, "named", "the error names the path");
    fd = procfs_open_at(proc, "self/root/etc/passwd", O_RDONLY, &err);
    ok(fd < 0 && err.code == ELOOP, "a magic link (self/root) is refused with ELOOP (%s)", err.msg);
    fd = procfs_open_at(proc, "/self/status", O_RDONLY, &err);
    ok(fd >= 0, "a leading slash is taken below the root");
    if (fd >= 0)
        close(fd);
}

static void test_not_proc(void)
{
    struct tr_err err = { 0 };
    char dir[] = "/tmp/test-procfs-XXXXXX";
    if (!mkdtemp(dir)) {
        skip("mkdtemp");
        return;
    }
    _cleanup_free_ char *file = xasprintf("%s/oom_score_adj", dir);
    int w = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (w >= 0)
        close(w);
    _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = procfs_open_at(dfd, "oom_score_adj", O_WRONLY, &err);
    ok(fd < 0 && strstr(err.msg, "not a procfs file"), "a file outside procfs is refused (%s)", err.msg);
    unlink(file);
    rmdir(dir);
}

static void test_write_and_reopen(void)
{
    struct tr_err err = { 0 };
    int proc = procfs_handle(&err);
    int cur = read_int(proc, "self/oom_score_adj");
    int want = cur < 1000 ? cur + 1 : cur;   /* raising needs no privilege */
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%d", want);
    ok(procfs_write("self/oom_score_adj", buf, (size_t) n, &err) == 0, "procfs_write oom_score_adj (%s)", err.msg);
    ok(read_int(proc, "self/oom_score_adj") == want, "the value reached this process: %d", want);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        skip("pipe");
        return;
    }
    int r = procfs_reopen(p[0], O_RDONLY, &err);
    struct stat a, b;
    ok(r >= 0 && fstat(r, &a) == 0 && fstat(p[0], &b) == 0 && a.st_ino == b.st_ino,
       "procfs_reopen: the same pipe (%s)", err.msg);
    if (r >= 0)
        close(r);
    close(p[0]);
    close(p[1]);
}

static void test_hide(void)
{
    struct tr_err err = { 0 };
    int before = procfs_handle(&err);
    ok(proc_dir_fds() >= 1, "the handle is in the fd table");
    ok(procfs_handle_hide(&err) == 0, "procfs_handle_hide (%s)", err.msg);
    ok(proc_dir_fds() == 0 && fcntl(before, F_GETFD) < 0, "hidden: no procfs directory in the fd table");
    int again = procfs_handle(&err);
    ok(again >= 0 && procfs_fd_is_proc(again) && read_int(again, "self/oom_score_adj") > -100000,
       "procfs_handle after hide: the handle is back and works (%s)", err.msg);
    procfs_handle_drop();
    ok(proc_dir_fds() == 0, "procfs_handle_drop: closed");
}

/* Child: a private mount namespace with a file bound over /proc/self/oom_score_adj (the
 * CVE-2025-52881 shape). 0 = the real file got the write and the bound file did not. */
static int overmount_child(void)
{
    struct tr_err err = { 0 };
    char path[] = "/tmp/test-procfs-fake-XXXXXX";
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return 77;
    int f = mkstemp(path);
    if (f < 0 || write(f, "untouched\n", 10) != 10)
        return 2;
    close(f);
    if (mount(path, "/proc/self/oom_score_adj", NULL, MS_BIND, NULL) < 0)
        return 77;
    int proc = procfs_handle(&err);
    int cur = read_int(proc, "self/oom_score_adj");
    int want = cur < 1000 ? cur + 1 : cur;
    char buf[16], got[32] = { 0 };
    int n = snprintf(buf, sizeof buf, "%d", want);
    if (procfs_write("self/oom_score_adj", buf, (size_t) n, &err) < 0) {
        printf("# %s\n", err.msg);
        return 3;
    }
    f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0 || read(f, got, sizeof got - 1) <= 0 || strcmp(got, "untouched\n") != 0)
        return 4;
    umount2("/proc/self/oom_score_adj", MNT_DETACH);
    unlink(path);
    return read_int(proc, "self/oom_score_adj") == want ? 0 : 5;
}

static void test_overmount(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(overmount_child());
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
        skip("needs root (a private mount namespace)");
        return;
    }
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
       "a file bound over /proc/self/oom_score_adj does not take the write (child status %d)",
       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
    test_handle_and_lookups();
    test_not_proc();
    test_write_and_reopen();
    test_hide();
    test_overmount();
    return done_testing();
}
