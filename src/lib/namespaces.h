/* linux.namespaces -> what to create (clone flags) and what to join (fds opened from paths),
 * plus uid/gid maps. Joined namespaces are entered just around clone (the child inherits them)
 * and never by the runtime for good: createRuntime hooks must still run in the runtime's own
 * namespaces. See ns_spawn for who enters them. */
#ifndef TINYRUN_NAMESPACES_H
#define TINYRUN_NAMESPACES_H
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

struct ns_plan {
    unsigned long new_flags;        /* CLONE_NEW* the child is created with */
    int join_fd[OCI_NS__COUNT];     /* namespace fds opened from linux.namespaces[].path */
    int own_fd[OCI_NS__COUNT];      /* the parent's own, to return to after clone */
    bool has[OCI_NS__COUNT];        /* the type is listed in config (new or joined) */
    bool joined_in_helper;          /* set in the child spawned by the join helper */
    bool late_cgroupns;             /* new cgroup ns: unshared by the child once it is in its
                                     * cgroup, so that cgroup becomes the namespace root */
};

unsigned long ns_clone_flag(enum oci_ns_type t);
/* Opens and type-checks every path (`linux.namespaces[1].path: /proc/1/ns/ipc is a ipc
 * namespace, not network`). */
int ns_plan_init(struct ns_plan *p, const struct oci_spec *spec, struct tr_err *err);
void ns_plan_close(struct ns_plan *p);
struct spawn_req;
/* fork-like: clone the container process into the plan's namespaces, joined ones entered
 * around the clone by the runtime itself or, when it could not return from them, or a user
 * namespace is joined, by a short-lived helper (CLONE_PARENT keeps the child ours). Returns 0
 * with *pid 0 in the child and *pid > 0 in the parent; -1 on failure, *pid > 0 when a child
 * exists that the caller must kill. */
int ns_spawn(struct ns_plan *p, const struct spawn_req *r, pid_t *pid, int *used_cgroup_fd, struct tr_err *err);
/* Child: become root in a user namespace joined by path; then, already placed in its cgroup,
 * a new cgroup namespace. */
int ns_child_join_user(struct ns_plan *p, struct tr_err *err);
/* Parent: write /proc/<pid>/{setgroups,uid_map,gid_map} from linux.uid/gidMappings (newuidmap
 * and newgidmap when an unprivileged runtime cannot write them itself). */
int ns_write_id_maps(pid_t pid, const struct oci_spec *spec, struct tr_err *err);
/* True if the process runs in a user namespace other than the initial one. */
bool ns_in_child_userns(void);

#endif
