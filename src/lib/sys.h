/* The syscall seam (issue 9 §6, as youki's Syscall trait): the calls the init's steps
 * (init.c), namespaces.c and mount-ops.c make to change the process's namespaces, ids, root and
 * mounts go through tr_sys, so that a unit test can swap in a recording fake and drive that
 * code without root; openat2 too, which pathres.c resolves every rootfs path with, so that a
 * test can take its fallback for kernels without it. tr_sys points at tr_sys_real except in
 * tests; the cost is one indirect call per syscall. Each member has the libc function's
 * signature, errno included. */
#ifndef TINYRUN_SYS_H
#define TINYRUN_SYS_H
#include <stddef.h>
#include <sys/mount.h>
#include <sys/types.h>

struct open_how;

struct tr_sys {
    int (*unshare)(int flags);
    int (*setns)(int fd, int nstype);
    int (*sethostname)(const char *name, size_t len);
    int (*setdomainname)(const char *name, size_t len);
    int (*setresuid)(uid_t r, uid_t e, uid_t s);
    int (*setresgid)(gid_t r, gid_t e, gid_t s);
    int (*chroot)(const char *path);
    int (*chdir)(const char *path);
    int (*mount)(const char *source, const char *target, const char *fstype, unsigned long flags,
                 const void *data);
    int (*open_tree)(int dfd, const char *path, unsigned int flags);
    int (*move_mount)(int from_dfd, const char *from, int to_dfd, const char *to, unsigned int flags);
    int (*mount_setattr)(int dfd, const char *path, unsigned int flags, struct mount_attr *attr,
                         size_t size);
    long (*openat2)(int dirfd, const char *path, struct open_how *how, size_t size);
};

/* The kernel's calls (libc's wrappers). */
extern const struct tr_sys tr_sys_real;
/* The calls in use: &tr_sys_real, or a test's fake (set before the code under test runs). */
extern const struct tr_sys *tr_sys;

#endif
