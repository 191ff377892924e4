/* A trusted procfs for every value the runtime writes below /proc (oom_score_adj, sysctl,
 * LSM exec attributes). The container's /proc is the image's and the config's to shape: a bind
 * of a tmpfs, a symlink, a file bound over /proc/self/oom_score_adj by a racing container.
 * Writing there would land in whatever file sits at that path (CVE-2025-52881 class). So the
 * runtime writes only through a procfs instance of its own, and checks each file it opens. */
#ifndef TINYRUN_PROCFS_H
#define TINYRUN_PROCFS_H
#include <stdbool.h>
#include <stddef.h>
#include "error.h"

/* The O_PATH fd of the root of a trusted procfs, opened once per process and cached: a private
 * instance (fsopen("proc") + fsmount, no submounts), else a clone of the /proc mount alone
 * (open_tree without AT_RECURSIVE: whatever is mounted below /proc is left out), else /proc
 * itself opened as a directory (an unprivileged runtime, in its own mount namespace). The
 * last two trust the caller's /proc: call this before the container's rootfs exists (init)
 * or before joining the container's mount namespace (exec); the fd survives pivot_root and
 * setns. Checked: a procfs (PROC_SUPER_MAGIC) and its root directory. */
int procfs_handle(struct tr_err *err);

/* Close the cached fd: before execve, so that no lookup of the new program's path (or
 * anything the container can name as /proc/self/fd/N) reaches it. */
void procfs_handle_drop(void);

/* Take the cached fd out of the fd table until procfs_handle() is called again: it waits in
 * flight in a private socket (SCM_RIGHTS). Called before process.cwd is entered: a cwd of
 * /proc/self/fd/N naming the handle would put the container's process in a procfs without
 * maskedPaths and readonlyPaths (/proc/sys/kernel/core_pattern writable: CVE-2024-21626
 * class); the socket that holds it cannot be entered. No-op without a cached fd. */
int procfs_handle_hide(struct tr_err *err);

/* Open rel ("self/oom_score_adj", "sys/net/ipv4/ip_forward") below the procfs root fd proc
 * with openat2 RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS (no "..", no other
 * mount, no /proc/<pid>/fd style links), then fstatfs == PROC_SUPER_MAGIC. Returns the fd, or
 * -1 with err "open /proc/<rel>: <errno>". */
int procfs_open_at(int proc, const char *rel, int flags, struct tr_err *err);

/* Write buf (len bytes, one write as /proc files want) to rel of the trusted procfs. Errors
 * "open /proc/<rel>: ..." or "write \"<buf>\" to /proc/<rel>: ...", for the caller to prefix
 * with its JSON path. */
int procfs_write(const char *rel, const char *buf, size_t len, struct tr_err *err);

/* Reopen fd with new flags (an O_PATH fd to O_WRONLY, a FIFO end) through self/fd/<fd> of the
 * trusted procfs, never the container's /proc/self/fd. The magic link is the last component
 * and is the kernel's own; the result is checked to be the same file as fd. May block (a FIFO
 * without a reader); EINTR is retried. Returns the new fd or -1 with err. */
int procfs_reopen(int fd, int flags, struct tr_err *err);

/* True if fd is on a procfs (fstatfs). */
bool procfs_fd_is_proc(int fd);

#endif
