/* The JSON side of CNI (https://www.cni.dev/docs/spec/): a network configuration list split
 * into the per-plugin configs the runtime feeds each plugin (name, cniVersion, prevResult and
 * runtimeConfig inserted), plugin results and errors, and the OCI state a hook gets on stdin. */
#ifndef TINYRUN_OCI_CNI_JSON_H
#define TINYRUN_OCI_CNI_JSON_H
#include <stddef.h>
#include "error.h"
#include "spec.h"

/* Check a .conflist (cniVersion, name, plugins[] each with a type): the plugin count, or -1. */
int oci_cni_list_check(const char *list, const char *origin, struct tr_err *err);
/* Plugin idx of list as the plugin reads it on stdin (malloc'd), its type in *type (malloc'd).
 * prev_result: the previous plugin's result (NULL: none); port_mappings: a JSON array given as
 * runtimeConfig.portMappings to plugins declaring capabilities.portMappings (NULL: none). */
char *oci_cni_plugin_conf(const char *list, size_t idx, const char *prev_result,
                          const char *port_mappings, char **type, struct tr_err *err);
/* The "msg" (and "details") of a plugin's error JSON, into buf; the raw text when not JSON. */
void oci_cni_error_text(const char *out, char *buf, size_t len);
/* The addresses of a result (ips[].address), comma-separated, malloc'd; NULL when not a
 * valid result object. */
char *oci_cni_result_addresses(const char *result, struct tr_err *err);

/* The parts of the OCI state (hook stdin) a hook needs. */
struct oci_hook_state { char *id; int pid; struct oci_kv *annotations; size_t annotations_len; };
int oci_hook_state_parse(const char *json, struct oci_hook_state *st, struct tr_err *err);
void oci_hook_state_free(struct oci_hook_state *st);
const char *oci_hook_state_annotation(const struct oci_hook_state *st, const char *key);

#endif
