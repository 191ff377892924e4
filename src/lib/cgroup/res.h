/* The pure half of the cgroup code: everything that turns the spec into data (files to write,
 * paths, systemd unit properties, eBPF instructions) without touching the kernel, so that unit
 * tests check every mapping on any host. */
#ifndef TINYRUN_CGROUP_RES_H
#define TINYRUN_CGROUP_RES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "spec.h"

/* ---- resources -> file writes ---- */
enum {
    CG_W_OPTIONAL = 1 << 0,     /* file may be missing or refuse (kmem on new kernels): debug log */
    CG_W_UNIFIED = 1 << 1,      /* linux.resources.unified entry: written verbatim */
    CG_W_CHECK_USAGE = 1 << 2,  /* checkBeforeUpdate: refuse a limit below usage_file on update */
    CG_W_SWAP_ORDER = 1 << 3,   /* paired with the next write: on EINVAL write the next one first */
    CG_W_MEMSW_PAIR = 1 << 4,   /* v1 memory.limit_in_bytes, the next write is memory.memsw: the
                                 * order is chosen from the current limit (cg_memsw_first) */
};

struct cg_write {
    char *ctrl;         /* controller whose hierarchy/dir gets the write: "memory", "cpu", "io" */
    char *file;         /* "memory.limit_in_bytes" */
    char *value;
    char *alt_file;     /* used when file does not exist (blkio.bfq.weight, io.weight), or NULL */
    char *alt_value;    /* value for alt_file (NULL = value) */
    char *usage_file;   /* with CG_W_CHECK_USAGE */
    char *jpath;        /* "linux.resources.memory.limit" */
    unsigned flags;
};
struct cg_writes { struct cg_write *v; size_t n, cap; };

/* v2 false: cgroup v1 files; v2 true: cgroup v2 files. allow_unified: with v2 false, skip
 * linux.resources.unified instead of rejecting it (hybrid: it goes to the v2 list).
 * Device rules are included for v1 (devices.deny "a" + rules in order); on v2 they need eBPF. */
int cg_res_writes(const struct oci_resources *r, bool v2, bool allow_unified, struct cg_writes *out,
                  struct tr_err *err);
void cg_writes_free(struct cg_writes *w);
void cg_writes_add(struct cg_writes *w, const char *ctrl, const char *file, char *value_owned,
                   const char *jpath, unsigned flags);

uint64_t cg_shares_to_weight(uint64_t shares);      /* cpu.shares 2..262144 -> cpu.weight 1..10000 */
uint64_t cg_blkio_to_io_weight(uint64_t w);         /* blkio 10..1000 -> io.weight 1..10000 */
/* v2 memory.swap.max from the OCI swap (= memory+swap) and limit; -1 = "max", 0 = leave alone.
 * Returns -1 on an impossible combination (err filled). */
int cg_swap_v2(int64_t swap, int64_t limit, int64_t *out, struct tr_err *err);
/* v1 keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every write: memsw goes first
 * when the new memsw ("-1" or bytes) is not below the current memory limit (raising), else the
 * memory limit goes first (lowering), as runc's setMemoryAndSwap. */
bool cg_memsw_first(uint64_t cur_limit, const char *new_memsw);
/* "c 1:3 rwm" / "a *:* rwm" */
char *cg_device_rule_v1(const struct oci_device_cgroup *d);

/* ---- paths ---- */
/* cgroupfs driver: "" -> "/tinyrun/<id>"; "/x" -> "/x"; "x" -> own + "/x". Normalised, no "..". */
char *cg_resolve_fs_path(const char *cgroups_path, const char *id, const char *own, struct tr_err *err);
/* The cgroup of the calling process in the hierarchy holding ctrl (v2: ctrl ""), from the text
 * of /proc/self/cgroup. NULL when absent. */
char *cg_own_cgroup(const char *proc_self_cgroup, const char *ctrl);
/* systemd: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". */
char *cg_sd_expand_slice(const char *slice, struct tr_err *err);
/* "slice:prefix:name" -> slice (default system.slice/user.slice), unit name. */
int cg_sd_parse_path(const char *cgroups_path, const char *id, bool rootless, char **slice,
                     char **unit, struct tr_err *err);
/* host uid of uid 0 (or of `uid`) given the text of /proc/self/uid_map; -1 when unmapped. */
int64_t cg_map_uid(const char *uid_map, uint32_t uid);

/* ---- systemd properties ---- */
enum cg_sd_type { CG_SD_STR, CG_SD_BOOL, CG_SD_U64, CG_SD_PIDS, CG_SD_BYTES, CG_SD_STRV1 /* "as", one: s */ };
struct cg_sd_prop {
    char *name;
    enum cg_sd_type type;
    char *s; bool b; uint64_t u;
    uint32_t *pids; size_t npids;
    uint8_t *bytes; size_t nbytes;
};
struct cg_sd_props { struct cg_sd_prop *v; size_t n; };
/* Properties of StartTransientUnit for unit in slice with pid; resources may be NULL. */
int cg_sd_build_props(const char *unit, const char *slice, const char *description, pid_t pid,
                      const struct oci_resources *res, bool v2, struct cg_sd_props *out,
                      struct tr_err *err);
void cg_sd_props_free(struct cg_sd_props *p);
const struct cg_sd_prop *cg_sd_find(const struct cg_sd_props *p, const char *name);
/* "0-2,4" -> little-endian bitmask (systemd AllowedCPUs); NULL on junk. */
uint8_t *cg_cpulist_to_mask(const char *list, size_t *n);

/* ---- v2 device eBPF program ---- */
struct bpf_insn;
/* Instructions for BPF_PROG_TYPE_CGROUP_DEVICE implementing the rules (last match wins, no
 * match = deny). *n = count. NULL + err on a bad rule. */
struct bpf_insn *cg_bpf_device_prog(const struct oci_device_cgroup *rules, size_t n_rules, size_t *n,
                                    struct tr_err *err);

#endif
