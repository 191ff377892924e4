/* The table-driven JSON -> struct mapper behind every libocispec parser.
 * Each C struct of spec.h is described once by a `struct oci_type` (a list of `struct oci_field`
 * rows: JSON key, kind, offsets). The same tables drive parsing (parse-core.c), freeing and the
 * list of understood JSON paths (oci_known_paths), so the three cannot drift apart. */
#ifndef TINYRUN_OCI_PARSE_INTERNAL_H
#define TINYRUN_OCI_PARSE_INTERNAL_H
#include <stddef.h>
#include <yajl_tree.h>
#include "json-scan.h"
#include "spec.h"

enum oci_kind {
    K_STR,      /* char *                                                       */
    K_BOOL,     /* bool                                                         */
    K_U16,      /* uint16_t                                                     */
    K_U32,      /* uint32_t                                                     */
    K_I32,      /* int32_t                                                      */
    K_I64,      /* int64_t                                                      */
    K_U64,      /* uint64_t                                                     */
    K_STRV,     /* char ** + size_t len (len_off)                               */
    K_U32V,     /* uint32_t * + size_t len (additionalGids)                     */
    K_OBJ,      /* pointer to a malloc'd struct of type `sub`                   */
    K_INLINE,   /* JSON object whose fields live inside this struct at `off`    */
    K_ARR,      /* array of `sub` structs + size_t len                          */
    K_MAP,      /* JSON object {key: {...}} -> array of `sub` with key at key_off */
    K_KV,       /* JSON object {key: "string"} -> struct oci_kv array           */
    K_NSTYPE,   /* enum oci_ns_type, from its name                              */
    K_CHAR,     /* one-character string stored as char (device type)           */
};

#define F_REQUIRED 0x1u

struct oci_type;

struct oci_field {
    const char *key;
    enum oci_kind kind;
    unsigned flags;
    size_t off;                 /* value (or inline base) offset in the struct */
    size_t has_off;             /* offset of `bool has_x`, or NO_OFF            */
    size_t len_off;             /* K_STRV/K_ARR/K_MAP/K_KV: offset of size_t len */
    const struct oci_type *sub; /* K_OBJ/K_INLINE/K_ARR/K_MAP                   */
    size_t key_off;             /* K_MAP: offset of char *key inside sub        */
    const char *const *enumv;   /* allowed strings (K_STR, K_STRV items, K_MAP keys, K_CHAR) */
    const char *what;           /* noun for enum errors: "namespace type"       */
};

struct oci_pctx;
struct oci_type {
    const char *name;
    size_t size;
    const struct oci_field *fields;
    size_t nfields;
    /* Cross-field checks once the object is filled (e.g. device major needed for type c). */
    int (*check)(struct oci_pctx *c, const void *obj);
};

