#include "config.h"
#include <sched.h>
#include <unistd.h>
#include "sys.h"

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
};

const struct tr_sys *tr_sys = &tr_sys_real;
