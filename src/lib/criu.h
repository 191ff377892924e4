/* Checkpoint/restore through the criu binary's command line (criu dump / pre-dump / restore).
 * Why the command line and not `criu swrk` RPC: Debian 12 ships criu 3.17 without libcriu or
 * its rpc.proto, so RPC would mean carrying a copy of criu's protobuf schema and generated
 * code; the CLI is criu's documented, stable interface, every option we need has a flag, and
 * its log file names the failure. What only the RPC offers (orphan_pts_master, for restoring
 * a terminal to --console-socket) is refused with an error. */
#ifndef TINYRUN_CRIU_H
#define TINYRUN_CRIU_H
#include <stdbool.h>
#include <stddef.h>
#include "container.h"
#include "error.h"
#include "spec.h"

/* The CLI flags of struct criu_common, for the option table of T (checkpoint, restore). */
#define CRIU_COMMON_FLAGS(T) \
    CLI_STRING_F("image-path", 0, T, c.image_path, "path to the criu image files (default: ./checkpoint)"), \
    CLI_STRING_F("work-path", 0, T, c.work_path, "path for saving work files and logs (default: the image path)"), \
    CLI_BOOL_F("tcp-established", 0, T, c.tcp_established, "allow open tcp connections"), \
    CLI_BOOL_F("ext-unix-sk", 0, T, c.ext_unix_sk, "allow external unix sockets"), \
    CLI_BOOL_F("shell-job", 0, T, c.shell_job, "allow shell jobs"), \
    CLI_BOOL_F("file-locks", 0, T, c.file_locks, "handle file locks, for safety"), \
    CLI_STRING_F("manage-cgroups-mode", 0, T, c.manage_cgroups_mode, "cgroups mode: soft (default), full, strict or ignore"), \
    CLI_STRING_F("empty-ns", 0, T, c.empty_ns, "create a namespace, but don't restore its properties (only: network)"), \
    CLI_BOOL_F("auto-dedup", 0, T, c.auto_dedup, "enable auto deduplication of memory images"), \
    CLI_BOOL_F("lazy-pages", 0, T, c.lazy_pages, "use userfaultfd to lazily restore memory pages")

/* The options checkpoint and restore share (runc's flags of the same names). */
struct criu_common {
    const char *image_path, *work_path;     /* NULL: ./checkpoint; the image path */
    const char *manage_cgroups_mode;        /* soft|full|strict|ignore, NULL: criu's (soft) */
    const char *empty_ns;                   /* "network" */
    bool tcp_established, ext_unix_sk, shell_job, file_locks, auto_dedup, lazy_pages;
};

struct tr_checkpoint_opts {
    const char *id;
    struct criu_common c;
    const char *parent_path;        /* relative to the image path */
    const char *page_server;        /* "ADDRESS:PORT" */
    int status_fd;                  /* -1: none */
    bool leave_running, pre_dump;
};
int tr_checkpoint(const struct tr_ctx *ctx, const struct tr_checkpoint_opts *o, struct tr_err *err);

struct tr_restore_opts {
    const char *id;
    struct criu_common c;
    const char *bundle, *pid_file, *console_socket;
    bool detach, no_subreaper, no_pivot;
};
/* Unless detach, waits for the restored process as `run` does (*exit_code) and deletes it. */
int tr_restore(const struct tr_ctx *ctx, const struct tr_restore_opts *o, int *exit_code,
               struct tr_err *err);

/* ---- shared by criu-checkpoint.c and criu-restore.c (criu.c) ---------------------------- */
/* A growing NULL-terminated argv. */
struct criu_argv { char **v; size_t n, cap; };
void criu_arg(struct criu_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void criu_argv_free(struct criu_argv *a);
/* criu_argv start: PROG ACTION -D IMAGES -W WORK --root ROOTFS -o LOG -v4. */
void criu_argv_begin(struct criu_argv *a, const char *prog, const char *action, const char *images,
                     const char *work, const char *rootfs);
/* The shared options as criu flags, validated ("--manage-cgroups-mode: ..."). */
int criu_add_common(struct criu_argv *a, const struct criu_common *c, struct tr_err *err);
/* --external mnt[DEST]:VALUE for each bind mount: VALUE is DEST on dump (a name), the source
 * on restore (relative sources against the current directory, as create reads them). */
void criu_add_bind_mounts(struct criu_argv *a, const struct oci_spec *spec, bool restore);
/* Run criu (argv[0] found by PATH when it has no '/'), killed after CRIU_TIMEOUT_S. The child
 * waits before its exec until prepare(child pid, data) has run in the parent (NULL: none; the
 * restore puts criu into the container's cgroup there, so that the restored tree starts in
 * it). On failure err names the action, the exit status, criu's last "Error" line and the log. */
#define CRIU_TIMEOUT_S 600
int criu_exec(struct criu_argv *a, const char *log_path,
              int (*prepare)(pid_t child, void *data, struct tr_err *err), void *data,
              struct tr_err *err);
/* Image and work directories, absolute (malloc'd). */
void criu_dirs(const struct criu_common *c, char **images, char **work);
/* Relative paths name what they name from the caller's directory (as create reads bind
 * sources); criu chdirs to its work dir, so it gets absolute ones. */
char *criu_abs_path(const char *p);
const char *criu_binary(const struct tr_ctx *ctx);
/* True when the criu binary (default "criu" on PATH) is found and executable. */
bool criu_found(const char *prog);

#endif
