/* tinyrun update [--resources FILE|-] [per-field flags] <container-id> */
#include "config.h"
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun update - update container resource constraints\n\n"
    "USAGE:\n   tinyrun update [command options] <container-id>\n\n"
    "OPTIONS:\n"
    "   --resources value, -r value  path to the file containing the resources to update or '-' to read from the standard input\n\n"
    "The accepted format is the runtime-spec linux.resources object (unchanged values can\n"
    "be omitted):\n\n"
    "{\n  \"memory\": {\n    \"limit\": 0,\n    \"reservation\": 0,\n    \"swap\": 0\n  },\n"
    "  \"cpu\": {\n    \"shares\": 0,\n    \"quota\": 0,\n    \"period\": 0,\n"
    "    \"realtimeRuntime\": 0,\n    \"realtimePeriod\": 0,\n    \"cpus\": \"\",\n    \"mems\": \"\"\n  },\n"
    "  \"blockIO\": {\n    \"weight\": 0\n  }\n}\n\n"
    "Note: if data is to be read from a file or the standard input, all\n"
    "other options are ignored.\n"
    "   --blkio-weight value        Specifies per cgroup weight, range is from 10 to 1000\n"
    "   --cpu-period value          CPU CFS period to be used for hardcapping (in usecs). 0 to use system default\n"
    "   --cpu-quota value           CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period\n"
    "   --cpu-share value           CPU shares (relative weight vs. other containers); also --cpu-shares\n"
    "   --cpu-rt-period value       CPU realtime period to be used for hardcapping (in usecs). 0 to use system default\n"
    "   --cpu-rt-runtime value      CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period\n"
    "   --cpuset-cpus value         CPU(s) to use\n"
    "   --cpuset-mems value         Memory node(s) to use\n"
    "   --memory value              Memory limit (in bytes, or with a unit: 512m, 1g)\n"
    "   --memory-reservation value  Memory reservation or soft_limit (in bytes, or with a unit)\n"
    "   --memory-swap value         Total memory usage (memory + swap); set '-1' to enable unlimited swap\n"
    "   --kernel-memory value       Kernel memory limit (cgroup v1 only; deprecated)\n"
    "   --kernel-memory-tcp value   Kernel memory limit for tcp buffers (cgroup v1 only)\n"
    "   --pids-limit value          Maximum number of pids allowed in the container\n";

enum { OPT_RESOURCES = 1, OPT_MEMORY, OPT_MEMORY_RES, OPT_MEMORY_SWAP, OPT_KMEM, OPT_KMEM_TCP,
       OPT_CPU_SHARES, OPT_CPU_QUOTA, OPT_CPU_PERIOD, OPT_RT_RUNTIME, OPT_RT_PERIOD,
       OPT_CPUSET_CPUS, OPT_CPUSET_MEMS, OPT_PIDS, OPT_BLKIO, OPT_L3, OPT_MEMBW };
static const struct cli_opt opts[] = {
    { "resources", 'r', CLI_VALUE, OPT_RESOURCES },
    { "memory", 0, CLI_VALUE, OPT_MEMORY },
    { "memory-reservation", 0, CLI_VALUE, OPT_MEMORY_RES },
    { "memory-swap", 0, CLI_VALUE, OPT_MEMORY_SWAP },
    { "kernel-memory", 0, CLI_VALUE, OPT_KMEM },
    { "kernel-memory-tcp", 0, CLI_VALUE, OPT_KMEM_TCP },
    { "cpu-share", 0, CLI_VALUE, OPT_CPU_SHARES },
    { "cpu-shares", 0, CLI_VALUE, OPT_CPU_SHARES },
    { "cpu-quota", 0, CLI_VALUE, OPT_CPU_QUOTA },
    { "cpu-period", 0, CLI_VALUE, OPT_CPU_PERIOD },
    { "cpu-rt-runtime", 0, CLI_VALUE, OPT_RT_RUNTIME },
    { "cpu-rt-period", 0, CLI_VALUE, OPT_RT_PERIOD },
    { "cpuset-cpus", 0, CLI_VALUE, OPT_CPUSET_CPUS },
    { "cpuset-mems", 0, CLI_VALUE, OPT_CPUSET_MEMS },
    { "pids-limit", 0, CLI_VALUE, OPT_PIDS },
    { "blkio-weight", 0, CLI_VALUE, OPT_BLKIO },
    { "l3-cache-schema", 0, CLI_VALUE, OPT_L3 },
    { "mem-bw-schema", 0, CLI_VALUE, OPT_MEMBW },
    CLI_OPT_HELP,
    CLI_OPT_END,
};

static int update_flag(int id, const char *val, struct cli_update_flags *f, const char **file,
                       struct tr_err *err)
{
    switch (id) {
    case OPT_RESOURCES: *file = val; break;
    case OPT_MEMORY: f->memory = val; break;
    case OPT_MEMORY_RES: f->memory_reservation = val; break;
    case OPT_MEMORY_SWAP: f->memory_swap = val; break;
    case OPT_KMEM: f->kernel_memory = val; break;
    case OPT_KMEM_TCP: f->kernel_memory_tcp = val; break;
    case OPT_CPU_SHARES: f->cpu_shares = val; break;
    case OPT_CPU_QUOTA: f->cpu_quota = val; break;
    case OPT_CPU_PERIOD: f->cpu_period = val; break;
    case OPT_RT_RUNTIME: f->cpu_rt_runtime = val; break;
    case OPT_RT_PERIOD: f->cpu_rt_period = val; break;
    case OPT_CPUSET_CPUS: f->cpuset_cpus = val; break;
    case OPT_CPUSET_MEMS: f->cpuset_mems = val; break;
    case OPT_PIDS: f->pids_limit = val; break;
    case OPT_BLKIO: f->blkio_weight = val; break;
    case OPT_L3:
    case OPT_MEMBW:
        return tr_failx(err, "Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported");
    }
    return 0;
}

static char *read_stdin(size_t *len, struct tr_err *err)
{
    size_t cap = 4096;
    char *buf = xmalloc(cap);
    ssize_t n;
    *len = 0;
    while ((n = read(STDIN_FILENO, buf + *len, cap - *len - 1)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return tr_fail(err, errno, "read resources from stdin"), NULL;
        }
        *len += (size_t) n;
        if (cap - *len < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    buf[*len] = '\0';
    return buf;
}

static struct oci_resources *load_resources(const char *file, struct tr_err *err)
{
    size_t len;
    bool is_stdin = streq(file, "-");
    _cleanup_free_ char *json = is_stdin ? read_stdin(&len, err) : read_file(file, &len, err);
    if (!json)
        return NULL;
    return oci_parse_resources(json, len, is_stdin ? "resources (stdin)" : file, err);
}

int cmd_update(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    struct cli_update_flags f = { 0 };
    const char *file = NULL;
    struct oci_resources *res = NULL;
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (update_flag(id, val, &f, &file, err) < 0)
            goto out;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, 1, 1, "container ID", "tinyrun update [options] <container-id>",
                       err) < 0)
        goto out;
    /* As runc: a resources file wins over the per-field flags. */
    res = file ? load_resources(file, err) : cli_resources_from_flags(&f, err);
    if (!res) {
        rc = file ? -1 : CMD_USAGE;
        goto out;
    }
    rc = tr_update(ctx, p.pos[0], res, err);
out:
    if (res)
        oci_resources_free(res);
    cli_parser_free(&p);
    return rc;
}
