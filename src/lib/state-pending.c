/* <state>/creating: the reader and writer of the record (state-pending.h). The reader is
 * strict about numbers: a pid that does not fit pid_t (sscanf's %d would wrap 4294967297 to
 * 1) or a negative start time names no process, so delete --force kills nothing for it. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "state-pending.h"
#include "util.h"

/* A decimal number without sign in [0, max], followed by a space or the end of s; *end after it. */
static bool parse_decimal(const char *s, unsigned long long max, unsigned long long *v, const char **end)
{
    char *e;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    *v = strtoull(s, &e, 10);
    if (errno || *v > max || (*e && *e != ' '))
        return false;
    *end = e;
    return true;
}

/* "pid <pid> <start time>" (the text after "pid "), nothing after it */
static void parse_pid_line(const char *s, struct tr_pending *p)
{
    unsigned long long pid, start;
    const char *e;
    if (!parse_decimal(s, INT_MAX, &pid, &e) || pid == 0 || *e != ' ')
        return;
    if (!parse_decimal(e + 1, ULLONG_MAX, &start, &e) || *e)
        return;
    p->pid = (pid_t) pid;
    p->start_time = start;
}

void pending_record_parse(const char *txt, struct tr_pending *p)
{
    memset(p, 0, sizeof *p);
    for (const char *l = txt; l && *l;) {
        size_t n = strcspn(l, "\n");
        _cleanup_free_ char *line = xzalloc(n + 1);
        memcpy(line, l, n);
        if (!strncmp(line, "cgroup ", 7)) {
            free(p->cgroup);
            p->cgroup = xstrdup(line + 7);
        } else if (!strncmp(line, "pid ", 4)) {
            parse_pid_line(line + 4, p);
        }
        l += n;
        if (*l == '\n')
            l++;
    }
}

char *pending_record_format(const struct tr_pending *p)
{
    return xasprintf("pid %d %llu\ncgroup %s\n", (int) p->pid, p->start_time, p->cgroup ? p->cgroup : "disabled");
}

void pending_record_clear(struct tr_pending *p)
{
    free(p->cgroup);
    memset(p, 0, sizeof *p);
}
