/* OCI mount options -> a mount plan (flags for mount(2), recursive attributes for
 * mount_setattr, propagation, bind kind, fs data). Pure: unit-tested without a kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include "rootfs-internal.h"
#include "util.h"

enum opt_kind { OPT_FLAG, OPT_PROP, OPT_RATTR, OPT_SPECIAL };
enum special { SP_NONE, SP_BIND, SP_RBIND, SP_TMPCOPYUP, SP_IDMAP, SP_RIDMAP, SP_DEFAULTS };

struct opt {
    const char *name;
    enum opt_kind kind;
    bool clear;                  /* OPT_FLAG/OPT_RATTR: the option clears rather than sets */
    unsigned long long value;    /* MS_* flag, propagation, or MOUNT_ATTR_* bit */
    enum special sp;
};

/* mount(8)'s names. Atime options of mount_setattr are a 3-bit field, handled in apply_rattr. */
static const struct opt opts[] = {
    { "defaults", OPT_SPECIAL, false, 0, SP_DEFAULTS },
    { "ro", OPT_FLAG, false, MS_RDONLY, SP_NONE },        { "rw", OPT_FLAG, true, MS_RDONLY, SP_NONE },
    { "nosuid", OPT_FLAG, false, MS_NOSUID, SP_NONE },    { "suid", OPT_FLAG, true, MS_NOSUID, SP_NONE },
    { "nodev", OPT_FLAG, false, MS_NODEV, SP_NONE },      { "dev", OPT_FLAG, true, MS_NODEV, SP_NONE },
    { "noexec", OPT_FLAG, false, MS_NOEXEC, SP_NONE },    { "exec", OPT_FLAG, true, MS_NOEXEC, SP_NONE },
    { "sync", OPT_FLAG, false, MS_SYNCHRONOUS, SP_NONE }, { "async", OPT_FLAG, true, MS_SYNCHRONOUS, SP_NONE },
    { "dirsync", OPT_FLAG, false, MS_DIRSYNC, SP_NONE },
    { "remount", OPT_FLAG, false, MS_REMOUNT, SP_NONE },
    { "mand", OPT_FLAG, false, MS_MANDLOCK, SP_NONE },    { "nomand", OPT_FLAG, true, MS_MANDLOCK, SP_NONE },
    { "noatime", OPT_FLAG, false, MS_NOATIME, SP_NONE },  { "atime", OPT_FLAG, true, MS_NOATIME, SP_NONE },
    { "nodiratime", OPT_FLAG, false, MS_NODIRATIME, SP_NONE },
    { "diratime", OPT_FLAG, true, MS_NODIRATIME, SP_NONE },
    { "relatime", OPT_FLAG, false, MS_RELATIME, SP_NONE },
    { "norelatime", OPT_FLAG, true, MS_RELATIME, SP_NONE },
    { "strictatime", OPT_FLAG, false, MS_STRICTATIME, SP_NONE },
    { "nostrictatime", OPT_FLAG, true, MS_STRICTATIME, SP_NONE },
    { "lazytime", OPT_FLAG, false, MS_LAZYTIME, SP_NONE },
    { "nolazytime", OPT_FLAG, true, MS_LAZYTIME, SP_NONE },
    { "silent", OPT_FLAG, false, MS_SILENT, SP_NONE },    { "loud", OPT_FLAG, true, MS_SILENT, SP_NONE },
    { "nosymfollow", OPT_FLAG, false, MS_NOSYMFOLLOW, SP_NONE },
    { "symfollow", OPT_FLAG, true, MS_NOSYMFOLLOW, SP_NONE },
    { "bind", OPT_SPECIAL, false, 0, SP_BIND },           { "rbind", OPT_SPECIAL, false, 0, SP_RBIND },
    { "private", OPT_PROP, false, MS_PRIVATE, SP_NONE },
    { "rprivate", OPT_PROP, false, MS_PRIVATE | MS_REC, SP_NONE },
    { "shared", OPT_PROP, false, MS_SHARED, SP_NONE },
    { "rshared", OPT_PROP, false, MS_SHARED | MS_REC, SP_NONE },
    { "slave", OPT_PROP, false, MS_SLAVE, SP_NONE },
    { "rslave", OPT_PROP, false, MS_SLAVE | MS_REC, SP_NONE },
    { "unbindable", OPT_PROP, false, MS_UNBINDABLE, SP_NONE },
    { "runbindable", OPT_PROP, false, MS_UNBINDABLE | MS_REC, SP_NONE },
    { "rro", OPT_RATTR, false, MOUNT_ATTR_RDONLY, SP_NONE },
    { "rrw", OPT_RATTR, true, MOUNT_ATTR_RDONLY, SP_NONE },
    { "rnosuid", OPT_RATTR, false, MOUNT_ATTR_NOSUID, SP_NONE },
    { "rsuid", OPT_RATTR, true, MOUNT_ATTR_NOSUID, SP_NONE },
    { "rnodev", OPT_RATTR, false, MOUNT_ATTR_NODEV, SP_NONE },
    { "rdev", OPT_RATTR, true, MOUNT_ATTR_NODEV, SP_NONE },
    { "rnoexec", OPT_RATTR, false, MOUNT_ATTR_NOEXEC, SP_NONE },
    { "rexec", OPT_RATTR, true, MOUNT_ATTR_NOEXEC, SP_NONE },
    { "rnodiratime", OPT_RATTR, false, MOUNT_ATTR_NODIRATIME, SP_NONE },
    { "rdiratime", OPT_RATTR, true, MOUNT_ATTR_NODIRATIME, SP_NONE },
    { "rnosymfollow", OPT_RATTR, false, MOUNT_ATTR_NOSYMFOLLOW, SP_NONE },
    { "rsymfollow", OPT_RATTR, true, MOUNT_ATTR_NOSYMFOLLOW, SP_NONE },
    /* atime field: value is the new field content; "clear" ones reset it to relatime (the
     * kernel default), as runc does for rnoatime's inverse "ratime". */
    { "rnoatime", OPT_RATTR, false, MOUNT_ATTR__ATIME | ((unsigned long long) MOUNT_ATTR_NOATIME << 32), SP_NONE },
    { "ratime", OPT_RATTR, true, MOUNT_ATTR_NOATIME, SP_NONE },
    { "rrelatime", OPT_RATTR, false, MOUNT_ATTR__ATIME | ((unsigned long long) MOUNT_ATTR_RELATIME << 32), SP_NONE },
    { "rnorelatime", OPT_RATTR, true, MOUNT_ATTR_RELATIME, SP_NONE },
    { "rstrictatime", OPT_RATTR, false, MOUNT_ATTR__ATIME | ((unsigned long long) MOUNT_ATTR_STRICTATIME << 32), SP_NONE },
    { "rnostrictatime", OPT_RATTR, true, MOUNT_ATTR_STRICTATIME, SP_NONE },
    { "tmpcopyup", OPT_SPECIAL, false, 0, SP_TMPCOPYUP },
    { "idmap", OPT_SPECIAL, false, 0, SP_IDMAP },         { "ridmap", OPT_SPECIAL, false, 0, SP_RIDMAP },
};

