/* tinyrun's own typed model of an OCI bundle's config.json (runtime-spec 1.0.2 .. 1.3 Linux).
 * Produced once by oci_load()/oci_parse(); everything after that trusts it.
 * Conventions: absent string = NULL; absent optional number = has_<name> false;
 * arrays are (pointer, <name>_len); string arrays (char **) are also NULL-terminated, so
 * process.args/env go to execve as they are. All memory is owned by the oci_spec and freed by
 * oci_free(). */
#ifndef TINYRUN_OCI_SPEC_H
#define TINYRUN_OCI_SPEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

/* The runtime-spec version tinyrun implements (state, features, default config). */
#define OCI_VERSION "1.3.0"

struct oci_kv { char *key; char *value; };          /* annotations, sysctl, unified, ... */

struct oci_mount {
    char *destination;      /* required */
    char *type;             /* may be NULL: bind when options has bind/rbind */
    char *source;
    char **options; size_t options_len;
    struct oci_idmap *uid_mappings; size_t uid_mappings_len;   /* 1.2 idmapped mounts */
    struct oci_idmap *gid_mappings; size_t gid_mappings_len;
};

struct oci_idmap { uint32_t container_id, host_id, size; };

struct oci_rlimit { char *type; uint64_t hard, soft; };   /* type: "RLIMIT_NOFILE"... */

struct oci_user {
    uint32_t uid, gid;
    bool has_umask; uint32_t umask;
    uint32_t *additional_gids; size_t additional_gids_len;
    char *username;         /* windows only; parsed, ignored */
};

struct oci_capabilities {   /* each set: NULL/0 = empty set */
    char **bounding; size_t bounding_len;
    char **effective; size_t effective_len;
    char **inheritable; size_t inheritable_len;
    char **permitted; size_t permitted_len;
    char **ambient; size_t ambient_len;
};

struct oci_io_priority { char *class_; int32_t priority; };  /* IOPRIO_CLASS_RT|BE|IDLE */

struct oci_scheduler {
    char *policy;           /* SCHED_OTHER ... required when scheduler present */
    bool has_nice; int32_t nice;
    bool has_priority; int32_t priority;
    char **flags; size_t flags_len;
    bool has_runtime; uint64_t runtime;
    bool has_deadline; uint64_t deadline;
    bool has_period; uint64_t period;
};

struct oci_console_size { uint32_t height, width; };

struct oci_process {
    bool terminal;
    bool has_console_size; struct oci_console_size console_size;
    struct oci_user user;
    char **args; size_t args_len;   /* required, >= 1 for create */
    char *command_line;             /* windows; ignored */
    char **env; size_t env_len;
    char *cwd;                      /* required and absolute in config.json (oci_validate) */
    struct oci_capabilities *capabilities;   /* NULL = no capabilities key */
    struct oci_rlimit *rlimits; size_t rlimits_len;
    bool no_new_privileges;
    char *apparmor_profile;
    bool has_oom_score_adj; int32_t oom_score_adj;
    char *selinux_label;
    struct oci_io_priority *io_priority;
    struct oci_scheduler *scheduler;
    char *exec_cpu_affinity_initial;   /* execCPUAffinity.initial */
    char *exec_cpu_affinity_final;     /* execCPUAffinity.final */
};

struct oci_hook {
    char *path;             /* required, absolute */
    char **args; size_t args_len;
    char **env; size_t env_len;
    bool has_timeout; int32_t timeout;   /* seconds, > 0 */
};

enum oci_hook_kind {
    OCI_HOOK_PRESTART, OCI_HOOK_CREATE_RUNTIME, OCI_HOOK_CREATE_CONTAINER,
    OCI_HOOK_START_CONTAINER, OCI_HOOK_POSTSTART, OCI_HOOK_POSTSTOP, OCI_HOOK__COUNT
};

struct oci_hooks { struct oci_hook *list[OCI_HOOK__COUNT]; size_t len[OCI_HOOK__COUNT]; };

enum oci_ns_type {
    OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_MOUNT, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_USER,
    OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS__COUNT
};
struct oci_namespace { enum oci_ns_type type; char *path; };

