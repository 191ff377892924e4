/* The container init: what the cloned child does, from clone to execve, as an ordered table
 * of named steps (init.c). The messages are spawn.h's; the runtime's side is the spawn
 * session (spawn.c) with create.c's handlers. */
#ifndef TINYRUN_INIT_H
#define TINYRUN_INIT_H
#include <stdbool.h>
#include <stddef.h>
#include "caps.h"
#include "cgroup.h"
#include "namespaces.h"
#include "rootfs.h"
#include "seccomp-profile.h"
#include "spec.h"

struct init_args {
    const struct oci_spec *spec;
    const char *id;
    const char *bundle;
    const char *rootfs;
    int sock;                   /* child end of the spawn channel */
    int fifo_fd;                /* O_PATH fd of <state>/exec.fifo */
    struct ns_plan *ns;
    const struct caps_plan *caps;
    const struct seccomp_plan *seccomp;
    const struct cgroup_mount_entry *cgroup_mounts; size_t cgroup_mounts_len;
    struct mount_sources *mount_sources;   /* bind sources opened before a user namespace */
    bool no_pivot;
    bool no_new_keyring;        /* --no-new-keyring: keep the caller's session keyring */
    bool rootless;
    bool in_userns;             /* a new or joined user namespace */
    int preserve_fds;
};

__attribute__((noreturn)) void init_main(const struct init_args *a);

#endif
