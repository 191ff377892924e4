#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>
#include "json-scan.h"
#include "runstate.h"

static void gen_str(yajl_gen g, const char *k, const char *v)
{
    if (!v)
        return;
    yajl_gen_string(g, (const unsigned char *) k, strlen(k));
    yajl_gen_string(g, (const unsigned char *) v, strlen(v));
}

static void gen_int(yajl_gen g, const char *k, long long v)
{
    yajl_gen_string(g, (const unsigned char *) k, strlen(k));
    yajl_gen_integer(g, v);
}

static void gen_bool(yajl_gen g, const char *k, bool v)
{
    yajl_gen_string(g, (const unsigned char *) k, strlen(k));
    yajl_gen_bool(g, v);
}

char *oci_runstate_to_json(const struct oci_runstate *s)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char *out;
    yajl_gen_map_open(g);
    gen_str(g, "id", s->id);
    gen_int(g, "pid", s->pid);
    gen_int(g, "startTime", (long long) s->start_time);
    gen_str(g, "bundle", s->bundle);
    gen_str(g, "rootfs", s->rootfs);
    gen_str(g, "created", s->created);
    gen_str(g, "cgroup", s->cgroup);
    gen_bool(g, "systemd", s->systemd);
    gen_bool(g, "rootless", s->rootless);
    gen_bool(g, "noNewKeyring", s->no_new_keyring);
    yajl_gen_map_close(g);
    yajl_gen_get_buf(g, &buf, &len);
    out = malloc(len + 1);
    if (out) {
        memcpy(out, buf, len);
        out[len] = '\0';
    }
    yajl_gen_free(g);
    return out;
}

static char *get_str(yajl_val root, const char *key)
{
    const char *path[] = { key, NULL };
    yajl_val v = yajl_tree_get(root, path, yajl_t_string);
    return v && v->u.string ? strdup(v->u.string) : NULL;
}

static long long get_int(yajl_val root, const char *key)
{
    const char *path[] = { key, NULL };
    yajl_val v = yajl_tree_get(root, path, yajl_t_number);
    return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static bool get_bool(yajl_val root, const char *key)
{
    const char *path[] = { key, NULL };
    yajl_val v = yajl_tree_get(root, path, yajl_t_any);
    return v && YAJL_IS_TRUE(v);
}

struct oci_runstate *oci_runstate_parse(const char *json, const char *origin, struct tr_err *err)
{
    char ebuf[256] = "";
    struct tr_err scan = { 0 };
    /* The same gate as config.json: a deep or NUL-carrying file must not crash delete. */
    if (oci_json_scan(json, strlen(json), origin, &scan) < 0) {
        size_t skip = strlen(origin) + 2;
        tr_failx(err, "%s: corrupt state file (%s); remove the container with delete --force", origin,
                 strlen(scan.msg) > skip ? scan.msg + skip : scan.msg);
        return NULL;
    }
    yajl_val root = yajl_tree_parse(json, ebuf, sizeof ebuf);
    struct oci_runstate *s;
    if (!root || !YAJL_IS_OBJECT(root)) {
        char *nl = strchr(ebuf, '\n');
        if (nl)
            *nl = '\0';
        tr_failx(err, "%s: corrupt state file (%s); remove the container with delete --force",
                 origin, root ? "not an object" : ebuf);
        yajl_tree_free(root);
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->id = get_str(root, "id");
    s->pid = (int) get_int(root, "pid");
    s->start_time = (unsigned long long) get_int(root, "startTime");
    s->bundle = get_str(root, "bundle");
    s->rootfs = get_str(root, "rootfs");
    s->created = get_str(root, "created");
    s->cgroup = get_str(root, "cgroup");
    s->systemd = get_bool(root, "systemd");
    s->rootless = get_bool(root, "rootless");
    s->no_new_keyring = get_bool(root, "noNewKeyring");
    yajl_tree_free(root);
    return s;
}

void oci_runstate_free(struct oci_runstate *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->bundle);
    free(s->rootfs);
    free(s->created);
    free(s->cgroup);
    free(s);
}
