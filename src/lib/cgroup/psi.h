/* Pressure stall information (cgroup v2 cpu.pressure, memory.pressure, io.pressure): the pure
 * parser, for `events --stats` (runc 1.2's "psi" objects). */
#ifndef TINYRUN_CGROUP_PSI_H
#define TINYRUN_CGROUP_PSI_H
#include <stdbool.h>
#include <stdint.h>

struct cg_psi_line { bool present; double avg10, avg60, avg300; uint64_t total; };
struct cg_psi { struct cg_psi_line some, full; };

/* "some avg10=0.12 avg60=... avg300=... total=N\nfull ...\n": 0 when the "some" line parsed
 * (full is absent from cpu.pressure before 5.13), -1 for anything else. */
int cg_psi_parse(const char *text, struct cg_psi *out);

#endif
