/* See cni-json.h. yajl trees in, yajl_gen out: a plugin config is re-emitted key by key so that the
 * runtime's keys replace (never duplicate) what the list file says. */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include "cni-json.h"
#include "gen.h"
#include "parse-internal.h"
#include "util.h"

static yajl_val obj_get(yajl_val o, const char *key)
{
    if (!YAJL_IS_OBJECT(o))
        return NULL;
    for (size_t i = 0; i < o->u.object.len; i++)
        if (streq(o->u.object.keys[i], key))
            return o->u.object.values[i];
    return NULL;
}

static void gen_value(struct oci_gen *j, yajl_val v)
{
    if (YAJL_IS_OBJECT(v)) {
        oci_gen_map_open(j);
        for (size_t i = 0; i < v->u.object.len; i++) {
            oci_gen_key(j, v->u.object.keys[i]);
            gen_value(j, v->u.object.values[i]);
        }
        oci_gen_map_close(j);
    } else if (YAJL_IS_ARRAY(v)) {
        oci_gen_array_open(j);
        for (size_t i = 0; i < v->u.array.len; i++)
            gen_value(j, v->u.array.values[i]);
        oci_gen_array_close(j);
    } else if (YAJL_IS_STRING(v)) {
        oci_gen_str(j, v->u.string);
    } else if (YAJL_IS_NUMBER(v)) {
        yajl_gen_number(j->g, v->u.number.r, strlen(v->u.number.r));
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        yajl_gen_bool(j->g, YAJL_IS_TRUE(v));
    } else {
        yajl_gen_null(j->g);
    }
}

static yajl_val parse(const char *text, const char *origin, struct tr_err *err)
{
    return oci_json_tree(text, strlen(text), origin, err);
}

static yajl_val plugins_of(yajl_val list, const char *origin, struct tr_err *err)
{
    yajl_val ver = obj_get(list, "cniVersion"), name = obj_get(list, "name");
    yajl_val plugins = obj_get(list, "plugins");
    if (!YAJL_IS_STRING(ver) || !YAJL_IS_STRING(name))
        return tr_failx(err, "%s: cniVersion and name: required strings", origin), NULL;
    if (!YAJL_IS_ARRAY(plugins) || plugins->u.array.len == 0)
        return tr_failx(err, "%s: plugins: expected a non-empty array", origin), NULL;
    for (size_t i = 0; i < plugins->u.array.len; i++) {
        yajl_val t = obj_get(plugins->u.array.values[i], "type");
        if (!YAJL_IS_STRING(t) || !t->u.string[0] || strchr(t->u.string, '/'))
            return tr_failx(err, "%s: plugins[%zu].type: expected a plugin name", origin, i), NULL;
    }
    return plugins;
}

int oci_cni_list_check(const char *list, const char *origin, struct tr_err *err)
{
    yajl_val tree = parse(list, origin, err);
    yajl_val plugins = tree ? plugins_of(tree, origin, err) : NULL;
    int n = plugins ? (int) plugins->u.array.len : -1;
    yajl_tree_free(tree);
    return n;
}

static bool has_capability(yajl_val plugin, const char *cap)
{
    yajl_val v = obj_get(obj_get(plugin, "capabilities"), cap);
    return v && YAJL_IS_TRUE(v);
}

static void gen_plugin(struct oci_gen *j, yajl_val list, yajl_val plugin, yajl_val prev,
                       yajl_val ports)
{
    static const char *const ours[] = { "name", "cniVersion", "prevResult", "runtimeConfig" };
    oci_gen_map_open(j);
    oci_gen_key_str(j, "cniVersion", obj_get(list, "cniVersion")->u.string);
    oci_gen_key_str(j, "name", obj_get(list, "name")->u.string);
    for (size_t i = 0; i < plugin->u.object.len; i++) {
        bool skip = false;
        for (size_t k = 0; k < ARRAY_SIZE(ours); k++)
            skip |= streq(plugin->u.object.keys[i], ours[k]);
        if (skip)
            continue;
        oci_gen_key(j, plugin->u.object.keys[i]);
        gen_value(j, plugin->u.object.values[i]);
    }
    if (prev) {
        oci_gen_key(j, "prevResult");
        gen_value(j, prev);
    }
    if (ports && has_capability(plugin, "portMappings")) {
        oci_gen_key(j, "runtimeConfig");
        oci_gen_map_open(j);
        oci_gen_key(j, "portMappings");
        gen_value(j, ports);
        oci_gen_map_close(j);
    }
    oci_gen_map_close(j);
}

