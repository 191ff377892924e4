/* --net none|host|isolated. isolated is CNI: the config carries a createRuntime hook (ADD, in
 * the runtime's namespaces once the container's network namespace exists, before the process
 * starts) and a poststop hook (DEL, on every delete, also `delete --force` after a crash), both
 * `tinyrun __cni-hook add|del` reading the OCI state on stdin. So the container goes through
 * the one create/start path, and runc runs the same config. Rootless (no CNI bridge without
 * root) it is slirp4netns (quick-slirp.c): createRuntime `__cni-hook slirp4netns-add BINARY`
 * starts a launcher, createContainer `slirp4netns-join` (a process in the container's
 * namespaces that the user may open, unlike the non-dumpable init) has it start slirp4netns,
 * poststop `slirp4netns-del` stops both. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../cli.h"
#include "cni.h"
#include "cni-json.h"
#include "log.h"
#include "quick.h"
#include "util.h"

#define MAX_PORTS 32

static int isolated_hooks(const struct tr_ctx *ctx, const struct quick_opts *q,
                          struct quick_net *net, struct oci_config_changes *c, struct tr_err *err)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        return tr_fail(err, errno, "--net isolated: readlink /proc/self/exe (the hook's path)");
    exe[n] = '\0';
    net->exe = xstrdup(exe);
    net->root = xstrdup(tr_state_root(ctx));
    char real[PATH_MAX];
    const char *dir = tr_cni_conf_dir(q->cni_conf_dir);
    /* the hook runs from another cwd: an absolute path (the dir may not exist yet) */
    if (!net->slirp)
        net->conf_dir = dir[0] == '/' ? xstrdup(dir)
                      : xasprintf("%s/%s", getcwd(real, sizeof real) ? real : ".", dir);
    const char *base[] = { net->exe, "tinyrun", "--root", net->root, "__cni-hook" };
    memcpy(net->hook_add, base, sizeof base);
    memcpy(net->hook_del, base, sizeof base);
    net->hook_add[5] = net->slirp ? "slirp4netns-add" : "add";
    net->hook_add[6] = net->slirp;      /* the hook's environment has no PATH */
    net->hook_del[5] = net->slirp ? "slirp4netns-del" : "del";
    if (net->slirp) {
        memcpy(net->hook_join, base, sizeof base);
        net->hook_join[5] = "slirp4netns-join";
        c->create_container_hook = net->hook_join;
    }
    c->create_runtime_hook = net->hook_add;
    c->poststop_hook = net->hook_del;
    return 0;
}

static int ports_annotation(const struct quick_opts *q, struct quick_net *net, struct tr_err *err)
{
    if (q->publish_len > MAX_PORTS)
        return tr_failx(err, "--publish: at most %d ports", MAX_PORTS);
    for (size_t i = 0; i < q->publish_len; i++) {
        int h, ct;
        const char *proto;
        if (quick_parse_port(q->publish[i], &h, &ct, &proto, err) < 0)
            return -1;
        char *s = xasprintf("%s%s%d:%d/%s", net->ports ? net->ports : "", i ? "," : "", h, ct, proto);
        free(net->ports);
        net->ports = s;
    }
    return 0;
}

/* Root of a non-initial user namespace (RootlessKit's shape) has no bridge to make either. */
static bool in_initial_userns(void)
{
    struct tr_err e;
    _cleanup_free_ char *map = read_file("/proc/self/uid_map", NULL, &e);
    unsigned long inside, outside, len;
    return map && sscanf(map, "%lu %lu %lu", &inside, &outside, &len) == 3 &&
           inside == 0 && outside == 0 && len == 4294967295UL;
}

int quick_net_apply(const struct tr_ctx *ctx, const struct quick_opts *q, bool rootless,
                    struct quick_net *net, struct oci_config_changes *c, struct tr_err *err)
{
    const char *mode = q->net ? q->net : "none";
    if (q->cni_conf_dir && !streq(mode, "isolated"))
        return tr_failx(err, "--cni-config-dir needs --net isolated");
    if (q->publish_len && !streq(mode, "isolated"))
        return tr_failx(err, "--publish needs --net isolated (with --net %s there is nothing to map)", mode);
    if (q->host_loopback && !streq(mode, "isolated"))
        return tr_failx(err, "--host-loopback needs --net isolated (rootless)");
    if (streq(mode, "none")) {
        c->network = 1;
        return 0;
    }
    if (streq(mode, "host")) {
        c->network = -1;
        return 0;
    }
    if (!streq(mode, "isolated"))
        return tr_failx(err, "invalid --net \"%s\": expected none, host or isolated", mode);
    rootless = rootless || !in_initial_userns();
    if (rootless && q->cni_conf_dir)
        return tr_failx(err, "--cni-config-dir: rootless --net isolated is slirp4netns, not CNI "
                        "(CNI bridges need root); drop the flag");
    if (!rootless && q->host_loopback)
        return tr_failx(err, "--host-loopback: only for rootless --net isolated (slirp4netns); a "
                        "rootful container reaches the host at its bridge's gateway address, never "
                        "at the host's 127.0.0.1 (route_localnet is off)");
    c->network = 1;
    if (ports_annotation(q, net, err) < 0)
        return -1;
    if (rootless) {
        char bin[PATH_MAX];
        if (quick_slirp_find(bin, sizeof bin, err) < 0)
            return -1;
        net->slirp = xstrdup(bin);
    }
    return isolated_hooks(ctx, q, net, c, err);
}

