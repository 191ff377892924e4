/* linux.sysctl: only keys the kernel scopes to a namespace the container owns, so that a
 * config can never change the host. Written through the runtime's private procfs (procfs.h),
 * never the container's /proc: a namespaced entry resolves against the writer's namespaces. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "procfs.h"
#include "security.h"
#include "util.h"

/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward". A key written with slashes is taken as a
 * path as is ("net/ipv4/conf/eth0.100/forwarding": an interface name may contain dots). */
char *sysctl_key_to_path(const char *key)
{
    if (!key || !*key || key[0] == '/' || key[0] == '.')
        return NULL;
    char *path = xstrdup(key);
    bool slashes = strchr(key, '/') != NULL;
    for (char *p = path; *p; p++)
        if (!slashes && *p == '.')
            *p = '/';
    /* No empty, "." or ".." component: the result must stay below /proc/sys. */
    for (char *c = path; c;) {
        char *next = strchr(c, '/');
        size_t n = next ? (size_t) (next - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
            free(path);
            return NULL;
        }
        c = next ? next + 1 : NULL;
    }
    return path;
}

static bool same_ns_as_runtime(const char *ns_path, const char *kind)
{
    struct stat a, b;
    char self[64];
    snprintf(self, sizeof self, "/proc/self/ns/%s", kind);
    if (stat(ns_path, &a) < 0 || stat(self, &b) < 0)
        return false;   /* the namespace setup reports a bad path better than we can */
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* 1: the container gets its own namespace of that type (new, or joined by a path that is
 * not the runtime's own); 0: it shares the host's. */
static int owns_ns(const struct oci_spec *spec, enum oci_ns_type t, const char *kind)
{
    const struct oci_namespace *ns = oci_find_namespace(spec, t);
    if (!ns)
        return 0;
    if (!ns->path || !*ns->path)
        return 1;
    return same_ns_as_runtime(ns->path, kind) ? 0 : 1;
}

static int sysctl_check_key(const struct oci_spec *spec, const char *key, struct tr_err *err)
{
    _cleanup_free_ char *path = sysctl_key_to_path(key);
    if (!path)
        return tr_failx(err, "linux.sysctl[\"%s\"]: not a valid sysctl name", key ? key : "");
    _cleanup_free_ char *dotted = xstrdup(path);
    for (char *p = dotted; *p; p++)
        if (*p == '/')
            *p = '.';
    if (strncmp(dotted, "net.", 4) == 0) {
        if (!owns_ns(spec, OCI_NS_NETWORK, "net"))
            return tr_failx(err, "linux.sysctl[\"%s\"]: needs a network namespace of the "
                            "container's own in linux.namespaces; it would change the host", key);
        return 0;
    }
    if (strncmp(dotted, "kernel.shm", 10) == 0 || strncmp(dotted, "kernel.msg", 10) == 0 ||
        streq(dotted, "kernel.sem") || streq(dotted, "kernel.sem_next_id") || strncmp(dotted, "fs.mqueue.", 10) == 0) {
        if (!owns_ns(spec, OCI_NS_IPC, "ipc"))
            return tr_failx(err, "linux.sysctl[\"%s\"]: needs an ipc namespace of the "
                            "container's own in linux.namespaces; it would change the host", key);
        return 0;
    }
    if (streq(dotted, "kernel.hostname") || streq(dotted, "kernel.domainname")) {
        if (!owns_ns(spec, OCI_NS_UTS, "uts"))
            return tr_failx(err, "linux.sysctl[\"%s\"]: needs a uts namespace of the "
                            "container's own in linux.namespaces; it would change the host", key);
        return 0;
    }
    return tr_failx(err, "linux.sysctl[\"%s\"]: not a namespaced sysctl; it would change the "
                    "host", key);
}

int sysctl_validate(const struct oci_spec *spec, struct tr_err *err)
{
    if (!spec->linux_)
        return 0;
    for (size_t i = 0; i < spec->linux_->sysctl_len; i++)
        if (sysctl_check_key(spec, spec->linux_->sysctl[i].key, err) < 0)
            return -1;
    return 0;
}

int sysctl_apply(const struct oci_spec *spec, struct tr_err *err)
{
    if (!spec->linux_)
        return 0;
    for (size_t i = 0; i < spec->linux_->sysctl_len; i++) {
        const struct oci_kv *kv = &spec->linux_->sysctl[i];
        _cleanup_free_ char *rel = sysctl_key_to_path(kv->key);
        if (!rel)
            return tr_failx(err, "linux.sysctl[\"%s\"]: not a valid sysctl name",
                            kv->key ? kv->key : "");
        _cleanup_free_ char *file = xasprintf("sys/%s", rel);
        const char *val = kv->value ? kv->value : "";
        if (procfs_write(file, val, strlen(val), err) < 0)
            return tr_prefix(err, "linux.sysctl[\"%s\"]", kv->key);
    }
    return 0;
}
