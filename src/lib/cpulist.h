/* The kernel's list format for CPUs and NUMA nodes ("0-3,5", as in cpuset.cpus and
 * /sys/devices/system/node/online), used by linux.memoryPolicy.nodes and
 * process.execCPUAffinity. */
#ifndef TINYRUN_CPULIST_H
#define TINYRUN_CPULIST_H
#include <stddef.h>

/* Set the bits of s in bits (nbits wide, cleared first). "" is the empty set. Returns 0, or -1
 * for a malformed list or a number >= nbits; *why then says what is wrong. */
int cpulist_parse(const char *s, unsigned long *bits, size_t nbits, const char **why);

#endif
