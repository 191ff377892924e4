/* Shared between seccomp.c (compile, in the parent) and seccomp-bpf.c (BPF patching, load in
 * the child, listener hand-off in the parent). Not a public interface. */
#ifndef TINYRUN_SECCOMP_INTERNAL_H
#define TINYRUN_SECCOMP_INTERNAL_H
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define SECCOMP_MAX_INSNS 4096   /* BPF_MAXINSNS */

struct seccomp_plan {
    struct sock_filter *insns;   /* the whole program, ready for seccomp(2) */
    size_t len;
    unsigned int flags;          /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
    bool notify;                 /* some rule uses SCMP_ACT_NOTIFY: load with NEW_LISTENER */
};

/* One architecture of the filter and the highest syscall number the profile names on it
 * (-1: none). `token` is the libseccomp SCMP_ARCH_* value. */
struct seccomp_arch_max {
    uint32_t token;
    int max_nr;
};

/* Put a prologue in front of the program that answers ENOSYS for any syscall numbered above
 * the profile's highest one on that architecture: a syscall newer than the profile then looks
 * absent (glibc falls back) instead of denied. */
int seccomp_bpf_prepend_enosys(struct seccomp_plan *p, const struct seccomp_arch_max *arches,
                               size_t n, struct tr_err *err);

/* seccomp-cache.c: the compiled program of a profile, kept across runs (see
 * seccomp_set_cache_dir). The key is opaque text; load returns 1 on a hit (p->insns, len,
 * notify filled), 0 otherwise. */
struct oci_seccomp;
char *seccomp_cache_key(const struct oci_seccomp *s, size_t *len);
int seccomp_cache_load(const char *key, size_t key_len, struct seccomp_plan *p);
void seccomp_cache_store(const char *key, size_t key_len, const struct seccomp_plan *p);

#endif
