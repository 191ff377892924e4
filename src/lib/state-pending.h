/* The record of a create in progress, <state>/creating (state-dir.h, struct tr_pending): what a
 * create has made so far, for a delete --force after the create died. Text, one item a line:
 *   pid <pid> <start time>
 *   cgroup <cgroup_serialize form>
 * Kept apart from state-dir.c so that the reader can be fuzzed (tests/fuzz/fuzz-pending.c). */
#ifndef TINYRUN_STATE_PENDING_H
#define TINYRUN_STATE_PENDING_H
#include "state-dir.h"

/* Fill p from txt (p zeroed first). Unknown, malformed or out-of-range lines are skipped: a
 * torn record leaves fields empty and delete removes what it can name. Never fails. */
void pending_record_parse(const char *txt, struct tr_pending *p);
/* The record's text (malloc'd); an absent cgroup is written as "disabled". */
char *pending_record_format(const struct tr_pending *p);
void pending_record_clear(struct tr_pending *p);

#endif
