/* Pure path logic: cgroupsPath for the cgroupfs and systemd drivers, /proc/self/cgroup and
 * uid_map parsing, and the systemd unit properties. No I/O, unit-tested. */
#include "config.h"
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup/res.h"
#include "util.h"

/* Join a and b with "/", collapse "//" and ".", refuse "..". Result starts with "/" and has no
 * trailing "/" (the root is ""). */
static char *normalize(const char *a, const char *b, struct tr_err *err)
{
    size_t cap = strlen(a) + strlen(b) + 3, len = 0;
    char *out = xmalloc(cap);
    const char *parts[2] = { a, b };
    for (int i = 0; i < 2; i++) {
        const char *p = parts[i];
        while (*p) {
            while (*p == '/')
                p++;
            const char *e = strchrnul(p, '/');
            size_t n = (size_t) (e - p);
            if (n == 2 && p[0] == '.' && p[1] == '.') {
                free(out);
                tr_failx(err, "linux.cgroupsPath: \"..\" is not allowed in a cgroup path");
                return NULL;
            }
            if (n > 0 && !(n == 1 && *p == '.')) {
                out[len++] = '/';
                memcpy(out + len, p, n);
                len += n;
            }
            p = e;
        }
    }
    out[len] = '\0';
    return out;
}

char *cg_resolve_fs_path(const char *cgroups_path, const char *id, const char *own, struct tr_err *err)
{
    if (!cgroups_path || !*cgroups_path) {
        if (!id || !*id || strchr(id, '/')) {
            tr_failx(err, "linux.cgroupsPath: cannot derive a default path from id \"%s\"", id ? id : "");
            return NULL;
        }
        char *def = xasprintf("/tinyrun/%s", id);
        return def;
    }
    char *p = normalize(cgroups_path[0] == '/' ? "" : own ? own : "", cgroups_path, err);
    /* the root or our own cgroup would make kill --all and delete hit unrelated processes */
    if (p && (!*p || (cgroups_path[0] != '/' && own && streq(p, own)))) {
        tr_failx(err, "linux.cgroupsPath: \"%s\" resolves to %s; give the container a cgroup of its own",
                 cgroups_path, *p ? "the runtime's own cgroup" : "the root cgroup");
        free(p);
        return NULL;
    }
    return p;
}

char *cg_own_cgroup(const char *text, const char *ctrl)
{
    const char *line = text;
    while (line && *line) {
        const char *nl = strchrnul(line, '\n');
        /* hierarchy-id:controllers:path */
        const char *c1 = memchr(line, ':', (size_t) (nl - line));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (nl - c1 - 1)) : NULL;
        if (c2) {
            size_t clen = (size_t) (c2 - c1 - 1);
            bool match = false;
            if (!*ctrl)
                match = clen == 0 && c1 - line == 1 && line[0] == '0';
            else {
                const char *p = c1 + 1;
                while (p < c2) {
                    const char *e = memchr(p, ',', (size_t) (c2 - p));
                    if (!e)
                        e = c2;
                    if ((size_t) (e - p) == strlen(ctrl) && !strncmp(p, ctrl, (size_t) (e - p)))
                        match = true;
                    p = e + 1;
                }
            }
            if (match) {
                char *r = strndup(c2 + 1, (size_t) (nl - c2 - 1));
                if (!r)
                    abort();
                if (streq(r, "/"))
                    r[0] = '\0';
                return r;
            }
        }
        line = *nl ? nl + 1 : NULL;
    }
    return NULL;
}

