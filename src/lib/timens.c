#include "config.h"
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include "procfs.h"
#include "timens.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int timens_offset_line(const struct oci_time_offset *o, char *buf, size_t len)
{
    int w = snprintf(buf, len, "%s %" PRId64 " %" PRIu32, o->clock, o->secs, o->nanosecs);
    return w < 0 || (size_t) w >= len ? -1 : w;
}

int timens_unshare(const struct oci_linux *l, struct tr_err *err)
{
    char text[256];
    if (unshare(CLONE_NEWTIME) < 0) {
        tr_fail(err, errno, "linux.namespaces: unshare the time namespace");
        if (err->code == EINVAL)
            tr_hint(err, "this kernel has no time namespaces (Linux 5.6+, CONFIG_TIME_NS)");
        return -1;
    }
    /* one clock per write: an error names the clock */
    for (size_t i = 0; i < l->time_offsets_len; i++) {
        const struct oci_time_offset *o = &l->time_offsets[i];
        int n = timens_offset_line(o, text, sizeof text);
        if (n < 0)
            return tr_failx(err, "linux.timeOffsets.%s: clock name too long", o->clock);
        if (procfs_write("self/timens_offsets", text, (size_t) n, err) == 0)
            continue;
        tr_prefix(err, "linux.timeOffsets.%s", o->clock);
        if (err->code == EINVAL || err->code == ERANGE)
            tr_hint(err, "the shifted clock must stay between 0 and about 146 years, nanosecs below 1000000000");
        return -1;
    }
    return 0;
}
