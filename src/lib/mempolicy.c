#include "config.h"
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cpulist.h"
#include "mempolicy.h"
#include "util.h"

#define NODE_BITS 1024   /* the kernel's MAX_NUMNODES is at most 1 << 10 */
#define LONG_BITS (sizeof(unsigned long) * CHAR_BIT)
#define NODES_ONLINE "/sys/devices/system/node/online"

/* <linux/mempolicy.h> values; that header is not always installed. */
enum { NEEDS_NODES = 1, NO_NODES = 2 };
static const struct { const char *name; int value; int nodes; } modes[] = {
    { "MPOL_DEFAULT", 0, NO_NODES },   { "MPOL_PREFERRED", 1, 0 },      { "MPOL_BIND", 2, NEEDS_NODES },
    { "MPOL_INTERLEAVE", 3, NEEDS_NODES }, { "MPOL_LOCAL", 4, NO_NODES },
    { "MPOL_PREFERRED_MANY", 5, NEEDS_NODES }, { "MPOL_WEIGHTED_INTERLEAVE", 6, NEEDS_NODES },
};
static const struct { const char *name; int value; } flags[] = {
    { "MPOL_F_STATIC_NODES", 1 << 15 }, { "MPOL_F_RELATIVE_NODES", 1 << 14 }, { "MPOL_F_NUMA_BALANCING", 1 << 13 },
};

size_t mempolicy_names(bool want_flags, const char **out, size_t cap)
{
    size_t n = want_flags ? ARRAY_SIZE(flags) : ARRAY_SIZE(modes);
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = want_flags ? flags[i].name : modes[i].name;
    return n < cap ? n : cap;
}

static int mode_index(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
        if (name && streq(modes[i].name, name))
            return (int) i;
    return -1;
}

static int flag_value(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
        if (name && streq(flags[i].name, name))
            return flags[i].value;
    return 0;
}

static bool mask_empty(const unsigned long *m)
{
    for (size_t i = 0; i < NODE_BITS / LONG_BITS; i++)
        if (m[i])
            return false;
    return true;
}

/* Every node of want is online (the kernel's EINVAL would not say which one is not). */
static int check_nodes_exist(const unsigned long *want, struct tr_err *err)
{
    unsigned long online[NODE_BITS / LONG_BITS];
    const char *why;
    struct tr_err e2;
    _cleanup_free_ char *text = read_file(NODES_ONLINE, NULL, &e2);
    if (!text)
        return 0;   /* a kernel without NUMA: set_mempolicy speaks for itself */
    text[strcspn(text, "\n")] = '\0';
    if (cpulist_parse(text, online, NODE_BITS, &why) < 0)
        return 0;
    for (size_t n = 0; n < NODE_BITS; n++)
        if ((want[n / LONG_BITS] >> (n % LONG_BITS) & 1) && !(online[n / LONG_BITS] >> (n % LONG_BITS) & 1))
            return tr_failx(err, "linux.memoryPolicy.nodes: node %zu does not exist on this host (online nodes: "
                            "%s, from %s)", n, text, NODES_ONLINE);
    return 0;
}

int mempolicy_validate(const struct oci_memory_policy *mp, struct tr_err *err)
{
    unsigned long mask[NODE_BITS / LONG_BITS];
    const char *why;
    int m;
    if (!mp)
        return 0;
    if ((m = mode_index(mp->mode)) < 0)
        return tr_failx(err, "linux.memoryPolicy.mode: unknown mode \"%s\"", mp->mode ? mp->mode : "");
    int f = 0;
    for (size_t i = 0; i < mp->flags_len; i++) {
        int v = flag_value(mp->flags[i]);
        if (!v)
            return tr_failx(err, "linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"", i, mp->flags[i]);
        f |= v;
    }
    if ((f & flag_value("MPOL_F_STATIC_NODES")) && (f & flag_value("MPOL_F_RELATIVE_NODES")))
        return tr_failx(err, "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
    if (cpulist_parse(mp->nodes ? mp->nodes : "", mask, NODE_BITS, &why) < 0)
        return tr_failx(err, "linux.memoryPolicy.nodes: \"%s\": %s (expected a list like \"0-3,5\")", mp->nodes, why);
    if (modes[m].nodes == NEEDS_NODES && mask_empty(mask))
        return tr_failx(err, "linux.memoryPolicy.nodes: %s needs at least one node", mp->mode);
    if (modes[m].nodes == NO_NODES && !mask_empty(mask))
        return tr_failx(err, "linux.memoryPolicy.nodes: %s takes no nodes, got \"%s\"", mp->mode, mp->nodes);
    if (f & flag_value("MPOL_F_RELATIVE_NODES"))
        return 0;   /* relative to the cpuset's nodes: any number may be meant */
    return check_nodes_exist(mask, err);
}

int mempolicy_apply(const struct oci_memory_policy *mp, struct tr_err *err)
{
    unsigned long mask[NODE_BITS / LONG_BITS];
    const char *why;
    if (!mp)
        return 0;
    int m = mode_index(mp->mode);
    if (m < 0 || cpulist_parse(mp->nodes ? mp->nodes : "", mask, NODE_BITS, &why) < 0)
        return tr_failx(err, "linux.memoryPolicy: not validated");
    int mode = modes[m].value;
    for (size_t i = 0; i < mp->flags_len; i++)
        mode |= flag_value(mp->flags[i]);
    /* maxnode counts one bit more than it reads (set_mempolicy(2), BUGS) */
    if (syscall(SYS_set_mempolicy, mode, mask, (unsigned long) NODE_BITS + 1) < 0) {
        tr_fail(err, errno, "linux.memoryPolicy: set_mempolicy(%s, nodes \"%s\")", mp->mode, mp->nodes ? mp->nodes : "");
        if (err->code == EINVAL)
            tr_hint(err, "are the nodes in the container's cpuset.mems (%s)?", NODES_ONLINE);
        return -1;
    }
    return 0;
}
