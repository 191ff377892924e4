#include "config.h"
#include <errno.h>
#include <string.h>
#include "affinity.h"
#include "cpulist.h"

static int parse_set(const char *list, const char *member, cpu_set_t *set, struct tr_err *err)
{
    const char *why;
    CPU_ZERO(set);
    if (cpulist_parse(list, (unsigned long *) (void *) set, CPU_SETSIZE, &why) < 0)
        return tr_failx(err, "process.execCPUAffinity.%s: \"%s\": %s (expected a CPU list like \"0-3,7\")",
                        member, list, why);
    if (CPU_COUNT(set) == 0)
        return tr_failx(err, "process.execCPUAffinity.%s: empty CPU list", member);
    return 0;
}

static int set_affinity(const char *list, const char *member, struct tr_err *err)
{
    cpu_set_t set;
    if (parse_set(list, member, &set, err) < 0)
        return -1;
    if (sched_setaffinity(0, sizeof set, &set) < 0) {
        tr_fail(err, errno, "process.execCPUAffinity.%s: sched_setaffinity(%s)", member, list);
        if (err->code == EINVAL)
            tr_hint(err, "none of these CPUs is online and in the container's cpuset");
        return -1;
    }
    return 0;
}

int affinity_validate(const struct oci_process *p, struct tr_err *err)
{
    cpu_set_t set;
    if (p->exec_cpu_affinity_initial && parse_set(p->exec_cpu_affinity_initial, "initial", &set, err) < 0)
        return -1;
    if (p->exec_cpu_affinity_final && parse_set(p->exec_cpu_affinity_final, "final", &set, err) < 0)
        return -1;
    return 0;
}

int affinity_enter_initial(const struct oci_process *p, cpu_set_t *saved, bool *changed, struct tr_err *err)
{
    *changed = false;
    if (!p->exec_cpu_affinity_initial)
        return 0;
    if (sched_getaffinity(0, sizeof *saved, saved) < 0)
        return tr_fail(err, errno, "sched_getaffinity");
    if (set_affinity(p->exec_cpu_affinity_initial, "initial", err) < 0)
        return -1;
    *changed = true;
    return 0;
}

void affinity_restore(const cpu_set_t *saved, bool changed)
{
    if (changed)
        sched_setaffinity(0, sizeof *saved, saved);
}

int affinity_apply_final(const struct oci_process *p, bool exec_fields, struct tr_err *err)
{
    cpu_set_t all;
    if (exec_fields && p->exec_cpu_affinity_final)
        return set_affinity(p->exec_cpu_affinity_final, "final", err);
    if (exec_fields && p->exec_cpu_affinity_initial)
        return 0;
    /* every bit: the kernel keeps the CPUs that exist and that the cpuset allows */
    memset(&all, 0xff, sizeof all);
    if (sched_setaffinity(0, sizeof all, &all) < 0)
        return tr_fail(err, errno, "reset the CPU affinity to every CPU of the container's cpuset");
    return 0;
}
