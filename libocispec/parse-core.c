/* The generic half of the parser: JSON text -> yajl tree -> structs, driven by the oci_type
 * tables of parse-spec.c, parse-process.c, parse-linux.c, parse-resources.c, parse-seccomp.c.
 * Every error names the JSON path and what was expected. */
#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse-internal.h"
#include "util.h"

int oci_perr(struct oci_pctx *c, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->plen)
        return tr_failx(c->err, "%s: %s: %s", c->origin, c->path, msg);
    return tr_failx(c->err, "%s: %s", c->origin, msg);
}

/* The path is a string built in place: push returns the old length, pop restores it. */
static size_t push_fmt(struct oci_pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push_fmt(struct oci_pctx *c, const char *fmt, ...)
{
    size_t old = c->plen, room = sizeof c->path - old;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(c->path + old, room, fmt, ap);
    va_end(ap);
    c->plen = (n < 0) ? old : (size_t) n >= room ? sizeof c->path - 1 : old + (size_t) n;
    return old;
}
static size_t push_key(struct oci_pctx *c, const char *key)
{
    return push_fmt(c, c->plen ? ".%s" : "%s", key);
}
static void pop(struct oci_pctx *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

int oci_perr_key(struct oci_pctx *c, const char *key, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t old = push_key(c, key);
    oci_perr(c, "%s", msg);
    pop(c, old);
    return -1;
}

int oci_range(struct oci_pctx *c, const char *key, int64_t v, int64_t lo, int64_t hi, const char *why)
{
    if (v >= lo && v <= hi)
        return 0;
    return oci_perr_key(c, key, "%" PRId64 " is out of range %" PRId64 "..%" PRId64 " (%s)", v, lo, hi, why);
}

int oci_urange(struct oci_pctx *c, const char *key, uint64_t v, uint64_t hi, const char *why)
{
    if (v <= hi)
        return 0;
    return oci_perr_key(c, key, "%" PRIu64 " is out of range 0..%" PRIu64 " (%s)", v, hi, why);
}

/* "string \"zero\"", "number 1.5", "boolean true", "null", "object", "array" */
static const char *describe(yajl_val v, char *buf, size_t len)
{
    if (YAJL_IS_STRING(v)) {
        /* first 40 bytes, quoted as JSON would (\" and \\), control characters as '?' */
        char s[96];
        size_t i = 0, n = 0;
        for (const char *p = v->u.string; *p && n < 40; p++, n++) {
            if (*p == '"' || *p == '\\')
                s[i++] = '\\';
            s[i++] = (isprint((unsigned char) *p) || (unsigned char) *p >= 0x80) ? *p : '?';
        }
        s[i] = '\0';
        snprintf(buf, len, "string \"%s\"%s", s, strlen(v->u.string) > 40 ? "..." : "");
    } else if (YAJL_IS_NUMBER(v)) {
        snprintf(buf, len, "number %.40s", v->u.number.r);
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        snprintf(buf, len, "boolean %s", YAJL_IS_TRUE(v) ? "true" : "false");
    } else if (YAJL_IS_OBJECT(v)) {
        snprintf(buf, len, "object");
    } else if (YAJL_IS_ARRAY(v)) {
        snprintf(buf, len, "array");
    } else {
        snprintf(buf, len, "null");
    }
    return buf;
}

static int expected(struct oci_pctx *c, const char *what, yajl_val v)
{
    char got[128];
    return oci_perr(c, "expected %s, got %s", what, describe(v, got, sizeof got));
}

/* ---- JSON text ------------------------------------------------------------------------- */

yajl_val oci_json_tree(const char *json, size_t len, const char *origin, struct tr_err *err)
{
    /* The scan refuses what the tree cannot be trusted with (depth, NUL, duplicates) and
     * words syntax errors with their line; after it, the tree parse only fails on memory. */
    if (oci_json_scan(json, len, origin, err) < 0)
        return NULL;
    /* yajl_tree_parse wants a NUL-terminated string; callers pass (buf, len). */
    _cleanup_free_ char *text = xmalloc(len + 1);
    memcpy(text, json, len);
    text[len] = '\0';
    char ebuf[256] = "";
    yajl_val v = strlen(text) == len ? yajl_tree_parse(text, ebuf, sizeof ebuf) : NULL;
    if (!v) {
        ebuf[strcspn(ebuf, "\n")] = '\0';
        tr_failx(err, "%s: invalid JSON: %s", origin, ebuf[0] ? ebuf : "embedded NUL byte");
    }
    return v;
}

/* ---- scalars ----------------------------------------------------------------------------- */

static const char *int_what(enum oci_kind k)
{
    /* not a switch: -Wswitch-enum would want every kind named, and only integers get here */
    return k == K_U16 ? "unsigned 16-bit integer" : k == K_U32 ? "unsigned 32-bit integer"
         : k == K_I32 ? "32-bit integer" : k == K_I64 ? "64-bit integer" : "unsigned 64-bit integer";
}

/* Integers come from yajl's raw number text, so uint64 values above INT64_MAX (seccomp
 * masks) are exact and 1.0 / 1e3 are refused like Go's encoding/json does. */
static int parse_integer(struct oci_pctx *c, enum oci_kind k, yajl_val v, void *dst)
{
    const char *what = int_what(k);
    if (!YAJL_IS_NUMBER(v))
        return expected(c, what, v);
    const char *r = v->u.number.r;
    bool neg = r[0] == '-';
    if (!r[neg] || r[strspn(r + neg, "0123456789") + neg] != '\0')
        return expected(c, what, v);
    errno = 0;
    char *end;
    if (k == K_U16 || k == K_U32 || k == K_U64) {
        if (neg)
            return expected(c, what, v);
        unsigned long long u = strtoull(r, &end, 10);
        uint64_t max = k == K_U16 ? UINT16_MAX : k == K_U32 ? UINT32_MAX : UINT64_MAX;
        if (errno || *end || u > max)
            return expected(c, what, v);
        if (k == K_U16)
            *(uint16_t *) dst = (uint16_t) u;
        else if (k == K_U32)
            *(uint32_t *) dst = (uint32_t) u;
        else
            *(uint64_t *) dst = u;
        return 0;
    }
    long long s = strtoll(r, &end, 10);
    if (errno || *end || (k == K_I32 && (s < INT32_MIN || s > INT32_MAX)))
        return expected(c, what, v);
    if (k == K_I32)
        *(int32_t *) dst = (int32_t) s;
    else
        *(int64_t *) dst = s;
    return 0;
}

static void join_enum(const char *const *ev, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; ev[i] && n < len; i++)
        n += (size_t) snprintf(buf + n, len - n, "%s%s", i ? ", " : "", ev[i]);
}

static int check_enum(struct oci_pctx *c, const char *const *ev, const char *what, const char *s)
{
    for (size_t i = 0; ev[i]; i++)
        if (streq(ev[i], s))
            return 0;
    char list[300];
    join_enum(ev, list, sizeof list);
    return oci_perr(c, "unknown %s \"%.60s\" (expected one of %s)", what ? what : "value", s, list);
}

static int parse_string(struct oci_pctx *c, const struct oci_field *f, yajl_val v, char **dst)
{
    if (!YAJL_IS_STRING(v))
        return expected(c, "string", v);
    if (f->enumv && check_enum(c, f->enumv, f->what, v->u.string) < 0)
        return -1;
    *dst = xstrdup(v->u.string);
    return 0;
}

static const char *const ns_names[OCI_NS__COUNT + 1] = {
    [OCI_NS_PID] = "pid", [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
    [OCI_NS_IPC] = "ipc", [OCI_NS_UTS] = "uts", [OCI_NS_USER] = "user",
    [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time", [OCI_NS__COUNT] = NULL,
};

const char *oci_ns_type_name(enum oci_ns_type t)
{
    return (unsigned) t < OCI_NS__COUNT ? ns_names[t] : "unknown";
}

int oci_ns_type_from_name(const char *name)
{
    for (int i = 0; i < OCI_NS__COUNT; i++)
        if (streq(ns_names[i], name))
            return i;
    return -1;
}

/* ---- containers ---------------------------------------------------------------------------- */

static int parse_strv(struct oci_pctx *c, const struct oci_field *f, yajl_val v, char *obj)
{
    if (!YAJL_IS_ARRAY(v))
        return expected(c, "array of strings", v);
    size_t n = v->u.array.len;
    /* NULL-terminated so that args/env go to execve as they are. */
    char **sv = xzalloc((n + 1) * sizeof *sv);
    *(char ***) (obj + f->off) = sv;
    *(size_t *) (obj + f->len_off) = n;
    for (size_t i = 0; i < n; i++) {
        size_t old = push_fmt(c, "[%zu]", i);
        if (parse_string(c, f, v->u.array.values[i], &sv[i]) < 0)
            return -1;
        pop(c, old);
    }
    return 0;
}

static int parse_u32v(struct oci_pctx *c, const struct oci_field *f, yajl_val v, char *obj)
{
    if (!YAJL_IS_ARRAY(v))
        return expected(c, "array of unsigned 32-bit integers", v);
    size_t n = v->u.array.len;
    uint32_t *a = xzalloc(n ? n * sizeof *a : 1);
    *(uint32_t **) (obj + f->off) = a;
    *(size_t *) (obj + f->len_off) = n;
    for (size_t i = 0; i < n; i++) {
        size_t old = push_fmt(c, "[%zu]", i);
        if (parse_integer(c, K_U32, v->u.array.values[i], &a[i]) < 0)
            return -1;
        pop(c, old);
    }
    return 0;
}

static int parse_array(struct oci_pctx *c, const struct oci_field *f, yajl_val v, char *obj)
{
    if (!YAJL_IS_ARRAY(v))
        return expected(c, "array", v);
    size_t n = v->u.array.len, sz = f->sub->size;
    char *arr = xzalloc(n ? n * sz : 1);
    /* Stored before the items are filled so a failure half way frees what was made. */
    *(void **) (obj + f->off) = arr;
    *(size_t *) (obj + f->len_off) = n;
    for (size_t i = 0; i < n; i++) {
        size_t old = push_fmt(c, "[%zu]", i);
        if (oci_parse_object(c, f->sub, v->u.array.values[i], arr + i * sz) < 0)
            return -1;
        pop(c, old);
    }
    return 0;
}

/* K_MAP ({"monotonic": {...}}) and K_KV ({"key": "value"}) */
static int parse_map(struct oci_pctx *c, const struct oci_field *f, yajl_val v, char *obj)
{
    if (!YAJL_IS_OBJECT(v))
        return expected(c, "object", v);
    size_t n = v->u.object.len, sz = f->kind == K_KV ? sizeof(struct oci_kv) : f->sub->size;
    char *arr = xzalloc(n ? n * sz : 1);
    *(void **) (obj + f->off) = arr;
    *(size_t *) (obj + f->len_off) = n;
    for (size_t i = 0; i < n; i++) {
        const char *key = v->u.object.keys[i];
        yajl_val item = v->u.object.values[i];
        char *elem = arr + i * sz;
        char shown[200];
        oci_path_key(shown, sizeof shown, key);
        size_t old = push_fmt(c, "[\"%s\"]", shown);
        if (f->enumv && check_enum(c, f->enumv, f->what, key) < 0)
            return -1;
        if (f->kind == K_KV) {
            struct oci_kv *kv = (struct oci_kv *) elem;
            if (!YAJL_IS_STRING(item))
                return expected(c, "string", item);
            kv->key = xstrdup(key);
            kv->value = xstrdup(item->u.string);
        } else {
            *(char **) (elem + f->key_off) = xstrdup(key);
            if (oci_parse_object(c, f->sub, item, elem) < 0)
                return -1;
        }
        pop(c, old);
    }
    return 0;
}

static int parse_field(struct oci_pctx *c, const struct oci_field *f, yajl_val v, char *obj)
{
    char *base = obj + f->off;
    switch (f->kind) {
    case K_STR:
        return parse_string(c, f, v, (char **) base);
    case K_BOOL:
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
            return expected(c, "boolean", v);
        *(bool *) base = YAJL_IS_TRUE(v);
        return 0;
    case K_U16: case K_U32: case K_I32: case K_I64: case K_U64:
        return parse_integer(c, f->kind, v, base);
    case K_STRV:
        return parse_strv(c, f, v, obj);
    case K_U32V:
        return parse_u32v(c, f, v, obj);
    case K_OBJ: {
        if (!YAJL_IS_OBJECT(v))
            return expected(c, "object", v);
        void *p = xzalloc(f->sub->size);
        *(void **) base = p;
        return oci_parse_object(c, f->sub, v, p);
    }
    case K_INLINE:
        return oci_parse_object(c, f->sub, v, base);
    case K_ARR:
        return parse_array(c, f, v, obj);
    case K_MAP: case K_KV:
        return parse_map(c, f, v, obj);
    case K_NSTYPE: {
        if (!YAJL_IS_STRING(v))
            return expected(c, "string", v);
        if (check_enum(c, ns_names, "namespace type", v->u.string) < 0)
            return -1;
        *(enum oci_ns_type *) base = (enum oci_ns_type) oci_ns_type_from_name(v->u.string);
        return 0;
    }
    case K_CHAR:
        if (!YAJL_IS_STRING(v))
            return expected(c, "string", v);
        if (check_enum(c, f->enumv, f->what, v->u.string) < 0)
            return -1;
        *base = v->u.string[0];
        return 0;
    }
    return oci_perr(c, "internal error: unknown field kind %d", (int) f->kind);
}

/* Duplicated keys never get here (oci_json_scan refuses them). */
static yajl_val lookup(yajl_val obj, const char *key)
{
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (streq(obj->u.object.keys[i], key))
            return obj->u.object.values[i];
    return NULL;
}

static oci_unknown_fn unknown_fn;

void oci_set_unknown_handler(oci_unknown_fn fn)
{
    unknown_fn = fn;
}

static void report_unknown(struct oci_pctx *c, const struct oci_type *t, yajl_val v)
{
    for (size_t i = 0; i < v->u.object.len; i++) {
        const char *key = v->u.object.keys[i];
        size_t k = 0;
        while (k < t->nfields && !streq(t->fields[k].key, key))
            k++;
        if (k < t->nfields)
            continue;
        size_t old = push_key(c, key);
        unknown_fn(c->origin, c->path);
        pop(c, old);
    }
}

int oci_parse_object(struct oci_pctx *c, const struct oci_type *t, yajl_val v, void *obj)
{
    if (!YAJL_IS_OBJECT(v))
        return expected(c, "object", v);
    for (size_t i = 0; i < t->nfields; i++) {
        const struct oci_field *f = &t->fields[i];
        yajl_val fv = lookup(v, f->key);
        /* null is "absent" for optional members: nerdctl writes "rlimits": null. */
        if (!fv || YAJL_IS_NULL(fv)) {
            if (f->flags & F_REQUIRED) {
                size_t old = push_key(c, f->key);
                oci_perr(c, "required");
                pop(c, old);
                return -1;
            }
            continue;
        }
        size_t old = push_key(c, f->key);
        if (parse_field(c, f, fv, obj) < 0)
            return -1;
        pop(c, old);
        if (f->has_off != NO_OFF)
            *(bool *) ((char *) obj + f->has_off) = true;
    }
    if (unknown_fn)
        report_unknown(c, t, v);
    return t->check ? t->check(c, obj) : 0;
}

int oci_err_one_line(struct tr_err *err)
{
    for (char *p = err->msg; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

void *oci_parse_document(const struct oci_type *t, const char *json, size_t len, const char *origin,
                         struct tr_err *err)
{
    yajl_val tree = oci_json_tree(json, len, origin, err);
    if (!tree) {
        oci_err_one_line(err);
        return NULL;
    }
    struct oci_pctx c = { .origin = origin, .err = err };
    void *obj = xzalloc(t->size);
    int r = oci_parse_object(&c, t, tree, obj);
    yajl_tree_free(tree);
    if (r < 0) {
        oci_err_one_line(err);
        oci_free_object(t, obj);
        free(obj);
        return NULL;
    }
    return obj;
}

/* ---- freeing ------------------------------------------------------------------------------ */

void oci_free_object(const struct oci_type *t, void *vobj)
{
    char *obj = vobj;
    if (!obj)
        return;
    for (size_t i = 0; i < t->nfields; i++) {
        const struct oci_field *f = &t->fields[i];
        char *base = obj + f->off;
        size_t n = f->len_off != 0 ? *(size_t *) (obj + f->len_off) : 0;
        switch (f->kind) {
        case K_STR:
            free(*(char **) base);
            break;
        case K_STRV: {
            char **sv = *(char ***) base;
            for (size_t j = 0; sv && j < n; j++)
                free(sv[j]);
            free(sv);
            break;
        }
        case K_U32V:
            free(*(void **) base);
            break;
        case K_OBJ:
            oci_free_object(f->sub, *(void **) base);
            free(*(void **) base);
            break;
        case K_INLINE:
            oci_free_object(f->sub, base);
            break;
        case K_ARR: case K_MAP: {
            char *arr = *(char **) base;
            for (size_t j = 0; arr && j < n; j++) {
                oci_free_object(f->sub, arr + j * f->sub->size);
                if (f->kind == K_MAP)
                    free(*(char **) (arr + j * f->sub->size + f->key_off));
            }
            free(arr);
            break;
        }
        case K_KV: {
            struct oci_kv *kv = *(struct oci_kv **) base;
            for (size_t j = 0; kv && j < n; j++) {
                free(kv[j].key);
                free(kv[j].value);
            }
            free(kv);
            break;
        }
        case K_BOOL: case K_CHAR: case K_I32: case K_I64: case K_NSTYPE: case K_U16: case K_U32: case K_U64:
            break;   /* stored in place: nothing to free */
        }
    }
}

/* ---- the list of understood JSON paths (schema-coverage test) ------------------------------ */

struct pathlist { char **v; size_t n, cap; };

static void add_path(struct pathlist *pl, char *p)
{
    if (pl->n + 2 > pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 256;
        pl->v = xrealloc(pl->v, pl->cap * sizeof *pl->v);
    }
    pl->v[pl->n++] = p;
    pl->v[pl->n] = NULL;
}

static void walk_paths(const struct oci_type *t, const char *prefix, struct pathlist *pl)
{
    for (size_t i = 0; i < t->nfields; i++) {
        const struct oci_field *f = &t->fields[i];
        char *p = *prefix ? xasprintf("%s.%s", prefix, f->key) : xstrdup(f->key);
        add_path(pl, p);
        if (f->kind == K_OBJ || f->kind == K_INLINE) {
            walk_paths(f->sub, p, pl);
        } else if (f->kind == K_ARR || f->kind == K_MAP) {
            _cleanup_free_ char *q = xasprintf("%s%s", p, f->kind == K_ARR ? "[]" : "{}");
            walk_paths(f->sub, q, pl);
        }
    }
}

char **oci_known_paths(enum oci_doc doc)
{
    struct pathlist pl = { 0 };
    const struct oci_type *t = doc == OCI_DOC_PROCESS ? &oci_process_type
                             : doc == OCI_DOC_RESOURCES ? &oci_resources_type : &oci_spec_type;
    walk_paths(t, "", &pl);
    if (!pl.v)
        pl.v = xzalloc(sizeof *pl.v);
    return pl.v;
}