static const struct opt *opt_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
        if (streq(opts[i].name, name))
            return &opts[i];
    return NULL;
}

static void apply_flag(struct mount_plan *p, const struct opt *o)
{
    unsigned long f = (unsigned long) o->value;
    if (o->clear) {
        p->flags &= ~f;
        p->clear_flags |= f;
    } else {
        p->flags |= f;
        p->clear_flags &= ~f;
    }
}

/* Later options override earlier ones bit by bit, as in mount(8). */
static void apply_rattr(struct mount_plan *p, const struct opt *o)
{
    unsigned long long v = o->value;
    if (!o->clear && (v & MOUNT_ATTR__ATIME)) {  /* "rnoatime" & co: replace the whole field */
        unsigned long long field = v >> 32;
        p->attr_clr |= MOUNT_ATTR__ATIME;
        p->attr_set = (p->attr_set & ~(unsigned long long) MOUNT_ATTR__ATIME) | field;
        return;
    }
    if (o->clear) {
        /* the inverse of an atime mode: back to relatime when that mode was chosen */
        if (v == MOUNT_ATTR_NOATIME || v == MOUNT_ATTR_STRICTATIME || v == MOUNT_ATTR_RELATIME) {
            p->attr_clr |= MOUNT_ATTR__ATIME;
            p->attr_set &= ~(unsigned long long) MOUNT_ATTR__ATIME;
            if (v == MOUNT_ATTR_RELATIME)         /* rnorelatime: strictatime, as mount(8) */
                p->attr_set |= MOUNT_ATTR_STRICTATIME;
            return;
        }
        p->attr_set &= ~v;
        p->attr_clr |= v;
    } else {
        p->attr_clr &= ~v;
        p->attr_set |= v;
    }
}

