/* tinyrun's private per-container state file (<root>/<id>/state.json): the runtime's own format,
 * not a spec's, so it lives in libtinyrun; libocispec's json-scan.h gates what it reads. */
#ifndef TINYRUN_OCI_RUNSTATE_H
#define TINYRUN_OCI_RUNSTATE_H
#include <stdbool.h>
#include <stddef.h>
#include "error.h"

struct oci_runstate {
    char *id;
    int pid;                        /* init pid in the runtime's pid namespace; 0 while creating */
    unsigned long long start_time;  /* /proc/<pid>/stat field 22: guards against pid reuse */
    char *bundle;                   /* absolute */
    char *rootfs;                   /* absolute */
    char *created;                  /* RFC 3339 */
    char *cgroup;                   /* cgroup_serialize() line, NULL when no cgroup */
    bool systemd;                   /* --systemd-cgroup at create */
    bool rootless;
    bool no_new_keyring;            /* --no-new-keyring at create: exec keeps the caller's too */
};

/* Compact JSON (malloc'd). */
char *oci_runstate_to_json(const struct oci_runstate *s);
/* origin names the file in messages. Returns NULL + err. */
struct oci_runstate *oci_runstate_parse(const char *json, const char *origin, struct tr_err *err);
void oci_runstate_free(struct oci_runstate *s);

#endif
