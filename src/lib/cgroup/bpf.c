/* cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program assembled by hand from
 * linux.resources.devices and attached with the raw bpf() syscall (no libbpf).
 *
 * Program: load type/access/major/minor from struct bpf_cgroup_dev_ctx, then one block per rule
 * from the LAST rule to the first (the last matching rule wins, as with v1 devices.allow/deny
 * written in order); the first block that matches returns its verdict. No match = deny, since
 * runtimes start the list with a deny-all. The verifier rejects unreachable instructions, so
 * emission stops after a rule that matches everything. */
#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cgroup/fs.h"
#include "log.h"
#include "util.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_W | BPF_MEM, d, s, o, 0)
#define AND_K(d, i) INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_K(d, i) INSN(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, i)
#define MOV_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define JNE_K(d, i) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, 0, i)   /* off patched to "next rule" */
#define JEQ_K(d, i) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, 0, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_mask(const char *a, unsigned *out)
{
    unsigned m = 0;
    for (const char *p = a && *a ? a : "rwm"; *p; p++) {
        if (*p == 'r') m |= BPF_DEVCG_ACC_READ;
        else if (*p == 'w') m |= BPF_DEVCG_ACC_WRITE;
        else if (*p == 'm') m |= BPF_DEVCG_ACC_MKNOD;
        else return -1;
    }
    *out = m;
    return 0;
}

/* Emit one rule into blk; returns its length, 0 if it is unconditional (blk holds the verdict). */
static int rule_block(const struct oci_device_cgroup *d, size_t idx, struct bpf_insn *blk, bool *uncond,
                      struct tr_err *err)
{
    int n = 0;
    const char *t = d->type && *d->type ? d->type : "a";
    unsigned acc;
    if (access_mask(d->access, &acc) < 0)
        return tr_failx(err, "linux.resources.devices[%zu].access: invalid \"%s\" (expected a subset of \"rwm\")",
                        idx, d->access);
    if (streq(t, "c") || streq(t, "b"))
        blk[n++] = JNE_K(2, streq(t, "c") ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
    else if (!streq(t, "a"))
        return tr_failx(err, "linux.resources.devices[%zu].type: invalid \"%s\" (expected a, b or c)", idx, t);
    unsigned all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    if (acc != all) {
        blk[n++] = MOV_X(1, 3);
        /* allow: every requested bit must be granted; deny: any requested bit is refused */
        blk[n++] = AND_K(1, (int32_t) (d->allow ? (~acc & all) : acc));
        blk[n++] = d->allow ? JNE_K(1, 0) : JEQ_K(1, 0);
    }
    if (d->has_major && d->major >= 0)
        blk[n++] = JNE_K(4, (int32_t) d->major);
    if (d->has_minor && d->minor >= 0)
        blk[n++] = JNE_K(5, (int32_t) d->minor);
    *uncond = n == 0;
    blk[n++] = MOV_K(0, d->allow ? 1 : 0);
    blk[n++] = EXIT();
    for (int i = 0; i < n; i++)   /* conditional jumps skip to the end of this block */
        if (BPF_CLASS(blk[i].code) == BPF_JMP && BPF_OP(blk[i].code) != BPF_EXIT)
            blk[i].off = (int16_t) (n - i - 1);
    return n;
}

struct bpf_insn *cg_bpf_device_prog(const struct oci_device_cgroup *rules, size_t n_rules, size_t *n,
                                    struct tr_err *err)
{
    size_t cap = 8 + n_rules * 10, len = 0;
    struct bpf_insn *p = xmalloc(cap * sizeof *p);
    p[len++] = LDX_W(2, 1, 0);                 /* r2 = access_type */
    p[len++] = AND_K(2, 0xffff);               /* r2 = device type */
    p[len++] = LDX_W(3, 1, 0);
    p[len++] = RSH_K(3, 16);                   /* r3 = requested access */
    p[len++] = LDX_W(4, 1, 4);                 /* r4 = major */
    p[len++] = LDX_W(5, 1, 8);                 /* r5 = minor */
    bool done = false;
    for (size_t i = n_rules; i-- > 0 && !done;) {
        int r = rule_block(&rules[i], i, p + len, &done, err);
        if (r < 0) {
            free(p);
            return NULL;
        }
        len += (size_t) r;
    }
    if (!done) {
        p[len++] = MOV_K(0, 0);
        p[len++] = EXIT();
    }
    *n = len;
    return p;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
    return (int) syscall(__NR_bpf, cmd, attr, sizeof *attr);
}

static int load_prog(const struct bpf_insn *insns, size_t n, struct tr_err *err)
{
    static char vlog[16384];
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t) (uintptr_t) insns;
    a.insn_cnt = (uint32_t) n;
    a.license = (uint64_t) (uintptr_t) "Apache-2.0";
    int fd = sys_bpf(BPF_PROG_LOAD, &a);
    if (fd >= 0)
        return fd;
    int e = errno;
    a.log_buf = (uint64_t) (uintptr_t) vlog;
    a.log_size = sizeof vlog;
    a.log_level = 1;
    vlog[0] = 0;
    fd = sys_bpf(BPF_PROG_LOAD, &a);
    if (fd >= 0)
        return fd;
    char *nl = strrchr(vlog, '\n');
    while (nl && nl > vlog && nl[1] == 0) { *nl = 0; nl = strrchr(vlog, 10); }
    return tr_fail(err, e, "linux.resources.devices: bpf(BPF_PROG_LOAD) of the device program (%zu insns)%s%s",
                   n, *vlog ? ", verifier: " : "", nl ? nl + 1 : vlog);
}

