/* Quick mode's config: `tinyrun spec`'s defaults (oci_config_json, the same generator) with the
 * flags applied. Every flag either lands in the config or is refused with an error naming it. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../cli.h"
#include "quick.h"
#include "util.h"

#define CPU_PERIOD_US 100000

const char *quick_stray_flag(const struct quick_opts *q)
{
    const struct { const char *name; bool given; } f[] = {
        { "--name", q->name }, { "--memory", q->memory }, { "--cpus", q->cpus },
        { "--pids", q->pids }, { "--net", q->net }, { "--cni-config-dir", q->cni_conf_dir },
        { "--publish", q->publish_len }, { "--env", q->env_len }, { "--workdir", q->workdir },
        { "--user", q->user }, { "--read-only", q->read_only }, { "--volume", q->volume_len },
        { "--tty", q->tty }, { "--rm", q->rm }, { "--dry-run", q->dry_run },
        { "--log-size", q->log_size }, { "--host-loopback", q->host_loopback },
    };
    for (size_t i = 0; i < ARRAY_SIZE(f); i++)
        if (f[i].given)
            return f[i].name;
    return NULL;
}

static int parse_cpus(const char *s, long long *quota, struct tr_err *err)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 1e6)
        return tr_failx(err, "invalid --cpus \"%s\": expected a positive number of CPUs, e.g. 0.5", s);
    *quota = (long long) (v * CPU_PERIOD_US + 0.5);
    if (*quota < 1000)      /* the kernel's minimum cfs quota is 1 ms */
        return tr_failx(err, "invalid --cpus \"%s\": at least 0.01", s);
    return 0;
}

static int parse_pids(const char *s, long long *out, struct tr_err *err)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        return tr_failx(err, "invalid --pids \"%s\": expected a positive integer", s);
    *out = v;
    return 0;
}

int quick_parse_port(const char *s, int *host, int *container, const char **proto,
                     struct tr_err *err)
{
    char *end;
    long h = strtol(s, &end, 10), c;
    if (end == s || *end != ':' || h < 1 || h > 65535)
        goto bad;
    const char *cs = end + 1;
    c = strtol(cs, &end, 10);
    if (end == cs || c < 1 || c > 65535)
        goto bad;
    *proto = "tcp";
    if (streq(end, "/udp"))
        *proto = "udp";
    else if (*end && !streq(end, "/tcp"))
        goto bad;
    *host = (int) h;
    *container = (int) c;
    return 0;
bad:
    return tr_failx(err, "invalid --publish \"%s\": expected HOSTPORT:CONTAINERPORT[/tcp|/udp]", s);
}

/* -v SRC:DST[:ro|rw]: SRC must exist (resolved to an absolute path), DST absolute. */
static int parse_volume(const char *s, struct oci_config_bind *b, char **src_out, struct tr_err *err)
{
    _cleanup_free_ char *copy = xstrdup(s);
    char *dst = strchr(copy, ':'), *mode;
    char real[PATH_MAX];
    if (!dst || dst == copy)
        return tr_failx(err, "invalid --volume \"%s\": expected SRC:DST[:ro|rw]", s);
    *dst++ = '\0';
    if ((mode = strchr(dst, ':')))
        *mode++ = '\0';
    if (dst[0] != '/')
        return tr_failx(err, "invalid --volume \"%s\": DST must be an absolute path", s);
    if (mode && !streq(mode, "ro") && !streq(mode, "rw"))
        return tr_failx(err, "invalid --volume \"%s\": mode must be ro or rw", s);
    if (!realpath(copy, real))
        return tr_fail(err, errno, "--volume %s: source %s", s, copy);
    /* one allocation holds both: "source\0destination" */
    size_t sl = strlen(real);
    char *both = xmalloc(sl + strlen(dst) + 2);
    memcpy(both, real, sl + 1);
    strcpy(both + sl + 1, dst);
    *src_out = both;
    b->source = both;
    b->destination = both + sl + 1;
    return 0;
}

static int check_env(char **env, size_t n, struct tr_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(env[i], '=') || env[i][0] == '=')
            return tr_failx(err, "invalid --env \"%s\": expected KEY=VALUE", env[i]);
    return 0;
}

