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
    "OPTIONS:\n";

struct update_opts { const char *file; struct cli_update_flags f; const char *l3, *mb; };

static const struct cli_flag flags[] = {
    CLI_STRING_F("resources", 'r', struct update_opts, file,
                 "path to the file containing the resources to update or '-' to read from the standard input"),
    CLI_TEXT_F("\n"
    "The accepted format is the runtime-spec linux.resources object (unchanged values can\n"
    "be omitted):\n\n"
    "{\n  \"memory\": {\n    \"limit\": 0,\n    \"reservation\": 0,\n    \"swap\": 0\n  },\n"
    "  \"cpu\": {\n    \"shares\": 0,\n    \"quota\": 0,\n    \"period\": 0,\n"
    "    \"realtimeRuntime\": 0,\n    \"realtimePeriod\": 0,\n    \"cpus\": \"\",\n    \"mems\": \"\"\n  },\n"
    "  \"blockIO\": {\n    \"weight\": 0\n  }\n}\n\n"
    "Note: if data is to be read from a file or the standard input, all\n"
    "other options are ignored.\n"),
    CLI_STRING_F("blkio-weight", 0, struct update_opts, f.blkio_weight,
                 "Specifies per cgroup weight, range is from 10 to 1000"),
    CLI_STRING_F("cpu-period", 0, struct update_opts, f.cpu_period,
                 "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
    CLI_STRING_F("cpu-quota", 0, struct update_opts, f.cpu_quota,
                 "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
    CLI_STRING_F("cpu-share", 0, struct update_opts, f.cpu_shares,
                 "CPU shares (relative weight vs. other containers); also --cpu-shares"),
    CLI_STRING_F("cpu-shares", 0, struct update_opts, f.cpu_shares,
                 NULL),
    CLI_STRING_F("cpu-rt-period", 0, struct update_opts, f.cpu_rt_period,
                 "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
    CLI_STRING_F("cpu-rt-runtime", 0, struct update_opts, f.cpu_rt_runtime,
                 "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
    CLI_STRING_F("cpuset-cpus", 0, struct update_opts, f.cpuset_cpus,
                 "CPU(s) to use"),
    CLI_STRING_F("cpuset-mems", 0, struct update_opts, f.cpuset_mems,
                 "Memory node(s) to use"),
    CLI_STRING_F("memory", 0, struct update_opts, f.memory,
                 "Memory limit (in bytes, or with a unit: 512m, 1g)"),
    CLI_STRING_F("memory-reservation", 0, struct update_opts, f.memory_reservation,
                 "Memory reservation or soft_limit (in bytes, or with a unit)"),
    CLI_STRING_F("memory-swap", 0, struct update_opts, f.memory_swap,
                 "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
    CLI_STRING_F("kernel-memory", 0, struct update_opts, f.kernel_memory,
                 "Kernel memory limit (cgroup v1 only; deprecated)"),
    CLI_STRING_F("kernel-memory-tcp", 0, struct update_opts, f.kernel_memory_tcp,
                 "Kernel memory limit for tcp buffers (cgroup v1 only)"),
    CLI_STRING_F("pids-limit", 0, struct update_opts, f.pids_limit,
                 "Maximum number of pids allowed in the container"),
    CLI_STRING_F("l3-cache-schema", 0, struct update_opts, l3,
                 "The string of Intel RDT/CAT L3 cache schema (linux.intelRdt; resctrl)"),
    CLI_STRING_F("mem-bw-schema", 0, struct update_opts, mb,
                 "The string of Intel RDT/MBA memory bandwidth schema (linux.intelRdt; resctrl)"),
    CLI_FLAGS_END,
};

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

static int run_update(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                      struct tr_err *err)
{
    const struct update_opts *o = opts;
    if ((o->l3 || o->mb) && tr_update_rdt(ctx, args[0], o->l3, o->mb, err) < 0)
        return -1;
    /* As runc: a resources file wins over the per-field flags. */
    struct oci_resources *res = o->file ? load_resources(o->file, err)
                                        : cli_resources_from_flags(&o->f, err);
    if (!res)
        return o->file ? -1 : CMD_USAGE;
    int r = tr_update(ctx, args[0], res, err);
    oci_resources_free(res);
    return r;
}

const struct cli_verb cli_verb_update = {
    .name = "update", .summary = "update container resource constraints",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun update [options] <container-id>",
    .opts_size = sizeof(struct update_opts), .run = run_update,
};