struct oci_time_offset { char *clock; int64_t secs; uint32_t nanosecs; }; /* clock: monotonic|boottime */

struct oci_device {
    char *path;             /* required */
    char type;              /* 'c' 'b' 'u' 'p', required */
    int64_t major, minor;   /* required for c/b/u */
    bool has_file_mode; uint32_t file_mode;
    bool has_uid; uint32_t uid;
    bool has_gid; uint32_t gid;
    bool has_major, has_minor;  /* parser bookkeeping: 0 is a valid major */
};

struct oci_device_cgroup {
    bool allow;             /* required */
    char *type;             /* "a" "c" "b"; NULL = all */
    bool has_major; int64_t major;
    bool has_minor; int64_t minor;
    char *access;           /* "rwm" subset; NULL = rwm */
};

struct oci_memory {
    bool has_limit; int64_t limit;
    bool has_reservation; int64_t reservation;
    bool has_swap; int64_t swap;
    bool has_kernel; int64_t kernel;
    bool has_kernel_tcp; int64_t kernel_tcp;
    bool has_swappiness; uint64_t swappiness;
    bool has_disable_oom_killer; bool disable_oom_killer;
    bool has_use_hierarchy; bool use_hierarchy;
    bool has_check_before_update; bool check_before_update;
};

struct oci_cpu {
    bool has_shares; uint64_t shares;
    bool has_quota; int64_t quota;
    bool has_burst; uint64_t burst;
    bool has_period; uint64_t period;
    bool has_realtime_runtime; int64_t realtime_runtime;
    bool has_realtime_period; uint64_t realtime_period;
    char *cpus;
    char *mems;
    bool has_idle; int64_t idle;
};

struct oci_weight_device { int64_t major, minor; bool has_weight; uint16_t weight; bool has_leaf_weight; uint16_t leaf_weight; };
struct oci_throttle_device { int64_t major, minor; uint64_t rate; };

struct oci_blkio {
    bool has_weight; uint16_t weight;
    bool has_leaf_weight; uint16_t leaf_weight;
    struct oci_weight_device *weight_device; size_t weight_device_len;
    struct oci_throttle_device *throttle_read_bps; size_t throttle_read_bps_len;
    struct oci_throttle_device *throttle_write_bps; size_t throttle_write_bps_len;
    struct oci_throttle_device *throttle_read_iops; size_t throttle_read_iops_len;
    struct oci_throttle_device *throttle_write_iops; size_t throttle_write_iops_len;
};

struct oci_hugepage_limit { char *page_size; uint64_t limit; };
struct oci_net_priority { char *name; uint32_t priority; };
struct oci_rdma_limit { char *device; bool has_hca_handles; uint32_t hca_handles; bool has_hca_objects; uint32_t hca_objects; };

struct oci_resources {
    struct oci_device_cgroup *devices; size_t devices_len;
    struct oci_memory *memory;
    struct oci_cpu *cpu;
    bool has_pids_limit; int64_t pids_limit;
    struct oci_blkio *block_io;
    struct oci_hugepage_limit *hugepage_limits; size_t hugepage_limits_len;
    bool has_net_class_id; uint32_t net_class_id;
    struct oci_net_priority *net_priorities; size_t net_priorities_len;
    struct oci_rdma_limit *rdma; size_t rdma_len;
    struct oci_kv *unified; size_t unified_len;
};

struct oci_seccomp_arg { uint32_t index; uint64_t value; uint64_t value_two; char *op; };
struct oci_seccomp_syscall {
    char **names; size_t names_len;   /* required, >= 1 */
    char *action;                     /* required */
    bool has_errno_ret; uint32_t errno_ret;
    struct oci_seccomp_arg *args; size_t args_len;
};
struct oci_seccomp {
    char *default_action;             /* required */
    bool has_default_errno_ret; uint32_t default_errno_ret;
    char **architectures; size_t architectures_len;
    char **flags; size_t flags_len;
    char *listener_path;
    char *listener_metadata;
    struct oci_seccomp_syscall *syscalls; size_t syscalls_len;
};

struct oci_personality { char *domain; char **flags; size_t flags_len; };