/* Flags that only need parsing into c (no allocation). */
static int apply_simple(const struct quick_opts *q, struct oci_config_changes *c, struct tr_err *err)
{
    int64_t mem;
    if (q->memory) {
        if (cli_parse_bytes(q->memory, &mem, err) < 0)
            return tr_prefix(err, "invalid --memory \"%s\"", q->memory);
        if (mem <= 0)
            return tr_failx(err, "invalid --memory \"%s\": expected a positive size, e.g. 128m", q->memory);
        c->memory = mem;
    }
    if (q->cpus && parse_cpus(q->cpus, &c->cpu_quota, err) < 0)
        return -1;
    c->cpu_period = c->cpu_quota ? CPU_PERIOD_US : 0;
    if (q->pids && parse_pids(q->pids, &c->pids, err) < 0)
        return -1;
    if (q->workdir && q->workdir[0] != '/')
        return tr_failx(err, "invalid --workdir \"%s\": expected an absolute path", q->workdir);
    c->cwd = q->workdir;
    if (q->user) {
        bool has_gid;
        if (tr_parse_user(q->user, &c->user_uid, &c->user_gid, &has_gid, err) < 0)
            return tr_prefix(err, "--user");
        c->set_user = true;
        if (!has_gid)
            c->user_gid = 0;
    }
    c->terminal = q->tty;
    c->root_readonly = q->read_only;
    return check_env(q->env, q->env_len, err);
}

static bool is_rootless(const struct tr_ctx *ctx)
{
    return ctx->rootless == 1 || (ctx->rootless < 0 && geteuid() != 0);
}

struct spec_parts { char **sources; size_t nsources; const char **args; };

static void spec_parts_free(struct spec_parts *p)
{
    for (size_t i = 0; i < p->nsources; i++)
        free(p->sources[i]);
    free(p->sources);
    free(p->args);
}

char *quick_config_json(const struct tr_ctx *ctx, const struct quick_opts *q, const char *id,
                        char **cmd, size_t ncmd, struct tr_err *err)
{
    struct oci_config_changes c = { .hostname = id };
    __attribute__((cleanup(spec_parts_free))) struct spec_parts p = { 0 };
    char real[PATH_MAX];
    struct stat st;
    bool rootless = is_rootless(ctx);
    if (!realpath(q->rootfs, real) || stat(real, &st) < 0)
        return tr_fail(err, errno, "--rootfs %s", q->rootfs), NULL;
    if (!S_ISDIR(st.st_mode))
        return tr_failx(err, "--rootfs %s: not a directory", q->rootfs), NULL;
    c.root_path = real;
    if (apply_simple(q, &c, err) < 0)
        return NULL;
    p.sources = xzalloc((q->volume_len + 1) * sizeof *p.sources);
    struct oci_config_bind *binds = xzalloc((q->volume_len + 1) * sizeof *binds);
    for (size_t i = 0; i < q->volume_len; i++, p.nsources++)
        if (parse_volume(q->volume[i], &binds[i], &p.sources[i], err) < 0) {
            free(binds);
            return NULL;
        }
    c.binds = binds;
    c.binds_len = q->volume_len;
    if (ncmd) {
        p.args = xzalloc((ncmd + 1) * sizeof *p.args);
        memcpy(p.args, cmd, ncmd * sizeof *cmd);
        c.args = p.args;
    }
    c.env = (const char *const *) q->env;
    struct quick_net net = { 0 };
    char *json = NULL;
    if (quick_net_apply(ctx, q, rootless, &net, &c, err) == 0) {
        const char *ann[10];
        size_t n = 0;
        if (q->rm)
            ann[n++] = QUICK_ANN_RM, ann[n++] = "true";
        if (net.ports)
            ann[n++] = QUICK_ANN_PORTS, ann[n++] = net.ports;
        if (net.conf_dir)
            ann[n++] = QUICK_ANN_CNI, ann[n++] = net.conf_dir;
        if (q->host_loopback)
            ann[n++] = QUICK_ANN_HOST_LOOPBACK, ann[n++] = "true";
        ann[n] = NULL;
        c.annotations = ann;
        json = oci_config_json(rootless, geteuid(), getegid(), &c);
        if (!json)
            tr_failx(err, "could not generate the config");
    }
    quick_net_free(&net);
    free(binds);
    return json;
}
