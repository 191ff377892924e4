/* The ENOSYS prologue in front of the program libseccomp compiled (seccomp_bpf_prepend_enosys
 * in seccomp-internal.h): a syscall newer than the profile looks absent, not denied. */
#include "config.h"
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include "seccomp-internal.h"
#include "util.h"

#define X32_SYSCALL_BIT 0x40000000U

/* A tiny assembler: jumps name a label, resolved once the prologue length is known. */
enum { L_NEXT = -1, L_END = -2, L_ENOSYS = -3, L_NONE = -4 };
struct insn { struct sock_filter f; int jt, jf; };

struct prologue {
    struct insn v[8 + 8 * 24];
    size_t n;
};

static void emit(struct prologue *pr, uint16_t code, uint32_t k, int jt, int jf)
{
    pr->v[pr->n++] = (struct insn) { BPF_STMT(code, k), jt, jf };
}

/* Syscall number > max -> ENOSYS, else on to the real filter. */
static void emit_max_check(struct prologue *pr, int max_nr)
{
    if (max_nr < 0)
        emit(pr, BPF_JMP | BPF_JA, 0, L_END, L_NONE);   /* k patched as a label below */
    else
        emit(pr, BPF_JMP | BPF_JGT | BPF_K, (uint32_t) max_nr, L_ENOSYS, L_END);
}

static void emit_arch_block(struct prologue *pr, uint32_t audit_arch, int native_max,
                            int x32_max, bool x86_64)
{
    size_t start = pr->n;
    emit(pr, BPF_JMP | BPF_JEQ | BPF_K, audit_arch, 0, L_NEXT);
    emit(pr, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), L_NONE, L_NONE);
    if (x86_64) {
        /* x32 syscalls arrive with AUDIT_ARCH_X86_64 and the x32 bit set in nr. */
        emit(pr, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 1, 0);
        emit_max_check(pr, native_max);
        emit_max_check(pr, x32_max);
    } else {
        emit_max_check(pr, native_max);
    }
    /* The arch mismatch goes to the next block: the first instruction after this one. */
    pr->v[start].jf = (int) (pr->n - start - 1);
}

static int build_prologue(struct prologue *pr, const struct seccomp_arch_max *arches, size_t n)
{
    int x86_64 = -1, x32 = -1;
    bool any = false;
    emit(pr, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), L_NONE, L_NONE);
    for (size_t i = 0; i < n && i < 24; i++) {
        any |= arches[i].max_nr >= 0;
        if (arches[i].token == SCMP_ARCH_X86_64)
            x86_64 = arches[i].max_nr;
        else if (arches[i].token == SCMP_ARCH_X32)
            x32 = arches[i].max_nr;
        else
            emit_arch_block(pr, arches[i].token, arches[i].max_nr, -1, false);
    }
    if (!any)
        return 0;
    if (x86_64 >= 0 || x32 >= 0)
        emit_arch_block(pr, AUDIT_ARCH_X86_64, x86_64, x32, true);
    emit(pr, BPF_JMP | BPF_JA, 0, L_END, L_NONE);
    emit(pr, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA), L_NONE, L_NONE);
    return 1;
}

static int resolve_label(int label, size_t i, size_t n)
{
    size_t end = n, enosys = n - 1;
    if (label >= 0 || label == L_NONE)
        return label == L_NONE ? 0 : label;
    return (int) ((label == L_END ? end : enosys) - i - 1);
}

int seccomp_bpf_prepend_enosys(struct seccomp_plan *p, const struct seccomp_arch_max *arches,
                               size_t n, struct tr_err *err)
{
    struct prologue pr = { .n = 0 };
    if (build_prologue(&pr, arches, n) <= 0)
        return 0;
    if (p->len + pr.n > SECCOMP_MAX_INSNS)
        return tr_failx(err, "the seccomp filter has %zu instructions, more than the kernel's "
                        "limit of %d", p->len + pr.n, SECCOMP_MAX_INSNS);
    struct sock_filter *v = xmalloc((p->len + pr.n) * sizeof *v);
    for (size_t i = 0; i < pr.n; i++) {
        struct insn *in = &pr.v[i];
        v[i] = in->f;
        if (BPF_CLASS(in->f.code) != BPF_JMP)
            continue;
        if (BPF_OP(in->f.code) == BPF_JA) {
            v[i].k = (uint32_t) resolve_label(in->jt, i, pr.n);
            continue;
        }
        int jt = resolve_label(in->jt, i, pr.n), jf = resolve_label(in->jf, i, pr.n);
        if (jt < 0 || jt > 255 || jf < 0 || jf > 255)
            return free(v), tr_failx(err, "seccomp ENOSYS prologue: jump out of range");
        v[i].jt = (uint8_t) jt;
        v[i].jf = (uint8_t) jf;
    }
    memcpy(v + pr.n, p->insns, p->len * sizeof *v);
    free(p->insns);
    p->insns = v;
    p->len += pr.n;
    return 0;
}
