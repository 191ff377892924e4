#include "config.h"
#include <linux/openat2.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sys.h"

/* glibc has no wrapper */
static long real_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
    return syscall(SYS_openat2, dirfd, path, how, size);
}

const struct tr_sys tr_sys_real = {
    .unshare = unshare,
    .setns = setns,
    .sethostname = sethostname,
    .setdomainname = setdomainname,
    .setresuid = setresuid,
    .setresgid = setresgid,
    .chroot = chroot,
    .chdir = chdir,
    .mount = mount,
    .open_tree = open_tree,
    .move_mount = move_mount,
    .mount_setattr = mount_setattr,
    .openat2 = real_openat2,
};

const struct tr_sys *tr_sys = &tr_sys_real;