/* The ids of the device programs attached directly to the cgroup: their count, or -1. */
static int query_progs(int dirfd, uint32_t *ids, uint32_t cap)
{
    union bpf_attr q;
    memset(&q, 0, sizeof q);
    q.query.target_fd = (uint32_t) dirfd;
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = (uint64_t) (uintptr_t) ids;
    q.query.prog_cnt = cap;
    if (sys_bpf(BPF_PROG_QUERY, &q) < 0)
        return -1;
    return (int) q.query.prog_cnt;
}

/* Attach the new program, then detach the ones that were there before (an update replaces the
 * old rules without a window where no program is attached). */
int cg_bpf_install(int dirfd, const struct bpf_insn *insns, size_t n, struct tr_err *err)
{
    uint32_t old[64];
    int q = query_progs(dirfd, old, ARRAY_SIZE(old));
    uint32_t nold = q < 0 ? 0 : (uint32_t) q;
    if (q < 0)
        tr_debug("bpf(BPF_PROG_QUERY) on the cgroup: %s", strerror(errno));
    _cleanup_close_ int prog = load_prog(insns, n, err);
    if (prog < 0)
        return -1;
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t) dirfd;
    a.attach_bpf_fd = (uint32_t) prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
        return tr_fail(err, errno, "linux.resources.devices: bpf(BPF_PROG_ATTACH) of the device program");
    for (uint32_t i = 0; i < nold; i++) {
        union bpf_attr g;
        memset(&g, 0, sizeof g);
        g.prog_id = old[i];
        _cleanup_close_ int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (ofd < 0) {
            tr_warn("cannot get the old device program %u to detach it: %s", old[i], strerror(errno));
            continue;
        }
        union bpf_attr d;
        memset(&d, 0, sizeof d);
        d.target_fd = (uint32_t) dirfd;
        d.attach_bpf_fd = (uint32_t) ofd;
        d.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &d) < 0)
            tr_warn("cannot detach the old device program %u: %s", old[i], strerror(errno));
    }
    return 0;
}

/* Number of device programs attached directly to the cgroup (tests and debugging). */
int cg_bpf_count(int dirfd)
{
    uint32_t ids[64];
    return query_progs(dirfd, ids, ARRAY_SIZE(ids));
}
