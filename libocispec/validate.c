/* Semantic checks that types alone cannot express, oci_load, and small lookups. */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse-internal.h"
#include "spec.h"
#include "util.h"

static int check_version(const struct oci_spec *s, const char *origin, struct tr_err *err)
{
    if (!s->oci_version)
        return tr_failx(err, "%s: ociVersion: required", origin);
    const char *v = s->oci_version;
    /* "1.0.2", "1.3.0", "1.0.2-dev", "1.0.0-rc5": only the major number matters (a later
     * minor version only adds fields, which the parser ignores as the spec says: with --debug
     * each is named, oci_set_unknown_handler) */
    if (v[0] != '1' || (v[1] != '.' && v[1] != '\0'))
        return tr_failx(err, "%s: ociVersion: unsupported version \"%.40s\" (expected 1.x)", origin, v);
    return 0;
}

/* exec: an absent or empty cwd means "leave the directory as it is" (runc does the same). */
static int check_process(const struct oci_process *p, const char *origin, const char *prefix, bool exec,
                         struct tr_err *err)
{
    if (p->args_len == 0)
        return tr_failx(err, "%s: %sargs: must not be empty", origin, prefix);
    if (!exec && !p->cwd)
        return tr_failx(err, "%s: %scwd: required", origin, prefix);
    if (p->cwd && (p->cwd[0] != '/' && (!exec || p->cwd[0] != '\0')))
        return tr_failx(err, "%s: %scwd: must be an absolute path, got \"%.200s\"", origin, prefix, p->cwd);
    for (size_t i = 0; i < p->rlimits_len; i++) {
        const struct oci_rlimit *r = &p->rlimits[i];
        if (r->soft > r->hard)
            return tr_failx(err, "%s: %srlimits[%zu]: soft limit %llu exceeds hard limit %llu", origin,
                            prefix, i, (unsigned long long) r->soft, (unsigned long long) r->hard);
        for (size_t j = 0; j < i; j++)
            if (streq(p->rlimits[j].type, r->type))
                return tr_failx(err, "%s: %srlimits[%zu].type: duplicate \"%s\"", origin, prefix, i, r->type);
    }
    return 0;
}

int oci_validate_process(const struct oci_process *p, const char *origin, struct tr_err *err)
{
    return check_process(p, origin, "", true, err) < 0 ? oci_err_one_line(err) : 0;
}

static int check_hooks(const struct oci_hooks *h, const char *origin, struct tr_err *err)
{
    for (int k = 0; k < OCI_HOOK__COUNT; k++) {
        for (size_t i = 0; i < h->len[k]; i++) {
            const struct oci_hook *hk = &h->list[k][i];
            if (hk->path[0] != '/')
                return tr_failx(err, "%s: hooks.%s[%zu].path: must be an absolute path, got \"%.200s\"",
                                origin, oci_hook_kind_name(k), i, hk->path);
            if (hk->has_timeout && hk->timeout <= 0)
                return tr_failx(err, "%s: hooks.%s[%zu].timeout: must be greater than zero, got %d",
                                origin, oci_hook_kind_name(k), i, (int) hk->timeout);
        }
    }
    return 0;
}