static void append_data(char **data, size_t *len, const char *s)
{
    size_t n = strlen(s);
    *data = xrealloc(*data, *len + n + 2);
    if (*len)
        (*data)[(*len)++] = ',';
    memcpy(*data + *len, s, n + 1);
    *len += n;
}

int mount_plan_from_options(char *const *o, size_t n, struct mount_plan *out, struct tr_err *err)
{
    size_t dlen = 0;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        if (!o[i] || !*o[i]) {
            mount_plan_free(out);
            return tr_failx(err, "options[%zu]: empty mount option", i);
        }
        const struct opt *op = opt_find(o[i]);
        if (!op) {
            append_data(&out->data, &dlen, o[i]);
            continue;
        }
        switch (op->kind) {
        case OPT_FLAG: apply_flag(out, op); break;
        case OPT_PROP: out->propagation = (unsigned long) op->value; break;
        case OPT_RATTR: apply_rattr(out, op); break;
        case OPT_SPECIAL:
            switch (op->sp) {
            case SP_BIND: out->bind = true; break;
            case SP_RBIND: out->bind = out->recursive_bind = true; break;
            case SP_TMPCOPYUP: out->tmpcopyup = true; break;
            case SP_IDMAP: out->idmap = true; break;
            case SP_RIDMAP: out->idmap = out->recursive_idmap = true; break;
            case SP_DEFAULTS: case SP_NONE: break;
            }
            break;
        }
    }
    return 0;
}

void mount_plan_free(struct mount_plan *p)
{
    free(p->data);
    p->data = NULL;
}

unsigned long ms_flags_from_statvfs(unsigned long f)
{
    static const struct { unsigned long st, ms; } map[] = {
        { ST_RDONLY, MS_RDONLY }, { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
        { ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME },
        { ST_RELATIME, MS_RELATIME },
    };
    unsigned long ms = 0;
    for (size_t i = 0; i < ARRAY_SIZE(map); i++)
        if (f & map[i].st)
            ms |= map[i].ms;
    return ms;
}

void ms_to_mount_attr(unsigned long set, unsigned long clear, unsigned long long *as,
                      unsigned long long *ac)
{
    static const struct { unsigned long ms; unsigned long long attr; } map[] = {
        { MS_RDONLY, MOUNT_ATTR_RDONLY }, { MS_NOSUID, MOUNT_ATTR_NOSUID },
        { MS_NODEV, MOUNT_ATTR_NODEV }, { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
        { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
    };
    *as = *ac = 0;
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        if (set & map[i].ms)
            *as |= map[i].attr;
        else if (clear & map[i].ms)
            *ac |= map[i].attr;
    }
    /* atime is one field: the last explicit choice in set wins; a cleared mode without a new
     * one falls back to relatime, the kernel default. */
    if (set & MS_NOATIME) {
        *ac |= MOUNT_ATTR__ATIME; *as |= MOUNT_ATTR_NOATIME;
    } else if (set & MS_STRICTATIME) {
        *ac |= MOUNT_ATTR__ATIME; *as |= MOUNT_ATTR_STRICTATIME;
    } else if (set & MS_RELATIME) {
        *ac |= MOUNT_ATTR__ATIME; *as |= MOUNT_ATTR_RELATIME;
    } else if (clear & (MS_NOATIME | MS_STRICTATIME)) {
        *ac |= MOUNT_ATTR__ATIME; *as |= MOUNT_ATTR_RELATIME;
    } else if (clear & MS_RELATIME) {
        *ac |= MOUNT_ATTR__ATIME; *as |= MOUNT_ATTR_STRICTATIME;
    }
}