/* linux.memoryPolicy (1.3): mode MPOL_*, nodes "0-3,5" (may be absent), flags MPOL_F_*. */
struct oci_memory_policy { char *mode; char *nodes; char **flags; size_t flags_len; };

struct oci_net_device { char *host_name; char *name; };   /* linux.netDevices{host_name: {name}} */
struct oci_intel_rdt {
    char *clos_id; char *l3_cache_schema; char *mem_bw_schema;
    char **schemata; size_t schemata_len;   /* runtime-spec 1.2: whole schemata lines */
    bool enable_monitoring;                 /* mon_groups/<id> */
    bool present;
};

struct oci_linux {
    struct oci_namespace *namespaces; size_t namespaces_len;
    struct oci_idmap *uid_mappings; size_t uid_mappings_len;
    struct oci_idmap *gid_mappings; size_t gid_mappings_len;
    struct oci_time_offset *time_offsets; size_t time_offsets_len;
    struct oci_device *devices; size_t devices_len;
    char *cgroups_path;
    struct oci_resources *resources;
    struct oci_kv *sysctl; size_t sysctl_len;
    struct oci_seccomp *seccomp;
    char *rootfs_propagation;   /* shared|slave|private|unbindable (+r variants) */
    char **masked_paths; size_t masked_paths_len;
    char **readonly_paths; size_t readonly_paths_len;
    char *mount_label;
    struct oci_personality *personality;
    struct oci_intel_rdt *intel_rdt;   /* resctrl.c */
    struct oci_memory_policy *memory_policy;
    struct oci_net_device *net_devices; size_t net_devices_len;
};

struct oci_spec {
    char *oci_version;          /* required */
    char *root_path;            /* root.path (required on Linux) */
    bool root_readonly;
    struct oci_mount *mounts; size_t mounts_len;
    struct oci_process *process;    /* required for create; NULL allowed for parse-only */
    char *hostname;
    char *domainname;
    struct oci_hooks hooks;
    struct oci_kv *annotations; size_t annotations_len;
    struct oci_linux *linux_;       /* NULL when absent */
};

/* ---- parsing ---------------------------------------------------------------------------- */
/* Parse a config.json text. `origin` names the source in messages ("config.json").
 * Errors: "config.json: process.user.uid: expected unsigned 32-bit integer, got string \"zero\"". */
struct oci_spec *oci_parse(const char *json, size_t len, const char *origin, struct tr_err *err);
/* Read <bundle>/config.json and parse + validate it. */
struct oci_spec *oci_load(const char *bundle, struct tr_err *err);
/* Semantic checks beyond types (absolute cwd, process.args non-empty, ns types unique, ...). */
int oci_validate(const struct oci_spec *spec, const char *origin, struct tr_err *err);
void oci_free(struct oci_spec *spec);

/* Standalone parsers for `exec --process FILE` and `update --resources FILE`. */
struct oci_process *oci_parse_process(const char *json, size_t len, const char *origin, struct tr_err *err);
void oci_process_free(struct oci_process *p);
/* The process checks of oci_validate for a standalone process (args non-empty, rlimits sane,
 * cwd absolute when given: absent or "" is accepted, as runc exec does); paths in messages are
 * relative to the document ("args", "cwd"). */
int oci_validate_process(const struct oci_process *p, const char *origin, struct tr_err *err);
struct oci_resources *oci_parse_resources(const char *json, size_t len, const char *origin, struct tr_err *err);
void oci_resources_free(struct oci_resources *r);

const char *oci_ns_type_name(enum oci_ns_type t);        /* "pid", "network", ... */
int oci_ns_type_from_name(const char *name);             /* -1 if unknown */
const char *oci_hook_kind_name(enum oci_hook_kind k);    /* "prestart", "createRuntime", ... */
const struct oci_namespace *oci_find_namespace(const struct oci_spec *spec, enum oci_ns_type t);
const char *oci_annotation(const struct oci_spec *spec, const char *key);
/* True if spec->ociVersion is major.minor or later ("1.3.0", "1.3.0-rc.1", "1.10"). Rules
 * that changed between spec versions (poststart failure in 1.3) are applied by it. */
