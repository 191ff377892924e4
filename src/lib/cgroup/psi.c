/* PSI files: see psi.h. Lines are read by their keyword, so a kernel that adds fields after
 * total does not break them. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "cgroup/psi.h"

static int parse_line(const char *l, struct cg_psi_line *out)
{
    int n = 0;
    if (sscanf(l, " avg10=%lf avg60=%lf avg300=%lf total=%" SCNu64 "%n", &out->avg10, &out->avg60,
               &out->avg300, &out->total, &n) != 4 || n == 0)
        return -1;
    out->present = true;
    return 0;
}

int cg_psi_parse(const char *text, struct cg_psi *out)
{
    memset(out, 0, sizeof *out);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, "some ", 5) == 0 && parse_line(l + 4, &out->some) < 0)
            return -1;
        if (strncmp(l, "full ", 5) == 0 && parse_line(l + 4, &out->full) < 0)
            return -1;
    }
    return out->some.present ? 0 : -1;
}
