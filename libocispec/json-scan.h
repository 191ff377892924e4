/* libocispec's gate for untrusted JSON, public so that a program reading its own JSON files
 * (the runtime's state.json) refuses hostile input the way config.json is refused. */
#ifndef TINYRUN_OCI_JSON_SCAN_H
#define TINYRUN_OCI_JSON_SCAN_H
#include <stddef.h>
#include <yajl_tree.h>
#include "error.h"

/* Hostile-input bounds (json-scan.c): real configs are a few KiB and nest 7 levels. */
#define OCI_JSON_MAX_BYTES (4u << 20)
#define OCI_JSON_MAX_DEPTH 64
/* 0, or -1 + "origin: path: why" for: too large, too deep, a NUL in a string or key, a
 * duplicated key, invalid UTF-8, a syntax error (with its line). */
int oci_json_scan(const char *json, size_t len, const char *origin, struct tr_err *err);
/* Parse a JSON text into a yajl tree (after oci_json_scan); NULL + "origin: invalid JSON at line L: ..." on error. */
yajl_val oci_json_tree(const char *json, size_t len, const char *origin, struct tr_err *err);

#endif