char *oci_cni_plugin_conf(const char *list, size_t idx, const char *prev_result,
                          const char *port_mappings, char **type, struct tr_err *err)
{
    yajl_val tree = parse(list, "network config", err), prev = NULL, ports = NULL, plugins;
    char *out = NULL;
    struct oci_gen j;
    if (!tree || !(plugins = plugins_of(tree, "network config", err)))
        goto out;
    if (idx >= plugins->u.array.len) {
        tr_failx(err, "network config: no plugin #%zu", idx);
        goto out;
    }
    if (prev_result && !(prev = parse(prev_result, "previous CNI result", err)))
        goto out;
    if (port_mappings && !(ports = parse(port_mappings, "port mappings", err)))
        goto out;
    yajl_val plugin = plugins->u.array.values[idx];
    *type = xstrdup(obj_get(plugin, "type")->u.string);
    if (oci_gen_open(&j, NULL, err) == 0) {
        gen_plugin(&j, tree, plugin, prev, ports);
        out = oci_gen_finish(&j, false, "plugin config", err);
    }
out:
    yajl_tree_free(ports);
    yajl_tree_free(prev);
    yajl_tree_free(tree);
    return out;
}

void oci_cni_error_text(const char *out, char *buf, size_t len)
{
    struct tr_err e;
    yajl_val tree = out && *out ? parse(out, "plugin error", &e) : NULL;
    yajl_val msg = obj_get(tree, "msg"), details = obj_get(tree, "details");
    if (YAJL_IS_STRING(msg))
        snprintf(buf, len, "%s%s%s", msg->u.string, YAJL_IS_STRING(details) ? ": " : "",
                 YAJL_IS_STRING(details) ? details->u.string : "");
    else
        snprintf(buf, len, "%s", out && *out ? out : "no error message");
    buf[strcspn(buf, "\n")] = '\0';
    yajl_tree_free(tree);
}

char *oci_cni_result_addresses(const char *result, struct tr_err *err)
{
    yajl_val tree = parse(result, "CNI result", err);
    yajl_val ips = obj_get(tree, "ips");
    char *out = NULL;
    if (tree && !YAJL_IS_STRING(obj_get(tree, "cniVersion"))) {
        tr_failx(err, "CNI result: cniVersion: required string");
    } else if (tree) {
        out = xstrdup("");
        for (size_t i = 0; YAJL_IS_ARRAY(ips) && i < ips->u.array.len; i++) {
            yajl_val a = obj_get(ips->u.array.values[i], "address");
            if (!YAJL_IS_STRING(a))
                continue;
            char *n = xasprintf("%s%s%s", out, *out ? "," : "", a->u.string);
            free(out);
            out = n;
        }
    }
    yajl_tree_free(tree);
    return out;
}

int oci_hook_state_parse(const char *json, struct oci_hook_state *st, struct tr_err *err)
{
    yajl_val tree = parse(json, "state on stdin", err);
    yajl_val id = obj_get(tree, "id"), pid = obj_get(tree, "pid"), ann = obj_get(tree, "annotations");
    memset(st, 0, sizeof *st);
    if (!tree)
        return -1;
    if (!YAJL_IS_STRING(id) || (pid && !YAJL_IS_INTEGER(pid))) {
        yajl_tree_free(tree);
        return tr_failx(err, "state on stdin: id (string) and pid (integer) expected");
    }
    st->id = xstrdup(id->u.string);
    st->pid = pid ? (int) YAJL_GET_INTEGER(pid) : 0;
    if (YAJL_IS_OBJECT(ann)) {
        st->annotations = xzalloc((ann->u.object.len + 1) * sizeof *st->annotations);
        for (size_t i = 0; i < ann->u.object.len; i++) {
            yajl_val v = ann->u.object.values[i];
            if (!YAJL_IS_STRING(v))
                continue;
            st->annotations[st->annotations_len].key = xstrdup(ann->u.object.keys[i]);
            st->annotations[st->annotations_len++].value = xstrdup(v->u.string);
        }
    }
    yajl_tree_free(tree);
    return 0;
}

void oci_hook_state_free(struct oci_hook_state *st)
{
    for (size_t i = 0; i < st->annotations_len; i++) {
        free(st->annotations[i].key);
        free(st->annotations[i].value);
    }
    free(st->annotations);
    free(st->id);
    memset(st, 0, sizeof *st);
}

const char *oci_hook_state_annotation(const struct oci_hook_state *st, const char *key)
{
    for (size_t i = 0; i < st->annotations_len; i++)
        if (streq(st->annotations[i].key, key))
            return st->annotations[i].value;
    return NULL;
}
