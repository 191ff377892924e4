/* Process security knobs other than caps and seccomp: AppArmor, SELinux, no_new_privs,
 * oomScoreAdj, personality, ioPriority, scheduler, sysctl (namespaced keys only). */
#ifndef TINYRUN_SECURITY_H
#define TINYRUN_SECURITY_H
#include <stdbool.h>
#include "error.h"
#include "spec.h"

/* Parent-side validation, once, with JSON paths: sysctl keys vs. namespaces, apparmor requested
 * but unavailable, selinux label without SELinux, personality domain, ioPriority class... */
int security_validate(const struct oci_spec *spec, struct tr_err *err);

/* Child, before the rootfs: write linux.sysctl through the private procfs (procfs.h). */
int sysctl_apply(const struct oci_spec *spec, struct tr_err *err);
/* oom_score_adj of pid (0: the caller) through the private procfs (procfs.h): the child's own
 * before the rootfs, or the runtime's write for an init in a user namespace (create.c). */
int oom_score_adj_apply(pid_t pid, const struct oci_process *p, struct tr_err *err);
/* The process part of security_validate, also for `exec` (its --process file or the
 * config's process): ioPriority, scheduler, oomScoreAdj, LSM labels. */
int security_validate_process(const struct oci_process *p, struct tr_err *err);
/* Child, the init and exec alike: personality, ioPriority, scheduler, linux.memoryPolicy. */
int process_sched_apply(const struct oci_spec *spec, const struct oci_process *p, struct tr_err *err);
/* Child, just before execve: apparmor exec attr, selinux exec label. */
int security_labels_apply(const struct oci_process *p, struct tr_err *err);
/* Whether p's setup writes below /proc once the container's /proc may be in view (oomScoreAdj,
 * the AppArmor or SELinux exec label): exec's private procfs (procfs.h) must be opened before,
 * in the runtime's view. A new procfs superblock costs ~0.13 ms, so exec makes it only then
 * (the init always does: it reopens exec.fifo through it after pivot_root). */
bool process_needs_procfs(const struct oci_process *p);
/* SELinux mount label for a mount options string (returns malloc'd new options or NULL if none). */
char *selinux_mount_options(const char *mount_label, const char *options);
/* Child: PR_SET_NO_NEW_PRIVS (process.noNewPrivileges). */
int no_new_privs_apply(struct tr_err *err);

/* Host probes: AppArmor = securityfs dir present and the module parameter "enabled" is Y. */
bool apparmor_enabled(void);
bool selinux_enabled(void);
/* A SELinux label at JSON path field (or --process-label): *apply false when none is set or
 * SELinux is off (ignored, with a debug line); -1 when it cannot be applied on a SELinux host. */
int selinux_label_check(const char *field, const char *label, bool *apply, struct tr_err *err);
/* The linux.sysctl part of security_validate. */
int sysctl_validate(const struct oci_spec *spec, struct tr_err *err);
/* "net.ipv4.ip_forward" -> malloc'd "net/ipv4/ip_forward" (a key with '/' is kept as is);
 * NULL for an empty key or one with "."/".." components. */
char *sysctl_key_to_path(const char *key);

#endif
