/* Schema coverage: every property of the runtime-spec JSON schema (Debian's
 * golang-github-opencontainers-specs-dev) must be parsed by libocispec or listed in
 * oci_ignored_paths with a reason. The parsed list comes from the parser's own tables. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl_tree.h>
#include "spec.h"
#include "util.h"
#include "tap.h"

#define DEFAULT_SCHEMA_DIR "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema"

static const char *schema_dir;
static struct { char *name; yajl_val tree; } docs[32];
static size_t ndocs;
static struct { char **v; size_t n, cap; } found;

static yajl_val load_doc(const char *name)
{
    for (size_t i = 0; i < ndocs; i++)
        if (streq(docs[i].name, name))
            return docs[i].tree;
    if (ndocs == ARRAY_SIZE(docs))
        return NULL;
    _cleanup_free_ char *path = xasprintf("%s/%s", schema_dir, name);
    struct tr_err err;
    size_t len;
    _cleanup_free_ char *text = read_file(path, &len, &err);
    char ebuf[256];
    yajl_val t = text ? yajl_tree_parse(text, ebuf, sizeof ebuf) : NULL;
    if (!t)
        printf("# cannot load %s\n", path);
    docs[ndocs].name = xstrdup(name);
    docs[ndocs++].tree = t;
    return t;
}

static yajl_val member(yajl_val obj, const char *key)
{
    if (!YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (streq(obj->u.object.keys[i], key))
            return obj->u.object.values[i];
    return NULL;
}

/* "defs.json#/definitions/Mount" relative to the current file; *file gets the target file. */
static yajl_val resolve(const char *ref, const char **file)
{
    const char *hash = strchr(ref, '#');
    _cleanup_free_ char *fname = hash ? strndup(ref, (size_t) (hash - ref)) : xstrdup(ref);
    if (fname[0]) {
        yajl_val d = load_doc(fname);
        for (size_t i = 0; i < ndocs; i++)
            if (docs[i].tree == d)
                *file = docs[i].name;
    }
    yajl_val node = load_doc(*file);
    if (!hash)
        return node;
    _cleanup_free_ char *ptr = xstrdup(hash + 1);
    for (char *save = NULL, *seg = strtok_r(ptr, "/", &save); seg && node; seg = strtok_r(NULL, "/", &save))
        node = member(node, seg);
    return node;
}

static void add_found(const char *p)
{
    for (size_t i = 0; i < found.n; i++)
        if (streq(found.v[i], p))
            return;
    if (found.n == found.cap) {
        found.cap = found.cap ? found.cap * 2 : 128;
        found.v = xrealloc(found.v, found.cap * sizeof *found.v);
    }
    found.v[found.n++] = xstrdup(p);
}

static void walk(yajl_val node, const char *file, const char *path, int depth)
{
    if (!YAJL_IS_OBJECT(node) || depth > 40)
        return;
    yajl_val v = member(node, "$ref");
    if (YAJL_IS_STRING(v)) {
        const char *f = file;
        yajl_val target = resolve(v->u.string, &f);
        if (!target)
            printf("# unresolved $ref %s in %s\n", v->u.string, file);
        walk(target, f, path, depth + 1);
    }
    static const char *const combos[] = { "anyOf", "oneOf", "allOf" };
    for (size_t c = 0; c < ARRAY_SIZE(combos); c++)
        if (YAJL_IS_ARRAY(v = member(node, combos[c])))
            for (size_t i = 0; i < v->u.array.len; i++)
                walk(v->u.array.values[i], file, path, depth + 1);
    if (YAJL_IS_OBJECT(v = member(node, "properties"))) {
        for (size_t i = 0; i < v->u.object.len; i++) {
            _cleanup_free_ char *p = *path ? xasprintf("%s.%s", path, v->u.object.keys[i])
                                           : xstrdup(v->u.object.keys[i]);
            add_found(p);
            walk(v->u.object.values[i], file, p, depth + 1);
        }
    }
    if (YAJL_IS_OBJECT(v = member(node, "items"))) {
        _cleanup_free_ char *p = xasprintf("%s[]", path);
        walk(v, file, p, depth + 1);
    }
    _cleanup_free_ char *mp = xasprintf("%s{}", path);
    if (YAJL_IS_OBJECT(v = member(node, "additionalProperties")))
        walk(v, file, mp, depth + 1);
    if (YAJL_IS_OBJECT(v = member(node, "patternProperties")))
        for (size_t i = 0; i < v->u.object.len; i++)
            walk(v->u.object.values[i], file, mp, depth + 1);
}

