/* tr_container_info: what `list` (COMMAND), `stop` and the quick-mode logger read of one
 * container: its live status, the command of its process, one annotation. */
#include "config.h"
#include <string.h>
#include "container-internal.h"
#include "util.h"

static char *join_args(const struct oci_spec *spec)
{
    char *s = xstrdup("");
    for (size_t i = 0; spec->process && i < spec->process->args_len; i++) {
        char *n = xasprintf("%s%s%s", s, i ? " " : "", spec->process->args[i]);
        free(s);
        s = n;
    }
    return s;
}

int tr_container_info(const struct tr_ctx *ctx, const char *id, const char *annotation,
                      struct tr_container_info *out, struct tr_err *err)
{
    struct tr_container c;
    struct tr_err e2;
    memset(out, 0, sizeof *out);
    if (state_open(tr_state_root(ctx), id, false, &c, err) < 0)
        return -1;
    enum tr_status st = state_status(&c);
    out->status = tr_status_name(st);
    out->stopped = st == TR_STOPPED;
    out->pid = c.runstate && !out->stopped ? c.runstate->pid : 0;
    struct oci_spec *spec = c.runstate ? state_load_spec(&c, &e2) : NULL;
    out->command = spec ? join_args(spec) : xstrdup("");
    for (size_t i = 0; spec && annotation && i < spec->annotations_len; i++)
        if (streq(spec->annotations[i].key, annotation))
            out->annotation = xstrdup(spec->annotations[i].value);
    oci_free(spec);
    state_close(&c);
    return 0;
}

void tr_container_info_free(struct tr_container_info *i)
{
    free(i->command);
    free(i->annotation);
}