bool oci_version_at_least(const struct oci_spec *spec, unsigned major, unsigned minor);

/* ---- state JSON (OCI `state` output and hook/seccomp-agent stdin) ------------------------ */
struct oci_state {
    const char *oci_version;
    const char *id;
    const char *status;         /* creating|created|running|stopped|paused(extension) */
    int pid;                    /* 0 = omitted */
    const char *bundle;
    const struct oci_kv *annotations; size_t annotations_len;
    /* tinyrun extensions printed by `tinyrun state` (runc prints the same keys) */
    const char *rootfs;
    const char *created;        /* RFC 3339 */
    const char *owner;
    /* ContainerProcessState only: the pid of the process the seccomp fd belongs to (an exec'd
     * process); 0 = the same as pid (the init). */
    int process_pid;
};
/* Returns malloc'd JSON; pretty for humans, compact otherwise (hooks, seccomp agent). */
char *oci_state_to_json(const struct oci_state *st, bool pretty, struct tr_err *err);
/* ContainerProcessState for the seccomp listener: {"ociVersion","fds":["seccompFd"],"pid","metadata","state":{...}} */
char *oci_process_state_to_json(const struct oci_state *st, const char *metadata, struct tr_err *err);

/* ---- default config (`tinyrun spec`) ---------------------------------------------------- */
/* The config.json `runc spec` writes (tab-indented; a cgroup namespace only on a cgroup v2
 * host, as runc); rootless as `runc spec --rootless`: user namespace mapping uid/gid to 0, no
 * network namespace, /sys bind-mounted from the host, no gid=/uid= mount options, no
 * linux.resources (the /sys/fs/cgroup mount stays, as in runc). Returns malloc'd text ending
 * in "\n". */
char *oci_default_config_json(bool rootless, unsigned uid, unsigned gid);

/* The same config with changes (quick mode, `tinyrun run --rootfs`); NULL/0 fields keep the
 * default. env entries replace a default entry of the same name, else are appended. */
struct oci_config_bind { const char *source, *destination; bool readonly; };
struct oci_config_changes {
    const char *const *args, *const *env;       /* NULL-terminated */
    const char *cwd, *root_path, *hostname;
    bool set_user; unsigned user_uid, user_gid;
    bool terminal, root_readonly;
    int network;        /* 0: the default's namespace choice, 1: its own, -1: the host's */
    const struct oci_config_bind *binds; size_t binds_len;
    long long memory, pids, cpu_quota, cpu_period;    /* 0: no limit */
    const char *const *annotations;             /* key, value, ..., NULL */
    /* createRuntime, createContainer and poststop hooks: path then argv, NULL-terminated
     * (NULL: none) */
    const char *const *create_runtime_hook, *const *create_container_hook, *const *poststop_hook;
};
char *oci_config_json(bool rootless, unsigned uid, unsigned gid,
                      const struct oci_config_changes *c);

/* ---- schema coverage -------------------------------------------------------------------- */
/* Every JSON path the parser understands, generated from the very tables that drive it.
 * Notation: "process.user.uid", array items "mounts[].destination", map values
 * "linux.timeOffsets{}.secs". NULL-terminated, malloc'd (free each string and the array). */
enum oci_doc { OCI_DOC_CONFIG, OCI_DOC_PROCESS, OCI_DOC_RESOURCES };
char **oci_known_paths(enum oci_doc doc);
/* Paths of config.json deliberately not parsed (a prefix covers everything below it),
 * each with the reason. Terminated by { NULL, NULL }. */
struct oci_ignored_path { const char *path; const char *reason; };
extern const struct oci_ignored_path oci_ignored_paths[];
/* The runtime-spec has runtimes ignore the properties they do not know, so a misspelt one
 * ("hooks.postStop") is silently without effect. With a handler set, the parser calls it with
 * the document's origin and the JSON path of each property of an object it does not know
 * (map keys such as annotations are data, not properties). NULL, the default: not looked for. */
typedef void (*oci_unknown_fn)(const char *origin, const char *path);
void oci_set_unknown_handler(oci_unknown_fn fn);

#endif
