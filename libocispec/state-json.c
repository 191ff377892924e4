/* OCI state JSON: `tinyrun state` output, hook stdin, and the seccomp listener message. */
#include <config.h>
#include "gen.h"
#include "spec.h"

static void gen_state(struct oci_gen *j, const struct oci_state *st)
{
    oci_gen_map_open(j);
    oci_gen_key_str(j, "ociVersion", st->oci_version ? st->oci_version : OCI_VERSION);
    oci_gen_key_str(j, "id", st->id ? st->id : "");
    oci_gen_key_str(j, "status", st->status ? st->status : "");
    if (st->pid > 0)
        oci_gen_key_int(j, "pid", st->pid);
    oci_gen_key_str(j, "bundle", st->bundle ? st->bundle : "");
    if (st->annotations_len) {
        oci_gen_key(j, "annotations");
        oci_gen_map_open(j);
        for (size_t i = 0; i < st->annotations_len; i++)
            oci_gen_key_str(j, st->annotations[i].key, st->annotations[i].value);
        oci_gen_map_close(j);
    }
    if (st->rootfs)
        oci_gen_key_str(j, "rootfs", st->rootfs);
    if (st->created)
        oci_gen_key_str(j, "created", st->created);
    if (st->owner)
        oci_gen_key_str(j, "owner", st->owner);
    oci_gen_map_close(j);
}

char *oci_state_to_json(const struct oci_state *st, bool pretty, struct tr_err *err)
{
    struct oci_gen j;
    if (oci_gen_open(&j, pretty ? "  " : NULL, err) < 0)
        return NULL;
    gen_state(&j, st);
    return oci_gen_finish(&j, false, "state", err);
}

char *oci_process_state_to_json(const struct oci_state *st, const char *metadata, struct tr_err *err)
{
    static const char *const fds[] = { "seccompFd", NULL };
    struct oci_gen j;
    if (oci_gen_open(&j, NULL, err) < 0)
        return NULL;
    oci_gen_map_open(&j);
    oci_gen_key_str(&j, "ociVersion", st->oci_version ? st->oci_version : OCI_VERSION);
    oci_gen_key_strv(&j, "fds", fds);
    oci_gen_key_int(&j, "pid", st->process_pid > 0 ? st->process_pid : st->pid);
    if (metadata)
        oci_gen_key_str(&j, "metadata", metadata);
    oci_gen_key(&j, "state");
    gen_state(&j, st);
    oci_gen_map_close(&j);
    return oci_gen_finish(&j, false, "container process state", err);
}