void quick_net_free(struct quick_net *net)
{
    free(net->exe);
    free(net->root);
    free(net->ports);
    free(net->conf_dir);
    free(net->slirp);
}

/* "8080:80/tcp,..." as written by ports_annotation. */
static size_t parse_ports(const char *s, struct tr_cni_port *p, struct tr_err *err)
{
    size_t n = 0;
    if (!s)
        return 0;
    _cleanup_free_ char *copy = xstrdup(s);
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < MAX_PORTS; t = strtok_r(NULL, ",", &save))
        if (quick_parse_port(t, &p[n].host, &p[n].container, &p[n].proto, err) == 0)
            n++;
    return n;
}

/* `tinyrun __cni-hook add|del`, run by the runtime as a hook: the OCI state on stdin. */
int quick_cni_hook(const struct tr_ctx *ctx, int argc, char **argv, struct tr_err *err)
{
    bool slirp_add = argc == 3 && streq(argv[1], "slirp4netns-add");
    bool slirp_join = argc == 2 && streq(argv[1], "slirp4netns-join");
    bool slirp_del = argc == 2 && streq(argv[1], "slirp4netns-del");
    if (!slirp_add && !slirp_join && !slirp_del &&
        (argc != 2 || (!streq(argv[1], "add") && !streq(argv[1], "del"))))
        return tr_failx(err, "usage: tinyrun __cni-hook add|del|slirp4netns-add BINARY|"
                        "slirp4netns-join|slirp4netns-del (an OCI hook: state on stdin)"), CMD_USAGE;
    char buf[65536];
    ssize_t len = read_all(0, buf, sizeof buf - 1);
    if (len < 0)
        return tr_fail(err, errno, "__cni-hook: read the state from stdin");
    buf[len] = '\0';
    struct oci_hook_state st;
    if (oci_hook_state_parse(buf, &st, err) < 0)
        return -1;
    struct tr_cni_port ports[MAX_PORTS];
    _cleanup_free_ char *dir = xasprintf("%s/%s", tr_state_root(ctx), st.id);
    _cleanup_free_ char *netns = st.pid > 0 ? xasprintf("/proc/%d/ns/net", st.pid) : xstrdup("");
    struct tr_cni_req r = {
        .conf_dir = tr_cni_conf_dir(oci_hook_state_annotation(&st, QUICK_ANN_CNI)),
        .id = st.id, .netns = netns, .ifname = "eth0", .state_dir = dir,
    };
    r.ports = ports;
    r.ports_len = parse_ports(oci_hook_state_annotation(&st, QUICK_ANN_PORTS), ports, err);
    int rc;
    if (slirp_add) {
        const char *lo = oci_hook_state_annotation(&st, QUICK_ANN_HOST_LOOPBACK);
        struct slirp_job j = { .bin = argv[2], .dir = dir, .init_pid = st.pid,
                               .host_loopback = lo && streq(lo, "true"),
                               .ports = ports, .nports = r.ports_len };
        rc = quick_slirp_listen(&j, err);
    } else if (slirp_join) {
        rc = quick_slirp_join(dir, err);
    } else if (slirp_del) {
        rc = quick_slirp_del(dir, err);
    } else if (streq(argv[1], "add")) {
        _cleanup_free_ char *addrs = NULL;
        rc = tr_cni_write_default(r.conf_dir, err);
        if (rc == 1)
            tr_debug("wrote the default CNI network config into %s", r.conf_dir);
        if (rc >= 0 && (rc = tr_cni_add(&r, &addrs, err)) == 0)
            tr_debug("container %s: CNI addresses %s", st.id, addrs);
    } else {
        rc = tr_cni_del(&r, err);
    }
    oci_hook_state_free(&st);
    return rc;
}
