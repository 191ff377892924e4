/* linux.namespaces -> what to create (clone flags) and what to join (fds opened from paths),
 * plus uid/gid maps. Joined namespaces other than user are entered by the PARENT just around
 * clone (the child inherits them) and the parent then returns to its own: createRuntime hooks
 * must still run in the runtime's namespaces. A user namespace given by path is joined by the
 * child, first, since a process cannot return to a parent user namespace. */
#ifndef TINYRUN_NAMESPACES_H
#define TINYRUN_NAMESPACES_H
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

struct ns_plan {
    unsigned long new_flags;        /* CLONE_NEW* the child is created with */
    unsigned long unshare_flags;    /* created by the child after joining a user ns by path */
    int join_fd[OCI_NS__COUNT];     /* namespace fds opened from linux.namespaces[].path */
    int own_fd[OCI_NS__COUNT];      /* the parent's own, to return to after clone */
    bool has[OCI_NS__COUNT];        /* the type is listed in config (new or joined) */
    bool late_cgroupns;             /* new cgroup ns: unshared by the child once it is in its
                                     * cgroup, so that cgroup becomes the namespace root */
};

unsigned long ns_clone_flag(enum oci_ns_type t);
/* Opens and type-checks every path (`linux.namespaces[1].path: /proc/1/ns/ipc is a ipc
 * namespace, not network`). */
int ns_plan_init(struct ns_plan *p, const struct oci_spec *spec, struct tr_err *err);
void ns_plan_close(struct ns_plan *p);
/* Parent, just before clone: enter every joined namespace except user. */
int ns_parent_enter(struct ns_plan *p, struct tr_err *err);
/* Parent, just after clone: back to its own namespaces. */
int ns_parent_restore(struct ns_plan *p, struct tr_err *err);
/* Child: join the user namespace by path, then unshare what must be new inside it; then,
 * already placed in its cgroup, a new cgroup namespace. */
int ns_child_join_user(struct ns_plan *p, struct tr_err *err);
/* Parent: write /proc/<pid>/{setgroups,uid_map,gid_map} from linux.uid/gidMappings (newuidmap
 * and newgidmap when an unprivileged runtime cannot write them itself). */
int ns_write_id_maps(pid_t pid, const struct oci_spec *spec, struct tr_err *err);
/* True if the process runs in a user namespace other than the initial one. */
bool ns_in_child_userns(void);

#endif
