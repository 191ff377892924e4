/* `update --l3-cache-schema / --mem-bw-schema`: the container's resctrl group (resctrl.c). */
#include "config.h"
#include "container-internal.h"
#include "resctrl.h"
#include "util.h"

int tr_update_rdt(const struct tr_ctx *ctx, const char *id, const char *l3, const char *mb, struct tr_err *err)
{
    struct tr_container c;
    struct oci_spec *spec = NULL;
    int rc = -1;
    if (state_open(tr_state_root(ctx), id, true, &c, err) < 0)
        return -1;
    enum tr_status st = c.runstate ? state_status(&c) : TR_STOPPED;
    if (st != TR_RUNNING && st != TR_CREATED && st != TR_PAUSED)
        tr_failx(err, "cannot update container %s: it is %s", id, tr_status_name(st));
    else if ((spec = state_load_spec(&c, err)))
        rc = resctrl_update(RESCTRL_ROOT, spec->linux_ ? spec->linux_->intel_rdt : NULL, id, l3, mb, err);
    oci_free(spec);
    state_close(&c);
    return rc;
}
