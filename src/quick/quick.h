/* Quick mode: `tinyrun run --rootfs DIR [flags] -- CMD...` builds the config in memory from the
 * defaults of `tinyrun spec` and runs it through the normal create/start path (tr_run). */
#ifndef TINYRUN_QUICK_H
#define TINYRUN_QUICK_H
#include <stdbool.h>
#include <stddef.h>
#include "cni.h"
#include "container.h"
#include "error.h"
#include "spec.h"

struct quick_opts {
    const char *rootfs, *name, *memory, *cpus, *pids, *net, *workdir, *user, *log_size;
    const char *cni_conf_dir;
    char **publish; size_t publish_len;
    char **env; size_t env_len;
    char **volume; size_t volume_len;
    bool read_only, tty, rm, dry_run, host_loopback;
};

/* The quick-mode flags of `run`, in run's own table (so --help, completion and the man-page
 * check see them). T is the option struct, M the member path of its struct quick_opts. */
#define CLI_QUICK_FLAGS(T, M) \
    CLI_TEXT_F("\nQUICK MODE OPTIONS (with --rootfs; the positional arguments are the command):\n"), \
    CLI_STRING_F("rootfs", 0, T, M rootfs, "run DIR as the root filesystem with a config built from `tinyrun spec`'s defaults"), \
    CLI_STRING_F("name", 0, T, M name, "container ID (default: 12 random hex digits, printed with -d)"), \
    CLI_STRING_F("memory", 0, T, M memory, "memory limit, e.g. 128m, 1g"), \
    CLI_STRING_F("cpus", 0, T, M cpus, "CPU limit as a number of CPUs, e.g. 0.5"), \
    CLI_STRING_F("pids", 0, T, M pids, "maximum number of processes"), \
    CLI_STRING_F("net", 0, T, M net, "network: none (own namespace, loopback only; default), host, or isolated (CNI bridge; rootless: slirp4netns)"), \
    CLI_BOOL_F("host-loopback", 0, T, M host_loopback, "rootless --net isolated: the host's 127.0.0.1 is reachable as 10.0.2.2 (default: not)"), \
    CLI_STRING_F("cni-config-dir", 0, T, M cni_conf_dir, "directory of the CNI .conflist for --net isolated (default: $TINYRUN_CNI_CONFIG_DIR or /etc/tinyrun/net.d)"), \
    CLI_STRINGS_F("publish", 'p', T, M publish, M publish_len, "publish HOSTPORT:CONTAINERPORT[/tcp|udp] (needs --net isolated); repeatable"), \
    CLI_STRINGS_F("env", 'e', T, M env, M env_len, "set KEY=VALUE in the environment; repeatable"), \
    CLI_STRING_F("workdir", 'w', T, M workdir, "working directory inside the container (absolute)"), \
    CLI_STRING_F("user", 'u', T, M user, "UID[:GID] of the process"), \
    CLI_BOOL_F("read-only", 0, T, M read_only, "mount the root filesystem read-only"), \
    CLI_STRINGS_F("volume", 'v', T, M volume, M volume_len, "bind mount SRC:DST[:ro|rw]; repeatable"), \
    CLI_BOOL_F("tty", 't', T, M tty, "allocate a terminal (not with -d)"), \
    CLI_BOOL_F("rm", 0, T, M rm, "delete the container when it exits (or when `tinyrun stop` stops it)"), \
    CLI_BOOL_F("dry-run", 0, T, M dry_run, "print the generated config.json and exit"), \
    CLI_STRING_F("log-size", 0, T, M log_size, "with -d: rotate the log file at this size, one old file kept (default: 1m)")

/* The name of the first quick-mode flag given without --rootfs, else NULL. */
const char *quick_stray_flag(const struct quick_opts *q);
/* Run (or with --dry-run print the config of) a quick-mode container. The exit status to
 * return (the container's unless detached), or -1 / CMD_USAGE with err filled. */
int quick_run(const struct tr_ctx *ctx, const struct quick_opts *q, const struct tr_create_opts *c,
              bool detach, char **cmd, size_t ncmd, struct tr_err *err);

/* `tinyrun __cni-hook add|del` (hidden; argv[0] is "__cni-hook"): the hook of --net isolated. */
int quick_cni_hook(const struct tr_ctx *ctx, int argc, char **argv, struct tr_err *err);

/* ---- internals of src/quick/ ------------------------------------------------------------ */
/* The config.json text for q (malloc'd), or NULL / CMD_USAGE-style err. id: the container ID,
 * also its hostname; hook_argv: the createRuntime/poststop hook for CNI (NULL: none). */
char *quick_config_json(const struct tr_ctx *ctx, const struct quick_opts *q, const char *id,
                        char **cmd, size_t ncmd, struct tr_err *err);
/* --net: the namespace choice in c, and for isolated the CNI hooks (argv in net, pointed to by
 * c), the ports and the config dir recorded as annotations. 0, or -1 with err naming the flag. */
struct quick_net {
    char *exe, *root, *ports, *conf_dir, *slirp;
    const char *hook_add[8], *hook_del[8], *hook_join[8];
};
int quick_net_apply(const struct tr_ctx *ctx, const struct quick_opts *q, bool rootless,
                    struct quick_net *net, struct oci_config_changes *c, struct tr_err *err);
void quick_net_free(struct quick_net *net);
/* Parse -p HOST:CONTAINER[/proto]: 0, or -1 with err naming the flag. */
int quick_parse_port(const char *s, int *host, int *container, const char **proto,
                     struct tr_err *err);
/* Annotations quick mode writes into the config (read back by stop and list). */
#define QUICK_ANN_RM "org.tinyrun.quick.rm"
#define QUICK_ANN_PORTS "org.tinyrun.quick.ports"
#define QUICK_ANN_CNI "org.tinyrun.quick.cni-config-dir"
#define QUICK_ANN_HOST_LOOPBACK "org.tinyrun.quick.host-loopback"

/* Rootless --net isolated (quick-slirp.c). The path of slirp4netns in $PATH into out, or -1
 * with the one-line error naming --net isolated and the package. */
int quick_slirp_find(char *out, size_t len, struct tr_err *err);
struct slirp_job {
    const char *bin, *dir;      /* slirp4netns, the container's state dir */
    int init_pid;               /* the container's init, from the hook's state */
    bool host_loopback;
    const struct tr_cni_port *ports; size_t nports;
};
/* createRuntime: start the launcher that waits (bounded) for the createContainer hook. */
int quick_slirp_listen(const struct slirp_job *j, struct tr_err *err);
/* createContainer (in the container's namespaces): have the launcher start slirp4netns for
 * this process's namespaces; returns once tap0 is configured and the ports forwarded. */
int quick_slirp_join(const char *dir, struct tr_err *err);
/* poststop: stop the launcher and slirp4netns recorded in dir (if they are still those). */
int quick_slirp_del(const char *dir, struct tr_err *err);

#endif
