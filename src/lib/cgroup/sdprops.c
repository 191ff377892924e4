/* systemd StartTransientUnit properties, built as an inspectable list (pure; the sd-bus code in
 * systemd.c only serialises it). Resources become unit properties so that systemd's
 * view agrees with the files tinyrun writes itself afterwards (as runc does). */
#include "config.h"
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup/res.h"
#include "util.h"

static struct cg_sd_prop *add(struct cg_sd_props *p, const char *name, enum cg_sd_type t)
{
    p->v = xrealloc(p->v, (p->n + 1) * sizeof *p->v);
    struct cg_sd_prop *x = &p->v[p->n++];
    *x = (struct cg_sd_prop) { .name = xstrdup(name), .type = t };
    return x;
}
static void add_str(struct cg_sd_props *p, const char *name, const char *s) { add(p, name, CG_SD_STR)->s = xstrdup(s); }
static void add_bool(struct cg_sd_props *p, const char *name, bool b) { add(p, name, CG_SD_BOOL)->b = b; }
static void add_u64(struct cg_sd_props *p, const char *name, uint64_t u) { add(p, name, CG_SD_U64)->u = u; }

void cg_sd_props_free(struct cg_sd_props *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].name); free(p->v[i].s); free(p->v[i].pids); free(p->v[i].bytes);
    }
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

const struct cg_sd_prop *cg_sd_find(const struct cg_sd_props *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (streq(p->v[i].name, name))
            return &p->v[i];
    return NULL;
}

/* systemd keeps CPUQuota as a whole percentage: round up to 10ms per second so the cgroup file
 * tinyrun writes next is never below what systemd would set. */
static uint64_t quota_per_sec(int64_t quota, uint64_t period)
{
    if (quota <= 0)
        return UINT64_MAX;
    if (period == 0)
        period = 100000;
    uint64_t us = (uint64_t) quota * 1000000 / period;
    if (us % 10000)
        us = (us / 10000 + 1) * 10000;
    return us;
}

static int cpu_props(const struct oci_cpu *c, bool v2, struct cg_sd_props *p)
{
    if (c->has_shares && c->shares) {
        if (v2)
            add_u64(p, "CPUWeight", cg_shares_to_weight(c->shares));
        else
            add_u64(p, "CPUShares", c->shares);
    }
    if ((c->has_quota && c->quota != 0) || (c->has_period && c->period != 0)) {
        uint64_t period = c->has_period && c->period ? c->period : 100000;
        if (c->has_period && c->period)
            add_u64(p, "CPUQuotaPeriodUSec", period);
        if (c->has_quota && c->quota != 0)
            add_u64(p, "CPUQuotaPerSecUSec", quota_per_sec(c->quota, period));
    }
    /* systemd only applies these on the unified hierarchy (cpuset is delegated to us on v1) */
    for (int i = 0; v2 && i < 2; i++) {
        const char *list = i ? c->mems : c->cpus;
        if (!list || !*list)
            continue;
        struct cg_sd_prop *x = add(p, i ? "AllowedMemoryNodes" : "AllowedCPUs", CG_SD_BYTES);
        x->bytes = cg_cpulist_to_mask(list, &x->nbytes);
        if (!x->bytes)
            return -1;
    }
    return 0;
}

int cg_sd_build_props(const char *unit, const char *slice, const char *description, pid_t pid,
                      const struct oci_resources *res, bool v2, struct cg_sd_props *out,
                      struct tr_err *err)
{
    size_t ul = strlen(unit);
    bool is_slice = ul > 6 && streq(unit + ul - 6, ".slice");
    add_str(out, "Description", description);
    if (is_slice) {
        /* a slice's parent is implied by its name; Wants= orders it after that parent */
        add(out, "Wants", CG_SD_STRV1)->s = xstrdup(slice);
    } else {
        add_str(out, "Slice", slice);
        add_bool(out, "Delegate", true);
    }
    if (!is_slice && pid > 0) {
        struct cg_sd_prop *x = add(out, "PIDs", CG_SD_PIDS);
        x->pids = xmalloc(sizeof *x->pids);
        x->pids[0] = (uint32_t) pid;
        x->npids = 1;
    }
    add_bool(out, "DefaultDependencies", false);
    add_bool(out, "MemoryAccounting", true);
    add_bool(out, "CPUAccounting", true);
    add_bool(out, v2 ? "IOAccounting" : "BlockIOAccounting", true);
    add_bool(out, "TasksAccounting", true);
    if (!res)
        return 0;
    const struct oci_memory *m = res->memory;
    if (m && m->has_limit && m->limit != 0)
        add_u64(out, v2 ? "MemoryMax" : "MemoryLimit", m->limit < 0 ? UINT64_MAX : (uint64_t) m->limit);
    if (v2 && m && m->has_reservation && m->reservation > 0)
        add_u64(out, "MemoryLow", (uint64_t) m->reservation);
    if (v2 && m && (m->has_swap || (m->has_limit && m->limit == -1))) {
        int64_t sw;
        if (cg_swap_v2(m->has_swap ? m->swap : 0, m->has_limit ? m->limit : 0, &sw, err) < 0)
            return -1;
        if (sw != 0)
            add_u64(out, "MemorySwapMax", sw < 0 ? UINT64_MAX : (uint64_t) sw);
    }
    if (res->cpu && cpu_props(res->cpu, v2, out) < 0)
        return tr_failx(err, "linux.resources.cpu: invalid cpu/memory node list \"%s\" / \"%s\"",
                        res->cpu->cpus ? res->cpu->cpus : "", res->cpu->mems ? res->cpu->mems : "");
    if (res->has_pids_limit)
        add_u64(out, "TasksMax", res->pids_limit > 0 ? (uint64_t) res->pids_limit : UINT64_MAX);
    if (v2 && res->block_io && res->block_io->has_weight && res->block_io->weight)
        add_u64(out, "IOWeight", cg_blkio_to_io_weight(res->block_io->weight));
    else if (!v2 && res->block_io && res->block_io->has_weight && res->block_io->weight)
        add_u64(out, "BlockIOWeight", res->block_io->weight);
    return 0;
}
