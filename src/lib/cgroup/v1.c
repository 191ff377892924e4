/* cgroup v1 specifics: cpuset initialisation and the freezer. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <time.h>
#include "cgroup/internal.h"
#include "log.h"
#include "util.h"

/* A new v1 cpuset cgroup starts with empty cpus/mems and refuses tasks until they are set:
 * copy them from the parent (recursively fixing empty parents first). */
int cg_v1_cpuset_init(const char *dir, struct tr_err *err)
{
    static const char *files[] = { "cpuset.cpus", "cpuset.mems" };
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_free_ char *cur = cg_read(dir, files[i], err);
        if (!cur)
            return -1;
        if (*cur)
            continue;
        _cleanup_free_ char *parent = xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
            return tr_failx(err, "%s/%s is empty at the top of the cpuset hierarchy", dir, files[i]);
        *slash = '\0';
        _cleanup_free_ char *pv = cg_read(parent, files[i], err);
        if (!pv)
            return -1;
        if (!*pv) {
            if (cg_v1_cpuset_init(parent, err) < 0)
                return -1;
            free(pv);
            pv = cg_read(parent, files[i], err);
            if (!pv)
                return -1;
        }
        if (cg_write(dir, files[i], pv, err) < 0)
            return -1;
    }
    return 0;
}

int cg_v1_is_frozen(struct cg_hier *h, struct tr_err *err)
{
    _cleanup_free_ char *s = cg_read(h->dir, "freezer.state", err);
    if (!s)
        return -1;
    return streq(s, "FROZEN") ? 1 : 0;
}

/* freezer.state goes FREEZING -> FROZEN; a task in a vfork or uninterruptible sleep can keep it
 * FREEZING, so rewrite the request until it settles (runc does the same), up to ~5 s. */
int cg_v1_freeze(struct cgroup_mgr *m, struct cg_hier *h, bool frozen, struct tr_err *err)
{
    const char *want = frozen ? "FROZEN" : "THAWED";
    for (int i = 0; i < 1000; i++) {
        if (cg_write(h->dir, "freezer.state", want, err) < 0)
            return tr_prefix(err, frozen ? "pause" : "resume");
        _cleanup_free_ char *s = cg_read(h->dir, "freezer.state", err);
        if (!s)
            return -1;
        if (streq(s, want))
            return 0;
        struct timespec ts = { 0, (i < 10 ? 1 : 5) * 1000 * 1000 };
        nanosleep(&ts, NULL);
        if (frozen && i % 50 == 49) {
            /* thaw briefly so a task stuck in vfork can move on, then try again */
            cg_write(h->dir, "freezer.state", "THAWED", err);
        }
    }
    return tr_failx(err, "%s/freezer.state: did not become %s within 5s", h->dir, want);
}
