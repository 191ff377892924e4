/* A cache of compiled seccomp programs. libseccomp needs 10-20 ms for a default profile on
 * three architectures, on every create and exec; the same profile always gives the same
 * program for one libseccomp, so the program is kept in <dir>/<hash>.bpf. The file stores the
 * whole key and is used only when the key matches byte for byte: a hash collision or a
 * damaged file means a recompile, never a wrong filter. Best effort: any cache failure is
 * only a debug line. */
#include "config.h"
#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include "log.h"
#include "seccomp-internal.h"
#include "seccomp-profile.h"
#include "util.h"

#define CACHE_MAGIC "tinyrun-seccomp-1\n"

static char *cache_dir;

void seccomp_set_cache_dir(const char *dir)
{
    free(cache_dir);
    cache_dir = dir && *dir ? xstrdup(dir) : NULL;
}

struct buf { char *p; size_t len, cap; };

static void buf_add(struct buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

__attribute__((format(printf, 2, 3))) static void buf_printf(struct buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        buf_add(b, tmp, (size_t) n < sizeof tmp ? (size_t) n : sizeof tmp - 1);
}

/* Strings are length-prefixed so that no two profiles serialize alike. */
static void buf_str(struct buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    buf_printf(b, "%zu:", s ? n : (size_t) -1);
    if (s)
        buf_add(b, s, n);
}

/* Everything the program depends on: the profile (not its flags, which are load-time
 * options checked against the kernel each time) and the libseccomp that compiled it. */
char *seccomp_cache_key(const struct oci_seccomp *s, size_t *len)
{
    const struct scmp_version *v = seccomp_version();
    struct buf b = { 0 };
    buf_printf(&b, "libseccomp %u.%u.%u api %u native %#x\n", v->major, v->minor, v->micro,
               seccomp_api_get(), seccomp_arch_native());
    buf_str(&b, s->default_action);
    buf_printf(&b, " e%d:%u l%d a%zu", s->has_default_errno_ret, s->default_errno_ret,
               s->listener_path && *s->listener_path, s->architectures_len);
    for (size_t i = 0; i < s->architectures_len; i++)
        buf_str(&b, s->architectures[i]);
    buf_printf(&b, " s%zu\n", s->syscalls_len);
    for (size_t i = 0; i < s->syscalls_len; i++) {
        const struct oci_seccomp_syscall *sc = &s->syscalls[i];
        buf_str(&b, sc->action);
        buf_printf(&b, " e%d:%u n%zu", sc->has_errno_ret, sc->errno_ret, sc->names_len);
        for (size_t j = 0; j < sc->names_len; j++)
            buf_str(&b, sc->names[j]);
        buf_printf(&b, " a%zu", sc->args_len);
        for (size_t k = 0; k < sc->args_len; k++) {
            const struct oci_seccomp_arg *a = &sc->args[k];
            buf_printf(&b, " %u:%llu:%llu:", a->index, (unsigned long long) a->value,
                       (unsigned long long) a->value_two);
            buf_str(&b, a->op);
        }
        buf_add(&b, "\n", 1);
    }
    *len = b.len;
    buf_add(&b, "", 1);
    return b.p;
}

static char *cache_path(const char *key, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);   /* FNV-1a 64 */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char) key[i]) * UINT64_C(0x100000001b3);
    return xasprintf("%s/%016llx.bpf", cache_dir, (unsigned long long) h);
}

struct cache_hdr { uint32_t key_len, n_insns, notify, pad; };

int seccomp_cache_load(const char *key, size_t key_len, struct seccomp_plan *p)
{
    if (!cache_dir)
        return 0;
    struct tr_err err;
    _cleanup_free_ char *path = cache_path(key, key_len);
    size_t len = 0;
    _cleanup_free_ char *data = read_file(path, &len, &err);
    size_t m = sizeof CACHE_MAGIC - 1;
    struct cache_hdr h;
    if (!data || len < m + sizeof h || memcmp(data, CACHE_MAGIC, m) != 0)
        return 0;
    memcpy(&h, data + m, sizeof h);
    size_t want = m + sizeof h + h.key_len + (size_t) h.n_insns * sizeof(struct sock_filter);
    if (h.key_len != key_len || want != len || h.n_insns == 0 ||
        memcmp(data + m + sizeof h, key, key_len) != 0) {
        tr_debug("seccomp cache %s does not match this profile; recompiling", path);
        return 0;
    }
    p->len = h.n_insns;
    p->insns = xmalloc(p->len * sizeof *p->insns);
    memcpy(p->insns, data + m + sizeof h + key_len, p->len * sizeof *p->insns);
    p->notify = h.notify != 0;
    return 1;
}

void seccomp_cache_store(const char *key, size_t key_len, const struct seccomp_plan *p)
{
    if (!cache_dir)
        return;
    struct tr_err err;
    struct cache_hdr h = { (uint32_t) key_len, (uint32_t) p->len, p->notify, 0 };
    struct buf b = { 0 };
    buf_add(&b, CACHE_MAGIC, sizeof CACHE_MAGIC - 1);
    buf_add(&b, &h, sizeof h);
    buf_add(&b, key, key_len);
    buf_add(&b, p->insns, p->len * sizeof *p->insns);
    _cleanup_free_ char *path = cache_path(key, key_len);
    if (mkdir_p(cache_dir, 0700, &err) < 0 || write_file_atomic(path, b.p, b.len, 0600, &err) < 0)
        tr_debug("seccomp cache: %s", err.msg);
    free(b.p);
}
