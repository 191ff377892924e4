/* tinyrun --trace: per-phase start-up timings. A phase begins at tr_trace() and ends at the
 * next tr_trace() of the same process. The init child (a fork, no exec) stamps into the same
 * shared page, so its phases appear in the runtime's report without any message or syscall.
 * Off (the default) every call is one test of a NULL pointer: no syscall, no clock read. */
#ifndef TINYRUN_TRACE_H
#define TINYRUN_TRACE_H
#include <stdbool.h>

/* main.c, once: on = --trace. json: records into the --log fd instead of lines on stderr. */
void tr_trace_init(bool on, bool json);
/* Begin phase `phase` of process `who` ("runtime", "init", "exec"). Names are copied. */
void tr_trace(const char *who, const char *phase);
/* main.c, at exit: print every phase in time order (a no-op when off). */
void tr_trace_report(void);

#endif
