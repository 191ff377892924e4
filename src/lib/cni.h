/* CNI networking for quick mode's --net isolated: ADD and DEL per the CNI spec, running the
 * plugins of a network configuration list (Debian's /usr/lib/cni: bridge, host-local,
 * portmap, firewall...). What DEL needs (the list as ADD used it, ADD's result) is persisted in
 * the container's state dir, so that DEL runs the same after a crash (delete --force). */
#ifndef TINYRUN_CNI_H
#define TINYRUN_CNI_H
#include <stddef.h>
#include "error.h"

#define CNI_DEFAULT_CONF_DIR "/etc/tinyrun/net.d"
#define CNI_DEFAULT_PLUGIN_PATH "/usr/lib/cni:/opt/cni/bin"
#define CNI_SAVED_CONFIG "cni-config.json"   /* in the state dir */
#define CNI_SAVED_RESULT "cni-result.json"
#define CNI_PINNED_NETNS "netns"              /* bind mount of the network namespace */

struct tr_cni_port { int host, container; const char *proto; };
struct tr_cni_req {
    const char *conf_dir;       /* ADD: the first *.conflist by name is used */
    const char *id, *netns, *ifname;
    const struct tr_cni_port *ports; size_t ports_len;
    const char *state_dir;
};
/* The config dir to use: dir, else $TINYRUN_CNI_CONFIG_DIR, else CNI_DEFAULT_CONF_DIR. */
const char *tr_cni_conf_dir(const char *dir);
/* Write the default list (bridge tinyrun0 on a private /16 with ipMasq, portmap, firewall) into
 * dir when dir holds no .conflist: 1 when written, 0 when one exists, -1 with err. */
int tr_cni_write_default(const char *dir, struct tr_err *err);
/* ADD: every plugin in order; on a failure DEL undoes what was added. The addresses of the
 * result in *addresses (malloc'd). */
int tr_cni_add(const struct tr_cni_req *r, char **addresses, struct tr_err *err);
/* DEL from what ADD saved in state_dir (nothing saved: nothing to do); every plugin runs in
 * reverse order even when one fails; the saved files are removed when all succeeded. */
int tr_cni_del(const struct tr_cni_req *r, struct tr_err *err);

#endif