#define NO_OFF ((size_t) -1)
#define TYPE(name_, ctype, fields_, check_) \
    const struct oci_type name_ = { #ctype, sizeof(ctype), fields_, sizeof(fields_) / sizeof(fields_[0]), check_ }

/* Field row helpers; S is the C struct the row belongs to. */
#define FS(S, k, m, fl)          { k, K_STR, fl, offsetof(S, m), NO_OFF, 0, NULL, 0, NULL, NULL }
#define FE(S, k, m, fl, ev, w)   { k, K_STR, fl, offsetof(S, m), NO_OFF, 0, NULL, 0, ev, w }
#define FB(S, k, m, fl)          { k, K_BOOL, fl, offsetof(S, m), NO_OFF, 0, NULL, 0, NULL, NULL }
#define FBH(S, k, m)             { k, K_BOOL, 0, offsetof(S, m), offsetof(S, has_##m), 0, NULL, 0, NULL, NULL }
#define FN(S, k, K, m, fl)       { k, K, fl, offsetof(S, m), NO_OFF, 0, NULL, 0, NULL, NULL }
#define FNH(S, k, K, m)          { k, K, 0, offsetof(S, m), offsetof(S, has_##m), 0, NULL, 0, NULL, NULL }
#define FV(S, k, m)              { k, K_STRV, 0, offsetof(S, m), NO_OFF, offsetof(S, m##_len), NULL, 0, NULL, NULL }
#define FU32V(S, k, m)           { k, K_U32V, 0, offsetof(S, m), NO_OFF, offsetof(S, m##_len), NULL, 0, NULL, NULL }
#define FVR(S, k, m)             { k, K_STRV, F_REQUIRED, offsetof(S, m), NO_OFF, offsetof(S, m##_len), NULL, 0, NULL, NULL }
#define FVE(S, k, m, ev, w)      { k, K_STRV, 0, offsetof(S, m), NO_OFF, offsetof(S, m##_len), NULL, 0, ev, w }
#define FO(S, k, m, t)           { k, K_OBJ, 0, offsetof(S, m), NO_OFF, 0, &t, 0, NULL, NULL }
#define FI(S, k, m, t, fl)       { k, K_INLINE, fl, offsetof(S, m), NO_OFF, 0, &t, 0, NULL, NULL }
#define FIH(S, k, m, t)          { k, K_INLINE, 0, offsetof(S, m), offsetof(S, has_##m), 0, &t, 0, NULL, NULL }
#define FI0(k, t)                { k, K_INLINE, 0, 0, NO_OFF, 0, &t, 0, NULL, NULL }
#define FA(S, k, m, t)           { k, K_ARR, 0, offsetof(S, m), NO_OFF, offsetof(S, m##_len), &t, 0, NULL, NULL }
#define FM(S, k, m, t, T, km, ev, w) { k, K_MAP, 0, offsetof(S, m), NO_OFF, offsetof(S, m##_len), &t, offsetof(T, km), ev, w }
#define FKV(S, k, m)             { k, K_KV, 0, offsetof(S, m), NO_OFF, offsetof(S, m##_len), NULL, 0, NULL, NULL }

/* Parse context: where we are (JSON path) and where errors go. */
struct oci_pctx {
    const char *origin;
    struct tr_err *err;
    size_t plen;
    char path[768];
};

/* Fail with "origin: path: msg". */
int oci_perr(struct oci_pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fail with "origin: path.key: msg" (cross-field checks name the member they refer to). */
int oci_perr_key(struct oci_pctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Range checks after parsing: "origin: path.key: V is out of range LO..HI (why)", -1 on failure.
 * They stop values that fit the C type but would wrap or be reinterpreted where used
 * (a device major beyond 12 bits, uid 4294967295 = "unchanged" for setresuid...). */
int oci_range(struct oci_pctx *c, const char *key, int64_t v, int64_t lo, int64_t hi, const char *why);
int oci_urange(struct oci_pctx *c, const char *key, uint64_t v, uint64_t hi, const char *why);
/* The kernel's dev_t: 12-bit major, 20-bit minor (what mknod(2) and new_encode_dev keep). */
#define OCI_MAJOR_MAX 4095
#define OCI_MINOR_MAX 1048575
/* uid_t/gid_t (uint32_t)-1 means "leave unchanged" to setresuid/setresgid/chown. */
#define OCI_ID_MAX 4294967294u

/* A JSON object key as shown inside a path: at most 60 bytes, '"' and '\\' escaped, control
 * characters as '?', so that an error message stays one line whatever the key holds. */
void oci_path_key(char *dst, size_t len, const char *key);

/* Control characters of a quoted value (a cwd with a newline) become '?': one line on stderr. */
int oci_err_one_line(struct tr_err *err);

/* Fill obj (already zeroed, of t->size bytes) from the JSON object v. */
int oci_parse_object(struct oci_pctx *c, const struct oci_type *t, yajl_val v, void *obj);
/* Parse a whole document whose top level is type t; returns a malloc'd struct or NULL. */
void *oci_parse_document(const struct oci_type *t, const char *json, size_t len, const char *origin,
                         struct tr_err *err);
/* Free everything owned by obj (not obj itself). */
void oci_free_object(const struct oci_type *t, void *obj);

extern const struct oci_type oci_spec_type, oci_process_type, oci_resources_type, oci_seccomp_type,
    oci_linux_type, oci_idmap_type;

#endif
