/* linux.namespaces -> what to create (clone flags) and what to join (fds opened from paths),
 * plus uid/gid maps. Joined namespaces are entered just around clone (the child inherits them)
 * and never by the runtime for good: createRuntime hooks must still run in the runtime's own
 * namespaces. See spawn_session_clone (spawn.h) for who enters them. */
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
    bool late_timens;               /* new time ns: unshared by the init, which writes the
                                     * offsets before anyone is in it (timens.h) */
    bool late_netns;                /* new net ns: unshared by the init as its first step, so
                                     * that the kernel builds it (the costliest namespace, ~0.4
                                     * ms) while the runtime does the cgroup work, not inside
                                     * the runtime's clone. Not with netDevices (moved in before
                                     * SETUP_DONE) nor a user namespace joined by path. */
};

/* The /proc/<pid>/ns entries of each type: the namespace the process is in (self), and the
 * one its children get (for_children; differs from self for pid and time only). */
struct ns_proc_name { const char *self, *for_children; };
extern const struct ns_proc_name ns_proc_names[OCI_NS__COUNT];

/* Opens and type-checks every path (`linux.namespaces[1].path: /proc/1/ns/ipc is a ipc
 * namespace, not network`). */
int ns_plan_init(struct ns_plan *p, const struct oci_spec *spec, struct tr_err *err);
void ns_plan_close(struct ns_plan *p);
/* Just before clone: enter every joined namespace except user (our own are kept in own_fd);
 * just after: back to them. Used by the spawn session (spawn.c), which decides who joins. */
int ns_parent_enter(struct ns_plan *p, struct tr_err *err);
int ns_parent_restore(struct ns_plan *p, struct tr_err *err);
/* The join helper's joins, for good: every namespace but user first, while our own user
 * namespace's capabilities count; one refused with EPERM (owned by the user namespace we
 * join) is retried after the user one. */
int ns_join_all(struct ns_plan *p, struct tr_err *err);
/* Child: become root in a user namespace joined by path; then, already placed in its cgroup,
 * a new cgroup namespace. */
int ns_child_join_user(struct ns_plan *p, struct tr_err *err);
/* Parent: write /proc/<pid>/{setgroups,uid_map,gid_map} from linux.uid/gidMappings (newuidmap
 * and newgidmap when an unprivileged runtime cannot write them itself). */
int ns_write_id_maps(pid_t pid, const struct oci_spec *spec, struct tr_err *err);
/* True if the process runs in a user namespace other than the initial one. */
bool ns_in_child_userns(void);

#endif