static int check_linux(const struct oci_spec *s, const char *origin, struct tr_err *err)
{
    const struct oci_linux *l = s->linux_;
    bool seen[OCI_NS__COUNT] = { false };
    for (size_t i = 0; i < l->namespaces_len; i++) {
        const struct oci_namespace *ns = &l->namespaces[i];
        if (seen[ns->type])
            return tr_failx(err, "%s: linux.namespaces[%zu].type: duplicate namespace type \"%s\"", origin,
                            i, oci_ns_type_name(ns->type));
        seen[ns->type] = true;
        if (ns->path && ns->path[0] != '/')
            return tr_failx(err, "%s: linux.namespaces[%zu].path: must be an absolute path, got \"%.200s\"",
                            origin, i, ns->path);
    }
    if ((l->uid_mappings_len || l->gid_mappings_len) && !seen[OCI_NS_USER])
        return tr_failx(err, "%s: linux.%s: requires a user namespace in linux.namespaces", origin,
                        l->uid_mappings_len ? "uidMappings" : "gidMappings");
    if (l->time_offsets_len && !seen[OCI_NS_TIME])
        return tr_failx(err, "%s: linux.timeOffsets: requires a time namespace in linux.namespaces", origin);
    /* as runc: a joined namespace's offsets were fixed when its first process entered it */
    const struct oci_namespace *tns = oci_find_namespace(s, OCI_NS_TIME);
    if (l->time_offsets_len && tns && tns->path && *tns->path)
        return tr_failx(err, "%s: linux.timeOffsets: cannot be set with a time namespace joined by path "
                        "(%.200s); its offsets are fixed, drop linux.timeOffsets or the path", origin, tns->path);
    for (size_t i = 0; i < l->sysctl_len; i++)
        if (l->sysctl[i].key[0] == '\0')
            return tr_failx(err, "%s: linux.sysctl: empty key", origin);
    for (size_t i = 0; i < l->devices_len; i++)
        if (l->devices[i].path[0] != '/')
            return tr_failx(err, "%s: linux.devices[%zu].path: must be an absolute path, got \"%.200s\"",
                            origin, i, l->devices[i].path);
    return 0;
}

/* A ".." in a mount destination means nothing good: at best it is resolved inside the rootfs
 * anyway (runc), at worst it climbs out. Refused, like a NUL byte, rather than guessed. */
static bool has_dotdot(const char *path)
{
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
            return true;
    return false;
}

static int validate(const struct oci_spec *s, const char *origin, struct tr_err *err);

int oci_validate(const struct oci_spec *s, const char *origin, struct tr_err *err)
{
    return validate(s, origin, err) < 0 ? oci_err_one_line(err) : 0;
}

static int validate(const struct oci_spec *s, const char *origin, struct tr_err *err)
{
    if (check_version(s, origin, err) < 0)
        return -1;
    if (!s->root_path || !s->root_path[0])
        return tr_failx(err, "%s: root.path: required", origin);
    if (s->process && check_process(s->process, origin, "process.", false, err) < 0)
        return -1;
    /* Relative mount destinations are accepted (runc warns and resolves them against /). */
    for (size_t i = 0; i < s->mounts_len; i++) {
        if (s->mounts[i].destination[0] == '\0')
            return tr_failx(err, "%s: mounts[%zu].destination: must not be empty", origin, i);
        if (has_dotdot(s->mounts[i].destination))
            return tr_failx(err, "%s: mounts[%zu].destination: \"..\" components are refused, got \"%.200s\"; "
                            "write the path inside the container without them", origin, i, s->mounts[i].destination);
    }
    if (check_hooks(&s->hooks, origin, err) < 0)
        return -1;
    if (s->linux_ && check_linux(s, origin, err) < 0)
        return -1;
    return 0;
}

struct oci_spec *oci_load(const char *bundle, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
    size_t len = 0;
    _cleanup_free_ char *text = read_file(path, &len, err);
    if (!text) {
        if (err->code == ENOENT)
            tr_hint(err, "is --bundle right?");
        return NULL;
    }
    struct oci_spec *s = oci_parse(text, len, "config.json", err);
    if (s && oci_validate(s, "config.json", err) < 0) {
        oci_free(s);
        return NULL;
    }
    return s;
}

const struct oci_namespace *oci_find_namespace(const struct oci_spec *spec, enum oci_ns_type t)
{
    if (!spec->linux_)
        return NULL;
    for (size_t i = 0; i < spec->linux_->namespaces_len; i++)
        if (spec->linux_->namespaces[i].type == t)
            return &spec->linux_->namespaces[i];
    return NULL;
}

bool oci_version_at_least(const struct oci_spec *spec, unsigned major, unsigned minor)
{
    unsigned ma = 0, mi = 0;
    if (!spec->oci_version || sscanf(spec->oci_version, "%u.%u", &ma, &mi) < 1)
        return false;
    return ma > major || (ma == major && mi >= minor);
}

const char *oci_annotation(const struct oci_spec *spec, const char *key)
{
    /* Last one wins, matching a JSON object with a duplicated key. */
    for (size_t i = spec->annotations_len; i-- > 0;)
        if (streq(spec->annotations[i].key, key))
            return spec->annotations[i].value;
    return NULL;
}
