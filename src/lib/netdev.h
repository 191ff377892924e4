/* Network devices the runtime itself configures inside a network namespace it created: only
 * the loopback, as runc and crun do (other interfaces are the job of CNI or the caller). */
#ifndef TINYRUN_NETDEV_H
#define TINYRUN_NETDEV_H
#include "error.h"

/* Sets IFF_UP on "lo" in the caller's network namespace (needs CAP_NET_ADMIN over it).
 * A loopback already up is left as it is. */
int netdev_loopback_up(struct tr_err *err);

#endif
