/* Tiny yajl_gen wrappers shared by state.c and default.c: they remember the first failure so
 * the callers check once at the end instead of after every token. */
#ifndef TINYRUN_OCI_GEN_H
#define TINYRUN_OCI_GEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl_gen.h>
#include "error.h"

struct oci_gen { yajl_gen g; yajl_gen_status st; };

/* indent NULL = compact */
int oci_gen_open(struct oci_gen *j, const char *indent, struct tr_err *err);
void oci_gen_str(struct oci_gen *j, const char *s);
void oci_gen_key_str(struct oci_gen *j, const char *key, const char *s);
void oci_gen_key_int(struct oci_gen *j, const char *key, long long v);
void oci_gen_key_bool(struct oci_gen *j, const char *key, bool v);
void oci_gen_key_strv(struct oci_gen *j, const char *key, const char *const *v);   /* NULL-terminated */
void oci_gen_key(struct oci_gen *j, const char *key);
void oci_gen_map_open(struct oci_gen *j);
void oci_gen_map_close(struct oci_gen *j);
void oci_gen_array_open(struct oci_gen *j);
void oci_gen_array_close(struct oci_gen *j);
/* Returns the malloc'd text (trailing newlines removed, one added when add_newline) or NULL;
 * frees the generator either way. */
char *oci_gen_finish(struct oci_gen *j, bool add_newline, const char *what, struct tr_err *err);

#endif