char *cg_sd_expand_slice(const char *slice, struct tr_err *err)
{
    size_t n = strlen(slice);
    const size_t sl = strlen(".slice");
    if (n <= sl || strcmp(slice + n - sl, ".slice") != 0 || strchr(slice, '/')) {
        tr_failx(err, "linux.cgroupsPath: invalid slice name \"%s\" (expected e.g. \"system.slice\" "
                 "or \"a-b.slice\")", slice);
        return NULL;
    }
    if (streq(slice, "-.slice"))
        return xstrdup("");
    size_t base = n - sl;
    char *out = xmalloc(2 * (n + 8) * (n + 1) + 1), *o = out;
    for (size_t i = 0; i <= base; i++) {
        if (i == base || slice[i] == '-') {
            /* every dash ends a component; empty components ("a--b", "-a", "a-") are invalid */
            if (i == 0 || slice[i - 1] == '-' || (i == base && slice[i - 1] == '-')) {
                free(out);
                tr_failx(err, "linux.cgroupsPath: invalid slice name \"%s\" (empty component between dashes)",
                         slice);
                return NULL;
            }
            o += sprintf(o, "/%.*s.slice", (int) i, slice);
        }
    }
    return out;
}

int cg_sd_parse_path(const char *cgroups_path, const char *id, bool rootless, char **slice,
                     char **unit, struct tr_err *err)
{
    const char *def_slice = rootless ? "user.slice" : "system.slice";
    if (!cgroups_path || !*cgroups_path) {
        *slice = xstrdup(def_slice);
        *unit = xasprintf("tinyrun-%s.scope", id);
        return 0;
    }
    const char *c1 = strchr(cgroups_path, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ':') || strchr(cgroups_path, '/'))
        return tr_failx(err, "linux.cgroupsPath: expected \"slice:prefix:name\" with --systemd-cgroup, got \"%s\"",
                        cgroups_path);
    char *sl = strndup(cgroups_path, (size_t) (c1 - cgroups_path));
    char *prefix = strndup(c1 + 1, (size_t) (c2 - c1 - 1));
    const char *name = c2 + 1;
    if (!sl || !prefix)
        abort();
    if (!*name) {
        free(sl); free(prefix);
        return tr_failx(err, "linux.cgroupsPath: \"%s\": the name part of \"slice:prefix:name\" is empty",
                        cgroups_path);
    }
    if (!*sl) {
        free(sl);
        sl = xstrdup(def_slice);
    }
    _cleanup_free_ char *check = cg_sd_expand_slice(sl, err);
    if (!check) {
        free(sl); free(prefix);
        return -1;
    }
    size_t nl = strlen(name);
    if (nl > 6 && streq(name + nl - 6, ".slice"))
        *unit = xstrdup(name);
    else if (*prefix)
        *unit = xasprintf("%s-%s.scope", prefix, name);
    else
        *unit = xasprintf("%s.scope", name);
    free(prefix);
    *slice = sl;
    return 0;
}

int64_t cg_map_uid(const char *uid_map, uint32_t uid)
{
    const char *p = uid_map;
    while (p && *p) {
        unsigned long long in, out, cnt;
        int used = 0;
        if (sscanf(p, " %llu %llu %llu%n", &in, &out, &cnt, &used) == 3) {
            if (uid >= in && uid < in + cnt)
                return (int64_t) (out + (uid - in));
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

uint8_t *cg_cpulist_to_mask(const char *list, size_t *n)
{
    uint8_t *mask = NULL;
    size_t len = 0;
    const char *p = list;
    while (*p) {
        char *e;
        if (!isdigit((unsigned char) *p))
            goto bad;
        unsigned long a = strtoul(p, &e, 10), b = a;
        if (*e == '-') {
            if (!isdigit((unsigned char) e[1]))
                goto bad;
            b = strtoul(e + 1, &e, 10);
        }
        if (b < a || b > 65535 || (*e && *e != ','))
            goto bad;
        if (b / 8 + 1 > len) {
            mask = xrealloc(mask, b / 8 + 1);
            memset(mask + len, 0, b / 8 + 1 - len);
            len = b / 8 + 1;
        }
        for (unsigned long i = a; i <= b; i++)
            mask[i / 8] |= (uint8_t) (1u << (i % 8));
        p = *e ? e + 1 : e;
    }
    *n = len;
    return mask ? mask : xzalloc(1);
bad:
    free(mask);
    return NULL;
}