static bool in_list(char **list, const char *p)
{
    for (; *list; list++)
        if (streq(*list, p))
            return true;
    return false;
}

static const struct oci_ignored_path *ignored(const char *p)
{
    for (const struct oci_ignored_path *ig = oci_ignored_paths; ig->path; ig++) {
        size_t n = strlen(ig->path);
        if (strncmp(p, ig->path, n) == 0 && (p[n] == '\0' || p[n] == '.' || p[n] == '[' || p[n] == '{'))
            return ig;
    }
    return NULL;
}

int main(void)
{
    schema_dir = getenv("TINYRUN_SCHEMA_DIR") ? getenv("TINYRUN_SCHEMA_DIR") : DEFAULT_SCHEMA_DIR;
    _cleanup_free_ char *top = xasprintf("%s/config-schema.json", schema_dir);
    if (access(top, R_OK) != 0) {
        skip("runtime-spec JSON schema not installed (apt-get install golang-github-opencontainers-specs-dev)");
        return done_testing();
    }
    char **known = oci_known_paths(OCI_DOC_CONFIG);
    walk(load_doc("config-schema.json"), "config-schema.json", "", 0);
    ok(found.n > 100, "schema walk found %zu properties (following $ref into defs files)", found.n);

    for (const struct oci_ignored_path *ig = oci_ignored_paths; ig->path; ig++) {
        ok(ig->reason && ig->reason[0], "ignored %s has a reason", ig->path);
        ok(!in_list(known, ig->path), "ignored %s is not also parsed", ig->path);
    }
    size_t missing = 0;
    for (size_t i = 0; i < found.n; i++) {
        const char *p = found.v[i];
        bool parsed = in_list(known, p);
        const struct oci_ignored_path *ig = parsed ? NULL : ignored(p);
        missing += !parsed && !ig;
        ok(parsed || ig, "%s %s%s", p, parsed ? "parsed" : ig ? "ignored: " : "NEITHER parsed NOR ignored",
           ig ? ig->reason : "");
    }
    ok(missing == 0, "every schema property is parsed or deliberately ignored (%zu missing)", missing);
    /* Newer than the installed schema: informational only. */
    for (char **k = known; *k; k++) {
        bool in_schema = false;
        for (size_t i = 0; i < found.n && !in_schema; i++)
            in_schema = streq(found.v[i], *k);
        if (!in_schema)
            printf("# parsed, not in the installed schema (newer spec): %s\n", *k);
    }
    char **pk = oci_known_paths(OCI_DOC_PROCESS), **rk = oci_known_paths(OCI_DOC_RESOURCES);
    ok(in_list(pk, "user.uid") && in_list(rk, "memory.limit") && in_list(known, "process.user.uid")
       && in_list(known, "linux.resources.memory.limit"), "process/resources documents share the tables");
    for (char **lists[] = { known, pk, rk }, ***l = lists; l < lists + 3; l++) {
        for (char **k = *l; *k; k++)
            free(*k);
        free(*l);
    }
    for (size_t i = 0; i < found.n; i++)
        free(found.v[i]);
    free(found.v);
    for (size_t i = 0; i < ndocs; i++) {
        free(docs[i].name);
        yajl_tree_free(docs[i].tree);
    }
    return done_testing();
}
