/* libFuzzer target: the <state>/creating record reader (src/lib/state-pending.c), what
 * delete --force trusts after a create died. Whatever it reads must name no pid outside
 * 1..INT_MAX (0: none, with no start time), and survive a write + read round trip unchanged. */
#include <config.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "state-pending.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct tr_pending *a, const struct tr_pending *b)
{
    /* the writer spells an absent cgroup "disabled" */
    const char *ca = a->cgroup ? a->cgroup : "disabled", *cb = b->cgroup ? b->cgroup : "disabled";
    return a->pid == b->pid && a->start_time == b->start_time && strcmp(ca, cb) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the reader takes a C string (read_file NUL-terminates) */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct tr_pending p, back;
    pending_record_parse(text, &p);
    free(text);
    if (p.pid < 0 || (p.pid == 0 && p.start_time != 0) || (p.cgroup && strchr(p.cgroup, '\n'))) {
        fprintf(stderr, "impossible record: pid %d start %llu\n", (int) p.pid, p.start_time);
        abort();
    }
    char *txt = pending_record_format(&p);
    pending_record_parse(txt, &back);
    if (!same(&p, &back)) {
        fprintf(stderr, "round trip changed the record: %s\n", txt);
        abort();
    }
    free(txt);
    pending_record_clear(&back);
    pending_record_clear(&p);
    return 0;
}
