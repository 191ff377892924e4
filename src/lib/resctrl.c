/* linux.intelRdt: see resctrl.h. A closID names a group that may be shared by containers, so it
 * is joined when it exists and never removed; without one the group is the container's own. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "resctrl.h"
#include "util.h"

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A group name is one path component. */
static bool valid_group(const char *s)
{
    return s[0] && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..") && strlen(s) < 256;
}

static char *group_dir(const char *root, const struct oci_intel_rdt *r, const char *id)
{
    return xasprintf("%s/%s", root, r->clos_id && r->clos_id[0] ? r->clos_id : id);
}

/* O_CREAT for the unit tests' plain directories; resctrl's own files always exist. */
static int write_to(const char *dir, const char *file, const char *text, const char *field, struct tr_err *err)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
        return tr_fail(err, errno, "%s: write %s", field, p);
    return 0;
}

/* "L3:0=ff" needs info/L3 (or the CDP pair L3CODE/L3DATA); "MB:0=70" needs info/MB. */
static int check_resource(const char *root, const char *schema, const char *field, const char *res,
                          const char *alt, struct tr_err *err)
{
    _cleanup_free_ char *a = xasprintf("%s/info/%s", root, res);
    _cleanup_free_ char *b = alt ? xasprintf("%s/info/%s", root, alt) : NULL;
    if (!schema || !schema[0])
        return 0;
    if (!is_dir(a) && !(b && is_dir(b)))
        return tr_failx(err, "%s: this host's resctrl has no %s resource (no %s)", field, res, a);
    return 0;
}

int resctrl_check(const char *root, const struct oci_intel_rdt *r, struct tr_err *err)
{
    _cleanup_free_ char *info = xasprintf("%s/info", root);
    if (!r || !r->present)
        return 0;
    if (!is_dir(info))
        return tr_failx(err, "linux.intelRdt: resctrl is not mounted at %s (mount -t resctrl resctrl %s, "
                        "on a CPU with Intel RDT or AMD PQoS)", root, root);
    if (r->clos_id && !valid_group(r->clos_id))
        return tr_failx(err, "linux.intelRdt.closID: \"%s\" is not a group name (one path component)", r->clos_id);
    if (check_resource(root, r->l3_cache_schema, "linux.intelRdt.l3CacheSchema", "L3", "L3CODE", err) < 0 ||
        check_resource(root, r->mem_bw_schema, "linux.intelRdt.memBwSchema", "MB", NULL, err) < 0)
        return -1;
    if (r->enable_monitoring) {
        _cleanup_free_ char *mon = xasprintf("%s/info/L3_MON", root);
        if (!is_dir(mon))
            return tr_failx(err, "linux.intelRdt.enableMonitoring: this host's resctrl has no monitoring (no %s)", mon);
    }
    return 0;
}

/* Every schema line of r (l3CacheSchema, memBwSchema, schemata[]), newline-separated. */
static char *schemata_text(const struct oci_intel_rdt *r, const char *l3, const char *mb)
{
    size_t cap = 2;
    const char *l3s = l3 ? l3 : r->l3_cache_schema, *mbs = mb ? mb : r->mem_bw_schema;
    cap += (l3s ? strlen(l3s) + 1 : 0) + (mbs ? strlen(mbs) + 1 : 0);
    for (size_t i = 0; i < r->schemata_len; i++)
        cap += strlen(r->schemata[i]) + 1;
    char *s = xzalloc(cap);
    for (size_t i = 0; i < r->schemata_len; i++)
        strcat(strcat(s, r->schemata[i]), "\n");
    if (l3s && l3s[0])
        strcat(strcat(s, l3s), "\n");
    if (mbs && mbs[0])
        strcat(strcat(s, mbs), "\n");
    return s;
}

int resctrl_apply(const char *root, const struct oci_intel_rdt *r, const char *id, pid_t pid, struct tr_err *err)
{
    char spid[24];
    if (!r || !r->present)
        return 0;
    _cleanup_free_ char *dir = group_dir(root, r, id);
    _cleanup_free_ char *text = schemata_text(r, NULL, NULL);
    snprintf(spid, sizeof spid, "%d", (int) pid);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return tr_fail(err, errno, "linux.intelRdt: create the resctrl group %s", dir);
    if (text[0] && write_to(dir, "schemata", text, "linux.intelRdt schemata", err) < 0)
        return -1;
    if (write_to(dir, "tasks", spid, "linux.intelRdt", err) < 0)
        return -1;
    if (r->enable_monitoring) {
        _cleanup_free_ char *mon = xasprintf("%s/mon_groups/%s", dir, id);
        if (mkdir(mon, 0755) < 0 && errno != EEXIST)
            return tr_fail(err, errno, "linux.intelRdt.enableMonitoring: create %s", mon);
        if (write_to(mon, "tasks", spid, "linux.intelRdt.enableMonitoring", err) < 0)
            return -1;
    }
    return 0;
}

int resctrl_update(const char *root, const struct oci_intel_rdt *r, const char *id, const char *l3,
                   const char *mb, struct tr_err *err)
{
    static const struct oci_intel_rdt none = { .present = true };
    const struct oci_intel_rdt *cur = r && r->present ? r : &none;
    struct oci_intel_rdt want = { .present = true, .l3_cache_schema = (char *) l3, .mem_bw_schema = (char *) mb };
    if (resctrl_check(root, &want, err) < 0)
        return tr_prefix(err, "update");
    if (!r || !r->present)
        return tr_failx(err, "update --l3-cache-schema/--mem-bw-schema: container %s has no linux.intelRdt "
                        "(its resctrl group is made at create)", id);
    _cleanup_free_ char *dir = group_dir(root, cur, id);
    struct oci_intel_rdt only = { .present = true };
    _cleanup_free_ char *text = schemata_text(&only, l3, mb);
    if (!is_dir(dir))
        return tr_failx(err, "update: the resctrl group %s of container %s is gone", dir, id);
    return write_to(dir, "schemata", text, "update --l3-cache-schema/--mem-bw-schema", err);
}

int resctrl_remove(const char *root, const struct oci_intel_rdt *r, const char *id, struct tr_err *err)
{
    int rc = 0;
    if (!r || !r->present)
        return 0;
    _cleanup_free_ char *dir = group_dir(root, r, id);
    if (r->enable_monitoring) {
        _cleanup_free_ char *mon = xasprintf("%s/mon_groups/%s", dir, id);
        if (rmdir(mon) < 0 && errno != ENOENT)
            rc = tr_fail(err, errno, "linux.intelRdt.enableMonitoring: remove %s", mon);
    }
    if (!(r->clos_id && r->clos_id[0]) && rmdir(dir) < 0 && errno != ENOENT)
        rc = tr_fail(err, errno, "linux.intelRdt: remove the resctrl group %s", dir);
    return rc;
}
